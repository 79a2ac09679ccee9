"""Minimum notice periods counted in working days.

site.yaml may give a kind's minimum as ``5个工作日`` (many local rules count
公示 in 工作日); the period from ``notice.start`` to ``notice.end`` must then
hold that many working days on the official calendar (weekends, holidays
and 调休 included; holidays.yaml for years the calendar does not know, else
Monday–Friday, said so in the message).  The same codes as the calendar-day
rules: GK314 for rosters and fund notices, GK334 for a consultation.
Minimums in calendar days stay with the type rules (common.py, decision.py).
"""

from __future__ import annotations

from datetime import date

from gongkai.check.rules.common import NEEDS_NOTICE, notice_minimum
from gongkai.check.rules.deadlines import WorkCalendar
from gongkai.check.rules.decision import short_consultation
from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.model import Record

__all__ = ["check_workday_minima"]


def _deadline(cal: WorkCalendar, start: date, n: int) -> tuple[date, bool]:
    j = cal.judge(start, n, start)
    return j.deadline, bool(j.guessed)


def check_workday_minima(rec: Record, config: SiteConfig, cal: WorkCalendar) -> list[Problem]:
    out: list[Problem] = []
    if rec.type in NEEDS_NOTICE and rec.notice:
        kind, minimum = notice_minimum(rec, config)
        if kind in config.notice_workdays:
            start, end = rec.notice["start"], rec.notice["end"]
            need, guessed = _deadline(cal, start, minimum)
            if end < need:
                out.append(
                    Problem(
                        rec.loc("notice.end"),
                        "GK314",
                        f"公示期少于此类公示的最短 {minimum} 个工作日" + ("（按周一至周五估算）" if guessed else ""),
                        "notice",
                        f"{start.isoformat()} 至 {end.isoformat()}",
                        f"结束日期不早于 {need.isoformat()}（site.yaml 的 notice_min_days.{kind}）",
                    )
                )
    c = rec.data.get("consultation") if rec.type == "decision" and rec.data.get("stage") == "consultation" else None
    if c and "consultation" in config.notice_workdays:
        minimum = config.notice_min_days.get("consultation", 30)
        need, guessed = _deadline(cal, c["opens"], minimum)
        if c["closes"] < need:
            guess = "（按周一至周五估算）" if guessed else ""
            out.append(short_consultation(rec, c, f"征求意见少于最短 {minimum} 个工作日{guess}", need))
    return out
