"""decision: consultation → decided → result, dates running forward."""

from __future__ import annotations

from datetime import date
from typing import Any

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record

__all__ = ["check", "check_chains", "short_consultation"]

_PREVIOUS = {"decided": "consultation", "result": "decided"}
_LABEL = {"consultation": "征求意见", "decided": "决策", "result": "执行结果"}


def short_consultation(rec: Record, c: dict[str, Any], message: str, need: date) -> Problem:
    """GK334: a consultation shorter than its minimum.  《重大行政决策程序暂行条例》
    第十五条: 一般不少于30日; a shorter period is allowed when its reason is
    published (``consultation.shortened``): then a warning, not an error."""
    shortened = bool(c.get("shortened"))
    return Problem(
        rec.loc("consultation.closes"),
        "GK334",
        message + ("（已写明缩短理由，会在网页上公开说明）" if shortened else ""),
        "consultation.closes",
        c["closes"].isoformat(),
        f"不早于 {need.isoformat()}"
        + ("" if shortened else "；因情况紧急等原因确需缩短的，写 consultation.shortened: 理由"),
        Severity.WARNING if shortened else Severity.ERROR,
    )


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    out: list[Problem] = []
    d = rec.data
    stage = d["stage"]

    def need(key: str, why: str, hint: str) -> None:
        out.append(Problem(rec.loc(""), "GK331", why, key, stage, hint))

    if stage == "consultation":
        c = d.get("consultation")
        if c is None:
            need(
                "consultation",
                "征求意见阶段必须写明征求意见的起止日期",
                "consultation: {opens: 日期, closes: 日期, channels: [来信, 电话]}",
            )
        else:
            days = (c["closes"] - c["opens"]).days
            minimum = config.notice_min_days.get("consultation", 30)
            if days < minimum and "consultation" not in config.notice_workdays:  # else notice_workdays.py
                earliest = c["opens"].fromordinal(c["opens"].toordinal() + minimum)
                out.append(short_consultation(rec, c, f"征求意见只有 {days} 天，少于最短 {minimum} 天", earliest))
        if d.get("follows"):
            out.append(
                Problem(
                    rec.loc("follows"), "GK332", "征求意见是决策的第一个阶段，不应写 follows", "follows", d["follows"]
                )
            )
    elif stage == "decided":
        if not d.get("follows") and not d.get("consultation_waived"):
            need(
                "follows",
                "决策记录必须指明它的征求意见记录，或写明未征求意见的理由",
                "follows: 征求意见记录编号，或 consultation_waived: 理由",
            )
        if d.get("follows") and d.get("consultation_waived"):
            out.append(
                Problem(
                    rec.loc("consultation_waived"),
                    "GK332",
                    "已指明征求意见记录，就不应再写未征求意见的理由",
                    "consultation_waived",
                )
            )
        if "meeting" not in d:
            need("meeting", "决策记录必须写明决策会议", "meeting: {name: 镇党委会, date: 日期}")
        if d.get("follows") and not d.get("comments_adopted"):
            need(
                "comments_adopted",
                "决策记录必须说明意见采纳情况",
                "comments_adopted: 收到意见几条，采纳几条，未采纳的理由",
            )
    elif stage == "result":
        if not d.get("follows"):
            need("follows", "执行结果记录必须指明它的决策记录", "follows: 决策记录编号")
    return out


def check_chains(records: tuple[Record, ...], config: SiteConfig) -> list[Problem]:
    out: list[Problem] = []
    by_id = {r.id: r for r in records}
    for rec in records:
        if rec.type != "decision" or not rec.data.get("follows"):
            continue
        prev = by_id.get(rec.data["follows"])
        if prev is None or prev.type != "decision":
            continue  # reported as GK203
        stage = rec.data["stage"]
        want = _PREVIOUS.get(stage)
        if want and prev.data["stage"] != want:
            out.append(
                Problem(
                    rec.loc("follows"),
                    "GK332",
                    f"{_LABEL[stage]}阶段应接在{_LABEL[want]}阶段之后，“{prev.id}”是{_LABEL[prev.data['stage']]}阶段",
                    "follows",
                    prev.id,
                )
            )
        if rec.date < prev.date:
            out.append(
                Problem(
                    rec.loc("date"),
                    "GK333",
                    f"本阶段的日期早于上一阶段“{prev.id}”（{prev.date.isoformat()}）",
                    "date",
                    rec.date.isoformat(),
                    f"不早于 {prev.date.isoformat()}",
                )
            )
        c = prev.data.get("consultation")
        meeting = rec.data.get("meeting")
        if stage == "decided" and c and meeting and meeting["date"] < c["closes"]:
            out.append(
                Problem(
                    rec.loc("meeting.date"),
                    "GK333",
                    "决策会议在征求意见截止之前召开",
                    "meeting.date",
                    meeting["date"].isoformat(),
                    f"不早于征求意见截止日 {c['closes'].isoformat()}",
                )
            )
        # A chain that loops back on itself never reaches a first stage.
        seen = {rec.id}
        cur: Record | None = prev
        while cur is not None and cur.data.get("follows"):
            if cur.id in seen:
                out.append(
                    Problem(
                        rec.loc("follows"), "GK335", "决策记录之间的 follows 形成了循环", "follows", rec.data["follows"]
                    )
                )
                break
            seen.add(cur.id)
            cur = by_id.get(cur.data["follows"])
    return out
