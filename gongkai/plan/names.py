"""Names with a lifetime: a roster's names leave the site after its 公示期.

个人信息保护法 §6 (minimum necessary) and §19 (kept no longer than the purpose
needs): a subsidy roster is published so that people can object during its
公示期.  After ``notice.end`` plus a grace (site.yaml ``names_grace_days``, default 30), the site
shows the roster's totals and counts only; the frozen sheet in the archive
(content/archive/, ``postings/``) keeps what was posted, as posted.

``withdraw_names(site)`` is a plain function of the site and its ``today``:
the record itself changes (rows removed, ``names_until`` and the per-village
counts added), so every output key that reads the record changes with it and
an incremental build remakes exactly the pages whose names expired.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from gongkai.core.model import Record, Site

__all__ = ["NAMES_GRACE_DAYS", "names_shown", "names_until", "withdraw_names"]

NAMES_GRACE_DAYS = 30  # default of site.yaml's names_grace_days: days after notice.end the names stay online


def names_until(rec: Record, grace: int = NAMES_GRACE_DAYS) -> date | None:
    """The last day the record's names may be on the site, or None when it
    has no names or no 公示期 (then the names follow the record)."""
    if "recipients" not in rec.data or not rec.notice or not rec.notice.get("end"):
        return None
    return rec.notice["end"] + timedelta(days=grace)


def names_shown(rec: Record, today: date, grace: int = NAMES_GRACE_DAYS) -> bool:
    until = names_until(rec, grace)
    return until is None or today <= until


def withdraw_names(site: Site, grace: int | None = None) -> Site:
    """``site`` with the rows of every roster whose names expired before
    ``site.today`` removed; totals stay.  ``grace``: site.yaml's
    ``names_grace_days`` unless given."""
    grace = site.config.names_grace_days if grace is None else grace
    records = tuple(_withdrawn(r, site.today, grace) for r in site.records)
    if all(a is b for a, b in zip(records, site.records, strict=True)):
        return site
    return replace(site, records=records)


def _withdrawn(rec: Record, today: date, grace: int) -> Record:
    if names_shown(rec, today, grace):
        return rec
    villages: dict[str, dict[str, Any]] = {}
    for row in rec.data["recipients"]:
        v = villages.setdefault(row["village"], {"village": row["village"], "households": 0, "amount": 0})
        v["households"] += 1
        v["amount"] += row["amount"]
    data = {**rec.data, "recipients": (), "names_until": names_until(rec, grace), "villages": tuple(villages.values())}
    return replace(rec, data=data)
