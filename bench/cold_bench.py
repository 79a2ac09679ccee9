"""Cold builds of existing sites by several checkouts of gongkai, interleaved,
and (``--profile``) the share of a single-process build spent in Jinja.

    python bench/cold_bench.py --code before=/tmp/base --code after=. \\
        --site 1k=/tmp/town-1k --site 1k-names=/tmp/town-1k-names --runs 3 [--profile]

Each site is copied once per checkout into ``--workdir`` (a site's cache and
output belong to its path) and built there with ``--today 2026-11-28`` into
SITE/build after removing the output and the build cache (its own
``GONGKAI_CACHE_DIR``).  Runs go round-robin (run 1: every site by every
checkout, then run 2, ...) so all share the machine's noise.  Files, MB and
files under print/ written are printed with each run.  Wall seconds and
CPU seconds of the whole process tree (a cgroup where the machine allows it,
else GNU time; see build_bench.run) are printed per run, then medians and the
ratio of each checkout to the first.

``--hugo N``: Hugo (on PATH) builds the same township's N records as
Markdown (synth.markdown_pages, seed 1: the records bench/synth.py makes),
cold, once per run between the checkouts' builds, with build_bench's Hugo
layouts; every checkout's median wall is then also given as a multiple of
Hugo's median wall (#18: at most 3).

``--profile``: one more cold build per site and checkout in a single process
under cProfile (timed by the process's CPU clock, not the wall: the machine is
shared); printed: the profiled seconds, the cumulative seconds in
``jinja2.Template.render`` (template code and everything it calls, not the
page's context, made before) and their share, and the same for the calls that
make a roster's rows in Python (plan/roster_markup.py, absent in older code).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_bench import Limits, anchor_cmd, did_the_work, remove_caches, run, setup_anchors

TODAY = "2026-11-28"

PROFILE_CHILD = r"""
import cProfile, os, pstats, sys, time
os.cpu_count = lambda: 1  # render in this process, so that the profile sees it
from datetime import date
from pathlib import Path
from gongkai.run.build import build
site, out, stats = sys.argv[1:4]
prof = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
prof.enable()
build(Path(site), date.fromisoformat(sys.argv[4]), out=Path(out))
prof.disable()
st = pstats.Stats(prof)
total = max(t for (_, _, _, t, _) in st.stats.values())  # the build() call's cumulative time
jinja = rows = 0.0
for (file, line, name), (_, _, _, ct, _) in st.stats.items():
    if name == "render" and file.endswith(os.path.join("jinja2", "environment.py")):
        jinja = max(jinja, ct)
    if file.endswith(os.path.join("plan", "roster_markup.py")) and name in ("page_rows", "homestead_rows", "sheet_rows"):
        rows += ct
