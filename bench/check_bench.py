"""The front of a one-record edit, two versions of gongkai interleaved:
start-up (imports), then reading and checking the site (``checked()`` in
run/pipeline.py: load_site, the record cache, validate, numbering), in a
fresh process each time, as ``gongkai build`` does before it plans.

    python bench/check_bench.py --code before=/path/to/old/checkout --code after=. \\
        --site before=/tmp/town-b --site after=/tmp/town --runs 5

Each ``--site`` is a site built once by the same ``--code`` (its record cache
is warm); one copy per code, as for bench/edit_bench.py.  Every run appends a
new sentence to the notice synth.json names (so one record is checked afresh
and its pack rewritten, as in an edit), times the imports and ``checked()``
(wall, and CPU of the process), and restores the file.  Prints each run and
the medians.
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

CHILD = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from datetime import date
from pathlib import Path
from gongkai.run.engine.engine import Engine
from gongkai.run.engine.store import BuildCache
from gongkai.run.pipeline import checked
t1, c1 = time.perf_counter(), time.process_time()
root, today = Path(sys.argv[1]), date.fromisoformat(sys.argv[2])
args = (today, False, False, None)
engine = Engine(root, (root / "build").resolve(), BuildCache(root), args)
t2, c2 = time.perf_counter(), time.process_time()
result = checked(root, today, False, engine)
t3, c3 = time.perf_counter(), time.process_time()
assert result.site is not None and not result.errors, result.errors[:3]
hits, misses = engine.cache.records.hits, engine.cache.records.misses
print(json.dumps({"imports": [t1 - t0, c1 - c0], "stamp": [t2 - t1, c2 - c1], "checked": [t3 - t2, c3 - c2],
                  "hits": hits, "misses": misses}))
"""


def one(code: Path, site: Path, i: int) -> dict[str, list[float]]:
    notice = site / json.loads((site / "synth.json").read_text(encoding="utf-8"))["edit_notice"]
    before = notice.read_bytes()
    notice.write_bytes(before + f"\n核对补充{os.getpid()}-{i}。\n".encode())
    try:
        r = subprocess.run(
            [sys.executable, "-c", CHILD, str(site), TODAY], env=code_env(code), cwd=code, capture_output=True
        )
    finally:
        notice.write_bytes(before)
    if r.returncode != 0:
        raise SystemExit(f"failed ({code}, {site}):\n{r.stderr.decode()[-3000:]}")
    out = json.loads(r.stdout.decode().strip().splitlines()[-1])
    if out["misses"] != 1:
        raise SystemExit(f"{code} on {site}: {out['misses']} records checked afresh, not 1: build the site first")
    return {k: v for k, v in out.items() if isinstance(v, list)}


def main() -> None:
    codes, sites, runs = code_site_args(__doc__, "built once by that code", runs=5)
    got: dict[str, list[dict[str, list[float]]]] = {name: [] for name in codes}
    for i in range(runs):
        for name, code in codes.items():
            t = one(code, sites[name], i)
            got[name].append(t)
            parts = "  ".join(f"{k} {w:6.3f}/{c:6.3f}" for k, (w, c) in t.items())
            print(f"run {i} {name:8} wall/cpu s: {parts}  load {os.getloadavg()[0]:.1f}", flush=True)
    print("\nmedians (wall / cpu s)")
    for name, runs in got.items():
        parts = []
        for k in runs[0]:
            w = statistics.median(r[k][0] for r in runs)
            c = statistics.median(r[k][1] for r in runs)
            parts.append(f"{k} {w:6.3f}/{c:6.3f}")
        total_w = statistics.median(sum(r[k][0] for k in r) for r in runs)
        total_c = statistics.median(sum(r[k][1] for k in r) for r in runs)
        print(f"  {name:8} {'  '.join(parts)}  total {total_w:6.3f}/{total_c:6.3f}  ({len(runs)} runs)")


if __name__ == "__main__":
    main()
