"""The paper and the measuring of a notice sheet: sizes, the metrics of the
print stylesheet per paper, how wide a text is in em, column widths fitted
to the page, and rows split into pages (sheets.py makes the sheets)."""

from __future__ import annotations

import math
import re
import unicodedata

from gongkai.core.dataclass import dataclass
from gongkai.core.model import Record

PAPER_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}


PT_MM = 25.4 / 72  # one typographic point in millimetres


@dataclass(frozen=True)
class Paper:
    """A paper size and orientation: ``Paper("A3", landscape=True)``."""

    size: str = "A4"
    landscape: bool = False

    def __post_init__(self) -> None:
        if self.size not in PAPER_MM:
            raise ValueError(f"纸张只能是 {'、'.join(PAPER_MM)}，不能是 {self.size}")

    @property
    def width_mm(self) -> float:
        w, h = PAPER_MM[self.size]
        return h if self.landscape else w

    @property
    def height_mm(self) -> float:
        w, h = PAPER_MM[self.size]
        return w if self.landscape else h

    @property
    def css(self) -> str:
        return f"{self.size} {'landscape' if self.landscape else 'portrait'}"

    @property
    def label(self) -> str:
        return f"{self.size} {'横向' if self.landscape else '纵向'}"

    @property
    def key(self) -> str:
        return f"{self.size.lower()}-{'landscape' if self.landscape else 'portrait'}"


@dataclass(frozen=True)
class Metrics:
    """Typography of one paper size, in points (type) and millimetres.

    Big enough to read at arm's length on a board: body text 15pt (小三号)
    on A4, table text 13pt; A3 sheets are meant to be read from further
    away and get larger type."""

    margin: float  # mm, every side
    body_pt: float
    body_lh: float  # mm
    table_pt: float
    table_lh: float  # mm
    title_pt: float
    title_lh: float  # mm
    small_pt: float
    cell_pad_v: float = 1.0  # mm
    cell_pad_h: float = 1.2  # mm
    foot_h: float = 8.0  # mm: the "第 x 页 共 y 页" line of a paginated sheet
    running_h: float = 9.0  # mm: the running head of pages after the first

    @property
    def body_mm(self) -> float:
        return self.body_pt * PT_MM

    @property
    def table_mm(self) -> float:
        return self.table_pt * PT_MM

    @property
    def title_mm(self) -> float:
        return self.title_pt * PT_MM


METRICS: dict[str, Metrics] = {
    "A4": Metrics(
        margin=12, body_pt=15, body_lh=8.0, table_pt=13, table_lh=6.0, title_pt=22, title_lh=10.5, small_pt=10.5
    ),
    "A3": Metrics(
        margin=14, body_pt=18, body_lh=9.6, table_pt=16, table_lh=7.2, title_pt=28, title_lh=13.0, small_pt=12
    ),
}


SAFETY_MM = 4.0  # left free on every page of a paginated sheet, against estimate errors


ROW_BORDER_MM = 0.5  # border and rounding per table cell, in its width


ROW_RULE_MM = 0.3  # the rule under a table row (print.css: 0.3mm), in its height


WRAP_SLACK = 1.04  # line breaking never fills a line completely


SIGN_H = 46.0  # mm: the QR code / seal block


MAX_NOTE_LINES = 3  # a longer 备注 becomes a numbered note below the table on the same page


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    num: bool = False  # right-aligned figures
    wrap: bool = True  # may break over lines
    width: float = 0.0  # share of the table width, in per cent
    label_lines: tuple[str, ...] = ()  # the header as printed, line by line


@dataclass(frozen=True)
class SheetRow:
    seq: int
    cells: tuple[str, ...]
    lines: int  # printed lines of the tallest cell
    footnote: str = ""  # a note too long for its cell, printed below the table: "注1：……"


@dataclass(frozen=True)
class TotalCell:
    text: str
    span: int = 1
    num: bool = False


@dataclass(frozen=True)
class SheetPage:
    number: int
    rows: tuple[SheetRow, ...] = ()
    first: bool = True
    last: bool = True
    # the rows' <tr> lines, escaped once in Python (plan/roster_markup.py): the
    # default theme prints these; a theme's own print/_roster.html may loop over rows
    rows_html: str = ""


