"""A full search merge hands its documents' parts (what the next build
splices from) to the keeper in groups read back from temporary files, not
as one dict held in memory (at 10,000 records ~25 MB of strings the merge's
process held to its end).  The parts kept so must be exactly what the
in-memory form gave, every temporary file must go however the merge ends,
and the keeper must write every bucket whole."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO

from gongkai.core.model import Site
from gongkai.emit import search_state
from gongkai.emit.search_index import _Facets, _merge
from gongkai.emit.search_state import Parts, SearchState, full_index, index_plan
from gongkai.plan.search_docs import _search_doc
from gongkai.run.build import check
from gongkai.run.engine.search import SearchKeeper
from gongkai.run.engine.store import BuildCache

TODAY = date(2016, 12, 31)
SALT = "test-salt"


@pytest.fixture(scope="module")
def site() -> Site:
    result = check(REPO, TODAY, cache=BuildCache(None, memory_only=True))
    assert result.site is not None
    return result.site


def _in_memory(site: Site) -> tuple[dict[str, Parts], list[tuple[str, bytes]]]:
    """Each document's parts by key as the merge held them before (one dict, in memory), and the files."""
    recs, plan = index_plan(site, SALT)
    parts: list[Parts] = []
    docs = (_search_doc(r, h[2]) for r, h in zip(recs, plan.heads, strict=True))
    merge = _merge(docs, _Facets(plan.heads), seen=lambda n, made: parts.append((made[2], made[3])))  # type: ignore[arg-type]
    files = list(merge)
    return dict(zip(plan.keys, parts, strict=True)), files


class _Done:
    def __init__(self) -> None:
        self.groups: list[dict[str, Parts]] = []
        self.state: SearchState | None = None

    def __call__(self, state: SearchState, groups: Iterable[dict[str, Parts]]) -> None:
        self.state = state
        self.groups = [dict(g) for g in groups]


@pytest.mark.parametrize("batch", [1, 3, 64])
def test_spilled_parts_are_the_in_memory_parts(site: Site, tmp_path: Path, batch: int) -> None:
    mp = pytest.MonkeyPatch()
    mp.setattr(search_state, "_PARTS_BATCH", batch)
    mp.setattr(tempfile, "tempdir", str(tmp_path))
    try:
        done = _Done()
        files = list(full_index(site, SALT, done))
    finally:
        mp.undo()
    want, want_files = _in_memory(site)
    assert len(want) > 10
    merged: dict[str, Parts] = {}
    for group in done.groups:
        assert not set(group) & set(merged), "a key in two groups"
        merged.update(group)
    assert merged == want
    for group in done.groups:  # each in index order (a bucket's file is as before)
        assert list(group) == [k for k in want if k in group]
    buckets = [{k[:2] for k in g} for g in done.groups]
    assert len(done.groups) > 1
    for i, a in enumerate(buckets):
        for b in buckets[i + 1 :]:
            assert not a & b, "two groups share a bucket of the keeper's"
    assert files[: len(want_files)] == want_files  # the index's files are unchanged
    assert done.state is not None and sum(done.state.blocks) >= 0 and len(done.state.keys) == len(want)
    assert done.state.size == sum(search_state._size(p) for p in want.values())
    assert not list(tmp_path.iterdir()), "the merge left its parts in the temp folder"


def test_a_merge_stopped_midway_removes_its_parts(site: Site, tmp_path: Path) -> None:
    """The parts hold every search document's words (names included): a
    merge closed before its end (the build stopped) leaves none behind."""
    mp = pytest.MonkeyPatch()
    mp.setattr(search_state, "_PARTS_BATCH", 1)  # written to files from the first document
    mp.setattr(tempfile, "tempdir", str(tmp_path))
    try:
        done = _Done()
        merge = full_index(site, SALT, done)
        seen = [next(merge) for _ in range(8)]
        assert seen
        spilled = [p for d in tmp_path.iterdir() for p in d.rglob("parts*")]
        assert spilled, "nothing was spilled: the test shows nothing"
        merge.close()
    finally:
        mp.undo()
    assert done.state is None
    assert not list(tmp_path.iterdir())


def test_the_keeper_writes_groups_whole(site: Site, tmp_path: Path) -> None:
    want, _ = _in_memory(site)
    keys = list(want)
    by_first: dict[str, dict[str, Parts]] = {}
    for k in keys:
        by_first.setdefault(k[:1], {})[k] = want[k]
    out = tmp_path / "out"
    keeper = SearchKeeper(tmp_path / "cache", out)
    keeper.save_parts({"ff" + "0" * 30: ("old", "old")}, fresh=True)  # an earlier merge's: dropped
    keeper.save_all_parts(iter(by_first.values()))
    fresh = SearchKeeper(tmp_path / "cache", out)  # read back from the files
    assert all(fresh.parts(k) == want[k] for k in keys)
    assert fresh.parts("ff" + "0" * 30) is None
    # groups that share a bucket after all add to it, never write over it
    a, b = "ab" + "1" * 30, "ab" + "2" * 30
    again = SearchKeeper(tmp_path / "cache", out)
    again.save_all_parts([{a: ("甲乙", "1")}, {b: ("丙丁", "2")}, {k: want[k] for k in keys}])
    fresh = SearchKeeper(tmp_path / "cache", out)
    assert fresh.parts(a) == ("甲乙", "1") and fresh.parts(b) == ("丙丁", "2")
    assert all(fresh.parts(k) == want[k] for k in keys)
