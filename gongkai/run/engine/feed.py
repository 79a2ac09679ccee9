"""Records sent to another process by value: the search merge's.

A process forked from the build shares the build's memory page by page
until either of them writes to a page, and CPython writes to every object
it reads (its reference count).  A merge that read the records it
inherited would make its process hold a copy of them; so the build pickles
them, in index order, to a spool (``Spool``) and the merge, in the process
forked before the site was loaded (early.py), reads them back one batch at
a time and drops each once its documents are made."""

from __future__ import annotations

import itertools
import os
import pickle
from collections.abc import Iterable, Iterator
from typing import Any

from gongkai.emit.scratch import scratch_file

__all__ = ["Spool"]


class Spool:
    """Objects pickled to a temporary file now, in batches, and read back in
    order, one batch at a time, by another process (the search merge reads
    the records so: a stream, never all of them at once)."""

    def __init__(self, objects: Iterable[Any], batch: int = 64) -> None:
        fd, self.path = scratch_file("spool")
        with os.fdopen(fd, "wb") as f:
            it = iter(objects)
            while chunk := list(itertools.islice(it, batch)):
                pickle.dump(chunk, f, protocol=pickle.HIGHEST_PROTOCOL)

    def __iter__(self) -> Iterator[Any]:
        with open(self.path, "rb") as f:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk

    def close(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass
