"""The county pages, made from the townships' artefacts alone.

Reads county.yaml (names and order), ``township-index/<slug>.json`` and the
built ``build/<slug>/`` folders (their catalogue, feed and search index
files): never a township's content.  Writes only the county's own names at
the top of ``build/`` (config.RESERVED)::

    index.html            the townships: status (stale and why), counts, links
    catalogue/index.html  the combined 公开目录: per township and type, with
                          the 标准目录 status where a township publishes one
    catalogue/catalogue.csv|json   every catalogue entry, with its township
    feed.xml              the newest records of all townships (Atom), and
    feeds/<folder>.xml    per record type (the townships' <folder>/feed.xml)
    search/               county.json + g/ (county search.py) and the page
    status.json           the townships' status for a dashboard
    static/               style.css and search.js of the default theme,
                          county-search.js

Pure in its inputs: the same artefacts and ``today`` give the same bytes,
wherever the townships were built.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from gongkai.commands.county.config import RESERVED, CountyConfig
from gongkai.commands.county.search import county_search_files
from gongkai.commands.county.township import read_index
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import ContentError, GongkaiError
from gongkai.core.version import __version__
from gongkai.emit.gate import leak_gate
from gongkai.emit.render import default_theme_dir
from gongkai.plan.catalogue import CATALOGUE_COLUMNS
from gongkai.plan.export import csv_bytes
from gongkai.plan.feeds import FEED_ENTRIES

__all__ = ["MergeResult", "TownshipStatus", "merge"]

ATOM = "http://www.w3.org/2005/Atom"
HERE = Path(__file__).resolve().parent
STATIC = ("style.css", "search.js")  # from the default theme


@dataclass(frozen=True)
class TownshipStatus:
    slug: str
    name: str
    state: str  # "ok" | "stale" (failed, last good site kept) | "missing" (no site at all)
    reason: str
    problems: tuple[str, ...]
    site: dict[str, Any] | None
    index: dict[str, Any] | None


@dataclass(frozen=True)
class MergeResult:
    out: Path
    townships: tuple[TownshipStatus, ...]
    files: int
    bytes: int


def _status(county: CountyConfig, out: Path) -> list[TownshipStatus]:
    found = []
    for t in county.townships:
        index = read_index(county.root, t.slug)
        site = index.get("site") if index else None
        complete = site is not None and _complete(out / t.slug, site)
        if index is None:
            state, reason = "missing", "没有这个乡镇的生成结果（township-index 中缺少）"
        elif site is None or not complete:
            state = "missing"
            reason = index.get("reason") or f"网站文件不完整（build/{t.slug}/ 缺少生成结果）"
            site = None
        elif index.get("status") != "ok":
            state, reason = "stale", index.get("reason", "")
        else:
            state, reason = "ok", ""
        problems = tuple(index.get("problems", ())) if index and state != "ok" else ()
        found.append(TownshipStatus(t.slug, t.name, state, reason, problems, site, index))
    return found


def _complete(folder: Path, site: dict[str, Any]) -> bool:
    """Whether a township's folder holds what its index describes (a CI
    job's artefact may be missing or cut short)."""
    try:
        needed = ["index.html", site["catalogue_file"], site["search"]["path"] + "meta.json"]
        needed += [site["feed"]] if site.get("feed") else []
        needed += [site["standard"]["page"]] if site.get("standard") and site["standard"].get("page") else []
    except (KeyError, TypeError):
        return False
    safe = all(isinstance(r, str) and not PurePosixPath(r).is_absolute() and ".." not in r.split("/") for r in needed)
    return safe and all((folder / rel).is_file() for rel in needed)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = lambda s: f"{s[:4]}年{int(s[5:7])}月{int(s[8:10])}日" if s else ""
    return env


