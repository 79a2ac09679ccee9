"""Raw content: text decoding and YAML parsed into an untyped tree with positions.

YAML is parsed with PyYAML's composer only (libyaml when present), never its
constructor: every scalar stays the text the clerk wrote, so ``no`` is not
False, ``0102`` is not 66 and ``1:30`` is not 90.  Values are typed later by
the schema, which knows what each field means.  Every node keeps its
:class:`~gongkai.core.errors.Loc`, so any later problem can name file and line.

Pure functions: text in, tree and problems out.  No file access here.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import field, fields
from typing import Any

import yaml

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.core.tree import RMap, RNode, RScalar, RSeq

MAX_BYTES = 5 * 1024 * 1024


MAX_DEPTH = 40
# Keys of one mapping: a record has a few dozen; 450,000 took 50 s and
# 850 MB to read and report one by one.
MAX_KEYS = 10_000
# Items of one list: a roster written in YAML has a few thousand rows (a big
# one belongs in .xlsx/.csv); 90,000 allow_numbers took the hook 10 s to read.
MAX_ITEMS = 30_000


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --- decoding --------------------------------------------------------------

_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    problems: list[Problem] = field(default_factory=list)


_NAMES = {
    "cp949": "韩文（EUC-KR）",
    "euc_kr": "韩文（EUC-KR）",
    "cp932": "日文（Shift-JIS）",
    "shift_jis": "日文（Shift-JIS）",
    "big5": "繁体中文（Big5）",
    "big5hkscs": "繁体中文（Big5）",
}


def decode(data: bytes, path: str) -> Decoded:
    """Bytes of a content file → text with LF line ends.

    UTF-8 (with or without BOM) and UTF-16/UTF-32 with BOM are read as such.
    Other bytes are read as GB18030 (a superset of GBK, what Excel and
    Notepad on Chinese Windows write) only when charset-normalizer judges
    the file to be Chinese; any other encoding is refused, naming it, rather
    than shown as mojibake.
    """
    problems: list[Problem] = []
    try:
        if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            text, enc = data.decode("utf-32"), "UTF-32"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text, enc = data.decode("utf-16"), "UTF-16"
        else:
            text, enc = data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as exc:
        bom = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        gb = None if bom else _try_gb18030(data)
        if gb is None:
            bad_line = 1 if bom else data[: exc.start].count(b"\n") + 1
            guess = _guess(data)
            found = f"，看起来是{guess}" if guess else ""
            problems.append(
                Problem(
                    Loc(path, bad_line),
                    "GK001",
                    f"文件编码无法识别：不是 UTF-8，也不是 GBK/GB18030{found}",
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


def _guess(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return ""
    return _NAMES.get(best.encoding, best.encoding)


def _try_gb18030(data: bytes) -> str | None:
    """GB18030 text, when the bytes decode as such and look Chinese."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    if text.isascii():
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding not in ("gb18030", "gbk", "gb2312", "hz"):
        return None
    return text


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
            return FrontMatter("\n".join(lines[1:i]) + "\n", 2, "\n".join(lines[i + 1 :]), i + 2)
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
    try:
        return _from_events(text, path, offset)
    except _Fail as fail:
        return None, [fail.problem]
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in (exc.problem or ""):  # libyaml ≥ 0.2.6 stops deep nesting itself
            mark = exc.problem_mark or exc.context_mark
            line = (mark.line + 1 + offset) if mark else first_line
            return None, [Problem(Loc(path, line), "GK005", f"嵌套层数过深（超过 {MAX_DEPTH} 层）")]
        return None, [_syntax_problem(exc, text, path, offset)]
    except yaml.reader.ReaderError as exc:
        # libyaml counts the position in bytes of the UTF-8 text
        line = text.encode("utf-8")[: exc.position].count(b"\n") + 1 + offset
        return None, [
            Problem(
                Loc(path, line),
                "GK002",
                "YAML 格式错误：含有不能使用的控制字符",
                value=f"U+{exc.character:04X}" if isinstance(exc.character, int) else "",
                hint="删除这一行中看不见的特殊字符（可重新手工输入这一行）",
            )
        ]
    except yaml.YAMLError:
        return None, [Problem(Loc(path, first_line), "GK002", "YAML 格式错误：无法解析", hint=_HINT)]


# Nodes made without their dataclass __init__ (a frozen dataclass sets each
# field through object.__setattr__): the same objects, a third of the cost.
# A 10,000-record township has millions of scalars, each with its Loc.
_new = object.__new__


