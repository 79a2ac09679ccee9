"""Search over the built demo, in headless Chromium, under a sub-path."""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO

from gongkai import build, check
from gongkai.plan.homestead import HOMESTEAD_COLUMNS

ALL_PUBLISHED = date(2016, 12, 31)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory: pytest.TempPathFactory, demo_with_names: Path) -> Iterator[str]:
    www = tmp_path_factory.mktemp("www")
    build(demo_with_names, ALL_PUBLISHED, out=www / "build")
    shutil.move(str(www / "build"), str(www / "county" / "qingshi"))

    def handler(*args: object, **kwargs: object) -> _Quiet:
        return _Quiet(*args, directory=str(www), **kwargs)  # type: ignore[arg-type]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/county/qingshi/"
    server.shutdown()


def rosters() -> list:
    site = check(REPO, ALL_PUBLISHED).site
    assert site is not None
    return list(site.of_type("subsidy"))


def results(page, q: str) -> dict[str, list[str]]:
    pairs = page.evaluate("async q => { await GKSearch.run(q); return GKSearch.results(); }", q)
    return {url: anchors for url, anchors in pairs}


def test_every_name_on_every_roster_is_found(served_demo: str, chromium_page) -> None:
    page = chromium_page
    page.goto(served_demo + "search/index.html")
    page.wait_for_function("window.GKSearch && window.GKSearch.run")
    expected: dict[str, set[tuple[str, str]]] = {}
    for rec in rosters():
        for i, row in enumerate(rec.data["recipients"], start=1):
            expected.setdefault(row["name"], set()).add((rec.url, f"r-{i}"))
    assert len(expected) > 250
    missing = []
    for name, where in sorted(expected.items()):
        found = results(page, name)
        for url, anchor in where:
            # results link to data-root + url + index.html#anchor
            if anchor not in found.get(served_demo + url + "index.html", []) and anchor not in found.get(url, []):
                missing.append((name, url, anchor, found))
    assert missing == [], missing[:5]


@pytest.mark.parametrize(
    ("query", "url"),
    [
        ("青石村", "subsidies/gengdi-2015/"),
        ("耕地地力", "subsidies/gengdi-2015/"),
        ("地力保护", "subsidies/gengdi-2015/"),
        ("安财农〔2015〕12号", "subsidies/gengdi-2015/"),
        ("集贸市场", "decisions/jimao-shichang-zhengqiu/"),
        ("扶贫资金", "funds/fupin-2015/"),
        ("一般公共服务支出", "budgets/yusuan-2015/"),
    ],
)
def test_villages_programmes_and_document_numbers(served_demo: str, chromium_page, query: str, url: str) -> None:
    page = chromium_page
    page.goto(served_demo + "search/index.html?q=" + query)
    page.wait_for_selector(".gk-hit")
    links = page.eval_on_selector_all(".gk-hit a", "els => els.map(e => e.href)")
    assert any(h.startswith(served_demo + url + "index.html") for h in links), links


def test_result_link_opens_the_roster_at_the_row(served_demo: str, chromium_page) -> None:
    page = chromium_page
    rec = max(rosters(), key=lambda r: len(r.data["recipients"]))
    name = rec.data["recipients"][41]["name"]
    page.goto(served_demo + "index.html")
    page.fill("#gk-q", name)
    page.press("#gk-q", "Enter")
    page.wait_for_url("**/search/index.html?q=*")
    row_link = page.locator(".gk-rows a", has_text=name).first
    row_link.click()
    page.wait_for_load_state()
    assert "#r-" in page.url and page.url.startswith(served_demo)
    row = page.locator("tr:target")
    assert name in row.inner_text()
    assert "*" in row.inner_text()  # the ID number is shown masked


def test_non_public_records_are_not_searchable(served_demo: str, chromium_page) -> None:
    site = check(REPO, ALL_PUBLISHED).site
    hidden = [r for r in site.records if not r.is_public]
    page = chromium_page
    page.goto(served_demo + "search/index.html")
    page.wait_for_function("window.GKSearch && window.GKSearch.run")
    for rec in hidden:
        line = next(x.strip() for x in rec.body.splitlines() if len(x.strip()) > 12)
        assert results(page, line[:8]) == {}


