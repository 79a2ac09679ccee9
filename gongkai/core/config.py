"""site.yaml → a frozen :class:`SiteConfig`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.core.masking import MaskPolicy, parse_policy
from gongkai.core.schema.kinds import BAD, Bool, Ctx, Date, Dec, Field, Int, ListOf, Money, Struct, Text, parse_fields
from gongkai.core.schema.names import NAMES
from gongkai.core.tree import RMap, RNode, RScalar, node_kind

__all__ = ["DEFAULT_NOTICE_DAYS", "NON_AGENCY", "Contact", "SiteConfig", "parse_holidays", "parse_site_config"]

DEFAULT_NOTICE_DAYS: Mapping[str, int] = MappingProxyType(
    {
        "farm_subsidy": 7,
        "relief": 10,
        "poverty": 10,
        "land_compensation": 30,
        "consultation": 30,
        "social_assistance": 7,
        "public_welfare": 10,
        "other": 7,
    }
)


@dataclass(frozen=True)
class Contact:
    hotline: str = ""
    report_phone: str = ""
    mailbox: str = ""
    address: str = ""
    office_hours: str = ""
    email: str = ""


# Publishers that are not administrative agencies, by the words of their names.
# Publishers that are not an 行政机关 (条例第二条), by a word of their name as clerks write it: a 村（居）民委员会
# (村委, 居委 for short), a 村民小组, the village's 集体经济组织 (经济合作社, 经济联合社) and any 人大 body (镇人大,
# 人大主席团, 人大工委).
NON_AGENCY = (
    "村民委员会",
    "居民委员会",
    "村委",
    "居委",
    "村民小组",
    "经济合作社",
    "经济联合社",
    "人民代表大会",
    "人大",
)


@dataclass(frozen=True)
class SiteConfig:
    name: str
    organization: str
    org_code: str
    publishers: Mapping[str, str]
    contact: Contact
    base_url: str = ""
    notice_min_days: Mapping[str, int] = field(default_factory=lambda: DEFAULT_NOTICE_DAYS)
    # the kinds of notice_min_days counted in working days ("5个工作日"), not calendar days
    notice_workdays: frozenset[str] = frozenset()
    id_display: str = "2+3"
    names_grace_days: int = 30  # days after notice.end a roster's names stay on the site (plan/names.py)
    # where names may appear, by record type ("subsidy") or type and sub-kind ("subsidy.relief"):
    # key → {where, grace_days?, reason?} (core/schema/names.py)
    names: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    id_policy: MaskPolicy = field(default_factory=lambda: parse_policy("2+3"))
    theme: str = "default"
    description: str = ""
    villages: tuple[str, ...] = ()
    site_code: str = ""  # 网站标识码
    icp: str = ""  # ICP备案号
    police_record: str = ""  # 公安备案号
    # The footer of a government site (国办发〔2017〕47号《政府网站发展指引》): the 党政机关网站标识
    # (the 开办者 mark the 机构编制 office issues: its verification link and, optional, the
    # image under the theme's static/), the 主办单位 when it is not the organization (a column
    # of the county portal: 县政府办公室) and the 政府网站找错 link
    conac_url: str = ""
    conac_image: str = ""  # "static/dzjg.png": a file of the theme
    host: str = ""
    error_report_url: str = ""
    # where a reply to an application can be challenged (printed on the 答复书,
    # 条例第五十一条): the 行政复议机关 and the court; "" for the generic words
    review_body: str = ""
    court: str = ""
    archive_signing_key: str = ""  # SSH private key that signs archive manifests (ssh-keygen -Y sign); "" none
    # numbers that look personal but are not (a 受理编号 ...), with the reason: published as they are
    allow_numbers: tuple[tuple[str, str], ...] = ()
    # attachment types the last gate may publish without reading them (".zip")
    allow_unread: tuple[str, ...] = ()
    # 条例第十四条 information (国家秘密等) in the public 目录: by default left out of every
    # public output; when true, listed with its title and ground only
    catalogue_article14: bool = False
    # (month, day) by which last year's 政府信息公开工作年度报告 is due: 条例第四十九条 sets
    # 1月31日 for 县级以上人民政府部门 and 3月31日 for 县级以上人民政府; a township's
    # date is set by its province, city or county (local practice)
    annual_report_due: tuple[int, int] = (1, 31)
    # the province's 上限 of 一事一议 筹资 per person per year (国办发〔2007〕4号: set by the
    # 省级人民政府); None: no cap checked
    yishiyiyi_cap: Decimal | None = None
    asset_term_cap: int | None = None  # years: the local cap on letting collective assets (check/rules/asset.py)
    # the province's 宅基地 面积标准 in m² (土地管理法第六十二条: set by the 省、自治区、直辖市);
    # None: no cap checked (check/rules/homestead.py, GK385)
    homestead_cap_m2: Decimal | None = None

    def is_agency(self, publisher: str) -> bool:
        """Whether ``publisher`` (a key or a name) is an administrative agency,
        whose information is 政府信息 (条例第二条).  A 村（居）民委员会 publishes
        村务 under the 村民委员会组织法 (第三十条) and a 人大主席团 is not an
        agency: their records are shown, but are not the agency's information."""
        name = self.publishers.get(publisher, publisher)
        return not any(word in name for word in NON_AGENCY)


