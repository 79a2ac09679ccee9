"""``dataclass``: the standard decorator, with ``__repr__``, ``__eq__`` and
``__hash__`` made without compiling code.

The standard library writes each method of a dataclass as source text and
compiles it (an ``exec`` a method).  The ~90 dataclasses a build imports
spent 87-127 ms of every command in it on a 2-core machine (bench/README,
seventh session).  Here the standard decorator makes ``__init__`` and, for a
frozen class, ``__setattr__``/``__delattr__`` (which ``__init__`` must assign
past), and the three methods that only read fields are shared functions bound
to each class's field names: 79 ms in the standard decorator instead
(bench/import_bench.py, medians of 15).

They behave exactly as the standard ones (tests/test_dataclass.py compares
them on classes of every shape): ``__eq__`` compares the tuples of the
``compare`` fields of two instances of the very same class (else
NotImplemented); ``__hash__`` of a frozen class hashes that tuple (fields
chosen by ``hash``, else ``compare``), a mutable class is unhashable;
``__repr__`` is ``Qualname(field=repr, ...)`` over the ``repr`` fields, "..."
where it would recurse.  They are slower a call (eq 0.5 µs against 0.3), which
no build pays for: the values repr'ed in bulk have ``plain_repr``.  A class
that writes any of the three itself gets the standard decorator whole, and
only the arguments the package uses are taken (``frozen``, ``slots``,
``kw_only``): the rules for the others are the standard library's to keep.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

__all__ = ["dataclass"]

T = TypeVar("T", bound=type)

_OWN = ("__eq__", "__hash__", "__repr__")


@overload
def dataclass(cls: T, /) -> T: ...


@overload
def dataclass(*, frozen: bool = False, slots: bool = False, kw_only: bool = False) -> Callable[[T], T]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def dataclass(
    cls: T | None = None, /, *, frozen: bool = False, slots: bool = False, kw_only: bool = False
) -> T | Callable[[T], T]:
    """``dataclasses.dataclass`` with these arguments (see the module's docstring)."""

    def wrap(c: T) -> T:
        return _make(c, frozen=frozen, slots=slots, kw_only=kw_only)

    return wrap if cls is None else wrap(cls)


def _make(cls: T, *, frozen: bool, slots: bool, kw_only: bool) -> T:
    if any(name in cls.__dict__ for name in _OWN):
        std: Any = dataclasses.dataclass(cls, frozen=frozen, slots=slots, kw_only=kw_only)
        return std  # type: ignore[no-any-return]
    made: Any = dataclasses.dataclass(cls, frozen=frozen, slots=slots, kw_only=kw_only, repr=False, eq=False)
    fields = dataclasses.fields(made)
    compared = _getter(tuple(f.name for f in fields if f.compare))
    shown = tuple(f.name for f in fields if f.repr)
    made.__eq__ = _eq(made, compared)
    if frozen:
        made.__hash__ = _hash(made, _getter(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))))
    else:
        made.__hash__ = None  # as the standard decorator leaves a mutable class that compares by value
    made.__repr__ = _repr(made, _getter(shown), "(" + ", ".join(f"{name}={{!r}}" for name in shown) + ")")
    return made  # type: ignore[no-any-return]


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of these fields of an instance (what the generated methods build)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        name = names[0]
        return lambda self: (getattr(self, name),)
    return lambda self: ()


def _named(cls: Any, fn: Any) -> Any:
    fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
    fn.__module__ = cls.__module__
    return fn


def _eq(cls: Any, get: Callable[[Any], tuple[Any, ...]]) -> Any:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return get(self) == get(other)
        return NotImplemented

    return _named(cls, __eq__)


def _hash(cls: Any, get: Callable[[Any], tuple[Any, ...]]) -> Any:
    def __hash__(self: Any) -> int:
        return hash(get(self))

    return _named(cls, __hash__)


def _repr(cls: Any, get: Callable[[Any], tuple[Any, ...]], fields: str) -> Any:
    fmt = fields.format

    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        name: str = self.__class__.__qualname__
        return name + fmt(*get(self))

    return _named(cls, __repr__)
