"""procurement (小额工程和采购结果): a positive amount; a result of competition made public.

依据: a purchase or a work has a price (an amount of 0 is a slip); 招标投标法实施条例
第五十四条 makes a tender's 中标候选人 public for at least 3 days, and the small
purchases of townships and villages are made public by 地方规定.
"""

from __future__ import annotations

from gongkai.core.errors import Problem, Severity
from gongkai.core.formats import money as _fmt
from gongkai.core.model import Record
from gongkai.core.schema.procurement import METHODS, NEEDS_NOTICE

__all__ = ["check"]


def check(rec: Record) -> list[Problem]:
    d = rec.data
    out: list[Problem] = []
    if d["amount"] <= 0:
        out.append(
            Problem(
                rec.loc("amount"),
                "GK359",
                "中标（成交）金额应大于零",
                "amount",
                _fmt(d["amount"]),
                "合同或成交通知书上的金额（元）",
            )
        )
    if d["method"] in NEEDS_NOTICE and rec.notice is None:
        out.append(
            Problem(
                rec.loc(""),
                "GK358",
                f"采购方式为{METHODS[d['method']]}，结果没有写公示期",
                "notice",
                hint=f"notice: {{start: {rec.date.isoformat()}, end: …}}，按本地规定的天数公示",
                severity=Severity.WARNING,
            )
        )
    return out
