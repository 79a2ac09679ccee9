"""The meeting that decided a village matter (core/schema/meeting.py): quorum and majority.

依据: 村民委员会组织法 第二十二条: a 村民会议 needs more than half of the villagers aged 18 or
more, or the representatives of two thirds or more of the households, and decides by more than
half of those present; 第二十六条: a 村民代表会议 needs two thirds or more of its members and
decides by more than half of those present.
农村土地承包法 第五十二条: land of the collective let (发包) to a unit or person outside the
集体经济组织 needs the consent of two thirds or more of the members of the 村民会议, or of two
thirds or more of the 村民代表 (``two_thirds``).  Used by 一事一议 and 集体资产资源处置 (GK357).
"""

from __future__ import annotations

from gongkai.core.errors import Problem
from gongkai.core.model import Record

__all__ = ["check_meeting"]


def check_meeting(rec: Record, two_thirds: str = "") -> list[Problem]:
    """The problems of ``rec.data["meeting"]``.  ``two_thirds``: why the matter
    needs two thirds of all the members (or representatives), not a majority
    of those present; empty when it does not."""
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
    law = "村民委员会组织法第二十六条" if m["kind"] == "representatives" else "村民委员会组织法第二十二条"
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
                f"{needed}（{law}）",
            )
        )
    if agreed * 2 <= present:
        out.append(
            Problem(
                rec.loc("meeting.agreed"),
                "GK357",
                "同意人数未超过到会人员的半数，事项未获通过",
                "meeting.agreed",
                value,
                f"同意人数须多于 {present // 2} 人（到会人员的过半数，{law}）",
            )
        )
    elif two_thirds and agreed * 3 < expected * 2:
        out.append(
            Problem(
                rec.loc("meeting.agreed"),
                "GK357",
                f"{two_thirds}，须经三分之二以上成员（或村民代表）同意，同意人数不足",
                "meeting.agreed",
                value,
                f"同意人数不少于 {-(-expected * 2 // 3)} 人（应到 {expected} 人的三分之二，农村土地承包法第五十二条）",
            )
        )
    return out
