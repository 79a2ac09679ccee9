"""Budgets as Fiscal Data Packages (datapackage.json + CSV): one row per
lowest-level 科目, summable."""

from __future__ import annotations

from typing import Any

from gongkai.core.model import Record, Site
from gongkai.plan.export import CURRENCY, _url, csv_bytes, money_text

# --- budgets as a Fiscal Data Package ---------------------------------------------------------

FDP_FIELDS: list[tuple[str, str, str]] = [
    ("fiscal_year", "integer", "预决算年度"),
    ("phase", "string", "预算阶段：approved 预算（批准数）/ executed 决算（执行数）"),
    ("direction", "string", "收支方向：revenue 收入 / expenditure 支出"),
    ("classification", "string", "科目分类：revenue 收入分类 / functional 支出功能分类 / economic 支出经济分类"),
    ("table", "string", "表名"),
    ("level1_code", "string", "类级科目编码（3 位）"),
    ("level1_name", "string", "类级科目名称"),
    ("level2_code", "string", "款级科目编码（5 位）"),
    ("level2_name", "string", "款级科目名称"),
    ("level3_code", "string", "项级科目编码（7 位）"),
    ("level3_name", "string", "项级科目名称"),
    ("amount", "number", "金额"),
]


_CLASSIFICATION = {"1": "revenue", "2": "functional", "3": "economic", "5": "economic"}
# Fiscal Data Package phases of each budget stage.
PHASES = {"budget": "approved", "adjustment": "adjusted", "execution": "executed", "final": "executed"}


def fiscal_rows(rec: Record) -> list[dict[str, Any]]:
    """One row per leaf of each budget table (a row with no child in its
    table), so that summing ``amount`` within a table gives its total."""
    d = rec.data
    out: list[dict[str, Any]] = []
    for t in d["tables"]:
        codes = [r["code"] for r in t["rows"]]
        names = {r["code"]: r["name"] for r in t["rows"]}
        for r in t["rows"]:
            c = r["code"]
            if any(o != c and o.startswith(c) for o in codes):
                continue
            row: dict[str, Any] = {
                "fiscal_year": d["fiscal_year"],
                "phase": PHASES.get(d["stage"], "executed"),
                "direction": "revenue" if "收入" in t["name"] else "expenditure",
                "classification": _CLASSIFICATION.get(c[:1], "other"),
                "table": t["name"],
            }
            for n, width in ((1, 3), (2, 5), (3, 7)):
                code = c[:width] if len(c) >= width else ""
                row[f"level{n}_code"] = code
                row[f"level{n}_name"] = names.get(code, "") if code else ""
            row["amount"] = money_text(r["amount"])
            out.append(row)
    return out


def fiscal_package(site: Site, rec: Record) -> tuple[dict[str, Any], bytes]:
    """(datapackage.json, budget.csv) of a budget record."""
    d = rec.data
    rows = fiscal_rows(rec)
    body = csv_bytes([f for f, _, _ in FDP_FIELDS], ([row[f] for f, _, _ in FDP_FIELDS] for row in rows), bom=False)
    year = d["fiscal_year"]
    level_attrs: dict[str, Any] = {}
    for n in (1, 2, 3):
        code: dict[str, Any] = {"source": f"level{n}_code", "title": f"{'类款项'[n - 1]}级科目编码"}
        if n > 1:
            code["parent"] = f"level{n - 1}_code"
        level_attrs[f"level{n}_code"] = code
        level_attrs[f"level{n}_name"] = {
            "source": f"level{n}_name",
            "title": f"{'类款项'[n - 1]}级科目名称",
            "labelfor": f"level{n}_code",
        }
    pkg: dict[str, Any] = {
        "profile": "fiscal-data-package",
        "name": rec.id,
        "title": rec.title,
        "description": rec.summary or rec.title,
        "countryCode": "CN",
        "fiscalPeriod": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "publisher": site.publisher_name(rec.publisher),
        "identifier": site.index_no(rec) or rec.id,
        "homepage": _url(site, rec.url) or rec.url,
        "resources": [
            {
                "name": "budget",
                "path": "budget.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": f, "type": t, "title": title, **({"decimalChar": "."} if t == "number" else {})}
                        for f, t, title in FDP_FIELDS
                    ],
                    "missingValues": [""],
                },
            }
        ],
        "model": {
            "measures": {
                "amount": {
                    "source": "amount",
                    "currency": CURRENCY,
                    "factor": 10000 if d.get("unit") == "万元" else 1,
                    "phase": PHASES.get(d["stage"], "executed"),
                }
            },
            "dimensions": {
                "fiscal-year": {
                    "dimensionType": "datetime",
                    "attributes": {"fiscal_year": {"source": "fiscal_year", "title": "年度"}},
                    "primaryKey": ["fiscal_year"],
                },
                "phase": {
                    "dimensionType": "other",
                    "attributes": {"phase": {"source": "phase", "title": "预算阶段"}},
                    "primaryKey": ["phase"],
                },
                "direction": {
                    "dimensionType": "other",
                    "attributes": {"direction": {"source": "direction", "title": "收支方向"}},
                    "primaryKey": ["direction"],
                },
                "budget-table": {
                    "dimensionType": "other",
                    "attributes": {
                        "table": {"source": "table", "title": "表名"},
                        "classification": {"source": "classification", "title": "科目分类"},
                    },
                    "primaryKey": ["table"],
                },
                "classification": {
                    "dimensionType": "classification",
                    "attributes": level_attrs,
                    "primaryKey": ["level1_code", "level2_code", "level3_code"],
                },
            },
        },
    }
    return pkg, body
