"""Roster files: reading CSV and tab-separated text exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from gongkai.core.errors import Problem
from gongkai.read.raw import decode
from gongkai.read.roster_cells import (
    _EMPTY,
    HEADER_SEARCH_ROWS,
    MAX_COLS,
    MAX_ROWS,
    RosterFile,
    _Cell,
    _clean,
    _Source,
    _TooManyRows,
    _Unreadable,
)
from gongkai.read.roster_headers import _known_names
from gongkai.read.roster_rows import _read_table

# --- .csv ------------------------------------------------------------------------------------


def _read_csv(
    data: bytes, relpath: str, goods: tuple[tuple[str, str], ...] = ()
) -> tuple[RosterFile | None, list[Problem]]:
    decoded = decode(data, relpath)
    if decoded.encoding == "unknown":
        return None, list(decoded.problems)
    text = decoded.text
    delimiter = _pick_delimiter(text, goods)
    src = _Source(relpath, "", _csv_rows(text, delimiter, relpath), goods=goods)
    roster, more = _read_table(src)
    return roster, list(decoded.problems) + more


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    reader = csv.reader(io.StringIO(text), dialect="excel", delimiter=delimiter)
    prev_line = 0
    for n, rec in enumerate(reader, start=1):
        yield n, prev_line + 1, rec
        prev_line = reader.line_num


def _csv_rows(text: str, delimiter: str, relpath: str) -> Iterator[tuple[int, int, list[_Cell]]]:
    records = _csv_records(text, delimiter)
    line = 0
    try:
        for n, line, rec in records:
            if n > MAX_ROWS:
                raise _TooManyRows
            cells = []
            for value in rec[:MAX_COLS]:
                t = _clean(value)
                cells.append(_Cell(t, "s") if t else _EMPTY)
            yield n, line, cells
    except csv.Error as exc:
        raise _Unreadable(f"CSV 格式错误（第 {line + 1} 行附近，如引号没有配对或某一格过长）") from exc


def _pick_delimiter(text: str, goods: tuple[tuple[str, str], ...] = ()) -> str:
    """Comma, unless the header row is found tab-separated (Excel's "文本文件
    (制表符分隔)" saved as .csv)."""
    best = ","
    best_score = (0, 0)
    for delimiter in (",", "\t"):
        try:
            rows = []
            for _n, _line, rec in _csv_records(text, delimiter):
                rows.append([_Cell(_clean(v), "s") for v in rec[:MAX_COLS]])
                if len(rows) >= HEADER_SEARCH_ROWS:
                    break
        except csv.Error:
            continue
        for i, cells in enumerate(rows):
            known = _known_names(cells, goods)
            if known >= 2:
                score = (known, -i)
                if score > best_score:
                    best, best_score = delimiter, score
                break
    return best
