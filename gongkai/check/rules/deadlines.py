"""Publication deadlines (warnings): 20 working days from 形成 (条例 第二十六条),
15 working days from a fund's allocation, 20 days from a budget's approval.

Working days follow China's official calendar — holidays and make-up
workdays — from the ``chinese-calendar`` package, plus years a site adds in
``content/holidays.yaml``.  A date in a year neither knows is reported as
unknown instead of guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record

__all__ = ["WorkCalendar", "check"]


@dataclass(frozen=True)
class WorkCalendar:
    """Official working days; ``extra`` maps a year to (holidays, workdays)."""

    extra: Mapping[int, tuple[frozenset[date], frozenset[date]]] = field(default_factory=dict)

    def is_workday(self, d: date) -> bool | None:
        if d.year in self.extra:
            holidays, workdays = self.extra[d.year]
            if d in workdays:
                return True
            if d in holidays:
                return False
            return d.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            return None

    def add_workdays(self, start: date, n: int) -> date | None:
        """The n-th working day after ``start``; None when a year is unknown."""
        d = start
        while n > 0:
            d += timedelta(days=1)
            w = self.is_workday(d)
            if w is None:
                return None
            n -= w
        return d


def _warn(rec: Record, code: str, field_: str, message: str, value: str, hint: str) -> Problem:
    return Problem(rec.loc(field_), code, message, field_, value, hint, Severity.WARNING)


def check(rec: Record, cal: WorkCalendar) -> list[Problem]:
    out: list[Problem] = []
    rules: list[tuple[str, date, int, str, str]] = []
    if rec.formed:
        rules.append(("formed", rec.formed, 20, "GK601", "信息形成"))
    if rec.type == "fund" and rec.data.get("allocated_on"):
        rules.append(("allocated_on", rec.data["allocated_on"], 15, "GK602", "资金下达"))
    for field_, start, n, code, what in rules:
        deadline = cal.add_workdays(start, n)
        if deadline is None:
            out.append(
                _warn(
                    rec,
                    "GK604",
                    field_,
                    f"无法判断{start.year}—{rec.date.year}年的工作日（节假日安排未知），未检查公开时限",
                    start.isoformat(),
                    "在 content/holidays.yaml 中补充该年的法定节假日和调休上班日，或升级 gongkai",
                )
            )
        elif rec.date > deadline:
            out.append(
                _warn(
                    rec,
                    code,
                    "date",
                    f"{what}（{start.isoformat()}）后超过 {n} 个工作日才公开",
                    rec.date.isoformat(),
                    f"应在 {deadline.isoformat()} 之前公开",
                )
            )
    if rec.type == "budget" and rec.data.get("approved"):
        deadline = rec.data["approved"] + timedelta(days=20)
        if rec.date > deadline:
            out.append(
                _warn(
                    rec,
                    "GK603",
                    "date",
                    f"预决算批准（{rec.data['approved'].isoformat()}）后超过 20 日才公开",
                    rec.date.isoformat(),
                    f"应在 {deadline.isoformat()} 之前公开",
                )
            )
    return out
