"""Feeds and discovery: Atom feeds, the sitemap, schema.org JSON-LD.  Pure.

- ``feed.xml`` (the whole site) and ``<folder>/feed.xml`` (one record type):
  Atom 1.0, the newest public records first.  Every time in them comes from
  a record's date (or ``today`` for an empty feed), never from the clock, so
  a build stays byte-reproducible.  Entry ids are ``urn:uuid`` values derived
  from the organisation code and the record id: they survive a change of
  ``base_url``.  Links are absolute when ``base_url`` is set, else relative
  to the feed.
- ``sitemap.xml`` (sitemaps.org 0.9) only when ``base_url`` is set: a
  sitemap needs absolute URLs.
- JSON-LD for record pages: a ``GovernmentService`` for programmes
  (subsidies, funds) and a ``Dataset`` with its ``DataDownload``s for records
  with tabular data.
"""

from __future__ import annotations

import json
import posixpath
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from gongkai.check.rules.goods import item_totals
from gongkai.core.config import SiteConfig
from gongkai.core.formats import number
from gongkai.core.model import Record, Site
from gongkai.core.schema.types import LIST_KINDS, RECORD_TYPES, SUBSIDY_KINDS, VALIDITY
from gongkai.plan.assets import asset_summary
from gongkai.plan.data import downloads, exported, tabular
from gongkai.plan.homestead import homestead_summary, institution_summary
from gongkai.plan.land_transfers import land_transfer_summary
from gongkai.plan.proposals import proposal_summary

__all__ = ["FEED_ENTRIES", "atom_feed", "discovery_files", "feed_files", "feed_paths", "record_jsonld", "sitemap"]

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_ENTRIES = 50  # newest records in a feed
TZ = "+08:00"  # China Standard Time: a record's date is a day in Beijing


def _stamp(d: date) -> str:
    return f"{d.isoformat()}T00:00:00{TZ}"


def _urn(site: Site, key: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"gongkai:{site.config.org_code}:{key}"))


def _abs(site: Site, path: str) -> str:
    return _abs_url(site.config, path)


def _abs_url(config: SiteConfig, path: str) -> str:
    return config.base_url + quote(path, safe="/:#?&=%~+")


def _rel(from_dir: str, to: str) -> str:
    """``to`` (site-relative) as seen from the directory ``from_dir`` ("" = root)."""
    if not from_dir:
        return to or "./"
    rel = posixpath.relpath(to or ".", from_dir.rstrip("/"))
    return rel + ("/" if to.endswith("/") and not rel.endswith("/") else "")


def feed_paths(site: Site) -> list[tuple[str, str]]:
    """(path, title) of every feed the site has."""
    out = [("feed.xml", f"{site.config.name}：全部信息")]
    for t in RECORD_TYPES.values():
        if t.name != "page":
            out.append((f"{t.folder}/feed.xml", f"{site.config.name}：{t.label}"))
    return out


def _summary(rec: Record, publishers: Mapping[str, str]) -> str:
    d = rec.data
    if rec.type == "regulation":  # the 有效性 as of this build, with whatever the clerk summed up
        return f"{rec.doc_no}（{VALIDITY[d['validity']]}）" + (f"：{rec.summary}" if rec.summary else "")
    if rec.summary:
        return rec.summary
    if rec.type == "proposal":
        return proposal_summary(rec)
    if rec.type == "subsidy":
        line = f"{d['program']}，共 {d['totals']['households']} 户"
        goods = item_totals(d)  # in-kind relief: the goods, and the money only when there is some
        if goods:
            line += "，发放" + "、".join(f"{g['name']} {number(g['quantity'])} {g['unit']}" for g in goods)
        if not goods or d["totals"]["amount"]:
            line += f"，金额合计 {d['totals']['amount']:,.2f} 元"
        return line + "。"
    if rec.type == "fund":
        total = sum(p["allocated"] for p in d["projects"])
        return f"{d['year']}年，{len(d['projects'])} 个项目，安排资金 {total:,.2f} 元。"
    if rec.type == "yishiyiyi":
        return f"{d['village']}{d['project']}，总投资 {sum(s['amount'] for s in d['spending']):,.2f} 元。"
    if rec.type == "asset":
        return asset_summary(rec)
    if rec.type == "landtransfer":
        return land_transfer_summary(rec)
    if rec.type == "homestead":
        return homestead_summary(rec)
    if rec.type == "institution":
        return institution_summary(rec)
    if rec.type == "procurement":
        return f"{d['project']}：{d['supplier']}，{d['amount']:,.2f} 元。"
    if rec.type == "list":
        return f"{LIST_KINDS.get(d['kind'], '')}，共 {len(d['items'])} 项。"
    return f"{publishers.get(rec.publisher, rec.publisher)}发布的{rec.rtype.label}。"


def atom_feed(site: Site, path: str, title: str, records: Iterable[Record]) -> bytes:
    """One Atom feed at ``path`` (site-relative) listing ``records``."""
    entries = [r for r in records if exported(r)][:FEED_ENTRIES]
    here = posixpath.dirname(path)
    base = site.config.base_url

    def href(to: str) -> str:
        return _abs(site, to) if base else _rel(here, to)

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    sub(feed, "id", _abs(site, path) if base else _urn(site, path))
    sub(feed, "title", title)
    updated = max((r.date for r in entries), default=site.today)
    sub(feed, "updated", _stamp(updated))
    author = sub(feed, "author")
    sub(author, "name", site.config.organization)
    sub(feed, "link", rel="self", type="application/atom+xml", href=href(path))
    sub(feed, "link", rel="alternate", type="text/html", href=href(f"{here}/" if here else ""))
    sub(feed, "generator", "gongkai")
    for rec in entries:
        e = sub(feed, "entry")
        sub(e, "id", _urn(site, rec.id))
        sub(e, "title", rec.title)
        sub(e, "published", _stamp(rec.date))
        sub(e, "updated", _stamp(rec.date))
        sub(e, "link", rel="alternate", type="text/html", href=href(rec.url))
        a = sub(e, "author")
        sub(a, "name", site.publisher_name(rec.publisher))
        sub(e, "category", term=rec.type, label=rec.rtype.label)
        sub(e, "summary", _summary(rec, site.config.publishers))
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def feed_files(site: Site) -> list[tuple[str, bytes]]:
    return [(path, atom_feed(site, path, title, records)) for path, title, records in feed_entries(site)]


