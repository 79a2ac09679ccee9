"""机构概况 (institution): an agency's 职能, 内设机构, 领导, address, hours and phone.

政府信息公开条例 第二十条第（二）项: an agency makes public its 机关职能, 机构设置,
办公地址, 办公时间, 联系方式 and 负责人姓名.  One record per 机构 (the 镇人民政府,
or one of its 站所), kept current (``updated``).  Officials' names are public in
their office: they are not a roster and follow no names rule.  The phone is the
office's landline: a personal mobile is refused like anywhere else (GK403).
"""

from __future__ import annotations

from gongkai.core.schema.kinds import Date, Field, ListOf, Struct, Text

__all__ = ["INSTITUTION", "LEADER", "UNIT"]

UNIT = Struct(
    {
        "name": Field(Text("内设机构名称", 100), True, "名称"),
        "duties": Field(Text("内设机构职责", 2000), True, "职责"),
        "head": Field(Text("负责人", 50), False, "负责人"),
        "phone": Field(Text("联系电话", 100), False, "办公电话（座机）"),
    },
    "内设机构",
)

LEADER = Struct(
    {
        "name": Field(Text("姓名", 50), True, "姓名"),
        "post": Field(Text("职务", 100), True, "职务"),
        "duties": Field(Text("分工", 1000), False, "分工"),
        "resume": Field(Text("简历", 5000), False, "简历"),
        "since": Field(Date("任职日期"), False, "任职日期"),
        "left": Field(Date("离任日期"), False, "离任日期（离任后请从名单中删除）"),
    },
    "领导",
)

INSTITUTION = {
    "name": Field(Text("机构名称", 100), True, "机构名称"),
    "functions": Field(Text("机构职能", 20000), True, "机构职能（可用 Markdown）"),
    "units": Field(ListOf(UNIT, "内设机构"), False, "内设机构"),
    "leaders": Field(ListOf(LEADER, "领导", 1), True, "领导"),
    "address": Field(Text("办公地址", 200), True, "办公地址"),
    "hours": Field(Text("办公时间", 200), True, "办公时间"),
    "phone": Field(Text("联系电话", 100), True, "联系电话（办公座机）"),
    "email": Field(Text("电子邮箱", 100), False, "电子邮箱"),
    "updated": Field(Date("更新日期"), True, "更新日期"),
}
