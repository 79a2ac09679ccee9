"""The preview server's save → rebuilt, two versions of gongkai interleaved.

    python bench/serve_bench.py --code before=/path/to/old/checkout --code after=. \\
        --site before=/tmp/town-b --site after=/tmp/town --runs 3

Each ``--site`` is a synthetic township (bench/synth.py) already built once
by the same ``--code`` (so the cache on disk is warm), one copy per code.
For every run and every code in turn a child process holds a ``DevServer``
(gongkai/commands/serve.py; its HTTP side is never started, the rebuild is
what the watcher calls) and builds once as ``gongkai serve`` does at start
(untimed); then, timed: a sentence appended to the notice synth.json names,
``rebuild()``; the roster row's note changed, ``rebuild()``; the notice's
title changed instead of its sentence, ``rebuild()``; both restored,
``rebuild()``.  Wall and CPU seconds (user + sys of the child and the
processes it started, measured around each rebuild) are printed for each,
with the load average, then the medians; and the server's memory: its
peak RSS (the process itself and, separately, the largest process it
forked), its RSS and Pss after the first build and after the edits.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from ab import code_env, code_site_args

TODAY = "2026-11-28"

CHILD = r"""
import json, os, resource, sys, time
from datetime import date
from pathlib import Path
from gongkai.commands.serve import DevServer

def pss():
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as f:
            lines = {l.split(":")[0]: int(l.split()[1]) for l in f if l.split(":")[0] in ("Rss", "Pss")}
        return lines["Rss"] / 1024, lines["Pss"] / 1024
    except OSError:
        return 0.0, 0.0

def cpu():
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime

site = Path(sys.argv[1])
server = DevServer(site, port=0, today=date.fromisoformat(sys.argv[2]), log=lambda line: None)
try:
    server.rebuild()
    assert server.state.ok, server.state.problems[:3]
    mem = {"first": pss()}
    manifest = json.loads((site / "synth.json").read_text(encoding="utf-8"))
    notice, roster = site / manifest["edit_notice"], site / manifest["edit_roster"]
    n0, r0 = notice.read_bytes(), roster.read_bytes()
    out = {}

    def timed(what):
        w, c = time.perf_counter(), cpu()
        server.rebuild()
        out[what] = (time.perf_counter() - w, cpu() - c)
        assert server.state.ok, server.state.problems[:3]

    try:
        notice.write_bytes(n0 + "\n本通知预览时补充说明。\n".encode())
        timed("notice")
        roster.write_bytes(r0.replace("村组核定".encode(), "已复核".encode(), 1))
        timed("roster")
        notice.write_bytes(n0.replace(b"title: ", "title: 预览时改 ".encode(), 1))
        timed("title")  # the lists, the archive month, the 目录's page and data files show it too
    finally:
        notice.write_bytes(n0)
        roster.write_bytes(r0)
    timed("restore")
    mem["edits"] = pss()
    mem["peak"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    print(json.dumps({"times": out, "mem": mem}))
finally:
    server._httpd.server_close()
    import shutil
    shutil.rmtree(server._tmp, ignore_errors=True)
"""


def main() -> None:
    codes, sites, runs = code_site_args(__doc__, "built once by that code")
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for run in range(runs):
        for name, code in codes.items():
            r = subprocess.run(
                [sys.executable, "-c", CHILD, str(sites[name]), TODAY],
                env=code_env(code),
                cwd=code,
                capture_output=True,
                text=True,
            )
            if r.returncode != 0:
                raise SystemExit(f"serve bench failed ({name}):\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
            got = json.loads(r.stdout.strip().splitlines()[-1])
            load = os.getloadavg()[0]
            mem = got["mem"]
            print(
                f"run {run} {name:>8}   memory: peak RSS {mem['peak'][0]:.0f} MiB (largest forked process "
                f"{mem['peak'][1]:.0f}); RSS/Pss after the first build {mem['first'][0]:.0f}/{mem['first'][1]:.0f}, "
                f"after the edits {mem['edits'][0]:.0f}/{mem['edits'][1]:.0f} MiB",
                flush=True,
            )
            samples.setdefault((name, "peak RSS MiB"), []).append((mem["peak"][0], mem["edits"][1]))
            for what, (wall, cpu) in got["times"].items():
                samples.setdefault((name, what), []).append((wall, cpu))
                print(
                    f"run {run} {name:>8} {what:>8}: wall {wall:6.2f} s  cpu {cpu:6.2f} s  (load {load:.1f})",
                    flush=True,
                )
    print("\nmedians (wall / cpu seconds; peak RSS: MiB peak RSS / Pss after the edits):")
    for (name, what), xs in sorted(samples.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        wall = statistics.median(x[0] for x in xs)
        cpu = statistics.median(x[1] for x in xs)
        print(f"  {what:>8} {name:>8}: {wall:6.2f} / {cpu:6.2f}")


if __name__ == "__main__":
    main()
