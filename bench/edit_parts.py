"""Where a one-record CLI edit's time goes, part by part, in the build's own process.

    GONGKAI_CACHE_DIR=/tmp/cache PYTHONPATH=/path/to/checkout \\
        python bench/edit_parts.py SITE --edit notice --runs 5

SITE is a synthetic township (bench/synth.py) already built into SITE/build
by the same checkout with the same GONGKAI_CACHE_DIR (else the first edit
makes every page: the bench stops when an edit made more than a few pages,
so a cold cache is never taken for an edit).  Each run is a fresh
interpreter (``--child``), as a command is: it edits the file synth.json
names (``notice``: a sentence appended; ``roster``: one row's note changed;
``title``: the notice's title changed), imports the stages, wraps the parts
listed in PARTS with a wall-clock timer and builds; the file is restored
and built again (untimed) before the next run.  Printed: each part's median
wall milliseconds over the runs (a part called many times counts its calls'
sum; the wrapper itself costs ~0.3 µs a call), the build, and the whole
process from the interpreter's start.  The parts nest (``checked`` holds
``check_files``), so they do not add up.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ab import EDITS, edited

T0 = time.perf_counter()
TODAY = date(2026, 11, 28)

# (module, qualified name) of each part timed
PARTS: tuple[tuple[str, str], ...] = (
    ("gongkai.run.engine.noop", "stamped"),
    ("gongkai.run.engine.engine", "Engine.__init__"),
    ("gongkai.run.pipeline", "checked"),
    ("gongkai.run.pipeline", "load_site"),
    ("gongkai.run.engine.engine", "Engine.check_files"),
    ("gongkai.run.pipeline", "number_site"),
    ("gongkai.run.pipeline", "withdraw_names"),
    ("gongkai.run.engine.engine", "Engine.renderer"),
    ("gongkai.run.engine.engine", "Engine.kept_pages"),
    ("gongkai.run.pipeline", "plan_pages"),
    ("gongkai.run.pipeline", "plan_sheets"),
    ("gongkai.run.pipeline", "_record_groups"),
    ("gongkai.run.write", "Output.__enter__"),
    ("gongkai.run.engine.engine", "Made.pages"),
    ("gongkai.run.engine.engine", "Made.group"),
    ("gongkai.run.engine.engine", "Made.search"),
    ("gongkai.run.engine.engine", "splice_index"),
    ("gongkai.run.engine.engine", "Made.copies"),
    ("gongkai.run.write", "Output.__exit__"),
    ("gongkai.run.renew", "Renew._take_spare"),
    ("gongkai.run.engine.engine", "Engine.finish"),
    ("gongkai.run.engine.store", "BuildCache.save_manifest"),
)


def _edit(site: Path, kind: str) -> tuple[Path, bytes]:
    m = json.loads((site / "synth.json").read_text(encoding="utf-8"))
    path = site / (m["edit_roster"] if kind == "roster" else m["edit_notice"])
    old = path.read_bytes()
    path.write_bytes(edited(kind, old, f"{time.time_ns()}"))
    return path, old


def _wrap(times: dict[str, float], module: str, qual: str) -> None:
    obj: Any = importlib.import_module(module)
    *owners, name = qual.split(".")
    for part in owners:
        obj = getattr(obj, part)
    f: Callable[..., Any] = getattr(obj, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            times[qual] = times.get(qual, 0.0) + time.perf_counter() - t

    setattr(obj, name, timed)


def child(site: Path, kind: str) -> None:
    """One timed edit in this fresh process; its times as JSON on stdout."""
    path, old = _edit(site, kind)
    times: dict[str, float] = {}
    try:
        t = time.perf_counter()
        from gongkai.core.heap import settled
        from gongkai.run import build as entry

        with settled():
            import gongkai.run.engine.engine
            import gongkai.run.pipeline  # noqa: F401
        times["imports"] = time.perf_counter() - t
        for module, qual in PARTS:
            _wrap(times, module, qual)
        entry.stamped = sys.modules["gongkai.run.engine.noop"].stamped  # the wrapped one
        t = time.perf_counter()
        result = entry.build(site, TODAY)
        times["build"] = time.perf_counter() - t
        times["process"] = time.perf_counter() - T0
    finally:
        path.write_bytes(old)
    print(json.dumps({"made": len(result.made), "times": times}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path)
    ap.add_argument("--edit", choices=EDITS, default="notice")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    site = args.site.resolve()
    if args.child:
        child(site, args.edit)
        return
    runs: list[dict[str, float]] = []
    for n in range(args.runs):
        r = subprocess.run(
            [sys.executable, __file__, str(site), "--edit", args.edit, "--child"],
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            raise SystemExit(f"run {n} failed:\n{r.stderr[-3000:]}")
        got = json.loads(r.stdout.strip().splitlines()[-1])
        if not 1 <= got["made"] <= 20:
            raise SystemExit(
                f"run {n}: the edit made {got['made']} pages: SITE is not built by this checkout "
                "with this GONGKAI_CACHE_DIR (build it once, then run the bench)"
            )
        runs.append(got["times"])
        back = subprocess.run(  # from the site's folder: ``-m`` puts the folder it runs in first on the path
            [sys.executable, "-m", "gongkai", "build", "-q", str(site), "--today", TODAY.isoformat()],
            capture_output=True,
            cwd=site,
        )
        if back.returncode != 0:
            raise SystemExit(f"the build after run {n} failed")
        print(f"run {n}: made {got['made']}, build {got['times']['build']:.3f} s", flush=True)
    names = ["process", "imports", "build", *(q for _, q in PARTS)]
    print(f"\n{args.edit} edit, {site.name}, medians of {len(runs)} runs (ms):")
    for name in names:
        values = [r.get(name, 0.0) for r in runs]
        print(
            f"  {name:<28} {statistics.median(values) * 1000:8.1f}   ({min(values) * 1000:.1f}-{max(values) * 1000:.1f})"
        )


if __name__ == "__main__":
    main()