def _named_types() -> dict[str, str]:
    """The keys site.yaml's ``names`` accepts: each record type with a
    roster (a ``recipients`` field), and the type with each of its kinds."""
    from gongkai.core.schema.types import RECORD_TYPES

    out: dict[str, str] = {}
    for t in RECORD_TYPES.values():
        if "names" not in t.fields:  # a roster, or a record that names persons
            continue
        out[t.name] = t.label
        kind = t.fields.get("kind")
        for k, label in getattr(kind.kind, "choices", {}).items() if kind else ():
            out[f"{t.name}.{k}"] = f"{t.label}：{label}"
    return out


class _NamesTable(Struct):
    """site.yaml ``names``: record type (or type.kind) → a names rule."""

    form = "每行一个 `类别: 公开范围`，类别写 `subsidy` 或 `subsidy.补贴类别`"  # schemadoc's 写法

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        keys = _named_types()
        if not isinstance(node, RMap):
            ctx.error(
                node.loc,
                "GK103",
                f"名单公开范围应是“记录类别: 公开范围”的列表，这里写成了{node_kind(node)}",
                path,
                hint="names: {subsidy: notice, subsidy.social_assistance: board}",
            )
            return BAD
        return parse_fields({k: Field(NAMES, False, v) for k, v in keys.items()}, node, ctx, path)


class _Publishers(Struct):
    """A mapping of any keys to publisher names."""

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        if not isinstance(node, RMap) or not node.entries:
            ctx.error(
                node.loc,
                "GK103",
                f"公开主体应是“键: 名称”的列表，这里写成了{node_kind(node)}",
                path,
                hint="town: 某某镇人民政府",
            )
            return BAD
        fields = {k: Field(Text("公开主体名称", 100), True, "名称") for k in node.entries}
        return parse_fields(fields, node, ctx, path)


@dataclass(frozen=True)
class NoticeDays(Int):
    """A minimum notice period: ``7`` or ``7天`` / ``7日`` (calendar days), or
    ``5个工作日`` (working days on the official calendar): (days, working?)."""

    label: str = "最短公示天数"
    minimum: int = 1
    maximum: int = 365
    expected: str = "天数，如 7（日历天）；按工作日计的写 5个工作日"

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        if isinstance(node, RScalar):
            t = unicodedata.normalize("NFKC", node.text)
            m = re.fullmatch(r"\s*(\d{1,3})\s*(个?工作日|天|日)?\s*", t)
            if m and self.minimum <= int(m.group(1)) <= self.maximum:
                return (int(m.group(1)), "工作日" in (m.group(2) or ""))
        value = node.text if isinstance(node, RScalar) else ""
        ctx.error(node.loc, "GK106", f"{self.label}应是 1–365 的天数", path, value, self.expected)
        return BAD


