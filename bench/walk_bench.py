"""The writer's walk of an output tree on an edit, before and after run/walk.py.

    python bench/walk_bench.py /tmp/town/build --runs 5

Before (f84e0fe): ``Output._foreign_files`` listed the tree with ``os.walk``
and ``os.path.relpath`` per folder, then ``keep``/``keep_all`` stat'ed every
kept file again by its full path (``_intact``).  After: one ``walk.scan``
through folder descriptors, one ``fstatat`` per file, whose listing serves
both.  Both are run in turn in this process on the same built tree (read
only; nothing is written); wall and CPU seconds of each, then the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gongkai.run import walk


def before(out: str) -> int:
    names: set[str] = set()
    for dirpath, _dirnames, filenames in os.walk(out):
        rel_dir = os.path.relpath(dirpath, out).replace(os.sep, "/")
        for name in filenames:
            names.add(name if rel_dir == "." else f"{rel_dir}/{name}")
    prefix = out + os.sep
    n = 0
    for rel in names:  # _intact: one stat per kept file
        st = os.stat(prefix + rel)
        n += st.st_size > 0
    return n


def after(out: str) -> int:
    return sum(1 for v in walk.scan(out).values() if v is not None and v[0] > 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="a built output folder")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    out = str(args.out.resolve())
    samples: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    counts = {}
    for run in range(args.runs):
        for name, fn in (("before", before), ("after", after)):
            c0, t0 = time.process_time(), time.perf_counter()
            counts[name] = fn(out)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            samples[name].append((wall, cpu))
            print(f"run {run} {name:6s} wall {wall:6.3f} s  cpu {cpu:6.3f} s  load {os.getloadavg()[0]:.1f}")
    if counts["before"] != counts["after"]:
        raise SystemExit(f"the walks disagree: {counts}")
    print(f"\nmedians ({counts['after']} files)")
    for name, s in samples.items():
        wall, cpu = statistics.median(w for w, _ in s), statistics.median(c for _, c in s)
        print(f"  {name:6s} wall {wall:6.3f} s  cpu {cpu:6.3f} s  ({len(s)} runs)")


if __name__ == "__main__":
    main()
