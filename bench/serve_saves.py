"""The preview server's memory over many saves, one checkout at a time.

    GONGKAI_CACHE_DIR=/tmp/cache PYTHONPATH=/path/to/checkout \\
        python bench/serve_saves.py /tmp/town 30

SITE is a synthetic township (bench/synth.py).  A ``DevServer``
(gongkai/commands/serve.py; its HTTP side is never started) builds once,
then N saves are made in turn: a sentence appended to the notice synth.json
names, the roster row's note changed, the notice's title changed (which
remakes the list pages, the 目录 and its data files); each followed by
``rebuild()``.  After each: the save's wall seconds, the server's RSS and
its high-water mark (VmHWM) in MiB.  No explicit garbage collection: what a
clerk's session does.  The files are restored at the end.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from ab import EDITS, edited

from gongkai.commands.serve import DevServer

TODAY = date(2026, 11, 28)


def status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                out[line[:5]] = int(line.split()[1]) // 1024
    return out


def main() -> None:
    site, saves = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30
    server = DevServer(site, port=0, today=TODAY, log=lambda line: None)
    m = json.loads((site / "synth.json").read_text(encoding="utf-8"))
    notice, roster = site / m["edit_notice"], site / m["edit_roster"]
    n0, r0 = notice.read_bytes(), roster.read_bytes()
    try:
        server.rebuild()
        s = status()
        print(f"first build        rss {s['VmRSS']} MiB  high-water {s['VmHWM']} MiB")
        for i in range(saves):
            kind = EDITS[i % 3]
            if kind == "roster":
                roster.write_bytes(edited(kind, r0, f"{i}"))
            else:
                notice.write_bytes(edited(kind, n0, f"{i}"))
            t = time.perf_counter()
            server.rebuild()
            s = status()
            print(
                f"save {i:3d} {kind:6s} {time.perf_counter() - t:5.2f} s  rss {s['VmRSS']} MiB  high-water {s['VmHWM']} MiB"
            )
    finally:
        notice.write_bytes(n0)
        roster.write_bytes(r0)
        shutil.rmtree(server._tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
