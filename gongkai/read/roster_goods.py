"""Roster files: the columns of 救灾物资 (in-kind relief goods).

A relief record that declares its goods (``goods: [{name: 棉被, unit: 床}, …]``)
may keep its roster in a spreadsheet with one column per item; each row's
filled cells become its ``items`` (the same raw tree as inline
``items: [{name, quantity}]``), so one schema and one set of rules
(check/rules/goods.py) judge both.

Decisions, in one place
-----------------------

*Header.*  A column belongs to an item when its name, compared as every
column name is (NFKC, blanks and a bracketed unit removed), is the declared
name: ``棉被``, ``棉被（床）``, ``棉被(单位:床)``, or ``棉被`` over a unit row
``床``; a group title merged above the items (``救灾物资`` over ``棉被（床）``
``大米（袋）``) is fine.  A declared name wins over the column vocabulary.
A unit written in the header must be the declared one: it is refused (GK364),
never converted (25 公斤 is not 1 袋 unless the clerk says so).  Two columns
of one item: GK124.  In a record that declares goods, a column that is neither
an item nor a known column name is refused with GK363 (naming the declared
goods), not the generic GK124.

*Cells.*  A quantity is read like every other number of a roster: numeric
cells as stored; text with full-width digits, thousands separators
(``1,200``) and the column's own unit after it (``3床``).  At most four
decimals (as ``Dec``).  An empty cell, ``0`` and a dash (``-``, ``—``, ``/``)
all mean the household received none of that item: no item is written for it
(an inline ``items`` entry must be positive, GK361, but a grid has a cell for
every item).  A negative number: GK361; anything else that is not a number:
GK106; a date or an error value: GK126.  Every problem names the cell (``名单.xlsx
工作表1!F5``; CSV ``名单.csv F5`` with the file line) and the column.

*Rows.*  In a roster with item columns every person row gets ``items``
(possibly none), so its ``amount`` may be left out (schema/goods_only.py).
A row whose item cells are all empty or 0 and that has no amount hands out
nothing: GK395 — unless one of its cells, or an item column, was refused
(then that problem says what to fix).

*合计 row.*  Its item cells are returned in ``RosterFile.total`` as ``items``
and compared with the rows (GK362, check/rules/goods.py).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.core.tree import RMap, RScalar, RSeq
from gongkai.read.roster_cells import _at, _Cell, _Merge, _merged_across_rows, _Problems, _Row, _Source

__all__ = [
    "GoodsColumn",
    "goods_column",
    "goods_of",
    "is_goods_unit",
    "nothing_received",
    "read_items",
    "total_items",
    "unit_problem",
]

PLACES = 4  # as the schema's Dec
_BRACKETS = re.compile(r"[(\[【〔<《〈].*?[)\]】〕>》〉]")
_BRACKETED = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]{1,12})[)\]】〕]")
_UNIT_PREFIX = re.compile(r"^(?:计量)?单位[:]?")
_NUMBER = re.compile(r"^(-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_NONE = frozenset({"-", "--", "—", "——", "–", "/", "0"})


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _key(text: str) -> str:
    return _BRACKETS.sub("", _plain(text)).strip("*:、.").lower()


def _unit(text: str) -> str:
    """A unit as written in a header (``（床）``, ``单位：床``) → ``床``."""
    return _UNIT_PREFIX.sub("", _plain(text).strip("()[]【】〔〕")).lower()


def _bracket_unit(text: str) -> str:
    m = _BRACKETED.search(_plain(text))
    return _unit(m.group(1)) if m else ""


def goods_of(node: object) -> tuple[tuple[str, str], ...]:
    """The declared goods of a raw record (``goods:`` as the clerk wrote it)
    as (name, unit); entries without a name are left to the schema."""
    out: list[tuple[str, str]] = []
    if not isinstance(node, RSeq):
        return ()
    for item in node.items:
        if not isinstance(item, RMap):
            continue
        name, unit = item.entries.get("name"), item.entries.get("unit")
        if isinstance(name, RScalar) and name.text.strip():
            out.append((name.text.strip(), unit.text.strip() if isinstance(unit, RScalar) else ""))
    return tuple(out)


@dataclass(frozen=True)
class GoodsColumn:
    name: str  # the declared item
    unit: str  # its declared unit
    written: str  # the unit the header states, "" when none
    label: str  # the column as the clerk reads it, for messages: 棉被（床）


def goods_column(top: str, bottom: str, goods: tuple[tuple[str, str], ...]) -> GoodsColumn | None:
    """The item a header column names, from its upper and lower header texts
    (``bottom`` is "" for a one-row header), or None."""
    keys = {_key(n): (n, u) for n, u in goods}
    if bottom and _key(bottom) in keys:  # a group title (救灾物资) above the item
        name, unit = keys[_key(bottom)]
        return GoodsColumn(name, unit, _bracket_unit(bottom), bottom.strip())
    if top and _key(top) in keys:
        name, unit = keys[_key(top)]
        written = _bracket_unit(top) or (_unit(bottom) if bottom else "")
        label = top.strip() + (f"（{bottom.strip()}）" if bottom else "")
        return GoodsColumn(name, unit, written, label)
    return None


def is_goods_unit(text: str, goods: tuple[tuple[str, str], ...]) -> bool:
    """A header cell holding only one of the declared units (a unit row under the item names)."""
    u = _unit(text)
    return bool(u) and any(u == _unit(unit) for _n, unit in goods if unit)


def unit_problem(col: GoodsColumn, loc: Loc) -> Problem | None:
    """A header whose unit differs from the declared one (GK364)."""
    if not col.written or not col.unit or col.written == _unit(col.unit):
        return None
    return Problem(
        loc,
        "GK364",
        f"“{col.label}”列的单位与物资清单不一致：物资清单中“{col.name}”的单位是“{col.unit}”",
        "goods",
        col.label,
        f"把列名改为“{col.name}（{col.unit}）”并按{col.unit}填写数量；或在物资清单 goods 中改写单位",
    )


def _quantity(cell: _Cell, col: GoodsColumn) -> tuple[str | None, str, str, str]:
    """A cell → (number text | None for "none of it", code, why, fix)."""
    if cell.kind == "e":
        return None, "GK126", f"单元格是错误值 {cell.text}（公式出错）", "改正这个单元格的公式，或直接填写数量"
    if cell.kind == "d":
        return (
            None,
            "GK126",
            f"数量被 Excel 自动改成了日期（{cell.text}）",
            "把这一列的单元格格式设为“常规”，再重新填写数量",
        )
    if cell.kind == "b":
        return None, "GK106", f"“{cell.text}”不是数量", "填写发放的数量（数字）；没有发放的留空或填 0"
    t = _plain(cell.text).replace("，", ",")
    if cell.kind == "s":
        for unit in {col.unit, col.written} - {""}:
            if t.lower().endswith(_unit(unit)) and t[: -len(_unit(unit))]:
                t = t[: -len(_unit(unit))]
                break
    if t in _NONE:
        return None, "", "", ""
    m = _NUMBER.match(t)
    if m is None:
        return (
            None,
            "GK106",
            f"“{cell.text}”不是数量",
            f"只填数字，单位写在列名里，如“{col.name}（{col.unit}）”；没有发放的留空或填 0",
        )
    if len((m.group(3) or "")[1:]) > PLACES:
        return None, "GK106", f"数量 {cell.text} 超过 {PLACES} 位小数", f"填写实际的数量（最多 {PLACES} 位小数）"
    value = Decimal(t.replace(",", ""))
    if value < 0:
        return None, "GK361", f"数量 {cell.text} 是负数", "填写实际发放的数量；没有发放的留空或填 0"
    if value == 0:
        return None, "", "", ""
    return format(value, "f"), "", "", ""


def _item(col: GoodsColumn, text: str, loc: Loc) -> RMap:
    return RMap({"name": RScalar(col.name, loc), "quantity": RScalar(text, loc)}, {"name": loc, "quantity": loc}, loc)


def read_items(
    src: _Source,
    row: _Row,
    columns: dict[int, GoodsColumn],
    path: str,
    problems: _Problems,
    reported_merges: set[_Merge],
    empties: set[tuple[int, int]],
) -> tuple[RSeq, bool]:
    """A person's row → (its ``items``, possibly none; whether a cell of it was refused)."""
    items: list[RMap] = []
    refused = False
    for c, col in columns.items():
        loc = src.loc(row.n, row.line, c)
        merge = row.covered.get(c)
        if merge is not None and merge.c0 == c:
            refused = True
            _merged_across_rows(
                src,
                merge,
                reported_merges,
                problems,
                f"“{col.label}”列的",
                "每一户",
                f"{path}.items",
                "取消合并，在每一户的那一行分别填写数量",
            )
            continue
        cell = _at(row.down, c)
        if not cell.kind:
            if merge is None and not cell.computed:
                empties.add((row.n, c))
            continue
        text, code, why, fix = _quantity(cell, col)
        if code:
            problems.add(Problem(loc, code, f"“{col.label}”列：{why}", f"{path}.items", cell.text, fix), capped=True)
            refused = True
            continue
        if text is not None:
            items.append(_item(col, text, loc))
    where = items[0].loc if items else src.loc(row.n, row.line, min(columns, default=1))
    return RSeq(tuple(items), where), refused


def nothing_received(loc: Loc, path: str, name: str) -> Problem:
    """GK395: a row of a goods roster whose item cells are all empty (or 0) and that has no amount."""
    return Problem(
        loc,
        "GK395",
        f"{name} 这一行的物资列都是空白或 0，也没有金额：没有发放任何东西",
        f"{path}.items",
        hint="填写这一户领取的物资数量；没有领取的不要列入名单",
    )


def total_items(src: _Source, row: _Row, columns: dict[int, GoodsColumn], problems: _Problems) -> RSeq | None:
    """The 合计 row's item cells (0 kept: a total of none is still a total)."""
    items: list[RMap] = []
    for c, col in columns.items():
        cell = _at(row.raw, c)
        if not cell.kind:
            continue
        loc = src.loc(row.n, row.line, c)
        text, code, why, fix = _quantity(cell, col)
        if code:
            problems.add(Problem(loc, code, f"“{col.label}”列：{why}", "recipients.合计.items", cell.text, fix))
            continue
        items.append(_item(col, text if text is not None else "0", loc))
    return RSeq(tuple(items), items[0].loc) if items else None