_NOTICE_KEYS = list(DEFAULT_NOTICE_DAYS)
# Numbers a site publishes on purpose are a handful; 180,000 of them took
# the hook half a minute to read (each is run through the detectors).
MAX_ALLOW_NUMBERS = 1000
SITE_FIELDS: dict[str, Field] = {
    "name": Field(Text("网站名称", 100), True, "网站名称"),
    "organization": Field(Text("机关名称", 100), True, "机关名称"),
    "org_code": Field(Text("统一社会信用代码", 18), True, "统一社会信用代码"),
    "publishers": Field(_Publishers({}, "公开主体"), True, "公开主体"),
    "contact": Field(
        Struct(
            {
                "hotline": Field(Text("服务热线", 50), True, "服务热线"),
                "report_phone": Field(Text("监督举报电话", 50), True, "监督举报电话"),
                "mailbox": Field(Text("监督信箱", 100), False, "监督信箱"),
                "address": Field(Text("地址", 200), True, "地址"),
                "office_hours": Field(Text("办公时间", 200), False, "办公时间"),
                "email": Field(Text("电子邮箱", 100), False, "电子邮箱"),
            },
            "联系方式",
        ),
        True,
        "联系方式",
    ),
    "base_url": Field(Text("网站地址", 300), False, "网站地址"),
    "notice_min_days": Field(
        Struct({k: Field(NoticeDays()) for k in _NOTICE_KEYS}, "最短公示天数"),
        False,
        "最短公示天数",
    ),
    "id_display": Field(Text("身份证号显示方式", 10), False, "身份证号显示方式"),
    "names_grace_days": Field(
        Int("名单宽限天数", 0, 3650), False, "公示期结束后名单姓名在网站上再保留的天数（默认 30，见 docs/names.md）"
    ),
    "names": Field(
        _NamesTable({}, "名单公开范围"),
        False,
        "按记录类别设定名单姓名出现在哪里：board 只在公开栏、notice 公开栏和网站（公示期内）、always 一直公开"
        "（见 docs/names.md）",
    ),
    "theme": Field(Text("主题", 50), False, "主题"),
    "description": Field(Text("网站简介", 500), False, "网站简介"),
    "villages": Field(ListOf(Text("村（社区）", 50), "村（社区）"), False, "村（社区）"),
    "site_code": Field(Text("网站标识码", 50), False, "网站标识码"),
    "icp": Field(Text("ICP备案号", 50), False, "ICP备案号"),
    "police_record": Field(Text("公安备案号", 50), False, "公安备案号"),
    "conac": Field(
        Struct(
            {
                "url": Field(Text("标识核验地址", 300), True, "核验地址"),
                "image": Field(Text("标识图片", 200), False, "标识图片"),
            },
            "党政机关网站标识",
        ),
        False,
        "党政机关网站标识",
    ),
    "host": Field(Text("主办单位", 100), False, "主办单位"),
    "error_report_url": Field(Text("找错链接", 300), False, "找错链接"),
    "remedy": Field(
        Struct(
            {
                "review": Field(Text("行政复议机关", 100), False, "行政复议机关"),
                "court": Field(Text("人民法院", 100), False, "人民法院"),
            },
            "救济途径",
        ),
        False,
        "救济途径",
    ),
    "archive_signing_key": Field(Text("存档签名私钥文件", 300), False, "存档签名私钥文件"),
    "allow_numbers": Field(
        ListOf(
            Struct(
                {
                    "number": Field(Text("号码", 40), True, "号码"),
                    "reason": Field(Text("理由", 200), True, "理由"),
                },
                "允许公开的号码",
            ),
            "允许公开的号码",
            max_items=MAX_ALLOW_NUMBERS,
        ),
        False,
        "允许公开的号码（看起来像身份证号等、实际不是个人信息的号码，写明理由；号码和理由在公开目录中公示）",
    ),
    "catalogue_article14": Field(
        Bool("目录列出第十四条信息"), False, "公开目录是否列出依第十四条不予公开的信息（只列标题和依据；默认不列）"
    ),
    "allow_unread": Field(ListOf(Text("文件类型", 10), "文件类型"), False, "允许发布但无法检查内容的附件类型，如 .zip"),
    "annual_report_due": Field(
        Text("年度报告公布期限", 10),
        False,
        "上一年度政府信息公开工作年度报告的公布期限，写“月-日”（默认 01-31；乡镇按本省、市、县规定）",
    ),
    "yishiyiyi_cap": Field(
        Money("一事一议筹资上限"), False, "一事一议每人每年筹资上限（元），按本省规定填写；不写不检查"
    ),
    "asset_term_cap": Field(
        Int("集体资产出租发包年限上限", 1, 99),
        False,
        "集体资产资源出租、发包的最长年限，按本省、县规定填写；不写只检查出租不超过二十年（民法典第七百零五条）",
    ),
    "homestead_cap_m2": Field(
        Dec("宅基地面积标准"), False, "每户宅基地面积上限（平方米），按本省规定的标准填写；不写不检查"
    ),
}