def _status(page) -> str:
    """The status line once the results are shown and the filters counted."""
    page.wait_for_function(
        "() => { const s = document.querySelector('.gk-status'), f = document.querySelector('.gk-filters');"
        " return s && s.textContent && s.textContent !== '正在搜索…' && !(f && f.getAttribute('aria-busy') === 'true'); }"
    )
    return page.locator(".gk-status").text_content()


def test_roster_results_label_every_value(served_demo: str, chromium_page) -> None:
    """#16: a row found by name reads 村 青石村 · 组 二组 · 姓名 周琴 · … · 金额 724.50 元,
    not 青石村 二组 周琴 32…722 6.90 105.00 724.50."""
    page = chromium_page
    page.goto(served_demo + "search/index.html?q=周琴")
    page.wait_for_selector(".gk-rows a")
    text = page.locator(".gk-rows a").first.inner_text()
    for part in ("村 青石村", "组 二组", "姓名 周琴", "数量 6.90 亩", "标准 105.00 元/亩", "金额 724.50 元"):
        assert part in text, text
    labels = {"村", "组", "姓名", "身份证号", "数量", "标准", "金额", "备注"}
    labels |= {label for label, _unit in HOMESTEAD_COLUMNS}  # a 宅基地 batch's rows: 申请人, 批准面积 …
    # every row of every roster result: each value comes after its label
    for q in ("二组", "青石村", rosters()[0].data["recipients"][3]["name"]):
        page.goto(served_demo + "search/index.html?q=" + q)
        page.wait_for_selector(".gk-hit")
        rows = page.eval_on_selector_all(
            ".gk-rows a",
            """as => as.filter(a => !a.textContent.includes('更多匹配行')).map(a => [a.textContent,
                 [...a.querySelectorAll('.gk-cell')].map(c => [c.querySelector('.gk-label')?.textContent,
                   c.querySelector('.gk-value')?.textContent, c.textContent])])""",
        )
        assert rows, q
        squeeze = lambda s: "".join(s.split())  # noqa: E731
        for text, cells in rows:
            assert len(cells) >= 4 and all(lab in labels and val for lab, val, _c in cells), text
            assert "".join(squeeze(c) for _l, _v, c in cells) == squeeze(text), text  # no unlabelled text


def _options(page) -> list[tuple[str, str, int]]:
    out = page.eval_on_selector_all(
        ".gk-filters select",
        "ss => ss.flatMap(s => [...s.options].filter(o => o.value).map(o => [s.name, o.value, o.textContent]))",
    )
    return [(dim, value, int(label.rsplit("（", 1)[1].rstrip("）"))) for dim, value, label in out]


@pytest.mark.parametrize("query", ["周琴", "二组", "补贴", "青石村", "东湖村 补贴"])
def test_a_counted_filter_never_finds_nothing(served_demo: str, chromium_page, query: str) -> None:
    """#16: 周琴 offered 东湖村（1）, and choosing it gave 没有找到: counts and
    filtering must be over the same documents."""
    page = chromium_page
    page.goto(served_demo + "search/index.html?q=" + query)
    _status(page)
    options = _options(page)
    assert options or query == "周琴", query  # 周琴: one village, one type: no filter to offer
    for dim, value, count in options:
        page.goto(served_demo + "search/index.html?q=" + query)
        _status(page)
        page.select_option(f"select[name={dim}]", value)
        page.wait_for_function(f"() => new URLSearchParams(location.search).get('{dim}') !== null")
        status = _status(page)
        assert count > 0 and status == f"找到 {count} 条结果", (query, dim, value, count, status)
        assert page.locator(".gk-hit").count() == min(count, 10)


def test_a_name_is_counted_under_its_own_village_only(served_demo: str, chromium_page) -> None:
    page = chromium_page
    page.goto(served_demo + "search/index.html?q=周琴")
    _status(page)
    villages = {v for dim, v, _n in _options(page) if dim == "village"}
    assert "东湖村" not in villages
