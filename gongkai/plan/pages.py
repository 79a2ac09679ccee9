"""Site → the list of pages to render.  Pure: no files, no templates.

Every page has a pretty, stable URL (``subsidies/gengdi-2015/``) and is
written as ``<url>index.html``; links between pages are made relative at
render time, so the same output works at a domain root, under a sub-path
of a county portal and from file://.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from typing import Any

from gongkai.check.rules.goods import item_totals, row_items
from gongkai.core.dataclass import dataclass
from gongkai.core.lazy import PerRecord
from gongkai.core.model import Record, Site, Summary
from gongkai.core.schema.types import GOODS_SOURCES, RECORD_TYPES
from gongkai.core.standard import STATES
from gongkai.plan.assets import asset_labels
from gongkai.plan.catalogue import catalogue, catalogue_years, others_catalogue
from gongkai.plan.charts import counterpart, record_chart
from gongkai.plan.data import downloads, exported
from gongkai.plan.diff import corrections_of
from gongkai.plan.feeds import feed_paths
from gongkai.plan.land_transfers import land_transfer_labels
from gongkai.plan.print_fold import folded, print_context, record_link
from gongkai.plan.proposals import proposal_labels
from gongkai.plan.regulations import regulation_links, regulation_order, regulation_sections
from gongkai.plan.roster_markup import homestead_rows, page_rows
from gongkai.plan.standard import standard_rows

__all__ = [
    "PER_PAGE",
    "Kept",
    "Page",
    "RecordInputs",
    "Summaries",
    "plan_pages",
    "record_inputs",
    "sections",
    "summaries",
    "summarize",
]

PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    url: str  # "" for the home page, else ends with "/"
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    crumbs: tuple[tuple[str, str], ...] = ()  # (title, url) from home to the parent
    # More context that is costly to make (a sheet's layout): made only when the
    # page is rendered; ``key`` then stands for what it is made from.
    make: Callable[[], dict[str, Any]] | None = field(default=None, compare=False)
    key: Any = None
    # The context is made from ``key`` alone (and the site's configuration):
    # the build's fingerprint of the page need not look at the context.
    key_covers_context: bool = False

    def full_context(self) -> dict[str, Any]:
        return {**self.context, **self.make()} if self.make is not None else self.context

    @property
    def path(self) -> str:
        return f"{self.url}index.html"


@dataclass(frozen=True)
class Section:
    label: str
    url: str
    count: int


def sections(site: Site) -> tuple[Section, ...]:
    """The navigation's sections with their counts (made once a site: every page shows them)."""
    return site.once("sections", lambda: _sections(site))


def _sections(site: Site) -> tuple[Section, ...]:
    out = [
        Section(t.label, f"{t.folder}/", len(site.of_type(t.name))) for t in RECORD_TYPES.values() if t.name != "page"
    ]
    out.append(Section("公开目录", "catalogue/", len(catalogue(site))))  # its entries: listed, the agency's
    if site.standard is not None:
        out.append(Section("标准目录", "standard/", sum(1 for s in site.standard.items if s.item.applies)))
    out.append(Section("按月归档", "archive/", len(site.published)))
    out.append(Section("公开栏存档", "postings/", len(site.postings)))
    return tuple(out)


