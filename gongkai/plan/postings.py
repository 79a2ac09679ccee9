"""The archive section of the site (postings by date) and the frozen files it
publishes as they are; see read/archive.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from gongkai.core.chain import Link
from gongkai.core.model import Posting, Site
from gongkai.plan.pages import Page

# --- the site section ------------------------------------------------------------------------------


def plan_postings(site: Site) -> list[Page]:
    """``postings/`` (every day something was posted) and one page per day."""
    home = ("首页", "")
    by_day: dict[date, list[Posting]] = defaultdict(list)
    for p in site.postings:
        by_day[p.posted].append(p)
    days = sorted(by_day, reverse=True)
    pages = [
        Page(
            "postings/",
            "postings/index.html",
            "公开栏存档",
            {
                "days": [(d, tuple(sorted(by_day[d], key=lambda p: p.name))) for d in days],
                "titles": {p.record_id: _record_title(site, p.record_id) for p in site.postings},
            },
            (home,),
        )
    ]
    for d in days:
        pages.append(
            Page(
                by_day[d][0].day_url,
                "postings/day.html",
                f"{d.year}年{d.month}月{d.day}日张贴的公示",
                {
                    "day": d,
                    "postings": tuple(sorted(by_day[d], key=lambda p: p.name)),
                    "records": {p.record_id: site.by_id[p.record_id] for p in by_day[d]},
                    "corrected_by": {p.record_id: site.corrections.get(p.record_id, ()) for p in by_day[d]},
                },
                (home, ("公开栏存档", "postings/")),
            )
        )
    return pages


def _record_title(site: Site, record_id: str) -> str:
    rec = site.by_id.get(record_id)
    return rec.title if rec is not None else ""


def site_links(site: Site) -> list[Link]:
    """The site's archive entries as the chain sees them (for chain.json)."""
    return [Link(p.folder, p.digest, p.seq, p.prev, p.record_id, p.posted.isoformat(), p.code) for p in site.postings]


def posting_files(site: Site) -> list[tuple[str, str]]:
    """(output path, site-relative source path) of every file the site
    shows from the archive: the frozen sheets, PDFs, photos, manifests."""
    return [(f"{p.files_url}{f}", f"{p.folder}/{f}") for p in site.postings for f in p.public_files]
