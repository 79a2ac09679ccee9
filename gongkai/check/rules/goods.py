"""In-kind relief (救灾物资): the goods of a subsidy roster.

A roster declares its goods once (``goods: [{name, unit}]``, the 物资清单)
and each row says what the household received (``items: [{name, quantity,
unit}]``).  Every item needs a unit (its own or the declared one) and a
positive quantity, names only declared goods, and the per-item totals
(``totals.goods``), when given, equal the rows, as do the item cells of
a spreadsheet roster's 合计 row (read/roster_goods.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gongkai.core.errors import Problem
from gongkai.core.model import Record
from gongkai.core.schema.kinds import parse_money_text
from gongkai.core.tree import RMap, RScalar, RSeq

__all__ = ["check", "item_totals", "row_items"]


def _num(d: Decimal) -> str:
    return format(d.normalize() if d != d.to_integral_value() else d.to_integral_value(), "f")


def item_totals(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Per declared item: ``{name, unit, quantity}``, the quantity being the
    stated ``totals.goods`` when given, else the sum of the rows.  Empty for
    a roster without goods."""
    goods = data.get("goods") or ()
    if not goods:
        return []
    stated = {t["name"]: t["quantity"] for t in data.get("totals", {}).get("goods", ())}
    sums: dict[str, Decimal] = {g["name"]: Decimal(0) for g in goods}
    for row in data.get("recipients", ()):
        for it in row.get("items", ()):
            if it["name"] in sums:
                sums[it["name"]] += it["quantity"]
    return [{"name": g["name"], "unit": g["unit"], "quantity": stated.get(g["name"], sums[g["name"]])} for g in goods]


def row_items(row: dict[str, Any]) -> dict[str, Decimal]:
    """A roster row's goods: item name → quantity."""
    out: dict[str, Decimal] = {}
    for it in row.get("items", ()):
        out[it["name"]] = out.get(it["name"], Decimal(0)) + it["quantity"]
    return out


def check(rec: Record, total_row: RMap | None = None) -> list[Problem]:
    """``total_row``: the 合计 row of a spreadsheet roster, whose item cells must equal the rows."""
    d = rec.data
    out: list[Problem] = []
    declared = {g["name"]: g["unit"] for g in d.get("goods", ())}
    names = "、".join(declared) or "（没有写 goods 物资清单）"
    sums: dict[str, Decimal] = dict.fromkeys(declared, Decimal(0))
    for i, row in enumerate(d["recipients"], start=1):
        for j, it in enumerate(row.get("items", ()), start=1):
            p = f"recipients[{i}].items[{j}]"
            name = it["name"]
            if name not in declared:
                out.append(
                    Problem(
                        rec.loc(f"{p}.name"),
                        "GK363",
                        f"{row['name']} 领取的物资“{name}”不在本记录的物资清单中",
                        f"{p}.name",
                        name,
                        f"物资清单（goods）中有：{names}；新的物资请先加到 goods",
                    )
                )
            unit = it.get("unit") or declared.get(name)
            if not unit:
                out.append(
                    Problem(
                        rec.loc(p),
                        "GK360",
                        f"{row['name']} 领取的物资“{name}”没有单位",
                        f"{p}.unit",
                        hint="写上单位（床、袋、顶、桶……），或在物资清单 goods 中给这种物资写 unit",
                    )
                )
            elif name in declared and it.get("unit") and it["unit"] != declared[name]:
                out.append(
                    Problem(
                        rec.loc(f"{p}.unit"),
                        "GK364",
                        f"{row['name']} 领取的“{name}”单位与物资清单不一致",
                        f"{p}.unit",
                        it["unit"],
                        f"{declared[name]}（物资清单中的单位；换算后再填数量）",
                    )
                )
            if it["quantity"] <= 0:
                out.append(
                    Problem(
                        rec.loc(f"{p}.quantity"),
                        "GK361",
                        f"{row['name']} 领取的物资“{name}”数量不是正数",
                        f"{p}.quantity",
                        _num(it["quantity"]),
                        "写实际发放的数量；没有领取这种物资的，删去这一项",
                    )
                )
            if name in sums:
                sums[name] += it["quantity"]
    for k, t in enumerate(d["totals"].get("goods", ()), start=1):
        p = f"totals.goods[{k}]"
        if t["name"] not in declared:
            out.append(
                Problem(
                    rec.loc(f"{p}.name"),
                    "GK363",
                    f"物资合计中的“{t['name']}”不在本记录的物资清单中",
                    f"{p}.name",
                    t["name"],
                    f"物资清单（goods）中有：{names}",
                )
            )
        elif t["quantity"] != sums[t["name"]]:
            out.append(
                Problem(
                    rec.loc(f"{p}.quantity"),
                    "GK362",
                    f"物资“{t['name']}”的数量合计与名单各行之和不符",
                    f"{p}.quantity",
                    _num(t["quantity"]),
                    f"{_num(sums[t['name']])} {declared[t['name']]}（按名单计算）",
                )
            )
    cells = total_row.entries.get("items") if total_row is not None else None
    for cell in cells.items if isinstance(cells, RSeq) else ():
        assert isinstance(cell, RMap)
        name, qty = cell.entries["name"], cell.entries["quantity"]
        assert isinstance(name, RScalar) and isinstance(qty, RScalar)
        v = parse_money_text(qty.text, 4)
        if name.text in sums and v != sums[name.text]:
            out.append(
                Problem(
                    qty.loc,
                    "GK362",
                    f"名单文件中“合计”行的{name.text}数量与各行之和不符",
                    f"recipients.合计.{name.text}",
                    qty.text,
                    f"{_num(sums[name.text])} {declared[name.text]}（按名单计算）",
                )
            )
    return out
