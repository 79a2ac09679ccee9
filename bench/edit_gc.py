"""The cyclic garbage collector's share of a one-record edit, two versions of
gongkai interleaved (same sites and arguments as edit_bench.py).

    python bench/edit_gc.py --code before=/path/to/old/checkout --code after=. \\
        --site before=/tmp/town-b --site after=/tmp/town --runs 3

Each run appends a sentence to the notice synth.json names and builds once
with ``python -m gongkai build SITE --today 2026-11-28`` in a child whose
collector reports every collection (gc.callbacks); the notice is restored
and built again, untimed.  Printed: CPU seconds of the collections, their
number, and the CPU seconds of the whole build process, then the medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from ab import code_env, code_site_args

TODAY = "2026-11-28"

CHILD = """
import atexit, gc, resource, runpy, sys, time
spent, count, started = [0.0], [0], [0.0]
def watch(phase, info):
    if phase == "start":
        started[0] = time.process_time()
    else:
        spent[0] += time.process_time() - started[0]
        count[0] += 1
gc.callbacks.append(watch)
def report():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(f"GC {spent[0]:.4f} {count[0]} {ru.ru_utime + ru.ru_stime:.4f}", file=sys.stderr)
atexit.register(report)
sys.argv = ["gongkai", "build", sys.argv[1], "--today", sys.argv[2]]
runpy.run_module("gongkai", run_name="__main__")
"""


def measured(code: Path, site: Path) -> tuple[float, int, float]:
    r = subprocess.run(
        [sys.executable, "-c", CHILD, str(site), TODAY], env=code_env(code), cwd=code, capture_output=True, text=True
    )
    line = next((x for x in r.stderr.splitlines() if x.startswith("GC ")), None)
    if r.returncode != 0 or line is None:
        raise SystemExit(f"build failed ({code}, {site}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    _, gc_s, n, cpu = line.split()
    return float(gc_s), int(n), float(cpu)


def main() -> None:
    codes, sites, runs = code_site_args(__doc__, "built once into SITE/build")
    samples: dict[str, list[tuple[float, int, float]]] = {}
    for run in range(runs):
        for name, code in codes.items():
            site = sites[name]
            notice = site / json.loads((site / "synth.json").read_text(encoding="utf-8"))["edit_notice"]
            n0 = notice.read_bytes()
            try:
                notice.write_bytes(n0 + f"\n本通知第{run}次补充说明（回收测量）。\n".encode())
                got = measured(code, site)
            finally:
                notice.write_bytes(n0)
            measured(code, site)  # back to the original, untimed
            samples.setdefault(name, []).append(got)
            load = os.getloadavg()[0]
            print(
                f"run {run} {name:<8} gc {got[0]:6.3f} s in {got[1]:4d} collections  cpu {got[2]:6.2f} s  load {load:.1f}",
                flush=True,
            )
    print("\nmedians")
    for name, vals in samples.items():
        g = statistics.median(v[0] for v in vals)
        n = statistics.median(v[1] for v in vals)
        c = statistics.median(v[2] for v in vals)
        print(f"  {name:<8} gc {g:6.3f} s in {n:5.0f} collections  cpu {c:6.2f} s  ({len(vals)} runs)")


if __name__ == "__main__":
    main()
