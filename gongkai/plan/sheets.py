"""Printable notice sheets (公示单) for the village board.  Pure: no files, no clock.

Every public record gets one sheet, an HTML document at ``print/<id>/``
styled by ``static/print.css``: it prints from a browser (Ctrl+P) with no
extra install, and the same HTML goes through WeasyPrint for PDFs
(``pdf.py``).

A roster (补贴发放名单) is paginated *here*, in Python, not by the browser:
its rows are packed into pages by an estimate of their printed height, each
page is its own ``<section class="sheet-page">`` of exactly one sheet of
paper (``@page { margin: 0 }``, the margins are the section's padding) with
the header row, "第 x 页 共 y 页" and, on the last page only, the totals and
the closing block.  Chrome and WeasyPrint therefore break the roster at the
same rows, and a browser has no page margin to print its own header and
footer into.  Other sheets flow: their tables repeat the header row on each
page (``thead``) and the page number comes from an ``@page`` margin box.

Type sizes, line heights and margins are numbers in :data:`METRICS`; the
sheet template writes them into the page's CSS, so the estimate and the
printed page use the same figures.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from gongkai.core.chain import posting_code, qr_payload
from gongkai.core.errors import GongkaiError
from gongkai.core.formats import cn_date, money, number
from gongkai.core.model import Record, Site
from gongkai.plan.pages import Page

__all__ = [
    "METRICS",
    "PAPER_MM",
    "Column",
    "Metrics",
    "Paper",
    "Sheet",
    "SheetPage",
    "SheetRequest",
    "default_paper",
    "make_sheet",
    "plan_sheets",
    "qr_files",
    "qr_svg",
    "record_link",
    "sheet_files",
    "standalone_page",
]

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

SAFETY_MM = 8.0  # left free on every page of a paginated sheet, against estimate errors
ROW_BORDER_MM = 0.5  # border and rounding per table row
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
    """A4 portrait, except funds, whose project table has nine columns."""
    return Paper("A4", landscape=record.type == "fund")


def record_link(site: Site, record: Record) -> str:
    """The full address of the record's page, or "" without ``base_url``."""
    base = site.config.base_url.strip()
    if not base:
        return ""
    return base.rstrip("/") + "/" + record.url


def qr_svg(url: str) -> bytes:
    """A QR code of ``url`` as a small, deterministic SVG file."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buf, kind="svg", border=2, xmldecl=False, omitsize=True, svgclass=None, lineclass=None, title="二维码"
    )
    return buf.getvalue()


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


# --- the roster ---------------------------------------------------------------------------------


def _roster_columns(record: Record) -> list[tuple[Column, list[str]]]:
    d = record.data
    rows = d["recipients"]
    has = {k: any(r.get(k) not in (None, "") for r in rows) for k in ("group", "id_number", "note")}
    own_rate = any("rate" in r and r["rate"] != d.get("rate") for r in rows)
    show_rate = own_rate or ("rate" not in d and any("rate" in r for r in rows))
    qty_unit = d.get("quantity_unit", "")
    rate_unit = d.get("rate_unit", "")

    def rate_of(r: Mapping[str, Any]) -> str:
        rate = r.get("rate", d.get("rate"))
        return number(rate) if rate is not None else ""

    cols: list[tuple[Column, list[str]]] = [
        (Column("seq", "序号", num=True, wrap=False), [str(i) for i in range(1, len(rows) + 1)]),
        (Column("village", "村（社区）"), [r["village"] for r in rows]),
    ]
    if has["group"]:
        cols.append((Column("group", "组"), [r.get("group", "") for r in rows]))
    cols.append((Column("name", "姓名"), [r["name"] for r in rows]))
    if has["id_number"]:
        cols.append((Column("id_number", "身份证号", wrap=False), [r.get("id_number", "") for r in rows]))
    if "quantity" in d["totals"]:
        label = f"数量（{qty_unit}）" if qty_unit else "数量"
        cols.append(
            (
                Column("quantity", label, num=True, wrap=False),
                [number(r["quantity"]) if r.get("quantity") is not None else "" for r in rows],
            )
        )
    if show_rate:
        label = f"标准（{rate_unit}）" if rate_unit else "标准"
        cols.append((Column("rate", label, num=True, wrap=False), [rate_of(r) for r in rows]))
    cols.append((Column("amount", "金额（元）", num=True, wrap=False), [money(r["amount"]) for r in rows]))
    if has["note"]:
        cols.append((Column("note", "备注"), [r.get("note", "") for r in rows]))
    return cols


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


def _head_height(site: Site, record: Record, m: Metrics, width_mm: float, facts: Sequence[str]) -> float:
    """Height (mm) of the first page's head: organisation, title, 文号, facts, text."""
    body_em = width_mm / m.body_mm
    h = m.body_lh + 2  # organisation line
    h += lines_for(record.title, width_mm / m.title_mm) * m.title_lh + 6
    if record.doc_no:
        h += m.body_lh + 1
    for f in facts:
        h += lines_for(f, body_em) * m.body_lh
    h += 3
    text = record.body or record.summary
    if text:
        h += _prose_height(text, body_em, m.body_lh)
    return h + 4  # gap before the table


