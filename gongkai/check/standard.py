"""The 标准目录 judged on ``today``: which records belong to each 事项, and
whether each 事项 that applies is published and kept up to date.

A record goes to the 事项 whose ``records:`` matches it most specifically
(core/standard.py).  Per 事项:

- 不适用: the 领域 is marked ``applies: false`` (with its reason); a public
  record that still lands there is a warning (GK806);
- 暂无信息: no public record yet;
- 按时更新 / 逾期未更新: a periodic 事项 (每年, 每半年, 每季度, 每月) is
  overdue when more than its cycle plus ``grace_days`` has passed since its
  newest record;
- 已公开: an event-driven 事项 (有新信息时) with records.

Each 事项 also counts its records published past their legal time limit,
by the same judgement as the warnings GK601–GK603 (formed / allocated_on /
approved), on the official working-day calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from gongkai.check.rules.deadlines import WorkCalendar
from gongkai.check.rules.deadlines import check as deadline_problems
from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record
from gongkai.core.standard import CYCLES, ItemStatus, StandardCatalogue, StandardItem, StandardStatus, subkind

__all__ = ["judge_standard"]

_LATE = frozenset({"GK601", "GK602", "GK603"})


def assign(items: Iterable[StandardItem], rec: Record) -> StandardItem | None:
    """The 事项 that takes ``rec``: its most specific match."""
    sub = subkind(rec.type, rec.data)
    best: tuple[int, StandardItem] | None = None
    for item in items:
        for sel in item.selectors:
            if sel.matches(rec.type, sub, rec.tags) and (best is None or sel.rank > best[0]):
                best = (sel.rank, item)
    return best[1] if best else None


def judge_standard(
    catalogue: StandardCatalogue | None,
    grace_days: int,
    records: Iterable[Record],
    today: date,
    calendar: WorkCalendar,
) -> tuple[StandardStatus | None, list[Problem]]:
    if catalogue is None:
        return None, []
    problems: list[Problem] = []
    members: dict[str, list[Record]] = {item.id: [] for item in catalogue.items}
    unassigned: list[tuple[str, str]] = []
    for rec in records:
        if not rec.is_public or rec.type == "page":
            continue
        item = assign(catalogue.items, rec)
        if item is None:
            unassigned.append((rec.id, rec.title))
            continue
        members[item.id].append(rec)
        if not item.applies:
            problems.append(
                Problem(
                    rec.loc("title"),
                    "GK806",
                    f"这条信息属于标准目录中写了“不适用”的领域“{item.area}”（事项“{item.name}”）",
                    "title",
                    rec.title,
                    f"核对 content/catalogue.yaml 第 {item.loc.line} 行：本镇有这类信息，就把该领域的 applies 改为 true",
                    Severity.WARNING,
                )
            )
    statuses = tuple(_status(item, members[item.id], today, grace_days, calendar) for item in catalogue.items)
    return StandardStatus(catalogue.areas, statuses, tuple(sorted(unassigned))), problems


def _status(item: StandardItem, recs: list[Record], today: date, grace: int, calendar: WorkCalendar) -> ItemStatus:
    recs = sorted(recs, key=lambda r: (r.date, r.id))
    latest = (recs[-1].id, recs[-1].title, recs[-1].date) if recs else None
    late = sum(1 for r in recs if any(p.code in _LATE for p in deadline_problems(r, calendar)))
    days = CYCLES[item.cycle][1]
    due = recs[-1].date + timedelta(days=days + grace) if recs and days is not None else None
    if not item.applies:
        state = "na"
    elif not recs:
        state = "none"
    elif due is None:
        state = "published"
    else:
        state = "current" if today <= due else "overdue"
    return ItemStatus(item, state, len(recs), latest, due, late)
