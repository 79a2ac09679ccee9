"""The preview server's save → rebuilt as a clerk sees it: the watcher and
its default debounce included, one checkout at a time.

    GONGKAI_CACHE_DIR=/tmp/cache PYTHONPATH=/path/to/checkout \\
        python bench/serve_latency.py /tmp/town 8

SITE is a synthetic township (bench/synth.py).  A ``DevServer``
(gongkai/commands/serve.py) is started as ``gongkai serve`` starts it (its
file watcher on, the default debounce; the HTTP side listens on a free
port) and builds once; then, N times: a sentence appended to the notice
synth.json names, and the time from that write until the server's
generation changes (the moment a browser is told to reload), with the
rebuild's own seconds beside it.  Medians and every save are printed; the
notice is restored at the end.  ``serve_bench.py`` times ``rebuild()``
alone, without the watcher's wait.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from gongkai.commands.serve import DevServer

TODAY = date(2026, 11, 28)


def main() -> None:
    site, saves = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 8
    server = DevServer(site, port=0, today=TODAY, log=lambda line: None)
    server.start()
    manifest = json.loads((site / "synth.json").read_text(encoding="utf-8"))
    notice = site / manifest["edit_notice"]
    original = notice.read_bytes()
    try:
        while not server.state.built_once:
            time.sleep(0.1)
        time.sleep(1.0)  # the first build's after-effects settle
        seen, rebuilt = [], []
        for i in range(saves):
            generation = server.state.generation
            start = time.perf_counter()
            notice.write_bytes(original + f"\n\n第{i}次补充说明。\n".encode())
            while server.state.generation == generation:
                time.sleep(0.002)
            seen.append(time.perf_counter() - start)
            rebuilt.append(server.state.seconds)
            assert server.state.ok, server.state.problems[:3]
            time.sleep(0.6)
        print(
            f"debounce {server.debounce} s: save → rebuilt median {statistics.median(seen):.3f} s, "
            f"of it the rebuild {statistics.median(rebuilt):.3f} s; every save: " + ", ".join(f"{s:.3f}" for s in seen)
        )
    finally:
        notice.write_bytes(original)
        server.stop()


if __name__ == "__main__":
    main()