def plan_pages(site: Site, kept: Mapping[str, str] | None = None) -> list[Page]:
    """``kept``: record id → the key of its page, for the record pages the
    engine vouches a full plan would key the same (run/engine/keep.py): those
    are planned without their inputs (looked up only if the page is rendered)."""
    home = ("首页", "")
    others = others_catalogue(site)
    pages: list[Page] = [
        Page(
            "",
            "home.html",
            site.config.name,
            {
                "on_notice": summaries(site.on_notice(), site),
                "latest": summaries(site.published[:10], site),
                "sections": sections(site),
                "standing": summaries(site.of_type("page"), site),
            },
        )
    ]
    for t in RECORD_TYPES.values():
        records = site.of_type(t.name)
        if t.name == "page":
            records = tuple(sorted(records, key=lambda r: (r.data.get("order", 100), r.id)))
        elif t.name == "regulation":
            records = regulation_order(records)
        chunks = [records[i : i + PER_PAGE] for i in range(0, len(records), PER_PAGE)] or [()]
        urls = [f"{t.folder}/"] + [f"{t.folder}/page/{n}/" for n in range(2, len(chunks) + 1)]
        for n, chunk in enumerate(chunks, start=1):
            pages.append(
                Page(
                    urls[n - 1],
                    "list.html",
                    t.label if n == 1 else f"{t.label}（第 {n} 页）",
                    {
                        "rtype": t,
                        "records": summaries(chunk, site),
                        "pager": {"current": n, "urls": urls},
                        **(
                            {"groups": regulation_sections(tuple(summaries(chunk, site)))}
                            if t.name == "regulation"
                            else {}
                        ),
                    },
                    (home,),
                )
            )
        crumbs = (home, (t.label, f"{t.folder}/"))  # one tuple for the section's pages: keyed once (keys.py)
        for rec in records:
            key = kept.get(rec.id) if kept else None
            pages.append(_record_page(site, rec, crumbs, key))

    pages.extend(_catalogue_pages(site, home, bool(others)))
    if others:  # 村务公开 and the 人大主席团: on the site, apart from the agency's 目录 (catalogue.others_catalogue)
        pages.append(
            Page(
                "catalogue/others/",
                "catalogue_others.html",
                "村（居）务公开和人大信息",
                {"groups": others},
                (home, ("政府信息公开目录", "catalogue/")),
            )
        )
    if site.standard is not None:
        rows = standard_rows(site)
        pages.append(
            Page(
                "standard/",
                "standard.html",
                "政务公开标准目录",
                {
                    "areas": [(a, [r for r in rows if r.area == a.name]) for a in site.standard.areas],
                    "counts": {k: sum(1 for r in rows if r.state == k) for k in STATES},
                    "unassigned": [(site.by_id[i].url, t) for i, t in site.standard.unassigned],
                },
                (home,),
            )
        )
    pages.extend(_disclosure_pages(site, home))
    by_month: dict[tuple[int, int], list[Record]] = defaultdict(list)
    for rec in site.published:
        by_month[(rec.date.year, rec.date.month)].append(rec)
    months = sorted(by_month, reverse=True)
    years: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for y, m in months:
        years[y].append((m, len(by_month[(y, m)])))
    pages.append(Page("search/", "search.html", "搜索", {}, (home,)))
    pages.append(_sitemap_page(site, home))
    pages.append(Page("archive/", "archive_index.html", "按月归档", {"years": dict(years)}, (home,)))
    for y, m in months:
        pages.append(
            Page(
                f"archive/{y}/{m:02d}/",
                "archive_month.html",
                f"{y}年{m}月发布的信息",
                {"year": y, "month": m, "records": summaries(by_month[(y, m)], site)},
                (home, ("按月归档", "archive/")),
            )
        )
    return pages


def _sitemap_page(site: Site, home: tuple[str, str]) -> Page:
    """网站地图 (国办发〔2017〕47号《政府网站发展指引》: a government site has one):
    every section and every page that is not one record, in groups."""
    secs = sections(site)
    by_url = {s.url: s for s in secs}
    folders = {f"{t.folder}/" for t in RECORD_TYPES.values() if t.name != "page"}
    disclosure: list[tuple[str, str, int | None]] = [("政府信息公开指南", "pages/guide/", None)]
    disclosure.append(("政府信息公开申请表", "apply/", None))
    for u in ("catalogue/", "standard/"):
        if u in by_url:
            disclosure.append((by_url[u].label, u, by_url[u].count))
    disclosure.append(("开放数据", "data/", None))
    ordered = sorted(site.of_type("page"), key=lambda r: (r.data.get("order", 100), r.id))
    standing = [(r.title, r.url, None) for r in ordered if r.id != "guide"]
    groups = [
        ("信息栏目", [(s.label, s.url, s.count) for s in secs if s.url in folders]),
        ("政务公开", disclosure),
        ("其他页面", standing),
        (
            "查找与存档",
            [
                ("搜索", "search/", None),
                (by_url["archive/"].label, "archive/", by_url["archive/"].count),
                (by_url["postings/"].label, "postings/", by_url["postings/"].count),
            ],
        ),
    ]
    return Page(
        "sitemap/", "sitemap.html", "网站地图", {"groups": [(h, items) for h, items in groups if items]}, (home,)
    )


def _catalogue_pages(site: Site, home: tuple[str, str], others: bool) -> list[Page]:
    """The 目录: a page that counts it by year, with what holds for all of it
    (its downloads, the numbers allowed on the site, the 条例第十四条 entries,
    which show no date), and a page a year (catalogue.catalogue_years).  The year
    pages name the years only, not their counts: a new record re-renders its
    year's page and the first, not every year's."""
    years, undated = catalogue_years(site)
    crumbs = (home, ("政府信息公开目录", "catalogue/"))
    nav = tuple((y.year, y.url) for y in years)
    out = [
        Page(
            "catalogue/",
            "catalogue.html",
            "政府信息公开目录",
            {
                "years": tuple((y.year, y.url, len(y.entries), y.counts) for y in years),
                "total": len(catalogue(site)),
                "undated": undated,
                "standard": site.standard is not None,
                "others": others,
                "allowed": site.config.allow_numbers,  # published on purpose: shown with their reasons
            },
            (home,),
        )
    ]
    for y in years:
        out.append(
            Page(
                y.url,
                "catalogue_year.html",
                f"政府信息公开目录（{y.year} 年）",
                {"year": y.year, "entries": y.entries, "years": nav},
                crumbs,
            )
        )
    return out


