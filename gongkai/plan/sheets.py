"""Printable notice sheets (公示单) for the village board.  Pure: no files, no clock.

Every public record has a sheet: an HTML document at ``print/<id>/``
styled by ``static/print.css``, or, for a notice or a standing page, its
record page printed with ``static/record-print.css`` (plan/print_fold.py).
A sheet page prints from a browser (Ctrl+P) with no
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
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from markupsafe import Markup

from gongkai.check.rules.goods import item_totals
from gongkai.core.chain import posting_code, qr_payload
from gongkai.core.errors import GongkaiError
from gongkai.core.formats import cn_date, money, number
from gongkai.core.model import Record, Site
from gongkai.core.schema.types import GOODS_SOURCES
from gongkai.plan.pages import Page
from gongkai.plan.print_fold import folded, qr_url, record_link
from gongkai.plan.roster_markup import sheet_rows, subsidy_texts
from gongkai.plan.sheet_layout import (
    MAX_NOTE_LINES,
    METRICS,
    ROW_BORDER_MM,
    ROW_RULE_MM,
    SAFETY_MM,
    SIGN_H,
    Column,
    Metrics,
    Paper,
    Sheet,
    SheetPage,
    SheetRequest,
    SheetRow,
    TotalCell,
    _fit_widths,
    _label_lines,
    _paginate,
    _prose_height,
    default_paper,
    lines_for,
)


def qr_svg(url: str) -> bytes:
    """A QR code of ``url`` as a small, deterministic SVG file."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buf, kind="svg", border=2, xmldecl=False, omitsize=True, svgclass=None, lineclass=None, title="二维码"
    )
    return buf.getvalue()


# --- the roster ---------------------------------------------------------------------------------


def _roster_columns(record: Record) -> list[tuple[Column, list[str]]]:
    d = record.data
    rows = d["recipients"]
    texts = subsidy_texts(d)  # the cells the record page shows too (plan/roster_markup.py)
    has = {k: any(r.get(k) not in (None, "") for r in rows) for k in ("group", "id_number", "note")}
    own_rate = any("rate" in r and r["rate"] != d.get("rate") for r in rows)
    show_rate = own_rate or ("rate" not in d and any("rate" in r for r in rows))
    qty_unit = d.get("quantity_unit", "")
    rate_unit = d.get("rate_unit", "")

    cols: list[tuple[Column, list[str]]] = [
        (Column("seq", "序号", num=True, wrap=False), [str(i) for i in range(1, len(rows) + 1)]),
        (Column("village", "村（社区）"), texts["village"]),
    ]
    if has["group"]:
        cols.append((Column("group", "组"), texts["group"]))
    cols.append((Column("name", "姓名"), texts["name"]))
    if has["id_number"]:
        cols.append((Column("id_number", "身份证号", wrap=False), texts["id_number"]))
    if "quantity" in d["totals"]:
        label = f"数量（{qty_unit}）" if qty_unit else "数量"
        cols.append((Column("quantity", label, num=True, wrap=False), texts["quantity"]))
    goods = item_totals(d)
    for k, g in enumerate(goods):  # in-kind relief: a column per item
        cols.append((Column(f"goods{k}", f"{g['name']}（{g['unit']}）", num=True, wrap=False), texts[f"goods{k}"]))
    if show_rate and _money_cols(d):
        label = f"标准（{rate_unit}）" if rate_unit else "标准"
        cols.append((Column("rate", label, num=True, wrap=False), texts["rate"]))
    if _money_cols(d):
        cols.append((Column("amount", "金额（元）", num=True, wrap=False), texts["amount"]))
    if has["note"]:
        cols.append((Column("note", "备注"), texts["note"]))
    return cols


