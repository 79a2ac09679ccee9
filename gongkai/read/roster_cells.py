"""Roster files, the pieces every reader shares: limits, cells, sources,
merged cells while streaming, problems, and numeric cells as text."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.core.tree import RMap, RSeq

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
    shown: str = ""  # a number as its format shows it on screen, when that differs from ``text``


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
    # the record's declared goods (救灾物资) as (name, unit): columns named after them fill each row's items
    goods: tuple[tuple[str, str], ...] = ()

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


_SAVE_AS = "在 Excel 或 WPS 中打开，点“文件 → 另存为”，保存类型选“Excel 工作簿 (*.xlsx)”"


def _file_problem(relpath: str, code: str, message: str, hint: str = "") -> Problem:
    return Problem(Loc(relpath), code, message, hint=hint)


# --- numbers as shown ---------------------------------------------------------------------


def number_text(value: float | int, number_format: str = "General") -> str:
    """A numeric cell's stored value as a plain decimal string: what the
    spreadsheet holds, never what its number format rounds it to on screen.

    The double is first rounded to 15 significant digits (Excel's precision)
    via ``format(x, ".15g")`` — its shortest faithful decimal — before any
    Decimal arithmetic, so 5.2 → "5.2" and 0.1+0.2 → "0.3", never
    "5.20000000000000017763568394002504646778106689453125".  A fixed-decimal
    format (``0.00``, ``#,##0.00``, ``0%``) only pads with zeros to its places
    (193.2 in ``0.00`` → "193.20"); an area of 1.8375 shown as 1.84 stays
    "1.8375" (see :func:`shown_text` for what the screen shows).  Thousands
    separators, currency signs and exponents are not reproduced."""
    d = _stored(value)
    if d is None:  # pragma: no cover - inf/nan do not occur in xlsx
        return str(value)
    spec = _fixed_format(number_format)
    if spec is None:
        return _plain(d)
    min_places, _max_places, percent = spec
    if percent:
        with localcontext(prec=60):
            d *= 100
    text = _plain(d)
    whole, _, frac = text.partition(".")
    if len(frac) < min_places:
        frac += "0" * (min_places - len(frac))
    return (f"{whole}.{frac}" if frac else whole) + ("%" if percent else "")


def shown_text(value: float | int, number_format: str = "General") -> str:
    """A numeric cell as Excel shows it: fixed-decimal formats round half-up
    to their places (1.8375 in ``0.00`` → "1.84").  Used only to tell the
    clerk what the screen showed; the value read is :func:`number_text`."""
    d = _stored(value)
    if d is None:  # pragma: no cover
        return str(value)
    spec = _fixed_format(number_format)
    if spec is None:
        return _plain(d)
    min_places, max_places, percent = spec
    with localcontext(prec=60):
        if percent:
            d *= 100
        d = d.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    text = _plain(d)
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    frac += "0" * max(0, min_places - len(frac))
    return (f"{whole}.{frac}" if frac else whole) + ("%" if percent else "")


def _stored(value: float | int) -> Decimal | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    try:
        return Decimal(format(float(value), ".15g"))
    except (InvalidOperation, ValueError):  # pragma: no cover
        return None


def _plain(d: Decimal) -> str:
    """A Decimal as plain digits, no exponent, no trailing zeros, no "-0"."""
    text = format(d.to_integral_value() if d == d.to_integral_value() else d.normalize(), "f")
    return "0" if text == "-0" else text


def _fixed_format(fmt: str) -> tuple[int, int, bool] | None:
    """(min places, max places, percent) of a plain number format, else None."""
    if not fmt or fmt.lower() == "general":
        return None
    section = fmt.split(";")[0]
    section = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", section)
    if re.search(r"[A-Za-z@/?]", section):
        return None
    core = re.sub(r"[^0#,.%]", "", section)
    m = re.fullmatch(r"[#0,]*0[#0,]*(?:\.([0#]*))?(%?)", core) or re.fullmatch(r"[#,]*\.([0#]+)(%?)", core)
    if not m:
        return None
    places = m.group(1) or ""
    return places.count("0"), len(places), bool(m.group(2))


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


def _merged_across_rows(
    src: _Source,
    merge: _Merge,
    reported: set[_Merge],
    problems: _Problems,
    column: str,
    each: str,
    field: str,
    hint: str,
) -> None:
    """GK126 for a cell merged over several persons' rows, once per merge:
    ``column`` names it (“棉被”列的), ``each`` whom it cannot be split to."""
    if merge in reported:
        return
    reported.add(merge)
    message = f"{column} {merge.ref} 是跨多行的合并单元格，无法分到{each}"
    problems.add(Problem(src.loc(merge.r0, merge.r0, merge.c0), "GK126", message, field=field, hint=hint), capped=True)
