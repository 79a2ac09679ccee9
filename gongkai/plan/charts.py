"""Bar charts as static SVG, made at build time.  Pure and deterministic.

A chart is a picture plus the same numbers as a small table; templates
show both side by side (themes/default/templates/partials/chart.html), so
nobody has to read numbers off a picture and screen readers get the table.

The SVG has no viewBox: bars are drawn in percent of the box's width and
everything else in ``em``, so its text is as large as the page's (and grows
with the 大字版 switch), and it fits any width without horizontal scrolling.
Each bar carries its own value written just above it, so the chart does
not rely on colour.  It has no script, no event handler and no external reference.

- budget: spending by 类 (3-digit codes) of the general expenditure table;
  with the 决算 of the same fiscal year beside its 预算 when both are public.
- fund: each project's spent against allocated.
- subsidy: a summary by village (households, amount).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from markupsafe import Markup, escape

from gongkai.core.dataclass import dataclass
from gongkai.core.formats import money
from gongkai.core.model import Record, Site
from gongkai.core.schema.budget import stage_label

__all__ = [
    "Bar",
    "Chart",
    "LegendItem",
    "budget_chart",
    "expenditure_classes",
    "fund_chart",
    "record_chart",
    "village_chart",
]

LABEL_WIDTH = 12  # a label longer than this many CJK characters is broken into lines
LINE = Decimal("1.5")  # em per label line
BAR = Decimal("1")  # em: height of a bar (its value is written above it)
VALUE_WIDTH = 11  # a value longer than this many em is broken into lines
GAP = Decimal("0.3")  # em between two bars of one item
ITEM_GAP = Decimal("0.9")  # em after each item


@dataclass(frozen=True)
class Bar:
    """One bar: its length in percent of the longest, the text written on
    it, and its CSS class (colour and outline come from the theme's CSS,
    with fallbacks in the SVG so it also looks right on its own)."""

    pct: Decimal
    text: str
    kind: str  # "main", "budget", "final", "allocated", "spent"
    track: Decimal | None = None  # fund: the allocated amount drawn behind the spent one


@dataclass(frozen=True)
class LegendItem:
    kind: str  # the bar kind it explains
    label: str
    record: Record | None = None  # the record these bars come from, when it is another one


@dataclass(frozen=True)
class Chart:
    key: str  # "budget", "budget-compare", "fund", "villages"
    title: str
    description: str  # read by screen readers (<desc>)
    columns: tuple[str, ...]  # the table beside the picture
    rows: tuple[tuple[str, ...], ...]  # formatted cells, the first a row header
    total: tuple[str, ...] | None
    legend: tuple[LegendItem, ...]
    svg: Markup

    @property
    def title_id(self) -> str:
        return f"chart-{self.key}-title"


# --- geometry ---------------------------------------------------------------------------------


def _width(text: str) -> Decimal:
    """Approximate width of ``text`` in em: CJK characters 1, others 0.55."""
    return sum(
        (Decimal(1) if unicodedata.east_asian_width(c) in "WF" else Decimal("0.55") for c in text),
        Decimal(0),
    )


def wrap_label(label: str, width: int = LABEL_WIDTH) -> list[str]:
    """Break a long label into lines no wider than ``width`` em, preferring
    to break before an opening bracket."""
    lines: list[str] = []
    rest = label
    while _width(rest) > width:
        cut, w = 0, Decimal(0)
        for i, c in enumerate(rest):
            w += _width(c)
            if w > width:
                break
            cut = i + 1
        for i in range(cut - 1, max(cut // 2, 1) - 1, -1):
            if rest[i] in "（( \u3000":
                cut = i
                break
        lines.append(rest[:cut].rstrip(" \u3000"))
        rest = rest[cut:].lstrip(" \u3000")
    lines.append(rest)
    return lines


def _pct(value: Decimal, top: Decimal) -> Decimal:
    if top <= 0 or value <= 0:
        return Decimal(0)
    p = (value * 100 / top).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return max(p, Decimal("0.5"))  # a tiny amount stays visible


def _share(part: Decimal, whole: Decimal) -> str:
    """``part`` as a percentage of ``whole``, one decimal: "80.0%"."""
    if whole <= 0:
        return "—"
    return f"{(part * 100 / whole).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _em(v: Decimal) -> str:
    return f"{v.normalize():f}em"


def render_svg(key: str, title: str, description: str, items: Sequence[tuple[str, Sequence[Bar]]]) -> Markup:
    """items: (label, bars) from top to bottom.

    Each bar's value is written on its own line just above the bar, never
    on it: a bar is as long as a share of the box, a text as long as its
    characters, and on a 320 px phone in 大字版 no placing on the bar keeps
    every edge out of the figures ("预算 3,000│,300.00").  A long value
    breaks into lines of at most VALUE_WIDTH em, so it fits a phone too."""
    parts: list[str] = []
    y = Decimal(0)
    for label, bars in items:
        for line in wrap_label(label):
            y += LINE
            parts.append(f'<text class="label" x="0" y="{_em(y - Decimal("0.4"))}">{escape(line)}</text>')
        y += Decimal("0.1")
        for n, bar in enumerate(bars):
            if n:
                y += GAP
            lines = wrap_label(bar.text, VALUE_WIDTH)
            y += LINE
            tail = "".join(f'<tspan x="0" dy="{_em(LINE)}">{escape(t)}</tspan>' for t in lines[1:])
            parts.append(f'<text class="value" x="0" y="{_em(y - Decimal("0.4"))}">{escape(lines[0])}{tail}</text>')
            y += LINE * (len(lines) - 1) + Decimal("0.1")
            if bar.track is not None:
                parts.append(
                    f'<rect class="bar bar-allocated" x="0" y="{_em(y)}" width="{bar.track}%" height="{_em(BAR)}"'
                    ' fill="#fff" stroke="#4d4d4d" stroke-width="2"/>'
                )
            if bar.pct > 0:
                fill, stroke = _COLOURS[bar.kind]
                parts.append(
                    f'<rect class="bar bar-{bar.kind}" x="0" y="{_em(y)}" width="{bar.pct}%" height="{_em(BAR)}"'
                    f' fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
                )
            y += BAR
        y += ITEM_GAP
    height = y + Decimal("0.2")
    tid, did = f"chart-{key}-svg-title", f"chart-{key}-svg-desc"
    head = (
        f'<svg class="gk-chart" width="100%" height="{_em(height)}" role="img" aria-labelledby="{tid}"'
        f' aria-describedby="{did}"'
        ' font-size="1em" fill="#1a1a1a">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(description)}</desc>'
    )
    return Markup(head + "".join(parts) + "</svg>")


# fill, outline: the fill is light so the dark text on it keeps ≥ 7:1, the
# outline dark so the bar itself stands out ≥ 3:1 from the page.
_COLOURS = {
    "main": ("#c6dbef", "#1f4e79"),
    "budget": ("#e3e3e3", "#4d4d4d"),
    "final": ("#c6dbef", "#1f4e79"),
    "spent": ("#b8e0c2", "#0b6b2e"),
    "villages": ("#f5dcb4", "#7a4500"),
}


# --- budgets ----------------------------------------------------------------------------------


def _unit(rec: Record) -> str:
    return str(rec.data.get("unit") or "元")


def expenditure_classes(rec: Record) -> list[tuple[str, str, Decimal]]:
    """(code, name, amount) of each 类 (3-digit code) of the general
    expenditure table (一般公共预算支出表 / 支出决算表), in table order; [] when the
    record has none."""
    tables = [t for t in rec.data.get("tables", ()) if any(_is_class(r["code"]) for r in t["rows"])]
    if not tables:
        return []
    general = [t for t in tables if "一般公共预算" in t["name"] and "基本" not in t["name"]] or tables
    return [(r["code"], r["name"], r["amount"]) for r in general[0]["rows"] if _is_class(r["code"])]


def _is_class(code: str) -> bool:
    """A 类 of the functional classification of expenditure (2xx)."""
    return len(code) == 3 and code.startswith("2")


def counterpart(site: Site, rec: Record) -> Record | None:
    """The public 预算 of a 决算's fiscal year, or the 决算 of a 预算's; the
    newest one that has not itself been corrected."""
    stage = rec.data.get("stage")
    if stage not in ("budget", "final"):  # 预算调整 and 执行情况 stand alone
        return None
    other = "budget" if stage == "final" else "final"
    found = _chartable(site).get((rec.data.get("fiscal_year"), other), ())
    return max(found, key=lambda r: (r.date, r.id)) if found else None


def _chartable(site: Site) -> dict[tuple[Any, str], list[Record]]:
    """The uncorrected budgets with an expenditure table, by (fiscal year,
    stage): worked out once per site (Site.once), not once per budget page
    (500 budgets each scanning all 500 at 10,000 records)."""

    def make() -> dict[tuple[Any, str], list[Record]]:
        out: dict[tuple[Any, Any], list[Record]] = {}
        for r in site.of_type("budget"):
            if r.id not in site.corrections and expenditure_classes(r):
                out.setdefault((r.data.get("fiscal_year"), r.data.get("stage")), []).append(r)
        return out

    return site.once("chartable", make)


def _convert(amount: Decimal, from_unit: str, to_unit: str) -> Decimal:
    if from_unit == to_unit:
        return amount
    factor = Decimal(10000)
    v = amount / factor if to_unit == "万元" else amount * factor
    return v.quantize(Decimal("0.01"), ROUND_HALF_UP)


def budget_chart(rec: Record, other: Record | None) -> Chart | None:
    """``other``: the budget's counterpart (``counterpart``), compared when there is one."""
    classes = expenditure_classes(rec)
    if not classes:
        return None
    unit = _unit(rec)
    year = rec.data.get("fiscal_year")
    stage = "决算" if rec.data.get("stage") == "final" else "预算"
    if other is None:
        stage = stage_label(rec.data.get("stage", "budget"))
        ordered = sorted(classes, key=lambda c: (-c[2], c[0]))
        top = max(a for _, _, a in classes)
        total = sum((a for _, _, a in classes), Decimal(0))
        title = f"{year}年一般公共预算支出{stage}：各类支出（单位：{unit}）"
        items = [(name, [Bar(_pct(a, top), money(a), "main")]) for _, name, a in ordered]
        desc = f"条形图，按金额从多到少列出 {len(ordered)} 类支出：" + "；".join(
            f"{name} {money(a)} {unit}，占 {_share(a, total)}" for _, name, a in ordered
        )
        return Chart(
            "budget",
            title,
            desc + "。",
            ("支出类别", f"金额（{unit}）", "占合计"),
            tuple((name, money(a), _share(a, total)) for _, name, a in ordered),
            ("合计", money(total), "100.0%" if total > 0 else "—"),
            (LegendItem("main", f"{stage}数"),),
            render_svg("budget", title, desc + "。", items),
        )
    budget_rec, final_rec = (rec, other) if stage == "预算" else (other, rec)
    b = {c: (n, _convert(a, _unit(budget_rec), unit)) for c, n, a in expenditure_classes(budget_rec)}
    f = {c: (n, _convert(a, _unit(final_rec), unit)) for c, n, a in expenditure_classes(final_rec)}
    codes = list(dict.fromkeys([c for c, _, _ in classes] + list(b) + list(f)))
    zero = Decimal(0)
    rows = [(c, (f.get(c) or b[c])[0], b.get(c, (None, zero))[1], f.get(c, (None, zero))[1]) for c in codes]
    rows.sort(key=lambda r: (-(r[3] if stage == "决算" else r[2]), -(r[2] + r[3]), r[0]))
    top = max(max(r[2], r[3]) for r in rows)
    tb, tf = sum((r[2] for r in rows), zero), sum((r[3] for r in rows), zero)
    title = f"{year}年一般公共预算支出：决算与预算对比（单位：{unit}）"
    items = [
        (name, [Bar(_pct(bv, top), f"预算 {money(bv)}", "budget"), Bar(_pct(fv, top), f"决算 {money(fv)}", "final")])
        for _, name, bv, fv in rows
    ]
    desc = f"条形图，{len(rows)} 类支出，每类上面一条是预算数、下面一条是决算数：" + "；".join(
        f"{name} 预算 {money(bv)} {unit}、决算 {money(fv)} {unit}" for _, name, bv, fv in rows
    )
    return Chart(
        "budget-compare",
        title,
        desc + "。",
        ("支出类别", f"预算数（{unit}）", f"决算数（{unit}）", "决算为预算的"),
        tuple((name, money(bv), money(fv), _share(fv, bv)) for _, name, bv, fv in rows),
        ("合计", money(tb), money(tf), _share(tf, tb)),
        (
            LegendItem("budget", "预算数", other if other is budget_rec else None),
            LegendItem("final", "决算数", other if other is final_rec else None),
        ),
        render_svg("budget-compare", title, desc + "。", items),
    )


