"""yishiyiyi (一事一议筹资筹劳): the sums, the province's cap, the meeting's quorum and majority, the 公示.

依据: 《村民一事一议筹资筹劳管理办法》(国办发〔2007〕4号 转发): 筹资 per person per year within
the 上限 the province sets, the project and its money made public to the villagers;
村民委员会组织法 第二十二条: a 村民会议 needs more than half of the villagers aged 18 or more,
or the representatives of two thirds or more of the households; a 村民代表会议 two thirds or
more of its members; either decides by more than half of those present.
"""

from __future__ import annotations

from decimal import Decimal

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem, Severity
from gongkai.core.formats import money as _fmt
from gongkai.core.model import Record

__all__ = ["check"]


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    return [*_sums(rec), *_cap(rec, config), *_meeting(rec), *_notice(rec)]


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


def _meeting(rec: Record) -> list[Problem]:
    m = rec.data["meeting"]
    expected, present, agreed = m["expected"], m["present"], m["agreed"]
    value = f"应到 {expected}，到会 {present}，同意 {agreed}"
    if present > expected or agreed > present:
        where = "meeting.present" if present > expected else "meeting.agreed"
        return [
            Problem(
                rec.loc(where),
                "GK357",
                "到会人数多于应到人数，或同意人数多于到会人数",
                where,
                value,
                "应到人数 ≥ 到会人数 ≥ 同意人数",
            )
        ]
    out: list[Problem] = []
    if m["kind"] == "representatives":
        quorum, needed = present * 3 >= expected * 2, "村民代表会议须有三分之二以上组成人员参加"
    elif m.get("quorum") == "households":
        quorum, needed = present * 3 >= expected * 2, "按户计时须有本村三分之二以上的户的代表参加"
    else:
        quorum, needed = present * 2 > expected, "村民会议须有本村十八周岁以上村民的过半数参加"
    if not quorum:
        out.append(
            Problem(
                rec.loc("meeting.present"),
                "GK357",
                "到会人数不足法定人数，会议的决定无效",
                "meeting.present",
                value,
                f"{needed}（村民委员会组织法第二十二条）",
            )
        )
    if agreed * 2 <= present:
        out.append(
            Problem(
                rec.loc("meeting.agreed"),
                "GK357",
                "同意人数未超过到会人员的半数，项目未获通过",
                "meeting.agreed",
                value,
                f"同意人数须多于 {present // 2} 人（到会人员的过半数，村民委员会组织法第二十二条）",
            )
        )
    return out


def _notice(rec: Record) -> list[Problem]:
    if rec.notice is not None:
        return []
    return [
        Problem(
            rec.loc(""),
            "GK358",
            "一事一议筹资筹劳方案没有写公示期",
            "notice",
            hint=f"notice: {{start: {rec.date.isoformat()}, end: …}}，筹资筹劳前向村民公示",
            severity=Severity.WARNING,
        )
    ]