def parse_site_config(node: RNode | None, path: str) -> tuple[SiteConfig | None, list[Problem]]:
    ctx = Ctx(path)
    if node is None or (isinstance(node, RScalar) and node.is_null):
        ctx.error(
            Loc(path, 1), "GK102", "site.yaml 是空的", hint="至少填写 name、organization、org_code、publishers、contact"
        )
        return None, ctx.problems
    if not isinstance(node, RMap):
        ctx.error(node.loc, "GK007", "site.yaml 顶层应是“键: 值”结构")
        return None, ctx.problems
    values = parse_fields(SITE_FIELDS, node, ctx, "")
    policy = parse_policy("2+3")
    if values is not BAD and "id_display" in values:
        try:
            policy = parse_policy(values["id_display"])
        except ValueError as exc:
            ctx.error(
                node.key_locs["id_display"],
                "GK107",
                f"身份证号显示方式无效：{exc}",
                "id_display",
                values["id_display"],
                '如 "2+3"（显示前 2 位和后 3 位）',
            )
            values = BAD
    if values is BAD:
        return None, ctx.problems
    org_code = values["org_code"]
    if len(org_code) != 18 or not org_code.isalnum() or not org_code.isascii():
        ctx.error(
            node.key_locs["org_code"],
            "GK107",
            "统一社会信用代码应为 18 位数字或大写字母",
            "org_code",
            org_code,
            "如 11320826MB0123456X",
        )
        return None, ctx.problems
    notice = dict(DEFAULT_NOTICE_DAYS)
    written = values.get("notice_min_days", {})
    notice.update({k: n for k, (n, _) in written.items()})
    workdays = frozenset(k for k, (_, working) in written.items() if working)
    base_url = values.get("base_url", "")
    if base_url and not base_url.startswith(("http://", "https://")):
        ctx.error(
            node.key_locs["base_url"],
            "GK107",
            "网站地址应以 http:// 或 https:// 开头",
            "base_url",
            base_url,
            "如 https://www.example.gov.cn/qingshi/",
        )
        return None, ctx.problems
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    conac = values.get("conac", {})
    for key, text, example in (
        ("conac.url", conac.get("url", ""), "https://bszs.conac.cn/sitename?method=show&id=…"),
        (
            "error_report_url",
            values.get("error_report_url", ""),
            "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=…",
        ),
    ):
        if text and not text.startswith(("http://", "https://")):
            ctx.error(_key_loc(node, key), "GK107", "链接地址应以 http:// 或 https:// 开头", key, text, f"如 {example}")
            return None, ctx.problems
    image = conac.get("image", "")
    if image and not _theme_file(image):
        ctx.error(
            _key_loc(node, "conac.image"),
            "GK107",
            "党政机关网站标识图片应写主题里的文件，以 static/ 开头",
            "conac.image",
            image,
            "如 static/dzjg.png（文件放在 themes/default/static/dzjg.png）",
        )
        return None, ctx.problems
    due = _month_day(values.get("annual_report_due", "01-31"))
    if due is None:
        ctx.error(
            node.key_locs["annual_report_due"],
            "GK104",
            "年度报告公布期限应写成“月-日”",
            "annual_report_due",
            values["annual_report_due"],
            "如 01-31（1月31日前）或 03-31",
        )
        return None, ctx.problems
    cfg = SiteConfig(
        name=values["name"],
        organization=values["organization"],
        org_code=org_code.upper(),
        publishers=MappingProxyType(dict(values["publishers"])),
        contact=Contact(**values["contact"]),
        base_url=base_url,
        notice_min_days=MappingProxyType(notice),
        notice_workdays=workdays,
        id_display=values.get("id_display", "2+3"),
        names_grace_days=values.get("names_grace_days", 30),
        names=MappingProxyType({k: MappingProxyType(v) for k, v in values.get("names", {}).items()}),
        id_policy=policy,
        theme=values.get("theme", "default"),
        description=values.get("description", ""),
        villages=tuple(values.get("villages", ())),
        site_code=values.get("site_code", ""),
        icp=values.get("icp", ""),
        police_record=values.get("police_record", ""),
        conac_url=conac.get("url", ""),
        conac_image=image,
        host=values.get("host", ""),
        error_report_url=values.get("error_report_url", ""),
        review_body=values.get("remedy", {}).get("review", ""),
        court=values.get("remedy", {}).get("court", ""),
        archive_signing_key=values.get("archive_signing_key", ""),
        allow_numbers=tuple((a["number"], a["reason"]) for a in values.get("allow_numbers", ())),
        allow_unread=tuple(("." + t.lower().lstrip(".")) for t in values.get("allow_unread", ())),
        catalogue_article14=values.get("catalogue_article14", False),
        annual_report_due=due,
        yishiyiyi_cap=values.get("yishiyiyi_cap"),
        asset_term_cap=values.get("asset_term_cap"),
        homestead_cap_m2=values.get("homestead_cap_m2"),
    )
    return cfg, ctx.problems


