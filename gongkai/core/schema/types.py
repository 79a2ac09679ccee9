"""The record types, declared as data: which folder, which keys, which kind.

Adding a key to a record type is one line here; the validator, the error
messages and the docs all read these tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.schema.asset import ASSET
from gongkai.core.schema.budget import BUDGET
from gongkai.core.schema.goods_only import recipient_check, subsidy_check
from gongkai.core.schema.homestead import HOMESTEAD
from gongkai.core.schema.institution import INSTITUTION
from gongkai.core.schema.kinds import (
    BAD,
    Bool,
    Ctx,
    Date,
    Dec,
    Enum,
    Field,
    IdNumber,
    Int,
    ListOf,
    Money,
    Slug,
    Struct,
    Text,
)
from gongkai.core.schema.landtransfer import LANDTRANSFER
from gongkai.core.schema.names import NAMES
from gongkai.core.schema.procurement import PROCUREMENT
from gongkai.core.schema.yishiyiyi import YISHIYIYI
from gongkai.core.tree import RMap

__all__ = ["COMMON", "DISCLOSURE", "GROUNDS", "RECORD_TYPES", "TYPE_BY_FOLDER", "VALIDITY", "RecordType"]


def _period_check(value: dict[str, Any], node: RMap, ctx: Ctx, path: str, a: str, b: str) -> None:
    if value.get(a) and value.get(b) and value[b] < value[a]:
        ctx.error(
            node.key_locs[b],
            "GK112",
            "结束日期早于开始日期",
            f"{path}.{b}",
            value[b].isoformat(),
            f"不早于 {value[a].isoformat()}",
        )


def _notice_check(v: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    _period_check(v, node, ctx, path, "start", "end")


def _project_period_check(v: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    _period_check(v, node, ctx, path, "start", "end")


def _consultation_check(v: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    _period_check(v, node, ctx, path, "opens", "closes")


PERIOD = Struct(
    {"start": Field(Date("开始日期"), True, "开始日期"), "end": Field(Date("结束日期"), True, "结束日期")},
    "公示期",
    _notice_check,
)

# 2019 条例: 主动公开 (§19-§20), 依申请公开 (§27), 不予公开 (§14-§16).  "免予公开" is the
# pre-2019 wording; ``public`` (the old spelling of proactive) is still read as proactive.
DISCLOSURE = {"proactive": "主动公开", "on_request": "依申请公开", "withheld": "不予公开"}
DISCLOSURE_ALIASES = {"public": "proactive"}
EXEMPT_ARTICLES = {
    "14": "第十四条（国家秘密、法律行政法规禁止公开、危及安全稳定）",
    "15": "第十五条（商业秘密、个人隐私等第三方合法权益）",
    "16": "第十六条（内部事务信息、过程性信息、行政执法案卷信息）",
}
# sub-grounds of each article of the 2019 条例
GROUNDS = {
    "state_secret": ("14", "依法确定为国家秘密"),
    "prohibited": ("14", "法律、行政法规禁止公开"),
    "security": ("14", "公开后可能危及国家安全、公共安全、经济安全、社会稳定"),
    "trade_secret": ("15", "涉及商业秘密"),
    "privacy": ("15", "涉及个人隐私"),
    "third_party": ("15", "公开会对第三方其他合法权益造成损害"),
    "internal": ("16", "内部事务信息"),
    "process": ("16", "过程性信息"),
    "enforcement": ("16", "行政执法案卷信息"),
}
CONSENT = {
    "not_asked": "未征求第三方意见",
    "refused": "第三方不同意公开",
    "no_reply": "第三方逾期未提出意见",
    "agreed": "第三方同意公开",
}
PUBLIC_INTEREST = {
    "not_significant": "不公开不会对公共利益造成重大影响",
    "significant": "不公开会对公共利益造成重大影响",
}


@dataclass(frozen=True)
class DisclosureEnum(Enum):
    """``disclosure``: the old spelling ``public`` still means 主动公开."""

    def parse(self, node: Any, ctx: Ctx, path: str) -> Any:
        from gongkai.core.tree import RScalar

        if isinstance(node, RScalar) and node.text.strip() in DISCLOSURE_ALIASES:
            return DISCLOSURE_ALIASES[node.text.strip()]
        if isinstance(node, RScalar) and node.text.strip() in ("exempt", "免予公开"):
            ctx.error(
                node.loc,
                "GK107",
                "“免予公开”是2008年旧条例的用语；2019年修订的《政府信息公开条例》称“不予公开”",
                path,
                node.text.strip(),
                "disclosure: withheld，并把 exemption: 改为 withheld: {article: 15, ground: privacy, reason: …}",
            )
            return BAD
        return super().parse(node, ctx, path)


WITHHELD = Struct(
    {
        "article": Field(Enum(EXEMPT_ARTICLES, "条例条款"), True, "条例条款 14/15/16"),
        "ground": Field(Enum({k: v for k, (_, v) in GROUNDS.items()}, "不予公开的具体情形"), True, "具体情形"),
        "reason": Field(Text("不予公开理由", 500), True, "不予公开理由"),
        "consent": Field(Enum(CONSENT, "第三方意见"), False, "第三方意见（第十五条、第三十二条）"),
        "public_interest": Field(Enum(PUBLIC_INTEREST, "公共利益衡量"), False, "公共利益衡量（第十五条）"),
    },
    "不予公开依据",
)


@dataclass(frozen=True)
class Attachment(Struct):
    """An attachment: a file name beside the record, or {file, title}."""

    def parse(self, node: Any, ctx: Ctx, path: str) -> Any:
        from gongkai.core.tree import RScalar

        if isinstance(node, RScalar):
            name = Text("附件文件名", 255).parse(node, ctx, path)
            return name and {"file": name, "title": name}
        value = super().parse(node, ctx, path)
        if value:
            value.setdefault("title", value["file"])
        return value


ATTACHMENT = Attachment(
    {"file": Field(Text("附件文件名", 255), True, "文件名"), "title": Field(Text("附件名称", 200), False, "名称")},
    "附件",
)

COMMON: dict[str, Field] = {
    "title": Field(Text("标题", 200), True, "标题"),
    "publisher": Field(Text("公开主体", 100), True, "公开主体"),
    "date": Field(Date("发布日期"), True, "发布日期"),
    "id": Field(Slug(), False, "编号"),
    "disclosure": Field(DisclosureEnum(DISCLOSURE, "公开方式"), False, "公开方式"),
    "withheld": Field(WITHHELD, False, "不予公开依据"),
    "formed": Field(Date("信息形成日期"), False, "信息形成日期"),
    "doc_no": Field(Text("文号", 100), False, "文号"),
    "notice": Field(PERIOD, False, "公示期"),
    "objection": Field(
        Struct(
            {"phone": Field(Text("异议电话", 100)), "address": Field(Text("异议地址", 200))},
            "异议反映方式",
        ),
        False,
        "异议反映方式",
    ),
    "summary": Field(Text("摘要", 1000), False, "摘要"),
    "tags": Field(ListOf(Text("标签", 50), "标签"), False, "标签"),
    "draft": Field(Bool("草稿"), False, "草稿"),
    "supersedes": Field(Slug("被更正记录编号"), False, "被更正记录编号"),
    "attachments": Field(ListOf(ATTACHMENT, "附件"), False, "附件"),
    "body": Field(Text("正文", 200_000), False, "正文"),
}

# --- budget: gongkai/core/schema/budget.py -------------------------------------------

# --- subsidy --------------------------------------------------------------------

SUBSIDY_KINDS = {
    "farm_subsidy": "涉农补贴",
    "land_compensation": "征地补偿",
    "relief": "救灾救助",
    "social_assistance": "社会救助",
    "other": "其他",
}
# in-kind relief: the goods a roster hands out, declared once, then per row
GOODS_SOURCES = {"allocated": "上级调拨", "donated": "社会捐赠", "purchased": "自行采购", "mixed": "上级调拨和社会捐赠"}
GOODS = Struct(
    {"name": Field(Text("物资名称", 30), True, "物资名称"), "unit": Field(Text("单位", 10), True, "单位")}, "物资"
)
GOODS_ITEM = Struct(
    {
        "name": Field(Text("物资名称", 30), True, "物资名称"),
        "quantity": Field(Dec("数量"), True, "数量"),
        "unit": Field(Text("单位", 10), False, "单位"),
    },
    "发放物资",
)
GOODS_TOTAL = Struct(
    {"name": Field(Text("物资名称", 30), True, "物资名称"), "quantity": Field(Dec("数量合计"), True, "数量合计")},
    "物资合计",
)
RECIPIENT = Struct(
    {
        "village": Field(Text("村（社区）", 50), True, "村（社区）"),
        "group": Field(Text("组", 50), False, "组"),
        "name": Field(Text("姓名", 50), True, "姓名"),
        "id_number": Field(IdNumber(), False, "身份证号（已遮蔽）"),
        "quantity": Field(Dec("数量"), False, "数量"),
        "rate": Field(Dec("标准"), False, "标准"),
        # required, except on a row with items (goods only): schema/goods_only.py
        "amount": Field(Money("金额"), False, "金额"),
        # in-kind relief (救灾物资): the goods this household received (check/rules/goods.py)
        "items": Field(ListOf(GOODS_ITEM, "发放物资"), False, "发放物资"),
        "note": Field(Text("备注", 200), False, "备注"),
    },
    "名单行",
    recipient_check,
)
SUBSIDY = {
    "kind": Field(Enum(SUBSIDY_KINDS, "补贴类别"), True, "类别"),
    "program": Field(Text("项目名称", 100), True, "项目名称"),
    "basis": Field(Text("政策依据", 200), False, "政策依据"),
    "rate": Field(Dec("补贴标准"), False, "补贴标准"),
    "rate_unit": Field(Text("标准单位", 20), False, "标准单位"),
    "quantity_unit": Field(Text("数量单位", 20), False, "数量单位"),
    "rounding": Field(Enum({"half_up": "四舍五入", "down": "舍去"}, "金额取整规则"), False, "金额取整规则"),
    "recipients": Field(ListOf(RECIPIENT, "发放名单", 1), True, "发放名单"),
    # in-kind relief: the declared goods (物资清单) and where they came from
    "goods": Field(ListOf(GOODS, "物资清单"), False, "物资清单"),
    "goods_source": Field(Enum(GOODS_SOURCES, "物资来源"), False, "物资来源"),
    "goods_source_note": Field(Text("物资来源说明", 200), False, "物资来源说明"),
    # where the names may appear, overriding site.yaml's names (schema/names.py, docs/names.md)
    "names": Field(NAMES, False, "名单公开范围：board 只在公开栏、notice 公开栏和网站（公示期内）、always 一直公开"),
    "totals": Field(
        Struct(
            {
                "households": Field(Int("户数"), True, "户数"),
                "quantity": Field(Dec("数量合计"), False, "数量合计"),
                # required, except for goods only: schema/goods_only.py
                "amount": Field(Money("金额合计"), False, "金额合计"),
                "goods": Field(ListOf(GOODS_TOTAL, "物资合计"), False, "物资合计"),
            },
            "合计",
        ),
        True,
        "合计",
    ),
}

# --- fund -------------------------------------------------------------------------

LEVELS = {
    "central": "中央",
    "provincial": "省级",
    "city": "市级",
    "county": "县级",
    "township": "乡镇",
    "other": "其他",
}
STATUS = {"planned": "未开工", "in_progress": "实施中", "completed": "已完工", "cancelled": "已取消"}
FUND = {
    "kind": Field(
        Enum({"poverty": "扶贫资金", "relief": "救灾资金", "public_welfare": "公益事业资金"}, "资金类别"), True, "类别"
    ),
    "year": Field(Int("年度", 1990, 2100), True, "年度"),
    "allocated_on": Field(Date("资金下达日期"), False, "资金下达日期"),
    "sources": Field(
        ListOf(
            Struct(
                {
                    "name": Field(Text("资金来源", 100), True, "资金来源"),
                    "level": Field(Enum(LEVELS, "资金级次"), False, "资金级次"),
                    "amount": Field(Money("金额"), True, "金额"),
                },
                "资金来源",
            ),
            "资金来源",
            1,
        ),
        True,
        "资金来源",
    ),
    "projects": Field(
        ListOf(
            Struct(
                {
                    "name": Field(Text("项目名称", 100), True, "项目名称"),
                    "village": Field(Text("实施地点", 50), False, "实施地点"),
                    "task": Field(Text("建设任务", 500), False, "建设任务"),
                    "allocated": Field(Money("安排资金"), True, "安排资金"),
                    "spent": Field(Money("已支出"), False, "已支出"),
                    "beneficiaries": Field(
                        Struct(
                            {"households": Field(Int("受益户数")), "people": Field(Int("受益人数"))},
                            "受益对象",
                        ),
                        False,
                        "受益对象",
                    ),
                    "period": Field(
                        Struct(
                            {
                                "start": Field(Date("开工日期"), True, "开工日期"),
                                "end": Field(Date("完工日期"), True, "完工日期"),
                            },
                            "实施期限",
                            _project_period_check,
                        ),
                        False,
                        "实施期限",
                    ),
                    "implementer": Field(Text("实施单位", 100), False, "实施单位"),
                    "responsible": Field(Text("责任人", 50), False, "责任人"),
                    "status": Field(Enum(STATUS, "项目状态"), True, "项目状态"),
                    "note": Field(Text("备注", 500), False, "备注"),
                },
                "项目",
            ),
            "项目",
            1,
        ),
        True,
        "项目",
    ),
}

# --- decision -----------------------------------------------------------------------

DECISION_STAGES = {"consultation": "征求意见", "decided": "决策", "result": "执行结果"}
DECISION = {
    "stage": Field(Enum(DECISION_STAGES, "决策阶段"), True, "决策阶段"),
    "consultation": Field(
        Struct(
            {
                "opens": Field(Date("征求意见开始日期"), True, "开始日期"),
                "closes": Field(Date("征求意见截止日期"), True, "截止日期"),
                "channels": Field(ListOf(Text("意见反馈渠道", 100), "意见反馈渠道"), False, "渠道"),
                # 《重大行政决策程序暂行条例》第十五条: a shorter period is allowed when the
                # reason is given publicly with the consultation
                "shortened": Field(Text("缩短征求意见期限的理由", 500), False, "缩短期限的理由（向社会说明）"),
            },
            "征求意见",
            _consultation_check,
        ),
        False,
        "征求意见",
    ),
    "follows": Field(Slug("上一阶段记录编号"), False, "上一阶段记录编号"),
    "consultation_waived": Field(Text("未征求意见的理由", 500), False, "未征求意见的理由"),
    "meeting": Field(
        Struct(
            {"name": Field(Text("会议名称", 100), True, "会议名称"), "date": Field(Date("会议日期"), True, "会议日期")},
            "决策会议",
        ),
        False,
        "决策会议",
    ),
    "comments_received": Field(Int("收到意见条数"), False, "收到意见条数"),
    "comments_adopted": Field(Text("意见采纳情况", 5000), False, "意见采纳情况"),
}

# --- list -------------------------------------------------------------------------------

LIST_KINDS = {"power": "权力清单", "responsibility": "责任清单", "fee": "涉企收费清单"}
LIST = {
    "kind": Field(Enum(LIST_KINDS, "清单类别"), True, "清单类别"),
    "items": Field(
        ListOf(
            Struct(
                {
                    "name": Field(Text("事项名称", 200), True, "事项名称"),
                    "basis": Field(Text("设定依据", 2000), True, "设定依据"),
                    "standard": Field(Text("收费标准", 500), False, "收费标准"),
                    "category": Field(Text("事项类别", 50), False, "事项类别"),
                    "department": Field(Text("实施机构", 100), False, "实施机构"),
                    "code": Field(Text("事项编码", 50), False, "事项编码"),
                    "note": Field(Text("备注", 500), False, "备注"),
                },
                "清单事项",
            ),
            "清单事项",
            1,
        ),
        True,
        "清单事项",
    ),
}

NOTICE_CATEGORIES = ["政策解读", "工作动态", "办事指南", "收费标准", "人大报告", "其他"]
NOTICE = {
    "category": Field(Enum({c: c for c in NOTICE_CATEGORIES}, "栏目"), True, "栏目"),
    # 政策解读 of a 规范性文件 (国办发〔2016〕80号: 解读 goes with the document)
    "interprets": Field(Slug("被解读文件编号"), False, "解读的规范性文件编号"),
}
# --- regulation (行政规范性文件) ---------------------------------------------------------

# 有效性 of a 行政规范性文件 (国办发〔2018〕37号: 有效期, 定期清理, 及时公布清理结果)
VALIDITY = {"valid": "有效", "expired": "已失效", "repealed": "已废止", "amended": "已修改"}
REGULATION = {
    "doc_no": Field(Text("文号", 100), True, "文号"),  # a 规范性文件 always has one
    "validity": Field(Enum(VALIDITY, "有效性"), True, "有效性"),
    "valid_from": Field(Date("施行日期"), True, "施行日期"),
    "valid_until": Field(Date("有效期至"), False, "有效期至"),
    "repealed_by": Field(Slug("废止它的文件编号"), False, "废止它的文件编号"),
    "amended_by": Field(Slug("修改它的文件编号"), False, "修改它的文件编号"),
    "validity_reason": Field(Text("有效性变化说明", 500), False, "失效、废止或修改的说明"),
}

# --- proposal: 人大代表建议 / 政协委员提案 and their 办理结果 (check/rules/proposal.py) ---

PROPOSAL_KINDS = {"npc": "人大代表建议", "cppcc": "政协委员提案"}
PROPOSAL_RESULTS = {
    "A": "A类：已解决或采纳",
    "B": "B类：列入计划拟解决",
    "C": "C类：因条件限制或其他原因暂不能解决",
}
SATISFACTION = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}
PROPOSAL = {
    "kind": Field(Enum(PROPOSAL_KINDS, "建议提案类别"), True, "类别"),
    "number": Field(Text("建议编号", 50), True, "建议（提案）编号"),
    "proposer": Field(Text("代表或委员姓名", 100), True, "领衔代表（委员）"),
    "handler": Field(Text("承办单位", 100), True, "承办单位"),
    "assigned": Field(Date("交办日期"), True, "交办日期"),
    "replied": Field(Date("答复日期"), True, "答复日期"),
    "result": Field(Enum(PROPOSAL_RESULTS, "办理结果"), True, "办理结果"),
    "explanation": Field(Text("办理说明", 2000), False, "不能解决的原因或解决计划"),
    "satisfaction": Field(Enum(SATISFACTION, "代表满意度"), False, "代表（委员）满意度"),
}

PAGE = {"order": Field(Int("排序", 0, 9999), False, "排序")}


@dataclass(frozen=True)
class RecordType:
    name: str  # type key, e.g. "subsidy"
    folder: str  # content folder and URL prefix, e.g. "subsidies"
    label: str  # Chinese name, e.g. "补贴公示"
    fields: dict[str, Field]
    # a check of the whole record once its fields are typed (Struct.check's signature)
    check: Callable[[dict[str, Any], RMap, Ctx, str], None] | None = None

    @property
    def all_fields(self) -> dict[str, Field]:
        return {**COMMON, **self.fields}


RECORD_TYPES: dict[str, RecordType] = {
    t.name: t
    for t in (
        RecordType("budget", "budgets", "财政预决算", BUDGET),
        RecordType("subsidy", "subsidies", "补贴补偿公示", SUBSIDY, subsidy_check),
        RecordType("fund", "funds", "扶贫救灾资金", FUND),
        RecordType("decision", "decisions", "重大决策", DECISION),
        RecordType("list", "lists", "权责清单", LIST),
        RecordType("regulation", "regulations", "规范性文件", REGULATION),
        RecordType("yishiyiyi", "yishiyiyi", "一事一议筹资筹劳", YISHIYIYI),
        RecordType("procurement", "procurements", "小额工程采购结果", PROCUREMENT),
        RecordType("proposal", "proposals", "建议提案办理", PROPOSAL),
        RecordType("asset", "assets", "集体资产资源处置", ASSET),
        RecordType("landtransfer", "land-transfers", "土地经营权流转", LANDTRANSFER),
        RecordType("homestead", "homesteads", "宅基地审批", HOMESTEAD),
        RecordType("institution", "institutions", "机构概况", INSTITUTION),
        RecordType("notice", "notices", "通知公告", NOTICE),
        RecordType("page", "pages", "专题页面", PAGE),
    )
}
TYPE_BY_FOLDER = {t.folder: t for t in RECORD_TYPES.values()}
