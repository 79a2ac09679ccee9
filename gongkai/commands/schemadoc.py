"""The clerks' key tables, rendered from the schema declarations.

:func:`field_table` turns a mapping of :class:`~gongkai.core.schema.kinds.Field`
(a record type's keys, :data:`COMMON`, or site.yaml's ``SITE_FIELDS``) into a
Markdown table, one row per key.  The keys of a nested struct, or of the items
of a list of structs, follow their parent with dotted names: ``notice.start``,
``recipients[].amount``, ``tables[].rows[].code``.  The columns are 键, 中文名,
是否必填, 写法/取值 (from the field's kind) and 说明 (from :data:`NOTES`).

docs/content-format.md keeps the rendered tables between markers::

    <!-- fields:subsidy -->
    …table…
    <!-- /fields:subsidy -->

(one per record type, ``fields:common``, ``fields:site``, and
``roster:headers``: the spreadsheet column names gongkai/read/roster_headers.py accepts
and refuses).  :func:`update` re-renders every marked section of a text; tests/test_docs.py
checks that the file equals its update, so the document cannot drift from
the schema.  After changing a record type, rewrite the file with::

    python -m gongkai.commands.schemadoc docs/content-format.md

Everything here is pure except :func:`main`, which reads and rewrites the one
file named on the command line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from types import MappingProxyType

from gongkai.core.config import DEFAULT_NOTICE_DAYS, SITE_FIELDS
from gongkai.core.dataclass import dataclass
from gongkai.core.schema.kinds import Bool, Date, Enum, Field, IdNumber, Int, Kind, ListOf, Money, Slug, Struct, Text
from gongkai.core.schema.types import COMMON, RECORD_TYPES, Attachment
from gongkai.read import roster_headers as roster

__all__ = ["NOTES", "SECTIONS", "Row", "field_rows", "field_table", "main", "render_section", "sections", "update"]


@dataclass(frozen=True)
class Row:
    key: str  # dotted name: notice.start, recipients[].amount
    label: str
    required: str
    form: str
    note: str


# --- one kind → how it is written ------------------------------------------------------


def _chars(n: int) -> str:
    return f"{n // 10000} 万字" if n >= 10000 and n % 10000 == 0 else f"{n} 字"


def _enum(kind: Enum) -> str:
    if all(k == v for k, v in kind.choices.items()):
        return "、".join(f"`{k}`" for k in kind.choices)
    return "；".join(f"`{k}` {v}" for k, v in kind.choices.items()) + "（也可写中文名）"


def _flow(struct: Struct) -> str:
    """``{start: …, end: …}`` for a struct of single values."""
    return "`{" + ", ".join(f"{k}: …" for k in struct.fields) + "}`"


def _scalar_struct(kind: Kind) -> bool:
    return (
        isinstance(kind, Struct)
        and bool(kind.fields)
        and not any(isinstance(f.kind, (Struct, ListOf)) for f in kind.fields.values())
    )


def kind_form(kind: Kind, key: str = "") -> str:
    """How a value of ``kind`` is written, in a few words (写法/取值)."""
    if isinstance(kind, IdNumber):
        return '已遮蔽出生日期的号码，加引号：`"320826********2730"`'
    if isinstance(kind, Attachment):
        return "文件名，或 `{file: 文件名, title: 名称}`"
    if isinstance(kind, Struct):
        if not kind.fields:
            return getattr(kind, "form", "") or "每行一个 `键: 名称`，键自己起（小写英文）"
        if _scalar_struct(kind) and len(kind.fields) <= 3:
            return f"{_flow(kind)}，或分行写下面各项"
        return "分行写下面各项"
    if isinstance(kind, ListOf):
        least = f"，至少 {kind.min_items} 项" if kind.min_items else ""
        least += f"，最多 {kind.max_items} 项" if kind.max_items else ""
        if isinstance(kind.item, Attachment):
            return f"列表 `[文件名, …]`{least}；每项也可写成 `{{file: …, title: …}}`"
        if isinstance(kind.item, Struct):
            return f"列表{least}，每项写下面 `{key}[].…` 各项"
        return f"列表 `[甲, 乙]`{least}，每项是{kind_form(kind.item)}"
    if isinstance(kind, Money):
        return "金额，最多两位小数" if kind.places == 2 else f"数字，最多 {kind.places} 位小数"
    if isinstance(kind, Int):
        if (kind.minimum, kind.maximum) == (0, 10**9):
            return "整数"
        return f"整数 {kind.minimum}–{kind.maximum}"
    if isinstance(kind, Date):
        return "日期，如 `2015-05-10`"
    if isinstance(kind, Enum):
        return _enum(kind)
    if isinstance(kind, Bool):
        return "`true` 或 `false`"
    if isinstance(kind, Slug):
        return "记录编号（小写英文字母、数字和 `-`）"
    if isinstance(kind, Text):
        return f"文字，最多 {_chars(kind.max_len)}"
    return kind.label  # pragma: no cover - every kind in use is listed above


# --- a mapping of fields → rows -----------------------------------------------------------------


def field_rows(
    fields: Mapping[str, Field], notes: Mapping[str, str] | None = None, prefix: str = "", optional_parent: str = ""
) -> list[Row]:
    """One row per key, nested keys after their parent.  ``optional_parent``:
    the nearest optional ancestor, which a required sub-key depends on."""
    notes = notes or {}
    rows: list[Row] = []
    for key, spec in fields.items():
        name = f"{prefix}{key}"
        if not spec.required:
            required = "可不填"
        elif optional_parent:
            required = f"写了 `{optional_parent}` 时必填"
        else:
            required = "**必填**"
        label = spec.label or spec.kind.label
        rows.append(Row(name, label, required, kind_form(spec.kind, name), notes.get(name, "")))
        below = optional_parent if spec.required else name
        kind = spec.kind
        if isinstance(kind, ListOf) and isinstance(kind.item, Struct):
            rows.extend(field_rows(kind.item.fields, notes, f"{name}[].", below))
        elif isinstance(kind, Struct):
            rows.extend(field_rows(kind.fields, notes, f"{name}.", below))
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def field_table(fields: Mapping[str, Field], notes: Mapping[str, str] | None = None) -> str:
    """A Markdown table of ``fields`` (键 | 中文名 | 是否必填 | 写法/取值 | 说明)."""
    lines = ["| 键 | 中文名 | 是否必填 | 写法/取值 | 说明 |", "| --- | --- | --- | --- | --- |"]
    for r in field_rows(fields, notes):
        cells = [f"`{r.key}`", r.label, r.required, r.form, r.note]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


# --- what the table cannot know: a short note per key ------------------------------------------

_NOTES: dict[str, dict[str, str]] = {
    "common": {
        "title": "网页、公示单和公开目录上的标题",
        "publisher": "site.yaml 中 `publishers` 的键（如 `town`），也可写完整名称；不认识的报 GK202",
        "date": "发布日期；晚于今天的记录到那一天才上网站（见“草稿和定时发布”）",
        "id": "不写时用文件名（不含扩展名）；决定网址，全站唯一（GK108、GK201）",
        "disclosure": "`proactive` 主动公开（默认）、`on_request` 依申请公开（条例第二十七条，不写依据）、"
        "`withheld` 不予公开（必须写 `withheld`，GK111、GK114）",
        "withheld": "不予公开的依据（条例第十四、十五、十六条），公开目录中向公众显示；第十四条的默认不列入目录",
        "withheld.article": "《政府信息公开条例》的条款：14、15 或 16",
        "withheld.ground": "该条的具体情形，见 GK111 的说明",
        "withheld.reason": "向公众说明的理由（条例第三十六条第三项）",
        "withheld.consent": "第十五条：第三方意见；第三方同意公开的应予公开",
        "withheld.public_interest": "第十五条：不公开是否会对公共利益造成重大影响；会的应予公开",
        "formed": "写了就检查：应在形成后 20 个工作日内发布（警告 GK601）",
        "doc_no": '含〔〕等符号时建议加引号，如 `"青财〔2015〕3号"`',
        "notice": "补贴名单、资金公告必须写（GK315），天数见“公示期”（GK314）",
        "notice.end": "不早于开始日期（GK112）",
        "objection": "公示期内受理异议的电话和地点；不写时用 site.yaml 的 `contact`",
        "objection.phone": "这里可以写电话，手机号也可以",
        "summary": "列表页、搜索结果和订阅中显示的一两句话",
        "tags": "如 `[惠农补贴, 耕地地力保护]`",
        "draft": "`true`：草稿，不发布（见“草稿和定时发布”）",
        "supersedes": "被更正记录的编号，两者同类（见“更正”，GK203）",
        "attachments": "附件与记录放在同一目录（见“附件”，GK204）",
        "attachments[].file": "只写文件名，不写路径",
        "attachments[].title": "网页上显示的名称；不写时用文件名",
        "body": "Markdown；`.md` 文件的正文写在 front matter 下面，不要再写 `body:`",
    },
    "budget": {
        "fiscal_year": "预决算所属的年度（决算一般在次年发布）",
        "stage": "预算、预算调整、执行情况、决算各为一条记录",
        "approved": "人大批准或批复日期；写了就检查：批准后 20 日内公开（警告 GK603）",
        "unit": "不写即 `元`",
        "rounding": "各行金额四舍五入到的单位，如 `0.01`、`1`；相加时每行允许差半个单位（GK303、GK304）。"
        "`unit: 万元` 时不写即 `0.01`，其他不写即不允许差",
        "tables": "每张表一项；没有数据的表也要保留（GK305）",
        "tables[].columns": "有几列金额时写各列名称，如 `[预算数, 调整预算数, 决算数, 为预算%]`；"
        "行中写 `amounts`（GK308）；含 % 的列不相加；`amount` 取最后一列金额",
        "tables[].blank_as_zero": "`true`：表中空白或“-”的金额按 0 计；不写时空白报 GK102",
        "tables[].rows": "空表写 `rows: []`",
        "tables[].rows[].code": '3 位（类）、5 位（款）、7 位（项），建议加引号 `"201"`；`"201 03 01"` 也可以；'
        "合计、上年结转等没有编码的行不写（GK301、GK302、GK306）",
        "tables[].rows[].class": '类、款、项分列时代替 `code`：类，如 `"201"`',
        "tables[].rows[].section": '款，如 `"03"`',
        "tables[].rows[].item": '项，如 `"01"`',
        "tables[].rows[].amount": "有下级科目时等于下级之和（GK303）；负数只用于调减、退税等行（GK307）",
        "tables[].rows[].amounts": "表上写了 `columns` 时，按列的顺序每列一个数",
        "tables[].total": "等于各 3 位科目之和；空表写 0；表中有“……合计”行时可不写（GK304）",
        "tables[].totals": "表上写了 `columns` 时各列的合计",
        "tables[].explanation": "空表必须写明原因（GK305）",
        "kind": "`department` 部门预决算、`government` 政府预决算；写了就按财预〔2016〕143号检查应公开的表（GK370）"
        "和支出是否到项级（GK371）",
        "three_public": "因公出国（境）费、公务用车购置及运行维护费、公务接待费；"
        "与基本支出表 30217、30231 行核对（GK374）",
        "three_public.last_year": "上年“三公”经费合计；与本年不同时要写 `change_reason`（GK372）",
        "three_public.overseas_groups": "因公出国（境）团组数；与人数、金额核对（GK373）",
    },
    "subsidy": {
        "kind": "决定最短公示天数（site.yaml 的 `notice_min_days`）",
        "basis": "政策文件的文号",
        "rate": "全体统一的标准；各行标准不同时在行里写 `rate`",
        "rate_unit": "如 `元/亩`、`元/人`，只用于显示",
        "quantity_unit": "如 `亩`、`人`，只用于显示",
        "rounding": "金额 = 数量 × 标准 到分的取法：`half_up` 四舍五入（不写时），`down` 舍去分以下（发放系统截位时）",
        "recipients": "直接写各行；或写记录旁边的名单文件名，如 `名单.xlsx`（见“用 Excel 名单”）",
        "recipients[].id_number": "第 7–14 位必须写成 `*`（GK113）；网站按 `id_display` 显示",
        "recipients[].quantity": "写了就核对 金额 = 数量 × 标准（GK311、GK316）",
        "recipients[].rate": "这一行的标准；不写时用记录的 `rate`",
        "recipients[].amount": "写了数量时等于 数量 × 标准，按 `rounding` 取到分（GK311）；"
        "没有金额、只写 `items` 的行按 0 计，没有 `items` 的行必填（GK102）",
        "recipients[].note": "不得写电话、银行卡号、身份证号（GK401–GK403）",
        "names": "优先于 site.yaml 的 `names`；也可简写 `names: board`（docs/names.md）",
        "names.reason": "用书名号《》写出要求长期公开的文件名称（GK407）",
        "names.grace_days": "`board`、`always` 不能写（GK408）",
        "totals": "与名单各行核对（GK312）",
        "totals.households": "等于名单行数",
        "totals.quantity": "写了就核对：等于各行数量之和",
        "totals.amount": "等于各行金额之和；写了 `goods` 且各行都没有金额（只发物资）时可不写，按 0 计，否则必填（GK102）",
        "goods": "救灾物资：本次发放的物资和单位；各行 `items` 只能写这里有的物资（GK363）",
        "goods_source": "物资从哪里来，显示在网页和公示单上",
        "recipients[].items": "这一户领取的物资；数量必须是正数（GK361），单位不写时用物资清单的（GK360、GK364）",
        "totals.goods": "写了就核对：每种物资的数量合计等于各行之和（GK362）；名字取消后仍保留",
    },
    "proposal": {
        "kind": "`npc` 乡镇人大代表建议；`cppcc` 县政协委员提案（县级交办给本镇办理）",
        "proposer": "代表、委员履行职务，姓名公开",
        "assigned": "答复在交办后三个月内（GK366，地方规定）",
        "replied": "不早于交办日期（GK367），不晚于发布日期（GK368）",
        "result": "C 类要写 `explanation`（GK365）",
        "explanation": "C 类：不能解决的原因和今后的打算；B 类：解决计划；延期答复的原因",
    },
    "fund": {
        "kind": "决定最短公示天数（site.yaml 的 `notice_min_days`）",
        "year": "资金年度",
        "allocated_on": "写了就检查：下达后 15 个工作日内公开（警告 GK602）",
        "sources": "各来源金额之和等于各项目 `allocated` 之和（GK321）",
        "projects[].village": "村名；多个村用顿号隔开",
        "projects[].spent": "不超过 `allocated`（GK322）；已完工项目必须写（GK323）",
        "projects[].period.end": "不早于开工日期（GK112）",
    },
    "decision": {
        "stage": "每个阶段单独一条记录（见下面的三个示例）",
        "consultation": "征求意见阶段必须写（GK331），天数不少于 `notice_min_days.consultation`（GK334）",
        "consultation.closes": "不早于开始日期（GK112）",
        "consultation.channels": "如 `[来信, 电话, 座谈会]`",
        "follows": "决策阶段写征求意见记录的编号，执行结果阶段写决策记录的编号（GK331、GK332）",
        "consultation_waived": "决策阶段没有征求意见时写理由，与 `follows` 二选一",
        "meeting": "决策阶段必须写（GK331）；会议不早于征求意见截止日（GK333）",
        "comments_adopted": "决策阶段写了 `follows` 时必须写（GK331）",
    },
    "list": {
        "items[].basis": "法律、法规、规章的名称和条款",
        "items[].standard": "收费清单（`fee`）每项必须写（GK341）",
        "items[].category": "如 行政许可、行政处罚、经营服务性收费",
        "items[].code": "本地的事项编码",
    },
    "notice": {
        "category": "文章所在的栏目",
        "interprets": "政策解读写它解读的规范性文件的编号（GK203、GK354）；文件页和解读页互相链接",
    },
    "regulation": {
        "doc_no": "规范性文件必须有文号",
        "validity": "`valid` 有效、`expired` 已失效、`repealed` 已废止、`amended` 已修改；"
        "有效期已过仍写 `valid` 时警告（GK352）",
        "valid_from": "文件施行之日",
        "valid_until": "文件写明的有效期截止日期，不早于 `valid_from`（GK112）",
        "repealed_by": "已废止时写废止它的新文件的编号（GK203、GK351），网页上链接过去",
        "amended_by": "已修改时写修改它的文件的编号（GK203、GK351）",
        "validity_reason": "失效、废止或修改的原因和依据，如规范性文件清理的结果（GK351）",
    },
    "yishiyiyi": {
        "meeting.kind": "`villagers` 村民会议、`representatives` 村民代表会议",
        "meeting.quorum": "村民会议按户的代表计时写 `households`（`expected` 写户数）；不写按十八周岁以上村民计",
        "meeting.present": "村民会议过半数、按户计三分之二以上、代表会议三分之二以上（GK357）",
        "meeting.agreed": "超过到会人数的一半（GK357）",
        "funding.total": "等于 `per_person` × `people`（GK355）",
        "funding.per_person": "不超过 site.yaml 的 `yishiyiyi_cap`（GK356）",
        "spending": "合计等于筹资总额、`award` 和 `other_funds` 之和（GK355）",
    },
    "procurement": {
        "method": "招标、谈判、磋商、询价、单一来源的结果要写公示期 `notice`（GK358）；`direct` 直接发包不要求",
        "supplier": "单位的全称；不写个人身份证号",
        "amount": "大于零（GK359）",
        "contract.end": "不早于开始日期（GK112）",
    },
    "asset": {
        "asset_kind": "`operating` 经营性资产（厂房、门面房等）；`resource` 资源性资产（土地、林地、水面、四荒地等）；"
        "`non_operating` 非经营性资产",
        "disposal": "出租的期限不超过二十年（GK376）",
        "method": "`agreement` 协议方式要写 `method_reason`（GK377）",
        "price": "不低于 `reserve`（没写底价时不低于 `appraised`），低于的写 `below_reason`（GK375）",
        "price_basis": "`annual` 每年的租金（承包费）；`total` 一次性价款（转让、一次付清）",
        "counterparty.kind": "`unit` 单位；`person` 个人：姓名按名单公开范围（`names`）公示期后从网站撤下",
        "counterparty.name": "个人只写姓名，不写身份证号、电话",
        "counterparty.member": "资源性资产发包给本集体经济组织以外的（`false`），须三分之二以上成员或村民代表同意（GK357）",
        "term.end": "不早于起始日期（GK112）；出租不超过二十年，写了 site.yaml 的 `asset_term_cap` 时不超过它（GK376）",
        "meeting.present": "村民会议过半数、按户计三分之二以上、代表会议三分之二以上（GK357）",
        "meeting.agreed": "超过到会人数的一半（GK357）",
        "signed": "不早于会议日期（GK379）",
        "names": "写法同补贴名单的 `names`（见第八部分和 docs/names.md）",
    },
    "landtransfer": {
        "transferor": "`collective` 村集体经济组织受农户委托流转时，写 `entrusted`（GK382）",
        "household_count": "写了 `households` 时等于名单户数（GK383）",
        "households": "可不写；写了的，各户面积之和等于 `area`（GK383），户主姓名公示期后从网站撤下",
        "entrusted": "村集体受托流转的，每户都要有书面委托书：不少于 `household_count`（GK382）",
        "transferee.kind": "`unit` 单位（家庭农场、合作社、企业）；`person` 个人：姓名公示期后从网站撤下",
        "social_capital": "工商企业等社会资本流转的写 `true`，并写 `review`（GK384）",
        "term.end": "不晚于 `contract_ends`（GK380）",
        "contract_ends": "第二轮土地承包到期日；已延包的写延包后的届满日期",
        "use": "`non_agricultural` 非农业用途是错误（GK381）",
        "use_detail": "写了厂房、建房、挖砂、采矿、取土等非农用途是错误（GK381）",
        "filed": "不写时警告（GK384）",
        "names": "写法同补贴名单的 `names`（见第八部分和 docs/names.md）",
    },
    "homestead": {
        "approver": "`town` 乡（镇）人民政府（不写即是）、`county` 县级人民政府（2020年以前批准的；GK391）",
        "village_notice": "批准前在村民小组的公示；整批相同时写在这里，不同时写在各行（GK388、GK389）",
        "recipients": "每户一行：只写姓名，不写身份证号；公示期过后网站上只保留合计（见 docs/names.md）",
        "recipients[].kind": "`new` 新建、`rebuild` 翻建、`alter` 改建、`extend` 扩建",
        "recipients[].area": "不超过 site.yaml 的 `homestead_cap_m2`（GK385）",
        "recipients[].farmland": "`true` 时必须写 `conversion`（GK387）",
        "recipients[].old_plot": "`withdrawn` 退出原宅基地、`none` 无原宅基地、`same_site` 在原宅基地上建房（GK386）",
        "recipients[].approved_on": "不早于村（组）公示结束，不晚于发布日期（GK388）",
        "totals": "户数等于名单行数，面积等于各户之和（GK390）",
    },
    "institution": {
        "functions": "可用 Markdown 分段、编号",
        "leaders[].duties": "不写时警告（GK392）",
        "leaders[].left": "离任日期已过仍在名单中时警告（GK393）；离任后请删除这一项",
        "phone": "办公座机，如 0527-86210000；个人手机号会被拒绝（GK403）",
        "units[].phone": "办公座机；个人手机号会被拒绝（GK403）",
        "updated": "机构、领导变动后20个工作日内更新（条例第二十六条）",
    },
    "page": {
        "order": "页面的排列顺序，小的在前；不写按 100 算",
    },
    "site": {
        "names": "如 `subsidy.social_assistance: board`；每项的写法同记录中的 `names`（见补贴补偿公示）",
        "name": "网站标题",
        "organization": "本机关的全称",
        "org_code": "18 位数字或大写字母，加引号；是索引号的前缀（GK107）",
        "publishers": "记录的 `publisher:` 写这里的键（见下面的示例）",
        "contact": "显示在网页页脚“联系我们”；公示单上没有写 `objection` 时也用这里的电话",
        "base_url": "以 `http://` 或 `https://` 开头；订阅、站点地图、公示单二维码和县门户栏目导出（`gongkai pack --portal`）用它，作为县门户栏目时必填",
        "notice_min_days": "各类公示的最短天数，不写的用默认值（见“公示期”）",
        "id_display": '身份证号显示前几位、后几位，默认 `"2+3"`（见“身份证号与个人信息”）',
        "theme": "网站模板：`themes/` 下的目录名，不写即 `default`",
        "description": "搜索引擎中显示的网站简介",
        "villages": "本镇各村（社区）的名称（目前只作记录）",
        "site_code": "显示在页脚",
        "icp": "显示在页脚",
        "police_record": "显示在页脚",
        "conac": "党政机关网站标识（网站开办者标识），显示在页脚（国办发〔2017〕47号）",
        "conac.url": "机构编制部门给的核验地址，以 `https://` 开头",
        "conac.image": "标识图片：放在 `themes/default/static/` 下，写 `static/文件名`；不写则显示文字链接",
        "host": "网站主办单位，在县门户栏目中一般是县政府办公室；不写即 `organization`。填写后页脚显示“主办单位：…　信息提供：本机关”",
        "error_report_url": "“我要找错”链接：县门户或国务院办公厅政府网站找错页面的地址，显示在页脚",
        "remedy": "依申请公开答复书（`gongkai reply`）上写的救济途径（条例第五十一条）",
        "remedy.review": "行政复议机关，如 `安平县人民政府`；不写则印“上一级行政机关”",
        "remedy.court": "提起行政诉讼的人民法院，如 `安平县人民法院`；不写则印“人民法院”",
    },
}


NOTES: Mapping[str, Mapping[str, str]] = MappingProxyType({k: MappingProxyType(v) for k, v in _NOTES.items()})


def _notice_day_notes() -> dict[str, str]:
    """site.yaml notice_min_days.<kind>: which record kinds use it, and the default."""
    uses: dict[str, list[str]] = {}
    for type_name, key in (("subsidy", "kind"), ("fund", "kind"), ("decision", "stage")):
        rtype = RECORD_TYPES[type_name]
        kind = rtype.fields[key].kind
        assert isinstance(kind, Enum)
        for value, zh in kind.choices.items():
            if value in DEFAULT_NOTICE_DAYS:
                uses.setdefault(value, []).append(f"{rtype.label}“{zh}”")
    return {
        f"notice_min_days.{k}": f"{'、'.join(uses.get(k, []))}，默认 {days} 天"
        for k, days in DEFAULT_NOTICE_DAYS.items()
    }


def _tables() -> dict[str, Callable[[], str]]:
    out: dict[str, Callable[[], str]] = {"fields:common": lambda: field_table(COMMON, NOTES["common"])}
    for name, rtype in RECORD_TYPES.items():
        out[f"fields:{name}"] = partial(field_table, rtype.fields, NOTES[rtype.name])
    out["fields:site"] = lambda: field_table(SITE_FIELDS, {**NOTES["site"], **_notice_day_notes()})
    out["roster:headers"] = _roster_headers
    return out


# --- spreadsheet rosters: the column names the reader accepts and refuses -----------------------


def _roster_headers() -> str:
    v = roster.VOCABULARY
    lines = ["| 名单的键 | 可以用的列名 | 没有左边的列时才用（否则写进备注） |", "| --- | --- | --- |"]
    for key, names in v.names.items():
        lines.append(f"| `{key}`（{v.labels[key]}） | {'、'.join(names)} | {'、'.join(v.fallbacks[key])} |")
    lines.append(f"| 写进备注（“列名：值”） | {'、'.join(v.shown)} | |")
    lines.append(f"| 不读取 | {'、'.join(v.ignored)}；列名含 {'、'.join(v.ignored_parts)} 的列 | |")
    for parts, why in v.refused:
        lines.append(f"| **拒绝**（GK123） | 列名含 {'、'.join(parts)} 的列：{why} | |")
    return "\n".join(lines) + "\n"


SECTIONS: Mapping[str, Callable[[], str]] = MappingProxyType(_tables())


def render_section(name: str) -> str:
    """The current text of the marked section ``name`` (e.g. ``fields:subsidy``)."""
    return SECTIONS[name]()


_MARKED = re.compile(r"(<!-- ([a-z]+:[a-z_-]+) -->\n)(.*?)(<!-- /\2 -->)", re.S)


def update(text: str) -> str:
    """``text`` with every marked section re-rendered.  Unknown section names
    raise KeyError, so a typo in a marker is not silently left stale."""
    return _MARKED.sub(lambda m: m.group(1) + render_section(m.group(2)) + m.group(4), text)


def sections(text: str) -> dict[str, str]:
    """Marked section name → its current content in ``text``."""
    return {m.group(2): m.group(3) for m in _MARKED.finditer(text)}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("用法：python -m gongkai.commands.schemadoc docs/content-format.md", file=sys.stderr)
        return 2
    path = Path(args[0])
    old = path.read_text(encoding="utf-8")
    new = update(old)
    if new != old:
        path.write_bytes(new.encode("utf-8"))
        print(f"已更新 {path} 中的 {len(sections(new))} 个自动生成的表格")
    else:
        print(f"{path} 已是最新")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