# --- funds and rosters --------------------------------------------------------------------------


def fund_chart(rec: Record) -> Chart | None:
    projects = rec.data.get("projects") or ()
    if not projects:
        return None
    zero = Decimal(0)
    top = max(p["allocated"] for p in projects)
    items = []
    rows = []
    for p in projects:
        alloc, spent = p["allocated"], p.get("spent", zero)
        share = _share(spent, alloc)
        bar = Bar(_pct(spent, top), f"已支出 {money(spent)}（{share}）", "spent", _pct(alloc, top))
        items.append((p["name"], [bar]))
        rows.append((p["name"], money(alloc), money(spent), share))
    ta = sum((p["allocated"] for p in projects), zero)
    ts = sum((p.get("spent", zero) for p in projects), zero)
    title = "各项目资金支出进度（单位：元）"
    desc = f"条形图，{len(projects)} 个项目，每条的白框长度是安排资金，框内填色部分是已支出资金：" + "；".join(
        f"{name} 安排 {a} 元、已支出 {s} 元（{sh}）" for name, a, s, sh in rows
    )
    return Chart(
        "fund",
        title,
        desc + "。",
        ("项目", "安排资金（元）", "已支出（元）", "支出比例"),
        tuple(rows),
        ("合计", money(ta), money(ts), _share(ts, ta)),
        (LegendItem("allocated", "安排资金"), LegendItem("spent", "已支出")),
        render_svg("fund", title, desc + "。", items),
    )


