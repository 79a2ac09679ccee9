"""#16: every filter the search offers finds what it counted, for small and
large result sets (headless Chromium, a generated site under a sub-path).

The site is made so that counting from the postings goes wrong: 130 rosters
hold rows of two or three villages each, with 秀英 only in their first
village's rows (a roster's other villages must not be counted), and the
eight 2013 rosters hold 张秀兰 and 王秀英 side by side in one block but never
张秀英 (its two bigrams meet there: a candidate that is no result).  Every
count shown is checked against a brute-force reading of the documents, and
choosing the filter must show exactly that many results.
"""

from __future__ import annotations

import http.server
import random
import re
import shutil
import threading
from functools import partial
from pathlib import Path

import pytest

from gongkai.emit.search_index import COUNT_CAP, EXACT, build_search_index
from gongkai.emit.search_text import canon
from gongkai.plan.search_docs import SearchDoc, SearchRow

SEARCH_JS = Path(__file__).resolve().parent.parent / "themes" / "default" / "static" / "search.js"
SUB = "county/town"
VILLAGES = ["众兴村", "青石村", "红旗村", "柳塘村", "新河村", "东湖村", "白果村", "金沙村"]
SURNAMES = "李赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = "玉华凤梅丽娟敏静霞红燕萍春金荣明建国平军伟强勇刚杰涛斌超波辉鹏忠林峰磊洪德福贵宝财"
COLUMNS = (("村", ""), ("组", ""), ("姓名", ""), ("身份证号", ""), ("数量", "亩"), ("标准", "元/亩"), ("金额", "元"))

SEARCH_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>搜索</title></head><body>
<main><h1>搜索</h1>
<form class="gk-search gk-search-page" role="search" action="index.html" method="get">
<input id="gk-q2" name="q" type="search" autocomplete="off"><button type="submit">搜索</button></form>
<div id="gk-search-app" data-index="index/" data-root="../" aria-live="polite"></div></main>
<script src="../static/search.js" defer></script></body></html>"""


def facet_docs() -> list[SearchDoc]:
    rng = random.Random(16)

    def filler() -> str:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))

    docs = []
    for i in range(130):
        year = 2013 + i % 7 if i < 50 else 2020 + i % 3
        vils = rng.sample(VILLAGES, 2 + i % 2)
        names = [filler() for _ in range(40)]
        if year == 2013:
            names[5], names[6] = "张秀兰", "王秀英"  # 张秀 and 秀英 in one block, never 张秀英
        elif year >= 2020:
            names[5] = "何秀英"
        else:
            names[5] = "张秀英"
        if i in (3, 40):
            names[30] = "欧阳小明"
        if i >= 50 and i % 2:
            names[10] = "孔乙"  # a two-character name: its postings are exact
        rows = []
        for j, name in enumerate(names):
            v = vils[0] if j in (5, 6) else vils[-1] if j == 10 else rng.choice(vils[1:])
            money = f"{rng.randint(100, 900)}.00"
            cells = (
                v,
                f"{rng.randint(1, 9)}组",
                name,
                f"32*************{rng.randint(100, 999)}",
                "5.20",
                "105.00",
                money,
            )
            rows.append(SearchRow(f"r-{j + 1}", "\t".join(cells), v))
        docs.append(
            SearchDoc(
                f"subsidies/r{i}/",
                f"{year}年耕地地力保护补贴发放公示（{'、'.join(vils)}）",
                "subsidy",
                "补贴公示",
                "乡财政所" if i % 2 else "乡民政办",
                f"{year}-0{1 + i % 9}-1{i % 10}",
                year,
                tuple(vils),
                f"项目：耕地地力保护补贴。年度：{year}。",
                tuple(rows),
                COLUMNS,
            )
        )
    for i in range(20):
        year = 2013 + i % 7
        v = VILLAGES[i % len(VILLAGES)]
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
                f"{v}{year}年财务收支情况。经办人：{'李秀英' if i % 4 == 0 else filler()}。",
            )
        )
    return docs


def truth(docs: list[SearchDoc], q: str) -> dict[str, dict[str, set[str]]]:
    """dim → value → urls of the documents that hold every term of ``q``,
    a village counting a roster only when the terms not in its own text are
    in that village's rows (as the filtered search reads it)."""
    terms = [canon(t) for t in q.split()]
    out: dict[str, dict[str, set[str]]] = {"type": {}, "year": {}, "pub": {}, "village": {}}
    for d in docs:
        vils = list(dict.fromkeys([*d.villages, *(r.village for r in d.rows)]))
        own = [canon(d.title), canon(d.text), canon(" ".join([d.publisher, *vils]))]
        rest = [t for t in terms if not any(t in h for h in own)]
        rows = [(r.village, canon(r.text)) for r in d.rows]
        if not all(any(t in c for _v, c in rows) for t in rest):
            continue
        here = [v for v in vils if all(any(t in c for rv, c in rows if rv == v) for t in rest)]
        for dim, values in (("type", [d.type]), ("year", [str(d.year)]), ("pub", [d.publisher]), ("village", here)):
            for value in values:
                out[dim].setdefault(value, set()).add(d.url)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    docs = facet_docs()
    www = tmp_path_factory.mktemp("www")
    root = www / SUB
    for rel, data in build_search_index(docs):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (root / "static").mkdir(parents=True)
    (www / "favicon.ico").write_bytes(b"")
    shutil.copy(SEARCH_JS, root / "static" / "search.js")
    (root / "search" / "index.html").write_text(SEARCH_PAGE, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"docs": docs, "base": f"http://127.0.0.1:{server.server_address[1]}/{SUB}/"}
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(chromium):
    ctx = chromium.new_context(locale="zh-CN")
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("response", lambda r: pg.errors.append(f"{r.status} {r.url}") if r.status >= 400 and SUB in r.url else None)
    yield pg
    ctx.close()


