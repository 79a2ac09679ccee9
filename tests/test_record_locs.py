"""Where a cached record's fields were written (core/locs.py): kept packed
in the record packs, they still name the right file, line and column when a
rule across records reports a problem with a record taken from the cache
(issue #18: the positions were a third of the time spent unpickling)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from test_incremental import TODAY

from gongkai.core.errors import Loc
from gongkai.core.locs import Locs, pack_locs
from gongkai.run.build import check
from gongkai.run.engine.store import BuildCache

FOLLOWER = "content/decisions/jimao-shichang-jieguo.yaml"  # follows: jimao-shichang-jueding
FOLLOWED = "content/decisions/jimao-shichang-jueding.yaml"
CORRECTION = "content/subsidies/shouzai-jiuzhu-2015-gengzheng.yaml"  # supersedes: shouzai-jiuzhu-2015


def _line_of(path: Path, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"{key}:"))


def test_a_cached_record_names_the_line_of_the_field_a_problem_is_about(demo: Path) -> None:
    check(demo, TODAY, cache=BuildCache(demo))  # the packs hold every record now
    target = demo / "content/subsidies"
    corrected = next(p for p in target.rglob("*.yaml") if p.stem == "shouzai-jiuzhu-2015")
    corrected.unlink()
    (demo / FOLLOWED).unlink()
    cache = BuildCache(demo)
    cached = check(demo, TODAY, cache=cache)
    assert cache.records.hits > 40 and cache.records.misses == 0  # both records came from the packs
    fresh = check(demo, TODAY, cache=BuildCache(demo, memory_only=True))
    broken = {p.field: p for p in cached.problems if p.code == "GK203"}
    assert set(broken) == {"follows", "supersedes"}
    assert broken["follows"].loc.path == FOLLOWER
    assert broken["follows"].loc.line == _line_of(demo / FOLLOWER, "follows")
    assert broken["supersedes"].loc.path == CORRECTION
    assert broken["supersedes"].loc.line == _line_of(demo / CORRECTION, "supersedes")
    assert [(p.code, p.loc, p.field) for p in cached.problems] == [(p.code, p.loc, p.field) for p in fresh.problems]
    records = [r for r in cached.site.records] if cached.site else []
    assert records and all(isinstance(r.locs, Locs) for r in records)  # kept packed


def test_packed_positions_are_the_positions() -> None:
    locs = {
        "": Loc("content/a.yaml", 1, 1),
        "title": Loc("content/a.yaml", 2, 8),
        "recipients[1]": Loc("content/a.xlsx", 0, 0, "工作表1!C17"),
        "date": Loc("content/a.yaml", 123456, 3),
    }
    packed = pack_locs(locs)
    assert isinstance(packed, Locs)
    again = pickle.loads(pickle.dumps(packed))
    for value in (packed, again):
        assert dict(value) == locs and list(value) == list(locs) and len(value) == 4
        assert "title" in value and "body" not in value and value.get("body") is None
    assert len(pickle.dumps(packed)) < len(pickle.dumps(locs))


@pytest.mark.parametrize("odd", ["content/a\x1eb.yaml", "content/a\x1fb.yaml"])
def test_positions_with_a_separator_in_a_name_are_kept_as_they_are(odd: str) -> None:
    locs = {"": Loc(odd, 1, 1), "title": Loc("content/x.yaml", 2, 3)}
    packed = pack_locs(locs)
    assert not isinstance(packed, Locs) and dict(packed) == locs


def test_a_record_comes_back_from_its_pickle_whole() -> None:
    """Fields that equality ignores (digest, locs) survive too, and unpickling
    never asks Record.__getattr__ (it made an exception per record)."""
    from datetime import date

    from gongkai.core.model import Record

    rec = Record(
        id="a",
        type="notice",
        source="content/notices/a.md",
        title="标题",
        publisher="gov",
        date=date(2020, 1, 2),
        data={"category": "政策解读"},
        locs=pack_locs({"": Loc("content/notices/a.md", 1, 1), "title": Loc("content/notices/a.md", 2, 8)}),
        digest="ab" * 20,
    )
    asked: list[str] = []
    real = Record.__getattr__

    def spy(self: Record, name: str) -> object:
        asked.append(name)
        return real(self, name)

    Record.__getattr__ = spy  # type: ignore[method-assign]
    try:
        again = pickle.loads(pickle.dumps(rec))
    finally:
        Record.__getattr__ = real  # type: ignore[method-assign]
    assert asked == []
    assert again == rec and again.digest == rec.digest and dict(again.locs) == dict(rec.locs)
    assert again.category == "政策解读" and again.loc("title.x") == Loc("content/notices/a.md", 2, 8)
