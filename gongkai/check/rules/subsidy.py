"""subsidy rosters: amount = quantity × rate, totals match the rows, nobody twice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.formats import money as _fmt
from gongkai.core.model import Record
from gongkai.core.schema.kinds import parse_money_text
from gongkai.core.tree import RMap, RScalar

__all__ = ["ROUNDING", "check", "expected_amount"]

CENT = Decimal("0.01")
# The record's ``rounding:``: how amount = quantity × rate is brought to the
# cent.  Payment systems of some counties truncate (349.965 → 349.96).
ROUNDING = {"half_up": (ROUND_HALF_UP, "四舍五入到分"), "down": (ROUND_DOWN, "舍去分以下")}


def expected_amount(quantity: Decimal, rate: Decimal, rounding: str = "half_up") -> Decimal:
    """quantity × rate brought to the cent by ``rounding`` (a key of
    :data:`ROUNDING`), exactly, whatever the size."""
    with localcontext(prec=60):
        return (quantity * rate).quantize(CENT, rounding=ROUNDING[rounding][0])


def check(
    rec: Record,
    config: SiteConfig,
    id_keys: Mapping[str, str] | None = None,
    total_row: RMap | None = None,
) -> list[Problem]:
    """``id_keys``: recipients[i].id_number → the ID as the clerk masked it,
    so that two namesakes whose display forms coincide are told apart."""
    out: list[Problem] = []
    id_keys = id_keys or {}
    rows = rec.data["recipients"]
    record_rate = rec.data.get("rate")
    rounding = rec.data.get("rounding", "half_up")
    rule = ROUNDING[rounding][1]
    qty_sum = Decimal(0)
    amt_sum = Decimal(0)
    fixed_sum = Decimal(0)  # the amounts as quantity × rate says they should be
    wrong: list[Problem] = []  # GK311: rows whose amount is off
    seen: dict[tuple[str, str, str, str], int] = {}
    for i, row in enumerate(rows, start=1):
        p = f"recipients[{i}]"
        amt_sum += row["amount"]
        fixed = row["amount"]
        q = row.get("quantity")
        if q is not None:
            qty_sum += q
            rate = row.get("rate", record_rate)
            if rate is None:
                out.append(
                    Problem(
                        rec.loc(f"{p}.quantity"),
                        "GK316",
                        "有数量但没有补贴标准，无法核对金额",
                        f"{p}.rate",
                        hint="在记录中写 rate: 标准，或在这一行写 rate",
                    )
                )
            else:
                want = expected_amount(q, rate, rounding)
                if want != row["amount"]:
                    fixed = want
                    wrong.append(
                        Problem(
                            rec.loc(f"{p}.amount"),
                            "GK311",
                            f"{row['name']} 的金额不等于 数量 × 标准（{q} × {rate}，按 rounding: {rounding} {rule}）",
                            f"{p}.amount",
                            _fmt(row["amount"]),
                            f"{_fmt(want)}（{q} × {rate} = {_product(q, rate)}，{rule}）"
                            + _other_rule(q, rate, rounding, row["amount"]),
                        )
                    )
                    out.append(wrong[-1])
        fixed_sum += fixed
        ident = id_keys.get(f"{p}.id_number", row.get("id_number", ""))
        # Without ID numbers, two namesakes of one village are told apart by their 组.
        key = (row["name"], ident, "" if ident else row["village"], "" if ident else row.get("group", ""))
        if key in seen:
            out.append(
                Problem(
                    rec.loc(f"{p}.name"),
                    "GK313",
                    f"{row['name']} 在名单中出现了两次（第 {seen[key]} 行已有）",
                    f"{p}.name",
                    row["name"],
                    "同一人只列一行；重名的请核对身份证号",
                )
            )
        else:
            seen[key] = i
    totals = rec.data["totals"]
    checks = [("households", Decimal(len(rows)), "户数")]
    checks.append(("amount", amt_sum, "金额合计"))
    if "quantity" in totals:
        checks.append(("quantity", qty_sum, "数量合计"))
    cause = wrong[0].sort_key() if wrong else ()
    for what, actual, label in checks:
        stated = totals[what] if what in totals else None
        if stated is not None and Decimal(stated) != actual:
            prob = Problem(
                rec.loc(f"totals.{what}"),
                "GK312",
                f"{label}与名单各行之和不符",
                f"totals.{what}",
                str(stated),
                f"{actual if what != 'amount' else _fmt(actual)}（按名单计算）",
            )
            if what == "amount" and wrong:
                prob = _after_wrong_rows(prob, len(wrong), Decimal(stated), actual, fixed_sum, cause)
            out.append(prob)
    if total_row is not None:
        for what, actual, label in (("amount", amt_sum, "金额"), ("quantity", qty_sum, "数量")):
            cell = total_row.entries.get(what)
            if isinstance(cell, RScalar) and cell.text.strip():
                v = parse_money_text(cell.text, 4)
                if v is None or v != actual:
                    prob = Problem(
                        cell.loc,
                        "GK317",
                        f"名单文件中“合计”行的{label}与各行之和不符",
                        f"recipients.合计.{what}",
                        cell.text,
                        str(actual),
                    )
                    if what == "amount" and wrong and v is not None:
                        prob = _after_wrong_rows(prob, len(wrong), v, actual, fixed_sum, cause)
                    out.append(prob)
    return out


def _after_wrong_rows(
    p: Problem, n_wrong: int, stated: Decimal, actual: Decimal, fixed: Decimal, cause: tuple[str | int, ...]
) -> Problem:
    """A stated amount total that differs from the rows while some rows'
    amounts are themselves wrong (GK311): listed after the first of them, and
    its hint gives the sum of the rows as they should be, not as written."""
    rows = f" {n_wrong} 行金额不等于 数量 × 标准（GK311）"
    if stated == fixed:
        message = f"{p.message}：有{rows}，改正后各行之和正是合计 {_fmt(fixed)}"
        hint = f"合计 {_fmt(stated)} 不用改；改正 GK311 所指的金额"
    else:
        message = f"{p.message}（另有{rows}）"
        hint = f"{_fmt(fixed)}（改正 GK311 所指的金额后各行之和；按名单现有金额为 {_fmt(actual)}）"
    return replace(p, message=message, hint=hint, after=cause)


def _product(q: Decimal, rate: Decimal) -> str:
    with localcontext(prec=60):
        d = q * rate
    return format(d.normalize() if d != d.to_integral_value() else d.to_integral_value(), "f")


def _other_rule(q: Decimal, rate: Decimal, rounding: str, amount: Decimal) -> str:
    """When the amount is right under the other rule, say how to declare it."""
    for other, (_mode, label) in ROUNDING.items():
        if other != rounding and expected_amount(q, rate, other) == amount:
            return f"；如果发放系统是{label}的，在记录中写 rounding: {other}"
    return ""
