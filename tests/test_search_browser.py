"""search.js in a real browser (headless Chromium via Playwright).

The test writes its own small site: an index built by build_search_index, a
search page and a home page that follow the markup contract documented at
the top of search.js, and search.js itself.  It is served under a sub-path
(http://127.0.0.1:<port>/county/town/) and also opened from file://.
"""

from __future__ import annotations

import http.server
import random
import shutil
import threading
from functools import partial
from pathlib import Path

import pytest
from search_oracle import parse_query, pick_grams, reference_search

from gongkai.emit.search_index import build_search_index
from gongkai.emit.search_text import INDEX_DIR, canon, shard_of, term_grams
from gongkai.plan.search_docs import SearchDoc, SearchRow

SEARCH_JS = Path(__file__).resolve().parent.parent / "themes" / "default" / "static" / "search.js"
SUB = "county/town"

HEADER = """<header><form class="gk-search" role="search" action="{action}" method="get">
<input id="gk-q" name="q" type="search"><button type="submit">搜索</button></form></header>"""

SEARCH_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>搜索</title></head><body>
{header}
<main><h1>搜索</h1>
<form class="gk-search gk-search-page" role="search" action="index.html" method="get">
<input id="gk-q2" name="q" type="search" autocomplete="off"><button type="submit">搜索</button></form>
<div id="gk-search-app" data-index="index/" data-root="../" aria-live="polite"></div></main>
<script src="../static/search.js" defer></script></body></html>"""

HOME = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>首页</title></head><body>
{header}<main><h1>首页</h1></main></body></html>"""

RECORD = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head><body>
<h1>{title}</h1><table>{rows}</table></body></html>"""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = "秀英兰芳桂珍玉华凤梅丽娟敏静霞红燕萍春金荣明建国平军伟强勇刚杰涛斌超波辉鹏忠林峰磊洪德福贵宝财"
VILLAGES = ["众兴村", "青石村", "红旗村", "柳塘村", "新河村"]


def fixture_docs() -> list[SearchDoc]:
    rng = random.Random(42)

    def name() -> str:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))

    def row(i: int, v: str, n: str) -> SearchRow:
        return SearchRow(
            f"r-{i}", f"{v} {rng.randint(1, 9)}组 {n} 32*************{rng.randint(100, 999)} 5.20 546.00", v
        )

    gengdi = [row(i, rng.choice(["青石村", "众兴村"]), name()) for i in range(1, 81)]
    gengdi[36] = SearchRow("r-37", "青石村 三组 张秀英 32*************234 5.20 546.00", "青石村")
    gengdi[4] = SearchRow("r-5", "众兴村 一组 王伟 32*************871 3.10 325.50", "众兴村")
    gengdi[59] = SearchRow("r-60", "众兴村 二组 欧阳小明 45*************09X 2.00 210.00", "众兴村")
    docs = [
        SearchDoc(
            "subsidies/gengdi-2015/",
            "2015年耕地地力保护补贴发放公示",
            "subsidy",
            "补贴公示",
            "乡财政所",
            "2015-05-10",
            2015,
            ("青石村", "众兴村"),
            "根据乡政发〔2015〕12号文件，现将2015年度耕地地力保护补贴发放情况公示如下。",
            tuple(gengdi),
        ),
        SearchDoc(
            "notices/docno-2015-12/",
            "关于印发耕地保护工作方案的通知",
            "notice",
            "通知公告",
            "乡人民政府",
            "2015-03-02",
            2015,
            (),
            "文号：乡政发〔2015〕12号。各村（社区）：现将方案印发给你们，请认真贯彻执行。",
        ),
        SearchDoc(
            "notices/meeting/",
            "关于召开众兴村村民代表会议的通知",
            "notice",
            "通知公告",
            "众兴村村民委员会",
            "2016-06-01",
            2016,
            ("众兴村",),
            "会议议程：一、审议 Wi-Fi 覆盖方案；二、讨论《村规民约》修订稿。会议地点：村部二楼会议室。",
        ),
    ]
    for i in range(24):
        year = 2014 + i % 6
        v = VILLAGES[i % len(VILLAGES)]
        if i % 2:
            rows = tuple(row(j, v, name()) for j in range(1, rng.randint(20, 300)))
            docs.append(
                SearchDoc(
                    f"subsidies/r{i}/",
                    f"{year}年农机购置补贴发放公示（{v}）",
                    "subsidy",
                    "补贴公示",
                    "乡农业服务中心",
                    f"{year}-0{1 + i % 9}-1{i % 10}",
                    year,
                    (v,),
                    f"项目：农机购置补贴。年度：{year}。",
                    rows,
                )
            )
        else:
            docs.append(
                SearchDoc(
                    f"notices/n{i}/",
                    f"{v}{year}年度村务公开",
                    "village",
                    "村务公开",
                    f"{v}村民委员会",
                    f"{year}-1{i % 3}-0{1 + i % 9}",
                    year,
                    (v,),
                    f"{v}{year}年第{i % 4 + 1}季度财务收支情况。经办人：{name()}。依据乡政发〔{year}〕{i}号。",
                )
            )
    return docs


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    docs = fixture_docs()
    www = tmp_path_factory.mktemp("www")
    root = www / SUB
    files = dict(build_search_index(docs))
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (root / "static").mkdir(parents=True)
    (www / "favicon.ico").write_bytes(b"")
    shutil.copy(SEARCH_JS, root / "static" / "search.js")
    (root / "search" / "index.html").write_text(
        SEARCH_PAGE.format(header=HEADER.format(action="index.html")), encoding="utf-8"
    )
    (root / "index.html").write_text(HOME.format(header=HEADER.format(action="search/index.html")), encoding="utf-8")
    for d in docs:
        page = root / d.url / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        rows = "".join(f'<tr id="{r.anchor}"><td>{r.text}</td></tr>' for r in d.rows)
        page.write_text(RECORD.format(title=d.title, rows=rows), encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/{SUB}/"
    yield {"docs": docs, "files": files, "root": root, "base": base}
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(chromium):
    """The session's headless Chromium (tests/conftest.py)."""
    return chromium


