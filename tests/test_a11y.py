"""The default theme for older readers, checked in headless Chromium.

axe-core (npm, not written here) over the home page, every list, every
record type, the catalogue, the archive and search; then what axe cannot
see: type size and line height, 320 px without sideways scrolling, the
大字版 switch, keyboard use, pages without JavaScript, 公示 badges computed
in the reader's browser, page weight and print.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from conftest import REPO, keep_names
from theme_tools import ALL, NOW, axe_source, serve

from gongkai import build

HOME = "now/index.html"
ROSTER = "now/subsidies/gengdi-2015/index.html"
BUDGET = "now/budgets/yusuan-2015/index.html"
COMPARE = "all/budgets/juesuan-2015/index.html"
SEARCH = "now/search/index.html?q=青石村"
PAGES = [
    HOME,
    *(
        f"now/{f}/index.html"
        for f in (
            "budgets",
            "subsidies",
            "funds",
            "decisions",
            "lists",
            "notices",
            "regulations",
            "yishiyiyi",
            "procurements",
            "proposals",
            "assets",
            "land-transfers",
            "homesteads",
            "institutions",
        )
    ),
    BUDGET,
    COMPARE,
    ROSTER,
    "now/subsidies/shouzai-jiuzhu-2015-gengzheng/index.html",  # a correction, with its diff table
    "now/subsidies/jiuzai-wuzi-2015/index.html",  # 救灾物资: a column per item with its total
    "now/funds/fupin-2015/index.html",
    "now/decisions/jimao-shichang-jueding/index.html",
    "now/lists/quanli-qingdan/index.html",
    "all/lists/shefei-qingdan/index.html",
    "now/notices/banshi-dibao/index.html",
    "now/regulations/zhaijidi-guanli-2012/index.html",  # a repealed 规范性文件: its badge, successor and 解读
    "now/proposals/jianyi-2015-03/index.html",  # a reply to a 代表建议: 办理结果 callout and facts
    "now/notices/jiedu-zhaijidi-guanli-2015/index.html",  # a 政策解读 linking back to its document
    "now/yishiyiyi/sangyuan-daolu-2015/index.html",  # 一事一议: meeting, 筹资筹劳 and spending lines
    "now/procurements/liuying-qiaoliang-2015/index.html",  # 小额工程采购结果
    "now/assets/hekou-yutang-2015/index.html",  # 集体资产资源处置 (a person's name withdrawn)
    "now/land-transfers/qingshi-liuzhuan-2015/index.html",  # 土地经营权流转 (households withdrawn)
    "now/homesteads/zhaijidi-2015-2/index.html",  # 宅基地审批: facts and the batch's roster
    "now/institutions/qingshi-zhengfu/index.html",  # 机构概况: 职能, 领导, 内设机构
    "now/notices/niandu-baogao-2014/index.html",  # Markdown tables
    "now/pages/jiandu/index.html",
    "now/pages/guide/index.html",
    "now/catalogue/index.html",
    "now/catalogue/2015/index.html",  # a year of the 目录: the table and the years' links
    "now/standard/index.html",  # the 标准目录: cards of 事项 with their status
    "now/archive/index.html",
    "now/archive/2015/05/index.html",
    SEARCH,
    "now/apply/index.html",
    "now/data/index.html",
    "now/data/2015/index.html",
    "now/postings/index.html",
    "now/postings/2015/05-12/index.html",  # a board posting with its photo
    "now/sitemap/index.html",  # the 网站地图 (国办发〔2017〕47号)
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo built as of NOW and ALL, served over HTTP: (base URL, folder).
    Its rosters keep their names on the site (keep_names): the roster pages'
    tables are what much of this checks."""
    www = tmp_path_factory.mktemp("theme")
    root = tmp_path_factory.mktemp("theme-site")
    shutil.copytree(REPO / "content", root / "content")
    keep_names(root)
    build(root, NOW, out=www / "now")
    build(root, ALL, out=www / "all")
    with serve(www) as base:
        yield base, www


