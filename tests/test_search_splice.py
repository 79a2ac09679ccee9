"""The search index spliced edit by edit is the one a full merge makes.

Random edits of a synthetic township (bench/synth.py: content nobody wrote by
hand for this test), each built into one output with the site's cache kept, as
a command and the preview server build: the index is then spliced into the
last one from the state on disk (run/engine/search.py, emit/search_state.py).
After every edit the whole tree must equal a cold build's, byte for byte, and
most edits must have been spliced, not merged afresh (else this tests nothing)."""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO
from test_incremental import _assert_same

from gongkai.run.build import build
from gongkai.run.engine.store import BuildCache

sys.path.insert(0, str(REPO / "bench"))
from synth import generate

TODAY = date(2026, 11, 28)
RECORDS = 90
WORDS = "东坡村 青石村 王振华 李明 补贴 耕地 公示 救灾 资金 项目 复核 发放 面积 金额 水渠 修缮 道路 硬化".split()


def _phrase(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12)))


@pytest.mark.parametrize("seed", [3])
def test_random_edits_splice_into_the_index_a_full_merge_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    site = tmp_path / "site"
    generate(site, RECORDS, seed=seed)
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    out, cold = tmp_path / "out", tmp_path / "cold"
    build(site, TODAY, out=out)
    rng = random.Random(seed)
    notices = sorted((site / "content" / "notices").rglob("*.md"))
    rosters = [
        p for p in sorted((site / "content" / "subsidies").rglob("*.yaml")) if "村组核定" in p.read_text("utf-8")
    ]
    assert len(notices) > 20 and rosters
    hows: list[str] = []
    for _ in range(7):
        action = rng.random()
        if action < 0.5:  # a few notices gain a sentence (new grams, some in shards no other edit touched)
            for path in rng.sample(notices, rng.randint(1, 3)):
                path.write_text(path.read_text("utf-8") + f"\n{_phrase(rng)}。\n", encoding="utf-8")
        elif action < 0.75:  # a roster row's note: the record's rows blocks
            path = rng.choice(rosters)
            text = path.read_text("utf-8")
            path.write_text(text.replace("村组核定", _phrase(rng), 1), encoding="utf-8")
            if "村组核定" not in path.read_text("utf-8"):
                rosters.remove(path)
        else:  # a title: the document's own file and its grams
            path = rng.choice(notices)
            text = path.read_text("utf-8")
            path.write_text(text.replace("title: ", f"title: {_phrase(rng)}", 1), encoding="utf-8")
        hows.append(build(site, TODAY, out=out).search)
        build(site, TODAY, out=cold, cache=BuildCache(None, memory_only=True))
        _assert_same(out, cold)
    assert sum(h.startswith("spliced") for h in hows) >= 5, hows


def test_facet_changes_splice_or_merge_into_the_index_a_full_merge_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A splice keeps the last index's facet lists and each unchanged
    document's codes (SearchState.codes): an edit that changes a document's
    publisher to another listed one is spliced (its codes change), one that
    needs a value the lists lack, or leaves one without a document, is merged
    afresh, and a new last document is spliced on; each time the whole tree
    is a cold build's."""
    site = tmp_path / "site"
    generate(site, RECORDS, seed=5)
    config = site / "content" / "site.yaml"
    text = config.read_text("utf-8")
    assert "publishers:\n" in text
    config.write_text(text.replace("publishers:\n", "publishers:\n  spare: 青石镇测试办公室\n", 1), encoding="utf-8")
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    out, cold = tmp_path / "out", tmp_path / "cold"
    assert build(site, TODAY, out=out).search == "merged"
    notices = sorted((site / "content" / "notices").rglob("*.md"))
    by_publisher: dict[str, list[Path]] = {}
    for path in notices:  # those naming their publisher (the others take the default)
        lines = [x for x in path.read_text("utf-8").splitlines() if x.startswith("publisher: ")]
        if lines:
            by_publisher.setdefault(lines[0].removeprefix("publisher: "), []).append(path)
    common = sorted((p for p in by_publisher if len(by_publisher[p]) >= 3), key=lambda p: -len(by_publisher[p]))
    assert len(common) >= 2, by_publisher.keys()
    first, second = by_publisher[common[0]][0], by_publisher[common[1]][1]

    def publisher(path: Path, old: str, new: str) -> None:
        text = path.read_text("utf-8")
        assert f"publisher: {old}\n" in text
        path.write_text(text.replace(f"publisher: {old}\n", f"publisher: {new}\n", 1), encoding="utf-8")

    def rebuilt() -> str:
        how = build(site, TODAY, out=out).search
        build(site, TODAY, out=cold, cache=BuildCache(None, memory_only=True))
        _assert_same(out, cold)
        return how

    publisher(first, common[0], "spare")  # a publisher no document had: the lists gain it
    assert rebuilt() == "merged"
    publisher(first, "spare", common[0])  # and lose it again
    assert rebuilt() == "merged"
    publisher(second, common[1], common[0])  # both stay listed: the document's codes change
    assert rebuilt() == "spliced 1"
    new = site / "content" / "notices" / "2026" / "tongzhi-2026-99999.md"
    new.parent.mkdir(exist_ok=True)
    new.write_text(
        f"---\ntitle: 关于冬季防火的通知\ndate: {TODAY.isoformat()}\ncategory: 工作动态\npublisher: {common[1]}\n---\n\n"
        "各村做好冬季防火工作。\n",
        encoding="utf-8",
    )
    assert rebuilt() == "spliced 1"  # a new last document
