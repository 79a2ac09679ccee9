"""The agency's 政府信息公开目录 (公开目录): its entries, its years (the site's
目录 pages) and its data files, data/catalogue.json and .csv (with the
others' records, listed apart).  Pure: bytes out, no I/O."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.lazy import PerRecord
from gongkai.core.model import Record, Site
from gongkai.core.plain_repr import plain_repr
from gongkai.core.schema.types import DISCLOSURE, VALIDITY
from gongkai.plan.data import article14, channel, ground, listed, reason, record_data_files
from gongkai.plan.export import Encoded, _cell, _dumps, csv_bytes, encoded
from gongkai.plan.schemas import json_schemas
from gongkai.plan.standard import standard_files

# --- the entries -----------------------------------------------------------------------


@plain_repr
@dataclass(frozen=True)
class CatalogueEntry:
    """One line of the 公开目录: metadata only, for public and non-public records alike."""

    index_no: str
    id: str
    title: str
    publisher: str
    publisher_name: str
    date: date | None
    doc_no: str
    type: str
    type_label: str
    disclosure: str
    disclosure_label: str
    channel: str
    exemption_article: str
    reason: str
    path: str  # "" unless public
    validity: str = ""  # a 规范性文件's 有效性 (VALIDITY); "" for other types

    @property
    def validity_label(self) -> str:
        return VALIDITY.get(self.validity, "")

    def as_json(self) -> dict[str, Any]:
        return {
            "index_no": self.index_no,
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "publisher_name": self.publisher_name,
            "date": self.date.isoformat() if self.date else "",
            "doc_no": self.doc_no,
            "type": self.type,
            "type_label": self.type_label,
            "disclosure": self.disclosure,
            "disclosure_label": self.disclosure_label,
            "channel": self.channel,
            "exemption_article": self.exemption_article,
            "reason": self.reason,
            "path": self.path,
            "validity": self.validity,
            "validity_label": self.validity_label,
        }


def agency(site: Site, rec: Record) -> bool:
    """SiteConfig.is_agency of the record's publisher (answered once a publisher and site)."""
    memo: dict[str, bool] = site.once("agency", dict)
    hit = memo.get(rec.publisher)
    if hit is None:
        hit = memo[rec.publisher] = site.config.is_agency(rec.publisher)
    return hit


def catalogue(site: Site) -> Entries:
    """The agency's 政府信息公开目录: every record of the agency that exists today
    (drafts never), newest first.  条例第十四条 information only when the site
    opts in, and then with its title and ground only.  Records of publishers
    that are not the agency (村（居）委会, 人大主席团: SiteConfig.is_agency) are
    not in it; ``others_catalogue`` lists them.  Made once a site (the page and the
    data files both show it)."""
    return site.once(
        "catalogue",
        lambda: _entries(site, tuple(r for r in site.sorted_records if listed(site, r) and agency(site, r))),
    )


@dataclass(frozen=True)
class CatalogueYear:
    """One year of the 目录 (its page: catalogue/<year>/), counted by 公开方式."""

    year: int
    entries: Entries
    counts: tuple[tuple[str, int], ...]  # (DISCLOSURE label, how many), in DISCLOSURE's order, zeros left out

    @property
    def url(self) -> str:
        return f"catalogue/{self.year}/"


def catalogue_years(site: Site) -> tuple[tuple[CatalogueYear, ...], Entries]:
    """The agency's 目录 by the year of each entry's 发布日期, newest year
    first, each in the 目录's order; and the 条例第十四条 entries apart (the
    目录 shows them without a date: the year of their page would show it).
    A page a year: a phone opens a year's table, not every row since the
    township began, and a changed title re-renders only its year's page."""

    def made() -> tuple[tuple[CatalogueYear, ...], Entries]:
        whole = catalogue(site)
        by_year: dict[int, list[Record]] = {}
        undated: list[Record] = []
        for r in whole.records:
            if article14(r):
                undated.append(r)
            else:
                by_year.setdefault(r.date.year, []).append(r)
        years = []
        for y in sorted(by_year, reverse=True):
            records = tuple(by_year[y])
            counted = Counter(r.disclosure for r in records)
            counts = tuple((label, counted[k]) for k, label in DISCLOSURE.items() if counted[k])
            years.append(CatalogueYear(y, _entries(site, records), counts))
        return tuple(years), _entries(site, tuple(undated))

    return site.once("catalogue_years", made)


def others_catalogue(site: Site) -> list[tuple[str, Entries]]:
    """The records of publishers that are not the agency, by publisher in
    site.yaml's order: 村务公开 (村民委员会组织法第三十条) and the 人大主席团's,
    shown on the site apart from the agency's 目录 and without its 索引号."""
    by: dict[str, list[Record]] = {}
    for r in site.sorted_records:
        if listed(site, r) and not agency(site, r):
            by.setdefault(r.publisher, []).append(r)
    order = {k: i for i, k in enumerate(site.config.publishers)}
    return [
        (site.publisher_name(k), _entries(site, tuple(by[k])))
        for k in sorted(by, key=lambda k: (order.get(k, len(order)), k))
    ]


def _entries(site: Site, records: tuple[Record, ...]) -> Entries:
    shared: dict[int, tuple[Record, CatalogueEntry]] = site.once("catalogue_entries", dict)
    return Entries(records, site.index_numbers, site.config.publishers, shared)


