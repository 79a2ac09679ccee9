"""budget: 类/款/项 codes, parents equal the sum of their children, totals.

Published tables are rounded line by line: with ``rounding`` (the unit of
the last digit; 0.01 by default for a table in 万元) a sum may differ from
its stated value by half that unit for every line in it, the stated line
included.  A table with several amount columns is summed column by column
(ratio columns such as 为预算% are not sums).  A table that prints only 类
and 项 rows (no 5-digit code at all) sums 项 into 类.  Rows without code are
labelled: a 合计 row equals the sum of the 类 rows, a 总计 row that plus the
other labelled rows (上年结转, 调入资金 ...).  Negative amounts only in rows
whose kind allows them (调减, 退税 ...).
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.formats import money as _fmt
from gongkai.core.model import Record
from gongkai.core.schema.budget import is_percent

__all__ = ["NEGATIVE_ROWS", "check", "tolerance"]

_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")
# Row kinds whose amount may be negative as published.
NEGATIVE_ROWS = re.compile(r"调减|退税|退库|冲减|减少|返还|调出|红字|负数|净")


def tolerance(rounding: Decimal, lines: int) -> Decimal:
    """How far a sum of ``lines`` rounded lines may be from its rounded
    stated value: half a unit for each, the stated line included."""
    return rounding * (lines + 1) / 2


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    out: list[Problem] = []
    unit = rec.data.get("unit", "元")
    rounding = rec.data.get("rounding", Decimal("0.01") if unit == "万元" else Decimal(0))
    for t, table in enumerate(rec.data["tables"], start=1):
        out.extend(_table(rec, f"tables[{t}]", table, rounding, unit))
    return out


def _table(rec: Record, tp: str, table: dict[str, Any], rounding: Decimal, unit: str) -> list[Problem]:
    out: list[Problem] = []
    rows = table["rows"]
    if not rows:
        if "explanation" not in table:
            out.append(
                Problem(
                    rec.loc(f"{tp}.rows"),
                    "GK305",
                    f"表格“{table['name']}”没有数据行，需要写明原因",
                    f"{tp}.explanation",
                    hint="explanation: 本镇无政府性基金预算支出",
                )
            )
        if table["total"] != 0:
            out.append(
                Problem(
                    rec.loc(f"{tp}.total"),
                    "GK304",
                    "表格没有数据行，合计应为 0",
                    f"{tp}.total",
                    _fmt(table["total"]),
                    "0",
                )
            )
        return out
    columns: tuple[str, ...] = table.get("columns", ())
    multi = bool(columns)
    # (column index or None for the single amount, its label)
    summed: list[tuple[int | None, str]] = (
        [(i, c) for i, c in enumerate(columns) if not is_percent(c)] if multi else [(None, "")]
    )

    def value(row: dict[str, Any], i: int | None) -> Decimal:
        v: Decimal = row["amount"] if i is None else row["amounts"][i]
        return v

    def where_amount(r: int, i: int | None) -> str:
        return f"{tp}.rows[{r}].amount" if i is None else f"{tp}.rows[{r}].amounts[{i + 1}]"

    # Negative amounts
    for r, row in enumerate(rows, start=1):
        for i, _label in summed:
            v = value(row, i)
            if v < 0 and not NEGATIVE_ROWS.search(row["name"]):
                out.append(
                    Problem(
                        rec.loc(where_amount(r, i)),
                        "GK307",
                        f"“{row['name']}”的金额是负数",
                        where_amount(r, i),
                        _fmt(v),
                        "负数只用于调减、退税等行（科目名称中写明“调减”“退税”“退库”“冲减”等）；其他行请核对正负号",
                    )
                )
    # Codes
    where: dict[str, int] = {}
    ok_codes = True
    for r, row in enumerate(rows, start=1):
        code = row["code"]
        if not code:
            continue  # a labelled row
        if not _CODE.match(code):
            out.append(
                Problem(
                    rec.loc(f"{tp}.rows[{r}].code"),
                    "GK301",
                    "科目编码应是 3 位（类）、5 位（款）或 7 位（项）数字",
                    f"{tp}.rows[{r}].code",
                    code,
                    '如 201、20101、2010101（加引号写成 "201"；"201 03 01" 也可以）',
                )
            )
            ok_codes = False
            continue
        if code in where:
            out.append(
                Problem(
                    rec.loc(f"{tp}.rows[{r}].code"),
                    "GK306",
                    f"科目编码 {code} 在表中出现了两次（第 {where[code]} 行已有）",
                    f"{tp}.rows[{r}].code",
                    code,
                )
            )
            ok_codes = False
            continue
        where[code] = r
    if not ok_codes:
        return out
    skips_kuan = not any(len(c) == 5 for c in where)
    children: dict[str, list[str]] = {}
    for code in where:
        if len(code) == 3:
            continue
        parent = code[:3] if skips_kuan else code[:-2]
        if parent not in where:
            r = where[code]
            level = "类（3 位）" if len(parent) == 3 else "款（5 位）"
            out.append(
                Problem(
                    rec.loc(f"{tp}.rows[{r}].code"),
                    "GK302",
                    f"科目 {code} 的上级{level}科目 {parent} 不在表中",
                    f"{tp}.rows[{r}].code",
                    code,
                    f"在表中加上科目 {parent} 这一行",
                )
            )
            continue
        children.setdefault(parent, []).append(code)

    def differs(stated: Decimal, parts: list[Decimal]) -> bool:
        return abs(stated - sum(parts, Decimal(0))) > tolerance(rounding, len(parts))

    def col(label: str) -> str:
        return f"“{label}”列" if multi else ""

    def tol(parts: int) -> str:
        return f"；按每行四舍五入到 {rounding} {unit}计，允许差 {tolerance(rounding, parts)}" if rounding else ""

    first_sum = len(out)
    for i, label in summed:
        for parent, kids in children.items():
            parts = [value(rows[where[k] - 1], i) for k in kids]
            r = where[parent]
            stated = value(rows[r - 1], i)
            if differs(stated, parts):
                total = sum(parts, Decimal(0))
                out.append(
                    Problem(
                        rec.loc(where_amount(r, i)),
                        "GK303",
                        f"科目 {parent} 的{col(label)}金额不等于其下级科目之和（{'、'.join(kids)}）",
                        where_amount(r, i),
                        _fmt(stated),
                        f"{_fmt(total)}（下级合计），差额 {_fmt(stated - total)}{tol(len(parts))}",
                    )
                )
    causes = out[first_sum:]
    after = causes[0].sort_key() if causes else ()
    classes = [rows[r - 1] for c, r in where.items() if len(c) == 3]
    labelled = [(r, row) for r, row in enumerate(rows, start=1) if not row["code"]]
    sums = [(r, row) for r, row in labelled if "合计" in row["name"] and "总计" not in row["name"]]
    grand = [(r, row) for r, row in labelled if "总计" in row["name"]]
    parts_of_grand = [row for r, row in labelled if (r, row) not in sums and (r, row) not in grand]
    totals: tuple[Decimal, ...] | None = table.get("totals")
    for i, label in summed:
        class_parts = [value(row, i) for row in classes]
        top = sum(class_parts, Decimal(0))

        def gk304(path: str, message: str, stated: Decimal, expected: Decimal, n: int) -> Problem:
            return replace(
                Problem(
                    rec.loc(path),
                    "GK304",
                    message,
                    path,
                    _fmt(stated),
                    f"{_fmt(expected)}，差额 {_fmt(stated - expected)}{tol(n)}",
                ),
                after=after,
            )

        for r, row in sums:
            if class_parts and differs(value(row, i), class_parts):
                message = f"“{row['name']}”行的{col(label)}金额不等于各类（3 位科目）金额之和"
                out.append(gk304(where_amount(r, i), message, value(row, i), top, len(class_parts)))
        base_parts = [value(sums[0][1], i)] if sums else class_parts
        grand_parts = base_parts + [value(row, i) for row in parts_of_grand]
        for r, row in grand:
            if differs(value(row, i), grand_parts):
                expected = sum(grand_parts, Decimal(0))
                others = "、".join(row["name"] for row in parts_of_grand) or "无"
                message = f"“{row['name']}”行的{col(label)}金额不等于本年合计与其他各行（{others}）之和"
                out.append(gk304(where_amount(r, i), message, value(row, i), expected, len(grand_parts)))
        stated_total = table["total"] if i is None else (totals[i] if totals else None)
        written = f"{tp}.total" in rec.locs or f"{tp}.totals" in rec.locs  # else taken from the 合计 row
        if stated_total is None or not class_parts or not written:
            continue
        total_path = f"{tp}.total" if i is None or not totals else f"{tp}.totals[{i + 1}]"
        # The stated total may be this year's (Σ 类) or the grand total with 上年结转 etc.
        if differs(stated_total, class_parts) and (not parts_of_grand or differs(stated_total, grand_parts)):
            message = f"表格“{table['name']}”的{col(label)}合计不等于各类（3 位科目）金额之和"
            out.append(gk304(total_path, message, stated_total, top, len(class_parts)))
    return out
