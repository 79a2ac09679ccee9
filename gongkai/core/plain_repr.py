"""A frozen dataclass's repr, made in C: ``ClassName(field=value!r, ...)``
exactly as the dataclass's own, without its per-call guard against
recursion (reprlib.recursive_repr), which values of plain fields never need.

The build keys list pages by the repr of the record summaries, catalogue
entries and downloads they show (run/engine/keys.py: BY_REPR): at 10,000
records that is some 30,000 reprs an edit, and the guard was a third of
their cost."""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import TypeVar

__all__ = ["plain_repr"]

C = TypeVar("C", bound=type)


def plain_repr(cls: C) -> C:
    """Class decorator, above ``@dataclass``: its repr without the recursion guard."""
    names = [f.name for f in dataclasses.fields(cls) if f.repr]
    fmt = cls.__qualname__ + "(" + ", ".join(f"{n}=%r" for n in names) + ")"
    get = attrgetter(*names)
    if len(names) == 1:

        def __repr__(self: object) -> str:
            return fmt % (get(self),)

    else:

        def __repr__(self: object) -> str:
            return fmt % get(self)

    cls.__repr__ = __repr__  # type: ignore[assignment]
    return cls