@pytest.fixture
def page(browser):
    ctx = browser.new_context()
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # console errors from our pages (not e.g. the browser's own favicon request)
    pg.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and SUB in m.location.get("url", SUB) else None
    )
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and SUB in r.url else None)
    pg.errors = errors
    yield pg
    ctx.close()


def wait_done(page) -> str:
    """Wait until the app has answered; return the status line."""
    page.wait_for_function(
        "() => { const s = document.querySelector('.gk-status'); return s && s.textContent && s.textContent !== '正在搜索…'; }"
    )
    return page.locator(".gk-status").text_content()


def hrefs(page) -> list[str]:
    return page.eval_on_selector_all(".gk-hit-title", "els => els.map(e => e.href)")


def search(page, base: str, q: str) -> str:
    page.goto(base + "search/index.html")
    wait_done(page)
    page.fill("#gk-q2", q)
    page.press("#gk-q2", "Enter")
    page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=q)
    return wait_done(page)


def test_js_normalisation_and_hash_match_python(site, page) -> None:
    page.goto(site["base"] + "search/index.html")
    samples = [
        "〔2015〕12号",
        "［2015］１２号",
        "ＡＢＣ abc Ｗｉ-Ｆｉ",
        "32*************234",
        "面积 5.20 亩 5..20 .5 5.",
        "张秀英，王伟。",
        "  \u3000前后\t空白\n",
        "①㈠Ⅻ½",
        "\uf900𠈌堃",
        "乡政发〔2015〕12号文件",
        "e\u0301 ﬁ ㎡",
    ]
    js = page.evaluate("ss => ss.map(s => GKSearch.canon(s))", samples)
    assert js == [canon(s) for s in samples]
    grams = ["张秀", "20", "𠈌堃", "a.", "号文", "ab"]
    js = page.evaluate("gs => gs.map(g => GKSearch.shardOf(g, 65536))", grams)
    assert js == [shard_of(g, 65536) for g in grams]