def _catalogue(towns: list[TownshipStatus], out: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """(type labels in order, every catalogue entry with its township)."""
    labels: dict[str, None] = {}
    rows: list[dict[str, Any]] = []
    for t in towns:
        if t.site is None:
            continue
        labels.update(dict.fromkeys(t.site["types"]))
        cat = json.loads((out / t.slug / t.site["catalogue_file"]).read_text(encoding="utf-8"))
        for r in cat["records"]:
            rows.append(
                {"township": t.name, "township_slug": t.slug, **r, "path": f"{t.slug}/{r['path']}" if r["path"] else ""}
            )
    return sorted(labels), rows


_CSV = [("乡镇", "township"), *CATALOGUE_COLUMNS]


def _csv(rows: list[dict[str, Any]]) -> bytes:
    """The combined 目录 as CSV: a township's columns, as its own catalogue.csv has them."""
    return csv_bytes([h for h, _ in _CSV], ([r.get(k, "") for _, k in _CSV] for r in rows))


def _feed(county: CountyConfig, towns: list[TownshipStatus], out: Path, today: date, kind: str = "") -> bytes:
    """The newest entries of all townships' feeds, links into their sub-sites:
    ``feed.xml`` of everything, or (``kind``: a record folder such as
    ``notices``) ``feeds/<kind>.xml`` of the townships' ``<kind>/feed.xml``."""
    ET.register_namespace("", ATOM)
    q = f"{{{ATOM}}}"
    label = "各乡镇最新信息"
    entries = []
    for order, t in enumerate(towns):
        if t.site is None:
            continue
        if kind:
            names = dict(t.site.get("type_feeds", []))
            if kind not in names:
                continue
            label, rel, prefix = names[kind], f"{kind}/feed.xml", f"../{t.slug}/{kind}/"
        elif t.site.get("feed"):
            rel, prefix = t.site["feed"], f"{t.slug}/"
        else:
            continue
        root = ET.parse(out / t.slug / rel).getroot()
        for n, e in enumerate(root.findall(f"{q}entry")):
            for link in e.findall(f"{q}link"):
                href = link.get("href", "")
                if href and "://" not in href and not href.startswith("/"):
                    link.set("href", prefix + href)
            title = e.find(f"{q}title")
            if title is not None:
                title.text = f"【{t.name}】{title.text or ''}"
            entries.append(((e.findtext(f"{q}updated") or ""), -order, -n, e))
    entries.sort(key=lambda x: x[:3], reverse=True)
    feed = ET.Element(f"{q}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})
    key = f"gongkai:county:{county.name}" + (f":{kind}" if kind else "")
    ET.SubElement(feed, f"{q}id").text = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, key))
    ET.SubElement(feed, f"{q}title").text = f"{county.name}：{label}"
    newest = entries[0][0] if entries else f"{today.isoformat()}T00:00:00+08:00"
    ET.SubElement(feed, f"{q}updated").text = newest
    ET.SubElement(ET.SubElement(feed, f"{q}author"), f"{q}name").text = county.organization or county.name
    self_href = f"{kind}.xml" if kind else "feed.xml"
    ET.SubElement(feed, f"{q}link", {"rel": "self", "type": "application/atom+xml", "href": self_href})
    ET.SubElement(feed, f"{q}link", {"rel": "alternate", "type": "text/html", "href": "../" if kind else "./"})
    ET.SubElement(feed, f"{q}generator").text = "gongkai"
    for *_k, e in entries[:FEED_ENTRIES]:
        feed.append(e)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _kinds(towns: list[TownshipStatus]) -> list[tuple[str, str]]:
    """(folder, label) of every per-type feed any township publishes."""
    found: dict[str, str] = {}
    for t in towns:
        for folder, label in t.site.get("type_feeds", []) if t.site else []:
            found.setdefault(folder, label)
    return sorted(found.items())