def _setters(cls: type) -> tuple[Any, ...]:
    """The slot setters of a slotted dataclass's fields, in their order (a
    field added later makes the unpacking in _from_events fail, not a node
    with a field unset)."""
    return tuple(vars(cls)[f.name].__set__ for f in fields(cls))


_LOC_SET = _setters(Loc)
_SCALAR_SET = _setters(RScalar)


def _from_events(text: str, path: str, offset: int) -> tuple[RNode | None, list[Problem]]:
    """Build the raw tree straight from libyaml's event stream.

    No composer and no resolver run (values stay text; the resolver was most
    of PyYAML's cost), and the stream is walked with an explicit stack, so a
    hostile nesting is refused at MAX_DEPTH instead of overflowing the C
    stack as composing it would.  Anchors, aliases, explicit tags, complex
    keys and second documents are refused where they occur."""
    problems: list[Problem] = []
    # A frame: [RMap entries | RSeq items, key_locs | None, loc, pending key, its loc]
    stack: list[list] = []
    root: RNode | None = None
    documents = 0
    lines: list[str] | None = None  # of text, split once a scalar spans several
    loader = _Loader(text)
    new = _new
    set_path, set_line, set_col, set_cell = _LOC_SET
    set_text, set_loc, set_style, set_src = _SCALAR_SET
    scalar_event = yaml.ScalarEvent
    get_event = loader.get_event
    try:
        while (ev := get_event()) is not None:  # None after the end: one call per event, not two
            cls = type(ev)
            node: RNode
            if cls is scalar_event:  # the most of any file: its own path, same checks in the same order
                mark = ev.start_mark
                if ev.anchor is not None:
                    raise _Fail(_anchor_problem(Loc(path, mark.line + 1 + offset), ev, cls))
                if ev.tag is not None:
                    _check_tag(ev, Loc(path, mark.line + 1 + offset))
                loc = new(Loc)
                set_path(loc, path)
                set_line(loc, mark.line + 1 + offset)
                set_col(loc, mark.column + 1)
                set_cell(loc, "")
                if stack:
                    top = stack[-1]
                    if top[1] is not None and top[3] is None:  # a key: only its text and place are kept
                        if len(top[0]) >= MAX_KEYS:
                            raise _Fail(_too_many_keys(loc))
                        top[3], top[4] = ev.value, loc
                        continue
                last = ev.end_mark.line
                src = None
                if last > mark.line:
                    if lines is None:
                        lines = text.split("\n")
                    src = "\n".join(lines[mark.line : last + 1])
                node = new(RScalar)
                set_text(node, ev.value)
                set_loc(node, loc)
                set_style(node, ev.style or None)  # libyaml gives "" for plain
                set_src(node, src)
            else:
                if cls is yaml.StreamStartEvent or cls is yaml.StreamEndEvent or cls is yaml.DocumentEndEvent:
                    continue
                mark = ev.start_mark
                line = mark.line + 1 + offset
                if cls is yaml.DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        raise _Fail(
                            Problem(
                                Loc(path, line),
                                "GK002",
                                "一个文件里只能有一条记录（发现了第二个 --- 文档）",
                                hint="把第二条记录放到单独的文件中",
                            )
                        )
                    continue
                end = cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent
                if not end and (ev.anchor is not None or cls is yaml.AliasEvent):
                    raise _Fail(_anchor_problem(Loc(path, line), ev, cls))
                if end:
                    frame = stack.pop()
                    node = (
                        RMap(frame[0], frame[1], frame[2]) if frame[1] is not None else RSeq(tuple(frame[0]), frame[2])
                    )
                else:
                    if ev.tag is not None:
                        _check_tag(ev, Loc(path, line))
                    loc = Loc(path, line, mark.column + 1)
                    if len(stack) > MAX_DEPTH:  # the top-level mapping is level 0
                        raise _Fail(Problem(loc, "GK005", f"嵌套层数过深（超过 {MAX_DEPTH} 层）"))
                    mapping = cls is yaml.MappingStartEvent
                    stack.append([{} if mapping else [], {} if mapping else None, loc, None, None])
                    continue
                if stack:
                    top = stack[-1]
                    if top[1] is not None and top[3] is None:
                        raise _Fail(Problem(node.loc, "GK103", "键必须是简单的文字", hint="键: 值"))
            if not stack:
                root = node
                continue
            top = stack[-1]
            if top[1] is None:
                if len(top[0]) >= MAX_ITEMS:
                    raise _Fail(
                        Problem(
                            node.loc,
                            "GK005",
                            f"一个列表超过 {MAX_ITEMS} 项",
                            hint="大名单请改用 .xlsx 或 .csv 名单文件，或拆成几条记录",
                        )
                    )
                top[0].append(node)
            else:
                key, kloc = top[3], top[4]
                top[3] = top[4] = None
                if key in top[0]:
                    first = top[1][key]
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
                top[0][key] = node
                top[1][key] = kloc
    finally:
        loader.dispose()
    if isinstance(root, RScalar) and root.is_null:
        return None, problems
    return root, problems