def settled(page) -> str:
    """Wait until the results are shown and the filters counted; the status line."""
    page.wait_for_function(
        "() => { const s = document.querySelector('.gk-status'), f = document.querySelector('.gk-filters');"
        " return s && s.textContent && s.textContent !== '正在搜索…' && f && f.getAttribute('aria-busy') !== 'true'; }"
    )
    return page.locator(".gk-status").text_content()


def options(page) -> list[tuple[str, str, str]]:
    """(dim, value, count as shown) of every filter offered."""
    got = page.eval_on_selector_all(
        ".gk-filters select",
        "ss => ss.flatMap(s => [...s.options].filter(o => o.value).map(o => [s.name, o.value, o.textContent]))",
    )
    return [(dim, value, label[label.rindex("（") + 1 : -1]) for dim, value, label in got]


# 秀英: 135 candidates, 130 rosters whose one block each is more files than
# are read to count (COUNT_CAP); 张秀英: 50 candidates (a doc and a block
# each), 8 of them no result, all read in the background; 欧阳小明 and
# 李秀英: few, read before the filters are drawn; 孔乙: 40 rosters of two or
# three villages, its postings exact (its one key), its villages told by
# the blocks it is in, read in the background.
QUERIES = ["秀英", "张秀英", "孔乙", "张秀英 青石村", "欧阳小明", "李秀英", "补贴 东湖村", "秀英 2021"]


def test_the_site_has_the_traps(site) -> None:
    """The queries are as large as the tests say, and the postings over-count."""
    docs = site["docs"]
    assert len(truth(docs, "张秀英")["year"]) == 6  # 2013's eight candidates are no results
    assert EXACT < sum(len(u) for u in truth(docs, "张秀英")["year"].values()) < COUNT_CAP // 2
    assert sum(len(u) for u in truth(docs, "秀英")["year"].values()) > COUNT_CAP
    assert sum(len(u) for u in truth(docs, "欧阳小明")["year"].values()) <= EXACT
    assert EXACT < sum(len(u) for u in truth(docs, "孔乙")["year"].values()) < COUNT_CAP


def hit_urls(page, base: str) -> set[str]:
    hits = page.eval_on_selector_all(".gk-hit-title", "as => as.map(a => a.href)")
    return {re.sub(r"index\.html(#.*)?$", "", h)[len(base) :] for h in hits}


@pytest.mark.parametrize("q", QUERIES)
def test_every_count_shown_is_exact_and_every_filter_finds_it(site, page, q: str) -> None:
    """A count shown is the number of results its filter finds; a count not
    yet certain reads 至少 n (n of them found) or …, never a wrong number."""
    base, want = site["base"], truth(site["docs"], q)
    url = base + "search/index.html?q=" + q
    page.goto(url)
    settled(page)
    offered = options(page)
    assert offered or len(want["type"]) == 1, q
    partial = False
    for dim, value, shown in offered:
        real = len(want[dim].get(value, ()))
        if shown.startswith("至少 "):
            assert 0 < int(shown[3:]) <= real, (q, dim, value, shown, real)
            partial = True
        elif shown == "…":
            partial = True
        else:
            assert shown.isdigit() and int(shown) == real, (q, dim, value, shown, real)
    assert partial == (q == "秀英"), q  # only the query over COUNT_CAP stops counting early
    shown_dims = {dim for dim, _v, _n in offered}
    expected = {(dim, v) for dim in shown_dims for v in want[dim]}
    if partial:  # every value with a result is offered (and maybe some without)
        assert expected <= {(dim, v) for dim, v, _n in offered}, q
    else:
        assert {(dim, v) for dim, v, _n in offered} == expected, q
    for dim, value, shown in offered:
        page.goto(url)
        settled(page)
        page.select_option(f"select[name={dim}]", value)
        page.wait_for_function(f"() => new URLSearchParams(location.search).get('{dim}') !== null")
        status = settled(page)
        urls = hit_urls(page, base)
        assert urls <= want[dim].get(value, set()), (q, dim, value)
        if shown.isdigit():
            assert status == f"找到 {shown} 条结果", (q, dim, value, status)
            assert len(urls) == min(int(shown), 10), (q, dim, value)
        elif shown.startswith("至少 "):
            assert len(urls) >= min(int(shown[3:]), 10), (q, dim, value, status)
    assert not page.errors
