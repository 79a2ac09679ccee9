"""The cyclic collector, as a build uses it.

``settled()``: a block that makes many objects and no garbage (importing
modules, unpickling a cache), run without the cyclic collector.  While such
a block runs, every few hundred new objects would start a collection that
walks the young ones again, and every few of those a full one that walks the
whole heap: unpickling the output's manifest at 10,000 records (37,000
entries) met a full collection of 30-40 ms on every edit.  After the block
its objects go straight to the oldest generation (unless something is frozen
meanwhile: a freeze is its owner's to end), where only a full collection
looks at them, and they do not count towards starting one.  The collector
is left as it was found.

``freeze()`` and ``unfreeze()``: gc.freeze and gc.unfreeze, the only calls
of them in the package, so that ``settled`` knows whether anything is frozen
without asking the collector: ``gc.get_freeze_count()`` counts the frozen
objects one by one (CPython 3.11: ~24 ms at two million objects), and an
edit at 10,000 records asked ten times while its records were frozen
(58-65 ms an edit).  What is mirrored is one flag of the interpreter's own
state: a forked process inherits both alike.  Should anything outside the
package freeze the heap, the worst ``settled`` does is end that freeze
early (the collector walks those objects again).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["freeze", "is_frozen", "settled", "unfreeze"]


class _State:
    frozen = False  # whether freeze() was called since the last unfreeze()


def freeze() -> None:
    """Every object tracked so far moved to the permanent generation (gc.freeze)."""
    gc.freeze()
    _State.frozen = True


def unfreeze() -> None:
    """The permanent generation back into the oldest one (gc.unfreeze)."""
    gc.unfreeze()
    _State.frozen = False


def is_frozen() -> bool:
    """Whether the package holds a freeze (at no cost: see the module's docstring)."""
    return _State.frozen


@contextmanager
def settled() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not _State.frozen:
            gc.freeze()  # moved past the young generations...
            gc.unfreeze()  # ...into the oldest, uncounted
        if collecting:
            gc.enable()
