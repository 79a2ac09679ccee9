"""A roster's rows as HTML, made here in Python and not by Jinja cell by cell.

A roster (补贴发放名单, 宅基地批准名单) has up to thousands of rows; rendered by
the template, every cell costs an attribute lookup, a filter call and an
escape through Jinja's machinery, which was a sixth of a cold build.  Here
each cell's text is made once (:func:`subsidy_texts`: the same texts the
print sheet measures and prints, plan/sheets.py), escaped once with
``markupsafe.escape`` and the rows joined as plain strings; the templates
get the result as ``Markup`` (``roster_rows`` on the record page, each
sheet page's ``rows_html``).

The output is byte for byte what the default theme's loops wrote before
(tests/test_roster_markup.py renders both and compares).  A theme that wants
other row markup overrides the template and loops over ``record.data.
recipients`` itself (docs/theme.md); the row objects are still in the
context.

A roster whose names were withdrawn (plan/names.py: after its 公示期, or
posted on the board only) gets no rows here: ``roster_rows`` is empty.
Pure: no files, no clock; everything comes from the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from gongkai.check.rules.goods import item_totals, row_items
from gongkai.core.formats import money, number

__all__ = ["escaped", "homestead_rows", "names_withdrawn", "page_rows", "sheet_rows", "subsidy_texts"]


def names_withdrawn(data: Mapping[str, Any]) -> bool:
    """The roster's names are not on the site (plan/names.py): after the
    公示期 (``names_until``) or posted on the board only (``names_board``)."""
    return "names_until" in data or "names_board" in data


def escaped(texts: Sequence[Any]) -> list[str]:
    """Each text escaped for HTML, as Jinja's autoescape writes ``{{ t }}``."""
    return [str(escape(t)) for t in texts]


def subsidy_texts(data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The unescaped text of every cell of a subsidy roster, per column key
    (``village``, ``group``, ``name``, ``id_number``, ``quantity``,
    ``goods0``…, ``rate``, ``amount``, ``note``): all columns either the
    page or the sheet may show; each picks its own."""
    rows = data["recipients"]
    d_rate = data.get("rate")

    def rate_of(r: Mapping[str, Any]) -> str:
        rate = r.get("rate", d_rate)
        return number(rate) if rate is not None else ""

    out: dict[str, list[Any]] = {
        "village": [r["village"] for r in rows],
        "group": [r.get("group", "") for r in rows],
        "name": [r["name"] for r in rows],
        "id_number": [r.get("id_number", "") for r in rows],
        "quantity": [number(r["quantity"]) if r.get("quantity") is not None else "" for r in rows],
        "rate": [rate_of(r) for r in rows],
        "amount": [money(r["amount"]) for r in rows],
        "note": [r.get("note", "") for r in rows],
    }
    goods = item_totals(dict(data))
    if goods:
        per_row = [row_items(r) for r in rows]
        for k, g in enumerate(goods):
            name = g["name"]
            out[f"goods{k}"] = [number(q) if (q := items.get(name)) is not None else "" for items in per_row]
    return out


def page_rows(data: Mapping[str, Any]) -> Markup:
    """The ``<tbody>`` rows of a subsidy roster on its record page
    (record/subsidy.html), each line ending in a newline; empty when the
    names are withdrawn."""
    if names_withdrawn(data):
        return Markup("")
    rows = data["recipients"]
    texts = subsidy_texts(data)
    goods = item_totals(dict(data))
    money_cols = not goods or data["totals"]["amount"] != 0
    # the same tests as the template's header: a group column when any row has a group
    cols: list[tuple[str, list[str]]] = [("<td>", escaped(texts["village"]))]
    if any(r.get("group") for r in rows):
        cols.append(("<td>", escaped(texts["group"])))
    cols.append(('<td class="name">', escaped(texts["name"])))
    cols.append(('<td class="idno">', escaped(texts["id_number"])))
    if "quantity" in data["totals"]:
        cols.append(('<td class="num">', escaped(texts["quantity"])))
    for k in range(len(goods)):
        cols.append(('<td class="num">', escaped(texts[f"goods{k}"])))
    if money_cols:
        cols.append(('<td class="num">', escaped(texts["rate"])))
        cols.append(('<td class="num">', escaped(texts["amount"])))
    cols.append(("<td>", escaped(texts["note"])))
    return Markup("".join(_page_row(i, cols) for i in range(len(rows))))


def _page_row(i: int, cols: Sequence[tuple[str, list[str]]]) -> str:
    n = i + 1
    cells = "".join(f"{open_}{cells[i]}</td>" for open_, cells in cols)
    return f'      <tr id="r-{n}"><td class="num">{n}</td>{cells}</tr>\n'


def sheet_rows(columns: Sequence[Any], cells: Sequence[Sequence[Any]]) -> list[str]:
    """The rows of a paginated print sheet's roster (print/_roster.html), one
    string per row, each ending in a newline: ``cells`` are the texts of each
    of ``columns`` (plan/sheet_layout.Column), as measured."""
    opens = [f'<td class="{escape(c.key)}{" num" if c.num else ""}{"" if c.wrap else " nowrap"}">' for c in columns]
    cols = [(o, escaped(texts)) for o, texts in zip(opens, cells, strict=True)]
    n = len(cells[0]) if cells else 0
    return ["      <tr>" + "".join(f"{o}{col[i]}</td>" for o, col in cols) + "</tr>\n" for i in range(n)]


_KINDS = {"new": "新建", "rebuild": "翻建", "alter": "改建", "extend": "扩建"}
_PLOTS = {"withdrawn": "退出", "none": "无", "same_site": "原址建房"}


def homestead_rows(data: Mapping[str, Any]) -> Markup:
    """The ``<tbody>`` rows of a 宅基地 roster on its record page
    (record/homestead.html); empty when the names are withdrawn."""
    if names_withdrawn(data):
        return Markup("")
    rows = data["recipients"]
    has_group = any("group" in r for r in rows)
    has_note = any("note" in r for r in rows)
    farmland = any(r.get("farmland") for r in rows)
    own_notice = any("village_notice" in r for r in rows)
    d_notice = data.get("village_notice")
    out: list[str] = []
    for i, r in enumerate(rows, start=1):
        cells = [f'      <tr id="r-{i}"><td class="num">{i}</td><td>{escape(r["village"])}</td>']
        if has_group:
            cells.append(f"<td>{escape(r.get('group', ''))}</td>")
        cells.append(f'<td class="name">{escape(r["name"])}</td><td>{_KINDS[r["kind"]]}</td>')
        cells.append(f'<td class="num">{escape(number(r["area"]))}</td><td>{"是" if r["farmland"] else "否"}</td>')
        if farmland:
            cells.append(f"<td>{escape(r.get('conversion', ''))}</td>")
        day = escape(r["approved_on"].isoformat())
        cells.append(f"<td>{_PLOTS[r['old_plot']]}</td><td>{escape(r['permit_no'])}</td>")
        cells.append(f'<td><time datetime="{day}">{day}</time></td>')
        if own_notice:
            n = r.get("village_notice", d_notice)
            span = f"{escape(n['start'].isoformat())} 至 {escape(n['end'].isoformat())}" if n else ""
            cells.append(f"<td>{span}</td>")
        if has_note:
            cells.append(f"<td>{escape(r.get('note', ''))}</td>")
        cells.append("</tr>\n")
        out.append("".join(cells))
    return Markup("".join(out))
