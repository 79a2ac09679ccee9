"""Planning and page keys alone, on a built site, for one checkout of gongkai.

    PYTHONPATH=CODE python bench/plan_bench.py SITE --digest-of OLD_CHECKOUT [--runs 5] [--no-freeze]

What an edit pays between checking and rendering: ``plan_pages`` +
``plan_postings`` + ``plan_sheets``, then the key of every page and of the
目录's and the search index's groups (run/engine/keys.py), then apart the keys
of every record's QR-code and data-file groups.  The records are
loaded through SITE's cache as the checkout ``--digest-of`` left it (its code
digest is borrowed, so a version whose cache is cold still plans the very
same records without checking every file again; nothing is written then
that the borrowed version would not write).  Prints the medians of CPU
seconds (process time) over ``--runs``.  The collector is frozen after
loading, as a build does around planning and output (``--no-freeze``:
as f84e0fe planned, with the records still walked by the collector).
Run it once per checkout, one after the other, on the same site.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 28)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path)
    ap.add_argument("--digest-of", type=Path, required=True, help="checkout whose cache of SITE is warm")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-freeze", action="store_true")
    args = ap.parse_args()
    digest = subprocess.run(
        [sys.executable, "-c", "from gongkai.run.engine.store import code_digest; print(code_digest())"],
        env={"PYTHONPATH": str(args.digest_of.resolve())},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    import gongkai.run.engine.engine as engine_module
    import gongkai.run.engine.store as store_module

    store_module.code_digest = engine_module.code_digest = lambda: digest  # type: ignore[assignment]
    from gongkai.emit.render import Renderer, theme_dirs
    from gongkai.plan.catalogue import catalogue
    from gongkai.plan.names import withdraw_names
    from gongkai.plan.pages import plan_pages
    from gongkai.plan.postings import plan_postings
    from gongkai.plan.sheets import plan_sheets
    from gongkai.read.root import find_site_root
    from gongkai.run.engine.keys import Fingerprints
    from gongkai.run.engine.store import BuildCache
    from gongkai.run.pipeline import checked

    root = find_site_root(args.site)
    loaded = checked(root, TODAY, False, engine_module.Engine(root, root / "build", None, (TODAY, False, False, None)))
    assert loaded.site is not None
    site0 = withdraw_names(loaded.site)
    if not args.no_freeze:
        gc.freeze()
    cache = BuildCache(root)
    plan_s: list[float] = []
    keys_s: list[float] = []
    groups_s: list[float] = []
    for _ in range(args.runs):
        site = replace(site0)  # its own cached properties, as a new build's
        t0 = time.process_time()
        pages = plan_pages(site) + plan_postings(site) + plan_sheets(site, None)
        t1 = time.process_time()
        renderer = Renderer(site, theme_dirs(root, site.config.theme), cache.templates, cache.template_refs)
        for p in pages:
            renderer.template_digest(p.template)  # compiled and digested once, outside the figure
        keys = Fingerprints(site, renderer.template_digest, (TODAY, False, None))
        t2 = time.process_time()
        for p in pages:
            keys.page(p)
        keys.key("catalogue", catalogue(site), site.standard)
        keys.key("search", site)
        t3 = time.process_time()
        for rec in sorted(site.published, key=lambda r: r.id):  # each record's QR code and data files (pipeline.py)
            keys.key("qr", rec)
            keys.key("data", rec)
        t4 = time.process_time()
        plan_s.append(t1 - t0)
        keys_s.append(t3 - t2)
        groups_s.append(t4 - t3)
    print(
        f"{len(site0.records)} records, {len(pages)} pages: plan {statistics.median(plan_s):.3f} s, "
        f"keys {statistics.median(keys_s):.3f} s, the records' groups' keys {statistics.median(groups_s):.3f} s "
        f"(CPU, median of {args.runs})"
    )


if __name__ == "__main__":
    main()
