"""Roster files: the header row and the column names it may hold."""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import field
from pathlib import Path

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.read.roster_cells import _EMPTY, HEADER_SEARCH_ROWS, _at, _Cell, _Merge, _Problems, _Row, _Source
from gongkai.read.roster_goods import GoodsColumn, goods_column, is_goods_unit, unit_problem

# --- column names ----------------------------------------------------------------
#
# The vocabulary is data: roster_headers.toml, next to this file.  Names there
# are keyed here as a header cell is (NFKC, no blanks, no bracketed unit).

_BRACKETS = re.compile(r"[(\[【〔<《〈].*?[)\]】〕>》〉]")


@functools.lru_cache(maxsize=4096)
def _norm(text: str) -> str:
    """NFKC (full-width → half-width), all blanks removed, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _header_key(text: str) -> str:
    t = _BRACKETS.sub("", _norm(text))
    return t.strip("*:、.")


@dataclass(frozen=True)
class Vocabulary:
    """roster_headers.toml, read: every name keyed by :func:`_header_key`."""

    labels: dict[str, str]  # field → its Chinese label, in FIELDS order
    names: dict[str, tuple[str, ...]]  # field → names, as written in the data
    fallbacks: dict[str, tuple[str, ...]]
    shown: tuple[str, ...]
    ignored: tuple[str, ...]
    ignored_parts: tuple[str, ...]
    refused: tuple[tuple[tuple[str, ...], str], ...]  # (parts, why)
    kinds: dict[str, tuple[str, str]]  # key → ("field"|"fallback", field) | ("shown"|"ignore", "")


def load_vocabulary(data: bytes | None = None) -> Vocabulary:
    """The vocabulary from ``data`` (TOML), by default the packaged file.
    Raises ValueError when a name is listed twice with different meanings."""
    raw = tomllib.loads((data or _VOCAB_FILE.read_bytes()).decode("utf-8"))
    fields = raw["field"]
    kinds: dict[str, tuple[str, str]] = {}

    def put(name: str, kind: tuple[str, str]) -> None:
        key = _header_key(name)
        if kinds.get(key, kind) != kind:
            raise ValueError(f"roster header {name!r} is listed both as {kinds[key]} and {kind}")
        kinds[key] = kind

    for f, spec in fields.items():
        for name in spec["names"]:
            put(name, ("field", f))
        for name in spec.get("fallback", ()):
            put(name, ("fallback", f))
    for name in raw["shown"]["names"]:
        put(name, ("shown", ""))
    for name in raw["ignore"]["names"]:
        put(name, ("ignore", ""))
    return Vocabulary(
        {f: spec["label"] for f, spec in fields.items()},
        {f: tuple(spec["names"]) for f, spec in fields.items()},
        {f: tuple(spec.get("fallback", ())) for f, spec in fields.items()},
        tuple(raw["shown"]["names"]),
        tuple(raw["ignore"]["names"]),
        tuple(raw["ignore"]["parts"]),
        tuple((tuple(r["parts"]), r["why"]) for r in raw["refuse"]),
        kinds,
    )


_VOCAB_FILE = Path(__file__).with_name("roster_headers.toml")
VOCABULARY = load_vocabulary()

_FIELD_LABELS = VOCABULARY.labels
_HEADER_ALIASES = VOCABULARY.names
_IGNORED_HEADERS = set(VOCABULARY.ignored)
_IGNORED_PARTS = VOCABULARY.ignored_parts
_REFUSED_PARTS = tuple(p for parts, _why in VOCABULARY.refused for p in parts)
_ACCEPTED_HINT = (
    "列名应为以下之一（可带单位，如“金额（元）”）：序号；村/村名/所在村/村（社区）/村组；组/村民小组/小组；"
    "姓名/户主姓名/户主/领取人/补贴对象/保障对象；身份证号/身份证号码/公民身份号码/证件号码；"
    "面积/补贴面积/数量/保障人数/月数；标准/补贴标准/保障标准/单价；金额/补贴金额/发放金额/保障金额/补偿金额；"
    "备注（保障类别、发放日期等也可保留，会写进备注）。与公示无关的列请删除"
)
_UNITS = set("元 亩 人 户 月 个 头 只 年 公顷 平方米 ㎡ m2 kg 公斤 斤 吨 万元 间 套".split())
_UNITS |= set("床 袋 顶 桶 件 箱 条 包 瓶 台 张 双 盒 千克 升".split())  # of 救灾物资


@functools.lru_cache(maxsize=4096)
def _header_kind(text: str) -> tuple[str, str] | None:
    """A column name → ("field", f) | ("fallback", f) | ("shown", "") |
    ("ignore", "") | ("refuse", why) | None (unknown)."""
    n = _norm(text)
    if not n:
        return None
    key = _header_key(text)
    for k in (key, key.split("/")[0]):
        if k in VOCABULARY.kinds:
            return VOCABULARY.kinds[k]
    for parts, why in VOCABULARY.refused:
        if any(p in n for p in parts):
            return ("refuse", why)
    if any(p in n for p in _IGNORED_PARTS):
        return ("ignore", "")
    return None


def _is_unit(text: str) -> bool:
    t = _norm(text).strip("()[]【】")
    t = re.sub(r"^(单位|计量单位)[:]?", "", t)
    return bool(t) and all(part in _UNITS for part in t.split("/"))


def _known_names(cells: list[_Cell], goods: tuple[tuple[str, str], ...] = ()) -> int:
    """How many distinct known column names a row holds (declared goods
    count).  Long texts and "标签：值" texts (title and 填报单位/联系电话
    lines) do not count."""
    names = set()
    for c in cells:
        if c.kind != "s":
            continue
        key = _header_key(c.text)
        if (
            len(key) <= 16
            and ":" not in key
            and (_header_kind(c.text) is not None or (goods and goods_column(c.text, "", goods)))
        ):
            names.add(key)
    return len(names)


# --- header ------------------------------------------------------------------------------------------


@dataclass
class _Header:
    row: int  # first header row
    rows: int  # 1 or 2
    fields: dict[int, str]  # col → field
    first_col: int
    width: int  # columns the header spans
    unlabelled: set[int]  # columns within the header without any name
    ignored: set[int]
    texts: set[str]  # every text in the header row(s)
    shown: dict[int, str] = field(default_factory=dict)  # col → its name, for columns published in the note
    names: dict[int, str] = field(default_factory=dict)  # col → its name as written, with a unit row below it
    goods: dict[int, GoodsColumn] = field(default_factory=dict)  # col → the declared item (救灾物资) it counts
    goods_refused: bool = False  # an item column (or an unknown one in a goods roster) was refused


def _find_header(buffered: list[_Row], goods: tuple[tuple[str, str], ...] = ()) -> int | None:
    for i, row in enumerate(buffered[:HEADER_SEARCH_ROWS]):
        if _known_names(row.full, goods) >= 2:
            return i
    return None


def _is_continuation(
    head: _Row, nxt: _Row | None, merges: list[_Merge], goods: tuple[tuple[str, str], ...] = ()
) -> bool:
    if nxt is None or nxt.n != head.n + 1:
        return False
    texts = [c for c in nxt.raw if c.kind]
    if any(c.kind != "s" for c in texts):
        return False
    if any(m.r0 <= head.n < m.r1 for m in merges):
        return True  # a header cell merged down into the next row
    return bool(texts) and all(
        _is_unit(c.text)
        or _header_kind(c.text) is not None
        or (goods and (is_goods_unit(c.text, goods) or goods_column(c.text, "", goods)))
        for c in texts
    )


def _map_header(src: _Source, head: _Row, sub: _Row | None, problems: _Problems) -> _Header:
    width = max(len(head.full), len(sub.full) if sub else 0)
    fields: dict[int, str] = {}
    field_cells: dict[str, tuple[str, Loc]] = {}
    unlabelled: set[int] = set()
    ignored: set[int] = set()
    shown: dict[int, str] = {}
    names: dict[int, str] = {}
    fallbacks: dict[str, list[tuple[int, str, Loc]]] = {}
    goods: dict[int, GoodsColumn] = {}
    goods_locs: dict[str, tuple[str, Loc]] = {}
    goods_refused = False
    first_col = 0

    def where(row: _Row, c: int) -> Loc:
        m = row.covered.get(c)
        if m is not None:  # a merged header cell: name the cell holding the text
            return src.loc(m.r0, m.r0, m.c0)
        return src.loc(row.n, row.line, c)

    for c in range(1, width + 1):
        top = _at(head.full, c)
        bottom = _at(sub.full, c) if sub else _EMPTY
        if sub is not None:
            m = sub.covered.get(c)
            if m is not None and m.r0 <= head.n:  # the same merged cell as above
                bottom = _EMPTY
        top_t = top.text if top.kind else ""
        bottom_t = bottom.text if bottom.kind else ""
        if top_t or bottom_t:
            first_col = first_col or c
        else:
            unlabelled.add(c)
            continue
        # Personal data is refused whichever header row names it.
        refused = [
            (t, r, kind[1])
            for t, r in ((top_t, head), (bottom_t, sub))
            if t and r is not None and (kind := _header_kind(t)) is not None and kind[0] == "refuse"
        ]
        if refused:
            t, r, why = refused[-1]
            problems.add(
                Problem(
                    where(r, c),
                    "GK123",
                    f"“{t}”列{why}，名单文件中不能有这一列",
                    hint="删除整列后再保存；发放用的原始表另行保管，不要放进网站内容目录",
                )
            )
            ignored.add(c)
            continue
        good = goods_column(top_t, bottom_t, src.goods) if src.goods else None
        if good is not None:  # a declared item (救灾物资): roster_goods.py
            loc = where(sub if sub is not None and bottom_t and good.label == bottom_t.strip() else head, c)
            names[c] = good.label
            bad_unit = unit_problem(good, loc)
            if bad_unit is not None:
                problems.add(bad_unit)
                ignored.add(c)
                goods_refused = True
            elif good.name in goods_locs:
                other, other_loc = goods_locs[good.name]
                problems.add(
                    Problem(
                        loc,
                        "GK124",
                        f"“{good.label}”和 {other_loc.cell}“{other}”两列都是物资“{good.name}”，只能保留一列",
                        value=good.label,
                        hint="删除多余的一列，或把两列的数量合并到一列",
                    )
                )
                ignored.add(c)
                goods_refused = True
            else:
                goods_locs[good.name] = (good.label, loc)
                goods[c] = good
            continue
        name: str = top_t
        row: _Row | None = head
        if bottom_t and not _is_unit(bottom_t):
            if _header_kind(bottom_t) is not None:
                name, row = bottom_t, sub
            elif top_t and _header_kind(top_t + bottom_t) is not None:
                name, row = top_t + bottom_t, sub
            else:
                name, row = bottom_t, sub
        elif not top_t:
            name, row = bottom_t, sub
        assert row is not None
        kind = _header_kind(name)
        loc = where(row, c)
        names[c] = name + (f"（{bottom_t}）" if bottom_t and _is_unit(bottom_t) else "")
        if kind is None and src.goods:
            declared = "、".join(f"{n}（{u}）" if u else n for n, u in src.goods)
            problems.add(
                Problem(
                    loc,
                    "GK363",
                    f"“{names[c]}”列既不是物资清单中的物资，也不是能识别的列名",
                    "goods",
                    names[c],
                    f"物资清单（goods）中有：{declared}；新发放的物资先加到 goods 并写明单位，"
                    "列名与物资名称一致（如“棉被”或“棉被（床）”）；与公示无关的列请删除",
                )
            )
            ignored.add(c)
            goods_refused = True
        elif kind is None:
            hint = _ACCEPTED_HINT
            if _BRACKETS.search(_norm(name)) or (bottom_t and _is_unit(bottom_t)):
                hint += "；如果这一列是发放的救灾物资，在记录中写物资清单 goods（名称和单位），列名与物资名称一致"
            problems.add(Problem(loc, "GK124", f"不认识的列名“{name}”", value=name, hint=hint))
            ignored.add(c)
        elif kind[0] == "ignore":
            ignored.add(c)
        elif kind[0] == "shown":
            shown[c] = _label(name)
        elif kind[0] == "fallback":
            fallbacks.setdefault(kind[1], []).append((c, name, loc))
        else:
            f = kind[1]
            if f in field_cells:
                other, other_loc = field_cells[f]
                problems.add(
                    Problem(
                        loc,
                        "GK124",
                        f"“{name}”和 {other_loc.cell}“{other}”两列都表示{_FIELD_LABELS[f]}，只能保留一列",
                        value=name,
                        hint="删除多余的一列，或把它改名为表中其他项目的列名",
                    )
                )
                ignored.add(c)
            else:
                field_cells[f] = (name, loc)
                fields[c] = f
    # A fallback column (二轮承包面积, 家庭人口, 应发金额 …) is the field only
    # when no column names it outright; otherwise it is published in the note.
    for f, cols in fallbacks.items():
        if f in field_cells or len(cols) == 1:
            for c, name, loc in cols:
                if f in field_cells:
                    shown[c] = _label(name)
                else:
                    field_cells[f] = (name, loc)
                    fields[c] = f
            continue
        (_c0, first, loc0), (_c1, second, loc1) = cols[0], cols[1]
        problems.add(
            Problem(
                loc1,
                "GK124",
                f"{loc0.cell}“{first}”和 {loc1.cell}“{second}”两列都可能是{_FIELD_LABELS[f]}，不知道按哪一列读取",
                value=second,
                hint=f"把用来计算金额的那一列改名为“{VOCABULARY.names[f][0]}”"
                f"（如“补贴面积”“保障人数”），其他列会写进备注",
            )
        )
        for c, _name, _loc in cols:
            ignored.add(c)
    texts = {c.text for r in (head, sub) if r is not None for c in r.full if c.kind == "s"}
    fields = dict(sorted(fields.items()))  # column order, fallbacks included
    shown = dict(sorted(shown.items()))
    return _Header(
        head.n,
        2 if sub else 1,
        fields,
        first_col or 1,
        width,
        unlabelled,
        ignored,
        texts,
        shown,
        names,
        goods,
        goods_refused,
    )


def _label(name: str) -> str:
    """A header as it heads a part of the note: as written, without blanks or a bracketed unit."""
    t = _BRACKETS.sub("", re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))).strip("*:、.")
    return t or name.strip()
