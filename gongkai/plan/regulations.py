"""规范性文件 (regulation records): what their pages show from elsewhere in
the site, their list page in two parts by 有效性, and ``data/regulations.csv``
/ ``.json``: every published document with its 有效性 and 解读, one row each.
Pure: no files."""

from __future__ import annotations

from typing import Any

from gongkai.core.model import Record, Site, Summary
from gongkai.core.schema.types import VALIDITY
from gongkai.plan.export import _dumps, _url, csv_bytes

__all__ = ["IN_FORCE", "regulation_files", "regulation_links", "regulation_order", "regulation_sections"]

IN_FORCE = "现行有效"
NOT_IN_FORCE = "已失效、废止或修改"


def regulation_links(site: Site, rec: Record) -> dict[str, Any]:
    """The published records a regulation or a 政策解读 page links to (RecordInputs fields)."""
    if rec.type == "regulation":
        d = rec.data
        return {
            "interpretations": site.interpretations.get(rec.id, ()),
            "replaced_by": site.public_record(d.get("repealed_by") or d.get("amended_by") or ""),
            "replaces": site.replaces.get(rec.id, ()),
        }
    if rec.type == "notice" and rec.data.get("interprets"):
        target = site.public_record(rec.data["interprets"])
        return {"interprets": target if target is not None and target.type == "regulation" else None}
    return {}


def regulation_order(records: tuple[Record, ...]) -> tuple[Record, ...]:
    """Documents in force first, then the others; newest first within each."""
    return tuple(sorted(records, key=lambda r: r.data["validity"] != "valid"))  # stable: keeps newest first


def regulation_sections(records: tuple[Summary, ...]) -> list[tuple[str, tuple[Summary, ...]]]:
    """One list page's documents in two parts, 现行有效 and the rest (empty parts left out)."""
    parts = [
        (IN_FORCE, tuple(r for r in records if r.validity == "valid")),
        (NOT_IN_FORCE, tuple(r for r in records if r.validity != "valid")),
    ]
    return [(label, rs) for label, rs in parts if rs]


COLUMNS = [
    ("编号", "id"),
    ("文件名称", "title"),
    ("文号", "doc_no"),
    ("公开主体", "publisher_name"),
    ("发布日期", "date"),
    ("有效性", "validity_label"),
    ("施行日期", "valid_from"),
    ("有效期至", "valid_until"),
    ("废止它的文件", "repealed_by"),
    ("修改它的文件", "amended_by"),
    ("有效性说明", "validity_reason"),
    ("政策解读", "interpretations"),
    ("网址", "path"),
]


def _row(site: Site, rec: Record) -> dict[str, Any]:
    d = rec.data
    return {
        "id": rec.id,
        "title": rec.title,
        "doc_no": rec.doc_no,
        "publisher_name": site.publisher_name(rec.publisher),
        "date": rec.date.isoformat(),
        "validity": d["validity"],
        "validity_label": VALIDITY[d["validity"]],
        "valid_from": d["valid_from"].isoformat(),
        "valid_until": d["valid_until"].isoformat() if d.get("valid_until") else "",
        "repealed_by": d.get("repealed_by", ""),
        "amended_by": d.get("amended_by", ""),
        "validity_reason": d.get("validity_reason", ""),
        "interpretations": [n.id for n in site.interpretations.get(rec.id, ())],
        "path": _url(site, rec.url) if site.config.base_url else rec.url,
    }


def regulation_files(site: Site) -> list[tuple[str, bytes]]:
    """data/regulations.json and .csv: every published 规范性文件 with its 有效性 (none when there is none)."""
    rows = [_row(site, r) for r in site.of_type("regulation") if not r.draft]
    if not rows:
        return []
    doc = {"organization": site.config.organization, "as_of": site.today.isoformat(), "regulations": rows}
    table = [[" ".join(r[k]) if isinstance(r[k], list) else r[k] for _, k in COLUMNS] for r in rows]
    return [
        ("data/regulations.json", _dumps(doc)),
        ("data/regulations.csv", csv_bytes([h for h, _ in COLUMNS], table)),
    ]


def regulation_inputs(site: Site) -> tuple[tuple[Record, ...], tuple[Record, ...]]:
    """What regulation_files is made from: the documents and every published 解读 (the build's key)."""
    notes = tuple(r for rs in site.interpretations.values() for r in rs)
    return site.of_type("regulation"), notes
