"""Publication deadlines (warnings): 20 working days from 形成 (条例 第二十六条),
15 working days from a fund's allocation, 20 days from a budget's approval.

Working days follow China's official calendar — holidays and make-up
workdays — from the ``chinese-calendar`` package, whose data reaches a
known last year (read at run time: an upgrade extends it).  A site's
``content/holidays.yaml`` adds or overrides single days on top of it; a year
the package does not cover but the file names is counted Monday–Friday plus
the file's days.

A year neither knows is counted Monday–Friday, and said so only when it
matters: a publication on time even if every unknown day were a working day,
or late even if every unknown day were a holiday, gets the plain verdict;
only one whose verdict the unknown holidays could change gets GK604, which
names that year and gives the Monday–Friday result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import date, timedelta
from functools import cache

import chinese_calendar

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record

__all__ = ["Judgement", "WorkCalendar", "builtin_years", "check"]


@cache
def builtin_years() -> tuple[int, int]:
    """First and last year the installed chinese-calendar has data for,
    probed through its public API (it raises NotImplementedError outside)."""
    known = []
    for year in range(1990, 2200):
        try:
            chinese_calendar.is_workday(date(year, 7, 1))
        except NotImplementedError:
            continue
        known.append(year)
    return (known[0], known[-1]) if known else (0, -1)


@cache
def _builtin_workday(d: date) -> bool:
    """chinese-calendar's answer for a day of a year it knows (a few thousand
    days in all): it validates every date it is asked about, which cost a cold
    10,000-record build ~3 CPU s of its day-by-day deadline walks."""
    return bool(chinese_calendar.is_workday(d))


@dataclass(frozen=True)
class Judgement:
    """Whether ``published`` met the n-th working day after a start date.

    ``late`` is None when the verdict depends on holidays nobody knows;
    ``deadline`` counts unknown days Monday–Friday and is exact unless
    ``guessed`` names the unknown years it crossed; ``unknown_years`` are
    the years whose unknown days lie between the start and the publication
    (those that could change the verdict)."""

    late: bool | None
    late_weekdays: bool  # the verdict counting unknown days Monday–Friday
    deadline: date
    guessed: tuple[int, ...]
    unknown_years: tuple[int, ...]


@dataclass(frozen=True)
class WorkCalendar:
    """Official working days.  ``extra`` maps a year to (holidays, workdays)
    from holidays.yaml: single days that override the built-in calendar."""

    extra: Mapping[int, tuple[frozenset[date], frozenset[date]]] = field(default_factory=dict)

    @property
    def last_builtin_year(self) -> int:
        return builtin_years()[1]

    def is_workday(self, d: date) -> bool | None:
        """True or False, or None when nothing says whether ``d`` is worked."""
        own = self.extra.get(d.year)
        if own is not None:
            holidays, workdays = own
            if d in workdays:
                return True
            if d in holidays:
                return False
        first, last = builtin_years()
        if first <= d.year <= last:
            return _builtin_workday(d)
        if own is not None:
            return d.weekday() < 5
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

    def judge(self, start: date, n: int, published: date) -> Judgement:
        """Was ``published`` at most the n-th working day after ``start``?

        It is late when the days strictly between hold n working days or
        more.  Each unknown day could be either, so the count lies between
        ``low`` (all off) and ``high`` (all worked): the verdict is certain
        unless n falls in between."""
        low = high = 0
        between: set[int] = set()
        d = start + timedelta(days=1)
        while d < published and low < n:
            w = self.is_workday(d)
            if w is None:
                between.add(d.year)
                high += 1
            else:
                low += w
                high += w
            d += timedelta(days=1)
        late: bool | None = True if low >= n else False if high < n else None
        # The deadline counting unknown days Monday–Friday: exact when every
        # day up to it is known.
        deadline, left, guessed = start, n, set()
        while left > 0:
            deadline += timedelta(days=1)
            w = self.is_workday(deadline)
            if w is None:
                guessed.add(deadline.year)
                w = deadline.weekday() < 5
            left -= w
        return Judgement(late, published > deadline, deadline, tuple(sorted(guessed)), tuple(sorted(between)))


def _warn(rec: Record, code: str, field_: str, message: str, value: str, hint: str) -> Problem:
    return Problem(rec.loc(field_), code, message, field_, value, hint, Severity.WARNING)


def _years(years: tuple[int, ...]) -> str:
    return "、".join(str(y) for y in years) + " 年"


def check(rec: Record, cal: WorkCalendar) -> list[Problem]:
    out: list[Problem] = []
    rules: list[tuple[str, date, int, str, str]] = []
    if rec.formed:
        rules.append(("formed", rec.formed, 20, "GK601", "信息形成"))
    if rec.type == "fund" and rec.data.get("allocated_on"):
        rules.append(("allocated_on", rec.data["allocated_on"], 15, "GK602", "资金下达"))
    for field_, start, n, code, what in rules:
        j = cal.judge(start, n, rec.date)
        if j.late is None:
            years = _years(j.unknown_years)
            first = j.unknown_years[0]
            verdict = "已超过" if j.late_weekdays else "未超过"
            out.append(
                _warn(
                    rec,
                    "GK604",
                    field_,
                    f"{years}的法定节假日和调休安排未知（内置日历只到 {cal.last_builtin_year} 年），"
                    f"按周一至周五计算：{what}（{start.isoformat()}）后第 {n} 个工作日是 {j.deadline.isoformat()}，"
                    f"{rec.date.isoformat()} 公开{verdict}时限；{years}的节假日和调休可能使结果不同",
                    start.isoformat(),
                    f"按国务院办公厅的放假通知，在 content/holidays.yaml 中写上 {years}放假的日期和周末调休上班的日期"
                    f"（写法：{first}: {{holidays: [{first}-01-01, …], workdays: [{first}-…]}}），"
                    "或升级 chinese-calendar（pip install -U chinese-calendar）",
                )
            )
        elif j.late:
            note = f"（按周一至周五估算，{_years(j.guessed)}的节假日未知）" if j.guessed else ""
            out.append(
                _warn(
                    rec,
                    code,
                    "date",
                    f"{what}（{start.isoformat()}）后超过 {n} 个工作日才公开",
                    rec.date.isoformat(),
                    f"最迟应在 {j.deadline.isoformat()} 公开{note}",
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
                    f"最迟应在 {deadline.isoformat()} 公开",
                )
            )
    return out
