"""小额工程和采购结果 (procurement): what a township or village bought or had built, from whom.

The supplier is a unit (单位名称, optionally its 统一社会信用代码), never a person's
ID.  The result of a method with competition is made public for a period
(招标投标法实施条例 第五十四条 for tenders; 地方规定 for the small ones).
"""

from __future__ import annotations

from typing import Any

from gongkai.core.schema.kinds import Ctx, Date, Enum, Field, Money, Struct, Text
from gongkai.core.tree import RMap

__all__ = ["METHODS", "NEEDS_NOTICE", "PROCUREMENT"]

METHODS = {
    "public_tender": "公开招标",
    "invited_tender": "邀请招标",
    "negotiation": "竞争性谈判",
    "consultation": "竞争性磋商",
    "inquiry": "询价",
    "single_source": "单一来源",
    "direct": "直接发包",
}
# the methods whose result is made public for a period (GK358 when it has none)
NEEDS_NOTICE = ("public_tender", "invited_tender", "negotiation", "consultation", "inquiry", "single_source")


def _contract_check(v: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    if v.get("start") and v.get("end") and v["end"] < v["start"]:
        ctx.error(
            node.key_locs["end"], "GK112", "结束日期早于开始日期", f"{path}.end", v["end"].isoformat(),
            f"不早于 {v['start'].isoformat()}",
        )  # fmt: skip


PROCUREMENT = {
    "project": Field(Text("项目名称", 100), True, "项目名称"),
    "village": Field(Text("实施地点", 50), False, "实施地点（村、社区）"),
    "method": Field(Enum(METHODS, "采购方式"), True, "采购方式"),
    "supplier": Field(Text("中标（成交）单位", 100), True, "中标（成交）单位名称"),
    "supplier_code": Field(Text("统一社会信用代码", 18), False, "中标（成交）单位的统一社会信用代码"),
    "amount": Field(Money("中标（成交）金额"), True, "中标（成交）金额（元）"),
    "awarded_on": Field(Date("确定中标（成交）日期"), True, "确定中标（成交）日期"),
    "contract": Field(
        Struct(
            {
                "start": Field(Date("合同开始日期"), True, "开始日期"),
                "end": Field(Date("合同结束日期"), True, "结束日期"),
            },
            "合同履行期限",
            _contract_check,
        ),
        False,
        "合同履行期限",
    ),
}
