"""Search index benchmark: synthetic township sites of 1k and 10k records.

    python bench/search_bench.py                  # 1000 and 10000 records
    python bench/search_bench.py --sizes 2000 --no-browser

Each size is built in a child process (so its peak memory is its own):
records are generated (a quarter are rosters of 20-300 rows with random
names, villages and masked ID numbers; the rest notices of ~1.5 KB of
Chinese text), the index is built and written, and the child reports build
time, peak RSS over the generated docs and the tracemalloc peak of the build
(a second child, as tracing slows the build).  The parent then measures the
files, the bytes the first query of several kinds downloads (as the Python
reference client counts them, and as Chromium fetched them from a local
http.server), and the in-browser latency of a query once the index files
are loaded (performance.now() around search + render, median).
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the reference search lives with the tests

from search_oracle import reference_search  # noqa: E402

from gongkai.emit.search_index import build_search_index  # noqa: E402
from gongkai.emit.search_text import INDEX_DIR  # noqa: E402
from gongkai.plan.search_docs import SearchDoc, SearchRow  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND = ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫"]
GIVEN = (
    "秀英兰芳桂珍玉华凤梅丽娟敏静霞红燕萍春金荣明建国平军伟强勇刚杰涛斌超波辉鹏忠林峰磊洪德福贵宝财发旺兴昌盛有根"
    "生才海山水云雨雪冬秋夏晓小大永长庆喜顺安宁志文武成嘉堃淼彬彦俊浩宇轩子涵欣怡佳琪雨欣梓萱思源博文婷婷丹丹雪梅"
    "秀兰秀珍桂英桂兰淑珍淑华淑英翠花翠兰爱国爱华爱民卫东卫国红军建华建军建平志强志明志刚海燕海涛家豪家乐振华振国"
)
COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"
    "行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其"
    "些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建"
    "月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接"
    "知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质村镇乡户保补贴发放标准核实审批申报"
    "公示监督举报电话联系办公室群众干部会议通知落实规定要求做好工作情况进一步加强推进开展组织领导责任单位有关事项"
)
VILLAGES = [
    "众兴村", "青石村", "红旗村", "柳塘村", "新河村", "石桥社区", "双龙村", "白果村", "金沙村", "前进村", "光明村", "胜利村",
    "东风村", "和平村", "永安村", "长乐村", "三星村", "五里村", "桃园村", "杨庄村", "李家村", "王岗村", "中心社区", "北湖村",
]  # fmt: skip
GROUPS = [f"{c}组" for c in "一二三四五六七八九十"] + ["十一组", "十二组"]
PROGRAMS = [
    "耕地地力保护补贴", "农机购置补贴", "城乡居民基本养老保险", "农村危房改造补助", "高龄津贴", "退耕还林补助",
    "生态公益林补偿", "城乡居民最低生活保障", "特困人员救助供养", "残疾人两项补贴", "稻谷目标价格补贴", "家庭农场奖补",
]  # fmt: skip
TYPES = [
    ("subsidy", "补贴公示"), ("notice", "通知公告"), ("finance", "财务公开"), ("village", "村务公开"),
    ("party", "党务公开"), ("procure", "招标采购"),
]  # fmt: skip
DEPTS = ["乡人民政府", "乡财政所", "乡民政办", "乡农业服务中心", "乡社会事务办", "乡党委", "乡纪委", "乡自然资源所"]
PHRASES = [
    "根据上级有关文件精神", "经村民代表大会讨论通过", "现将有关事项通知如下", "请各村（社区）高度重视",
    "认真组织实施", "确保各项工作落到实处", "公示期间如有异议", "可向乡纪委反映", "进一步加强组织领导",
    "切实做好宣传发动工作", "严格按照程序办理", "做到公开公平公正", "接受群众监督", "各相关单位要密切配合",
    "按时上报有关材料", "对弄虚作假的严肃追究责任", "本通知自发布之日起施行", "特此通知",
]  # fmt: skip

QUERIES_FIXED = [
    "众兴村",
    "耕地地力保护",
    "地力保护",
    "2015",
    "〔2015〕12号",
    "2015年",
    "石桥社区 2016",
    "补贴",
    "2015年耕地地力保护补贴发放名单公示",
]


def make_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.2:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)
    if r < 0.95:
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(COMPOUND) + rng.choice(GIVEN) + rng.choice(GIVEN)


def prose(rng: random.Random, nbytes: int, year: int, village: str, prog: str) -> str:
    out: list[str] = []
    size = 0
    while size < nbytes:
        r = rng.random()
        if r < 0.35:
            s = rng.choice(PHRASES)
        elif r < 0.45:
            s = f"依据乡政发〔{year}〕{rng.randint(1, 60)}号文件"
        elif r < 0.55:
            s = f"{village}{rng.choice(GROUPS)}{make_name(rng)}等{rng.randint(2, 90)}户享受{prog}"
        elif r < 0.62:
            s = f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日前完成{prog}资金发放共计{rng.randint(1000, 999999)}.{rng.randint(0, 99):02d}元"
        else:  # Zipf-ish words from common characters: realistic bigram spread
            s = "".join(COMMON[int(rng.paretovariate(0.9)) % len(COMMON)] for _ in range(rng.randint(6, 24)))
        out.append(s + rng.choice("，，，。；"))
        size += len(s.encode()) + 3
        if rng.random() < 0.08:
            out.append("\n\n")
    return "".join(out)


def make_docs(n: int, seed: int = 2015) -> list[SearchDoc]:
    rng = random.Random(seed)
    docs: list[SearchDoc] = []
    for i in range(n):
        year = rng.randint(2012, 2024)
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        prog = rng.choice(PROGRAMS)
        if rng.random() < 0.25:
            vils = rng.sample(VILLAGES, rng.choice([1, 1, 1, 2, 3, 6]))
            rows = []
            for j in range(rng.randint(20, 300)):
                v = rng.choice(vils)
                id_ = f"{rng.randint(11, 65)}{'*' * 13}{rng.randint(0, 999):03d}"
                text = f"{v} {rng.choice(GROUPS)} {make_name(rng)} {id_} {rng.randint(1, 30)}.{rng.randint(0, 99):02d} {rng.randint(50, 3000)}.00"
                rows.append(SearchRow(f"r-{j + 1}", text, v))
            docs.append(
                SearchDoc(
                    url=f"subsidies/{year}-{i}/",
                    title=f"{year}年{prog}发放名单公示（{'、'.join(vils[:3])}{'等' if len(vils) > 3 else ''}）",
                    type="subsidy",
                    type_label="补贴公示",
                    publisher=rng.choice(DEPTS[:5]),
                    date=date,
                    year=year,
                    villages=tuple(vils),
                    text=f"根据乡政发〔{year}〕{rng.randint(1, 60)}号文件，现将{year}年度{prog}发放名单公示如下。公示期7天。项目：{prog}",
                    rows=tuple(rows),
                )
            )
        else:
            t, label = rng.choice(TYPES[1:])
            v = rng.choice(VILLAGES)
            by_village = t == "village" or rng.random() < 0.2
            docs.append(
                SearchDoc(
                    url=f"{t}/{year}-{i}/",
                    title=f"关于{v if by_village else ''}{year}年{prog}{rng.choice(['工作', '资金', '对象', '事项'])}的{rng.choice(['通知', '公告', '公示', '报告'])}",
                    type=t,
                    type_label=label,
                    publisher=f"{v}村民委员会" if by_village else rng.choice(DEPTS),
                    date=date,
                    year=year,
                    villages=(v,) if by_village else (),
                    text=prose(rng, rng.randint(1000, 2000), year, v, prog),
                )
            )
    return docs


# --- child: generate + build ------------------------------------------------------------


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def child(n: int, out: Path | None, trace: bool) -> dict:
    docs = make_docs(n)
    rows = sum(len(d.rows) for d in docs)
    text_bytes = sum(len(d.text.encode()) + sum(len(r.text.encode()) for r in d.rows) for d in docs)
    base_rss = rss_kb()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    files = 0
    write = 0.0
    made: set[Path] = set()
    for rel, data in build_search_index(docs):
        files += 1
        if out is not None:
            t1 = time.perf_counter()
            p = out / rel
            if p.parent not in made:
                p.parent.mkdir(parents=True, exist_ok=True)
                made.add(p.parent)
            p.write_bytes(data)
            write += time.perf_counter() - t1
    took = time.perf_counter() - t0 - write
    res = {"records": n, "rows": rows, "text_mb": text_bytes / 1e6, "files": files, "build_s": took, "write_s": write}
    if trace:
        res["trace_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    else:
        res["docs_rss_mb"] = base_rss / 1024
        res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return res


def run_child(n: int, out: Path | None, trace: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", str(n)]
    if out is not None:
        cmd += ["--out", str(out)]
    if trace:
        cmd.append("--trace")
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


# --- parent: measure ---------------------------------------------------------------------


def measure_files(root: Path) -> dict:
    idx = root / INDEX_DIR
    sizes = {p: p.stat().st_size for p in idx.rglob("*.json")}
    shards = [s for p, s in sizes.items() if p.parent.name == "p"]
    docs = [s for p, s in sizes.items() if p.parent.name == "d" and "-" not in p.stem]
    blocks = [s for p, s in sizes.items() if p.parent.name == "d" and "-" in p.stem]
    sample = sorted(sizes)[:: max(1, len(sizes) // 400)]
    ratio = sum(len(gzip.compress(p.read_bytes())) for p in sample) / max(1, sum(sizes[p] for p in sample))
    return {
        "files": len(sizes),
        "total_mb": sum(sizes.values()) / 1e6,
        "gzip_ratio": ratio,
        "meta_kb": sizes[idx / "meta.json"] / 1e3,
        "shards": len(shards),
        "shard_avg_kb": sum(shards) / len(shards) / 1e3,
        "shard_max_kb": max(shards) / 1e3,
        "doc_files": len(docs),
        "doc_avg_kb": sum(docs) / max(1, len(docs)) / 1e3,
        "block_files": len(blocks),
        "block_avg_kb": sum(blocks) / max(1, len(blocks)) / 1e3,
    }


def pick_queries(root: Path) -> list[tuple[str, str]]:
    """A rare 3-character name, a 2-character name and a 4-character one, from the built rows."""
    rng = random.Random(9)
    idx = root / INDEX_DIR / "d"
    blocks: dict[int, list[Path]] = {}
    for p in idx.iterdir():
        if "-" in p.stem:
            blocks.setdefault(int(p.stem.split("-")[0]), []).append(p)
    names: dict[int, str] = {}
    for n in rng.sample(sorted(blocks), min(50, len(blocks))):  # rows in their order: whatever the blocks
        rows = [r for p in blocks[n] for r in json.loads(p.read_bytes())]
        for _a, text, _v in sorted(rows, key=lambda r: int(r[0][2:])):
            name = text.split(" ")[2]
            names.setdefault(len(name), name)
    out = [("name (3 chars)", names[3]), ("name (2 chars)", names[2])]
    if 4 in names:
        out.append(("name (4 chars)", names[4]))
    kinds = [
        "village",
        "programme",
        "part of programme",
        "year",
        "文号",
        "mixed",
        "two terms",
        "frequent word",
        "long title",
    ]
    return out + list(zip(kinds, QUERIES_FIXED, strict=True))


def serve(directory: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>搜索</title></head><body>
<form class="gk-search" action="index.html"><input name="q" type="search"><button>搜索</button></form>
<div id="gk-search-app" data-index="index/" data-root="../"></div>
<script src="../static/search.js" defer></script></body></html>"""