@dataclass(frozen=True)
class Sheet:
    record: Record
    paper: Paper
    metrics: Metrics
    pages: tuple[SheetPage, ...]
    columns: tuple[Column, ...] = ()  # roster columns; empty for a flowing sheet
    totals: tuple[TotalCell, ...] = ()
    header_lines: int = 1
    qr_link: str = ""  # the record's address as printed under the QR code
    facts: tuple[str, ...] = ()  # lines above a roster

    @property
    def paginated(self) -> bool:
        return bool(self.columns)

    @property
    def page_count(self) -> int:
        return len(self.pages)


@dataclass(frozen=True)
class SheetRequest:
    """What ``gongkai print`` asks of a build: these records on this paper,
    and PDFs of them when ``pdf``."""

    ids: tuple[str, ...]
    paper: Paper | None = None  # None: each record's default (A4 portrait; funds A4 landscape)
    pdf: bool = False


def default_paper(record: Record) -> Paper:
    """A4 portrait, except funds (a project table of nine columns) and 宅基地 batches (ten)."""
    return Paper("A4", landscape=record.type in ("fund", "homestead"))


# --- text measuring ------------------------------------------------------------------------


_NARROW = {".": 0.3, ",": 0.3, ":": 0.3, ";": 0.3, "-": 0.36, "*": 0.5, "/": 0.4, "(": 0.35, ")": 0.35}


def text_em(text: str) -> float:
    """Printed width of ``text`` in em: a Chinese character is one em;
    digits and Latin letters are counted as in the widest of the usual
    Chinese system fonts (Noto Sans CJK, Microsoft YaHei), a little over."""
    width = 0.0
    for ch in text:
        if ch == "\n":
            continue
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 1.0
        elif ch.isspace():
            width += 0.25
        elif ch in _NARROW:
            width += _NARROW[ch]
        elif ch.isdigit():
            width += 0.56
        elif ch.isupper():
            width += 0.68
        else:
            width += 0.62
    return width


def needed_em(text: str) -> float:
    """Room ``text`` needs on one line, with a little slack for rounding and
    for line breaking, which never fills a line completely."""
    return text_em(text) * WRAP_SLACK + 0.25


def lines_for(text: str, width_em: float) -> int:
    """How many lines ``text`` needs in a box ``width_em`` wide."""
    width_em = max(width_em, 0.5)
    return sum(max(1, math.ceil(needed_em(part) / width_em)) for part in text.split("\n"))


_MD_MARKS = re.compile(r"^\s{0,3}(#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s?)|[*_`]|\[|\]\([^)]*\)")


def _prose_height(text: str, width_em: float, lh: float) -> float:
    """Estimated height (mm) of Markdown ``text`` set in a column ``width_em`` wide."""
    h = 0.0
    for block in re.split(r"\n\s*\n", text.strip()):
        if not block.strip():
            continue
        for line in block.splitlines():
            plain = _MD_MARKS.sub("", line)
            if line.lstrip().startswith("|"):
                h += lh * 1.4  # a Markdown table row
            else:
                h += lines_for(plain, width_em) * lh
        h += lh * 0.6  # paragraph spacing
    return h