def village_summary(rec: Record) -> list[tuple[str, int, Decimal]]:
    """(village, households, amount) in the order villages first appear."""
    out: dict[str, list[Any]] = {}
    for row in rec.data.get("recipients", ()):
        s = out.setdefault(row["village"], [0, Decimal(0)])
        s[0] += 1
        s[1] += row["amount"]
    return [(v, n, a) for v, (n, a) in out.items()]


def village_chart(rec: Record) -> Chart | None:
    summary = village_summary(rec)
    if len(summary) < 2:
        return None
    top = max(a for _, _, a in summary)
    th = sum(n for _, n, _ in summary)
    ta = sum((a for _, _, a in summary), Decimal(0))
    title = "各村（社区）发放户数和金额（单位：元）"
    items = [(v, [Bar(_pct(a, top), f"{n} 户　{money(a)}", "villages")]) for v, n, a in summary]
    desc = f"条形图，{len(summary)} 个村（社区），条的长度是发放金额：" + "；".join(
        f"{v} {n} 户 {money(a)} 元" for v, n, a in summary
    )
    return Chart(
        "villages",
        title,
        desc + "。",
        ("村（社区）", "户数", "金额（元）"),
        tuple((v, str(n), money(a)) for v, n, a in summary),
        ("合计", str(th), money(ta)),
        (LegendItem("villages", "发放金额"),),
        render_svg("villages", title, desc + "。", items),
    )


def record_chart(rec: Record, other: Record | None = None) -> Chart | None:
    """The chart of a record page, or None (other types, too little data);
    ``other``: a budget's counterpart."""
    if rec.type == "budget":
        return budget_chart(rec, other)
    if rec.type == "fund":
        return fund_chart(rec)
    if rec.type == "subsidy":
        if rec.data.get("goods") and not rec.data["totals"]["amount"]:
            return None  # goods only: no money to chart (the roster's goods columns carry the totals)
        return village_chart(rec)
    return None
