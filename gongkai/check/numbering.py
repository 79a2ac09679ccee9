"""索引号: each published record gets the next number of its year from the
registry (content/index-numbers.yaml), once, for good.

Only the agency's own records are numbered (SiteConfig.is_agency): a 村（居）
民委员会's or the 人大主席团's record is not the agency's 政府信息 (条例第二条;
村务公开: 村民委员会组织法第三十条) and carries no 索引号 of the agency.  A number
such a record was given before stays in the registry, reserved: numbers are
never reused, so no number of the agency's records moves."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from gongkai.check.validate import Validated
from gongkai.core.model import Record
from gongkai.read.registry import Registry, format_no, read_registry


def assign(
    registry: Registry, records: Iterable[Record], is_agency: Callable[[str], bool] = lambda _: True
) -> dict[str, tuple[int, int]]:
    """Numbers of ``records`` (drafts and records of publishers that are not
    the agency skipped): the registered one, or the next free number of the
    record's year, new ones in (date, id) order.  Pure: the same registry
    and records always give the same numbers."""
    out: dict[str, tuple[int, int]] = {}
    nxt: dict[int, int] = {}
    records = tuple(records)
    agency = {p: is_agency(p) for p in {r.publisher for r in records}}  # a few publishers, 10,000 records
    known = registry.numbers
    fresh: list[Record] = []
    for rec in records:
        if rec.draft or not agency[rec.publisher]:
            continue
        number = known.get(rec.id)
        if number is not None:
            out[rec.id] = number
        else:
            fresh.append(rec)
    # Only new numbers depend on the order (an edit gives none: no sorting
    # of 10,000 records for it); the mapping's own order means nothing.
    for rec in sorted(fresh, key=lambda r: (r.date, r.id)):
        year = rec.date.year
        seq = nxt.get(year) or registry.next_seq(year)
        nxt[year] = seq + 1
        out[rec.id] = (year, seq)
    return out


def number_site(root: Path, checked: Validated) -> Validated:
    """``checked`` with the registry's problems added and every published,
    non-draft record of its site numbered."""
    registry, problems = read_registry(root)
    site = checked.site
    if site is not None:
        numbers = assign(registry, site.records, site.config.is_agency)
        org = site.config.org_code
        site = replace(site, index_numbers={k: format_no(org, y, s) for k, (y, s) in numbers.items()})
    return Validated(site, (*checked.problems, *problems), checked.public)