def _open(page, url: str) -> None:
    page.goto(url)
    if "search/" in url:
        page.wait_for_selector(".gk-hit", timeout=15000)


# --- axe-core --------------------------------------------------------------------------------

RUN_AXE = """async (opts) => {
  const r = await axe.run(document, opts);
  return r.violations.map(v => ({id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').slice(0, 160))}));
}"""
AAA_CONTRAST = {"runOnly": {"type": "rule", "values": ["color-contrast-enhanced"]}}


def test_axe_finds_no_violation(site, chromium) -> None:
    """Every axe rule (WCAG 2.x A/AA and best practices) passes on every page,
    on a wide screen and on a phone with 大字版 on; and text contrast meets
    the enhanced 7:1 (AAA, color-contrast-enhanced) too."""
    base, _ = site
    axe = axe_source()
    found: list[str] = []
    for width, large in ((1280, False), (360, True)):
        ctx = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        ctx.add_init_script(script=axe)
        if large:
            ctx.add_init_script(script="try { localStorage.setItem('gk-large', '1') } catch (e) {}")
        page = ctx.new_page()
        for rel in PAGES:
            _open(page, base + rel)
            for opts in ({"resultTypes": ["violations"]}, AAA_CONTRAST):
                for v in page.evaluate(RUN_AXE, opts):
                    found.append(f"{width}px {rel}: {v['id']} ({v['impact']}) {v['nodes']}")
        # axe really ran: what it must catch on a broken copy of the page, it catches.
        page.evaluate("""document.querySelector('main').insertAdjacentHTML('beforeend',
            '<p style="color:#999">灰字</p><img src="x.png"><table><tr><td>1</td></tr></table>')""")
        caught = {v["id"] for v in page.evaluate(RUN_AXE, {"resultTypes": ["violations"]})}
        assert {"color-contrast", "image-alt"} <= caught, caught
        ctx.close()
    serious = [f for f in found if "(serious)" in f or "(critical)" in f]
    assert serious == [], "\n".join(serious)
    assert found == [], "\n".join(found)


# --- type, width, the 大字版 switch -----------------------------------------------------------

TEXT_METRICS = """() => {
  const out = {body: parseFloat(getComputedStyle(document.body).fontSize), bad: []};
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const t = walk.currentNode, el = t.parentElement, text = t.textContent.trim();
    if (!text || !el || el.closest('svg, script, .visually-hidden, noscript')) continue;
    if (!el.checkVisibility({visibilityProperty: true}) || !el.getClientRects().length) continue;
    const cs = getComputedStyle(el), fs = parseFloat(cs.fontSize), lh = parseFloat(cs.lineHeight);
    if (fs < 16 || !(lh / fs >= 1.499)) out.bad.push([el.tagName, el.className, text.slice(0, 16), fs, cs.lineHeight]);
  }
  return out;
}"""


def test_type_is_large_with_room_between_lines(site, chromium) -> None:
    """Base text 18 px (22 px with 大字版); nothing smaller than 16 px; line
    height at least 1.5 everywhere."""
    base, _ = site
    for large, body in ((False, 18), (True, 22)):
        ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        if large:
            ctx.add_init_script(script="try { localStorage.setItem('gk-large', '1') } catch (e) {}")
        page = ctx.new_page()
        for rel in (HOME, ROSTER, BUDGET, COMPARE, "now/funds/fupin-2015/index.html", "now/catalogue/2015/index.html"):
            _open(page, base + rel)
            m = page.evaluate(TEXT_METRICS)
            assert m["body"] >= body, rel
            assert m["bad"] == [], (rel, m["bad"][:5])
        ctx.close()


