"""JSON Schemas of the data downloads (data/schema/*.schema.json), made
from the record types, so the data and its description cannot drift."""

from __future__ import annotations

from typing import Any

from gongkai.core.schema.kinds import Bool, Date, Enum, Field, IdNumber, Int, Kind, ListOf, Money, Slug, Struct, Text
from gongkai.core.schema.types import COMMON, EXEMPT_ARTICLES, RECORD_TYPES, VALIDITY, RecordType
from gongkai.plan.export import _NOT_EXPORTED, CURRENCY, _dumps

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
        if kind.max_items:
            s["maxItems"] = kind.max_items
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
        # "" for a 村（居）委会's or 人大主席团's record: not the agency's information (check/numbering.py)
        "index_no": {"title": "索引号", "type": "string", "pattern": r"^([0-9A-Z]{18}/[0-9]{4}-[0-9]{5})?$"},
        "type": {"const": rtype.name},
        "type_label": {"type": "string"},
        "path": path,
        "url": {"type": "string", "format": "uri"},
        "disclosure": {"const": "proactive"},
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
    if rtype.name in ("budget", "subsidy", "fund", "yishiyiyi", "procurement", "asset", "landtransfer"):
        props["currency"] = {"const": CURRENCY}
    if rtype.name == "subsidy":
        props["award_date"] = _kind_schema(Date("发放日期（Award Date）"))
        props["funding_organisation"] = {
            "type": "object",
            "properties": {"identifier": {"type": "string"}, "name": {"type": "string"}},
            "required": ["identifier", "name"],
            "additionalProperties": False,
        }
        # after the 公示期 the rows leave the site (plan/names.py): totals and counts per village stay
        props["recipients"] = {k: v for k, v in props["recipients"].items() if k != "minItems"}
        props["names_until"] = {"title": "名单在网站上显示至", "type": "string", "format": "date"}
        props["villages"] = {
            "title": "分村户数和金额（名单撤下后）",
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "village": {"type": "string"},
                    "households": {"type": "integer"},
                    "amount": {"type": "string"},
                },
            },
        }
        row = props["recipients"]["items"]
        row["properties"]["identifier"] = {"title": "标识符（Identifier）", "type": "string"}
        row["required"] = [*row.get("required", []), "identifier"]
    if rtype.name == "homestead":  # after the 公示期 the rows leave the site (plan/names.py): totals stay
        props["recipients"] = {k: v for k, v in props["recipients"].items() if k != "minItems"}
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
    properties: dict[str, Any] = {
        # article-14 entries (listed only when the site opts in) carry title and ground alone
        "index_no": {"type": "string", "pattern": r"^([0-9A-Z]{18}/[0-9]{4}-[0-9]{5})?$"},
        "id": {"type": "string", "pattern": r"^([a-z0-9]+(-[a-z0-9]+)*)?$"},
        "title": s,
        "publisher": s,
        "publisher_name": s,
        "date": {"anyOf": [{"type": "string", "format": "date"}, {"const": ""}]},
        "doc_no": s,
        "type": {"enum": ["", *RECORD_TYPES]},
        "type_label": s,
        "disclosure": {"enum": ["proactive", "on_request", "withheld"]},
        "disclosure_label": s,
        "channel": s,
        "exemption_article": {"enum": ["", *EXEMPT_ARTICLES]},
        "reason": s,
        "path": s,
        "validity": {"enum": ["", *VALIDITY]},  # a 规范性文件's 有效性; "" for other types
        "validity_label": s,
    }
    entry = {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}
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
