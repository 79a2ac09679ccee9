"""``gongkai report YEAR``: the annual report (政府信息公开工作年度报告)
computed from the site and content/applications/, written as a notice."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from gongkai.check.applications import load_applications
from gongkai.check.rules.report_due import report_id
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import ContentError, GongkaiError, Problem
from gongkai.core.model import Site
from gongkai.core.schema.types import RECORD_TYPES
from gongkai.read.applications import COLUMNS, FOLDER, REVIEW_COLUMNS, REVIEW_KINDS, AnnualData, Counts

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
    withheld: int
    others: int = 0  # public records of the year by publishers that are not agencies (not counted above)

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


def report_path(root: Path, year: int) -> Path:
    return root / "content" / "notices" / f"{report_id(year)}.md"


def compute_report(site: Site, data: AnnualData, report_date: date | None = None) -> AnnualReport:
    """The report of ``data.year`` from the YAML and the site's records of that year."""
    year = data.year
    from gongkai.plan.data import listed

    # 条例第十四条 information is counted only where the site lists it in its 目录
    of_year = [r for r in site.records if r.date.year == year and listed(site, r)]
    # the agency's own information only: a 村委会's or the 人大主席团's records are shown but not counted
    records = [r for r in of_year if site.config.is_agency(r.publisher)]
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
        withheld=sum(1 for r in records if r.disclosure == "withheld"),
        others=sum(1 for r in of_year if r.is_public and not site.config.is_agency(r.publisher)),
    )


# 条例第五十条第（四）项: the report of a 人民政府 (a 镇 included) also gives the results of
# 工作考核、社会评议和责任追究.
_ARTICLE50_4 = ("考核", "评议", "追究")


# The words `gongkai new` puts in a new site's applications file to show where the clerk writes: a part still
# holding them was not written, whatever else it says (the §50(四) prompt itself names 考核, 评议 and 追究).
_EXAMPLE_MARKS = ("（示例", "请按实际改写", "（请填写")
_PARTS = {
    "overview": "一部分“总体情况”",
    "problems": "五部分“存在的主要问题及改进情况”",
    "other_matters": "六部分“其他需要报告的事项”",
}


def _example_words(data: AnnualData) -> list[Problem]:
    out: list[Problem] = []
    for key, part in _PARTS.items():
        text = str(data.values.get(key) or "")
        mark = next((m for m in _EXAMPLE_MARKS if m in text), None)
        if mark is not None:
            out.append(
                Problem(
                    data.loc(key),
                    "GK102",
                    f"年度报告第{part}还是新建网站时的示例文字，没有按本镇实际填写",
                    key,
                    text.strip()[:60],
                    hint=f"把“{mark}……”等示例文字换成本镇的实际情况，再运行 gongkai report",
                )
            )
    return out


def _missing_parts(data: AnnualData) -> list[Problem]:
    """Parts of the report nobody wrote.  No default sentence stands in for one:
    a sentence the clerk did not write must not assert a fact (e.g. that no
    信息处理费 was charged), and neither may the scaffold's example words."""
    out: list[Problem] = _example_words(data)
    if out:
        return out
    problems = str(data.values.get("problems") or "")
    if not problems.strip():
        out.append(
            Problem(
                data.loc(""),
                "GK102",
                "缺少“存在的主要问题及改进情况”（年度报告第五部分，条例第五十条第（四）项）",
                "problems",
                hint="problems: |（下一行起缩进两格写正文）",
            )
        )
    elif not all(word in problems for word in _ARTICLE50_4):
        out.append(
            Problem(
                data.loc("problems"),
                "GK102",
                "第五部分还应写明工作考核、社会评议和责任追究结果情况（条例第五十条第（四）项，各级人民政府的年度报告必须包括）",
                "problems",
                hint="如：本年度县政府办公室对我镇政务公开工作考核结果为……；社会评议……；未发生责任追究情况。",
            )
        )
    if not str(data.values.get("other_matters") or "").strip():
        out.append(
            Problem(
                data.loc(""),
                "GK102",
                "缺少“其他需要报告的事项”（年度报告第六部分）；gongkai 不会替您写“未收取信息处理费”",
                "other_matters",
                hint="other_matters: |（写明本年度按国办函〔2020〕109号收取信息处理费的情况，以及其他需要报告的事项）",
            )
        )
    return out


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
) -> tuple[Path, AnnualReport, tuple[Problem, ...]]:
    """Write content/notices/niandu-baogao-YEAR.md; also returns the check's
    warnings (e.g. GK705: a count typed into the year's data that the site's
    records contradict), for the clerk to see before publishing the report.
    Refuses when the content has errors, when the year's data is missing or
    does not add up, and when the file exists (unless ``force``)."""
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
    missing = _missing_parts(data)
    if missing:
        raise ContentError(missing)
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
    return target, report, tuple(p for p in checked.problems if not p.is_error)
