"""What the roster reader is made of: its limits, the roster it returns, a
source of cells (a sheet or a CSV file) with its merged ranges, and how its
problems are collected."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from gongkai.core.errors import CODES, Loc, Problem
from gongkai.core.tree import RMap, RSeq

# Roster-file codes; titles live with every other code in errors.CODES.
ROSTER_CODES: dict[str, str] = {k: v for k, v in CODES.items() if k.startswith("GK12")}


FIELDS = ("village", "group", "name", "id_number", "quantity", "rate", "amount", "note")


MAX_FILE_BYTES = 20 * 1024 * 1024


MAX_ROWS = 100_000


MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # all parts of an .xlsx, as declared in the zip


# sharedStrings.xml, as declared in the zip: 100,000 rows of names and notes
# take a few MB; openpyxl holds every string in memory at once
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024


MAX_MERGES = 100_000


MAX_COLS = 200  # columns looked at; a roster has about ten


HEADER_SEARCH_ROWS = 50


MAX_SAME_PROBLEMS = 20  # per code, then one summary problem


# --- row labels ------------------------------------------------------------------

_TRAILER_WORDS = tuple(
    "制表 填表 填报 审核 审批 复核 核对 经办 负责人 主管 会计 出纳 领导 签字 签名 盖章 日期 注 说明 备注 监督 举报 公示 联系人".split()
)


_TRAILER_RE = re.compile("^(?:" + "|".join(_TRAILER_WORDS) + ")")


_TOTAL_RE = re.compile(r"合计|总计|共计")


_SUBTOTAL_RE = re.compile(r"小计|^本页")


_HOUSEHOLDS_RE = re.compile(r"(\d+)(?:户|人)")


_SCI_RE = re.compile(r"^[+-]?\d+(?:\.\d*)?[eE][+-]?\d+$")


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


# --- the public result ---------------------------------------------------------------


@dataclass(frozen=True)
class RosterFile:
    """A roster read from a spreadsheet.

    ``rows``: one RMap per person, keys among :data:`FIELDS`, empty cells left
    out.  ``total``: the 合计/总计 row (keys among quantity, amount, households)
    or None.  ``header_row``: 1-based row of the (first) header row.  ``sheet``:
    the worksheet read; "" for CSV."""

    rows: RSeq
    total: RMap | None
    header_row: int
    sheet: str


# --- cells and sources -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cell:
    text: str = ""
    kind: str = ""  # "": empty, "s": text, "n": number, "d": date/time, "b": TRUE/FALSE, "e": error
    number: float | int | None = None
    computed: bool = False  # empty, but the cached result of a formula (an empty string)


_EMPTY = _Cell()


_COMPUTED_EMPTY = _Cell(computed=True)


@dataclass(frozen=True, slots=True)
class _Merge:
    r0: int
    c0: int
    r1: int
    c1: int

    @property
    def ref(self) -> str:
        return f"{_col_letter(self.c0)}{self.r0}:{_col_letter(self.c1)}{self.r1}"


class _Unreadable(Exception):
    """openpyxl or csv failed on the file; the message is for the clerk."""


class _TooManyRows(Exception):
    pass


class _TooManyMerges(Exception):
    pass


@dataclass
class _Source:
    """Rows of one sheet: ``rows`` yields (row number, file line, cells)."""

    relpath: str
    sheet: str  # "" for CSV
    rows: Iterator[tuple[int, int, list[_Cell]]]
    merges: list[_Merge] = field(default_factory=list)
    # xlsx only: which of the given (row, col) cells hold a formula
    formula_probe: Callable[[set[tuple[int, int]]], set[tuple[int, int]]] | None = None

    def loc(self, row: int, line: int, col: int) -> Loc:
        a1 = f"{_col_letter(col)}{row}"
        return Loc(self.relpath, line, col, f"{self.sheet}!{a1}" if self.sheet else a1)


@functools.lru_cache(maxsize=1024)
def _col_letter(col: int) -> str:
    s = ""
    while col > 0:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def _clean(text: str) -> str:
    t = text.strip()
    if t and (t[0] in "\u200b\ufeff" or t[-1] in "\u200b\ufeff"):
        t = t.strip("\u200b\ufeff").strip()
    return t


# --- problems ------------------------------------------------------------------------


class _Problems:
    """Collects problems; repeats of one cell-level code are summarised after
    MAX_SAME_PROBLEMS so a wrongly formatted column gives a readable list."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self._count: dict[str, int] = {}
        self._first_extra: dict[str, Problem] = {}

    def add(self, p: Problem, capped: bool = False) -> None:
        if not capped:
            self.items.append(p)
            return
        n = self._count.get(p.code, 0) + 1
        self._count[p.code] = n
        if n <= MAX_SAME_PROBLEMS:
            self.items.append(p)
        elif n == MAX_SAME_PROBLEMS + 1:
            self._first_extra[p.code] = p

    def done(self) -> list[Problem]:
        for code, p in self._first_extra.items():
            extra = self._count[code] - MAX_SAME_PROBLEMS
            self.items.append(
                Problem(
                    p.loc, code, f"另有 {extra} 处同样的问题（从这里起未逐一列出）：{p.message}", p.field, "", p.hint
                )
            )
        return self.items


def _file_problem(relpath: str, code: str, message: str, hint: str = "") -> Problem:
    return Problem(Loc(relpath), code, message, hint=hint)


# --- merged cells while streaming ---------------------------------------------------------------


class _MergeTracker:
    """Applies merged ranges to rows as they stream past, in row order."""

    def __init__(self, merges: list[_Merge]) -> None:
        self._starting: dict[int, list[_Merge]] = {}
        for m in merges:
            self._starting.setdefault(m.r0, []).append(m)
        self._active: list[_Merge] = []
        self._value: dict[_Merge, _Cell] = {}

    def apply(self, r: int, raw: list[_Cell]) -> tuple[list[_Cell], list[_Cell], dict[int, _Merge]]:
        """→ (filled in every direction, filled down its own column only,
        {col: merge} for the cells covered by a merge but not its top-left)."""
        for m in self._starting.pop(r, ()):
            self._value[m] = raw[m.c0 - 1] if m.c0 <= len(raw) else _EMPTY
            self._active.append(m)
        if self._active:
            ended = [m for m in self._active if m.r1 < r]
            for m in ended:
                self._active.remove(m)
                del self._value[m]
        if not self._active:
            return raw, raw, {}
        width = max(len(raw), max(min(m.c1, MAX_COLS) for m in self._active))
        full = raw + [_EMPTY] * (width - len(raw))
        down = list(full)
        covered: dict[int, _Merge] = {}
        for m in self._active:
            tl = self._value[m]
            for c in range(m.c0, min(m.c1, MAX_COLS) + 1):
                if r == m.r0 and c == m.c0:
                    continue
                full[c - 1] = tl
                covered[c] = m
                if c == m.c0:
                    down[c - 1] = tl
                else:
                    down[c - 1] = _EMPTY
        return full, down, covered


@dataclass
class _Row:
    n: int
    line: int
    raw: list[_Cell]
    full: list[_Cell]
    down: list[_Cell]
    covered: dict[int, _Merge]


def _at(cells: list[_Cell], col: int) -> _Cell:
    return cells[col - 1] if 0 < col <= len(cells) else _EMPTY
