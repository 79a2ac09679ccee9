"""What a correction (更正, ``supersedes``) changed, field by field.  Pure.

``diff_records(old, new)`` walks the record type's schema, so every field
gets its Chinese label; rows of a table are matched by what identifies them
(a person by village, group and name; a budget line by its code; a project
by its name), not by position, so one corrected row is one change even when
rows were inserted above it.  Values are shown as the site shows them (ID
numbers are already masked by the schema).
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from decimal import Decimal
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.model import Record
from gongkai.core.schema.kinds import Bool, Enum, Kind, ListOf, Money, Struct
from gongkai.core.schema.types import RECORD_TYPES

__all__ = ["Change", "Correction", "corrections_of", "diff_records"]

NONE = "（无）"
REMOVED = "（删除）"
# Common keys that are not content: the link itself, workflow and disclosure class.
SKIP = frozenset({"id", "supersedes", "draft", "disclosure", "withheld"})


@dataclass(frozen=True)
class Change:
    field: str  # Chinese label path, e.g. "发放名单 · 河口村一组 杨晓燕 · 数量"
    old: str
    new: str


@dataclass(frozen=True)
class Correction:
    """``new`` corrects ``old``; ``changes`` is what differs."""

    old: Record
    new: Record
    changes: tuple[Change, ...]


def corrections_of(record: Record, corrects: Record | None, corrected_by: tuple[Record, ...]) -> tuple[Correction, ...]:
    """The corrections a record page shows: ``corrects`` (the record it
    corrects), and ``corrected_by`` (the records that correct it) — only
    between public records."""
    out: list[Correction] = []
    old = corrects
    if old is not None and old.is_public and record.is_public:
        out.append(Correction(old, record, diff_records(old, record)))
    for newer in corrected_by:
        if record.is_public and newer.is_public:
            out.append(Correction(record, newer, diff_records(record, newer)))
    return tuple(out)


def diff_records(old: Record, new: Record) -> tuple[Change, ...]:
    out: list[Change] = []
    for key, f in RECORD_TYPES[new.type].all_fields.items():
        if key in SKIP:
            continue
        a, b = _value(old, key), _value(new, key)
        if key == "recipients" and ("villages" in old.data or "villages" in new.data):
            continue  # one roster's names are off the site (plan/names.py): its rows are not compared
        if key == "body":
            out.extend(_text_changes(f.label or "正文", a or "", b or ""))
        else:
            _diff(f.kind, f.label or key, a, b, out)
    return tuple(out)


def _value(rec: Record, key: str) -> Any:
    if key in rec.data:
        return rec.data[key]
    v = getattr(rec, key, None) if key in rec.__dataclass_fields__ else None
    return None if v in ("", (), None) else v


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == () or v == {}


def _diff(kind: Kind, label: str, a: Any, b: Any, out: list[Change]) -> None:
    if a == b or (_empty(a) and _empty(b)):
        return
    if isinstance(kind, ListOf) and isinstance(kind.item, Struct) and not _is_attachment(kind.item):
        _rows(kind.item, label, a or (), b or (), out)
    elif isinstance(kind, Struct) and not _is_attachment(kind):
        a, b = a or {}, b or {}
        for k, f in kind.fields.items():
            _diff(f.kind, f"{label} · {f.label or k}", a.get(k), b.get(k), out)
    else:
        old, new = _fmt(kind, a), _fmt(kind, b)
        if old != new:
            out.append(Change(label, old, new))


def _is_attachment(kind: Kind) -> bool:
    return type(kind).__name__ == "Attachment"


def _row_key(item: Struct, row: dict[str, Any]) -> tuple[Any, ...]:
    fields = item.fields
    if "code" in fields and row.get("code"):
        return ("code", row["code"])
    if "village" in fields and "name" in fields:
        return ("person", row.get("village"), row.get("group"), row.get("name"))
    if "name" in fields:
        return ("name", row.get("name"))
    return ("row", id(row))


def _row_label(row: dict[str, Any]) -> str:
    if row.get("code") and row.get("name"):
        return f"{row['code']} {row['name']}"
    if row.get("village") and row.get("name"):
        return f"{row['village']}{row.get('group', '')} {row['name']}"
    return str(row.get("name") or row.get("code") or "")


def _row_text(item: Struct, row: dict[str, Any]) -> str:
    parts = []
    for k, f in item.fields.items():
        if not _empty(row.get(k)) and not isinstance(f.kind, ListOf):
            parts.append(f"{f.label or k}：{_fmt(f.kind, row[k])}")
    return "；".join(parts)


def _rows(item: Struct, label: str, a: tuple[Any, ...], b: tuple[Any, ...], out: list[Change]) -> None:
    keys_a = [_row_key(item, r) for r in a]
    keys_b = [_row_key(item, r) for r in b]
    if len(set(keys_a)) < len(keys_a) or len(set(keys_b)) < len(keys_b) or any(k[0] == "row" for k in keys_a):
        keys_a = [("index", i) for i in range(len(a))]  # no identity: match by position
        keys_b = [("index", i) for i in range(len(b))]
    old = dict(zip(keys_a, a, strict=True))
    new = dict(zip(keys_b, b, strict=True))
    for i, k in enumerate(keys_a):
        row = a[i]
        name = _row_label(row) or f"第 {i + 1} 行"
        if k not in new:
            out.append(Change(f"{label} · {name}", _row_text(item, row), REMOVED))
        else:
            _diff(item, f"{label} · {name}", row, new[k], out)
    for i, k in enumerate(keys_b):
        if k not in old:
            row = b[i]
            name = _row_label(row) or f"第 {i + 1} 行"
            out.append(Change(f"{label} · {name}", NONE, _row_text(item, row)))


def _fmt(kind: Kind, v: Any) -> str:
    if _empty(v):
        return NONE
    if isinstance(v, bool) or isinstance(kind, Bool):
        return "是" if v else "否"
    if isinstance(kind, Money) and isinstance(v, Decimal):
        return f"{v:,.2f}" if kind.places == 2 else format(v, "f")  # money, or a quantity (Dec)
    if isinstance(v, date):
        return f"{v.year}年{v.month}月{v.day}日"
    if isinstance(kind, Enum):
        return str(kind.choices.get(v, v))
    if isinstance(v, dict):  # an attachment
        return str(v.get("title") or v.get("file") or "")
    if isinstance(v, tuple):
        item = kind.item if isinstance(kind, ListOf) else kind
        return "、".join(_fmt(item, x) for x in v)
    return str(v).strip()


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _text_changes(label: str, a: str, b: str) -> list[Change]:
    """Paragraphs of a long text that were changed, removed or added."""
    if a.strip() == b.strip():
        return []
    pa, pb = _paragraphs(a), _paragraphs(b)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=pa, b=pb, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        out.append(Change(label, "\n\n".join(pa[i1:i2]) or NONE, "\n\n".join(pb[j1:j2]) or REMOVED))
    return out
