"""The county search in a real browser (headless Chromium): the county
built by tests/county_fixture.py (one township broken, its last good site
kept) served under a sub-path; a name from each township is found, labelled
with its township and linked into that township's sub-site."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading
from functools import partial

import pytest
from county_fixture import DAY1, DAY2, TOWNS, break_dongfeng, make_county

SUB = "xxgk"  # base_path of the test county


def gk(*args: str) -> None:
    r = subprocess.run([sys.executable, "-m", "gongkai", *args], capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 1), r.stderr


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("county-www")
    folder = make_county(root)
    gk("build", str(folder), "--today", DAY1.isoformat())
    break_dongfeng(folder)
    gk("build", str(folder), "--today", DAY2.isoformat())
    www = root / "www"
    shutil.copytree(folder / "build", www / SUB)
    (www / "favicon.ico").write_bytes(b"")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{SUB}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(chromium):
    ctx = chromium.new_context(locale="zh-CN")
    pg = ctx.new_page()
    pg.errors = []
    pg.requests = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("response", lambda r: pg.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    ctx.close()


def wait_done(page) -> str:
    page.wait_for_function(
        "() => { const s = document.querySelector('.gk-status');"
        " return s && s.textContent && s.textContent !== '正在搜索…'; }"
    )
    return page.locator(".gk-status").text_content()


@pytest.mark.parametrize(("slug", "name", "person"), [(s, n, p) for s, n, _c, p in TOWNS])
def test_a_name_from_each_township_links_into_its_sub_site(
    served: str, page, slug: str, name: str, person: str
) -> None:
    page.goto(served + "index.html")
    page.fill("#gk-q", person)
    page.press("#gk-q", "Enter")  # the header form opens the county search page
    page.wait_for_url("**/search/index.html?q=*")
    status = wait_done(page)
    assert status.startswith("在 1 个乡镇中找到 1 条结果"), status
    assert page.evaluate("GKCounty.results()") == [[slug, f"notices/xianjin-{slug}/", []]]
    assert page.locator(".gk-hit-town").all_text_contents() == [name]
    href = page.eval_on_selector(".gk-hit-title", "e => e.href")
    assert href == f"{served}{slug}/notices/xianjin-{slug}/index.html"
    # only the gram filter and this township's index were fetched
    others = [u for u in page.requests if any(f"/{SUB}/{s}/" in u for s, *_ in TOWNS if s != slug)]
    assert others == []
    page.click(".gk-hit-title")
    page.wait_for_url(href)
    assert person in page.locator("main").text_content()
    assert page.errors == []


def test_a_query_in_every_township_lists_all_three(served: str, page) -> None:
    """Fewer results than a page: every township that has the words is searched."""
    page.goto(served + "search/index.html?q=" + "先进个人")
    assert wait_done(page) == "在 3 个乡镇中找到 3 条结果"
    assert sorted(r[0] for r in page.evaluate("GKCounty.results()")) == ["dongfeng", "hexi", "qingshi"]
    assert sorted(page.locator(".gk-hit-town").all_text_contents()) == sorted(n for _s, n, _c, _p in TOWNS)
    for href in page.eval_on_selector_all(".gk-hit-title", "els => els.map(e => e.href)"):
        assert page.request.get(href).ok, href
    assert page.locator(".gk-more").is_hidden()
    assert page.errors == []


def test_a_long_query_searches_a_few_townships_first(served: str, page) -> None:
    """Eight keys: two townships' shards fit the first query's budget; the
    third township is searched on "更多结果"."""
    q = "2015年度先进个人推荐人选公示"
    page.goto(served + "search/index.html?q=" + q)
    assert wait_done(page) == "在 2 个乡镇中找到 2 条结果（另有 1 个乡镇尚未搜索）"
    first = page.evaluate("GKCounty.results()")
    assert len(first) == 2
    fetched = {slug for slug, *_ in TOWNS if any(f"/{SUB}/{slug}/search/" in u for u in page.requests)}
    assert fetched == {r[0] for r in first}
    page.click(".gk-more")
    page.wait_for_function("() => GKCounty.results().length === 3")
    assert wait_done(page) == "在 3 个乡镇中找到 3 条结果"
    assert page.locator(".gk-more").is_hidden()
    assert page.errors == []


def test_short_and_missing(served: str, page) -> None:
    page.goto(served + "search/index.html?q=" + "不存在的人名字")
    assert wait_done(page) == "没有找到包含“不存在的人名字”的内容"
    page.fill("#gk-q2", "张")
    page.press("#gk-q2", "Enter")
    page.wait_for_function("() => document.querySelector('.gk-status').textContent === '请至少输入两个字'")
    assert page.errors == []
