"""Limits on hostile input, checked before the expensive step.

Python-Markdown has no bound on the work it does: 8 KB of ``[`` takes
seconds, a megabyte of ``[``, ``*a`` or ``<a`` does not finish.  A body is
checked here before it is rendered; the thresholds are far above what any
notice needs (a paragraph of 500 links) and far below what makes the
renderer slow (a paragraph of 500 ``[`` renders in about 0.06 s).

Pure functions: text in, a Chinese reason or None out.
"""

from __future__ import annotations

import re

from gongkai.core.privacy_seen import redact

__all__ = ["MAX_BRACKETS", "MAX_MARKS", "MAX_QUOTE_DEPTH", "markdown_problem", "shown_key"]

MAX_BRACKETS = 500  # '[' in one paragraph
MAX_MARKS = 5_000  # '*', '_', '<', '`' in one paragraph
MAX_QUOTE_DEPTH = 30  # nested '>' quotes / list levels at the start of a line
MAX_KEY_SHOWN = 40

_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_QUOTES = re.compile(rf"^(?:[ \t]*>){{{MAX_QUOTE_DEPTH}}}", re.M)
# A list item indented past MAX_QUOTE_DEPTH levels (Python-Markdown nests a
# list per 4 columns; 2,000 levels took minutes and hundreds of MB).
_DEEP_LIST = re.compile(
    rf"^(?: {{4}}| {{0,3}}\t){{{MAX_QUOTE_DEPTH},}}+ {{0,3}}(?:[-*+]|[0-9]{{1,9}}[.)])(?:[ \t]|$)", re.M
)


def markdown_problem(text: str) -> str | None:
    """Why ``text`` must not be rendered as Markdown, or None."""
    for para in _PARAGRAPH.split(text):
        if para.count("[") > MAX_BRACKETS:
            return f"一段正文中有超过 {MAX_BRACKETS} 个“[”，无法安全排版"
        marks = para.count("*") + para.count("_") + para.count("<") + para.count("`")
        if marks > MAX_MARKS:
            return f"一段正文中有超过 {MAX_MARKS} 个“*”“_”“<”“`”符号，无法安全排版"
    if _QUOTES.search(text):
        return f"正文中的引用（>）嵌套超过 {MAX_QUOTE_DEPTH} 层，无法安全排版"
    if _DEEP_LIST.search(text):
        return f"正文中的列表嵌套超过 {MAX_QUOTE_DEPTH} 层（行首缩进过深），无法安全排版"
    return None


def shown_key(key: str) -> str:
    """A key as it may be echoed in a message: personal numbers masked,
    at most MAX_KEY_SHOWN characters."""
    key = redact(key)
    return key if len(key) <= MAX_KEY_SHOWN else key[:MAX_KEY_SHOWN] + "…"