def _close_height(site: Site, record: Record, m: Metrics, width_mm: float) -> float:
    """Height (mm) of the closing block: 公示期, where objections go, seal and QR."""
    body_em = width_mm / m.body_mm
    h = 6.0
    if record.notice:
        h += m.body_lh
    if record.notice or record.objection:
        phone, address = objection_contact(site, record)
        h += (
            lines_for(f"对公示内容如有异议，请于公示期内向{site.publisher_name(record.publisher)}反映。", body_em)
            * m.body_lh
        )
        h += lines_for(f"电话：{phone}　地址：{address}", body_em) * m.body_lh
    return h + SIGN_H


def objection_contact(site: Site, record: Record) -> tuple[str, str]:
    """Where objections go: the record's ``objection``, else the site's contact."""
    ob = record.objection or {}
    c = site.config.contact
    return ob.get("phone") or c.report_phone, ob.get("address") or c.mailbox or c.address


def subsidy_facts(record: Record) -> list[str]:
    """The facts printed above a roster, as they are measured."""
    d = record.data
    facts = [f"项目名称：{d['program']}"]
    if d.get("basis"):
        facts.append(f"政策依据：{d['basis']}")
    if d.get("rate") is not None:
        facts.append(f"补贴标准：{number(d['rate'])} {d.get('rate_unit', '')}")
    totals = d["totals"]
    line = f"发放户数：{totals['households']} 户"
    if totals.get("quantity") is not None:
        line += f"　数量合计：{number(totals['quantity'])} {d.get('quantity_unit', '')}"
    facts.append(line)
    facts.append(f"金额合计：{money(totals['amount'])} 元")
    return facts