def feed_entries(site: Site) -> list[tuple[str, str, tuple[Record, ...]]]:
    """(path, title, the records it lists) of every feed: with the site's
    configuration and ``today``, all a feed is made from."""
    of_folder = {f"{t.folder}/feed.xml": t.name for t in RECORD_TYPES.values()}
    out = []
    for path, title in feed_paths(site):
        records = site.published if path == "feed.xml" else site.of_type(of_folder[path])
        listed = tuple(r for r in records if exported(r))[:FEED_ENTRIES]
        out.append((path, title, listed))
    return out


def sitemap(site: Site, pages: Iterable[tuple[str, date | None]]) -> bytes | None:
    """sitemap.xml for (page url, last modified) pairs; None without base_url."""
    if not site.config.base_url:
        return None
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    seen: set[str] = set()
    for url, lastmod in pages:
        if url in seen:
            continue
        seen.add(url)
        u = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(u, f"{{{SITEMAP}}}loc").text = _abs(site, url)
        if lastmod is not None:
            ET.SubElement(u, f"{{{SITEMAP}}}lastmod").text = lastmod.isoformat()
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def discovery_files(site: Site, pages: Iterable[Any]) -> list[tuple[str, bytes]]:
    """The feeds, and sitemap.xml when base_url is set, for the planned
    ``pages`` (objects with ``url`` and ``context``)."""
    out = feed_files(site)
    xml = sitemap(site, sitemap_entries(site, pages))
    if xml is not None:
        out.append(("sitemap.xml", xml))
    return out


def discovery_inputs(site: Site, pages: Iterable[Any]) -> tuple[Any, ...]:
    """What ``discovery_files`` makes its files from, besides the site's
    configuration and ``today``: each feed's records, the sitemap's pages."""
    # the sitemap's (url, date or None) pairs by their repr, which shows them all: one string, not 20,000 pairs
    return (feed_entries(site), repr(sitemap_entries(site, pages)) if site.config.base_url else "")


def sitemap_entries(site: Site, pages: Iterable[Any]) -> list[tuple[str, date | None]]:
    """(url, last modified) of every page the sitemap lists."""

    def lastmod(page: Any) -> date | None:
        rec = page.context.get("record")
        if not isinstance(rec, Record):
            return None
        return max([rec.date, *(c.date for c in site.corrections.get(rec.id, ()))])

    def listed(page: Any) -> bool:
        rec = page.context.get("record")
        return not (isinstance(rec, Record) and rec.draft)  # a --drafts preview never advertises a draft

    return [(p.url, lastmod(p)) for p in pages if listed(p)]


# --- JSON-LD --------------------------------------------------------------------------------------


def _script_json(obj: Any) -> Markup:
    """JSON safe inside <script>: <, >, & and / escaped (no "</script>",
    no "<!--"; all valid JSON escapes)."""
    text = json.dumps(obj, ensure_ascii=False, indent=1)
    for a, b in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("/", "\\/")):
        text = text.replace(a, b)
    return Markup(f'<script type="application/ld+json">\n{text}\n</script>')


def record_jsonld(config: SiteConfig, rec: Record, url: Callable[[str], str], index_no: str) -> Markup:
    """The schema.org description of a record page ("" when there is none).
    ``url`` turns a site-relative path into a link from the page."""
    if not exported(rec):
        return Markup("")

    def link(path: str) -> str:
        return _abs_url(config, path) if config.base_url else url(path)

    org = {"@type": "GovernmentOrganization", "name": config.publishers.get(rec.publisher, rec.publisher)}
    graph: list[dict[str, Any]] = []
    d = rec.data
    if rec.type in ("subsidy", "fund"):
        service: dict[str, Any] = {
            "@type": "GovernmentService",
            "name": d["program"] if rec.type == "subsidy" else rec.title,
            "serviceType": SUBSIDY_KINDS.get(d["kind"], "") if rec.type == "subsidy" else "扶贫救灾公益资金",
            "provider": org,
            "areaServed": {"@type": "AdministrativeArea", "name": config.organization.removesuffix("人民政府")},
            "description": _summary(rec, config.publishers),
        }
        if rec.type == "subsidy" and d.get("basis"):
            service["termsOfService"] = d["basis"]
        graph.append(service)
    if tabular(rec):
        dataset: dict[str, Any] = {
            "@type": "Dataset",
            "name": rec.title,
            "description": _summary(rec, config.publishers),
            "identifier": index_no or rec.id,
            "datePublished": rec.date.isoformat(),
            "inLanguage": "zh-CN",
            "isAccessibleForFree": True,
            "publisher": org,
            "distribution": [
                {
                    "@type": "DataDownload",
                    "name": dl.label,
                    "encodingFormat": dl.media_type,
                    "contentUrl": link(dl.path),
                }
                for dl in downloads(rec)
            ],
        }
        if rec.tags:
            dataset["keywords"] = list(rec.tags)
        if config.base_url:
            dataset["url"] = _abs_url(config, rec.url)
        graph.append(dataset)
    if not graph:
        return Markup("")
    return _script_json({"@context": "https://schema.org", "@graph": graph})
