"""Rules every record type shares: notice periods."""

from __future__ import annotations

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record

__all__ = ["check", "no_notice", "notice_days", "notice_minimum"]

# Which records must carry a 公示期, and which minimum applies.
NEEDS_NOTICE = {"subsidy", "fund"}


def notice_days(rec: Record) -> int:
    n = rec.notice
    return (n["end"] - n["start"]).days if n else 0


def no_notice(rec: Record, code: str, message: str, where: str) -> list[Problem]:
    """A warning when ``rec`` has no 公示期 (types whose 公示 has no legal
    minimum here): ``where`` says where and why it is posted."""
    if rec.notice is not None:
        return []
    hint = f"notice: {{start: {rec.date.isoformat()}, end: …}}，{where}"
    return [Problem(rec.loc(""), code, message, "notice", hint=hint, severity=Severity.WARNING)]


def notice_minimum(rec: Record, config: SiteConfig) -> tuple[str, int]:
    kind = rec.data.get("kind", "other")
    return kind, config.notice_min_days.get(kind, config.notice_min_days.get("other", 7))


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    out: list[Problem] = []
    if rec.type not in NEEDS_NOTICE:
        return out
    kind, minimum = notice_minimum(rec, config)
    if rec.notice is None:
        out.append(
            Problem(
                rec.loc(""),
                "GK315",
                "公示类记录必须写明公示期",
                "notice",
                hint=f"notice: {{start: {rec.date.isoformat()}, end: …}}，至少 {minimum} 天",
            )
        )
        return out
    days = notice_days(rec)
    if days < minimum and kind not in config.notice_workdays:  # working days: notice_workdays.py
        out.append(
            Problem(
                rec.loc("notice.end"),
                "GK314",
                f"公示期只有 {days} 天，少于此类公示的最短 {minimum} 天",
                "notice",
                f"{rec.notice['start'].isoformat()} 至 {rec.notice['end'].isoformat()}",
                f"结束日期不早于 {(rec.notice['start']).fromordinal(rec.notice['start'].toordinal() + minimum).isoformat()}"
                f"（site.yaml 的 notice_min_days.{kind}）",
            )
        )
    return out
