"""The build's entry: ``build()`` and ``check()``.

A build first asks the engine's no-op (run/engine/noop.py) whether the last
build into ``out`` still stands; only when it does not is the pipeline
(run/pipeline.py: read → check → plan → engine → write) imported and run.
So a build with nothing to do loads none of the stages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from gongkai.core.heap import settled
from gongkai.read.root import find_site_root
from gongkai.run.engine.noop import stamped
from gongkai.run.engine.store import BuildCache
from gongkai.run.progress import Progress
from gongkai.run.result import BuildResult

if TYPE_CHECKING:
    from gongkai.check.validate import Validated
    from gongkai.plan.sheet_layout import SheetRequest

__all__ = ["BuildResult", "build", "check"]


def check(
    site_dir: Path,
    today: date,
    drafts: bool = False,
    cache: BuildCache | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    attachments: bool = False,
) -> Validated:
    """Load and validate only; never writes output (only the cache).
    ``attachments``: also read every attachment as the build's last gate
    will (``gongkai check``; the build itself scans them as it publishes)."""
    from gongkai.run.engine.engine import Engine
    from gongkai.run.pipeline import checked

    root = find_site_root(site_dir)
    result = checked(root, today, drafts, Engine(root, root / "build", cache, (today, drafts), progress, workers))
    if not attachments or result.site is None:
        return result
    from dataclasses import replace

    from gongkai.check.public import site_public_numbers
    from gongkai.check.scan import attachment_problems
    from gongkai.read.attachments import attachment_bytes

    public = site_public_numbers(result.site, result.public)
    allow = tuple(getattr(result.site.config, "allow_unread", ()))
    found = [
        p for rel, data in attachment_bytes(root, result.site) for p in attachment_problems(rel, data, public, allow)
    ]
    return replace(result, problems=(*result.problems, *found)) if found else result


def build(
    site_dir: Path,
    today: date,
    out: Path | None = None,
    drafts: bool = False,
    strict: bool = False,
    sheets: SheetRequest | None = None,
    cache: BuildCache | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> BuildResult:
    """Build the site in ``site_dir`` as of ``today`` into ``out`` (default
    ``<site>/build``).  Raises ContentError with every problem when the
    content has an error (or a warning, with ``strict``); the previous output
    is then left as it was.  ``sheets`` (``gongkai print``) sets some notice
    sheets on another paper and asks for their PDFs.  Only what changed is
    made again (``cache``: what earlier builds kept; see run/engine).
    ``progress`` is told how far the build has got (run/progress.py);
    ``workers``: processes to use at most (default: one per core)."""
    root = find_site_root(site_dir)
    out = (out or root / "build").resolve()
    args = (today, drafts, strict, sheets)
    cache = cache or BuildCache(root)
    last, stamp = stamped(root, out, cache, args)
    if last is not None:
        return replace(last, unchanged=True)
    with settled():  # the stages' modules: thousands of objects, none of them garbage
        from gongkai.run.engine.engine import Engine
        from gongkai.run.pipeline import make_site

    engine = Engine(root, out, cache, args, progress, workers, stamp, early=True)
    try:
        return make_site(root, out, engine, today, drafts, strict, sheets)
    finally:
        engine.close()
