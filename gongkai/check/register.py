"""The 依申请公开 register judged: time limits on the working-day calendar,
and the annual report's table counted from it.

Time limits (《中华人民共和国政府信息公开条例》, 2019):

- 第三十三条: reply within 20 working days of receiving the application;
  extended by at most 20 more when the applicant is told (``extended``)
  before the first limit runs out;
- 第三十条: a request to correct (补正) is made once, within 7 working days
  of receipt; the limit then runs from the day the corrected application
  arrives (``corrected``);
- 第三十二条: the time taken to consult a third party (from
  ``third_party_asked`` to ``third_party_replied``) is not counted; the
  third party has 15 working days to answer.

Warnings: GK722 replied late, GK723 still open past the limit, GK724 open
with at most 5 working days left (so the clerk sees it coming), GK726 the
correction or the extension came too late.  Errors: GK721 a register that
contradicts itself (duplicate number, a reply without a result, dates out
of order), GK725 typed counts in YEAR.yaml that differ from the register.

Counts for year Y (the annual report's part 三):
    本年新收       received in Y
    上年结转       received before Y, not replied before Y
    办理结果       replied in Y, by result
    结转下年度     received in or before Y, not replied in or before Y
so 新收 + 上年结转 = 办理结果 + 结转下年度 holds by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from gongkai.check.rules.deadlines import WorkCalendar
from gongkai.core.errors import Problem, Severity
from gongkai.core.reply_forms import FORMS
from gongkai.read.applications import COLUMNS
from gongkai.read.register import RESULTS, Application

__all__ = ["Limit", "check_register", "register_counts", "reply_limit"]

REPLY_DAYS = 20  # 第三十三条第二款
EXTENSION_DAYS = 20  # 第三十三条第二款
CORRECTION_DAYS = 7  # 第三十条
SOON_DAYS = 5  # working days left before an open application is flagged


class Limit:
    """The reply limit of one application: the last day a reply is on
    time, or None when the calendar does not know a year on the way."""

    def __init__(self, app: Application, cal: WorkCalendar) -> None:
        start = app.corrected or app.received
        days = REPLY_DAYS + (EXTENSION_DAYS if app.extended else 0)
        # the third party's time is not counted: its working days are added back
        paused = 0
        if app.third_party_asked and app.third_party_replied and app.third_party_replied > app.third_party_asked:
            d = app.third_party_asked
            while d < app.third_party_replied:
                d += timedelta(days=1)
                paused += bool(cal.is_workday(d))
        self.first = cal.add_workdays(start, REPLY_DAYS)  # before any extension
        self.last = cal.add_workdays(start, days + paused)


def reply_limit(app: Application, cal: WorkCalendar) -> date | None:
    return Limit(app, cal).last


def _workdays_between(cal: WorkCalendar, a: date, b: date) -> int:
    n, d = 0, a
    while d < b:
        d += timedelta(days=1)
        n += bool(cal.is_workday(d))
    return n


def check_register(apps: Iterable[Application], today: date, cal: WorkCalendar) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, Application] = {}
    for app in apps:
        other = seen.setdefault(app.no, app)
        if other is not app:
            problems.append(
                Problem(
                    app.at("no"),
                    "GK721",
                    f"登记编号“{app.no}”重复（另一件在 {other.loc}）",
                    "no",
                    app.no,
                    "每件申请一个编号",
                )
            )
        problems.extend(_order(app))
        if app.received <= today:  # a check as of an earlier day knows nothing later
            problems.extend(_limits(app, today, cal))
    return problems


def _order(app: Application) -> list[Problem]:
    out: list[Problem] = []

    def bad(name: str, message: str, hint: str) -> None:
        value = getattr(app, name)
        out.append(Problem(app.at(name), "GK721", message, name, str(value or ""), hint))

    if app.replied and not app.result:
        bad("replied", "写了答复日期，但没有写办理结果", "加一行 result: 予以公开（或其他办理结果）")
    if app.result and not app.replied:
        bad("result", "写了办理结果，但没有写答复日期", "加一行 replied: 答复日期")
    for name in ("correction_asked", "corrected", "third_party_asked", "third_party_replied", "extended", "replied"):
        d = getattr(app, name)
        if d is not None and d < app.received:
            bad(name, "日期早于收到申请的日期", f"不早于 {app.received.isoformat()}")
    form = FORMS.get(app.reply)
    if (
        form is not None
        and app.result
        and not any(app.result == r or app.result.startswith(r + ".") for r in form.results)
    ):
        bad(
            "reply",
            f"答复形式“{form.name}”（条例{form.item}）与办理结果“{RESULTS[app.result]}”不符",
            "办理结果应为 " + "、".join(_result_name(r) for r in form.results) + "；或改正答复形式",
        )
    if app.corrected and not app.correction_asked:
        bad("corrected", "写了收到补正的日期，但没有写告知补正的日期", "加一行 correction_asked: 告知补正的日期")
    if app.third_party_replied and not app.third_party_asked:
        bad("third_party_replied", "写了第三方答复的日期，但没有写征求意见的日期", "加一行 third_party_asked: 日期")
    return out


def _result_name(key: str) -> str:
    """A result or a group of results ("withheld": 不予公开) by its name."""
    if key in RESULTS:
        return RESULTS[key]
    return next(v.split("：")[0] for k, v in RESULTS.items() if k.startswith(key + "."))


def _warn(app: Application, code: str, message: str, name: str, hint: str) -> Problem:
    value = getattr(app, name, None)
    return Problem(app.at(name), code, message, name, str(value or ""), hint, Severity.WARNING)


def _limits(app: Application, today: date, cal: WorkCalendar) -> list[Problem]:
    out: list[Problem] = []
    if app.correction_asked:
        by = cal.add_workdays(app.received, CORRECTION_DAYS)
        if by is not None and app.correction_asked > by:
            out.append(
                _warn(
                    app,
                    "GK726",
                    f"告知补正应在收到申请后 {CORRECTION_DAYS} 个工作日内（{by.isoformat()} 前）一次性提出（条例第三十条）",
                    "correction_asked",
                    "核对告知补正的日期",
                )
            )
    limit = Limit(app, cal)
    if app.extended and limit.first is not None and app.extended > limit.first:
        out.append(
            _warn(
                app,
                "GK726",
                f"延长答复期限应在原期限（{limit.first.isoformat()}）届满前告知申请人（条例第三十三条第二款）",
                "extended",
                "核对告知延期的日期",
            )
        )
    if limit.last is None:
        return out  # a year the calendar does not know: the deadlines module warns about the calendar
    basis = "条例第三十三条：收到申请之日起 20 个工作日内答复" + ("，延长后共 40 个工作日" if app.extended else "")
    if app.replied:
        if app.replied > limit.last:
            out.append(
                _warn(
                    app,
                    "GK722",
                    f"答复超过法定期限：应在 {limit.last.isoformat()} 前答复（{basis}）",
                    "replied",
                    "核对收到申请、补正、征求第三方意见和延期的日期；确实超期的，在年度报告中如实说明",
                )
            )
    elif today > limit.last:
        out.append(
            _warn(
                app,
                "GK723",
                f"申请“{app.no}”已超过答复期限（{limit.last.isoformat()}）仍未答复（{basis}）",
                "received",
                "尽快答复并填写 replied 和 result；已答复的补上答复日期",
            )
        )
    else:
        left = _workdays_between(cal, today, limit.last)
        if left <= SOON_DAYS:
            out.append(
                _warn(
                    app,
                    "GK724",
                    f"申请“{app.no}”还剩 {left} 个工作日答复（期限 {limit.last.isoformat()}）",
                    "received",
                    "需要更多时间的，在期限届满前告知申请人延期并填写 extended（最多延长 20 个工作日）",
                )
            )
    return out


def register_counts(apps: Iterable[Application], year: int) -> dict[str, Any]:
    """The ``applications`` part of YEAR.yaml, counted from the register."""
    apps = list(apps)

    def row(selected: Iterable[Application]) -> dict[str, int]:
        r = dict.fromkeys((k for k, _ in COLUMNS), 0)
        for a in selected:
            r[a.applicant] += 1
        return {k: v for k, v in r.items() if v}

    results: dict[str, Any] = {}
    for a in apps:
        if a.replied and a.replied.year == year:
            group, _, sub = a.result.partition(".")
            cell = results.setdefault(group, {})
            if sub:
                cell = cell.setdefault(sub, {})
            cell[a.applicant] = cell.get(a.applicant, 0) + 1
    return {
        "received": row(a for a in apps if a.received.year == year),
        "carried_over": row(a for a in apps if a.received.year < year and not (a.replied and a.replied.year < year)),
        "results": results,
        "carried_forward": row(
            a for a in apps if a.received.year <= year and not (a.replied and a.replied.year <= year)
        ),
    }