def _anchor_problem(loc: Loc, ev: yaml.Event, cls: type) -> Problem:
    return Problem(
        loc,
        "GK004",
        "不允许使用 YAML 锚点（&）或别名（*）",
        value=f"*{ev.anchor}" if cls is yaml.AliasEvent else f"&{ev.anchor}",  # type: ignore[attr-defined]
        hint="把要重复的内容直接写出来；若值以 * 或 & 开头，请加引号",
    )


def _check_tag(ev: yaml.Event, loc: Loc) -> None:
    """An explicit tag (``!x``) is refused: it would swallow the text after it."""
    tag = ev.tag  # type: ignore[attr-defined]
    if ev.implicit is not True and ev.implicit != (True, False) and ev.implicit != (False, True):  # type: ignore[attr-defined]
        raise _Fail(
            Problem(
                loc,
                "GK002",
                "YAML 格式错误：不支持以 ! 开头的标签，它会让后面的文字丢失",
                value=str(tag),
                hint="若 ! 是内容的一部分，请给整个值加上引号",
            )
        )


def _too_many_keys(loc: Loc) -> Problem:
    return Problem(
        loc,
        "GK005",
        f"一处的键超过 {MAX_KEYS} 个，不像是一条记录",
        hint="检查文件是否被别的程序改写；大名单请改用 .xlsx 或 .csv 名单文件",
    )


_HINT = "检查这一行的缩进、冒号后的空格（“: ”）和引号是否成对"


# libyaml's and PyYAML's wordings → what a clerk should look for.
_REASONS = (
    ("mapping values are not allowed", "此处不能出现“键: 值”（可能缩进不对，或值里有未加引号的冒号）"),
    ("could not find expected ':'", "缺少“: ”（冒号后要有空格；不要用中文冒号“：”）"),
    ("did not find expected key", "缩进不一致，找不到预期的键"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
    ("did not find expected ',' or ']'", "方括号 [ ] 没有配对，或其中缺少逗号"),
    ("did not find expected ',' or '}'", "花括号 { } 没有配对，或其中缺少逗号"),
    ("did not find expected node content", "缺少值，或有多余的符号"),
    ("found character that cannot start any token", "出现了不能作为开头的字符（如制表符 Tab、@、`、% 或 *）"),
    ("found a tab character", "用了制表符 Tab 缩进，请改用空格"),
    ("found unexpected end of stream", "引号或括号没有配对，文件就结束了"),
    ("found unknown escape character", "双引号中有无效的转义字符（反斜杠 \\）"),
    ("found undefined tag handle", "出现了不支持的标签（以 ! 开头）"),
    ("found unexpected ':'", "出现了多余的冒号"),
    ("block sequence entries are not allowed", "此处不能开始列表（“- ”前的缩进不对）"),
    ("found duplicate anchor", "不允许使用 YAML 锚点（&）"),
    ("expected <document start>", "文件结构不对（可能多了一行 --- 或缩进有误）"),
    ("control characters are not allowed", "含有不能使用的控制字符"),
)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, path: str, offset: int) -> Problem:
    problem = exc.problem or ""
    context = exc.context or ""
    reason = next((zh for en, zh in _REASONS if en in problem), "无法解析")
    # An unclosed quote or bracket is noticed at the end of the file, a missing
    # colon on the next line: the line where the scalar or key began is where
    # the clerk must look.
    mark = exc.problem_mark
    if exc.context_mark is not None and (
        "quoted scalar" in context or "simple key" in context or "flow" in context or mark is None
    ):
        mark = exc.context_mark
    line = (mark.line + 1 + offset) if mark else offset + 1
    lines = text.split("\n")
    at = mark.line if mark else 0
    for i in (at, at - 1):  # a missing space is often noticed on the next line
        here = (lines[i] if 0 <= i < len(lines) else "").split("#")[0]
        if "：" in here and ":" not in here:
            reason, line = "用了中文冒号“：”，键和值之间要用英文冒号加空格“: ”", i + 1 + offset
            break
        if re.match(r"^\s*[\w-]+:[^\s/:]", here) and "://" not in here:
            reason, line = "冒号“:”后面要有一个空格", i + 1 + offset
            break
    return Problem(Loc(path, line, (mark.column + 1) if mark else 0), "GK002", "YAML 格式错误：" + reason, hint=_HINT)