def _data_years(site: Site) -> list[tuple[int, tuple[Record, ...]]]:
    """The public records with data files, by the year of their 发布日期, newest first."""
    by_year: dict[int, list[Record]] = {}
    for r in site.published:
        if exported(r):
            by_year.setdefault(r.date.year, []).append(r)
    return [(y, tuple(by_year[y])) for y in sorted(by_year, reverse=True)]


def _disclosure_pages(site: Site, home: tuple[str, str]) -> list[Page]:
    """公开指南 (generated from site.yaml unless the site has its own
    pages/guide), the printable application form, and the open-data page."""
    out: list[Page] = []
    if not any(r.id == "guide" and r.type == "page" for r in site.published):
        reports = [r for r in site.published if r.id.startswith("niandu-baogao-")]
        out.append(
            Page(
                "pages/guide/",
                "guide.html",
                f"{site.config.organization}政府信息公开指南",
                {"reports": summaries(reports, site), "feeds": feed_paths(site)},
                (home,),
            )
        )
    out.append(Page("apply/", "apply.html", "政府信息公开申请表", {}, (home, ("公开指南", "pages/guide/"))))
    # the records with data files (a summary's downloads: none unless exported), a page a year
    years = _data_years(site)
    nav = tuple((y, f"data/{y}/") for y, _ in years)
    out.append(
        Page(
            "data/",
            "opendata.html",
            "开放数据",
            {
                "years": tuple((y, f"data/{y}/", len(records)) for y, records in years),
                "feeds": feed_paths(site),
                "schemas": [(t.label, f"data/schema/{t.name}.schema.json") for t in RECORD_TYPES.values()]
                + [("政府信息公开目录", "data/schema/catalogue.schema.json")],
            },
            (home, ("政府信息公开目录", "catalogue/")),
        )
    )
    crumbs = (home, ("开放数据", "data/"))
    for y, records in years:
        out.append(
            Page(
                f"data/{y}/",
                "opendata_year.html",
                f"各条信息的数据文件（{y} 年）",
                {"year": y, "records": summaries(records, site), "years": nav},
                crumbs,
            )
        )
    return out


def _record_page(site: Site, rec: Record, crumbs: tuple[tuple[str, str], ...], kept: str | None = None) -> Page:
    """A record's page.  Everything it shows from elsewhere in the site is
    looked up here, into its inputs; the context is made from those inputs
    alone (``_record_context``), so they are the page's whole key.  ``kept``:
    the key the last build made from the same inputs (run/engine/keep.py),
    which the page is keyed by instead; its inputs are looked up only when
    it is rendered."""
    key: RecordInputs | Kept
    if kept is None:
        inputs = key = record_inputs(site, rec)
        make = lambda: _record_context(inputs)  # noqa: E731
    else:
        key = Kept(rec.id, kept)
        make = lambda: _record_context(record_inputs(site, rec))  # noqa: E731
    return Page(
        rec.url,
        f"record/{rec.type}.html",
        rec.title,
        {"record": rec},
        crumbs,
        make=make,
        key=key,
        key_covers_context=True,
    )


@dataclass(frozen=True)
class Kept:
    """The key of a record page the engine kept from the last build, for
    the same inputs (run/engine/keep.py): it stands for them in the page's key."""

    record_id: str
    key: str


def record_inputs(site: Site, rec: Record) -> RecordInputs:
    """Everything ``rec``'s page shows from elsewhere in the site."""
    return RecordInputs(
        record=rec,
        index_no=site.index_no(rec),
        corrected_by=site.corrections.get(rec.id, ()),
        corrects=site.by_id.get(rec.supersedes) if rec.supersedes else None,
        postings=site.postings_of(rec.id),  # when and where its sheet was posted
        chain=site.decision_chain(rec) if rec.type == "decision" else None,
        counterpart=counterpart(site, rec) if rec.type == "budget" else None,  # the 预算/决算 chart compares them
        **regulation_links(site, rec),
        link=record_link(site, rec) if folded(rec) else "",  # in its QR code when the page prints as the sheet
    )


