"""What every command pays before it reads a file: importing what a build
needs, two or more versions of gongkai interleaved.

    python bench/import_bench.py --code before=/path/to/old/checkout --code after=. --runs 15

Each run is a fresh interpreter (bytecode written and warm, as a clerk's
Python keeps it) that imports the command line, the engine and the
pipeline, as ``gongkai build`` does for an edit, and prints the wall time of
that import, the time spent inside the standard ``dataclasses.dataclass``
(gongkai.core.dataclass calls it too; what it adds is in the import's time
only), and how many modules and dataclasses it loaded.  Wall and CPU seconds of the
whole interpreter (start and exit included: user + sys of the child) are
printed too.  A run that loaded a different set of gongkai modules than the
first run of its code stops the bench: a figure counts only if the same
work was done.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ab import code_env

_CHILD = r"""
import dataclasses, gc, json, sys, time
made = [0, 0.0]
std = dataclasses.dataclass
def timed(cls=None, /, **kw):
    def wrap(c):
        t = time.perf_counter()
        try:
            return std(c, **kw)
        finally:
            made[0] += 1
            made[1] += time.perf_counter() - t
    return wrap if cls is None else wrap(cls)
dataclasses.dataclass = timed  # the standard decorator, timed (gongkai.core.dataclass calls it too)
t = time.perf_counter()
gc.disable()  # as gongkai/commands/start.py imports
import gongkai.commands.cli, gongkai.run.engine.engine, gongkai.run.pipeline
wall = time.perf_counter() - t
mods = sorted(m for m in sys.modules if m.startswith("gongkai"))
print(json.dumps({"imports": wall, "dataclass": made[1], "classes": made[0], "modules": len(sys.modules), "ours": mods}))
"""


def one(code: Path) -> dict[str, object]:
    env = code_env(code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _CHILD], env=env, cwd="/", capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"import failed ({code}):\n{r.stderr[-2000:]}")
    out = json.loads(r.stdout)
    out["wall"] = wall
    out["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", action="append", required=True, help="NAME=checkout folder")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    codes = {k: Path(v).resolve() for k, v in (c.split("=", 1) for c in args.code)}
    for code in codes.values():  # bytecode written first, as after a clerk's first command
        one(code)
    samples: dict[str, list[dict[str, object]]] = {name: [] for name in codes}
    for run in range(args.runs):
        for name, code in codes.items():
            s = one(code)
            first = samples[name][0] if samples[name] else s
            if s["ours"] != first["ours"]:
                raise SystemExit(f"{name}: run {run + 1} imported other gongkai modules than run 1")
            samples[name].append(s)
            print(
                f"run {run + 1:2d} {name:8s} imports {s['imports'] * 1000:6.1f} ms  dataclass "
                f"{s['dataclass'] * 1000:5.1f} ms  process wall {s['wall'] * 1000:6.1f} ms  "
                f"cpu {s['cpu'] * 1000:6.1f} ms  load {os.getloadavg()[0]:.1f}"
            )
    print("\nmedians")
    for name, ss in samples.items():

        def med(field: str, ss: list[dict[str, object]] = ss) -> float:
            return statistics.median(float(s[field]) * 1000 for s in ss)  # type: ignore[arg-type]

        s0 = ss[0]
        print(
            f"  {name:8s} imports {med('imports'):6.1f} ms  dataclass {med('dataclass'):5.1f} ms  "
            f"process wall {med('wall'):6.1f} ms  cpu {med('cpu'):6.1f} ms  "
            f"({len(ss)} runs; {s0['modules']} modules, {len(s0['ours'])} of gongkai, "  # type: ignore[arg-type]
            f"{s0['classes']} dataclasses)"
        )


if __name__ == "__main__":
    main()
