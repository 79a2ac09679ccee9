"""The 村民会议 or 村民代表会议 that decided a village matter: who was expected, who came, who agreed.

村民委员会组织法 第二十二条 and 第二十六条 (quorum and majority) and 第二十四条 (the matters it decides, among
them 筹资筹劳 and 以借贷、租赁或者其他方式处分村集体财产); the checks are in check/rules/meeting.py.
Used by 一事一议 (yishiyiyi) and 集体资产资源处置 (asset).
"""

from __future__ import annotations

from gongkai.core.schema.kinds import Date, Enum, Field, Int, Struct

__all__ = ["MEETING", "MEETING_KINDS", "QUORUM_BASES"]

MEETING_KINDS = {"villagers": "村民会议", "representatives": "村民代表会议"}
# 村民会议: 十八周岁以上村民的过半数, or 三分之二以上的户的代表
QUORUM_BASES = {"persons": "按本村十八周岁以上村民计", "households": "按户的代表计"}

MEETING = Struct(
    {
        "kind": Field(Enum(MEETING_KINDS, "会议类型"), True, "会议类型"),
        "date": Field(Date("会议日期"), True, "会议日期"),
        "quorum": Field(Enum(QUORUM_BASES, "应到人数的计算方式"), False, "应到人数的计算方式"),
        "expected": Field(Int("应到人数", 1), True, "应到人数（或户数、代表会议组成人员数）"),
        "present": Field(Int("到会人数"), True, "到会人数"),
        "agreed": Field(Int("同意人数"), True, "同意人数"),
    },
    "议事会议",
)