@dataclass(frozen=True)
class RecordInputs:
    """What a record page is made from."""

    record: Record
    index_no: str
    corrected_by: tuple[Record, ...]
    corrects: Record | None
    postings: tuple[Any, ...]
    chain: Any
    counterpart: Record | None
    # 规范性文件 and 政策解读 (plan/regulations.py): its 解读, the document a 解读 interprets,
    # the document that repealed or amended it, the documents it repealed or amended
    interpretations: tuple[Record, ...] = ()
    interprets: Record | None = None
    replaced_by: Record | None = None
    replaces: tuple[Record, ...] = ()
    link: str = ""  # the page's full address, for the QR code of a page that prints as its sheet


def _record_context(i: RecordInputs) -> dict[str, Any]:
    rec = i.record
    ctx: dict[str, Any] = {
        "record": rec,
        "index_no": i.index_no,
        "corrected_by": i.corrected_by,
        "corrects": i.corrects,
        "corrections": corrections_of(rec, i.corrects, i.corrected_by),  # with a field-by-field diff
        "postings": i.postings,
        "chart": record_chart(rec, i.counterpart),  # static SVG bar chart or None
    }
    if i.chain is not None:
        ctx["chain"] = i.chain
    if folded(rec):
        ctx.update(print_context(i.link, rec))
    if rec.type in ("regulation", "notice"):
        ctx.update(interpretations=i.interpretations, interprets=i.interprets)
        ctx.update(replaced_by=i.replaced_by, replaces=i.replaces)
    if rec.type == "proposal":
        ctx["proposal"] = proposal_labels(rec)
    if rec.type == "asset":
        ctx["asset"] = asset_labels(rec)
    if rec.type == "landtransfer":
        ctx["transfer"] = land_transfer_labels(rec)
    if rec.type == "subsidy":
        ctx["villages"] = _village_summary(rec)
        ctx["goods"] = item_totals(rec.data)  # in-kind relief: per item name, unit, total
        ctx["row_goods"] = [row_items(r) for r in rec.data["recipients"]]
        ctx["goods_source"] = GOODS_SOURCES.get(rec.data.get("goods_source", ""), "")
        ctx["roster_rows"] = page_rows(rec.data)  # the <tbody> rows, "" once the names are withdrawn
    if rec.type == "homestead":
        ctx["roster_rows"] = homestead_rows(rec.data)
    return ctx


def summarize(rec: Record) -> Summary:
    """What lists show of ``rec``."""
    return Summary(
        rec.id, rec.type, rec.title, rec.publisher, rec.date, rec.doc_no, rec.notice, rec.summary, rec.tags,
        rec.disclosure, rec.draft, tuple(downloads(rec)), rec.data.get("validity", "") if rec.type == "regulation" else "",
    )  # fmt: skip


def summaries(records: Iterable[Record], site: Site | None = None) -> Sequence[Summary]:
    """With ``site``, each record of it is summarised once however many lists
    show it, and only when first read (Summaries)."""
    if site is None:
        return tuple(summarize(r) for r in records)
    memo: dict[int, tuple[Record, Summary]] = site.once("summaries", dict)  # id(record) → (it, its summary)
    return Summaries(tuple(records), memo)


class Summaries(PerRecord[Summary]):
    """The summaries of ``records``, in their order, each made the first time
    it is read (through ``memo``: id(record) → (the record, its summary),
    the site's, so that every list shows one summary a record).  A list
    page's key holds each summary by the digest of its repr, the last build's
    for a record an edit left alone (run/engine/keys.py, keep.py): at 10,000
    records a one-record edit then makes the summaries only of the pages it
    renders again."""

    __slots__ = ("_memo",)

    def __init__(self, records: tuple[Record, ...], memo: dict[int, tuple[Record, Summary]]) -> None:
        super().__init__(records)
        self._memo = memo

    def of(self, r: Record) -> Summary:
        """The summary of ``r`` (one of ``records``)."""
        hit = self._memo.get(id(r))
        if hit is None or hit[0] is not r:
            hit = self._memo[id(r)] = (r, summarize(r))
        return hit[1]

    def item(self, i: int) -> Summary:
        return self.of(self.records[i])


def _village_summary(rec: Record) -> list[dict[str, Any]]:
    if "villages" in rec.data:  # names withdrawn after the 公示期 (plan/names.py)
        return [dict(v) for v in rec.data["villages"]]
    summary: dict[str, dict[str, Any]] = {}
    for row in rec.data["recipients"]:
        s = summary.setdefault(row["village"], {"village": row["village"], "households": 0, "amount": 0})
        s["households"] += 1
        s["amount"] += row["amount"]
    return list(summary.values())
