"""The engine: the one place that remembers anything between builds and
decides what a build may skip.  Everything it keeps is derived (keys made
from what each output is made of: keys.py), versioned (gongkai's code and
every library that shapes output), authenticated (sealed.py) and distrusted
(a foreign, stale, corrupt or half-written piece of it is a miss, so a
full build: store.py).  The stages it drives (check, plan, emit) know
nothing of it.

    engine = Engine(root, out, cache, args)
    if (last := engine.unchanged()) is not None: ...     # the no-op
    checked = validate(loaded, today, drafts, engine.check_files)
    with engine.output(site, renderer, guard) as made:   # one atomic swap at the end
        made.pages(pages); made.group(...); ...
    engine.finish(made, result)
"""

from __future__ import annotations

from typing import Any

__all__ = ["BuildCache", "Engine", "Made"]


def __getattr__(name: str) -> Any:
    """Engine and Made load the whole pipeline (emit, plan, check); a no-op
    build needs none of it (noop.py), so they are imported when first asked for."""
    if name in ("Engine", "Made"):
        from gongkai.run.engine import engine

        return getattr(engine, name)
    if name == "BuildCache":
        from gongkai.run.engine.store import BuildCache

        return BuildCache
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
