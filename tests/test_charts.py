"""gongkai/charts.py: bar charts as static SVG, with the same numbers as text."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REPO

from gongkai import build, check
from gongkai.core.formats import money
from gongkai.core.model import Site
from gongkai.plan.charts import (
    _COLOURS,
    LABEL_WIDTH,
    _width,
    budget_chart,
    counterpart,
    expenditure_classes,
    fund_chart,
    record_chart,
    village_chart,
    wrap_label,
)

ALL = date(2016, 12, 31)
EARLY = date(2015, 5, 14)  # the 2015 预算 is out, its 决算 not yet


@pytest.fixture(scope="module")
def site() -> Site:
    s = check(REPO, ALL).site
    assert s is not None
    return s


def svg_tree(markup: str) -> ET.Element:
    """The SVG as XML (inline SVG in HTML carries no namespace)."""
    return ET.fromstring(str(markup))


def _lum(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_lum(a), _lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# --- budgets ---------------------------------------------------------------------------------


def test_budget_chart_shows_each_class_of_the_general_expenditure_table(site: Site) -> None:
    early = check(REPO, EARLY).site
    assert early is not None
    rec = early.by_id["yusuan-2015"]
    classes = expenditure_classes(rec)
    table = next(t for t in rec.data["tables"] if t["name"] == "一般公共预算支出表")
    assert [c for c, _, _ in classes] == [r["code"] for r in table["rows"] if len(r["code"]) == 3]
    chart = budget_chart(rec, counterpart(early, rec))
    assert chart is not None and chart.key == "budget"  # no 决算 of 2015 yet
    assert len(chart.rows) == len(classes)
    amounts = [Decimal(r[1].replace(",", "")) for r in chart.rows]
    assert amounts == sorted(amounts, reverse=True)  # biggest first
    assert chart.total is not None and chart.total[1] == money(table["total"])
    assert chart.rows[0] == ("一般公共服务支出", "10,563,700.00", "29.1%")
    svg = svg_tree(chart.svg)
    labels = [t.text for t in svg.iter("text") if t.get("class") == "label"]
    values = [t.text for t in svg.iter("text") if t.get("class") == "value"]
    assert labels == [r[0] for r in chart.rows]
    assert values == [r[1] for r in chart.rows]  # the numbers on the bars, formatted by money()
    widths = [float(r.get("width", "0").rstrip("%")) for r in svg.iter("rect")]
    assert max(widths) == 100.0 and all(0 < w <= 100 for w in widths)


def test_final_accounts_stand_beside_the_budget_of_the_same_year(site: Site) -> None:
    for rid in ("yusuan-2015", "juesuan-2015"):
        chart = budget_chart(site.by_id[rid], counterpart(site, site.by_id[rid]))
        assert chart is not None and chart.key == "budget-compare", rid
        row = dict((r[0], r[1:]) for r in chart.rows)["一般公共服务支出"]
        assert row == ("10,563,700.00", "11,128,323.72", "105.3%")
        values = [t.text for t in svg_tree(chart.svg).iter("text") if t.get("class") == "value"]
        assert "预算 10,563,700.00" in values and "决算 11,128,323.72" in values
        linked = [i.record.id for i in chart.legend if i.record is not None]
        assert linked == ["juesuan-2015" if rid == "yusuan-2015" else "yusuan-2015"]
    # 2014 has a 决算 but no 预算 in the demo: a chart of its own.
    only = budget_chart(site.by_id["juesuan-2014"], counterpart(site, site.by_id["juesuan-2014"]))
    assert only is not None and only.key == "budget"


def test_amounts_in_wan_yuan_are_compared_in_the_same_unit(site: Site) -> None:
    final = site.by_id["juesuan-2015"]
    tables = [
        {**t, "rows": tuple({**r, "amount": (r["amount"] / 10000).quantize(Decimal("0.01"))} for r in t["rows"])}
        for t in final.data["tables"]
    ]
    in_wan = dataclasses.replace(final, data={**final.data, "unit": "万元", "tables": tuple(tables)})
    other = dataclasses.replace(site, records=tuple(in_wan if r.id == final.id else r for r in site.records))
    chart = budget_chart(other.by_id["yusuan-2015"], counterpart(other, other.by_id["yusuan-2015"]))
    assert chart is not None
    row = dict((r[0], r[1:]) for r in chart.rows)["一般公共服务支出"]
    assert row == ("10,563,700.00", "11,128,300.00", "105.3%")  # the 万元 figures, back in 元
    assert "单位：元" in chart.title


# --- funds and rosters ---------------------------------------------------------------------------


def test_fund_chart_shows_spent_against_allocated(site: Site) -> None:
    rec = site.by_id["fupin-2015"]
    chart = fund_chart(rec)
    assert chart is not None
    assert [r[0] for r in chart.rows] == [p["name"] for p in rec.data["projects"]]
    assert chart.rows[1] == ("桑园村村组道路硬化", "420,000.00", "126,000.00", "30.0%")
    svg = svg_tree(chart.svg)
    tracks = [float(r.get("width").rstrip("%")) for r in svg.iter("rect") if "bar-allocated" in r.get("class")]
    spent = [float(r.get("width").rstrip("%")) for r in svg.iter("rect") if "bar-spent" in r.get("class")]
    assert len(tracks) == len(rec.data["projects"])
    assert max(tracks) == 100.0 and spent and all(s <= t for s, t in zip(spent, tracks, strict=False))


def test_roster_summary_by_village_adds_up(site: Site) -> None:
    rec = site.by_id["gengdi-2015"]
    chart = village_chart(rec)
    assert chart is not None
    assert chart.total == ("合计", str(rec.data["totals"]["households"]), money(rec.data["totals"]["amount"]))
    assert sum(int(r[1]) for r in chart.rows) == len(rec.data["recipients"])
    one = dataclasses.replace(rec, data={**rec.data, "recipients": rec.data["recipients"][:3]})
    assert village_chart(one) is None  # one village: nothing to compare


def test_other_records_have_no_chart(site: Site) -> None:
    for r in site.published:
        if r.type not in ("budget", "fund", "subsidy"):
            assert record_chart(r, counterpart(site, r) if r.type == "budget" else None) is None


# --- the picture itself --------------------------------------------------------------------------


def test_svg_is_static_accessible_deterministic_and_escaped(site: Site) -> None:
    rec = site.by_id["gengdi-2015"]
    hostile = "<script>alert(1)</script>村"
    rows = tuple({**r, "village": hostile} if i % 2 else r for i, r in enumerate(rec.data["recipients"]))
    chart = village_chart(dataclasses.replace(rec, data={**rec.data, "recipients": rows}))
    assert chart is not None
    text = str(chart.svg)
    assert "<script" not in text and "&lt;script&gt;" in text
    assert not re.search(r"\son\w+=|href=|http", text)  # no handler, no link, no namespace URL
    svg = svg_tree(chart.svg)
    assert svg.get("role") == "img"
    title, desc = svg.find("title"), svg.find("desc")
    assert title is not None and desc is not None
    assert svg.get("aria-labelledby") == title.get("id") and svg.get("aria-describedby") == desc.get("id")
    assert hostile in (desc.text or "")
    for r in site.published:  # the same input gives the same bytes
        a, b = (
            record_chart(r, counterpart(site, r) if r.type == "budget" else None),
            record_chart(r, counterpart(site, r) if r.type == "budget" else None),
        )
        assert (a and a.svg) == (b and b.svg)


def test_labels_wrap_to_fit_a_phone() -> None:
    for label in ("柳营村设施蔬菜大棚（村集体增收项目）", "医疗卫生与计划生育支出", "A" * 40, "一" * 25):
        lines = wrap_label(label)
        assert "".join(lines) == label
        assert all(_width(line) <= LABEL_WIDTH for line in lines)
    assert wrap_label("柳营村设施蔬菜大棚（村集体增收项目）") == ["柳营村设施蔬菜大棚", "（村集体增收项目）"]


def test_bar_colours_keep_text_at_7_to_1_and_bars_at_3_to_1() -> None:
    text = "#1a1a1a"
    for kind, (fill, stroke) in _COLOURS.items():
        assert contrast(text, fill) >= 7, kind  # the value written on the bar
        assert contrast(stroke, "#ffffff") >= 3, kind  # the bar's outline on the page
    assert contrast("#4d4d4d", "#ffffff") >= 3  # the outline of an allocated amount


def test_charts_appear_on_record_pages_with_their_numbers(tmp_path: Path, demo_with_names: Path) -> None:
    out = tmp_path / "out"
    build(demo_with_names, ALL, out=out)
    budget = (out / "budgets" / "juesuan-2015" / "index.html").read_text(encoding="utf-8")
    assert budget.count('<svg class="gk-chart"') == 1 and "决算与预算对比" in budget
    assert 'href="../../budgets/yusuan-2015/index.html"' in budget  # the legend links the 预算
    # the numbers beside the picture, each labelled for the phone's cards
    assert '<td class="num" data-label="决算数（元）">11,128,323.72</td>' in budget
    fund = (out / "funds" / "fupin-2015" / "index.html").read_text(encoding="utf-8")
    assert 'class="chart chart-fund chart-cols-4"' in fund
    roster = (out / "subsidies" / "gengdi-2015" / "index.html").read_text(encoding="utf-8")
    assert 'class="chart chart-villages chart-cols-3"' in roster and "分村汇总" in roster
    notice = (out / "notices" / "banshi-dibao" / "index.html").read_text(encoding="utf-8")
    assert "gk-chart" not in notice
