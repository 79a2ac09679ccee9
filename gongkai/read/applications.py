"""政府信息公开工作年度报告: content/applications/YEAR.yaml + the year's records.

The report follows the national format (国务院办公厅政府信息与政务公开办公室,
《中华人民共和国政府信息公开工作年度报告格式》, 国办公开办函〔2019〕60号,
revised by 国办公开办函〔2021〕30号) in six parts:

一、总体情况            counts from the records of the year + the clerk's text
二、主动公开政府信息情况  the fixed table (规章 … 行政事业性收费) + counts by type
三、收到和处理政府信息公开申请情况  the big table, from the YAML, with
                        新收 + 上年结转 = 办理结果总计 + 结转下年度 enforced per column
四、政府信息公开行政复议、行政诉讼情况
五、存在的主要问题及改进情况
六、其他需要报告的事项

``check_applications`` validates every YAML file at each build and check
(errors GK7xx in the usual style).  ``gongkai report YEAR`` (``write_report``)
writes the report as a notice record, content/notices/niandu-baogao-YEAR.md —
a record with a 索引号, a page, a feed entry and a JSON download like any
other — and never replaces an existing file unless told to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from gongkai.check.validate import Validated
from gongkai.core.errors import ContentError, GongkaiError, Loc, Problem, Severity
from gongkai.core.model import Site
from gongkai.core.schema.kinds import BAD, Ctx, Date, Field, Int, Money, Struct, Text, parse_fields
from gongkai.core.schema.types import RECORD_TYPES
from gongkai.core.tree import RMap, RNode, node_kind
from gongkai.read.raw import decode, parse_yaml

__all__ = [
    "COLUMNS",
    "AnnualData",
    "AnnualReport",
    "check_applications",
    "compute_report",
    "load_applications",
    "report_markdown",
    "report_path",
    "write_report",
]

FOLDER = "content/applications"
COLUMNS: list[tuple[str, str]] = [
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("nonprofit", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other", "其他"),
]
GROUPS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("disclosed", "（一）予以公开", []),
    ("partly_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", []),
    (
        "withheld",
        "（三）不予公开",
        [
            ("state_secret", "1.属于国家秘密"),
            ("prohibited", "2.其他法律行政法规禁止公开"),
            ("security", "3.危及“三安全一稳定”"),
            ("third_party", "4.保护第三方合法权益"),
            ("internal", "5.属于三类内部事务信息"),
            ("process", "6.属于四类过程性信息"),
            ("enforcement_file", "7.属于行政执法案卷"),
            ("inquiry", "8.属于行政查询事项"),
        ],
    ),
    (
        "unavailable",
        "（四）无法提供",
        [
            ("not_held", "1.本机关不掌握相关政府信息"),
            ("needs_creation", "2.没有现成信息需要另行制作"),
            ("unclear", "3.补正后申请内容仍不明确"),
        ],
    ),
    (
        "not_processed",
        "（五）不予处理",
        [
            ("complaint", "1.信访举报投诉类申请"),
            ("repeated", "2.重复申请"),
            ("publication", "3.要求提供公开出版物"),
            ("excessive", "4.无正当理由大量反复申请"),
            ("confirmation", "5.要求行政机关确认或重新出具已获取信息"),
        ],
    ),
    (
        "other",
        "（六）其他处理",
        [
            ("no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            ("no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            ("other", "3.其他"),
        ],
    ),
]
REVIEW_COLUMNS: list[tuple[str, str]] = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
]
REVIEW_KINDS: list[tuple[str, str]] = [
    ("review", "行政复议"),
    ("litigation", "行政诉讼（未经复议直接起诉）"),
    ("litigation_after_review", "行政诉讼（复议后起诉）"),
]


def _short(label: str) -> str:
    """The short Chinese name a clerk may use as a key: 予以公开, 属于国家秘密."""
    label = re.sub(r"^（[一二三四五六七]）|^\d\.", "", label)
    return label.split("（")[0]


@dataclass(frozen=True)
class Aliased(Struct):
    """A Struct whose keys may also be written as their Chinese names."""

    aliases: Mapping[str, str] = field(default_factory=dict)

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        if isinstance(node, RMap):
            entries: dict[str, RNode] = {}
            locs: dict[str, Loc] = {}
            for key, value in node.entries.items():
                k = self.aliases.get(key.strip(), key)
                if k in entries:
                    ctx.error(node.key_locs[key], "GK003", f"“{key}”与前面的“{k}”是同一项，重复了", f"{path}.{k}")
                    return BAD
                entries[k] = value
                locs[k] = node.key_locs[key]
            node = RMap(entries, locs, node.loc)
        return super().parse(node, ctx, path)


def _aliases(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, label in pairs:
        out[label] = key
        out[_short(label)] = key
    return out


def _count(label: str) -> Int:
    return Int(label, 0, 1_000_000)


ROW = Aliased(
    {k: Field(_count(label), False, label) for k, label in COLUMNS},
    "申请人情况（自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他）",
    aliases=_aliases(COLUMNS),
)


def _group_kind(label: str, subs: list[tuple[str, str]]) -> Any:
    if not subs:
        return ROW
    return Aliased({k: Field(ROW, False, sub) for k, sub in subs}, _short(label), aliases=_aliases(subs))


RESULTS = Aliased(
    {
        **{k: Field(_group_kind(label, subs), False, _short(label)) for k, label, subs in GROUPS},
        "total": Field(ROW, False, "办理结果总计（可不填；填了会核对）"),
    },
    "本年度办理结果",
    aliases={**_aliases((k, label) for k, label, _ in GROUPS), "总计": "total"},
)
APPLICATIONS = Aliased(
    {
        "received": Field(ROW, False, "本年新收政府信息公开申请数量"),
        "carried_over": Field(ROW, False, "上年结转政府信息公开申请数量"),
        "results": Field(RESULTS, False, "本年度办理结果"),
        "carried_forward": Field(ROW, False, "结转下年度继续办理"),
    },
    "收到和处理政府信息公开申请情况",
    aliases={
        "本年新收": "received",
        "上年结转": "carried_over",
        "办理结果": "results",
        "结转下年度": "carried_forward",
    },
)
REVIEW_ROW = Aliased(
    {k: Field(_count(label), False, label) for k, label in REVIEW_COLUMNS},
    "行政复议、行政诉讼结果",
    aliases=_aliases(REVIEW_COLUMNS),
)
DOCS_ROW = Struct(
    {
        "issued": Field(_count("本年制发件数"), False, "本年制发件数"),
        "repealed": Field(_count("本年废止件数"), False, "本年废止件数"),
        "in_force": Field(_count("现行有效件数"), False, "现行有效件数"),
    },
    "件数",
)
PROACTIVE = Struct(
    {
        "regulations": Field(DOCS_ROW, False, "规章"),
        "normative_documents": Field(DOCS_ROW, False, "行政规范性文件"),
        "licensing": Field(_count("行政许可本年处理决定数量"), False, "行政许可"),
        "penalties": Field(_count("行政处罚本年处理决定数量"), False, "行政处罚"),
        "enforcement": Field(_count("行政强制本年处理决定数量"), False, "行政强制"),
        "fees": Field(Money("行政事业性收费本年收费金额（万元）"), False, "行政事业性收费（万元）"),
    },
    "主动公开政府信息情况",
)
FIELDS: dict[str, Field] = {
    "year": Field(Int("年度", 1990, 2100), True, "年度"),
    "title": Field(Text("报告标题", 200), False, "报告标题"),
    "publisher": Field(Text("公开主体", 100), False, "公开主体"),
    "date": Field(Date("报告发布日期"), False, "报告发布日期"),
    "doc_no": Field(Text("文号", 100), False, "文号"),
    "overview": Field(Text("总体情况", 20000), False, "一、总体情况"),
    "proactive": Field(PROACTIVE, False, "二、主动公开政府信息情况"),
    "applications": Field(APPLICATIONS, False, "三、收到和处理政府信息公开申请情况"),
    "reviews": Field(
        Struct({k: Field(REVIEW_ROW, False, label) for k, label in REVIEW_KINDS}, "行政复议、行政诉讼情况"),
        False,
        "四、行政复议、行政诉讼情况",
    ),
    "problems": Field(Text("存在的主要问题及改进情况", 20000), False, "五、存在的主要问题及改进情况"),
    "other_matters": Field(Text("其他需要报告的事项", 20000), False, "六、其他需要报告的事项"),
}

Counts = dict[str, int]  # column → count


def _row(value: Mapping[str, int] | None) -> Counts:
    return {k: int((value or {}).get(k, 0)) for k, _ in COLUMNS}


def _add(*rows: Counts) -> Counts:
    return {k: sum(r[k] for r in rows) for k, _ in COLUMNS}


@dataclass(frozen=True)
class AnnualData:
    """One parsed content/applications/YEAR.yaml."""

    source: str
    values: dict[str, Any]
    locs: dict[str, Loc]

    @property
    def year(self) -> int:
        return int(self.values["year"])

    def apps(self, key: str) -> Counts:
        return _row(self.values.get("applications", {}).get(key))

    def results(self) -> list[tuple[str, str, list[tuple[str, str, Counts]]]]:
        """(key, label, [(sub key, sub label, counts)]) in the fixed order;
        a group without sub-reasons has one sub-row with key ''."""
        res = self.values.get("applications", {}).get("results", {})
        out = []
        for key, label, subs in GROUPS:
            if subs:
                got = res.get(key, {})
                out.append((key, label, [(k, sub, _row(got.get(k))) for k, sub in subs]))
            else:
                out.append((key, label, [("", label, _row(res.get(key)))]))
        return out

    def results_total(self) -> Counts:
        return _add(*(c for _, _, rows in self.results() for _, _, c in rows))

    def loc(self, path: str) -> Loc:
        while path:
            if path in self.locs:
                return self.locs[path]
            path = path.rpartition(".")[0]
        return self.locs.get("", Loc(self.source, 1))


def _files(root: Path) -> list[Path]:
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml"))


def _parse_file(path: Path, rel: str) -> tuple[AnnualData | None, list[Problem]]:
    decoded = decode(path.read_bytes(), rel)
    problems = list(decoded.problems)
    if decoded.encoding == "unknown":
        return None, problems
    node, ps = parse_yaml(decoded.text, rel)
    problems.extend(ps)
    if node is None:
        if not ps:
            problems.append(Problem(Loc(rel, 1), "GK109", "文件是空的", hint="填写 year: 等内容，或删除这个文件"))
        return None, problems
    if not isinstance(node, RMap):
        problems.append(Problem(node.loc, "GK007", f"文件顶层应是“键: 值”结构，这里是{node_kind(node)}"))
        return None, problems
    ctx = Ctx(rel)
    ctx.locs[""] = node.loc
    values = parse_fields(FIELDS, node, ctx, "")
    problems.extend(ctx.problems)
    if values is BAD:
        return None, problems
    return AnnualData(rel, values, ctx.locs), problems


def _rules(data: AnnualData, stem: str, previous: AnnualData | None, publishers: Mapping[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    if str(data.year) != stem:
        problems.append(
            Problem(
                data.loc("year"),
                "GK702",
                f"文件名是 {stem}，但 year 写的是 {data.year}",
                "year",
                str(data.year),
                f"文件名与年度一致，如 {data.year}.yaml",
            )
        )
    received, carried, forward = data.apps("received"), data.apps("carried_over"), data.apps("carried_forward")
    total = data.results_total()
    for key, label in COLUMNS:
        left = received[key] + carried[key]
        right = total[key] + forward[key]
        if left != right:
            problems.append(
                Problem(
                    data.loc("applications.carried_forward"),
                    "GK701",
                    f"{label}：本年新收 {received[key]} + 上年结转 {carried[key]} = {left}，"
                    f"而办理结果总计 {total[key]} + 结转下年度 {forward[key]} = {right}，两者应相等",
                    "applications",
                    hint="核对各项办理结果和结转下年度的件数",
                )
            )
    stated = data.values.get("applications", {}).get("results", {}).get("total")
    if stated is not None:
        given = _row(stated)
        for key, label in COLUMNS:
            if given[key] != total[key]:
                problems.append(
                    Problem(
                        data.loc("applications.results.total"),
                        "GK704",
                        f"{label}：写的总计是 {given[key]}，各项办理结果相加是 {total[key]}",
                        "applications.results.total",
                        str(given[key]),
                        str(total[key]),
                    )
                )
    if previous is not None and "carried_over" in _apps(data):
        before = previous.apps("carried_forward")
        for key, label in COLUMNS:
            if carried[key] != before[key]:
                problems.append(
                    Problem(
                        data.loc("applications.carried_over"),
                        "GK703",
                        f"{label}：上年结转写的是 {carried[key]}，{previous.source} 中结转下年度是 {before[key]}",
                        "applications.carried_over",
                        str(carried[key]),
                        str(before[key]),
                        Severity.WARNING,
                    )
                )
    pub = data.values.get("publisher")
    if pub is not None and pub not in publishers and pub not in publishers.values():
        problems.append(
            Problem(
                data.loc("publisher"),
                "GK202",
                f"未知的公开主体“{pub}”",
                "publisher",
                pub,
                "site.yaml 中 publishers 的键之一：" + "、".join(publishers),
            )
        )
    return problems


def _apps(data: AnnualData) -> dict[str, Any]:
    return data.values.get("applications", {})


def load_applications(root: Path, publishers: Mapping[str, str]) -> tuple[dict[int, AnnualData], list[Problem]]:
    """Every content/applications/*.yaml, parsed and checked; by year."""
    problems: list[Problem] = []
    parsed: list[tuple[str, AnnualData]] = []
    for p in _files(root):
        rel = f"{FOLDER}/{p.name}"
        if not re.fullmatch(r"\d{4}", p.stem):
            problems.append(
                Problem(
                    Loc(rel),
                    "GK702",
                    "依申请公开数据文件应以年份命名",
                    hint="如 content/applications/2015.yaml",
                )
            )
            continue
        data, ps = _parse_file(p, rel)
        problems.extend(ps)
        if data is not None:
            parsed.append((p.stem, data))
    by_year = {int(stem): d for stem, d in parsed}
    for stem, d in parsed:
        problems.extend(_rules(d, stem, by_year.get(int(stem) - 1), publishers))
    return by_year, problems


def check_applications(root: Path, checked: Validated) -> Validated:
    """``checked`` with the problems of content/applications/ added."""
    publishers = checked.site.config.publishers if checked.site is not None else {}
    _, problems = load_applications(root, publishers)
    return Validated(checked.site, (*checked.problems, *problems))


# --- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualReport:
    """Everything the report template needs; every total computed here."""

    year: int
    title: str
    publisher: str  # key
    date: date
    doc_no: str
    organization: str
    data: AnnualData
    by_type: list[tuple[str, int]]  # (type label, public records of the year)
    published: int
    on_notice: int  # public records of the year with a 公示期 (posted on boards too)
    on_request: int
    exempt: int

    @property
    def received(self) -> Counts:
        return self.data.apps("received")

    @property
    def carried_over(self) -> Counts:
        return self.data.apps("carried_over")

    @property
    def carried_forward(self) -> Counts:
        return self.data.apps("carried_forward")

    @property
    def results(self) -> list[tuple[str, str, list[tuple[str, str, Counts]]]]:
        return self.data.results()

    @property
    def results_total(self) -> Counts:
        return self.data.results_total()

    @property
    def proactive(self) -> dict[str, Any]:
        return self.data.values.get("proactive", {})

    def reviews(self, kind: str) -> dict[str, int]:
        got = self.data.values.get("reviews", {}).get(kind, {})
        row = {k: int(got.get(k, 0)) for k, _ in REVIEW_COLUMNS}
        row["total"] = sum(row.values())
        return row

    @property
    def text(self) -> dict[str, str]:
        v = self.data.values
        return {k: v.get(k, "").strip() for k in ("overview", "problems", "other_matters")}


def report_id(year: int) -> str:
    return f"niandu-baogao-{year}"


def report_path(root: Path, year: int) -> Path:
    return root / "content" / "notices" / f"{report_id(year)}.md"


def compute_report(site: Site, data: AnnualData, report_date: date | None = None) -> AnnualReport:
    """The report of ``data.year`` from the YAML and the site's records of that year."""
    year = data.year
    records = [r for r in site.records if r.date.year == year and not r.draft]
    public = [r for r in records if r.is_public]
    by_type = [(t.label, sum(1 for r in public if r.type == t.name)) for t in RECORD_TYPES.values()]
    v = data.values
    publisher = v.get("publisher") or (
        "town" if "town" in site.config.publishers else next(iter(site.config.publishers))
    )
    if publisher not in site.config.publishers:  # the full name was written
        publisher = next(k for k, name in site.config.publishers.items() if name == publisher)
    org = site.config.organization
    return AnnualReport(
        year=year,
        title=v.get("title") or f"{org}{year}年政府信息公开工作年度报告",
        publisher=publisher,
        date=report_date or v.get("date") or date(year + 1, 1, 31),
        doc_no=v.get("doc_no", ""),
        organization=org,
        data=data,
        by_type=[(label, n) for label, n in by_type if n],
        published=len(public),
        on_notice=sum(1 for r in public if r.notice),
        on_request=sum(1 for r in records if r.disclosure == "on_request"),
        exempt=sum(1 for r in records if r.disclosure == "exempt"),
    )


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _fmt_money(value: Decimal | None) -> str:
    return "0" if not value else f"{value:.2f}"


def report_markdown(report: AnnualReport, template_dirs: list[Path]) -> str:
    """The report as a notice record: front matter + Markdown with HTML tables."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d / "templates") for d in template_dirs]),
        autoescape=False,  # Markdown out; clerks' text is sanitised when the page is rendered
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(yaml_str=_yaml_str, money=_fmt_money)
    return env.get_template("report/annual_report.md").render(
        r=report, columns=COLUMNS, review_columns=REVIEW_COLUMNS, review_kinds=REVIEW_KINDS
    )


def write_report(
    site_dir: Path,
    year: int,
    today: date,
    report_date: date | None = None,
    force: bool = False,
) -> tuple[Path, AnnualReport]:
    """Write content/notices/niandu-baogao-YEAR.md.  Refuses when the content
    has errors, when the year's data is missing or does not add up, and when
    the file exists (unless ``force``)."""
    from gongkai.emit.render import theme_dirs
    from gongkai.read.load import find_site_root
    from gongkai.run.build import check

    root = find_site_root(site_dir)
    checked = check(root, today)
    if checked.site is None or checked.errors:
        raise ContentError(list(checked.problems))
    site = checked.site
    data = load_applications(root, site.config.publishers)[0].get(year)
    if data is None:
        raise GongkaiError(
            f"没有找到 {FOLDER}/{year}.yaml：请先填写{year}年依申请公开的办理情况（写法见 docs/open-data.md）"
        )
    if not data.values.get("problems"):
        raise ContentError(
            [
                Problem(
                    data.loc(""),
                    "GK102",
                    "缺少“存在的主要问题及改进情况”（年度报告第五部分）",
                    "problems",
                    hint="problems: |（下一行起缩进两格写正文）",
                )
            ]
        )
    target = report_path(root, year)
    rel = target.relative_to(root).as_posix()
    other = site.by_id.get(report_id(year))
    if other is not None and other.source != rel:
        raise GongkaiError(f"编号 {report_id(year)} 已被 {other.source} 使用，无法生成年度报告")
    if target.exists() and not force:
        raise GongkaiError(f"{rel} 已存在，没有覆盖。确需重新生成，请先核对或删除该文件，或加 --force")
    report = compute_report(site, data, report_date)
    text = report_markdown(report, theme_dirs(root, site.config.theme))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    return target, report
