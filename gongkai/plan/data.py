"""Open data: Site → the files under ``data/``.  Pure: bytes out, no I/O.

For every public record (never a draft, never a record dated after today):

- ``data/<id>.json``: every field of the record as the clerk wrote it, typed —
  money as strings with two decimals (``"546.00"``), other decimals as
  written, dates ``YYYY-MM-DD``, ID numbers only in their masked display
  form (the only form a Record holds) — plus its 索引号, type and links;
- ``data/<id>.csv`` for tabular records (budget rows, roster, fund projects,
  list items): UTF-8 with BOM, CRLF, cells starting with = + - @ neutralised;
- budgets also as a Fiscal Data Package: ``data/<id>/datapackage.json`` +
  ``data/<id>/budget.csv`` (leaf rows, classification codes as columns).

For the whole site: ``data/catalogue.json`` / ``.csv`` (公开目录: every record,
public or not, with class and reason — for a non-public record nothing but
catalogue metadata) and one JSON Schema per record type under
``data/schema/``, generated from the same field tables the validator uses.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from gongkai.core.model import Record, Site
from gongkai.core.schema.kinds import Bool, Date, Enum, Field, IdNumber, Int, Kind, ListOf, Money, Slug, Struct, Text
from gongkai.core.schema.types import COMMON, EXEMPT_ARTICLES, RECORD_TYPES, RecordType

__all__ = [
    "CatalogueEntry",
    "Download",
    "catalogue",
    "channel",
    "data_files",
    "downloads",
    "json_schemas",
    "neutralise",
    "record_data_files",
    "record_json",
    "site_data_files",
    "tabular",
]

CURRENCY = "CNY"
TABULAR = ("budget", "subsidy", "fund", "list")
# Common keys a public record's JSON never carries: the build-only flag and
# the reason for non-disclosure (a public record has none).
_NOT_EXPORTED = {"draft", "exemption", "disclosure", "body", "attachments"}
_ARTICLE_CN = {"14": "十四", "15": "十五", "16": "十六"}


def _dumps(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def exported(rec: Record) -> bool:
    """Whether a record's content may appear in data downloads and feeds."""
    return rec.is_public and not rec.draft


def tabular(rec: Record) -> bool:
    return rec.type in TABULAR


# --- downloads, as linked from a record page --------------------------------------------


@dataclass(frozen=True)
class Download:
    label: str
    path: str  # site-relative
    media_type: str


def downloads(rec: Record) -> list[Download]:
    """The data files of a public record, in the order the page lists them."""
    if not exported(rec):
        return []
    out = [Download("JSON 数据", f"data/{rec.id}.json", "application/json")]
    if tabular(rec):
        out.append(Download("CSV 表格（可用 Excel 打开）", f"data/{rec.id}.csv", "text/csv"))
    if rec.type == "budget":
        out.append(Download("财政数据包（Fiscal Data Package）", f"data/{rec.id}/datapackage.json", "application/json"))
    return out


# --- values -----------------------------------------------------------------------------------


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def _value(kind: Kind, value: Any) -> Any:
    """A typed value → its JSON form, led by the field's kind."""
    if isinstance(kind, Money):
        return money_text(value) if kind.places == 2 else format(value, "f")
    if isinstance(kind, Date):
        return value.isoformat()
    if isinstance(kind, Int):
        return int(value)
    if isinstance(kind, Bool):
        return bool(value)
    if isinstance(kind, ListOf):
        return [_value(kind.item, v) for v in value]
    if isinstance(kind, Struct):
        return {k: _value(f.kind, value[k]) for k, f in kind.fields.items() if k in value}
    return str(value)


def channel(rec: Record) -> str:
    """公开渠道 of a catalogue entry."""
    if rec.disclosure == "on_request":
        return "依申请提供"
    if rec.disclosure == "exempt":
        return "不公开"
    return "政府网站、政务公开栏" if rec.notice else "政府网站"


