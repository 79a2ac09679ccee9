"""A record's field positions, packed: what the build cache keeps of them.

A validated record keeps where each of its top-level fields was written
(model.Record.locs), about 13 positions a record.  As Loc objects in a dict
they were a third of the time a one-record edit spends unpickling 10,000
cached records, yet they are read only when a rule across records reports a
problem.  ``Locs`` keeps them as one string and makes the Loc objects the
first time one is asked for; as a Mapping it reads like the dict it replaces.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from gongkai.core.errors import Loc

__all__ = ["Locs", "pack_locs"]

_ENTRY = "\x1e"  # between entries (and after the table of paths)
_FIELD = "\x1f"  # between the parts of one entry (and between paths)


def pack_locs(locs: Mapping[str, Loc]) -> Mapping[str, Loc]:
    """``locs`` as a Locs, or as a dict when a part holds a separator (a
    path can be any file name), so that unpacking gives back exactly ``locs``."""
    paths: dict[str, int] = {}
    entries = []
    for key, loc in locs.items():
        n = paths.setdefault(loc.path, len(paths))
        entries.append(f"{key}{_FIELD}{loc.line}{_FIELD}{loc.col}{_FIELD}{n}{_FIELD}{loc.cell}")
    texts = (*locs, *paths, *(loc.cell for loc in locs.values()))
    if any(_ENTRY in t or _FIELD in t for t in texts):
        return dict(locs)
    return Locs(_ENTRY.join([_FIELD.join(paths), *entries]))


class Locs(Mapping[str, Loc]):
    """Field path → Loc, kept as one string until first read."""

    __slots__ = ("_map", "_packed")

    def __init__(self, packed: str) -> None:
        self._packed = packed
        self._map: dict[str, Loc] | None = None

    def _locs(self) -> dict[str, Loc]:
        if self._map is None:
            head, *entries = self._packed.split(_ENTRY)
            paths = head.split(_FIELD)
            out: dict[str, Loc] = {}
            for entry in entries:
                key, line, col, n, cell = entry.split(_FIELD)
                out[key] = Loc(paths[int(n)], int(line), int(col), cell)
            self._map = out
        return self._map

    def __getitem__(self, key: str) -> Loc:
        return self._locs()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._locs()

    def __iter__(self) -> Iterator[str]:
        return iter(self._locs())

    def __len__(self) -> int:
        return len(self._locs())

    def __repr__(self) -> str:
        return f"Locs({self._locs()!r})"

    def __reduce__(self) -> tuple[type[Locs], tuple[str]]:
        return Locs, (self._packed,)
