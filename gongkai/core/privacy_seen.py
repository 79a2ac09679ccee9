"""Numbers as a reader sees them: the text a browser shows (emphasis gone,
line breaks, spaces, dots and other digit forms between the digits of one
number) searched again, so a number split for display is still found;
and the shortcuts ``find_ids``/``find_cards``/``find_mobiles``/``redact``."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from gongkai.core.id_numbers import is_valid_card, is_valid_id, is_valid_mobile
from gongkai.core.privacy import (
    _FULLWIDTH_DIGITS,
    _INVISIBLE,
    _X_CHARS,
    Finding,
    Kind,
    _by_context,
    _continues_left,
    _continues_right,
    find_pii,
)

# --- what a reader sees --------------------------------------------------------------


@functools.cache
def _digit_table() -> dict[int, int]:
    """Every code point that is a digit (or an X of an ID number) → its ASCII
    form, and invisible characters → None: made once per process (36,000
    lookups, ~0.01 s; it was made three times a build), never changed."""
    import unicodedata

    table: dict[int, int] = {}
    ranges = [range(0x80, 0x3000), range(0xFF10, 0xFF1A), range(0x1D7CE, 0x1D800)]
    for r in ranges:
        for cp in r:
            ch = chr(cp)
            d = unicodedata.digit(ch, None)
            if d is not None and d < 10:
                table[cp] = 48 + d
    for cp in (0xFF38, 0xFF58, 0xD7):  # Ｘ ｘ ×
        table[cp] = ord("X")
    for ch in _INVISIBLE:
        table[ord(ch)] = None  # type: ignore[assignment]
    return table


_SEEN_DIGITS: dict[int, int] | None = None


_SEEN_SPECIAL: re.Pattern[str] | None = None


_EMPHASIS = re.compile(
    r"([0-9])(?:[*_~`]{1,3}|</?(?:em|strong|b|i|u|span|mark|s|del|ins|sub|sup|a|font|small|code|br|wbr)\b[^>]{0,200}>)++"
    r"(?=[0-9])"
)


_SPACES = re.compile(r"\s+")


# Eleven digits close together (gaps of at most three characters, no NUL):
# only there can a number hide.  Most of a page has none.
_DENSE = re.compile(r"[0-9](?:[^0-9\0]{0,3}+[0-9]){10}")


_LOOSE = re.compile(r"[0-9]{1,64}+(?:(?:X| ?[.\-/·] ?| )[0-9]{1,64}+){0,64}+(?:X(?![0-9A-Za-z]))?")


_LOOSE_GROUP = re.compile(r"[0-9]+X?")


_WINDOW = 120


def _ranges(codes: list[int]) -> str:
    """A character class of ``codes`` written as ranges (fast to search)."""
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        a, b = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        parts.append(a if i == j else f"{a}-{b}")
        i = j + 1
    return "[" + "".join(parts) + "]"


_OTHER_DIGITS: re.Pattern[str] | None = None


def has_special_digits(text: str) -> bool:
    """Whether ``text`` holds digits other than ASCII and full-width ones
    (circled, mathematical, other scripts)."""
    global _OTHER_DIGITS
    if _OTHER_DIGITS is None:
        plain = {ord(c) for c in _FULLWIDTH_DIGITS + _X_CHARS + _INVISIBLE}
        _OTHER_DIGITS = re.compile(_ranges(sorted(set(_digit_table()) - plain)))
    return _OTHER_DIGITS.search(text) is not None


def remove_emphasis(text: str) -> str:
    """``text`` without emphasis marks and inline tags between two digits."""
    if "*" in text or "<" in text or "_" in text or "~" in text or "`" in text:
        return _EMPHASIS.sub(r"\1", text)
    return text


def seen_text(text: str) -> str:
    """``text`` as a reader sees it, for :func:`find_pii_seen`: every kind
    of decimal digit (full-width, circled, mathematical ...) made ASCII,
    invisible characters and emphasis between digits dropped, and every run
    of whitespace (line breaks, tabs, NBSP, ideographic spaces) one space.
    A NUL marks where a reader sees separate things (table cells, block
    elements): no number is joined across it."""
    global _SEEN_DIGITS, _SEEN_SPECIAL
    if _SEEN_DIGITS is None or _SEEN_SPECIAL is None:
        _SEEN_DIGITS = _digit_table()
        _SEEN_SPECIAL = re.compile(_ranges(sorted(_SEEN_DIGITS)))
    if _SEEN_SPECIAL.search(text):
        text = text.translate(_SEEN_DIGITS)
    return _SPACES.sub(" ", remove_emphasis(text))


def find_pii_seen(text: str, *, phones: bool = True) -> list[Finding]:
    """Numbers a reader sees whole though they are written split: across
    line breaks, tabs, long space runs, emphasis, dots or slashes, in any
    grouping, or run into another number.  Offsets are into
    :func:`seen_text` of ``text``.  Only checksummed joins are made: an ID
    (region, date and MOD 11-2) from groups in any grouping or at either end
    of a long digit string; a card (prefix + Luhn) from groups of 3+ digits;
    a mobile from space-split groups of 3+ digits.  Only the stretches
    around eleven close digits are looked at."""
    seen = seen_text(text)
    out: list[Finding] = []
    have: set[str] = set()
    for lo, hi in _windows(seen):
        part = seen[lo:hi]
        for f in find_pii(part, phones=phones):
            if f.digits not in have:
                have.add(f.digits)
                out.append(Finding(f.kind, f.start + lo, f.end + lo, f.digits))
        for m in _LOOSE.finditer(part):
            if m.end() - m.start() < 11:
                continue
            if _continues_left(part, m.start()) or _continues_right(part, m.end()):
                continue
            groups = [(g.group(), g.start(), g.end()) for g in _LOOSE_GROUP.finditer(part, m.start(), m.end())]
            for f in _loose_numbers(part, m.group(), groups, phones):
                if f.digits not in have and not _by_context(part, _digits_from(part, f.start)):
                    have.add(f.digits)
                    out.append(Finding(f.kind, f.start + lo, f.end + lo, f.digits))
    return out


def _digits_from(text: str, at: int) -> int:
    """Where the unbroken digits that ``at`` is in begin: a label names a
    19-digit 地块编码 whose last eighteen digits would also pass as an ID."""
    while at > 0 and "0" <= text[at - 1] <= "9":
        at -= 1
    return at


def _windows(seen: str) -> list[tuple[int, int]]:
    """The stretches of ``seen`` to read: each run of eleven close digits
    with ``_WINDOW`` characters of context either side (less where a NUL
    ends what a reader sees as one thing), overlapping stretches merged.
    Merged, no stretch ends inside a number: every number is itself such a
    run, and the words around it that decide whether it continues a code
    lie within the context.  (Stretches that were cut where the previous
    one ended, not merged, read the tail of a long number, "20250616" +
    "17083046770", as a number of its own, and missed a number split by
    spaces or emphasis among many amounts.)"""
    spans: list[tuple[int, int]] = []
    for dense in _DENSE.finditer(seen):
        s, e = dense.start(), dense.end()
        lo = seen.rfind("\0", max(0, s - _WINDOW), s) + 1 or max(0, s - _WINDOW)
        hi = seen.find("\0", e, e + _WINDOW)
        hi = hi if hi >= 0 else min(len(seen), e + _WINDOW)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
        else:
            spans.append((lo, hi))
    return spans


def _loose_numbers(seen: str, run: str, groups: list[tuple[str, int, int]], phones: bool) -> Iterator[Finding]:
    n = len(groups)
    for i in range(n):
        acc = ""
        spaced = True
        for j in range(i, n):
            g, _, end = groups[j]
            if "X" in acc:
                break
            acc += g
            if j > i:
                gap = seen[groups[j - 1][2] : groups[j][1]]
                spaced = spaced and gap == " "
            if len(acc) > 19:
                break
            if j == i:
                # an ID run into the next number: "...1237X13812345678"
                if len(g) == 18 and g[-1] == "X" and j + 1 < n and is_valid_id(g):
                    yield Finding("id", groups[i][1], end, g)
                    nxt = groups[j + 1][0]
                    if phones and groups[j + 1][1] == end and is_valid_mobile(nxt):
                        yield Finding("phone", end, groups[j + 1][2], nxt)
                continue
            start = groups[i][1]
            if any(len(groups[k][0]) < 3 for k in range(i, j + 1)):
                break  # "105.00 506.10": amounts, not a number cut in pieces
            lens = tuple(len(groups[k][0]) for k in range(i, j + 1))
            if len(acc) == 18 and is_valid_id(acc):
                yield Finding("id", start, end, acc)
            elif len(acc) == 15 and (lens == (6, 6, 3) or (spaced and min(lens) >= 6)) and is_valid_id(acc):
                yield Finding("id", start, end, acc)  # no checksum: only as written or split in two halves
            elif 16 <= len(acc) <= 19 and is_valid_card(acc):
                yield Finding("card", start, end, acc)
            elif phones and len(acc) == 11 and (spaced or lens == (3, 4, 4)) and is_valid_mobile(acc):
                yield Finding("phone", start, end, acc)
    for g, start, end in groups:
        if len(g) > 18 and "X" not in g[:-1]:
            if is_valid_id(g[:18]):
                yield Finding("id", start, start + 18, g[:18])
            if is_valid_id(g[-18:]):
                yield Finding("id", end - 18, end, g[-18:])
        if len(g) >= 22 and "X" not in g:
            # two numbers run together, one of them a mobile: both must check
            yield from _pair(g[:-11], g[-11:], start, end, phones)
            yield from _pair(g[11:], g[:11], start, end, phones)


def _pair(other: str, mob: str, start: int, end: int, phones: bool) -> Iterator[Finding]:
    if not is_valid_mobile(mob):
        return
    if len(other) == 18 and is_valid_id(other):
        kind: Kind = "id"
    elif len(other) == 15 and is_valid_id(other):
        kind = "id"
    elif 16 <= len(other) <= 19 and is_valid_card(other):
        kind = "card"
    elif len(other) == 11 and is_valid_mobile(other):
        kind = "phone"
    else:
        return
    if kind != "phone" or phones:
        yield Finding(kind, start, end, other)
    if phones:
        yield Finding("phone", start, end, mob)


def find_ids(text: str) -> list[Finding]:
    """Unmasked resident ID numbers (18-character and 15-digit)."""
    return [f for f in find_pii(text) if f.kind == "id"]


def find_cards(text: str) -> list[Finding]:
    """Bank card numbers."""
    return [f for f in find_pii(text) if f.kind == "card"]


def find_mobiles(text: str) -> list[Finding]:
    """Mobile phone numbers (with or without +86)."""
    return [f for f in find_pii(text) if f.kind == "phone"]


def redact(text: str, findings: Iterable[Finding] | None = None, *, phones: bool = True) -> str:
    """``text`` with every finding replaced by its masked display form, e.g.
    for quoting an offending value in a Problem."""
    items = sorted(find_pii(text, phones=phones) if findings is None else findings, key=lambda f: f.start)
    parts: list[str] = []
    pos = 0
    for f in items:
        if f.start < pos:
            continue
        parts.append(text[pos : f.start])
        parts.append(f.display())
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)