def reason(rec: Record) -> str:
    """The reason for non-disclosure as shown to the public ("" if public)."""
    if not rec.exemption:
        return ""
    art = _ARTICLE_CN.get(rec.exemption["article"], rec.exemption["article"])
    return f"依据《中华人民共和国政府信息公开条例》第{art}条：{rec.exemption['reason']}"


def _url(site: Site, path: str) -> str:
    return site.config.base_url + path if site.config.base_url else ""


# --- one record ------------------------------------------------------------------------------


def record_json(site: Site, rec: Record) -> dict[str, Any]:
    """Everything public about ``rec``, JSON-ready.  Call only for exported records."""
    assert exported(rec), rec.id
    rtype = rec.rtype
    out: dict[str, Any] = {
        "id": rec.id,
        "index_no": site.index_no(rec),
        "type": rec.type,
        "type_label": rtype.label,
        "path": rec.url,
    }
    if site.config.base_url:
        out["url"] = _url(site, rec.url)
    out["disclosure"] = "public"
    for key, spec in COMMON.items():
        if key in _NOT_EXPORTED or key == "id":
            continue
        value = getattr(rec, key)
        if value in (None, "", ()):
            continue
        out[key] = _value(spec.kind, value)
        if key == "publisher":
            out["publisher_name"] = site.publisher_name(rec.publisher)
    for key, spec in rtype.fields.items():
        if key in rec.data:
            out[key] = _value(spec.kind, rec.data[key])
    if rec.attachments:
        out["attachments"] = [{**a, "path": rec.url + a["file"]} for a in rec.attachments]
    if rec.body:
        out["body"] = rec.body
    corrected_by = [r.id for r in site.corrections.get(rec.id, ())]
    if corrected_by:
        out["corrected_by"] = corrected_by
    if rec.type in ("budget", "subsidy", "fund"):
        out["currency"] = CURRENCY
    if rec.type == "subsidy":
        # Named so that each row maps onto 360Giving's core fields (docs/open-data.md).
        out["award_date"] = rec.date.isoformat()
        out["funding_organisation"] = {"identifier": site.config.org_code, "name": site.config.organization}
        base = site.index_no(rec) or rec.id
        for n, row in enumerate(out["recipients"], start=1):
            row["identifier"] = f"{base}/{n:04d}"
    out["downloads"] = [{"label": d.label, "path": d.path, "media_type": d.media_type} for d in downloads(rec)]
    return out


