"""yishiyiyi (一事一议筹资筹劳): the sums, the province's cap, the meeting's quorum and majority, the 公示.

依据: 《村民一事一议筹资筹劳管理办法》(国办发〔2007〕4号 转发): 筹资 per person per year within
the 上限 the province sets, the project and its money made public to the villagers;
the meeting's quorum and majority: 村民委员会组织法 第二十二条 (check/rules/meeting.py).
"""

from __future__ import annotations

from decimal import Decimal

from gongkai.check.rules.common import no_notice
from gongkai.check.rules.meeting import check_meeting
from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.formats import money as _fmt
from gongkai.core.model import Record

__all__ = ["check"]


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    return [
        *_sums(rec),
        *_cap(rec, config),
        *check_meeting(rec),
        *no_notice(rec, "GK358", "一事一议筹资筹劳方案没有写公示期", "筹资筹劳前向村民公示"),
    ]


def _sums(rec: Record) -> list[Problem]:
    d = rec.data
    out: list[Problem] = []
    f = d.get("funding")
    if f is not None and f["per_person"] * f["people"] != f["total"]:
        expected = f["per_person"] * f["people"]
        out.append(
            Problem(
                rec.loc("funding.total"),
                "GK355",
                "筹资总额不等于每人筹资额乘以筹资人数",
                "funding.total",
                _fmt(f["total"]),
                f"{_fmt(f['per_person'])} × {f['people']} 人 = {_fmt(expected)}",
            )
        )
    raised = (f["total"] if f else Decimal(0)) + d.get("award", Decimal(0)) + d.get("other_funds", Decimal(0))
    spent = sum((s["amount"] for s in d["spending"]), Decimal(0))
    if spent != raised:
        out.append(
            Problem(
                rec.loc("spending"),
                "GK355",
                "支出明细合计不等于筹资总额、财政奖补和其他资金之和",
                "spending",
                _fmt(spent),
                f"{_fmt(raised)}（筹资 + 奖补 + 其他资金），差额 {_fmt(spent - raised)}",
            )
        )
    return out


def _cap(rec: Record, config: SiteConfig) -> list[Problem]:
    f = rec.data.get("funding")
    cap = config.yishiyiyi_cap
    if f is None or cap is None or f["per_person"] <= cap:
        return []
    return [
        Problem(
            rec.loc("funding.per_person"),
            "GK356",
            f"每人筹资额超过本省规定的上限 {_fmt(cap)} 元",
            "funding.per_person",
            _fmt(f["per_person"]),
            f"不超过 {_fmt(cap)} 元（site.yaml 的 yishiyiyi_cap）",
        )
    ]
