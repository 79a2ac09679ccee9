"""One-record edits from the command line, two versions of gongkai interleaved.

    python bench/edit_bench.py --code before=/path/to/old/checkout --code after=. \\
        --site before=/tmp/town-b --site after=/tmp/town --runs 3

Each ``--site`` is a synthetic township (bench/synth.py) already built once
into ``SITE/build`` (the default output, the only one that keeps a spare tree) by the same ``--code`` (so its cache is warm); the sites are
copies of one another, one per code, since the cache and output belong to a
site.  For every run and every code in turn: a sentence appended to the notice
synth.json names, a build; one roster row's note changed, a build; the
notice's title changed (its body as it was), a build; all
restored, a build (untimed); a build with nothing changed (the no-op).  Wall
and CPU seconds (user + sys of the build and every process it started) are
printed for each, with the load average, then the medians.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ab import code_env, code_site_args

TODAY = "2026-11-28"


def timed(code: Path, site: Path) -> tuple[float, float]:
    env = code_env(code)
    cmd = [
        sys.executable,
        "-m",
        "gongkai",
        "build",
        str(site),
        "--today",
        TODAY,
    ]  # SITE/build: the spare tree is kept only there
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=code, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"build failed ({code}, {site}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    codes, sites, runs = code_site_args(__doc__, "built once into SITE/build")
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for run in range(runs):
        for name, code in codes.items():
            site = sites[name]
            manifest = json.loads((site / "synth.json").read_text(encoding="utf-8"))
            notice, roster = site / manifest["edit_notice"], site / manifest["edit_roster"]
            n0, r0 = notice.read_bytes(), roster.read_bytes()
            try:
                notice.write_bytes(n0 + f"\n本通知第{run}次补充说明。\n".encode())
                edits = [("notice", timed(code, site))]
                roster.write_bytes(r0.replace("村组核定".encode(), "已复核".encode(), 1))
                edits.append(("roster", timed(code, site)))
                notice.write_bytes(n0.replace(b"title: ", f"title: 第{run}次修改 ".encode(), 1))
                edits.append(("title", timed(code, site)))  # its lists, archive month and 目录 show it too
            finally:
                notice.write_bytes(n0)
                roster.write_bytes(r0)
            timed(code, site)  # back to the original, untimed
            edits.append(("no-op", timed(code, site)))
            load = os.getloadavg()[0]
            for what, (wall, cpu) in edits:
                samples.setdefault((name, what), []).append((wall, cpu))
                print(
                    f"run {run} {name:<8} {what:<7} wall {wall:6.2f} s  cpu {cpu:6.2f} s  load {load:.1f}", flush=True
                )
    print("\nmedians")
    for (name, what), vals in samples.items():
        w = statistics.median(v[0] for v in vals)
        c = statistics.median(v[1] for v in vals)
        print(f"  {name:<8} {what:<7} wall {w:6.2f} s  cpu {c:6.2f} s  ({len(vals)} runs)")


if __name__ == "__main__":
    main()
