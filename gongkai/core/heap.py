"""``settled()``: a block that makes many objects and no garbage (importing
modules, unpickling a cache), run without the cyclic collector.

While such a block runs, every few hundred new objects would start a
collection that walks the young ones again, and every few of those a full
one that walks the whole heap: unpickling the output's manifest at 10,000
records (37,000 entries) met a full collection of 30-40 ms on every edit.
After the block its objects go straight to the oldest generation (unless
something is frozen meanwhile: a freeze is its owner's to end), where only a
full collection looks at them, and they do not count towards starting one.
The collector is left as it was found."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["settled"]


@contextmanager
def settled() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()  # moved past the young generations...
            gc.unfreeze()  # ...into the oldest, uncounted
        if collecting:
            gc.enable()