def _fit_widths(cols: list[tuple[Column, list[str]]], avail: float, pad: float) -> list[float]:
    """Column widths in em that fill ``avail`` with the fewest printed lines.

    Columns that may not wrap (ID numbers, figures) get their widest cell;
    the others start at the width of their header broken in two (数量 /
    （亩）) and are widened, step by step, wherever a step saves the most
    lines per em — so one long note does not squeeze every name onto two
    lines.  Room left over first puts the headers on one line, then is
    shared by the wrapping columns."""
    needs = [[needed_em(c) for c in cells] for _, cells in cols]
    head = [max(2.3, *(needed_em(part) for part in _label_lines(c.label, 0))) for c, _ in cols]
    wrap = [i for i, (c, _) in enumerate(cols) if c.wrap]
    widths = [(head[i] if c.wrap else max([head[i], *needs[i]])) + pad for i, (c, _) in enumerate(cols)]
    n_rows = max((len(n) for n in needs), default=0)

    def row_lines(ws: list[float]) -> list[int]:
        return [
            max((math.ceil(needs[i][r] / (ws[i] - pad)) for i in wrap if r < len(needs[i])), default=1)
            for r in range(n_rows)
        ]

    current = sum(row_lines(widths))
    while True:
        room = avail - sum(widths)
        best: tuple[float, int, float, int] | None = None  # (lines saved per em, column, new width, total)
        for i in wrap:
            lines = [math.ceil(n / (widths[i] - pad)) for n in needs[i]]
            steps = [n / (k - 1) + pad for n, k in zip(needs[i], lines, strict=True) if k > 1]
            if not steps:
                continue
            target = min(steps) + 1e-6
            if target - widths[i] > room:
                continue
            trial = widths[:]
            trial[i] = target
            total = sum(row_lines(trial))
            gain = (current - total) / (target - widths[i])
            if gain > 0 and (best is None or gain > best[0]):
                best = (gain, i, target, total)
        if best is None:
            break
        _, i, widths[i], current = best
    room = avail - sum(widths)
    extra = [max(0.0, needed_em(c.label) + pad - widths[i]) for i, (c, _) in enumerate(cols)]
    if 0 < sum(extra) <= room:
        widths = [w + e for w, e in zip(widths, extra, strict=True)]
        room -= sum(extra)
    if room > 0:
        share = wrap or list(range(len(cols)))
        for i in share:
            widths[i] += room / len(share)
    return widths


def _fill(heights: list[float], first_cap: float, cap: float, close_h: float) -> list[int]:
    """Rows per page, each page filled; the last holds the rows left and
    ``close_h`` (totals and closing block)."""
    out: list[int] = []
    i, n = 0, len(heights)
    room = first_cap
    while True:
        if sum(heights[i:]) + close_h <= room:
            return [*out, n - i]
        used, j = 0.0, i
        while j < n and used + heights[j] <= room:
            used += heights[j]
            j += 1
        j = max(i + 1, min(j, n - 1))  # every page one row at least; the last page one too
        out.append(j - i)
        i = j
        room = cap


def _fits(counts: list[int], heights: list[float], first_cap: float, cap: float, close_h: float) -> bool:
    i = 0
    for k, c in enumerate(counts):
        room = (first_cap if k == 0 else cap) - (close_h if k == len(counts) - 1 else 0)
        if c < 1 or sum(heights[i : i + c]) > room:
            return False
        i += c
    return True


def _paginate(
    heights: list[float], first_cap: float, cap: float, close_h: float, least: int = 3
) -> list[tuple[int, int]]:
    """Split rows of ``heights`` into pages: (start, end) index pairs.

    As few pages as the rows need when each page is filled (the last also
    holding ``close_h``: totals and closing block).  When the last page
    would hold fewer than ``least`` rows (the rows the closing block is as
    tall as: else it is a near-empty page of a few rows and a seal), the
    pages before it give it rows one at a time, from the one before it
    backwards and round again, so each gives up a row or two and none is
    left half empty; until the last holds ``least`` or has no more room."""
    counts = _fill(heights, first_cap, cap, close_h)
    givers = len(counts) - 1
    k, failed = givers - 1, 0  # the next page to give a row, pages in a row that could not
    while givers and counts[-1] < least and failed < givers:
        trial = counts[:]
        trial[k] -= 1
        trial[-1] += 1
        if _fits(trial, heights, first_cap, cap, close_h):
            counts, failed = trial, 0
        else:
            failed += 1
        k = (k - 1) % givers
    spans, i = [], 0
    for c in counts:
        spans.append((i, i + c))
        i += c
    return spans


def _label_lines(label: str, width_em: float) -> tuple[str, ...]:
    """A header on one line, or broken before its unit: 数量 / （亩）."""
    if needed_em(label) <= width_em or "（" not in label:
        return (label,)
    head, _, unit = label.partition("（")
    return (head, "（" + unit)
