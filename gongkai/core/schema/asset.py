"""集体资产资源处置 (asset): a village letting, contracting out or selling what its collective owns.

A 村务 of the 村民委员会 (村民委员会组织法 第二十四条第一款第八项: 以借贷、租赁或者其他方式处分
村集体财产 is decided by the 村民会议, or the 村民代表会议 it authorised; 第三十条: made public
by the 村务公开), so its publisher is the 村委会 and it carries no 索引号 of the 镇.  What is
disposed of (集体厂房、鱼塘、林地、四荒地 …) and of which kind (经营性、资源性、非经营性资产),
how (出租、发包、转让) and by which method (公开竞价、招标、拍卖、公开协商、协议), against
which 评估价 or 底价, to whom (a unit, or a person: names follow the names rule, docs/names.md),
for how long and at what price.  The checks: check/rules/asset.py.
"""

from __future__ import annotations

from typing import Any

from gongkai.core.schema.kinds import Bool, Ctx, Date, Dec, Enum, Field, Money, Struct, Text
from gongkai.core.schema.meeting import MEETING
from gongkai.core.schema.names import NAMES
from gongkai.core.tree import RMap

__all__ = ["ASSET", "ASSET_KINDS", "COMPETITIVE", "DISPOSALS", "METHODS", "PARTY", "PARTY_KINDS", "PRICE_BASES"]

ASSET_KINDS = {"operating": "经营性资产", "resource": "资源性资产", "non_operating": "非经营性资产"}
DISPOSALS = {"lease": "出租", "contract": "发包", "transfer": "转让（出售）"}
METHODS = {
    "bidding": "公开竞价",
    "tender": "招标",
    "auction": "拍卖",
    "open_negotiation": "公开协商",
    "agreement": "协议",
}
# the methods in which several bidders compete in the open (农村土地承包法 第三条: 招标、拍卖、公开协商)
COMPETITIVE = ("bidding", "tender", "auction", "open_negotiation")
PRICE_BASES = {"annual": "每年", "total": "一次性（总价）"}
PARTY_KINDS = {"unit": "单位", "person": "个人"}


def _term_check(v: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    if v.get("start") and v.get("end") and v["end"] < v["start"]:
        ctx.error(
            node.key_locs["end"], "GK112", "结束日期早于开始日期", f"{path}.end", v["end"].isoformat(),
            f"不早于 {v['start'].isoformat()}",
        )  # fmt: skip


TERM = Struct(
    {"start": Field(Date("起始日期"), True, "起始日期"), "end": Field(Date("截止日期"), True, "截止日期")},
    "期限",
    _term_check,
)

# the other side of a contract: a unit (with its 统一社会信用代码 if known) or a person (a name only)
PARTY = Struct(
    {
        "kind": Field(Enum(PARTY_KINDS, "单位或个人"), True, "单位或个人"),
        "name": Field(Text("名称或姓名", 100), True, "单位名称或个人姓名"),
        "code": Field(Text("统一社会信用代码", 18), False, "单位的统一社会信用代码"),
        "member": Field(Bool("是否本集体经济组织成员"), False, "是否本集体经济组织成员（个人）或本村的组织（单位）"),
    },
    "受让方（承租方、承包方）",
)

ASSET = {
    "village": Field(Text("村（社区）", 50), True, "村（社区）"),
    "asset": Field(Text("资产资源名称", 100), True, "资产资源名称"),
    "asset_kind": Field(Enum(ASSET_KINDS, "资产类别"), True, "资产类别"),
    "location": Field(Text("坐落位置", 100), False, "坐落位置（四至）"),
    "quantity": Field(Dec("面积或数量"), True, "面积或数量"),
    "unit": Field(Text("计量单位", 10), True, "计量单位（亩、平方米、间……）"),
    "disposal": Field(Enum(DISPOSALS, "处置方式"), True, "处置方式"),
    "method": Field(Enum(METHODS, "交易方式"), True, "交易方式"),
    "method_reason": Field(Text("采用协议方式的原因", 500), False, "采用协议方式的原因"),
    "appraised": Field(Money("评估价"), False, "评估价（元）"),
    "reserve": Field(Money("底价"), False, "底价（元）"),
    "price": Field(Money("成交价"), True, "成交价（元）"),
    "price_basis": Field(Enum(PRICE_BASES, "成交价的计算方式"), True, "成交价是每年的租金（承包费）还是一次性价款"),
    "below_reason": Field(Text("成交价低于底价的原因", 500), False, "成交价低于底价（评估价）的原因"),
    "counterparty": Field(PARTY, True, "受让方（承租方、承包方）"),
    "term": Field(TERM, False, "租赁（承包）期限"),
    "meeting": Field(MEETING, True, "村民会议或村民代表会议"),
    "signed": Field(Date("合同签订日期"), False, "合同签订日期"),
    "names": Field(
        NAMES, False, "个人姓名公开范围：board 只在公开栏、notice 公开栏和网站（公示期内）、always 一直公开"
    ),
}
