"""An .xlsx sheet as the clerk sees it: rows of cells, for the leak scanner.

The scanner reads every part of a workbook as text (check/scan.py), which
finds every number wherever it hides, but loses the table: a 地块编码 in
column F is read without the header above it, and one time in ten it has
a card's or an ID's checksum.  This module lays each worksheet out as
tab-separated rows (cells by their ``r="F7"`` reference, shared strings
resolved) so that core/privacy_context.label_delimited can read each cell
under its column's header, as it does for CSV.  It only ever *excuses* a
number (one found bare but not under its header); it never hides one.

Plain regular expressions over the XML, no parser: the part sizes are
already capped by the zip limits of check/scan.py.
"""

from __future__ import annotations

import html
import re

__all__ = ["is_sheet", "shared_strings", "sheet_rows"]

_SI = re.compile(r"<(?:\w+:)?si\b[^>]*>(.*?)</(?:\w+:)?si\s*>", re.S)
_T = re.compile(r"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t\s*>", re.S)
_ROW = re.compile(r"<(?:\w+:)?row\b[^>]*>(.*?)</(?:\w+:)?row\s*>", re.S)
_CELL = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c\s*>)", re.S)
_REF = re.compile(r'\br="([A-Z]{1,3})\d+"')
_TYPE = re.compile(r'\bt="(\w+)"')
_V = re.compile(r"<(?:\w+:)?v\b[^>]*>(.*?)</(?:\w+:)?v\s*>", re.S)
_SPACE = re.compile(r"[\t\r\n]+")

# A sheet wider than this is not a table a header could label.
MAX_COLUMNS = 256


def is_sheet(name: str) -> bool:
    low = name.lower()
    return low.startswith("xl/worksheets/") and low.endswith(".xml")


def _text(fragment: str) -> str:
    return html.unescape("".join(_T.findall(fragment)))


def shared_strings(xml: str) -> list[str]:
    return [_text(si) for si in _SI.findall(xml)]


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def sheet_rows(xml: str, shared: list[str]) -> str:
    """The sheet's rows, one line each, cells apart by tabs in their columns
    (an empty cell is an empty field)."""
    rows: list[dict[int, str]] = []
    for row in _ROW.finditer(xml):
        cells: dict[int, str] = {}
        nxt = 0
        for cell in _CELL.finditer(row.group(1)):
            attrs, body = cell.group(1), cell.group(2) or ""
            ref = _REF.search(attrs)
            col = _column(ref.group(1)) if ref else nxt
            nxt = col + 1
            if col >= MAX_COLUMNS:
                continue
            kind = _TYPE.search(attrs)
            v = _V.search(body)
            if kind and kind.group(1) == "s":
                try:
                    value = shared[int(v.group(1))] if v else ""
                except (ValueError, IndexError):
                    value = ""
            elif kind and kind.group(1) == "inlineStr":
                value = _text(body)
            else:
                value = html.unescape(v.group(1)) if v else ""
            cells[col] = _SPACE.sub(" ", value)
        rows.append(cells)
    width = max((max(cells, default=-1) + 1 for cells in rows), default=0)  # one width: a table's rows align
    return "\n".join("\t".join(cells.get(k, "") for k in range(width)) for cells in rows)