def _paginate(heights: list[float], first_cap: float, cap: float, close_h: float) -> list[tuple[int, int]]:
    """Split rows of ``heights`` into pages: (start, end) index pairs.  The
    last page also holds ``close_h`` (totals and closing block); every page
    holds at least one row.  When the rows left would fit on this page but
    the closing block would not, they are shared between this page and the
    last, so that the last page is not one lonely row."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(heights)
    room = first_cap
    while True:
        rest = heights[i:]
        if sum(rest) + close_h <= room:
            out.append((i, n))
            return _widen_last(out, heights, cap, close_h)
        used, j = 0.0, i
        while j < n and used + heights[j] <= room:
            used += heights[j]
            j += 1
        if j == n:  # all rows fit here, the closing block does not: share them
            last_room = cap - close_h
            k, fit = 0, 0.0  # rows that fit on the last page with the closing block
            while k < len(rest) and fit + rest[-1 - k] <= last_room:
                fit += rest[-1 - k]
                k += 1
            j = n - max(1, min(k, len(rest) // 2))
        j = max(i + 1, min(j, n - 1))
        out.append((i, j))
        i = j
        room = cap


def _widen_last(
    spans: list[tuple[int, int]], heights: list[float], cap: float, close_h: float, least: int = 3
) -> list[tuple[int, int]]:
    """Give the last page at least ``least`` rows when it has fewer, taking
    them from the end of the page before (which keeps ``least`` too)."""
    if len(spans) < 2:
        return spans
    (a0, a1), (b0, b1) = spans[-2], spans[-1]
    while b1 - b0 < least and a1 - a0 > least and sum(heights[b0 - 1 : b1]) + close_h <= cap:
        a1, b0 = a1 - 1, b0 - 1
    return [*spans[:-2], (a0, a1), (b0, b1)]


def make_sheet(site: Site, record: Record, paper: Paper | None = None) -> Sheet:
    """The sheet of ``record`` on ``paper`` (default :func:`default_paper`)."""
    paper = paper or default_paper(record)
    m = METRICS[paper.size]
    link = record_link(site, record)
    qr_text = link.split("://", 1)[-1]
    if record.type != "subsidy":
        return Sheet(record, paper, m, (SheetPage(1),), qr_link=qr_text)

    width_mm = paper.width_mm - 2 * m.margin
    height_mm = paper.height_mm - 2 * m.margin
    pad = (2 * m.cell_pad_h + ROW_BORDER_MM) / m.table_mm
    cols = _roster_columns(record)
    totals = _totals(record, [c for c, _ in cols])
    # The sums are the widest figures of their columns.
    measured = [(c, [*cells, *_total_texts(totals, k)]) for k, (c, cells) in enumerate(cols)]
    widths = _fit_widths(measured, width_mm / m.table_mm, pad)
    # A note that would need more than a few lines in its cell (one can be
    # 200 characters: taller than a page in a narrow column) is printed below
    # the table as "注1：……", its cell saying "见注1"; then widths are refit.
    footnotes: dict[int, str] = {}  # row index → "注1：……"
    note = next((k for k, (c, _) in enumerate(cols) if c.key == "note"), None)
    if note is not None:
        texts = cols[note][1]
        while True:  # refitting narrows the column: repeat until every note left fits
            more = [
                i
                for i, t in enumerate(texts)
                if t and i not in footnotes and lines_for(t, widths[note] - pad) > MAX_NOTE_LINES
            ]
            if not more:
                break
            footnotes.update((i, "") for i in more)
            marks = {i: f"注{k}" for k, i in enumerate(sorted(footnotes), start=1)}
            cells = [f"见{marks[i]}" if i in marks else t for i, t in enumerate(texts)]
            cols[note] = (cols[note][0], cells)
            measured[note] = (cols[note][0], cells)
            widths = _fit_widths(measured, width_mm / m.table_mm, pad)
        footnotes = {i: f"注{k}：{texts[i]}" for k, i in enumerate(sorted(footnotes), start=1)}
    total_w = sum(widths)
    columns = tuple(
        Column(c.key, c.label, c.num, c.wrap, round(w * 100 / total_w, 3), _label_lines(c.label, w - pad))
        for (c, _), w in zip(cols, widths, strict=True)
    )
    n_rows = len(record.data["recipients"])
    rows: list[SheetRow] = []
    for i in range(n_rows):
        row = tuple(texts_of[i] for _, texts_of in cols)
        lines = max(
            (lines_for(row[k], widths[k] - pad) if c.wrap else 1 for k, (c, _) in enumerate(cols)),
            default=1,
        )
        rows.append(SheetRow(i + 1, row, lines, footnotes.get(i, "")))
    header_lines = max(sum(lines_for(part, widths[k] - pad) for part in c.label_lines) for k, c in enumerate(columns))

    def row_h(lines: int) -> float:
        return lines * m.table_lh + 2 * m.cell_pad_v + ROW_BORDER_MM

    thead_h = row_h(header_lines) + 0.5
    table_em = width_mm / m.table_mm
    heights = [row_h(r.lines) + (lines_for(r.footnote, table_em) * m.table_lh + 1 if r.footnote else 0) for r in rows]
    totals_h = row_h(lines_for(totals[0].text, sum(widths[: totals[0].span]) - pad))
    facts = subsidy_facts(record)
    body_room = height_mm - m.foot_h - SAFETY_MM
    first_cap = body_room - _head_height(site, record, m, width_mm, facts) - thead_h
    cap = body_room - m.running_h - thead_h
    close_h = totals_h + _close_height(site, record, m, width_mm)
    spans = _paginate(heights, first_cap, cap, close_h)
    pages = tuple(
        SheetPage(k + 1, tuple(rows[a:b]), first=k == 0, last=k == len(spans) - 1) for k, (a, b) in enumerate(spans)
    )
    return Sheet(record, paper, m, pages, columns, totals, header_lines, qr_text, tuple(facts))


def _label_lines(label: str, width_em: float) -> tuple[str, ...]:
    """A header on one line, or broken before its unit: 数量 / （亩）."""
    if needed_em(label) <= width_em or "（" not in label:
        return (label,)
    head, _, unit = label.partition("（")
    return (head, "（" + unit)


def _total_texts(totals: tuple[TotalCell, ...], index: int) -> list[str]:
    """The text of the totals row in column ``index`` (not the spanning label)."""
    k = 0
    for t in totals:
        if k == index and t.span == 1:
            return [t.text]
        k += t.span
    return []


def _totals(record: Record, columns: Sequence[Column]) -> tuple[TotalCell, ...]:
    """The totals row: "合计（N 户）" across the leading columns, then the sums."""
    t = record.data["totals"]
    keys = [c.key for c in columns]
    first_sum = next(k for k, key in enumerate(keys) if key in ("quantity", "rate", "amount"))
    cells = [TotalCell(f"合计（{t['households']} 户）", span=first_sum)]
    for key in keys[first_sum:]:
        if key == "quantity":
            cells.append(TotalCell(number(t["quantity"]) if t.get("quantity") is not None else "", num=True))
        elif key == "amount":
            cells.append(TotalCell(money(t["amount"]), num=True))
        else:
            cells.append(TotalCell(""))
    return tuple(cells)


# --- pages of the build ---------------------------------------------------------------------------


def sheet_url(record: Record) -> str:
    return f"print/{record.id}/"


def plan_sheets(site: Site, request: SheetRequest | None = None) -> list[Page]:
    """One sheet page per public record, at ``print/<id>/``.  Records named
    in ``request`` are set on its paper; the others on their default."""
    if request:
        published = {r.id for r in site.published}
        unknown = [i for i in request.ids if i not in published]
        if unknown:
            raise GongkaiError(
                f"没有编号为“{'”“'.join(unknown)}”的已发布信息（编号写错了，或是草稿、不公开的信息、发布日期还没到）"
            )
    pages: list[Page] = []
    for rec in sorted(site.published, key=lambda r: r.id):
        paper = request.paper if request and rec.id in request.ids else None
        pages.append(_lazy_sheet_page(site, rec, paper))
    return pages


def _lazy_sheet_page(site: Site, record: Record, paper: Paper | None) -> Page:
    """The sheet page of the site, its layout made when it is rendered (in a
    worker process, and only when the record or the paper changed)."""

    def make() -> dict[str, Any]:
        sheet = make_sheet(site, record, paper)
        return {"sheet": sheet, "qr_src": "qr.svg" if sheet.qr_link else "", "code": posting_code(record)}

    key = ("sheet", paper.key if paper else "", record)
    return replace(_sheet_page(site, record, None), make=make, key=key, key_covers_context=True)


def _sheet_page(
    site: Site,
    record: Record,
    sheet: Sheet | None,
    inline_css: str = "",
    qr_src: str | None = None,
    posting: Any = None,
) -> Page:
    """The sheet page; without ``sheet`` its context lacks "sheet", "qr_src" and
    "code" (made when the page is rendered: the code reads a roster's rows)."""
    context: dict[str, Any] = {
        "record": record,
        "inline_css": inline_css,
        "frozen": bool(inline_css),
        "posting": posting,
        "notice_dates": _notice_dates(record),
    }
    if sheet is not None:
        context["code"] = posting_code(record)  # 核验码: the same on the wall, in the QR code and in the archive
        context["sheet"] = sheet
        context["qr_src"] = qr_src if qr_src is not None else ("qr.svg" if sheet.qr_link else "")
    return Page(sheet_url(record), "print/sheet.html", f"{record.title}（公示单）", context)


def _notice_dates(record: Record) -> str:
    n = record.notice
    return f"{cn_date(n['start'])}至{cn_date(n['end'])}" if n else ""


def standalone_page(
    site: Site, record: Record, sheet: Sheet, css: str, qr_src: str, posting: Mapping[str, str] | None = None
) -> Page:
    """The sheet as one self-contained document (CSS inline, no link to the
    rest of the site), for a PDF or the archive.  ``qr_src`` is the image
    address of the QR code ("" for none)."""
    return _sheet_page(site, record, sheet, inline_css=css or "/* print.css */", qr_src=qr_src, posting=posting)


def sheet_files(site: Site) -> list[tuple[str, bytes]]:
    """Files beside the sheet pages: the QR code of each record (with ``base_url``)."""
    return [f for rec in sorted(site.published, key=lambda r: r.id) for f in qr_files(site, rec)]


def qr_files(site: Site, rec: Record) -> list[tuple[str, bytes]]:
    """The QR code beside one record's sheet (none without ``base_url``)."""
    link = record_link(site, rec)
    return [(f"{sheet_url(rec)}qr.svg", qr_svg(qr_payload(link, posting_code(rec))))] if link else []