def test_nothing_scrolls_sideways_at_320px(site, chromium) -> None:
    """At 320 px, normal and 大字版, the page never scrolls sideways; wide
    tables scroll inside their own box."""
    base, _ = site
    for large in (False, True):
        ctx = chromium.new_context(viewport={"width": 320, "height": 640}, locale="zh-CN")
        if large:
            ctx.add_init_script(script="try { localStorage.setItem('gk-large', '1') } catch (e) {}")
        page = ctx.new_page()
        for rel in PAGES:
            _open(page, base + rel)
            width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
            assert width <= 320, (rel, large, width)
        _open(page, base + ROSTER)
        box = page.evaluate(
            "(() => { const w = document.getElementById('t-roster').closest('.table-wrap'); return [w.scrollWidth, w.clientWidth]; })()"
        )
        assert box[0] > box[1]  # the roster is wider than the phone: it scrolls in its box
        ctx.close()


def test_large_text_switch_persists_across_pages(site, chromium) -> None:
    base, _ = site
    ctx = chromium.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(base + HOME)
    button = page.locator("#gk-text-size")
    assert button.is_visible() and button.get_attribute("aria-pressed") == "false"
    font = "parseFloat(getComputedStyle(document.body).fontSize)"
    assert page.evaluate(font) == 18
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert page.evaluate(font) == 22
    # Another page: large from the first paint (site.js runs in <head>).
    page.goto(base + ROSTER, wait_until="commit")
    page.wait_for_selector("main", state="attached")
    assert page.evaluate("document.documentElement.classList.contains('gk-large')")
    page.wait_for_load_state()
    assert page.evaluate(font) == 22
    assert page.locator("#gk-text-size").get_attribute("aria-pressed") == "true"
    page.locator("#gk-text-size").click()
    page.reload()
    assert page.evaluate(font) == 18
    ctx.close()


# --- keyboard -----------------------------------------------------------------------------------

FOCUS = """() => {
  const el = document.activeElement, cs = getComputedStyle(el), r = el.getBoundingClientRect();
  return {tag: el.tagName, id: el.id, cls: el.className, text: (el.textContent || '').trim().slice(0, 12),
          outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2, ring: cs.boxShadow !== 'none',
          shown: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.left < innerWidth};
}"""


def test_keyboard_skip_link_visible_focus_and_scrollable_tables(site, chromium) -> None:
    base, _ = site
    ctx = chromium.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(base + ROSTER)
    page.keyboard.press("Tab")
    f = page.evaluate(FOCUS)
    assert f["cls"] == "skip-link" and f["shown"] and f["outline"], f
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Every Tab stop of the page, from the top, is on screen with a visible focus ring.
    page.reload()
    stops = []
    for _ in range(100):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS)
        if stop["tag"] == "BODY":  # past the last one
            break
        stops.append(stop)
    bad = [s for s in stops if not (s["outline"] and s["ring"] and s["shown"])]
    assert bad == [], [sorted(b.items()) for b in bad]
    assert 20 < len(stops) < 100
    assert any(s["id"] == "gk-text-size" for s in stops)  # the switch is reachable
    # The switch works from the keyboard.
    page.focus("#gk-text-size")
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.classList.contains('gk-large')")
    page.keyboard.press(" ")
    assert not page.evaluate("document.documentElement.classList.contains('gk-large')")
    # A wide table scrolls with the arrow keys once its box has focus.
    wrap = page.locator(".table-wrap:has(#t-roster)")
    wrap.focus()
    assert page.evaluate(FOCUS)["outline"]
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("w => w.scrollLeft > 0", arg=wrap.element_handle(), timeout=5000)  # scrolls smoothly
    ctx.close()


# --- without JavaScript; badges computed in the reader's browser --------------------------------


def _badges(page) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(".badge", "els => els.map(e => [e.className, e.textContent])")


