"""Raw content: text decoding and YAML parsed into an untyped tree with positions.

YAML is parsed with PyYAML's composer only (libyaml when present), never its
constructor: every scalar stays the text the clerk wrote, so ``no`` is not
False, ``0102`` is not 66 and ``1:30`` is not 90.  Values are typed later by
the schema, which knows what each field means.  Every node keeps its
:class:`~gongkai.errors.Loc`, so any later problem can name file and line.

Pure functions: text in, tree and problems out.  No file access here.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Union

import yaml

from .errors import Loc, Problem

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "RMap",
    "RNode",
    "RScalar",
    "RSeq",
    "decode",
    "parse_yaml",
    "split_front_matter",
]

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 40

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class RScalar:
    text: str
    loc: Loc
    style: str | None = None  # None: plain; '"', "'", '|', '>': quoted or block

    @property
    def is_null(self) -> bool:
        return self.style is None and self.text in ("", "~", "null", "Null", "NULL")


@dataclass(frozen=True, slots=True)
class RMap:
    entries: dict[str, RNode]
    key_locs: dict[str, Loc]
    loc: Loc


@dataclass(frozen=True, slots=True)
class RSeq:
    items: tuple[RNode, ...]
    loc: Loc


RNode = Union[RScalar, RMap, RSeq]


def node_kind(node: RNode) -> str:
    if isinstance(node, RMap):
        return "键值结构"
    if isinstance(node, RSeq):
        return "列表"
    return "单个值"


# --- decoding --------------------------------------------------------------

_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes, path: str) -> Decoded:
    """Bytes of a content file → text with LF line ends.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such.  Other
    bytes are tried as GB18030 (a superset of GBK, what Excel and Notepad on
    Chinese Windows write) and accepted only when the result looks like
    ordinary Chinese text; otherwise the file is refused rather than shown as
    mojibake.
    """
    problems: list[Problem] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, enc = data.decode("utf-16"), "UTF-16"
    else:
        try:
            text, enc = data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError as exc:
            bad_line = data[: exc.start].count(b"\n") + 1
            gb = _try_gb18030(data)
            if gb is None:
                problems.append(
                    Problem(
                        Loc(path, bad_line),
                        "GK001",
                        "文件编码无法识别：既不是 UTF-8，也不是 GBK/GB18030",
                        hint="用记事本或 WPS 打开后“另存为”，编码选择 UTF-8",
                    )
                )
                return Decoded("", "unknown", problems)
            text, enc = gb, "GB18030"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for m in _BIDI.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        problems.append(
            Problem(
                Loc(path, line),
                "GK008",
                "含有不可见的双向文字控制字符，可能让显示的内容与实际内容不同",
                value=f"U+{ord(m.group()):04X}",
                hint="删除该字符（可重新手工输入这一行）",
            )
        )
    return Decoded(text, enc, problems)


def _try_gb18030(data: bytes) -> str | None:
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return text
    common = 0
    for c in non_ascii:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    # Real GBK text is almost all GB2312 characters; bytes of another
    # encoding decoded as GB18030 give rare characters and private-use marks.
    return text if common / len(non_ascii) >= 0.97 else None


# --- front matter ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrontMatter:
    yaml_text: str
    yaml_line: int  # line number of the first YAML line in the file
    body: str
    body_line: int


def split_front_matter(text: str) -> FrontMatter | None:
    """``---\\n yaml \\n---\\n body`` → parts; None when the block is missing
    or never closed."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return FrontMatter(
                "\n".join(lines[1:i]) + "\n", 2, "\n".join(lines[i + 1 :]), i + 2
            )
    return None


# --- YAML ----------------------------------------------------------------------


