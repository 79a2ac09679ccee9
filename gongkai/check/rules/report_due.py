"""Last year's 政府信息公开工作年度报告, once its date has passed.

条例第四十九条: 县级以上人民政府部门 publish the report by 1月31日 and
县级以上人民政府 by 3月31日; for a township the date comes from its province,
city or county (site.yaml ``annual_report_due``, default 01-31).  A site
that published anything last year and has no report for it after that date
gets one warning (GK605); the report is made by ``gongkai report YEAR``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from gongkai.core.errors import Loc, Problem, Severity
from gongkai.core.model import Record

__all__ = ["REPORT_TAG", "check_report_due", "report_id"]

REPORT_TAG = "政府信息公开工作年度报告"


def report_id(year: int) -> str:
    return f"niandu-baogao-{year}"


def check_report_due(
    records: Iterable[Record], today: date, due: tuple[int, int], config_path: str, agency: Callable[[str], bool]
) -> list[Problem]:
    """``agency``: whether a publisher is an administrative agency (only their
    records make the report due)."""
    year = today.year - 1
    last = date(today.year, *due) if due != (2, 29) or today.year % 4 == 0 else date(today.year, 2, 28)
    records = list(records)
    if today <= last or not any(r.date.year == year and r.is_public and agency(r.publisher) for r in records):
        return []
    made = any(
        r.id == report_id(year) or (REPORT_TAG in r.tags and f"{year}年" in r.title) for r in records
    )  # drafts and later dates count: the report is on its way
    if made:
        return []
    return [
        Problem(
            Loc(config_path, 1),
            "GK605",
            f"{year}年度政府信息公开工作年度报告应在 {last.isoformat()} 前公布，至今还没有",
            "annual_report_due",
            f"{due[0]:02d}-{due[1]:02d}",
            f"填写 content/applications/{year}.yaml 后运行 gongkai report {year}；"
            "本地规定的期限不同的，在 site.yaml 中写 annual_report_due: 03-31 等（条例第四十九条）",
            Severity.WARNING,
        )
    ]
