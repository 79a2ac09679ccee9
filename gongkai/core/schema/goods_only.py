"""A roster of goods only (救灾物资 without money) needs no ``amount``.

A row with ``items`` may leave out ``amount`` (it is 0: the household got
goods, no money); a row without items still needs it.  Rows read from a
spreadsheet with item columns all have ``items``; one that got nothing at
all is the reader's GK395.  ``totals.amount`` may
be left out when the record declares ``goods`` and no row has money; it is
then 0.  Everything after validation sees an amount on every row and in the
totals, exactly as if the clerk had written ``amount: 0`` (the pages, sheet
and data already leave the money columns out of a goods-only roster).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gongkai.core.schema.kinds import Ctx
from gongkai.core.tree import RMap

__all__ = ["recipient_check", "subsidy_check"]

_HINT = "添加一行 amount: 金额（元）；只发放物资、没有发钱的，写 items（发放物资）即可不写金额"


def recipient_check(value: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    if "amount" in value:
        return
    if "items" in node.entries:  # a goods row (a spreadsheet's item columns give every row one, maybe empty)
        value["amount"] = Decimal(0)
        return
    where = node.key_locs.get("amount", node.loc)
    ctx.error(where, "GK102", "缺少必填项“amount”（金额）", f"{path}.amount", hint=_HINT)


def subsidy_check(value: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    totals = value["totals"]
    if "amount" in totals:
        return
    if value.get("goods") and not any(r["amount"] for r in value["recipients"]):
        totals["amount"] = Decimal(0)
        return
    tnode = node.entries.get("totals")
    where = tnode.loc if isinstance(tnode, RMap) else node.key_locs["totals"]
    ctx.error(
        where,
        "GK102",
        "缺少必填项“amount”（金额合计）",
        "totals.amount",
        hint="添加 amount: 金额合计；只有发放物资（写了 goods、各行都没有金额）的名单可以不写",
    )