def browser_measure(www: Path, sub: str, queries: list[tuple[str, str]]) -> dict:
    from playwright.sync_api import sync_playwright

    server = serve(www)
    base = f"http://127.0.0.1:{server.server_address[1]}/{sub}/search/"
    done = "() => { const s = document.querySelector('.gk-status'); return s && s.textContent && s.textContent !== '正在搜索…'; }"
    counted = "() => !document.querySelector('.gk-filters[aria-busy=true]')"
    # when the results are first shown (the filters may still be counted after)
    shown = (
        "new MutationObserver((_, o) => { const s = document.querySelector('.gk-status');"
        " if (s && s.textContent && s.textContent !== '正在搜索…') { window.__gkShown = performance.now(); o.disconnect(); } })"
        ".observe(document, {subtree: true, childList: true, characterData: true});"
    )
    index_bytes = (
        "t => performance.getEntriesByType('resource').filter(e => e.name.includes('/search/index/') && e.startTime <= t)"
        ".reduce((n, e) => n + e.encodedBodySize, 0)"
    )
    out: dict = {"bytes": {}, "counted_bytes": {}, "options": {}, "cold_ms": {}, "warm_ms": {}, "status": {}}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for _kind, q in queries:  # first query on a fresh page: what it downloads
                ctx = browser.new_context()
                page = ctx.new_page()
                page.add_init_script(shown)
                page.goto(base + "?q=" + q)
                page.wait_for_function(done, timeout=60_000)
                out["bytes"][q] = page.evaluate(index_bytes, page.evaluate("window.__gkShown"))
                page.wait_for_function(counted, timeout=60_000)
                page.wait_for_timeout(200)  # the last batch's files
                out["counted_bytes"][q] = page.evaluate(index_bytes, 1e12)
                out["status"][q] = page.locator(".gk-status").text_content()
                out["options"][q] = page.eval_on_selector_all(
                    ".gk-filters option",
                    "os => [os.filter(o => o.value).length, os.filter(o => o.text.includes('至少')).length]",
                )
                ctx.close()
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(base)
            page.wait_for_function(done)
            for _kind, q in queries:
                out["cold_ms"][q] = page.evaluate("q => GKSearch.run(q)", q)
                warm = [page.evaluate("q => GKSearch.run(q)", q) for _ in range(7)]
                out["warm_ms"][q] = statistics.median(warm)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-trace", action="store_true")
    ap.add_argument("--keep", type=Path, help="write the sites here instead of a temporary folder")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.out, a.trace)))
        return

    work = a.keep or Path(tempfile.mkdtemp(prefix="gk-search-bench-"))
    sub = "county/town"
    browser = not a.no_browser and Path(CHROMIUM).exists()
    table = []
    for n in a.sizes:
        www = work / f"site-{n}"
        shutil.rmtree(www, ignore_errors=True)
        root = www / sub
        print(f"[{n}] generating and building…", file=sys.stderr)
        res = run_child(n, root, False)
        if not a.no_trace:
            res["trace_peak_mb"] = run_child(n, None, True)["trace_peak_mb"]
        res.update(measure_files(root))
        (root / "static").mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "themes/default/static/search.js", root / "static/search.js")
        (root / "search/index.html").write_text(PAGE, encoding="utf-8")
        queries = pick_queries(root)
        files_cache: dict[str, bytes] = {}

        def read(p: str, root: Path = root, cache: dict[str, bytes] = files_cache) -> bytes:
            if p not in cache:
                cache[p] = (root / INDEX_DIR / p).read_bytes()
            return cache[p]

        res["ref"] = {}
        for _kind, q in queries:
            r = reference_search(read, q)
            res["ref"][q] = (r.bytes, len(r.fetched), r.total, r.approx)
        res["queries"] = queries
        if browser:
            print(f"[{n}] browser…", file=sys.stderr)
            res["browser"] = browser_measure(www, sub, queries)
        table.append(res)
        if not a.keep:
            shutil.rmtree(www, ignore_errors=True)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    report(table)


