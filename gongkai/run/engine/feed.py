"""What a forked render worker is sent: its items by value, not read from
the memory it shares with the build.

A process forked from the build shares the build's memory page by page
until it writes to a page, and CPython writes to every object it reads (its
reference count): a worker that renders pages from the records it
inherited soon holds a private copy of most of the build's heap (~180 MB
at 10,000 records), though it reads each record only to render it.  So the
build pickles each chunk of items (pages, producers of a record's files)
with the records they name, and the worker renders from that copy and
drops it: the worker's memory stays one chunk's, whatever the site's size.

Only the site itself is not copied: the worker takes the one it inherited
(the renderer's; templates read nothing of it but its configuration and
navigation, which every page needs).  A page's ``make`` is often a closure
(``lambda: _record_context(inputs)``): it is sent as the function's place
(module, qualified name, first line) and the values it closes over, and
made again in the worker from its own copy of the code (forked: the same
code).  An item that cannot be sent so (``dumps`` returns None) is rendered
from the inherited memory, as before: the bytes are the same either way.
"""

from __future__ import annotations

import functools
import io
import itertools
import os
import pickle
import sys
import tempfile
import types
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from gongkai.core.model import Site

__all__ = ["Spool", "dumps", "loads"]

# What pickling may raise for an object it cannot send (a generator, a lock,
# a lambda whose code cannot be found again...): the chunk is then rendered
# from the inherited memory instead.
_CANNOT = (pickle.PicklingError, TypeError, AttributeError, ValueError, KeyError, IndexError, RecursionError)


def _site() -> Site:
    """Stands for the worker's own site in a pickle (see ``_Unpickler.find_class``)."""
    raise pickle.UnpicklingError("the site is taken from the worker, never made from a pickle")


@functools.cache
def _code(module: str, qualname: str, line: int) -> types.CodeType | None:
    """The code of the function ``qualname`` of ``module`` (a nested one: found
    among the constants of the function that makes it), None when not found."""
    parts = qualname.split(".")
    obj: Any = sys.modules.get(module)
    i = 0
    while i < len(parts) and parts[i] != "<locals>":  # module-level names (a function, a class's method)
        obj = getattr(obj, parts[i], None)
        i += 1
    code = getattr(obj, "__code__", None)
    while code is not None and i < len(parts):  # "<locals>", then the name of a function made inside
        if parts[i] != "<locals>" or i + 1 >= len(parts):
            return None
        name, last = parts[i + 1], i + 2 == len(parts)
        found = [
            c
            for c in code.co_consts
            if isinstance(c, types.CodeType) and c.co_name == name and (not last or c.co_firstlineno == line)
        ]
        if len(found) != 1:
            return None
        code = found[0]
        i += 2
    return code if isinstance(code, types.CodeType) else None


def _closure(module: str, qualname: str, line: int, defaults: Any, cells: tuple[Any, ...]) -> types.FunctionType:
    code = _code(module, qualname, line)
    if code is None:
        raise pickle.UnpicklingError(f"no function {module}.{qualname} (line {line})")
    closure = tuple(types.CellType(c) for c in cells)
    fn = types.FunctionType(code, sys.modules[module].__dict__, code.co_name, defaults, closure)
    fn.__qualname__ = qualname
    return fn


class _Pickler(pickle.Pickler):
    def __init__(self, f: io.BytesIO, site: Site) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.site = site

    def reducer_override(self, obj: Any) -> Any:
        # Called for objects of other types than the built-in containers and
        # scalars (few: records, pages, functions, dates), so cheap.
        if isinstance(obj, Site):
            if obj is not self.site:  # another site than the worker's: not sent
                raise pickle.PicklingError("a site other than the build's")
            return _site, ()
        if type(obj) is types.FunctionType and "<locals>" in obj.__qualname__:
            return _reduce_closure(obj)
        return NotImplemented


def _reduce_closure(fn: types.FunctionType) -> tuple[Any, ...]:
    code = fn.__code__
    module = fn.__module__
    if (
        _code(module, fn.__qualname__, code.co_firstlineno) is not code
        or fn.__globals__ is not getattr(sys.modules.get(module), "__dict__", None)
        or fn.__kwdefaults__
        or fn.__dict__
    ):
        raise pickle.PicklingError(f"cannot send {fn.__qualname__}")
    cells = tuple(c.cell_contents for c in fn.__closure__ or ())  # ValueError for an empty cell
    return _closure, (module, fn.__qualname__, code.co_firstlineno, fn.__defaults__, cells)


class _Unpickler(pickle.Unpickler):
    def __init__(self, f: io.BytesIO, site: Site) -> None:
        super().__init__(f)
        self.site = site

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_site":
            return lambda: self.site
        return super().find_class(module, name)


def dumps(items: Sequence[Any], site: Site) -> bytes | None:
    """``items`` by value, ``site`` by reference; None when they cannot be sent."""
    f = io.BytesIO()
    try:
        _Pickler(f, site).dump(list(items))
    except _CANNOT:
        return None
    return f.getvalue()


def loads(blob: bytes, site: Site) -> list[Any]:
    """The items ``dumps`` sent, with ``site`` (the worker's) for the build's."""
    items: list[Any] = _Unpickler(io.BytesIO(blob), site).load()
    return items


class Spool:
    """Objects pickled to a temporary file now, in batches, and read back in
    order, one batch at a time, by a process forked after (the search merge
    reads the records so: a stream, never all of them at once)."""

    def __init__(self, objects: Iterable[Any], batch: int = 64) -> None:
        fd, self.path = tempfile.mkstemp(prefix="gongkai-spool-")
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
