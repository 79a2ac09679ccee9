"""The 标准目录 (standard disclosure catalogue) of 国办发〔2019〕54号:
content/catalogue.yaml → a frozen :class:`StandardCatalogue`.

54号 asks every 基层 government to publish by 领域 (area) → 事项 (item), and
gives each 事项 ten standard fields: 事项, 内容（要素）, 依据, 时限, 主体,
渠道和载体, 对象, 方式, 层级 (and the 领域 it belongs to).  A township is
inspected on this list: whether each 事项 that applies to it is published,
and on time.  The file names the 事项 and which records belong to each; the
check stage (check/standard.py) assigns records and judges timeliness.

Which records belong to a 事项 (``records:``), most specific first:

    tag:耕地地力保护      records with this tag (the record's ``tags``)
    subsidy/farm_subsidy  records of a type and sub-kind (budget → stage,
                          subsidy/fund/list → kind, decision → stage,
                          notice → category, regulation → validity); 中文名 also accepted:
                          补贴补偿公示/涉农补贴, 财政预决算/决算, 通知公告/政策解读
    budget                every record of a type

A record goes to the 事项 with its most specific match; two 事项 matching it
equally is an error in the file (GK803).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.core.schema.asset import ASSET_KINDS
from gongkai.core.schema.budget import STAGES
from gongkai.core.schema.kinds import BAD, Bool, Ctx, Enum, Field, Int, ListOf, Struct, Text, parse_fields
from gongkai.core.schema.types import (
    DECISION_STAGES,
    LIST_KINDS,
    NOTICE_CATEGORIES,
    PROPOSAL_KINDS,
    RECORD_TYPES,
    SUBSIDY_KINDS,
    VALIDITY,
)
from gongkai.core.tree import RMap, RNode, RSeq

__all__ = [
    "CYCLES",
    "PATH",
    "STATES",
    "Area",
    "ItemStatus",
    "Selector",
    "StandardCatalogue",
    "StandardItem",
    "StandardStatus",
    "parse_standard",
    "subkind",
]

PATH = "content/catalogue.yaml"

# 更新周期 → the most days that may pass between two records of the 事项
# before it is overdue ("event": published when something happens; never overdue).
CYCLES: dict[str, tuple[str, int | None]] = {
    "year": ("每年", 366),
    "half": ("每半年", 184),
    "quarter": ("每季度", 92),
    "month": ("每月", 31),
    "event": ("有新信息时", None),
}
AUDIENCES = {"public": "全社会", "group": "特定群体"}
MODES = {"proactive": "主动公开", "on_request": "依申请公开"}

FUND_KINDS = {"poverty": "扶贫资金", "relief": "救灾资金", "public_welfare": "公益事业资金"}
# record type → (the field that names its sub-kind, its values → Chinese names)
SUBKINDS: dict[str, tuple[str, dict[str, str]]] = {
    "budget": ("stage", dict(STAGES)),
    "subsidy": ("kind", dict(SUBSIDY_KINDS)),
    "fund": ("kind", FUND_KINDS),
    "decision": ("stage", dict(DECISION_STAGES)),
    "list": ("kind", dict(LIST_KINDS)),
    "notice": ("category", {c: c for c in NOTICE_CATEGORIES}),
    "regulation": ("validity", dict(VALIDITY)),
    "proposal": ("kind", dict(PROPOSAL_KINDS)),
    "asset": ("asset_kind", dict(ASSET_KINDS)),
}


def subkind(rtype: str, data: Any) -> str:
    """The sub-kind of a record of ``rtype`` whose type fields are ``data``."""
    spec = SUBKINDS.get(rtype)
    return str(data.get(spec[0], "")) if spec else ""


@dataclass(frozen=True)
class Selector:
    """Which records a 事项 takes: a tag, or a type with an optional sub-kind."""

    text: str  # as written
    tag: str = ""
    rtype: str = ""
    sub: str = ""

    @property
    def rank(self) -> int:
        """Specificity: a tag beats a type with sub-kind beats a type."""
        return 3 if self.tag else 2 if self.sub else 1

    def matches(self, rtype: str, sub: str, tags: tuple[str, ...]) -> bool:
        if self.tag:
            return self.tag in tags
        return rtype == self.rtype and (not self.sub or sub == self.sub)


@dataclass(frozen=True)
class StandardItem:
    """One 事项 with the ten standard fields of 54号."""

    area: str  # 领域
    id: str  # 事项编号, unique in the file
    name: str  # 事项名称
    elements: str  # 公开内容（要素）
    basis: str  # 公开依据
    deadline: str  # 公开时限, as the standard words it
    subject: str  # 公开主体 (a publisher key of site.yaml, or a name)
    channels: tuple[str, ...]  # 公开渠道和载体
    audience: str  # 公开对象: public | group
    mode: str  # 公开方式: proactive | on_request
    level: str  # 公开层级
    cycle: str  # 更新周期, a key of CYCLES
    selectors: tuple[Selector, ...]
    applies: bool = True
    reason: str = ""  # why the 事项 does not apply to this township
    loc: Loc = field(default_factory=lambda: Loc(""))

    @property
    def cycle_label(self) -> str:
        return CYCLES[self.cycle][0]

    @property
    def audience_label(self) -> str:
        return AUDIENCES.get(self.audience, self.audience)

    @property
    def mode_label(self) -> str:
        return MODES.get(self.mode, self.mode)


@dataclass(frozen=True)
class Area:
    name: str  # 领域
    applies: bool
    reason: str  # why it does not apply


@dataclass(frozen=True)
class StandardCatalogue:
    items: tuple[StandardItem, ...]
    areas: tuple[Area, ...]  # in the file's order


def _parse_selector(text: str) -> Selector | str:
    """A Selector, or why ``text`` is not one (a Chinese hint)."""
    t = text.strip()
    if t.startswith(("tag:", "标签:", "标签：")):
        tag = t.split(":", 1)[1] if ":" in t else t.split("：", 1)[1]
        return Selector(t, tag=tag.strip()) if tag.strip() else "“tag:”后面写标签，如 tag:耕地地力保护"
    head, _, sub = t.replace("／", "/").partition("/")
    head, sub = head.strip(), sub.strip()
    rtype = next((n for n, rt in RECORD_TYPES.items() if head in (n, rt.label)), "")
    if not rtype:
        names = "、".join(f"{n}（{rt.label}）" for n, rt in RECORD_TYPES.items())
        return f"记录类别应是：{names}"
    if not sub:
        return Selector(t, rtype=rtype)
    spec = SUBKINDS.get(rtype)
    if spec is None:
        return f"{RECORD_TYPES[rtype].label}没有细分类别，只写 {rtype}"
    key = next((k for k, zh in spec[1].items() if sub in (k, zh)), "")
    if not key:
        return f"{RECORD_TYPES[rtype].label}的细分类别应是：" + "、".join(
            k if k == zh else f"{k}（{zh}）" for k, zh in spec[1].items()
        )
    return Selector(t, rtype=rtype, sub=key)


_ITEM = Struct(
    {
        "id": Field(Text("事项编号", 40), True, "事项编号"),
        "name": Field(Text("事项名称", 100), True, "事项名称"),
        "elements": Field(Text("公开内容（要素）", 1000), True, "公开内容（要素）"),
        "basis": Field(Text("公开依据", 1000), True, "公开依据"),
        "deadline": Field(Text("公开时限", 200), True, "公开时限"),
        "subject": Field(Text("公开主体", 100), True, "公开主体"),
        "channels": Field(ListOf(Text("公开渠道和载体", 50), "公开渠道和载体", 1), True, "公开渠道和载体"),
        "audience": Field(Enum(AUDIENCES, "公开对象"), True, "公开对象"),
        "mode": Field(Enum(MODES, "公开方式"), True, "公开方式"),
        "level": Field(Text("公开层级", 50), True, "公开层级"),
        "cycle": Field(Enum({k: v for k, (v, _) in CYCLES.items()}, "更新周期"), True, "更新周期"),
        "records": Field(ListOf(Text("记录类别", 100), "属于本事项的记录"), False, "属于本事项的记录"),
    },
    "事项",
)
_AREA = Struct(
    {
        "area": Field(Text("领域", 50), True, "领域"),
        "applies": Field(Bool("本镇是否适用"), False, "本镇是否适用"),
        "reason": Field(Text("不适用的原因", 500), False, "不适用的原因"),
        "items": Field(ListOf(_ITEM, "事项"), False, "事项"),
    },
    "领域",
)
_FILE = {
    "areas": Field(ListOf(_AREA, "领域", 1), True, "领域"),
    "grace_days": Field(Int("逾期宽限天数", 0, 366), False, "逾期宽限天数"),
}


def parse_standard(node: RNode | None, path: str = PATH) -> tuple[StandardCatalogue | None, int, list[Problem]]:
    """The catalogue (None when the file is absent or wrong), the grace days
    before a periodic 事项 counts as overdue, and the problems."""
    ctx = Ctx(path)
    if node is None:
        return None, 0, []
    if not isinstance(node, RMap):
        ctx.error(
            node.loc,
            "GK801",
            "catalogue.yaml 顶层应是“areas: [领域, …]”",
            hint="见 docs/content-format.md 的“标准目录”",
        )
        return None, 0, ctx.problems
    values = parse_fields(_FILE, node, ctx, "")
    if values is BAD:
        return None, 0, ctx.problems
    items: list[StandardItem] = []
    seen: dict[str, Loc] = {}
    area_seq = node.entries["areas"]
    assert isinstance(area_seq, RSeq)
    for a, (area, area_node) in enumerate(zip(values["areas"], area_seq.items, strict=True)):
        applies = area.get("applies", True)
        if not applies and "reason" not in area:
            ctx.error(
                area_node.loc,
                "GK802",
                f"领域“{area['area']}”写了不适用，但没有写原因",
                f"areas[{a + 1}].reason",
                hint="加一行 reason: 说明为什么本镇不适用，如“本镇不承担此项职能，由县自然资源和规划局办理”",
            )
        assert isinstance(area_node, RMap)
        item_nodes = area_node.entries.get("items")
        for i, item in enumerate(area.get("items", ())):
            inode = item_nodes.items[i] if isinstance(item_nodes, RSeq) else area_node
            where = f"areas[{a + 1}].items[{i + 1}]"
            if item["id"] in seen:
                ctx.error(
                    inode.loc,
                    "GK803",
                    f"事项编号“{item['id']}”重复（第一次在第 {seen[item['id']].line} 行）",
                    f"{where}.id",
                    item["id"],
                    "每个事项的编号在文件中唯一",
                )
                continue
            seen[item["id"]] = inode.loc
            selectors: list[Selector] = []
            for k, text in enumerate(item.get("records", ())):
                sel = _parse_selector(text)
                if isinstance(sel, str):
                    ctx.error(inode.loc, "GK804", "属于本事项的记录写法不对", f"{where}.records[{k + 1}]", text, sel)
                else:
                    selectors.append(sel)
            text_fields = (
                "id",
                "name",
                "elements",
                "basis",
                "deadline",
                "subject",
                "audience",
                "mode",
                "level",
                "cycle",
            )
            items.append(
                StandardItem(
                    area=area["area"],
                    **{k: item[k] for k in text_fields},
                    channels=tuple(item["channels"]),
                    selectors=tuple(selectors),
                    applies=applies,
                    reason=area.get("reason", ""),
                    loc=inode.loc,
                )
            )
    _overlaps(items, ctx)
    areas = tuple(Area(a["area"], a.get("applies", True), a.get("reason", "")) for a in values["areas"])
    return StandardCatalogue(tuple(items), areas), values.get("grace_days", 30), ctx.problems


def _overlaps(items: list[StandardItem], ctx: Ctx) -> None:
    """Two 事项 taking the same records equally (same selector) leave a
    record's 事项 undecided."""
    owner: dict[tuple[str, str, str], StandardItem] = {}
    for item in items:
        for sel in item.selectors:
            key = (sel.tag, sel.rtype, sel.sub)
            other = owner.setdefault(key, item)
            if other is not item:
                ctx.error(
                    item.loc,
                    "GK805",
                    f"事项“{item.name}”和“{other.name}”（第 {other.loc.line} 行）都收“{sel.text}”这类记录",
                    "records",
                    sel.text,
                    "一类记录只能属于一个事项：删去其中一处，或在记录里加标签（tags）并写 tag:标签 区分",
                )


@dataclass(frozen=True)
class ItemStatus:
    """Where one 事项 stands on ``today`` (check/standard.py)."""

    item: StandardItem
    state: str  # a key of STATES
    count: int  # public records of the 事项
    latest: tuple[str, str, Any] | None  # (record id, title, date) of the newest
    due: Any  # date by which the next record is due (periodic 事项), else None
    late: int  # records published past their legal time limit (GK601–GK603)

    @property
    def label(self) -> str:
        return STATES[self.state]


STATES = {
    "na": "不适用",
    "none": "暂无信息",
    "current": "按时更新",
    "overdue": "逾期未更新",
    "published": "已公开",
}


@dataclass(frozen=True)
class StandardStatus:
    """The 标准目录 with each 事项's standing, and the public records no
    事项 takes."""

    areas: tuple[Area, ...]
    items: tuple[ItemStatus, ...]
    unassigned: tuple[tuple[str, str], ...]  # (record id, title)
