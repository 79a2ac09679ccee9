"""The search documents of a site: one per published record, with its
title, text, names and villages, and a roster's rows with their labels.
What they become as files is emit/search_index.py's business."""

from __future__ import annotations

import re
from dataclasses import field

from gongkai.check.rules.goods import item_totals, row_items
from gongkai.core.dataclass import dataclass
from gongkai.core.formats import money, number
from gongkai.core.model import Record
from gongkai.core.schema.types import VALIDITY
from gongkai.plan.homestead import HOMESTEAD_COLUMNS, homestead_row_cells, homestead_summary, institution_search_parts
from gongkai.plan.proposals import proposal_labels


@dataclass(frozen=True, slots=True)
class SearchRow:
    """One roster row: its HTML id on the record page, its cells as shown
    (masked ID numbers included, e.g. ``32*************234``) and its village.

    When its document has ``columns``, ``text`` holds one cell per column,
    separated by tabs (empty cells kept, so cell i is column i); a tab is a
    separator to the index, like the space of untabled rows."""

    anchor: str
    text: str
    village: str = ""


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """One published record as the search sees it.

    ``url`` is site-relative in pretty form (``subsidies/gengdi-2015/``);
    ``text`` is everything searchable except the title and the roster rows
    (summary, body as plain text, other table cells, doc_no, programme…);
    ``rows`` holds the roster rows, which must not be repeated in ``text``;
    ``columns`` labels their cells: (header, unit) per column, e.g.
    ``("金额", "元")``, so a result can show ``金额 724.50 元``, not a bare number.
    """

    url: str
    title: str
    type: str
    type_label: str
    publisher: str
    date: str
    year: int
    villages: tuple[str, ...] = ()
    text: str = ""
    rows: tuple[SearchRow, ...] = field(default=())
    columns: tuple[tuple[str, str], ...] = ()


def record_villages(rec: Record) -> list[str]:
    """The villages a record's search document names, in its order."""
    if rec.type == "subsidy":
        rows = rec.data["recipients"]
        found = getattr(rows, "villages", None) or (r["village"] for r in rows)  # a lazy Rows knows them
    elif rec.type == "fund":
        found = (p.get("village") for p in rec.data["projects"])
    elif rec.type in ("yishiyiyi", "procurement", "asset", "landtransfer"):
        found = (rec.data.get("village", ""),)
    elif rec.type == "homestead":  # the rows while shown, else the villages of the per-village counts
        found = (r["village"] for r in (rec.data["recipients"] or rec.data.get("villages", ())))
    else:
        return []
    return [v for v in dict.fromkeys(found) if v]


# --- from the site to search documents ------------------------------------------

