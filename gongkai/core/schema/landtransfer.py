"""土地经营权流转 (landtransfer): 承包农户 letting the 经营权 of their contracted land to a 经营主体.

农村土地承包法 第三十六条 (出租（转包）、入股或者其他方式, 向发包方备案), 第三十八条 (不得改变土地
所有权的性质和土地的农业用途; 流转期限不得超过承包期的剩余期限), 第四十五条 (工商企业等社会资本:
资格审查、项目审核); 《农村土地经营权流转管理办法》(农业农村部令2021年第1号): 第八条 a
流转 by the 发包方 or anyone else on the households' behalf needs their written 委托书;
第二十一条 the 发包方 records (备案) the 流转 and reports it to the 乡（镇）; 第二十三条 the
乡（镇）农村土地承包管理部门 keeps the 流转台账.  Published by the 镇 (its 农经 office
reviews and records them: 政府信息 of 条例 第二条) or by the 村委会 that arranged a 受托流转.
The 承包期 end (第二轮承包 2027, or its 延包) is a field the clerk fills in.
The checks: check/rules/landtransfer.py.
"""

from __future__ import annotations

from gongkai.core.schema.asset import PARTY, TERM
from gongkai.core.schema.kinds import Bool, Date, Dec, Enum, Field, Int, ListOf, Money, Struct, Text
from gongkai.core.schema.names import NAMES

__all__ = ["LANDTRANSFER", "TRANSFERORS", "TRANSFER_METHODS", "USES"]

TRANSFERORS = {"households": "承包农户", "collective": "村集体经济组织（受承包农户委托）"}
TRANSFER_METHODS = {"lease": "出租（转包）", "shares": "入股", "other": "其他方式"}
USES = {
    "grain": "粮食生产",
    "crops": "其他种植业",
    "facility": "设施农业",
    "orchard": "林果业",
    "livestock": "畜禽养殖",
    "fishery": "水产养殖",
    "forestry": "林业",
    "non_agricultural": "非农业用途",
}

LANDTRANSFER = {
    "village": Field(Text("村（社区）", 50), True, "村（社区）"),
    "location": Field(Text("地块坐落", 100), False, "地块坐落（组、地名、四至）"),
    "area": Field(Dec("流转面积"), True, "流转面积（亩）"),
    "transferor": Field(Enum(TRANSFERORS, "流出方"), True, "流出方"),
    "household_count": Field(Int("流出农户户数", 1), True, "流出农户户数"),
    "households": Field(
        ListOf(
            Struct(
                {
                    "name": Field(Text("户主姓名", 20), True, "户主姓名"),
                    "group": Field(Text("村民小组", 20), False, "村民小组"),
                    "area": Field(Dec("流转面积"), True, "流转面积（亩）"),
                },
                "流出农户",
            ),
            "流出农户",
        ),
        False,
        "流出农户（户主姓名、小组、面积）",
    ),
    "entrusted": Field(Int("书面委托户数"), False, "出具书面委托书的农户户数（村集体受托流转时）"),
    "transferee": Field(PARTY, True, "流入方（经营主体）"),
    "social_capital": Field(Bool("工商企业等社会资本"), False, "流入方是否工商企业等社会资本"),
    "review": Field(
        Struct(
            {
                "by": Field(Text("审查审核机关", 100), True, "审查审核机关"),
                "date": Field(Date("审查审核日期"), True, "通过日期"),
            },
            "资格审查、项目审核",
        ),
        False,
        "社会资本流转的资格审查、项目审核",
    ),
    "method": Field(Enum(TRANSFER_METHODS, "流转方式"), True, "流转方式"),
    "term": Field(TERM, True, "流转期限"),
    "contract_ends": Field(Date("承包期届满日期"), True, "土地承包期届满日期（第二轮承包或延包后的）"),
    "rent": Field(Money("流转价款"), False, "流转价款（元/亩/年）"),
    "rent_note": Field(Text("价款说明", 200), False, "价款说明（递增办法、入股分红、实物折价等）"),
    "use": Field(Enum(USES, "土地用途"), True, "土地用途"),
    "use_detail": Field(Text("具体用途", 100), False, "具体用途（种植品种、养殖品种等）"),
    "signed": Field(Date("合同签订日期"), True, "合同签订日期"),
    "filed": Field(Date("备案日期"), False, "向发包方备案并报乡（镇）的日期"),
    "names": Field(
        NAMES, False, "个人姓名公开范围：board 只在公开栏、notice 公开栏和网站（公示期内）、always 一直公开"
    ),
}
