"""建议提案 (proposal records): the labels their page and feed show, and
``data/proposals.csv`` / ``.json``: every public reply, one row each.  Pure: no files."""

from __future__ import annotations

from typing import Any

from gongkai.core.model import Record, Site
from gongkai.core.schema.types import PROPOSAL_KINDS, PROPOSAL_RESULTS, SATISFACTION
from gongkai.plan.export import _dumps, _url, csv_bytes

__all__ = ["proposal_files", "proposal_labels", "proposal_records", "proposal_summary"]


def proposal_labels(rec: Record) -> dict[str, Any]:
    d = rec.data
    kind = d["kind"]
    return {
        "kind": PROPOSAL_KINDS[kind],
        "who": "代表" if kind == "npc" else "委员",
        "result": PROPOSAL_RESULTS[d["result"]],
        "satisfaction": SATISFACTION.get(d.get("satisfaction", ""), ""),
        "days": (d["replied"] - d["assigned"]).days,
    }


def proposal_summary(rec: Record) -> str:
    """A line for feeds and lists: number, who, result."""
    d = rec.data
    lab = proposal_labels(rec)
    return f"{lab['kind']} {d['number']}（{d['proposer']}{lab['who']}），办理结果：{lab['result']}。"


COLUMNS = [
    ("编号", "id"),
    ("标题", "title"),
    ("类别", "kind_label"),
    ("建议（提案）编号", "number"),
    ("领衔代表（委员）", "proposer"),
    ("承办单位", "handler"),
    ("交办日期", "assigned"),
    ("答复日期", "replied"),
    ("办理结果", "result"),
    ("办理结果说明", "result_label"),
    ("不能解决的原因或解决计划", "explanation"),
    ("满意度", "satisfaction_label"),
    ("发布日期", "date"),
    ("网址", "path"),
]


def proposal_records(site: Site) -> tuple[Record, ...]:
    """The public, published replies: what proposal_files is made from (the build's key)."""
    return tuple(r for r in site.of_type("proposal") if r.is_public)


def proposal_files(site: Site) -> list[tuple[str, bytes]]:
    """data/proposals.json and .csv (none when there is no public reply)."""
    rows = [_row(site, r) for r in proposal_records(site)]
    if not rows:
        return []
    doc = {"organization": site.config.organization, "proposals": rows}
    return [
        ("data/proposals.json", _dumps(doc)),
        ("data/proposals.csv", csv_bytes([h for h, _ in COLUMNS], [[r[k] for _, k in COLUMNS] for r in rows])),
    ]


def _row(site: Site, rec: Record) -> dict[str, Any]:
    d = rec.data
    lab = proposal_labels(rec)
    return {
        "id": rec.id,
        "title": rec.title,
        "kind": d["kind"],
        "kind_label": lab["kind"],
        "number": d["number"],
        "proposer": d["proposer"],
        "handler": d["handler"],
        "assigned": d["assigned"].isoformat(),
        "replied": d["replied"].isoformat(),
        "result": d["result"],
        "result_label": lab["result"],
        "explanation": d.get("explanation", ""),
        "satisfaction": d.get("satisfaction", ""),
        "satisfaction_label": lab["satisfaction"],
        "date": rec.date.isoformat(),
        "path": _url(site, rec.url) if site.config.base_url else rec.url,
    }
