"""土地经营权流转 (landtransfer records): the labels their page, sheet and feed show, and
``data/land-transfers.csv`` / ``.json``: every public 流转, one row each (the households'
names are never in it: their count and area are).  Pure: no files.

The record comes here after plan/names.py: a person's name is already ``（个人）`` and the
households' list empty once they are off the site."""

from __future__ import annotations

from typing import Any

from gongkai.core.formats import money, number
from gongkai.core.model import Record, Site
from gongkai.core.schema.asset import PARTY_KINDS
from gongkai.core.schema.landtransfer import TRANSFER_METHODS, TRANSFERORS, USES
from gongkai.plan.export import _dumps, _url, csv_bytes, money_text
from gongkai.plan.names import PERSON

__all__ = ["land_transfer_files", "land_transfer_labels", "land_transfer_records", "land_transfer_summary"]


def land_transfer_labels(rec: Record) -> dict[str, Any]:
    d = rec.data
    return {
        "transferor": TRANSFERORS[d["transferor"]],
        "method": TRANSFER_METHODS[d["method"]],
        "party": PARTY_KINDS[d["transferee"]["kind"]],
        "withdrawn": d["transferee"]["name"] == PERSON,  # a person's name off the site (plan/names.py)
        "use": USES[d["use"]],
        "rent": f"{money(d['rent'])} 元/亩/年" if "rent" in d else "",
    }


def land_transfer_summary(rec: Record) -> str:
    """A line for feeds: where, how much, to whom, for how long."""
    d = rec.data
    lab = land_transfer_labels(rec)
    rent = f"，{lab['rent']}" if lab["rent"] else ""
    return (
        f"{d['village']} {d['household_count']} 户 {number(d['area'])} 亩{lab['method']}给"
        f"{d['transferee']['name']}，{d['term']['start'].isoformat()} 至 {d['term']['end'].isoformat()}{rent}。"
    )


COLUMNS = [
    ("编号", "id"),
    ("标题", "title"),
    ("村（社区）", "village"),
    ("地块坐落", "location"),
    ("流转面积（亩）", "area"),
    ("流出方", "transferor_label"),
    ("流出农户户数", "household_count"),
    ("流入方类别", "party_label"),
    ("流入方", "transferee"),
    ("统一社会信用代码", "code"),
    ("工商企业等社会资本", "social_capital"),
    ("流转方式", "method_label"),
    ("起始日期", "start"),
    ("截止日期", "end"),
    ("承包期届满日期", "contract_ends"),
    ("流转价款（元/亩/年）", "rent"),
    ("土地用途", "use_label"),
    ("具体用途", "use_detail"),
    ("合同签订日期", "signed"),
    ("备案日期", "filed"),
    ("发布日期", "date"),
    ("网址", "path"),
]


def land_transfer_records(site: Site) -> tuple[Record, ...]:
    """The public, published 流转 records: what land_transfer_files is made from (the build's key)."""
    return tuple(r for r in site.of_type("landtransfer") if r.is_public)


def land_transfer_files(site: Site) -> list[tuple[str, bytes]]:
    """data/land-transfers.json and .csv (none when there is no public record)."""
    rows = [_row(site, r) for r in land_transfer_records(site)]
    if not rows:
        return []
    doc = {"organization": site.config.organization, "currency": "CNY", "land_transfers": rows}
    return [
        ("data/land-transfers.json", _dumps(doc)),
        ("data/land-transfers.csv", csv_bytes([h for h, _ in COLUMNS], [[r[k] for _, k in COLUMNS] for r in rows])),
    ]


def _row(site: Site, rec: Record) -> dict[str, Any]:
    d = rec.data
    lab = land_transfer_labels(rec)
    return {
        "id": rec.id,
        "title": rec.title,
        "village": d["village"],
        "location": d.get("location", ""),
        "area": format(d["area"], "f"),
        "transferor": d["transferor"],
        "transferor_label": lab["transferor"],
        "household_count": d["household_count"],
        "party_kind": d["transferee"]["kind"],
        "party_label": lab["party"],
        "transferee": d["transferee"]["name"],
        "code": d["transferee"].get("code", ""),
        "social_capital": "是" if d.get("social_capital") else "否",
        "method": d["method"],
        "method_label": lab["method"],
        "start": d["term"]["start"].isoformat(),
        "end": d["term"]["end"].isoformat(),
        "contract_ends": d["contract_ends"].isoformat(),
        "rent": money_text(d["rent"]) if "rent" in d else "",
        "use": d["use"],
        "use_label": lab["use"],
        "use_detail": d.get("use_detail", ""),
        "signed": d["signed"].isoformat(),
        "filed": d["filed"].isoformat() if "filed" in d else "",
        "date": rec.date.isoformat(),
        "path": _url(site, rec.url) if site.config.base_url else rec.url,
    }
