"""Peak memory of a cold build, every process it starts counted.

A cold build (fresh cache, no output) of SITE with each checkout, runs
interleaved (A B A B ...).  Every 0.25 s the Pss of each process of the
build's tree (/proc/PID/smaps_rollup: shared pages split among the
processes that share them, so the sum is what the tree costs the machine)
is sampled, in a thread (the wall time is taken when the build ends, not
at a sampler's tick); the table prints the peak of the sum, each process's
own peak (the main process and its children by their command line), wall and CPU
(user+sys of the process tree, getrusage of the waited-for children), medians.

    python bench/mem_bench.py --site /tmp/town-10k \
        --code before=/tmp/base --code after=/work/wt/me --runs 3

``--serve`` measures the preview server instead: it is started on a copy of
SITE, sampled until its first build is done and for ``--settle`` seconds
after (the peak and the figure at the end are printed).

Each checkout gets its own copy of the site (the cache and output belong to
a site path), made next to SITE as SITE-NAME on first use.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

MIB = 1024 * 1024


def pss(pid: int) -> int:
    """Bytes of Pss of ``pid`` (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree(root: int) -> list[int]:
    """``root`` and every descendant."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


class Sampler:
    def __init__(self, root: int, trace: Path | None = None) -> None:
        self.root = root
        self.t0 = time.perf_counter()
        self.trace = open(trace, "a", buffering=1) if trace is not None else None
        self.peak_total = 0
        self.peak: dict[int, int] = {}
        self.order: list[int] = []
        self.last_total = 0

    def sample(self) -> None:
        total = 0
        self.peak_now: dict[int, int] = {}
        for pid in tree(self.root):
            b = pss(pid)
            self.peak_now[pid] = b
            total += b
            if pid not in self.peak:
                self.order.append(pid)
            self.peak[pid] = max(self.peak.get(pid, 0), b)
        self.last_total = total
        self.peak_total = max(self.peak_total, total)
        if self.trace is not None:
            per = " ".join(f"{pid}:{self.peak_now.get(pid, 0) // MIB}" for pid in self.peak_now)
            self.trace.write(f"{time.perf_counter() - self.t0:.2f} {total // MIB} {per}\n")

    def roles(self) -> list[int]:
        """Per-process peaks, the root first, then children by peak (largest first)."""
        rest = sorted((self.peak[p] for p in self.order if p != self.root), reverse=True)
        return [self.peak.get(self.root, 0), *rest]


def cold(code: Path, site: Path, cache: Path, today: str, trace: Path | None) -> tuple[float, float, Sampler]:
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(site / "build", ignore_errors=True)
    for spare in site.glob(".build.spare*"):
        shutil.rmtree(spare, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(code), GONGKAI_CACHE_DIR=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [sys.executable, "-m", "gongkai", "build", str(site), "--today", today]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    s = Sampler(proc.pid, trace)
    # The wall time is taken when the build ends (proc.wait), not at the
    # sampler's next 0.25 s tick: polling in steps rounded every run up to a
    # quarter second.  The sampler runs in a thread until then.
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            s.sample()
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""  # until the build closes it
    proc.wait()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({code}):\n{err[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, s


def serve(code: Path, site: Path, cache: Path, today: str, settle: float, trace: Path | None) -> tuple[float, Sampler]:
    """The preview server's tree from start to ``settle`` s after its first build answered."""
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(code), GONGKAI_CACHE_DIR=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    port = 18000 + os.getpid() % 1000
    cmd = [sys.executable, "-m", "gongkai", "serve", str(site), "--today", today, "--port", str(port)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s = Sampler(proc.pid, trace)
    ready = None
    try:
        while proc.poll() is None:
            s.sample()
            if ready is None:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=0.2).read()
                    ready = time.perf_counter()
                except OSError:
                    pass
            elif time.perf_counter() - ready > settle:
                break
            time.sleep(0.25)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if ready is None:
        raise SystemExit(f"server never answered ({code})")
    return ready - t0, s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", type=Path, required=True, help="a site (content/) to copy for each checkout")
    ap.add_argument("--code", action="append", required=True, help="NAME=DIR of a checkout (repeatable)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--today", default="2026-11-28")
    ap.add_argument("--serve", action="store_true", help="the preview server instead of a cold build")
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--trace", type=Path, help="append every sample (seconds, total MiB, pid:MiB ...) to FILE.NAME")
    args = ap.parse_args()
    codes = [(n, Path(d).resolve()) for n, d in (c.split("=", 1) for c in args.code)]
    sites = {}
    for name, _ in codes:
        site = args.site.parent / f"{args.site.name}-{name}"
        if not (site / "content").is_dir():
            shutil.copytree(args.site / "content", site / "content")
        sites[name] = site
    caches = {name: Path(tempfile.gettempdir()) / f"mem-bench-cache-{os.getpid()}-{name}" for name, _ in codes}
    rows: dict[str, list[tuple[float, float, list[int], int]]] = {n: [] for n, _ in codes}
    try:
        for run in range(args.runs):
            for name, code in codes:
                trace = args.trace.with_name(f"{args.trace.name}.{name}") if args.trace else None
                if args.serve:
                    wall, s = serve(code, sites[name], caches[name], args.today, args.settle, trace)
                    cpu = float("nan")
                else:
                    wall, cpu, s = cold(code, sites[name], caches[name], args.today, trace)
                rows[name].append((wall, cpu, s.roles(), s.peak_total))
                per = " + ".join(f"{b / MIB:.0f}" for b in s.roles())
                print(
                    f"run {run + 1} {name:>8}: peak {s.peak_total / MIB:6.1f} MiB ({per}; sum of per-process peaks)"
                    f"  end {s.last_total / MIB:.1f}  wall {wall:6.1f} s  cpu {cpu:6.1f} s",
                    flush=True,
                )
    finally:
        for c in caches.values():
            shutil.rmtree(c, ignore_errors=True)
    print()
    print(f"{'code':>8} | peak all MiB | main MiB | largest child MiB | wall s | cpu s   (medians of {args.runs})")
    for name, _ in codes:
        r = rows[name]
        med = statistics.median
        main_peak = med(x[2][0] for x in r) / MIB
        child = med((x[2][1] if len(x[2]) > 1 else 0) for x in r) / MIB
        print(
            f"{name:>8} | {med(x[3] for x in r) / MIB:12.1f} | {main_peak:8.1f} | {child:17.1f} |"
            f" {med(x[0] for x in r):6.1f} | {med(x[1] for x in r):6.1f}"
        )


if __name__ == "__main__":
    main()