POOLS = [
    "abcXYZ0123456789",
    "".join(map(chr, range(0x21, 0x7F))),  # ASCII punctuation and symbols
    "".join(map(chr, range(0xFF01, 0xFF5F))),  # full-width forms
    "张秀英王伟欧阳小明众兴村耕地地力保护〔〕【】（）《》、，。；：“”‘’…—·",
    "\uf900\uf901\ufa10𠈌𠀀𪚥①②⑩㈠㊀Ⅻⅻ½㎡ﬁ™℃№",
    " \t\n\u3000\u00a0\u2002\u200b\ufeff\u0085\u001c\u2028\u180e\u00ad",
    "e\u0301a\u0308\u3099\u309a",  # combining marks
    "..**..**5.2.",
]


def test_js_and_python_agree_on_random_text(page) -> None:
    rng = random.Random(20150512)
    samples = []
    for _ in range(400):
        pools = rng.sample(POOLS, rng.randint(1, 4))
        samples.append("".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 24))))
    page.set_content("<!DOCTYPE html><meta charset=utf-8><body>")
    page.add_script_tag(path=str(SEARCH_JS))
    js = page.evaluate(
        "ss => ss.map(s => [GKSearch.canon(s), GKSearch.parse(s), GKSearch.parse(s).map(t => GKSearch.grams(t))])",
        samples,
    )
    for s, got in zip(samples, js, strict=True):
        terms = parse_query(s)
        assert got == [canon(s), terms, [pick_grams(term_grams(t)) for t in terms]], repr(s)


def test_typing_a_name_links_to_the_row(site, page) -> None:
    base = site["base"]
    status = search(page, base, "张秀英")
    assert status.startswith(("找到", "约"))
    links = hrefs(page)
    assert links[0] == base + "subsidies/gengdi-2015/index.html#r-37"
    hit = page.locator(".gk-hit").first
    assert hit.locator(".gk-rows mark").first.text_content() == "张秀英"
    meta = hit.locator(".gk-hit-meta").text_content()
    assert "补贴公示" in meta and "乡财政所" in meta and "2015-05-10" in meta
    page.locator(".gk-hit-title").first.click()
    page.wait_for_url("**/subsidies/gengdi-2015/index.html#r-37")
    assert page.evaluate("document.querySelector(':target').id") == "r-37"
    assert not page.errors


def test_live_typing_runs_without_enter(site, page) -> None:
    page.goto(site["base"] + "search/index.html")
    wait_done(page)
    page.locator("#gk-q").press_sequentially("欧阳小明", delay=30)
    page.wait_for_function("() => document.querySelectorAll('.gk-hit').length > 0")
    assert hrefs(page)[0].endswith("/county/town/subsidies/gengdi-2015/index.html#r-60")
    assert page.input_value("#gk-q2") == "欧阳小明"


def test_query_in_url_runs_and_fills_the_boxes(site, page) -> None:
    base = site["base"]
    page.goto(base + "search/?q=王伟")
    wait_done(page)
    assert base + "subsidies/gengdi-2015/index.html#r-5" in hrefs(page)
    assert page.input_value("#gk-q") == "王伟" and page.input_value("#gk-q2") == "王伟"
    assert not page.errors


def test_home_form_opens_the_search_page(site, page) -> None:
    base = site["base"]
    page.goto(base)
    page.fill("#gk-q", "张秀英")
    page.press("#gk-q", "Enter")
    page.wait_for_url("**/county/town/search/index.html?q=*")
    wait_done(page)
    assert hrefs(page)[0] == base + "subsidies/gengdi-2015/index.html#r-37"