def test_pages_work_without_javascript(site, chromium) -> None:
    base, _ = site
    ctx = chromium.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(base + HOME)
    assert not page.locator("#gk-text-size").is_visible()  # a switch that cannot work is not shown
    assert page.locator(".site-nav a").count() >= 8
    assert [tuple(b) for b in _badges(page)] == [
        ("badge badge-on", "公示中（还剩 2 天，2015年8月7日截止）"),
        ("badge badge-on", "公示中（还剩 8 天，2015年8月13日截止）"),
        ("badge badge-on", "公示中（还剩 8 天，2015年8月13日截止）"),
        ("badge badge-on", "公示中（还剩 2 天，2015年8月7日截止）"),
        ("badge badge-off", "公示已结束（2015年8月3日截止）"),  # the 救灾物资 roster
        ("badge badge-off", "公示已结束（2015年7月6日截止）"),
        # the ended 公示 of the 2015-05 roster and of 桑园村's 一事一议 plan left the latest list when the
        # 建议提案 reply and the 救灾物资 roster joined it
    ]
    page.goto(base + ROSTER)
    assert page.locator("table.roster tbody tr").count() == 240
    assert page.locator("svg.gk-chart").is_visible()
    page.goto(base + "now/search/index.html")
    assert "搜索需要浏览器开启 JavaScript" in page.locator("main").inner_text()
    ctx.close()


def test_badges_follow_the_readers_clock(site, chromium) -> None:
    """After the build date the badge is recomputed from data-start/data-end;
    on the build date it says exactly what the build wrote."""
    base, www = site
    built = re.findall(r'<span class="(badge [^"]+)"[^>]*>([^<]*)</span>', (www / HOME).read_text(encoding="utf-8"))
    ctx = chromium.new_context(locale="zh-CN")
    page = ctx.new_page()
    for when, expected in [
        (datetime(2015, 8, 5, 9), built),
        (
            datetime(2015, 8, 7, 20),
            [
                ("badge badge-on", "公示中（今天截止）"),
                ("badge badge-on", "公示中（还剩 6 天，2015年8月13日截止）"),
            ],
        ),
        (
            datetime(2015, 8, 14, 8),
            [
                ("badge badge-off", "公示已结束（2015年8月7日截止）"),
                ("badge badge-off", "公示已结束（2015年8月13日截止）"),
            ],
        ),
        (datetime(2015, 7, 1, 8), [("badge badge-soon", "公示未开始（2015年7月28日开始）")]),
    ]:
        page.clock.set_fixed_time(when)
        page.goto(base + HOME)
        badges = [tuple(b) for b in _badges(page)]
        if when.day == 5:
            assert badges == [tuple(b) for b in built]
        else:
            assert badges[: len(expected)] == expected, (when, badges)
    ctx.close()


# --- weight and paper ---------------------------------------------------------------------------

_ASSETS = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


def test_each_page_loads_at_most_50_kb_of_css_and_js_and_no_fonts(site) -> None:
    _, www = site
    heaviest = 0
    for page in (www / "now").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        total = sum((page.parent / href).stat().st_size for href in _ASSETS.findall(html))
        heaviest = max(heaviest, total)
        assert total <= 50 * 1024, (page, total)
    assert heaviest > 0
    static = www / "now" / "static"
    for css in static.rglob("*.css"):
        assert "@font-face" not in css.read_text(encoding="utf-8"), css
    fonts = [p for p in (www / "now").rglob("*") if p.suffix.lower() in (".woff", ".woff2", ".ttf", ".otf", ".eot")]
    assert fonts == []


def test_every_page_prints_without_navigation(site, chromium) -> None:
    base, _ = site
    ctx = chromium.new_context(locale="zh-CN")
    page = ctx.new_page()
    page.emulate_media(media="print")
    for rel in (HOME, BUDGET, ROSTER, "now/catalogue/2015/index.html"):
        page.goto(base + rel)
        for sel in (".site-nav", ".gk-search", ".skip-link", "#gk-text-size"):
            assert not page.locator(sel).first.is_visible(), (rel, sel)
        assert page.locator("main h1").is_visible()
        assert page.locator(".site-footer").is_visible()
        overflow = page.evaluate(
            "[...document.querySelectorAll('.table-wrap')].map(w => getComputedStyle(w).overflowX)"
        )
        assert set(overflow) <= {"visible"}, rel  # whole tables on paper, not a scroll box
        if rel == BUDGET:
            assert page.locator("svg.gk-chart").is_visible()
        assert len(page.pdf(format="A4")) > 1000
    ctx.close()