class Entries(PerRecord[CatalogueEntry]):
    """The 目录's entries of ``records``, in their order, each made the first
    time it is read.  Its length is known without them (the navigation counts
    the 目录), and a one-record edit keys the entries of the records it left
    alone by the last build's key parts (run/engine/keys.py, keep.py): at
    10,000 records the entries are then made only when their page or data files
    are made again.  It holds what an entry is made from, not the site (the
    preview server keeps the last build's page contexts).  ``shared``: id(record)
    → (the record, its entry), for the Entries of one site made from the same
    索引号 and names (``_entries``: the whole 目录, its years, the others'), so
    that a record's entry is made once however many of them show it."""

    __slots__ = ("_made", "_shared", "index_numbers", "publishers")

    def __init__(
        self,
        records: tuple[Record, ...],
        index_numbers: Mapping[str, str],
        publishers: Mapping[str, str],
        shared: dict[int, tuple[Record, CatalogueEntry]] | None = None,
    ) -> None:
        super().__init__(records)
        self.index_numbers, self.publishers = index_numbers, publishers
        self._made: list[CatalogueEntry | None] = [None] * len(records)
        self._shared = {} if shared is None else shared

    def item(self, i: int) -> CatalogueEntry:
        """The entry of ``records[i]`` (0 <= i < len)."""
        e = self._made[i]
        if e is None:
            r = self.records[i]
            hit = self._shared.get(id(r))
            if hit is not None and hit[0] is r:
                e = hit[1]
            else:
                e = _entry(r, self.index_numbers.get(r.id, ""), self.publishers.get(r.publisher, r.publisher))
                self._shared[id(r)] = (r, e)
            self._made[i] = e
        return e


def _entry(r: Record, index_no: str, publisher_name: str) -> CatalogueEntry:
    if article14(r):
        return CatalogueEntry(
            index_no="", id="", title=r.title, publisher="", publisher_name="", date=None, doc_no="",
            type="", type_label="", disclosure=r.disclosure, disclosure_label=r.disclosure_label,
            channel="", exemption_article="14", reason=ground(r), path="",
        )  # fmt: skip
    return CatalogueEntry(
        index_no=index_no,
        id=r.id,
        title=r.title,
        publisher=r.publisher,
        publisher_name=publisher_name,
        date=r.date,
        doc_no=r.doc_no,
        type=r.type,
        type_label=r.rtype.label,
        disclosure=r.disclosure,
        disclosure_label=r.disclosure_label,
        channel=channel(r),
        exemption_article=r.withheld["article"] if r.withheld else "",
        reason=reason(r),
        path=r.url if r.is_public else "",
        validity=r.data["validity"] if r.type == "regulation" else "",
    )


# The columns of the 公开目录 as CSV (a county portal's combined 目录 adds 乡镇 in front).
CATALOGUE_COLUMNS = [
    ("索引号", "index_no"),
    ("名称", "title"),
    ("公开主体", "publisher_name"),
    ("发布日期", "date"),
    ("文号", "doc_no"),
    ("信息类别", "type_label"),
    ("公开方式", "disclosure_label"),
    ("公开渠道", "channel"),
    ("不予公开依据", "reason"),
    ("网址", "path"),
    ("有效性", "validity_label"),  # 规范性文件 only
]


# One entry as the 目录's files hold it: (its JSON object, as an item of data/catalogue.json's
# "records"; its line of data/catalogue.csv).  A pure function of the entry: the engine keeps the
# rows of the last build by each entry's key part (run/engine/keep.py), so that a changed title
# makes one row again, not 8,000.
CatalogueRow = tuple[str, str]

_RECORDS_NL = "\n    "  # the indentation of the items of the JSON's "records" (_dumps: two spaces a level)


def catalogue_rows(entries: Iterable[CatalogueEntry]) -> list[CatalogueRow]:
    """The rows of ``entries``, in their order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    ends: list[int] = []
    jsons: list[str] = []
    for e in entries:
        jsons.append(encoded(e.as_json(), _RECORDS_NL))
        w.writerow([_cell(getattr(e, attr)) for _, attr in CATALOGUE_COLUMNS])
        ends.append(buf.tell())
    text = buf.getvalue()
    starts = [0, *ends][: len(ends)]
    return [(j, text[a:b]) for j, a, b in zip(jsons, starts, ends, strict=True)]


def catalogue_files(site: Site, rows: Sequence[CatalogueRow] | None = None) -> list[tuple[str, bytes]]:
    """data/catalogue.json and .csv: ``rows``, the rows of ``catalogue(site)``
    (made here when not given)."""
    entries = catalogue(site)
    if rows is None:
        rows = catalogue_rows(entries)
    assert len(rows) == len(entries)
    doc = {
        "organization": site.config.organization,
        "org_code": site.config.org_code,
        "as_of": site.today.isoformat(),
        "count": len(entries),
        "records": [Encoded(j) if type(j) is not Encoded else j for j, _ in rows],
    }
    head = csv_bytes([h for h, _ in CATALOGUE_COLUMNS], [])
    return [
        ("data/catalogue.json", _dumps(doc)),
        ("data/catalogue.csv", head + "".join(c for _, c in rows).encode("utf-8")),
    ]


# --- all of it -------------------------------------------------------------------------------------


def data_files(site: Site) -> list[tuple[str, bytes]]:
    """Every file under data/, as (site-relative path, bytes)."""
    files: list[tuple[str, bytes]] = []
    for rec in site.published:
        files.extend(record_data_files(site, rec))
    files.extend(site_data_files(site))
    return files


def site_data_files(site: Site, rows: Sequence[CatalogueRow] | None = None) -> list[tuple[str, bytes]]:
    """The catalogue (``rows``: catalogue_files), the 标准目录 and the JSON schemas."""
    return [*catalogue_files(site, rows), *standard_files(site), *json_schemas()]