def _key_loc(node: RMap, path: str) -> Loc:
    """Where ``a.b`` is written in site.yaml (the key's line)."""
    head, _, rest = path.partition(".")
    inner = node.entries.get(head)
    if rest and isinstance(inner, RMap) and rest in inner.key_locs:
        return inner.key_locs[rest]
    return node.key_locs[head]


def _theme_file(path: str) -> bool:
    """A plain relative path under the theme's static/ (no "..", no scheme)."""
    parts = path.split("/")
    return (
        len(parts) >= 2 and parts[0] == "static" and all(p not in ("", ".", "..") for p in parts) and "\\" not in path
    )


def _month_day(text: str) -> tuple[int, int] | None:
    """ "01-31" → (1, 31); None when it is no day of a year (29 February counts)."""
    m = re.fullmatch(r"\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?\s*", text)
    if not m:
        return None
    try:
        date(2000, int(m.group(1)), int(m.group(2)))  # a leap year: 02-29 is a day
    except ValueError:
        return None
    return int(m.group(1)), int(m.group(2))


_YEAR = Struct(
    {
        "holidays": Field(ListOf(Date("放假日期"), "放假日期"), False, "放假日期"),
        "workdays": Field(ListOf(Date("调休上班日期"), "调休上班日期"), False, "调休上班日期"),
    },
    "节假日安排",
)


def parse_holidays(
    node: RNode | None, path: str = "content/holidays.yaml"
) -> tuple[dict[int, tuple[frozenset[date], frozenset[date]]], list[Problem]]:
    """content/holidays.yaml: ``2027: {holidays: [...], workdays: [...]}`` for
    single days that add to or override the official calendar (a year it
    does not cover becomes known once named here)."""
    ctx = Ctx(path)
    out: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
    if node is None:
        return out, []
    if not isinstance(node, RMap):
        ctx.error(node.loc, "GK007", "holidays.yaml 顶层应是“年份: {holidays: [...], workdays: [...]}”")
        return out, ctx.problems
    for key, value in node.entries.items():
        if not (key.isdigit() and len(key) == 4):
            ctx.error(node.key_locs[key], "GK106", "年份应是 4 位数字", key, key, "如 2027")
            continue
        v = _YEAR.parse(value, ctx, key)
        if v is BAD:
            continue
        days = [*v.get("holidays", ()), *v.get("workdays", ())]
        if any(d.year != int(key) for d in days):
            ctx.error(value.loc, "GK104", f"{key} 年的安排里有其他年份的日期", key)
            continue
        out[int(key)] = (frozenset(v.get("holidays", ())), frozenset(v.get("workdays", ())))
    return out, ctx.problems
