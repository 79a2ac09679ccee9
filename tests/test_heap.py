"""core/heap.py: the package's freezes of the cyclic collector, and
``settled``, which must know whether one is held without counting the
frozen objects (gc.get_freeze_count walks them all: an edit at 10,000
records made ten calls, 58-65 ms in all)."""

from __future__ import annotations

import ast
import gc
from pathlib import Path

import pytest

from gongkai.core import heap
from gongkai.core.heap import settled

PACKAGE = Path(heap.__file__).resolve().parents[1]


def test_settled_outside_a_freeze_moves_its_objects_past_the_young_generations() -> None:
    assert not heap.is_frozen() and gc.get_freeze_count() == 0
    with settled():
        made = [{"n": [i]} for i in range(20_000)]
    assert gc.get_count()[0] < 100, gc.get_count()  # not left young, to be walked again
    assert gc.get_freeze_count() == 0  # nor frozen
    assert len(made) == 20_000


def test_settled_inside_a_freeze_leaves_it_to_its_owner() -> None:
    kept = [{"n": [i]} for i in range(5_000)]
    heap.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert heap.is_frozen() and frozen > len(kept)
        with settled():
            more = [{"n": [i]} for i in range(5_000)]
        assert gc.get_freeze_count() == frozen  # neither ended nor grown
        assert heap.is_frozen()
    finally:
        heap.unfreeze()
    assert not heap.is_frozen() and gc.get_freeze_count() == 0
    assert len(more) == 5_000


def test_settled_never_counts_the_frozen_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    def counted() -> int:
        raise AssertionError("gc.get_freeze_count walks every frozen object")

    monkeypatch.setattr(gc, "get_freeze_count", counted)
    with settled():
        pass
    heap.freeze()
    try:
        with settled():
            pass
    finally:
        heap.unfreeze()


def test_only_core_heap_freezes_the_collector() -> None:
    """A gc.freeze or gc.unfreeze elsewhere would leave ``settled`` wrong about
    whether one is held (so it would end someone's freeze, or skip its own)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "heap.py" and path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("freeze", "unfreeze", "get_freeze_count")
                and isinstance(node.value, ast.Name)
                and node.value.id == "gc"
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []
