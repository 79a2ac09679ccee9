"""建议提案 (proposal records): 人大代表建议 and 政协委员提案 with their 办理结果.

- The reply comes after the assignment (GK367), and no later than the
  record's publication date (GK368): a reply published before it was made
  is a typing error.
- 办理期限 (GK366, a warning): 《全国人民代表大会代表法》第三十条 sets 三个月
  (at most 六个月) for 全国人大代表建议; township 人大 and county 政协 follow
  local rules (代表法实施办法, 提案工作条例), most of which also say three
  months.  ``REPLY_MONTHS`` is that local practice.
- A 办理结果 of C (因条件限制或其他原因暂不能解决) must say why (GK365): the
  代表 and the public are owed the reason (代表法第三十条 答复 “负责办理”;
  local rules require C 类 to explain the conditions).
"""

from __future__ import annotations

import calendar
from datetime import date

from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record

__all__ = ["REPLY_MONTHS", "check", "reply_due"]

REPLY_MONTHS = 3  # 代表法第三十条 (全国); township and county: local rules, mostly the same


def reply_due(assigned: date, months: int = REPLY_MONTHS) -> date:
    """The last day of the 办理期限: ``months`` calendar months after ``assigned``
    (a day the month lacks falls to its last day: 11-30 + 3 months → 02-28)."""
    y, m = divmod(assigned.month - 1 + months, 12)
    year, month = assigned.year + y, m + 1
    return date(year, month, min(assigned.day, calendar.monthrange(year, month)[1]))


def check(rec: Record) -> list[Problem]:
    d = rec.data
    out: list[Problem] = []
    who = "代表" if d["kind"] == "npc" else "委员"
    if d["result"] == "C" and not d.get("explanation", "").strip():
        out.append(
            Problem(
                rec.loc("result"),
                "GK365",
                "办理结果为 C 类（暂不能解决），没有写明原因",
                "explanation",
                hint=f"写 explanation: 不能解决的具体原因和今后的打算，让{who}和群众知道为什么",
            )
        )
    assigned, replied = d["assigned"], d["replied"]
    if replied < assigned:
        out.append(
            Problem(
                rec.loc("replied"),
                "GK367",
                "答复日期早于交办日期",
                "replied",
                replied.isoformat(),
                f"不早于交办日期 {assigned.isoformat()}；核对两个日期是否写反",
            )
        )
    elif replied > rec.date:
        out.append(
            Problem(
                rec.loc("replied"),
                "GK368",
                "答复日期晚于本条信息的发布日期",
                "replied",
                replied.isoformat(),
                f"不晚于发布日期 {rec.date.isoformat()}：先答复{who}，再公开答复",
            )
        )
    due = reply_due(assigned)
    if replied > due:
        out.append(
            Problem(
                rec.loc("replied"),
                "GK366",
                f"答复超过交办后 {REPLY_MONTHS} 个月的办理期限（{due.isoformat()} 前）",
                "replied",
                replied.isoformat(),
                "办理期限按当地代表法实施办法或提案工作规定；确需延长的，在 explanation 中说明原因",
                Severity.WARNING,
            )
        )
    return out