_FORMULA = tuple("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def neutralise(text: str) -> str:
    """A CSV cell that a spreadsheet would run as a formula, made inert with a
    leading apostrophe (OWASP).  Plain numbers such as -5.00 stay numbers."""
    if text.startswith(_FORMULA) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def csv_bytes(header: list[str], rows: Iterable[list[Any]], bom: bool = True) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for row in rows:
        w.writerow([_cell(c) for c in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def _level(code: str) -> str:
    return {3: "类", 5: "款", 7: "项"}.get(len(code), "")


def record_csv(site: Site, rec: Record) -> bytes | None:
    """The record's main table for spreadsheets, or None if it has none."""
    d = rec.data
    if rec.type == "budget":
        unit = d.get("unit", "元")
        return csv_bytes(
            ["表名", "科目编码", "科目名称", "级次", f"金额（{unit}）"],
            (
                [t["name"], r["code"], r["name"], _level(r["code"]), money_text(r["amount"])]
                for t in d["tables"]
                for r in t["rows"]
            ),
        )
    if rec.type == "subsidy":
        qty = d.get("quantity_unit", "")
        rate = d.get("rate_unit", "")
        base = site.index_no(rec) or rec.id
        return csv_bytes(
            [
                "序号",
                "村（社区）",
                "组",
                "姓名",
                "身份证号（已遮蔽）",
                f"数量（{qty}）" if qty else "数量",
                f"标准（{rate}）" if rate else "标准",
                "金额（元）",
                "备注",
                "标识符",
            ],
            (
                [
                    n,
                    r["village"],
                    r.get("group"),
                    r["name"],
                    r.get("id_number"),
                    r.get("quantity"),
                    r.get("rate", d.get("rate")),
                    money_text(r["amount"]),
                    r.get("note"),
                    f"{base}/{n:04d}",
                ]
                for n, r in enumerate(d["recipients"], start=1)
            ),
        )
    if rec.type == "fund":
        from gongkai.core.schema.types import STATUS

        return csv_bytes(
            [
                "序号",
                "项目名称",
                "实施地点",
                "建设任务",
                "安排资金（元）",
                "已支出（元）",
                "受益户数",
                "受益人数",
                "开工日期",
                "完工日期",
                "实施单位",
                "责任人",
                "项目状态",
                "备注",
            ],
            (
                [
                    n,
                    p["name"],
                    p.get("village"),
                    p.get("task"),
                    money_text(p["allocated"]),
                    money_text(p["spent"]) if "spent" in p else None,
                    p.get("beneficiaries", {}).get("households"),
                    p.get("beneficiaries", {}).get("people"),
                    p.get("period", {}).get("start"),
                    p.get("period", {}).get("end"),
                    p.get("implementer"),
                    p.get("responsible"),
                    STATUS.get(p["status"], p["status"]),
                    p.get("note"),
                ]
                for n, p in enumerate(d["projects"], start=1)
            ),
        )
    if rec.type == "list":
        return csv_bytes(
            ["序号", "事项名称", "事项编码", "事项类别", "实施机构", "设定依据", "收费标准", "备注"],
            (
                [
                    n,
                    i["name"],
                    i.get("code"),
                    i.get("category"),
                    i.get("department"),
                    i["basis"],
                    i.get("standard"),
                    i.get("note"),
                ]
                for n, i in enumerate(d["items"], start=1)
            ),
        )
    return None


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
                "phase": "approved" if d["stage"] == "budget" else "executed",
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
        "identifier": site.index_no(rec),
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
                    "phase": "approved" if d["stage"] == "budget" else "executed",
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


# --- the catalogue (公开目录) -----------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueEntry:
    """One line of the 公开目录: metadata only, for public and non-public records alike."""

    index_no: str
    id: str
    title: str
    publisher: str
    publisher_name: str
    date: date
    doc_no: str
    type: str
    type_label: str
    disclosure: str
    disclosure_label: str
    channel: str
    exemption_article: str
    reason: str
    path: str  # "" unless public

    def as_json(self) -> dict[str, Any]:
        return {
            "index_no": self.index_no,
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "publisher_name": self.publisher_name,
            "date": self.date.isoformat(),
            "doc_no": self.doc_no,
            "type": self.type,
            "type_label": self.type_label,
            "disclosure": self.disclosure,
            "disclosure_label": self.disclosure_label,
            "channel": self.channel,
            "exemption_article": self.exemption_article,
            "reason": self.reason,
            "path": self.path,
        }


def catalogue(site: Site) -> list[CatalogueEntry]:
    """Every record that exists today (drafts never), newest first."""
    return [
        CatalogueEntry(
            index_no=site.index_no(r),
            id=r.id,
            title=r.title,
            publisher=r.publisher,
            publisher_name=site.publisher_name(r.publisher),
            date=r.date,
            doc_no=r.doc_no,
            type=r.type,
            type_label=r.rtype.label,
            disclosure=r.disclosure,
            disclosure_label=r.disclosure_label,
            channel=channel(r),
            exemption_article=r.exemption["article"] if r.exemption else "",
            reason=reason(r),
            path=r.url if r.is_public else "",
        )
        for r in site.sorted_records
        if not r.draft
    ]


_CATALOGUE_COLUMNS = [
    ("索引号", "index_no"),
    ("名称", "title"),
    ("公开主体", "publisher_name"),
    ("发布日期", "date"),
    ("文号", "doc_no"),
    ("信息类别", "type_label"),
    ("公开方式", "disclosure_label"),
    ("公开渠道", "channel"),
    ("不公开理由", "reason"),
    ("网址", "path"),
]


def catalogue_files(site: Site) -> list[tuple[str, bytes]]:
    entries = catalogue(site)
    doc = {
        "organization": site.config.organization,
        "org_code": site.config.org_code,
        "as_of": site.today.isoformat(),
        "count": len(entries),
        "records": [e.as_json() for e in entries],
    }
    rows = [[getattr(e, attr) for _, attr in _CATALOGUE_COLUMNS] for e in entries]
    return [
        ("data/catalogue.json", _dumps(doc)),
        ("data/catalogue.csv", csv_bytes([h for h, _ in _CATALOGUE_COLUMNS], rows)),
    ]


# --- JSON Schemas ---------------------------------------------------------------------------------

_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_ID_DISPLAY = r"^[0-9]{0,6}\*{8,18}[0-9X]{0,4}$"


def _kind_schema(kind: Kind) -> dict[str, Any]:
    label = getattr(kind, "label", "")
    s: dict[str, Any]
    if isinstance(kind, Money):
        pattern = r"^-?[0-9]+\.[0-9]{2}$" if kind.places == 2 else r"^[0-9]+(\.[0-9]{1,4})?$"
        s = {"type": "string", "pattern": pattern}
    elif isinstance(kind, Date):
        s = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    elif isinstance(kind, Int):
        s = {"type": "integer", "minimum": kind.minimum, "maximum": kind.maximum}
    elif isinstance(kind, Bool):
        s = {"type": "boolean"}
    elif isinstance(kind, Enum):
        s = {"type": "string", "enum": list(kind.choices)}
    elif isinstance(kind, Slug):
        s = {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}
    elif isinstance(kind, IdNumber):
        s = {"type": "string", "minLength": 15, "maxLength": 18, "pattern": _ID_DISPLAY}
    elif isinstance(kind, ListOf):
        s = {"type": "array", "items": _kind_schema(kind.item)}
        if kind.min_items:
            s["minItems"] = kind.min_items
    elif isinstance(kind, Struct):
        s = _object(kind.fields)
    elif isinstance(kind, Text):
        s = {"type": "string", "minLength": 1}
    else:  # pragma: no cover - every kind is handled above
        raise TypeError(kind)
    if label:
        s = {"title": label, **s}
    return s


def _object(fields: dict[str, Field] | Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    props = {k: _kind_schema(f.kind) for k, f in fields.items()}
    props.update(extra or {})
    required = [k for k, f in fields.items() if f.required]
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def record_schema(rtype: RecordType) -> dict[str, Any]:
    """The JSON Schema of ``data/<id>.json`` for records of ``rtype``."""
    common = {k: f for k, f in COMMON.items() if k not in _NOT_EXPORTED and k != "id"}
    path = {"type": "string", "minLength": 1}
    props: dict[str, Any] = {
        "id": _kind_schema(Slug("编号")),
        "index_no": {"title": "索引号", "type": "string", "pattern": r"^[0-9A-Z]{18}/[0-9]{4}-[0-9]{5}$"},
        "type": {"const": rtype.name},
        "type_label": {"type": "string"},
        "path": path,
        "url": {"type": "string", "format": "uri"},
        "disclosure": {"const": "public"},
        **{k: _kind_schema(f.kind) for k, f in common.items()},
        "publisher_name": {"title": "公开主体名称", "type": "string"},
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"file": {"type": "string"}, "title": {"type": "string"}, "path": path},
                "required": ["file", "title", "path"],
                "additionalProperties": False,
            },
        },
        "body": {"title": "正文（Markdown）", "type": "string"},
        "corrected_by": {"title": "更正本信息的记录", "type": "array", "items": _kind_schema(Slug())},
        "downloads": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"label": {"type": "string"}, "path": path, "media_type": {"type": "string"}},
                "required": ["label", "path", "media_type"],
                "additionalProperties": False,
            },
        },
    }
    for key, f in rtype.fields.items():
        props[key] = _kind_schema(f.kind)
    if rtype.name in ("budget", "subsidy", "fund"):
        props["currency"] = {"const": CURRENCY}
    if rtype.name == "subsidy":
        props["award_date"] = _kind_schema(Date("发放日期（Award Date）"))
        props["funding_organisation"] = {
            "type": "object",
            "properties": {"identifier": {"type": "string"}, "name": {"type": "string"}},
            "required": ["identifier", "name"],
            "additionalProperties": False,
        }
        row = props["recipients"]["items"]
        row["properties"]["identifier"] = {"title": "标识符（Identifier）", "type": "string"}
        row["required"] = [*row.get("required", []), "identifier"]
    required = ["id", "index_no", "type", "path", "disclosure", "title", "publisher", "publisher_name", "date"]
    required += [k for k, f in rtype.fields.items() if f.required]
    if rtype.name == "subsidy":
        required += ["currency", "award_date", "funding_organisation"]
    return {
        "$schema": _SCHEMA_DIALECT,
        "title": f"{rtype.label}（{rtype.name}）",
        "description": f"gongkai 开放数据：{rtype.label}记录 data/<id>.json 的格式",
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def catalogue_schema() -> dict[str, Any]:
    s = {"type": "string"}
    entry = {
        "type": "object",
        "properties": {
            "index_no": {"type": "string", "pattern": r"^[0-9A-Z]{18}/[0-9]{4}-[0-9]{5}$"},
            "id": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"},
            "title": s,
            "publisher": s,
            "publisher_name": s,
            "date": {"type": "string", "format": "date"},
            "doc_no": s,
            "type": {"enum": list(RECORD_TYPES)},
            "type_label": s,
            "disclosure": {"enum": ["public", "on_request", "exempt"]},
            "disclosure_label": s,
            "channel": s,
            "exemption_article": {"enum": ["", *EXEMPT_ARTICLES]},
            "reason": s,
            "path": s,
        },
        "additionalProperties": False,
    }
    entry["required"] = list(entry["properties"])
    return {
        "$schema": _SCHEMA_DIALECT,
        "title": "政府信息公开目录（catalogue）",
        "type": "object",
        "properties": {
            "organization": s,
            "org_code": s,
            "as_of": {"type": "string", "format": "date"},
            "count": {"type": "integer", "minimum": 0},
            "records": {"type": "array", "items": entry},
        },
        "required": ["organization", "org_code", "as_of", "count", "records"],
        "additionalProperties": False,
    }


def json_schemas() -> list[tuple[str, bytes]]:
    out = [(f"data/schema/{name}.schema.json", _dumps(record_schema(t))) for name, t in RECORD_TYPES.items()]
    out.append(("data/schema/catalogue.schema.json", _dumps(catalogue_schema())))
    return out


# --- all of it -------------------------------------------------------------------------------------


def data_files(site: Site) -> list[tuple[str, bytes]]:
    """Every file under data/, as (site-relative path, bytes)."""
    files: list[tuple[str, bytes]] = []
    for rec in site.published:
        files.extend(record_data_files(site, rec))
    files.extend(site_data_files(site))
    return files


def record_data_files(site: Site, rec: Record) -> list[tuple[str, bytes]]:
    """The files under data/ of one published record (none when it is not exported)."""
    if not exported(rec):
        return []
    files = [(f"data/{rec.id}.json", _dumps(record_json(site, rec)))]
    table = record_csv(site, rec)
    if table is not None:
        files.append((f"data/{rec.id}.csv", table))
    if rec.type == "budget":
        pkg, body = fiscal_package(site, rec)
        files.append((f"data/{rec.id}/datapackage.json", _dumps(pkg)))
        files.append((f"data/{rec.id}/budget.csv", body))
    return files


def site_data_files(site: Site) -> list[tuple[str, bytes]]:
    """The catalogue and the JSON schemas."""
    return [*catalogue_files(site), *json_schemas()]
