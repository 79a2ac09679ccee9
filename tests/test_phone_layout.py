"""Pages a villager reads on a phone, measured in headless Chromium (#16).

At 320 and 360 px, normal and 大字版, on the budget, catalogue, list, roster
and fund pages, JavaScript in the page measures what a reader would see:

- no text column narrower than 6 CJK characters when its text wraps
  (科目名称 one character a line: 行/政/运/行);
- no number cut inside its cell, by a chart's edge or by the screen's edge
  ("2,268.0", "4,970.7"): tables of amounts become cards on a phone;
- no chart value overlapping a bar's edge ("预算 3,000│,300.00");
- nothing wider than the screen outside a table's own scroller;
- the header's search placeholder shown whole; no 404 (favicon included).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from conftest import REPO, keep_names
from theme_tools import ALL, NOW, serve

from gongkai import build

PAGES = {
    "budget": "now/budgets/yusuan-2015/index.html",
    "budget-compare": "all/budgets/juesuan-2015/index.html",
    "catalogue": "now/catalogue/2015/index.html",  # a year of the 目录: its wide table
    "catalogue-years": "now/catalogue/index.html",
    "standard": "now/standard/index.html",
    "list": "now/lists/quanli-qingdan/index.html",
    "list-fees": "all/lists/shefei-qingdan/index.html",
    "roster": "now/subsidies/gengdi-2015/index.html",
    "goods": "now/subsidies/jiuzai-wuzi-2015/index.html",  # 救灾物资: a column per item
    "fund": "now/funds/fupin-2015/index.html",
    "records": "now/subsidies/index.html",
    "regulation": "now/regulations/zhaijidi-guanli-2012/index.html",  # 有效性 badge, successor, 解读
    "regulations": "now/regulations/index.html",  # 现行有效 / 已失效 parts
    "yishiyiyi": "now/yishiyiyi/sangyuan-daolu-2015/index.html",  # 一事一议: facts and spending lines
    "procurement": "now/procurements/liuying-qiaoliang-2015/index.html",  # 小额工程采购结果
    "asset": "now/assets/liuying-changfang-2015/index.html",  # 集体资产资源处置: facts, reasons
    "landtransfer": "now/land-transfers/qingshi-liuzhuan-2015/index.html",  # 土地经营权流转
    "proposal": "now/proposals/jianyi-2015-03/index.html",  # 建议提案: 办理结果 and facts
    "homestead": "now/homesteads/zhaijidi-2015-2/index.html",  # 宅基地审批: the batch's roster
    "institution": "now/institutions/qingshi-zhengfu/index.html",  # 机构概况: 领导 and 内设机构 as cards
    "home": "now/index.html",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    www = tmp_path_factory.mktemp("phone")
    root = tmp_path_factory.mktemp("phone-site")
    shutil.copytree(REPO / "content", root / "content")
    keep_names(root)
    build(root, NOW, out=www / "now")
    build(root, ALL, out=www / "all")
    with serve(www) as base:
        yield base


MEASURE = r"""() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  const px = (v) => parseFloat(v) || 0;
  const cjk = /[\u3400-\u9fff]/;
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  const textRect = (e) => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect(); };
  const hidden = (e) => { const r = e.getBoundingClientRect(); return !r.width || !r.height || !e.checkVisibility(); };

  // 1. sideways scroll: the page, and any box outside a table's own scroller
  if (document.documentElement.scrollWidth > vw) out.push(['page scrolls sideways', document.documentElement.scrollWidth]);
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('.table-wrap') || hidden(e) || e.closest('.visually-hidden, .skip-link')) continue;
    const r = e.getBoundingClientRect();
    if (r.right > vw + 0.5 || r.left < -0.5) out.push(['wider than the screen', name(e), Math.round(r.left), Math.round(r.right)]);
  }
  // 2. text columns: a cell whose text wraps has room for 6 characters
  for (const c of document.querySelectorAll('table th, table td')) {
    const cs = getComputedStyle(c);
    if (hidden(c) || !cjk.test(c.textContent) || cs.display !== 'table-cell') continue; // stacked cards: whole width
    const fs = px(cs.fontSize), lh = px(cs.lineHeight) || fs * 1.7;
    const w = c.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight);
    const t = textRect(c);
    if (t.height > lh * 1.5 && w < 6 * fs - 0.5) out.push(['narrow text column', name(c), c.textContent.trim().slice(0, 12), Math.round(w / fs * 10) / 10 + ' characters']);
  }
  // 2b. in a table that scrolls sideways anyway (marked wide), no cell's text runs down more than
  // 10 lines: a column squeezed to 6 characters made the 目录's 不予公开依据 a row 25 lines high
  for (const c of document.querySelectorAll('.table-wrap td')) {
    const w = c.closest('.table-wrap');
    if (hidden(c) || !w.querySelector('caption .scroll-hint')) continue;
    const cs = getComputedStyle(c);
    if (cs.display !== 'table-cell') continue;
    const lh = px(cs.lineHeight) || px(cs.fontSize) * 1.7;
    const lines = Math.round(textRect(c).height / lh);
    if (lines > 10) out.push(['tall squeezed cell', name(c), c.textContent.trim().slice(0, 12), lines + ' lines']);
  }
  // 3. numbers and roster names whole inside their cells
  for (const c of document.querySelectorAll('table .num, table td, table th')) {
    const figure = /^[\s\d,.%+\-−—]*\d[\s\d,.%+\-−—]*$/.test(c.textContent);
    if (hidden(c) || !(figure || c.matches('.roster .name'))) continue; // and names (李桂│ was cut in 大字版)
    const r = c.getBoundingClientRect(), t = textRect(c);
    if (t.left < r.left - 0.5 || t.right > r.right + 0.5) out.push(['cut by its cell', name(c), c.textContent.trim()]);
  }
  // 4. charts: every text inside the picture; a value never across a bar's edge
  for (const svg of document.querySelectorAll('svg.gk-chart')) {
    const s = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll('rect')].map((b) => b.getBoundingClientRect());
    for (const tx of svg.querySelectorAll('text')) {
      const t = tx.getBoundingClientRect();
      if (t.left < s.left - 0.5 || t.right > s.right + 0.5) out.push(['chart text cut', tx.textContent]);
      for (const b of bars) {
        const meets = t.right > b.left && t.left < b.right && t.bottom > b.top && t.top < b.bottom;
        const inside = t.left >= b.left && t.right <= b.right && t.top >= b.top && t.bottom <= b.bottom;
        if (meets && !inside) { out.push(['chart text across a bar', tx.textContent]); break; }
      }
    }
  }
  // 5. a table not marked wide (no 可左右滑动 hint) fits its box: no amount cut at the screen's edge
  for (const w of document.querySelectorAll('.table-wrap')) {
    if (hidden(w) || w.querySelector('caption .scroll-hint')) continue;
    if (w.scrollWidth > w.clientWidth + 1) out.push(['table cut at the screen edge', name(w.querySelector('table')), w.scrollWidth - w.clientWidth]);
  }
  // 6. the header's search placeholder is shown whole
  const q = document.querySelector('.site-header .gk-search input');
  if (q && q.placeholder) {
    const cs = getComputedStyle(q), ctx = document.createElement('canvas').getContext('2d');
    ctx.font = cs.fontSize + ' ' + cs.fontFamily;
    const room = q.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight);
    if (ctx.measureText(q.placeholder).width > room + 0.5) out.push(['placeholder cut', q.placeholder, Math.round(room)]);
  }
  return out;
}"""


def _summary(found: list[list]) -> list[str]:
    """One line per kind of problem and element, with its first example and a count."""
    seen: dict[tuple[str, str], list] = {}
    for f in found:
        seen.setdefault((f[0], str(f[1]) if len(f) > 2 else ""), [f, 0])[1] += 1
    return [f"{f} ×{n}" for f, n in seen.values()]


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("width", [320, 360])
def test_pages_read_on_a_phone(site: str, chromium, width: int, large: bool) -> None:
    ctx = chromium.new_context(viewport={"width": width, "height": 740}, locale="zh-CN")
    if large:
        ctx.add_init_script(script="try { localStorage.setItem('gk-large', '1') } catch (e) {}")
    page = ctx.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    problems = {}
    try:
        for kind, rel in PAGES.items():
            page.goto(site + rel)
            page.wait_for_load_state("load")
            if large:
                assert page.evaluate("document.documentElement.classList.contains('gk-large')"), kind
            found = page.evaluate(MEASURE)
            if found:
                problems[kind] = _summary(found)
    finally:
        ctx.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
    assert failed == []


def test_a_favicon_is_served(site: str, chromium) -> None:
    """Browsers ask for /favicon.ico whatever the page says; the site has one
    at its root and every page links it."""
    ctx = chromium.new_context()
    page = ctx.new_page()
    try:
        page.goto(site + PAGES["roster"])
        href = page.evaluate("document.querySelector('link[rel=icon]')?.href")
        assert href, "no <link rel=icon>"
        assert page.request.get(href).status == 200
        assert page.request.get(site + "now/favicon.ico").status == 200
    finally:
        ctx.close()


def test_the_section_bar_leaves_the_first_screen_to_what_is_on_notice(site: str, chromium) -> None:
    """With a dozen record types the section bar took six rows of a 360 px
    phone and pushed 正在公示 off the first screen.  On a phone the less used
    sections sit behind 更多栏目 (the 网站地图, which lists them all), and the
    section one is in stays in the bar; from 768 px every section shows."""
    ctx = chromium.new_context(viewport={"width": 360, "height": 640})
    page = ctx.new_page()
    try:
        page.goto(site + "now/index.html")
        rows = page.evaluate(
            "() => new Set([...document.querySelectorAll('.site-nav li')]"
            ".filter(li => li.offsetParent).map(li => li.getBoundingClientRect().top)).size"
        )
        assert rows <= 3, rows
        assert page.locator("main h2").first.bounding_box()["y"] < 640  # 正在公示 on the first screen
        hidden = page.evaluate("() => [...document.querySelectorAll('.site-nav li.nav-more a')].map(a => a.href)")
        assert hidden, "nothing behind 更多栏目"
        page.get_by_role("link", name="更多栏目").click()
        page.wait_for_url("**/sitemap/**")
        listed = page.evaluate("() => [...document.querySelectorAll('main a')].map(a => a.href)")
        for href in hidden:
            assert href in listed, href  # the 网站地图 links every section the bar leaves out
        page.goto(site + "now/regulations/index.html")
        current = page.locator('.site-nav a[aria-current="page"]')
        assert current.is_visible() and current.text_content() == "规范性文件"
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(site + "now/index.html")
        assert page.locator(".site-nav li.nav-more").first.is_visible()
        assert not page.get_by_role("link", name="更多栏目").is_visible()
    finally:
        ctx.close()
