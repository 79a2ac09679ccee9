"""Roster files → the ``recipients:`` and ``totals:`` YAML a clerk could write inline."""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from gongkai.core.tree import RMap, RScalar, RSeq
from gongkai.read.roster_cells import RosterFile

# --- YAML ----------------------------------------------------------------------------------------------

_PLAIN_OK = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n]*$")


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar that the raw loader reads back unchanged:
    plain when that is safe, otherwise double-quoted."""
    if (
        _PLAIN_OK.match(text)
        and text == text.strip()
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and all(_printable(ch) and ch != "\t" for ch in text)
    ):
        return text
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif not _printable(ch):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _printable(ch: str) -> bool:
    o = ord(ch)
    if o < 0x20 or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF or o in (0xFFFE, 0xFFFF, 0x2028, 0x2029):
        return False
    return o not in (0xFEFF,)


def roster_to_yaml(roster: RosterFile) -> str:
    """The roster as the ``recipients:`` rows a clerk could write inline, plus a
    ``totals:`` block: the file's 合计 row when it has one (户数 counted from
    the rows when the 合计 row does not state it), otherwise sums of the rows
    for the clerk to check.  Parsing the result with the YAML loader gives the
    same texts under the same keys."""
    path = roster.rows.loc.path
    where = f"{path} 的工作表“{roster.sheet}”" if roster.sheet else path
    lines = [f"# 由名单文件 {where}转换，共 {len(roster.rows.items)} 人"]
    if not roster.rows.items:
        lines.append("recipients: []")
    else:
        lines.append("recipients:")
    for item in roster.rows.items:
        assert isinstance(item, RMap)
        first = True
        for key, node in item.entries.items():
            prefix = "  - " if first else "    "
            if isinstance(node, RSeq):  # items of 救灾物资: [{name: 棉被, quantity: 3}, …]
                lines.append(f"{prefix}{key}: [{_flow_items(node)}]")
                first = False
                continue
            assert isinstance(node, RScalar)
            lines.append(f"{prefix}{key}: {_yaml_scalar(node.text)}")
            first = False
        if first:
            lines.append("  - {}")
    totals: dict[str, str] = {}
    if roster.total is not None:
        lines.append(
            "# 以下合计取自名单文件的“合计”行" + ("" if "households" in roster.total.entries else "，户数按行数计")
        )
        for key in ("households", "quantity", "amount"):
            stated = roster.total.entries.get(key)
            if isinstance(stated, RScalar):
                totals[key] = stated.text
        totals.setdefault("households", str(len(roster.rows.items)))
    else:
        lines.append("# 名单文件没有“合计”行，以下合计是按各行计算的，请与原表核对")
        totals["households"] = str(len(roster.rows.items))
        for key in ("quantity", "amount"):
            s = _sum(roster.rows.items, key)
            if s is not None:
                totals[key] = s
    lines.append("totals:")
    for key in ("households", "quantity", "amount"):
        if key in totals:
            lines.append(f"  {key}: {_yaml_scalar(totals[key])}")
    return "\n".join(lines) + "\n"


def _flow_scalar(text: str) -> str:
    """A scalar inside ``[{…}]``: plain only without flow indicators."""
    if any(ch in text for ch in ",[]{}"):
        return json.dumps(text, ensure_ascii=False)
    return _yaml_scalar(text)


def _flow_items(seq: RSeq) -> str:
    parts = []
    for it in seq.items:
        assert isinstance(it, RMap)
        fields = [f"{k}: {_flow_scalar(v.text)}" for k, v in it.entries.items() if isinstance(v, RScalar)]
        parts.append("{" + ", ".join(fields) + "}")
    return ", ".join(parts)


def _sum(items: tuple[object, ...], key: str) -> str | None:
    total = Decimal(0)
    seen = False
    for item in items:
        node = item.entries.get(key) if isinstance(item, RMap) else None
        if not isinstance(node, RScalar):
            continue
        t = unicodedata.normalize("NFKC", node.text).replace(",", "").removesuffix("元").strip()
        try:
            total += Decimal(t)
        except InvalidOperation:
            return None
        seen = True
    return format(total, "f") if seen else None