def report(table: list[dict]) -> None:
    def line(label: str, fn) -> None:
        print(f"{label:<34}" + "".join(f"{fn(r):>16}" for r in table))

    print()
    line("records", lambda r: r["records"])
    line("  roster rows", lambda r: r["rows"])
    line("  source text (MB UTF-8)", lambda r: f"{r['text_mb']:.1f}")
    line("index files", lambda r: r["files"])
    line("  posting shards", lambda r: r["shards"])
    line("  doc files / rows blocks", lambda r: f"{r['doc_files']}/{r['block_files']}")
    line("total index size (MB)", lambda r: f"{r['total_mb']:.1f}")
    line("  gzip ratio (sampled)", lambda r: f"{r['gzip_ratio']:.2f}")
    line("meta.json (KB)", lambda r: f"{r['meta_kb']:.1f}")
    line("shard avg / max (KB)", lambda r: f"{r['shard_avg_kb']:.1f}/{r['shard_max_kb']:.0f}")
    line("doc file avg (KB)", lambda r: f"{r['doc_avg_kb']:.2f}")
    line("rows block avg (KB)", lambda r: f"{r['block_avg_kb']:.2f}")
    line("build time, index only (s)", lambda r: f"{r['build_s']:.1f}")
    line("  + writing the files (s)", lambda r: f"{r['write_s']:.1f}")
    line("RSS: docs in memory (MB)", lambda r: f"{r['docs_rss_mb']:.0f}")
    line("RSS: peak with build (MB)", lambda r: f"{r['peak_rss_mb']:.0f}")
    if "trace_peak_mb" in table[0]:
        line("build allocations peak (MB)", lambda r: f"{r['trace_peak_mb']:.0f}")
    print(
        "\nfirst-query bytes, KB (Python reference client | Chromium; + Chromium once the filters are counted); results"
    )
    for i in range(len(table[0]["queries"])):
        kind = table[0]["queries"][i][0]

        def cell(r: dict, i: int = i) -> str:
            q = r["queries"][i][1]
            b, _n, total, approx = r["ref"][q]
            c = "-"
            if "browser" in r:
                c = f"{r['browser']['bytes'][q] / 1e3:.0f}+{(r['browser']['counted_bytes'][q] - r['browser']['bytes'][q]) / 1e3:.0f}"
            return f"{b / 1e3:.0f}|{c} {'~' if approx else ''}{total}"

        print(f"  {kind:<32}" + "".join(f"{cell(r):>20}" for r in table))
    print(
        "  queries: "
        + "; ".join(
            " / ".join(dict.fromkeys(r["queries"][i][1] for r in table)) for i in range(len(table[0]["queries"]))
        )
    )
    if "browser" in table[0]:
        print("\nChromium once the filters are counted: status; filter values offered (of them counted only in part)")
        for i in range(len(table[0]["queries"])):
            kind = table[0]["queries"][i][0]

            def st(r: dict, i: int = i) -> str:
                q = r["queries"][i][1]
                status = r["browser"]["status"][q].replace(" 条结果", "").replace("找到 ", "").replace("约 ", "~")
                n, part = r["browser"]["options"][q]
                return f"{status[:8]}; {n} ({part})"

            print(f"  {kind:<32}" + "".join(f"{st(r):>20}" for r in table))
        print("\nin-browser latency, ms (median of 7 after the files are loaded | first run incl. local fetches)")
        for i in range(len(table[0]["queries"])):
            kind = table[0]["queries"][i][0]

            def lat(r: dict, i: int = i) -> str:
                q = r["queries"][i][1]
                return f"{r['browser']['warm_ms'][q]:.1f}|{r['browser']['cold_ms'][q]:.0f}"

            print(f"  {kind:<32}" + "".join(f"{lat(r):>16}" for r in table))
        allw = [r["browser"]["warm_ms"][q] for r in table for q in r["browser"]["warm_ms"]]
        print(f"  median over all queries and sizes: {statistics.median(allw):.1f} ms, max {max(allw):.1f} ms")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
