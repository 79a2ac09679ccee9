"""集体资产资源处置 (asset records): the labels their page, sheet and feed show, and
``data/assets.csv`` / ``.json``: every public disposal, one row each.  Pure: no files.

The record comes here after plan/names.py: a person's name is already ``（个人）`` once
it is off the site, so every output made from it follows the names rule."""

from __future__ import annotations

from typing import Any

from gongkai.core.formats import money, number
from gongkai.core.model import Record, Site
from gongkai.core.schema.asset import ASSET_KINDS, DISPOSALS, METHODS, PARTY_KINDS, PRICE_BASES
from gongkai.core.schema.meeting import MEETING_KINDS
from gongkai.plan.export import _dumps, _url, csv_bytes, money_text
from gongkai.plan.names import PERSON

__all__ = ["asset_files", "asset_labels", "asset_records", "asset_summary"]


def asset_labels(rec: Record) -> dict[str, Any]:
    d = rec.data
    term = d.get("term")
    return {
        "kind": ASSET_KINDS[d["asset_kind"]],
        "disposal": DISPOSALS[d["disposal"]],
        "method": METHODS[d["method"]],
        "party": PARTY_KINDS[d["counterparty"]["kind"]],
        "withdrawn": d["counterparty"]["name"] == PERSON,  # a person's name off the site (plan/names.py)
        "basis": PRICE_BASES[d["price_basis"]],
        "price": f"{money(d['price'])} 元" + ("/年" if d["price_basis"] == "annual" else ""),
        "meeting": MEETING_KINDS[d["meeting"]["kind"]],
        "term": f"{term['start'].isoformat()} 至 {term['end'].isoformat()}" if term else "",
    }


def asset_summary(rec: Record) -> str:
    """A line for feeds: what, how, to whom, at what price."""
    d = rec.data
    lab = asset_labels(rec)
    return (
        f"{d['village']}{d['asset']}（{number(d['quantity'])} {d['unit']}）{lab['method']}{lab['disposal']}，"
        f"{lab['party']}：{d['counterparty']['name']}，成交价 {lab['price']}。"
    )


COLUMNS = [
    ("编号", "id"),
    ("标题", "title"),
    ("村（社区）", "village"),
    ("资产资源名称", "asset"),
    ("资产类别", "kind_label"),
    ("坐落位置", "location"),
    ("面积或数量", "quantity"),
    ("计量单位", "unit"),
    ("处置方式", "disposal_label"),
    ("交易方式", "method_label"),
    ("评估价（元）", "appraised"),
    ("底价（元）", "reserve"),
    ("成交价（元）", "price"),
    ("成交价计算方式", "basis_label"),
    ("受让方类别", "party_label"),
    ("受让方", "counterparty"),
    ("统一社会信用代码", "code"),
    ("起始日期", "start"),
    ("截止日期", "end"),
    ("会议类型", "meeting_label"),
    ("会议日期", "meeting_date"),
    ("应到人数", "expected"),
    ("到会人数", "present"),
    ("同意人数", "agreed"),
    ("发布日期", "date"),
    ("网址", "path"),
]


def asset_records(site: Site) -> tuple[Record, ...]:
    """The public, published disposals: what asset_files is made from (the build's key)."""
    return tuple(r for r in site.of_type("asset") if r.is_public)


def asset_files(site: Site) -> list[tuple[str, bytes]]:
    """data/assets.json and .csv (none when there is no public disposal)."""
    rows = [_row(site, r) for r in asset_records(site)]
    if not rows:
        return []
    doc = {"organization": site.config.organization, "currency": "CNY", "assets": rows}
    return [
        ("data/assets.json", _dumps(doc)),
        ("data/assets.csv", csv_bytes([h for h, _ in COLUMNS], [[r[k] for _, k in COLUMNS] for r in rows])),
    ]


def _row(site: Site, rec: Record) -> dict[str, Any]:
    d = rec.data
    lab = asset_labels(rec)
    m = d["meeting"]
    term = d.get("term") or {}
    opt = {k: money_text(d[k]) if k in d else "" for k in ("appraised", "reserve")}
    return {
        "id": rec.id,
        "title": rec.title,
        "village": d["village"],
        "asset": d["asset"],
        "asset_kind": d["asset_kind"],
        "kind_label": lab["kind"],
        "location": d.get("location", ""),
        "quantity": format(d["quantity"], "f"),
        "unit": d["unit"],
        "disposal": d["disposal"],
        "disposal_label": lab["disposal"],
        "method": d["method"],
        "method_label": lab["method"],
        **opt,
        "price": money_text(d["price"]),
        "price_basis": d["price_basis"],
        "basis_label": lab["basis"],
        "party_kind": d["counterparty"]["kind"],
        "party_label": lab["party"],
        "counterparty": d["counterparty"]["name"],
        "code": d["counterparty"].get("code", ""),
        "start": term["start"].isoformat() if term else "",
        "end": term["end"].isoformat() if term else "",
        "meeting_kind": m["kind"],
        "meeting_label": lab["meeting"],
        "meeting_date": m["date"].isoformat(),
        "expected": m["expected"],
        "present": m["present"],
        "agreed": m["agreed"],
        "date": rec.date.isoformat(),
        "path": _url(site, rec.url) if site.config.base_url else rec.url,
    }
