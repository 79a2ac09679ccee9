"""institution (机构概况): each 领导 with a 分工, no 领导 who has left still listed.

依据: 政府信息公开条例 第二十条第（二）项 (负责人姓名 among what an agency publishes of
itself) and 第二十六条 (information updated within 20 working days of a change);
the 分工 of each 领导 is asked for by the 标准目录 of most provinces (local practice).
Personal mobiles in the phone fields are refused by the leak checks (GK403).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record

__all__ = ["check", "check_departed"]


def check(rec: Record) -> list[Problem]:
    out: list[Problem] = []
    for i, person in enumerate(rec.data["leaders"], start=1):
        if not person.get("duties"):
            p = f"leaders[{i}]"
            out.append(
                Problem(
                    rec.loc(p),
                    "GK392",
                    f"领导“{person['name']}”（{person['post']}）没有写分工",
                    f"{p}.duties",
                    hint="duties: 负责……工作，分管……；联系……村",
                    severity=Severity.WARNING,
                )
            )
    return out


def check_departed(records: Iterable[Record], today: date) -> list[Problem]:
    """A 领导 whose ``left`` date has passed, still on the published page."""
    out: list[Problem] = []
    for rec in records:
        if rec.type != "institution" or rec.draft or rec.date > today:
            continue
        for i, person in enumerate(rec.data["leaders"], start=1):
            left = person.get("left")
            if left is not None and left < today:
                p = f"leaders[{i}].left"
                out.append(
                    Problem(
                        rec.loc(p),
                        "GK393",
                        f"领导“{person['name']}”已于 {left.isoformat()} 离任，仍列在{rec.data['name']}的领导名单中",
                        p,
                        left.isoformat(),
                        "从 leaders 中删除这一项，写上接任的领导，并更新 updated（条例第二十六条：信息变更后20个工作日内更新）",
                        Severity.WARNING,
                    )
                )
    return out