_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.M)
_MD_MARKS = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]+>|[#*_`>|~]+|^-{3,}$", re.M)


def _plain(markdown_text: str) -> str:
    """Markdown as the reader sees it, near enough for matching and snippets.
    A table's cells stay apart by tabs, so that the leak gate reads each
    under its column's header (core/privacy_context.label_delimited)."""
    if "|" in markdown_text:
        markdown_text = _TABLE_ROW.sub(lambda m: m.group(0).replace("|", "\t"), markdown_text)
    return _MD_MARKS.sub(lambda m: m.group(1) or " ", markdown_text)


def _cells(*values: object) -> str:
    return " ".join(str(v) for v in values if v not in (None, ""))


def _tabbed(*values: object) -> str:
    """A roster row's cells, one per column (see SearchRow)."""
    return "\t".join("" if v is None else " ".join(str(v).split()) for v in values)


def roster_columns(d: dict) -> tuple[tuple[str, str], ...]:
    """The labels of a subsidy roster's search cells, as the roster page heads them."""
    return (
        ("村", ""),
        ("组", ""),
        ("姓名", ""),
        ("身份证号", ""),
        ("数量", d.get("quantity_unit", "")),
        ("标准", d.get("rate_unit", "")),
        ("金额", "元"),
        ("备注", ""),
        *((g["name"], g["unit"]) for g in item_totals(d)),  # in-kind relief, after the fixed cells
    )


def _search_doc(rec: Record, publisher: str) -> SearchDoc:
    d = rec.data
    parts = [rec.summary, rec.doc_no, " ".join(rec.tags), _plain(rec.body)]
    rows: list[SearchRow] = []
    villages: list[str] = []
    if rec.type == "subsidy":
        parts += [d["program"], d.get("basis", "")]
        goods = item_totals(d)
        parts += [" ".join(g["name"] for g in goods), d.get("goods_source_note", "")]
        for i, r in enumerate(d["recipients"], start=1):
            rate = r.get("rate", d.get("rate"))
            text = _tabbed(
                r["village"], r.get("group"), r["name"], r.get("id_number"),
                number(r.get("quantity")), number(rate), money(r["amount"]), r.get("note"),
                *(number(row_items(r).get(g["name"])) for g in goods),
            )  # fmt: skip
            rows.append(SearchRow(f"r-{i}", text, r["village"]))
            if r["village"] not in villages:
                villages.append(r["village"])
    elif rec.type == "budget":
        for t in d["tables"]:
            parts.append(t["name"])
            parts += [_cells(r["code"], r["name"], money(r["amount"])) for r in t["rows"]]
    elif rec.type == "fund":
        parts += [_cells(s["name"], money(s["amount"])) for s in d["sources"]]
        for p in d["projects"]:
            parts.append(_cells(p["name"], p.get("village"), p.get("task"), p.get("implementer"), p.get("responsible")))
            if p.get("village") and p["village"] not in villages:
                villages.append(p["village"])
    elif rec.type == "decision":
        parts += [d.get("comments_adopted", ""), d.get("consultation_waived", "")]
        if "meeting" in d:
            parts.append(d["meeting"]["name"])
    elif rec.type == "proposal":  # 建议提案: its number, who made it, who handled it, the result
        lab = proposal_labels(rec)
        parts += [d["number"], d["proposer"], d["handler"], lab["kind"], lab["result"], d.get("explanation", "")]
    elif rec.type == "regulation":
        parts += [VALIDITY[d["validity"]], d.get("validity_reason", "")]
    elif rec.type == "yishiyiyi":  # found by its project and village, as a villager asks for it
        parts += [d["project"], d["village"], *(_cells(s["item"], money(s["amount"])) for s in d["spending"])]
        villages.append(d["village"])
    elif rec.type == "procurement":  # found by its project and its supplier
        parts += [d["project"], d.get("village", ""), d["supplier"], money(d["amount"])]
        if d.get("village"):
            villages.append(d["village"])
    elif rec.type == "asset":  # found by the asset, its village and the other party (a person's name while shown)
        parts += [d["asset"], d.get("location", ""), d["village"], d["counterparty"]["name"], money(d["price"])]
        villages.append(d["village"])
    elif rec.type == "landtransfer":  # found by village, place and the 经营主体; households while shown
        parts += [d["village"], d.get("location", ""), d["transferee"]["name"], d.get("use_detail", "")]
        parts += [_cells(h["name"], h.get("group")) for h in d.get("households", ())]
        villages.append(d["village"])
    elif rec.type == "homestead":  # the applicants while their names may be shown, then the villages' counts
        parts += [d["batch"], d.get("basis", ""), homestead_summary(rec)]
        for i, r in enumerate(d["recipients"], start=1):
            rows.append(SearchRow(f"r-{i}", _tabbed(*homestead_row_cells(r)), r["village"]))
        villages += record_villages(rec)
    elif rec.type == "institution":  # a 机构 by its name, functions, leaders and units
        parts += institution_search_parts(rec)
    elif rec.type == "list":
        parts += [
            _cells(i["name"], i.get("category"), i["basis"], i.get("standard"), i.get("department")) for i in d["items"]
        ]
    return SearchDoc(
        url=rec.url,
        title=rec.title,
        type=rec.type,
        type_label=rec.rtype.label,
        publisher=publisher,
        date=rec.date.isoformat(),
        year=rec.date.year,
        villages=tuple(villages),
        text="\n".join(p for p in parts if p),
        rows=tuple(rows),
        columns=roster_columns(d) if rec.type == "subsidy" else HOMESTEAD_COLUMNS if rows else (),
    )