def _money_cols(d: Mapping[str, Any]) -> bool:
    """A roster of goods only (amount 0) prints no 标准/金额 columns."""
    return not d.get("goods") or d["totals"]["amount"] != 0


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
    if _money_cols(d):
        facts.append(f"金额合计：{money(totals['amount'])} 元")
    if d.get("goods_source"):
        facts.append(f"物资来源：{GOODS_SOURCES[d['goods_source']]}")
    goods = item_totals(d)
    if goods:
        facts.append("物资合计：" + "，".join(f"{g['name']} {number(g['quantity'])} {g['unit']}" for g in goods))
    return facts


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
        return lines * m.table_lh + 2 * m.cell_pad_v + ROW_RULE_MM

    thead_h = row_h(header_lines) + 0.5
    table_em = width_mm / m.table_mm
    heights = [row_h(r.lines) + (lines_for(r.footnote, table_em) * m.table_lh + 1 if r.footnote else 0) for r in rows]
    totals_h = row_h(lines_for(totals[0].text, sum(widths[: totals[0].span]) - pad))
    facts = subsidy_facts(record)
    body_room = height_mm - m.foot_h - SAFETY_MM
    first_cap = body_room - _head_height(site, record, m, width_mm, facts) - thead_h
    cap = body_room - m.running_h - thead_h
    close_h = totals_h + _close_height(site, record, m, width_mm)
    spans = _paginate(heights, first_cap, cap, close_h, least=math.ceil(close_h / row_h(1)))
    html = sheet_rows(columns, [cells for _, cells in cols])  # escaped once, joined per page
    pages = tuple(
        SheetPage(k + 1, tuple(rows[a:b]), first=k == 0, last=k == len(spans) - 1, rows_html=Markup("".join(html[a:b])))
        for k, (a, b) in enumerate(spans)
    )
    return Sheet(record, paper, m, pages, columns, totals, header_lines, qr_text, tuple(facts))


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
    goods = {f"goods{k}": g for k, g in enumerate(item_totals(record.data))}
    first_sum = next(k for k, key in enumerate(keys) if key in ("quantity", "rate", "amount") or key in goods)
    cells = [TotalCell(f"合计（{t['households']} 户）", span=first_sum)]
    for key in keys[first_sum:]:
        if key in goods:
            cells.append(TotalCell(number(goods[key]["quantity"]), num=True))
        elif key == "quantity":
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
    """One sheet page per public record at ``print/<id>/``, except records
    whose page prints as their sheet (plan/print_fold.py).  Records named in
    ``request`` get theirs, whatever their type, on its paper; the others are
    on their default."""
    if request:
        published = {r.id for r in site.published}
        unknown = [i for i in request.ids if i not in published]
        if unknown:
            raise GongkaiError(
                f"没有编号为“{'”“'.join(unknown)}”的已发布信息（编号写错了，或是草稿、不公开的信息、发布日期还没到）"
            )
        board = [i for i in request.ids if "names_board" in site.by_id[i].data]
        if board:
            raise GongkaiError(
                f"“{'”“'.join(board)}”的名单只在公开栏张贴，公示单不随网站生成；"
                "请用 gongkai print 生成（写到网站目录下的 board/，不会发布）"
            )
        gone = [i for i in request.ids if not printable(site.by_id[i])]
        if gone:
            raise GongkaiError(
                f"“{'”“'.join(gone)}”的公示期已过，名单中的姓名已从网站撤下，不再生成公示单；"
                "当时张贴的公示单见网站“公开栏存档”（content/archive/）"
            )
    pages: list[Page] = []
    asked = set(request.ids) if request else set()
    for rec in sorted((r for r in site.published if printable(r)), key=lambda r: r.id):
        if folded(rec) and rec.id not in asked:
            continue  # its record page prints as the sheet
        paper = request.paper if request and rec.id in request.ids else None
        pages.append(_lazy_sheet_page(site, rec, paper))
    return pages


def printable(rec: Record) -> bool:
    """A sheet is for the board while the record may be posted: a roster
    whose names came off the site after its 公示期 (plan/names.py) has no
    sheet to print; the one posted is in the archive."""
    return "names_until" not in rec.data and "names_board" not in rec.data  # board only: commands/board.py


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
    board: bool = False,
) -> Page:
    """The sheet page; without ``sheet`` its context lacks "sheet", "qr_src" and
    "code" (made when the page is rendered: the code reads a roster's rows)."""
    context: dict[str, Any] = {
        "record": record,
        "inline_css": inline_css,
        "frozen": bool(inline_css),
        "posting": posting,
        "board": board,  # a board-only roster's sheet (commands/board.py): never on the site
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
    site: Site,
    record: Record,
    sheet: Sheet,
    css: str,
    qr_src: str,
    posting: Mapping[str, str] | None = None,
    board: bool = False,
) -> Page:
    """The sheet as one self-contained document (CSS inline, no link to the
    rest of the site), for a PDF or the archive.  ``qr_src`` is the image
    address of the QR code ("" for none)."""
    return _sheet_page(
        site, record, sheet, inline_css=css or "/* print.css */", qr_src=qr_src, posting=posting, board=board
    )


def sheet_files(site: Site) -> list[tuple[str, bytes]]:
    """Files beside the sheet pages: the QR code of each record (with ``base_url``)."""
    return [f for rec in sorted(site.published, key=lambda r: r.id) for f in qr_files(site, rec)]


def qr_files(site: Site, rec: Record) -> list[tuple[str, bytes]]:
    """The QR code beside one record's sheet (none without ``base_url``);
    a record page that prints as its sheet shows this same file."""
    link = record_link(site, rec)
    return [(qr_url(rec), qr_svg(qr_payload(link, posting_code(rec))))] if link else []
