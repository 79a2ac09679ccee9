"""A sequence over records whose items are made from them the first time
each is read (plan/pages.Summaries, plan/catalogue.Entries): its length is known
without them, and the build's keys can stand an unchanged record's item in
by the last build's digest of it (run/engine/keys.py) without making it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, overload

from gongkai.core.model import Record

__all__ = ["PerRecord"]

T = TypeVar("T")


class PerRecord(Sequence[T]):
    """The items of ``records``, in their order; ``item(i)`` makes (or finds) the i-th."""

    __slots__ = ("records",)

    def __init__(self, records: tuple[Record, ...]) -> None:
        self.records = records

    def item(self, i: int) -> T:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.records)

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...

    def __getitem__(self, i: int | slice) -> T | tuple[T, ...]:
        where = range(len(self.records))
        if isinstance(i, slice):
            return tuple(map(self.item, where[i]))
        return self.item(where[i])  # a negative index counts from the end; past it: IndexError

    def __iter__(self) -> Iterator[T]:
        return map(self.item, range(len(self.records)))

    def __eq__(self, other: object) -> bool:
        """Equal to another sequence of its kind, or a tuple, of equal items."""
        if isinstance(other, tuple) or type(other) is type(self):
            seq: Sequence[Any] = other
            return len(self) == len(seq) and all(a == b for a, b in zip(self, seq, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({tuple(self)!r})"