class _Fail(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def parse_yaml(text: str, path: str, first_line: int = 1) -> tuple[RNode | None, list[Problem]]:
    """YAML text → raw tree.  ``first_line`` is the file line of the text's
    first line (front matter starts on line 2)."""
    offset = first_line - 1
    if len(text.encode("utf-8")) > MAX_BYTES:
        return None, [
            Problem(
                Loc(path, first_line),
                "GK005",
                f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）",
                hint="把大名单拆成几个文件，或改用 .xlsx/.csv 名单文件",
            )
        ]
    if _flow_depth(text) > MAX_DEPTH:
        return None, [
            Problem(Loc(path, first_line), "GK005", f"嵌套层数过深（超过 {MAX_DEPTH} 层）")
        ]
    if "&" in text or "*" in text:
        anchor = _find_anchor(text, path, offset)
        if anchor is not None:
            return None, [anchor]
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + offset) if mark else first_line
        return None, [
            Problem(
                Loc(path, line, (mark.column + 1) if mark else 0),
                "GK002",
                "YAML 格式错误：" + _yaml_reason(exc),
                hint="检查这一行的缩进、冒号后的空格和引号是否成对",
            )
        ]
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml reader errors
        return None, [Problem(Loc(path, first_line), "GK002", f"YAML 格式错误：{exc}")]
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return None, []
    if len(nodes) > 1:
        line = nodes[1].start_mark.line + 1 + offset
        return None, [
            Problem(
                Loc(path, line),
                "GK002",
                "一个文件里只能有一条记录（发现了第二个 --- 文档）",
                hint="把第二条记录放到单独的文件中",
            )
        ]
    problems: list[Problem] = []
    try:
        tree = _convert(nodes[0], path, offset, 0, set(), problems)
    except _Fail as fail:
        return None, [fail.problem]
    return tree, problems


def _yaml_reason(exc: yaml.MarkedYAMLError) -> str:
    reasons = {
        "mapping values are not allowed here": "此处不能出现“键: 值”（可能缩进不对，或值里有未加引号的冒号）",
        "could not find expected ':'": "缺少冒号“:”",
        "did not find expected key": "缩进不一致，找不到预期的键",
        "found character that cannot start any token": "出现了不能作为开头的字符（如制表符 Tab 或 @、`）",
        "found undefined tag handle": "出现了未定义的标签",
        "did not find expected '-' indicator": "列表项缩进不一致",
        "found unexpected end of stream": "文件意外结束（引号或括号没有配对）",
        "found unknown escape character": "双引号中有无效的转义字符（反斜杠）",
    }
    problem = exc.problem or ""
    for key, zh in reasons.items():
        if problem.startswith(key):
            return zh
    return problem or "无法解析"


def _flow_depth(text: str) -> int:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    depth = best = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


def _find_anchor(text: str, path: str, offset: int) -> Problem | None:
    try:
        for event in yaml.parse(text, Loader=_Loader):
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                return Problem(
                    Loc(path, event.start_mark.line + 1 + offset),
                    "GK004",
                    "不允许使用 YAML 锚点（&）或别名（*）",
                    value=f"&{anchor}" if not isinstance(event, yaml.AliasEvent) else f"*{anchor}",
                    hint="把要重复的内容直接写出来；若值以 * 或 & 开头，请加引号",
                )
    except yaml.YAMLError:
        return None  # compose reports the syntax error with its line
    return None


def _convert(
    node: yaml.Node, path: str, offset: int, depth: int, seen: set[int], problems: list[Problem]
) -> RNode:
    loc = Loc(path, node.start_mark.line + 1 + offset, node.start_mark.column + 1)
    if depth > MAX_DEPTH:
        raise _Fail(Problem(loc, "GK005", f"嵌套层数过深（超过 {MAX_DEPTH} 层）"))
    if id(node) in seen and not isinstance(node, yaml.ScalarNode):
        raise _Fail(Problem(loc, "GK004", "不允许使用 YAML 锚点（&）或别名（*）"))
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        return RScalar(node.value, loc, node.style)
    if isinstance(node, yaml.SequenceNode):
        return RSeq(
            tuple(_convert(n, path, offset, depth + 1, seen, problems) for n in node.value), loc
        )
    assert isinstance(node, yaml.MappingNode)
    entries: dict[str, RNode] = {}
    key_locs: dict[str, Loc] = {}
    for key_node, value_node in node.value:
        kloc = Loc(path, key_node.start_mark.line + 1 + offset, key_node.start_mark.column + 1)
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Fail(Problem(kloc, "GK103", "键必须是简单的文字", hint="键: 值"))
        key = key_node.value
        if key in entries:
            first = key_locs[key]
            problems.append(
                Problem(
                    kloc,
                    "GK003",
                    f"键“{key}”重复出现（第 {first.line} 行已经有一个）",
                    field=key,
                    hint="同一层级每个键只能写一次，删除或合并其中一个",
                )
            )
            continue
        key_locs[key] = kloc
        entries[key] = _convert(value_node, path, offset, depth + 1, seen, problems)
    return RMap(entries, key_locs, loc)
