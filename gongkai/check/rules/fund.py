"""fund: sources sum to the projects' allocations; spent within allocated."""

from __future__ import annotations

from decimal import Decimal

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.formats import money as _fmt
from gongkai.core.model import Record

__all__ = ["check"]


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    out: list[Problem] = []
    sources = sum((s["amount"] for s in rec.data["sources"]), Decimal(0))
    allocated = sum((p["allocated"] for p in rec.data["projects"]), Decimal(0))
    if sources != allocated:
        out.append(
            Problem(
                rec.loc("sources"),
                "GK321",
                "资金来源合计不等于各项目安排资金之和",
                "sources",
                _fmt(sources),
                f"{_fmt(allocated)}（项目安排合计），差额 {_fmt(sources - allocated)}",
            )
        )
    for i, p in enumerate(rec.data["projects"], start=1):
        spent = p.get("spent")
        if spent is not None and spent > p["allocated"]:
            out.append(
                Problem(
                    rec.loc(f"projects[{i}].spent"),
                    "GK322",
                    f"项目“{p['name']}”已支出超过安排资金",
                    f"projects[{i}].spent",
                    _fmt(spent),
                    f"不超过 {_fmt(p['allocated'])}",
                )
            )
        if p["status"] == "completed" and spent is None:
            out.append(
                Problem(
                    rec.loc(f"projects[{i}].status"),
                    "GK323",
                    f"项目“{p['name']}”已完工，但没有填写已支出金额",
                    f"projects[{i}].spent",
                    hint="spent: 实际支出金额",
                )
            )
    return out
