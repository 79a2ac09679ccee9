"""Postings against records: an archived posting must name a published
record; which postings a site shows on ``today``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from gongkai.core.archive_format import MANIFEST
from gongkai.core.errors import Loc, Problem
from gongkai.core.model import Posting, Record

# --- validation against the records -----------------------------------------------------------


def check_postings(postings: Sequence[Posting], records: Mapping[str, Record]) -> list[Problem]:
    """An entry whose record no longer exists (GK505)."""
    out = []
    for p in postings:
        if p.record_id not in records:
            out.append(
                Problem(
                    Loc(f"{p.folder}/{MANIFEST}"),
                    "GK505",
                    f"存档对应的记录“{p.record_id}”不存在",
                    "record_id",
                    p.record_id,
                    f"已有记录的编号：张贴过的记录不能删除或改编号；要更正，请另写一条带 supersedes: {p.record_id} 的记录",
                )
            )
    return out


def visible_postings(postings: Sequence[Posting], records: Iterable[Record], today: date) -> tuple[Posting, ...]:
    """The postings the site shows on ``today``: posted by then, of a public
    record that is on the site; newest first."""
    public = {r.id for r in records if r.is_public}
    shown = [p for p in postings if p.posted <= today and p.record_id in public]
    return tuple(sorted(shown, key=lambda p: (p.posted, p.name), reverse=True))