def _files(county: CountyConfig, out: Path, today: date) -> tuple[list[TownshipStatus], list[tuple[str, bytes]]]:
    towns = _status(county, out)
    env = _env()
    labels, rows = _catalogue(towns, out)
    common = {
        "county": county,
        "towns": towns,
        "today": today.isoformat(),
        "version": __version__,
        "labels": labels,
        "stale": [t for t in towns if t.state != "ok"],
        "kinds": _kinds(towns),
    }

    def page(template: str, root: str, **extra: Any) -> bytes:
        return env.get_template(template).render(root=root, **common, **extra).encode("utf-8")

    files = [
        ("index.html", page("index.html", "")),
        ("catalogue/index.html", page("catalogue.html", "../", total=len(rows))),
        ("catalogue/catalogue.csv", _csv(rows)),
        (
            "catalogue/catalogue.json",
            (
                json.dumps(
                    {"county": county.name, "as_of": today.isoformat(), "count": len(rows), "records": rows},
                    ensure_ascii=False,
                    indent=1,
                )
                + "\n"
            ).encode("utf-8"),
        ),
        ("feed.xml", _feed(county, towns, out, today)),
        *((f"feeds/{k}.xml", _feed(county, towns, out, today, k)) for k, _label in _kinds(towns)),
        ("search/index.html", page("search.html", "../")),
    ]
    searchable = [
        (
            t.slug,
            t.name,
            out / t.slug / t.site["search"]["path"],
            t.site["search"]["shards"],
            t.site["search"]["docs"],
            t.site.get("trigrams"),
        )
        for t in towns
        if t.site is not None
    ]
    files += county_search_files(searchable)
    status = [
        {
            "slug": t.slug,
            "name": t.name,
            "state": t.state,
            "reason": t.reason,
            "built": t.site["built"] if t.site else "",
            "attempted": t.index["attempted"] if t.index else "",
            "records": t.site["records"] if t.site else 0,
            "warnings": t.index["warnings"] if t.index else 0,
            "errors": t.index["errors"] if t.index else 0,
            "overdue": t.index["overdue"] if t.index else 0,
        }
        for t in towns
    ]
    files.append(
        (
            "status.json",
            (
                json.dumps(
                    {
                        "county": county.name,
                        "base_path": county.base_path,
                        "as_of": today.isoformat(),
                        "townships": status,
                    },
                    ensure_ascii=False,
                    indent=1,
                )
                + "\n"
            ).encode("utf-8"),
        )
    )
    theme = default_theme_dir() / "static"
    for name in STATIC:
        files.append((f"static/{name}", (theme / name).read_bytes()))
    files.append(("static/county-search.js", (HERE / "static" / "county-search.js").read_bytes()))
    return towns, files


def merge(county: CountyConfig, today: date, out: Path | None = None) -> MergeResult:
    """Write the county pages into ``out`` (default ``<county>/build``)
    from the townships' artefacts.  The county's own names are replaced as a
    whole (made in a temporary folder first); the townships' folders are
    left alone.  Raises ContentError (GK404) when a county file would carry
    an unmasked ID or card number, before anything is replaced."""
    out = (out or county.root / "build").resolve()
    out.mkdir(parents=True, exist_ok=True)
    try:
        towns, files = _files(county, out, today)
    except (OSError, ValueError, KeyError, ET.ParseError) as exc:
        raise GongkaiError(f"合并失败：乡镇的生成结果无法读取（{exc}）。请重新运行该乡镇的生成任务") from exc
    # the trigram filters (.bin) are bit arrays made here from hashes: no text to read
    leaks = [p for rel, blob in files for p in leak_gate(rel, blob, allow_unread=(".bin",))]
    if leaks:
        raise ContentError(leaks)
    tmp = out / ".county-tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    total = 0
    for rel, blob in files:
        assert rel.split("/")[0] in RESERVED, rel
        p = tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(blob)
        total += len(blob)
    for name in sorted(RESERVED):
        old = out / name
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
        if (tmp / name).exists():
            os.replace(tmp / name, old)
    shutil.rmtree(tmp)
    return MergeResult(out, tuple(towns), len(files), total)
