"""How a build tells its caller how far it has got: a callback passed in.

``progress(stage, done, total)`` is called as the build moves through its
stages, in this order (a stage may be skipped: a build with nothing to
render, the no-op):

    check   done/total record files checked (from the cache or afresh)
    pages   done/total pages rendered (only those the build makes again)
    search  the search index merged (done = total = 0)
    write   the rest written and the new tree swapped in (done = total = 0)

A stage begins at its first call; it ends where the next begins, or when the
build returns.  The build holds no state of its own for this: it only calls
what it was given, and calls nothing when given nothing.  What to show
(a line on a terminal, stage timings) is the command's business.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["STAGES", "Progress", "silent"]

STAGES = ("check", "pages", "search", "write")

Progress = Callable[[str, int, int], None]


def silent(stage: str, done: int, total: int) -> None:
    """The progress callback of a build nobody watches."""
