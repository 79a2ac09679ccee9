"""Roster rows made in Python (plan/roster_markup.py) are what the default
theme's Jinja loops wrote, byte for byte, on hostile cells; a withdrawn roster
gets no rows; a theme that loops over the rows itself still works.

The loops below are the default theme's up to commit f84e0fe, kept here as the
reference the Python rows must equal."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SITES, keep_names

from gongkai import build, check
from gongkai.check.rules.goods import item_totals, row_items
from gongkai.core.formats import cn_date, money, number
from gongkai.emit.render import default_theme_dir, template_env
from gongkai.plan.roster_markup import homestead_rows, page_rows
from gongkai.plan.sheets import make_sheet

SUBSIDY_LOOP = """{% set money_cols = not goods or d.totals.amount != 0 %}
{% set has_group = d.recipients | selectattr('group', 'defined') | map(attribute='group') | select | list | length > 0 %}
{% for r in d.recipients %}
      <tr id="r-{{ loop.index }}"><td class="num">{{ loop.index }}</td><td>{{ r.village }}</td>{% if has_group %}<td>{{ r.group if r.group is defined else '' }}</td>{% endif %}<td class="name">{{ r.name }}</td><td class="idno">{{ r.id_number if r.id_number is defined else '' }}</td>{% if d.totals.quantity is defined %}<td class="num">{{ r.quantity | number if r.quantity is defined else '' }}</td>{% endif %}{% set rg = row_goods[loop.index0] %}{% for g in goods %}<td class="num">{{ rg[g.name] | number if g.name in rg else '' }}</td>{% endfor %}{% if money_cols %}<td class="num">{{ (r.rate if r.rate is defined else d.rate) | number if (r.rate is defined or d.rate is defined) else '' }}</td><td class="num">{{ r.amount | money }}</td>{% endif %}<td>{{ r.note if r.note is defined else '' }}</td></tr>
{% endfor %}
"""
HOMESTEAD_LOOP = """{% set kinds = {'new': '新建', 'rebuild': '翻建', 'alter': '改建', 'extend': '扩建'} %}
{% set plots = {'withdrawn': '退出', 'none': '无', 'same_site': '原址建房'} %}
{% set has_group = d.recipients | selectattr('group', 'defined') | list | length > 0 %}
{% set has_note = d.recipients | selectattr('note', 'defined') | list | length > 0 %}
{% set farmland = d.recipients | selectattr('farmland') | list | length > 0 %}
{% set own_notice = d.recipients | selectattr('village_notice', 'defined') | list | length > 0 %}
{% for r in d.recipients %}
      <tr id="r-{{ loop.index }}"><td class="num">{{ loop.index }}</td><td>{{ r.village }}</td>{% if has_group %}<td>{{ r.group if r.group is defined else '' }}</td>{% endif %}<td class="name">{{ r.name }}</td><td>{{ kinds[r.kind] }}</td><td class="num">{{ r.area | number }}</td><td>{{ '是' if r.farmland else '否' }}</td>{% if farmland %}<td>{{ r.conversion if r.conversion is defined else '' }}</td>{% endif %}<td>{{ plots[r.old_plot] }}</td><td>{{ r.permit_no }}</td><td><time datetime="{{ r.approved_on.isoformat() }}">{{ r.approved_on.isoformat() }}</time></td>{% if own_notice %}<td>{% set n = r.village_notice if r.village_notice is defined else d.village_notice %}{% if n %}{{ n.start.isoformat() }} 至 {{ n.end.isoformat() }}{% endif %}</td>{% endif %}{% if has_note %}<td>{{ r.note if r.note is defined else '' }}</td>{% endif %}</tr>
{% endfor %}
"""
SHEET_LOOP = """{% for r in pg.rows %}
      <tr>{% for c in sheet.columns %}<td class="{{ c.key }}{% if c.num %} num{% endif %}{% if not c.wrap %} nowrap{% endif %}">{{ r.cells[loop.index0] }}</td>{% endfor %}</tr>
{% endfor %}
"""

# every roster of the demo is published and its names shown (with keep_names)
DEMO_LATE = date(2015, 12, 1)

HOSTILE = ["<script>alert(1)</script>", 'a"b', "x'y", "AT&T", "{{ 1 }}", "</td></tr>", "张三"]


def _render(source: str, **context: Any) -> str:
    env = template_env([default_theme_dir()])
    env.filters.update(number=number, money=money, cn_date=cn_date)
    return env.from_string(source).render(**context)


def _subsidy(
    n: int, *, group: bool, goods: bool, quantity: bool, rate: bool, money_zero: bool = False
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for i in range(n):
        h = HOSTILE[i % len(HOSTILE)]
        r: dict[str, Any] = {
            "village": f"东村{h}",
            "name": f"村民{i}{h}",
            "amount": Decimal("0.00") if money_zero else Decimal(i * 105) / 100,
        }
        if group and i % 3:
            r["group"] = f"{i % 4}组{h}" if i % 5 else ""
        if i % 4:
            r["id_number"] = f"320000********{i:03d}X"
        if quantity and i % 6:
            r["quantity"] = Decimal(i) + Decimal("0.50")
        if rate and i % 7 == 1:
            r["rate"] = Decimal("98.50")
        if i % 5 == 2:
            r["note"] = f"备注{h}"
        if goods and i % 2:
            r["items"] = [{"name": "大米", "quantity": Decimal(i)}, {"name": "棉被<厚>", "quantity": Decimal(1)}]
        rows.append(r)
    data: dict[str, Any] = {
        "recipients": tuple(rows),
        "totals": {"households": n, "amount": Decimal(0) if money_zero else Decimal(1)},
    }
    if quantity:
        data["totals"]["quantity"] = Decimal(1)
    if rate:
        data["rate"] = Decimal("105.00")
    if goods:
        data["goods"] = [{"name": "大米", "unit": "斤"}, {"name": "棉被<厚>", "unit": "床"}]
    return data


@pytest.mark.parametrize("group", [True, False])
@pytest.mark.parametrize("goods", [True, False])
@pytest.mark.parametrize("quantity", [True, False])
@pytest.mark.parametrize("rate", [True, False])
def test_subsidy_rows_equal_the_template_loop(group: bool, goods: bool, quantity: bool, rate: bool) -> None:
    for money_zero in (False, True) if goods else (False,):
        data = _subsidy(40, group=group, goods=goods, quantity=quantity, rate=rate, money_zero=money_zero)
        want = _render(
            SUBSIDY_LOOP,
            d=data,
            goods=item_totals(data),
            row_goods=[row_items(r) for r in data["recipients"]],
        )
        got = page_rows(data)
        assert got == want
        assert "<script>" not in got and "&lt;script&gt;" in got


def _homestead(n: int, *, group: bool, note: bool, farmland: bool, own_notice: bool) -> dict[str, Any]:
    kinds, plots = ["new", "rebuild", "alter", "extend"], ["withdrawn", "none", "same_site"]
    rows: list[dict[str, Any]] = []
    for i in range(n):
        h = HOSTILE[i % len(HOSTILE)]
        r: dict[str, Any] = {
            "village": f"西村{h}", "name": f"申请人{h}", "kind": kinds[i % 4], "area": Decimal("120.5") + i,
            "farmland": farmland and i % 2 == 1, "old_plot": plots[i % 3], "permit_no": f"宅批〔2015〕{i}号{h}",
            "approved_on": date(2015, 3, 1 + i % 28),
        }  # fmt: skip
        if group and i % 2:
            r["group"] = f"{i}组{h}"
        if farmland and i % 2:
            r["conversion"] = f"农转用〔2015〕{i}号{h}"
        if own_notice and i % 3 == 0:
            r["village_notice"] = {"start": date(2015, 1, 2), "end": date(2015, 1, 9)}
        if note and i % 4 == 1:
            r["note"] = f"备注{h}"
        rows.append(r)
    data: dict[str, Any] = {"recipients": tuple(rows), "totals": {"households": n, "area": Decimal(1)}}
    if own_notice:
        data["village_notice"] = {"start": date(2014, 12, 1), "end": date(2014, 12, 8)}
    return data


@pytest.mark.parametrize("group", [True, False])
@pytest.mark.parametrize("note", [True, False])
@pytest.mark.parametrize("farmland", [True, False])
@pytest.mark.parametrize("own_notice", [True, False])
def test_homestead_rows_equal_the_template_loop(group: bool, note: bool, farmland: bool, own_notice: bool) -> None:
    data = _homestead(30, group=group, note=note, farmland=farmland, own_notice=own_notice)
    want = _render(HOMESTEAD_LOOP, d=data)
    assert homestead_rows(data) == want


def test_withdrawn_rosters_get_no_rows() -> None:
    """After the 公示期 (names_until) or for the board only (names_board), no
    row markup is made even if rows were left in the data."""
    for key, value in (("names_until", date(2015, 6, 16)), ("names_board", True)):
        sub = {**_subsidy(5, group=True, goods=False, quantity=True, rate=True), key: value}
        home = {**_homestead(5, group=True, note=True, farmland=True, own_notice=True), key: value}
        assert page_rows(sub) == "" and homestead_rows(home) == ""


def test_sheet_rows_equal_the_template_loop(tmp_path: Path) -> None:
    """Every page of every paginated sheet of the sheets fixture (long notes
    moved to footnotes) and of the demo (goods-only and goods-and-money
    rosters among them) prints the rows the old loop did."""
    seen: set[str] = set()
    for name, base, day in (("sheets", SITES / "sheets", date(2015, 5, 14)), ("demo", REPO, DEMO_LATE)):
        root = tmp_path / name
        shutil.copytree(base / "content", root / "content")
        keep_names(root)
        site = check(root, day).site
        assert site is not None
        for rec in (r for r in site.published if r.type == "subsidy"):
            sheet = make_sheet(site, rec)
            assert sheet.paginated
            for pg in sheet.pages:
                assert pg.rows_html == _render(SHEET_LOOP, sheet=sheet, pg=pg)
            seen.update(c.key for c in sheet.columns)
    assert {"group", "note", "goods0", "quantity", "rate", "amount", "id_number"} <= seen


def test_a_theme_looping_over_the_rows_itself_gets_the_same_page(tmp_path: Path) -> None:
    """docs/theme.md: a theme's record/subsidy.html may write the rows with its
    own loop over d.recipients (the row objects are still in the context):
    with the default theme's old loop the pages are the same bytes."""
    outs = []
    for own in (False, True):
        root = tmp_path / f"site-{own}"
        shutil.copytree(REPO / "content", root / "content")
        keep_names(root)
        if own:
            template = (default_theme_dir() / "templates" / "record" / "subsidy.html").read_text(encoding="utf-8")
            marker = "{{ roster_rows }}"
            line = next(x for x in template.splitlines(True) if x.startswith(marker))
            own_dir = root / "themes" / "default" / "templates" / "record"
            own_dir.mkdir(parents=True)
            (own_dir / "subsidy.html").write_text(template.replace(line, SUBSIDY_LOOP), encoding="utf-8")
        out = tmp_path / f"out-{own}"
        build(root, DEMO_LATE, out=out)
        outs.append(out)
    pages = sorted(p.relative_to(outs[0]) for p in (outs[0] / "subsidies").rglob("index.html"))
    assert pages
    rows = 0
    for rel in pages:
        a, b = (o / rel for o in outs)
        assert a.read_bytes() == b.read_bytes(), rel
        rows += a.read_text(encoding="utf-8").count('<tr id="r-')
    assert rows > 100
