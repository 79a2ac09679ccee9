"""一事一议筹资筹劳 (yishiyiyi): a village project its 村民会议 or 村民代表会议 decided.

《村民一事一议筹资筹劳管理办法》(国办发〔2007〕4号 转发, 农业部): what villagers pay
(筹资) and work (筹劳) for a public project of their village, decided by the meeting,
capped per person per year by the province, made public; the 财政奖补 adds to it.
The meeting (core/schema/meeting.py), its quorum and majority: 村民委员会组织法 第二十二条
(check/rules/meeting.py).
"""

from __future__ import annotations

from gongkai.core.schema.kinds import Dec, Field, Int, ListOf, Money, Struct, Text
from gongkai.core.schema.meeting import MEETING, MEETING_KINDS, QUORUM_BASES

__all__ = ["MEETING_KINDS", "QUORUM_BASES", "YISHIYIYI"]

YISHIYIYI = {
    "village": Field(Text("村（社区）", 50), True, "村（社区）"),
    "project": Field(Text("项目名称", 100), True, "项目名称"),
    "meeting": Field(MEETING, True, "议事会议"),
    "funding": Field(
        Struct(
            {
                "per_person": Field(Money("每人筹资额"), True, "每人筹资额"),
                "people": Field(Int("筹资人数"), True, "筹资人数"),
                "total": Field(Money("筹资总额"), True, "筹资总额"),
            },
            "筹资",
        ),
        False,
        "筹资",
    ),
    "labour": Field(
        Struct(
            {
                "days_per_labourer": Field(Dec("每个劳动力筹劳工日", 1), True, "每个劳动力筹劳工日"),
                "labourers": Field(Int("筹劳人数"), True, "筹劳人数"),
            },
            "筹劳",
        ),
        False,
        "筹劳",
    ),
    "award": Field(Money("财政奖补资金"), False, "财政奖补资金"),
    "other_funds": Field(Money("其他资金"), False, "其他资金（村集体、社会捐赠等）"),
    "spending": Field(
        ListOf(
            Struct(
                {
                    "item": Field(Text("支出项目", 100), True, "支出项目"),
                    "amount": Field(Money("金额"), True, "金额"),
                    "note": Field(Text("备注", 200), False, "备注"),
                },
                "支出明细",
            ),
            "支出明细",
            1,
        ),
        True,
        "支出明细",
    ),
}
