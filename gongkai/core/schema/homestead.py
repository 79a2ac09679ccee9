"""宅基地审批 (homestead): one 批次 of 农村宅基地 approvals the 镇 publishes.

土地管理法 第六十二条 (2019修正, in force 2020-01-01): 一户只能拥有一处宅基地, its
area within the standard the province sets; 农村村民住宅用地 is approved by the
乡（镇）人民政府, and where it takes 农用地 the 农用地转用 is approved under 第四十四条.
Before 2020 the 乡（镇） reviewed and the 县级人民政府 approved (``approver``).
农业农村部 自然资源部《关于规范农村宅基地审批管理的通知》(农经发〔2019〕6号): the
村民小组 makes the application public within the group (公示) before the 村 and
the 镇 review it; the 镇 issues the 《农村宅基地批准书》 and makes the result public.

A row is one household: the applicant's name goes through the names rule
(core/schema/names.py: ``recipients`` is the roster, as in a subsidy), so after
the 公示期 and its grace only counts and areas stay on the site.  There is no
ID number column: an applicant's ID is never published (a number in a note is
refused by the leak checks, GK401).
"""

from __future__ import annotations

from typing import Any

from gongkai.core.schema.kinds import Bool, Ctx, Date, Dec, Enum, Field, Int, ListOf, Struct, Text
from gongkai.core.schema.names import NAMES
from gongkai.core.tree import RMap

__all__ = ["APPLY_KINDS", "APPROVERS", "HOMESTEAD", "OLD_PLOT", "TOWN_APPROVES_FROM"]

APPLY_KINDS = {"new": "新建", "rebuild": "翻建", "alter": "改建", "extend": "扩建"}
# 原宅基地处置: 退出 (given back), 无 (the household has none), 原址 (built on its own plot)
OLD_PLOT = {"withdrawn": "退出原宅基地", "none": "无原宅基地", "same_site": "在原宅基地上建房"}
APPROVERS = {"town": "乡（镇）人民政府", "county": "县级人民政府"}
# the day the 2019 修正 of the 土地管理法 came into force: the 乡（镇） approves from then on
TOWN_APPROVES_FROM = "2020-01-01"


def _period_check(v: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    if v.get("start") and v.get("end") and v["end"] < v["start"]:
        ctx.error(
            node.key_locs["end"], "GK112", "结束日期早于开始日期", f"{path}.end", v["end"].isoformat(),
            f"不早于 {v['start'].isoformat()}",
        )  # fmt: skip


VILLAGE_NOTICE = Struct(
    {
        "start": Field(Date("村组公示开始日期"), True, "开始日期"),
        "end": Field(Date("村组公示结束日期"), True, "结束日期"),
    },
    "村（组）公示",
    _period_check,
)

APPLICANT = Struct(
    {
        "village": Field(Text("村（社区）", 50), True, "村（社区）"),
        "group": Field(Text("组", 50), False, "村民小组"),
        "name": Field(Text("申请人", 50), True, "申请人（户主）姓名"),
        "kind": Field(Enum(APPLY_KINDS, "申请类型"), True, "申请类型"),
        "area": Field(Dec("批准面积"), True, "批准面积（平方米）"),
        "farmland": Field(Bool("是否占用农用地"), True, "是否占用农用地"),
        "conversion": Field(Text("农用地转用批准文号", 100), False, "农用地转用批准文号"),
        "old_plot": Field(Enum(OLD_PLOT, "原宅基地处置"), True, "原宅基地处置"),
        "permit_no": Field(Text("批准书编号", 50), True, "《农村宅基地批准书》编号"),
        "approved_on": Field(Date("批准日期"), True, "批准日期"),
        "village_notice": Field(VILLAGE_NOTICE, False, "这一户的村（组）公示"),
        "note": Field(Text("备注", 200), False, "备注"),
    },
    "批准名单行",
)

HOMESTEAD = {
    "batch": Field(Text("批次", 50), True, "批次"),
    "approver": Field(Enum(APPROVERS, "审批机关"), False, "审批机关"),
    "basis": Field(Text("审批依据", 200), False, "审批依据"),
    "village_notice": Field(VILLAGE_NOTICE, False, "村（组）公示"),
    "recipients": Field(ListOf(APPLICANT, "批准名单", 1), True, "批准名单"),
    # where the names may appear, overriding site.yaml's names (schema/names.py, docs/names.md)
    "names": Field(NAMES, False, "名单公开范围：board 只在公开栏、notice 公开栏和网站（公示期内）、always 一直公开"),
    "totals": Field(
        Struct(
            {
                "households": Field(Int("户数"), True, "户数"),
                "area": Field(Dec("批准面积合计"), True, "批准面积合计（平方米）"),
            },
            "合计",
        ),
        True,
        "合计",
    ),
}