@pytest.mark.parametrize(
    ("q", "url"),
    [
        ("众兴村", "notices/meeting/"),
        ("耕地地力", "subsidies/gengdi-2015/"),
        ("地力保护", "subsidies/gengdi-2015/"),
        ("〔2015〕12号", "notices/docno-2015-12/"),
        ("2015 12号", "notices/docno-2015-12/"),
        ("村规民约", "notices/meeting/"),
        ("wi-fi", "notices/meeting/"),
        ("2015年", "subsidies/gengdi-2015/"),
        ("2015", "subsidies/gengdi-2015/"),
    ],
)
def test_queries(site, page, q: str, url: str) -> None:
    base = site["base"]
    search(page, base, q)
    links = hrefs(page)
    assert any(h.split("#")[0] == base + url + "index.html" for h in links), (q, links)
    assert page.locator(".gk-results mark").count() > 0
    assert not page.errors


def test_title_hit_ranks_first(site, page) -> None:
    search(page, site["base"], "众兴村")
    in_title = ["众兴村" in t for t in page.locator(".gk-hit-title").all_text_contents()]
    assert in_title[0] and not in_title[-1]
    assert in_title == sorted(in_title, reverse=True)  # title hits first


def test_docno_does_not_match_other_numbers(site, page) -> None:
    search(page, site["base"], "〔2015〕12号")
    urls = {h.split("#")[0] for h in hrefs(page)}
    base = site["base"]
    assert urls == {base + "notices/docno-2015-12/index.html", base + "subsidies/gengdi-2015/index.html"}


def test_filters_and_more(site, page) -> None:
    base = site["base"]
    search(page, base, "补贴")
    n = page.locator(".gk-hit").count()
    assert n == 10
    page.click(".gk-more")
    page.wait_for_function("() => document.querySelectorAll('.gk-hit').length > 10")
    page.select_option("select[name=year]", "2015")
    page.wait_for_function("() => new URLSearchParams(location.search).get('year') === '2015'")
    wait_done(page)
    page.wait_for_function("() => document.querySelectorAll('.gk-hit').length > 0")
    metas = page.locator(".gk-hit-meta").all_text_contents()
    assert metas and all("2015-" in m for m in metas)
    page.select_option("select[name=year]", "")
    page.select_option("select[name=village]", "柳塘村")
    page.wait_for_function("() => new URLSearchParams(location.search).get('village') === '柳塘村'")
    wait_done(page)
    titles = page.locator(".gk-hit-title").all_text_contents()
    assert titles and all("柳塘村" in t for t in titles)
    # filters are part of the bookmark
    page.goto(base + "search/?q=补贴&type=subsidy&year=2015")
    wait_done(page)
    assert page.locator("select[name=year]").input_value() == "2015"
    assert all("补贴公示" in m for m in page.locator(".gk-hit-meta").all_text_contents())
    assert not page.errors


def test_short_and_missing(site, page) -> None:
    assert search(page, site["base"], "张") == "请至少输入两个字"
    assert page.locator(".gk-hit").count() == 0
    status = search(page, site["base"], "不存在的内容")
    assert status.startswith("没有找到")


def test_js_agrees_with_the_reference_client(site, page) -> None:
    docs, files = site["docs"], site["files"]
    read = lambda p: files[f"{INDEX_DIR}/{p}"]  # noqa: E731
    names = sorted({r.text.split(" ")[2] for d in docs for r in d.rows})
    random.Random(1).shuffle(names)
    queries = [*names[:40], "众兴村", "青石村", "补贴", "三组", "2015", "〔2015〕12号", "2015 12号", "5.20", "张 秀英"]
    page.goto(site["base"] + "search/index.html")
    wait_done(page)
    for q in queries:
        js = page.evaluate("async q => { await GKSearch.run(q); return GKSearch.results(); }", q)
        ref = reference_search(read, q)
        assert js == [[h.url, [a for a, _t in h.rows]] for h in ref.hits], q
    assert not page.errors


def test_file_url_explains_that_a_server_is_needed(site, page) -> None:
    url = (site["root"] / "search" / "index.html").as_uri() + "?q=张秀英"
    page.goto(url)
    notice = page.locator(".gk-notice")
    notice.wait_for()
    text = notice.text_content()
    assert "gongkai serve" in text and "发布到网站后使用" in text
    assert page.input_value("#gk-q2") == "张秀英"
