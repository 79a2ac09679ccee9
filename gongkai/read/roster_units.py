"""Roster files: units typed into number cells (``1.84亩``, ``105元/亩``, ``193.20元``).

A cell of the 数量, 标准 or 金额 column may carry its unit.  It is read as
the number alone when the unit is one the column can mean and agrees with
the column (the unit in its name, ``补贴面积（亩）``, or else the first unit
typed in it) and, for a 标准, with the 数量 of the same row (``元/亩`` with
亩).  Anything else — ``0.5万元``, ``1.2公顷``, ``元/人`` beside 亩, a word
such as ``约3亩`` — is refused with the fix, never guessed at: a wrong
conversion would publish a wrong amount.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import field

from gongkai.core.dataclass import dataclass

__all__ = ["ColumnUnits", "header_unit", "read_unit"]

# What a unit in a cell may be, per field.  "元/月" and "元/人/月" are rates
# of 低保 and 特困 rosters; "月" counts the months paid.
QUANTITY_UNITS = ("亩", "人", "户", "月", "平方米")
AMOUNT_UNITS = ("元",)
_ALIASES = {"口": "人", "㎡": "平方米", "m2": "平方米", "平米": "平方米", "个月": "月", "人月": "人"}
_NUMBER_UNIT = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)([^\d.,+-].*)?$")
_BRACKETED = re.compile(r"[(\[【〔（]([^()\[\]【】〔〕（）]{1,8})[)\]】〕）]")

_FIX = {
    "quantity": "只填数字，单位写在列名里，如“补贴面积（亩）”",
    "rate": "只填数字，单位写在列名里，如“补贴标准（元/亩）”",
    "amount": "只填以元为单位的数字，如 193.20",
}


def _canon(unit: str) -> str:
    u = unicodedata.normalize("NFKC", unit).replace(" ", "").replace("每", "/").replace("·", "/")
    u = u.lstrip("/")
    return "/".join(_ALIASES.get(p, p) for p in u.split("/"))


def _valid(f: str, unit: str) -> bool:
    if f == "amount":
        return unit in AMOUNT_UNITS
    if f == "quantity":
        return unit in QUANTITY_UNITS
    parts = unit.split("/")
    return parts[0] == "元" and all(p in QUANTITY_UNITS for p in parts[1:]) and len(parts) <= 3


def header_unit(f: str, name: str) -> str:
    """The unit a column's name states (``补贴面积（亩）`` → 亩), or ""."""
    for m in _BRACKETED.finditer(unicodedata.normalize("NFKC", name)):
        unit = _canon(m.group(1))
        if _valid(f, unit):
            return unit
    return ""


@dataclass
class ColumnUnits:
    """The unit of each number column: from its name, else the first typed in it."""

    declared: dict[str, str] = field(default_factory=dict)  # field → unit from the header
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)  # field → (unit, cell where first typed)

    def unit(self, f: str) -> str:
        return self.declared.get(f) or self.seen.get(f, ("", ""))[0]


def read_unit(
    f: str, text: str, cell: str, units: ColumnUnits, row_quantity_unit: str = ""
) -> tuple[str, str, str] | None:
    """A 数量/标准/金额 cell's text → (number text, unit, "") when it is a
    number with a unit this column can mean, ("", "", why + fix) when it has a
    unit that cannot be read safely, None when it holds no unit at all (the
    schema reads it as it is).  ``cell``: where it is, to name it later."""
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("，", ",")
    m = _NUMBER_UNIT.match(t)
    if m is None or not m.group(2):
        return None
    number, raw_unit = m.group(1), m.group(2)
    unit = _canon(raw_unit)
    label = {"quantity": "数量", "rate": "标准", "amount": "金额"}[f]
    if unit == "万元" and f == "amount":
        return "", "", f"金额要以元为单位，这里写的是“{raw_unit}”。请换算成元：{_FIX[f]}"
    if not _valid(f, unit):
        return "", "", f"{label}后面的“{raw_unit}”不是能识别的单位，无法确定数值。请{_FIX[f]}"
    column = units.unit(f)
    if column and column != unit:
        where = "列名" if f in units.declared else f"这一列 {units.seen[f][1]} 单元格"
        return "", "", f"{where}的单位是“{column}”，这里写的是“{raw_unit}”，单位不一致。请换算成{column}后{_FIX[f]}"
    if f == "rate" and "/" in unit:
        per = unit.split("/")[1]
        q_unit = row_quantity_unit or units.unit("quantity")
        if q_unit and q_unit != per:
            return "", "", f"标准的单位是“{raw_unit}”，而数量的单位是“{q_unit}”，对不上。请核对后{_FIX[f]}"
    if f not in units.declared and f not in units.seen:
        units.seen[f] = (unit, cell)
    return number, unit, ""