print(f"PROFILE {total:.3f} {jinja:.3f} {rows:.3f}")
"""


def tree(out: Path) -> tuple[int, int, int]:
    """Files, bytes, and files under print/ of a built site: that every
    checkout did the work it should (fewer files can be a fault, not speed)."""
    files = size = sheets = 0
    for folder, _, names in os.walk(out):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(folder, name))
            sheets += os.path.relpath(folder, out).split(os.sep)[0] == "print"
    return files, size, sheets


def build_cmd(site: Path) -> list[str]:
    return [sys.executable, "-m", "gongkai", "build", str(site), "--today", TODAY]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", action="append", required=True, help="NAME=checkout folder (first: the baseline)")
    ap.add_argument("--site", action="append", required=True, help="NAME=site folder (holding content/)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--profile", action="store_true", help="also a cProfile build per site and checkout")
    ap.add_argument("--no-cold", action="store_true", help="only the profile")
    ap.add_argument("--no-prime", action="store_true", help="no priming build (the content has its index numbers)")
    ap.add_argument("--timeout", type=float, default=Limits.timeout, help="kill a build after this many seconds")
    ap.add_argument("--hugo", type=int, metavar="N", help="also Hugo cold builds of the N records as Markdown")
    args = ap.parse_args()
    Limits.timeout = args.timeout
    codes = [(n, Path(d).resolve()) for n, d in (c.split("=", 1) for c in args.code)]
    sites = [(n, Path(d).resolve()) for n, d in (s.split("=", 1) for s in args.site)]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="cold-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    copies: dict[tuple[str, str], Path] = {}
    for sname, src in sites:
        for cname, _ in codes:
            dst = work / f"{sname}--{cname}"
            if not dst.exists():
                shutil.copytree(src / "content", dst / "content")
            copies[sname, cname] = dst

    def env(cname: str, code: Path) -> dict[str, str]:
        e = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        return {**e, "PYTHONPATH": str(code), "GONGKAI_CACHE_DIR": str(work / f"cache--{cname}")}

    def cold_site(sname: str, cname: str) -> Path:
        """The site's copy for ``cname`` with no output and no cache: the next build is cold."""
        site = copies[sname, cname]
        shutil.rmtree(site / "build", ignore_errors=True)
        shutil.rmtree(work / f"cache--{cname}", ignore_errors=True)
        remove_caches(site)
        return site

    samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    hugo_runs: list[dict[str, Any]] = []
    if args.hugo:
        hugo_base = work / f"hugo-{args.hugo}"
        if not (hugo_base / "md").is_dir():
            from synth import markdown_pages

            markdown_pages(hugo_base / "md", args.hugo, 1)
        setup_anchors(hugo_base)
        hugo_bin = shutil.which("hugo")
        if hugo_bin is None:
            raise SystemExit("hugo is not on PATH")
        print(run([hugo_bin, "version"], what="hugo version")["out"].strip(), flush=True)

    def hugo_cold(i: int) -> None:
        out = hugo_base / "out"
        shutil.rmtree(out, ignore_errors=True)
        for cache in (hugo_base / "hugo" / "resources", hugo_base / "hugo" / ".hugo_build.lock"):
            if cache.is_dir():
                shutil.rmtree(cache, ignore_errors=True)
            elif cache.exists():
                cache.unlink()
        r = run(anchor_cmd("hugo", [hugo_bin], hugo_base, out), cwd=hugo_base / "hugo", what="hugo", limit_rss=False)
        r["pages"] = sum(1 for _ in out.rglob("*.html")) if out.is_dir() else 0
        did_the_work(r, "hugo", args.hugo)
        if r["ok"]:
            hugo_runs.append(r)
        print(
            f"run {i} {'hugo':>19}: wall {r['s']:6.2f} s  CPU {r['cpu_s']:6.2f} s ({r['cpu_how']})  "
            f"load {r['load']:.1f}  html files {r['pages']}",
            flush=True,
        )

    if not args.no_cold and not args.no_prime:
        for sname, _ in sites:  # a priming build: index numbers written, .pyc made
            for cname, code in codes:
                r = run(build_cmd(copies[sname, cname]), cwd=code, env=env(cname, code), what=f"prime {cname}")
                if not r["ok"]:
                    raise SystemExit(1)
    if not args.no_cold:
        for i in range(1, args.runs + 1):
            for sname, _ in sites:
                for cname, code in codes:
                    site = cold_site(sname, cname)
                    r = run(build_cmd(site), cwd=code, env=env(cname, code), what=f"{sname} {cname}")
                    if not r["ok"]:
                        raise SystemExit(1)
                    samples.setdefault((sname, cname), []).append(r)
                    files, size, sheets = tree(site / "build")
                    print(
                        f"run {i} {sname:>10} {cname:>8}: wall {r['s']:6.2f} s  CPU {r['cpu_s']:6.2f} s "
                        f"({r['cpu_how']})  RSS {r['rss_mb']:4.0f} MB  load {r['load']:.1f}  "
                        f"files {files}  {size / 1e6:.1f} MB  print/ files {sheets}",
                        flush=True,
                    )
            if args.hugo:
                hugo_cold(i)
        print(f"\nmedians of {args.runs} cold builds (--today {TODAY}):")
        print(f"{'site':>10} {'code':>8} {'wall s':>8} {'CPU s':>8} {'wall ×':>7} {'CPU ×':>7}")
        for sname, _ in sites:
            base = codes[0][0]
            bw = statistics.median(r["s"] for r in samples[sname, base])
            bc = statistics.median(r["cpu_s"] for r in samples[sname, base])
            for cname, _ in codes:
                w = statistics.median(r["s"] for r in samples[sname, cname])
                c = statistics.median(r["cpu_s"] for r in samples[sname, cname])
                print(f"{sname:>10} {cname:>8} {w:8.2f} {c:8.2f} {w / bw:7.3f} {c / bc:7.3f}")
        if hugo_runs:
            hw = statistics.median(r["s"] for r in hugo_runs)
            hc = statistics.median(r["cpu_s"] for r in hugo_runs)
            print(f"\nHugo ({args.hugo} records, {len(hugo_runs)} runs): wall {hw:.2f} s, CPU {hc:.2f} s")
            for sname, _ in sites:
                for cname, _ in codes:
                    w = statistics.median(r["s"] for r in samples[sname, cname])
                    print(f"{sname:>10} {cname:>8}: wall {w / hw:.2f}× Hugo's")
    if args.profile:
        print("\ncProfile of one cold build in one process (CPU seconds under the profiler):")
        print(f"{'site':>10} {'code':>8} {'total':>8} {'Jinja':>8} {'share':>6} {'rows':>6}")
        for sname, _ in sites:
            for cname, code in codes:
                site = cold_site(sname, cname)
                cmd = [sys.executable, "-c", PROFILE_CHILD, str(site), str(site / "build"), str(work / "p"), TODAY]
                r = run(cmd, cwd=code, env=env(cname, code), what=f"profile {sname} {cname}")
                line = next((x for x in r["out"].splitlines() if x.startswith("PROFILE ")), "")
                if not r["ok"] or not line:
                    raise SystemExit(1)
                total, jinja, rows = (float(x) for x in line.split()[1:])
                print(f"{sname:>10} {cname:>8} {total:8.2f} {jinja:8.2f} {jinja / total:6.1%} {rows:6.2f}", flush=True)


if __name__ == "__main__":
    main()
