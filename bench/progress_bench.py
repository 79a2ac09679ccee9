"""What the progress line costs: cold builds of a synthetic township with and
without it, in one run, interleaved so that both share the machine's noise.

    python bench/progress_bench.py                  # 1,000 records, 3 pairs of cold builds
    python bench/progress_bench.py --records 10000 --runs 1

"with" is what a clerk's terminal gets: the build's progress callback is a
``StageProgress`` drawing on a real pseudo-terminal (its other end is read
and thrown away by a thread, as a terminal window would); "without" passes
no callback at all.  Both are cold builds (output folder and cache removed)
in this process, so the forked render workers are the same.

Wall times on a shared machine vary by more than the cost measured, so the
script also prints the cost counted directly: how many times the build
called back, what one call costs (timed over a million calls, half of them
redrawing the line as often as the throttle allows), and that total as a
share of the build.  The issue's target: under 1 % of a 1,000-record build.
"""

from __future__ import annotations

import argparse
import os
import pty
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from synth import TODAY, generate  # noqa: E402


def _terminal() -> tuple[object, threading.Thread]:
    """A text file that is a terminal, and the thread that drains it."""
    master, slave = pty.openpty()
    term = os.fdopen(slave, "w", encoding="utf-8", buffering=1)

    def drain() -> None:
        while True:
            try:
                if not os.read(master, 65536):
                    return
            except OSError:
                return

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return term, thread


class Counting:
    """Wraps a callback and counts the calls."""

    def __init__(self, inner: object) -> None:
        self.inner, self.calls = inner, 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.calls += 1
        self.inner(stage, done, total)  # type: ignore[operator]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="gongkai-progress-", dir=args.workdir))
    cache = work / "cache"
    os.environ["GONGKAI_CACHE_DIR"] = str(cache)
    from gongkai.commands.progress import StageProgress
    from gongkai.run.build import build

    site, out = work / "site", work / "out"
    today = TODAY
    generate(site, args.records)
    build(site, today, out=out)  # writes the 索引号 registry (content, kept), untimed
    term, _ = _terminal()

    def cold(progress: object) -> float:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        started, cpu = time.perf_counter(), time.process_time()
        build(site, today, out=out, progress=progress)  # type: ignore[arg-type]
        if isinstance(progress, Counting):
            progress.inner.close()  # type: ignore[attr-defined]
        cpus[progress is None].append(time.process_time() - cpu)
        return time.perf_counter() - started

    cpus: dict[bool, list[float]] = {True: [], False: []}  # without? → CPU seconds of this process
    with_, without, calls = [], [], 0
    try:
        for i in range(args.runs):
            for kind in ("with", "without") if i % 2 == 0 else ("without", "with"):
                if kind == "with":
                    counting = Counting(StageProgress(show=True, file=term))  # type: ignore[arg-type]
                    with_.append(cold(counting))
                    calls = counting.calls
                else:
                    without.append(cold(None))
                wall = (with_ if kind == "with" else without)[-1]
                print(
                    f"  run {i + 1} {kind:>7}: {wall:.2f} s, CPU here {cpus[kind == 'without'][-1]:.2f} s", flush=True
                )

        # One call, timed alone: half within the throttle (no drawing), half
        # drawing the line each time (the throttle defeated by a clock that
        # always moves past it), on the same terminal.
        n = 500_000
        quiet = StageProgress(show=True, file=term)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        for k in range(n):
            quiet("pages", k, n)
        per_quiet = (time.perf_counter() - t0) / n
        quiet.close()
        ticks = iter(range(10**9))
        busy = StageProgress(show=True, file=term, clock=lambda: next(ticks) * 1.0)  # type: ignore[arg-type]
        m = 20_000
        t0 = time.perf_counter()
        for k in range(m):
            busy("pages", k, m)
        per_draw = (time.perf_counter() - t0) / m
        busy.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med_with, med_without = statistics.median(with_), statistics.median(without)
    build_s = med_without
    # At most one draw per REFRESH seconds of the build; every other call is a quiet one.
    from gongkai.commands.progress import REFRESH

    draws = min(calls, build_s / REFRESH + 8)
    counted = calls * per_quiet + draws * per_draw
    print()
    print(f"cold build of {args.records} records, {args.runs} runs each, interleaved (load {os.getloadavg()[0]:.1f})")
    print(f"  without progress   median {med_without:.2f} s   {' '.join(f'{s:.2f}' for s in without)}")
    print(f"  with progress      median {med_with:.2f} s   {' '.join(f'{s:.2f}' for s in with_)}")
    print(f"  ratio with/without {med_with / med_without:.4f}   (wall: the machine's load moves it more than this)")
    cpu_with, cpu_without = statistics.median(cpus[False]), statistics.median(cpus[True])
    print(
        f"  CPU of the building process (the callbacks run here; pages render in forked workers): "
        f"with {cpu_with:.2f} s, without {cpu_without:.2f} s, ratio {cpu_with / cpu_without:.4f}"
    )
    print(f"  callbacks per build {calls}; one call {per_quiet * 1e9:.0f} ns, one redraw {per_draw * 1e6:.1f} µs")
    print(
        f"  counted cost: {calls} calls + ≤ {draws:.0f} redraws = {counted * 1000:.2f} ms"
        f" = {100 * counted / build_s:.3f} % of the build (target < 1 %)"
    )


if __name__ == "__main__":
    main()
