"""Cold builds of one site by two (or more) checkouts, interleaved: wall, CPU
of the whole process tree, files and MB written, print sheets among them.

    python bench/cold_ab.py --code before=/tmp/base --code after=. \\
        --site before=/tmp/town-a --site after=/tmp/town-b --runs 2

Each checkout builds its own copy of the site (the output and the engine's
cache belong to a site path); before every run ``SITE/build`` and the cache
folder (``--cache DIR/NAME``) are removed, so every run is cold.  CPU is
user+sys of all waited-for descendants (getrusage RUSAGE_CHILDREN), the
same figure GNU time prints.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def pairs(values: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for v in values:
        name, _, path = v.partition("=")
        out[name] = Path(path).resolve()
    return out


def tree(out: Path) -> tuple[int, int, int]:
    """Files, bytes, and files under print/ of a built site."""
    files = size = sheets = 0
    for dirpath, _dirs, names in os.walk(out):
        rel = os.path.relpath(dirpath, out)
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, n))
            if rel == "print" or rel.startswith("print" + os.sep):
                sheets += 1
    return files, size, sheets


def cold(code: Path, site: Path, cache: Path, today: str) -> dict[str, float]:
    shutil.rmtree(site / "build", ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(code), GONGKAI_CACHE_DIR=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "gongkai", "build", str(site), "--today", today],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"build failed ({code}):\n{proc.stdout}\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    files, size, sheets = tree(site / "build")
    return {"wall": wall, "cpu": cpu, "files": files, "mb": size / 1e6, "print_files": sheets}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--code", action="append", required=True, help="NAME=DIR of a checkout")
    ap.add_argument("--site", action="append", required=True, help="NAME=SITE, one copy per checkout")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/cold-ab-cache"))
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--today", default="2026-11-28")
    args = ap.parse_args()
    codes, sites = pairs(args.code), pairs(args.site)
    samples: dict[str, list[dict[str, float]]] = {n: [] for n in codes}
    for run in range(args.runs):
        order = list(codes) if run % 2 == 0 else list(reversed(codes))  # interleaved, alternating who goes first
        for name in order:
            s = cold(codes[name], sites[name], args.cache / name, args.today)
            samples[name].append(s)
            print(
                f"run {run + 1} {name:>8}: wall {s['wall']:.1f} s  cpu {s['cpu']:.1f} s  "
                f"files {s['files']:.0f}  {s['mb']:.1f} MB  print/ files {s['print_files']:.0f}",
                flush=True,
            )
    print("\nmedians")
    for name, ss in samples.items():
        med = {k: statistics.median(x[k] for x in ss) for k in ss[0]}
        print(
            f"{name:>8}: wall {med['wall']:.1f} s  cpu {med['cpu']:.1f} s  files {med['files']:.0f}  "
            f"{med['mb']:.1f} MB  print/ files {med['print_files']:.0f}  (n={len(ss)})"
        )


if __name__ == "__main__":
    main()
