"""County portal benchmark: a synthetic county of T townships × N records.

    python bench/county_bench.py                      # 40 townships × 2,000 records
    python bench/county_bench.py --townships 5 --records 200 --no-browser

Each township is a synthetic site (bench/synth.py, its own seed, so its
names differ).  Generation is not measured.  Then, each in a child process:

1. the one-command county build (``gongkai build COUNTY``: every township
   in its own process, as many at once as --jobs, then the merge): wall
   time and total CPU (user + system of the build and all its workers);
2. the merge alone, run again on the artefacts (``gongkai county merge``,
   what the CI merge job does): wall, CPU and peak RSS of that process;
3. the first query's download in Chromium over a local http.server with
   the county under a sub-path: every byte of the county manifest, gram
   and trigram shards and township index files the page fetched for one query on a
   fresh page (scripts and the page itself not counted), for a rare name,
   a common word, a village and a programme.

Figures are printed, never asserted.  On a shared machine the wall times
are what they are; CPU totals are steadier.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synth import TODAY, generate  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SUB = "xxgk"
QUERIES = [("common word", "补贴"), ("village", "青石村"), ("programme", "耕地地力保护")]


def make_county(work: Path, townships: int, records: int) -> Path:
    county = work / "county"
    lines = ["name: 基准县政务公开", "organization: 基准县人民政府", f"base_path: /{SUB}/", "townships:"]
    for i in range(townships):
        slug = f"t{i:02d}"
        generate(county / "towns" / slug, records, seed=i + 1)
        lines += [f"  - slug: {slug}", f"    name: 第{i + 1}镇", f"    path: towns/{slug}"]
    (county / "county.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return county


def timed(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall s, CPU s of the command and every process it waited for, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r


def merge_child(county: Path) -> None:
    """Run in a fresh process: the merge alone, its own time and peak memory."""
    from gongkai.commands.county import load_county, merge

    t0, c0 = time.perf_counter(), time.process_time()
    result = merge(load_county(county), TODAY)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB → MB on Linux
    print(json.dumps({"wall": wall, "cpu": cpu, "rss_mb": rss, "files": result.files, "bytes": result.bytes}))


def rare_name(out: Path, slug: str) -> str:
    """A 3-character recipient name from a roster of one township."""
    rng = random.Random(7)
    blocks = sorted(p for p in (out / slug / "search" / "index" / "d").iterdir() if "-" in p.stem)
    for p in rng.sample(blocks, min(100, len(blocks))):
        for _a, text, _v in json.loads(p.read_bytes()):
            name = text.split(" ")[2]
            if len(name) == 3:
                return name
    return "欧阳青松"


def browser_bytes(out: Path, queries: list[tuple[str, str]]) -> list[tuple[str, str, int, str]]:
    from playwright.sync_api import sync_playwright

    www = Path(tempfile.mkdtemp(prefix="gk-county-www-"))
    (www / SUB).symlink_to(out, target_is_directory=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/{SUB}/search/index.html"
    done = "() => { const s = document.querySelector('.gk-status'); return s && s.textContent && s.textContent !== '正在搜索…'; }"
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for kind, q in queries:
                ctx = browser.new_context()
                page = ctx.new_page()
                page.goto(base + "?q=" + q)
                page.wait_for_function(done, timeout=120_000)
                n = page.evaluate(
                    "() => performance.getEntriesByType('resource')"
                    ".filter(e => e.name.endsWith('.json') || e.name.endsWith('.bin'))"
                    ".reduce((n, e) => n + e.encodedBodySize, 0)"
                )
                rows.append((kind, q, n, page.locator(".gk-status").text_content() or ""))
                ctx.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(www)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description="gongkai county portal benchmark")
    ap.add_argument("--townships", type=int, default=40)
    ap.add_argument("--records", type=int, default=2000, help="records per township")
    ap.add_argument("--workdir", type=Path, help="where to generate and build (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the generated county")
    ap.add_argument("--no-browser", action="store_true", help="skip the first-query download (Chromium)")
    ap.add_argument("--merge-child", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.merge_child:
        merge_child(a.merge_child)
        return
    work = a.workdir or Path(tempfile.mkdtemp(prefix="gk-county-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"generating {a.townships} townships × {a.records} records in {work} …", flush=True)
        county = make_county(work, a.townships, a.records)
        wall, cpu, r = timed([sys.executable, "-m", "gongkai", "build", str(county), "--today", TODAY.isoformat()])
        if r.returncode != 0:
            sys.exit(f"county build failed:\n{r.stderr[-3000:]}")
        out = county / "build"
        print(f"\ncores: {os.cpu_count()}")
        print(f"one-command county build: wall {wall:.1f} s, CPU {cpu:.1f} s (all processes)")
        mwall, mcpu, r = timed([sys.executable, __file__, "--merge-child", str(county)])
        if r.returncode != 0:
            sys.exit(f"merge failed:\n{r.stderr[-3000:]}")
        m = json.loads(r.stdout)
        print(
            f"merge alone (CI merge job): {m['wall']:.2f} s in merge(), CPU {m['cpu']:.2f} s, peak RSS {m['rss_mb']:.0f} MB"
            f" (process incl. start-up: wall {mwall:.2f} s, CPU {mcpu:.2f} s); {m['files']} files, {m['bytes'] / 1e6:.1f} MB"
        )
        manifest = (out / "search" / "county.json").stat().st_size
        grams = list((out / "search" / "g").iterdir())
        total = sum(p.stat().st_size for p in grams)
        print(
            f"county search: manifest {manifest / 1024:.1f} KB; {len(grams)} gram shards, "
            f"{total / 1e6:.1f} MB in all, {total / len(grams) / 1024:.1f} KB on average"
        )
        tris = list((out / "search" / "t").iterdir())
        ttotal = sum(p.stat().st_size for p in tris)
        print(
            f"trigram filter: {len(tris)} shards, {ttotal / 1e6:.1f} MB in all, {ttotal / len(tris) / 1024:.1f} KB each"
        )
        if not a.no_browser and Path(CHROMIUM).exists():
            queries = [("rare name", rare_name(out, f"t{a.townships // 2:02d}")), *QUERIES]
            print("\nfirst query, bytes of index files (JSON, trigram shards) fetched by Chromium (fresh page):")
            for kind, q, n, status in browser_bytes(out, queries):
                print(f"  {kind:12} {q:8}  {n / 1024:7.1f} KB   {status}")
        elif not a.no_browser:
            print("\nfirst query: skipped (no /usr/bin/chromium)")
    finally:
        if not a.keep and not a.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
