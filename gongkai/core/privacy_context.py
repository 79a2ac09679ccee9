"""Context that says a number is not a person's, outside HTML tables.

A 受理编号 (区划 + date + 4 digits) or a 19-digit 地块编码 has the shape and
the checksum of an ID or a card about one time in ten: only what the
reader sees around it tells them apart.  privacy.py reads a label written
right before a number (``受理编号：…``, ``"地块编码": "…"``, ``受理编号为…``);
check/scan.py reads an HTML table's column header.  This module gives the
same reading to the other places a clerk writes a table:

* delimited text -- CSV, TSV, a Markdown pipe table, a table's cells in a
  search index (tab-separated, also inside JSON strings): a header row whose cell names a non-personal number
  labels the cells below it (:func:`label_delimited`);
* a field of a YAML record or roster row whose name is such a label
  (:func:`field_label`).

A header that also names personal data (身份证号, 银行卡号, 联系电话) labels
nothing, and a row is labelled only when it splits into exactly the
header's columns, so a mis-split row is read bare (a false alarm at worst,
never a miss).  No line is added or removed: line numbers stay right.
"""

from __future__ import annotations

import csv
import re

from gongkai.core.privacy import NOT_PERSONAL_LABEL

__all__ = ["FIRST_CHARS", "LABEL", "PERSONAL_HEADER", "field_label", "label_delimited"]

# The first characters of the labels: the regex engine then skips the rest
# of a page at C speed (4x faster than the bare alternation on real pages).
FIRST_CHARS = "不专业交企公办单受合地基宗对承机注流申订财集"
LABEL = re.compile(f"(?=[{FIRST_CHARS}]){NOT_PERSONAL_LABEL}")

# Words of a header or field name that say its values may be personal.
PERSONAL_HEADER = re.compile("身份|证件|证号|银行卡|卡号|手机|电话|联系|个人")

# A tab also as JSON writes it (a search index, data/*.json): "\\t".
_DELIMITERS = ("\t", "\\t", "|", ",")

# Lines end at a line break, also as JSON writes one inside a string ("\\n").
_LINE_END = re.compile(r"(\n|\\n)")


def field_label(name: str) -> str | None:
    """The non-personal label a field's name carries (``承包方编码``,
    ``rows[3].地块编码``), or None."""
    last = name.rpartition(".")[2]
    found = LABEL.search(last)
    if found is None or PERSONAL_HEADER.search(last):
        return None
    return found.group(0)


def _cells(line: str, delimiter: str) -> list[str] | None:
    if delimiter not in line:
        return None
    if delimiter in ("|", "\\t") or '"' not in line:
        return line.split(delimiter)
    try:
        rows = list(csv.reader([line], delimiter=delimiter))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def _header(line: str) -> tuple[str, int, dict[int, str]] | None:
    for delimiter in _DELIMITERS:
        cells = _cells(line, delimiter)
        if cells is None or len(cells) < 2:
            continue
        labels = {}
        for k, cell in enumerate(cells):
            found = LABEL.search(cell)
            if found is not None and not PERSONAL_HEADER.search(cell) and len(cell.strip()) <= 40:
                labels[k] = found.group(0)
        if labels:
            return delimiter, len(cells), labels
    return None


def label_delimited(text: str) -> str:
    """``text`` with each cell of a delimited table's labelled column
    prefixed by its label (``受理编号：``), as check/scan.label_columns does
    for HTML.  The table ends at a line that has not its header's columns."""
    if LABEL.search(text) is None:
        return text
    lines = _LINE_END.split(text)  # lines at even indexes, their ends between
    table: tuple[str, int, dict[int, str]] | None = None
    changed = False
    for i in range(0, len(lines), 2):
        line = lines[i]
        if table is not None:
            delimiter, width, labels = table
            cells = _cells(line, delimiter)
            if cells is not None and len(cells) == width:
                if not LABEL.search(line):  # a row, not a second header
                    for k, label in labels.items():
                        cells[k] = f"{label}：{cells[k]}"
                    lines[i] = delimiter.join(cells)
                    changed = True
                    continue
            table = None
        if LABEL.search(line):
            table = _header(line)
    return "".join(lines) if changed else text
