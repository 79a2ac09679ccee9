"""The record pages' keys kept between builds (run/engine/keep.py): after
each kind of edit, every key an incremental build kept or made is the key a
full plan makes, the site is the full build's byte for byte, and the pages
an edit cannot reach are planned from the kept keys (not a full plan in disguise)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_incremental import TODAY, _tree

import gongkai.plan.catalogue as data_module
import gongkai.plan.pages as pages_module
import gongkai.run.pipeline as pipeline
from gongkai.core.model import Summary
from gongkai.plan.pages import RecordInputs
from gongkai.run.build import build, check
from gongkai.run.engine import engine as engine_module
from gongkai.run.engine import sealed
from gongkai.run.engine.keep import OWN, RELATED, PlanState
from gongkai.run.engine.memo import ServerMemo
from gongkai.run.engine.store import BuildCache


def _state(root: Path) -> PlanState:
    out = root / "build"
    name = hashlib.sha256(str(out).encode()).hexdigest()[:16]
    state = sealed.load(sealed.site_cache_dir(root) / "plan" / f"state-{name}")
    assert isinstance(state, PlanState)
    return state


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _later(root: Path) -> None:
    for p in (root / "content").rglob("*"):
        if p.is_file():
            st = p.stat()
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str] | None]:
    """What each build's plan_pages was given to keep."""
    seen: list[dict[str, str] | None] = []
    real = pipeline.plan_pages

    def plan(site: Any, kept: dict[str, str] | None = None) -> Any:
        seen.append(dict(kept) if kept is not None else None)
        return real(site, kept)

    monkeypatch.setattr(pipeline, "plan_pages", plan)
    return seen


def _edited_build(
    demo: Path, tmp_path: Path, planned: list[Any], mutate: Callable[[Path], None]
) -> tuple[set[str], dict[str, str]]:
    """Build, edit, build again: returns the records whose page's key changed
    and the keys the edit's build kept.
    Checks the kept keys are a full plan's (and the site a full build's)."""
    build(demo, TODAY, out=demo / "build")
    before = _state(demo).keys
    mutate(demo)
    _later(demo)
    build(demo, TODAY, out=demo / "build")
    kept = planned[-1]
    assert kept, "the edit was planned in full: nothing kept"
    after = _state(demo).keys
    fresh = tmp_path / "fresh"
    shutil.copytree(demo / "content", fresh / "content")
    if (demo / "themes").exists():
        shutil.copytree(demo / "themes", fresh / "themes")
    build(fresh, TODAY, out=fresh / "build")
    assert planned[-1] is None  # a site never built: planned in full
    full = _state(fresh).keys
    assert after == full, {
        k: (after.get(k), full.get(k)) for k in after.keys() | full.keys() if after.get(k) != full.get(k)
    }
    assert all(full[i] == k for i, k in kept.items())
    _same_groups(demo, fresh)
    a, b = _tree(demo / "build"), _tree(fresh / "build")
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    return {i for i in before.keys() | after.keys() if before.get(i) != after.get(i)}, kept


def _groups(root: Path) -> dict[str, str]:
    manifest = BuildCache(root).manifest((root / "build").resolve())
    assert manifest is not None
    return {name: key for name, (key, _) in manifest.groups.items()}


def _same_groups(built: Path, fresh: Path) -> None:
    """Every group's key (the record groups' kept ones among them) is a full build's."""
    a, b = _groups(built), _groups(fresh)
    assert a == b, {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


def _set(path: Path, field: str, value: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(rf"(?m)^{field}: .*$", f"{field}: {value}", text, count=1)
    assert n == 1
    path.write_text(new, encoding="utf-8")


NOTICE = "content/notices/dongtai-kangzai-2015.md"
CORRECTION = "content/subsidies/shouzai-jiuzhu-2015-gengzheng.yaml"


def test_a_body_edit_keeps_every_other_record_page(demo: Path, tmp_path: Path, planned: list[Any]) -> None:
    changed, kept = _edited_build(demo, tmp_path, planned, lambda r: _edit(r / NOTICE, "\n\n", "\n\n补充一句。\n\n"))
    assert changed == {"dongtai-kangzai-2015"}
    assert "dongtai-kangzai-2015" not in kept and len(kept) > 20


# (the edit, the record pages it must change beside the edited record's)
EDITS: dict[str, tuple[Callable[[Path], None], set[str]]] = {
    # the corrected roster's page shows its correction (title and a field-by-field diff)
    "correction's title": (lambda r: _edit(r / CORRECTION, "（更正）", "（第二次更正）"), {"shouzai-jiuzhu-2015"}),
    "correction removed": (
        lambda r: _edit(r / CORRECTION, "supersedes: shouzai-jiuzhu-2015\n", ""),
        {"shouzai-jiuzhu-2015", "shouzai-jiuzhu-2015-gengzheng"},
    ),
    "correction added": (
        lambda r: _edit(
            r / "content/notices/shoufei-jimao-tanweifei.md", "\n---\n", "\nsupersedes: dongtai-kangzai-2015\n---\n"
        ),
        {"dongtai-kangzai-2015"},
    ),
    # a 解读 shows the document it interprets, and the document its 解读
    "interpreted document's title": (
        lambda r: _edit(r / "content/regulations/zhaijidi-guanli-2012.md", "title: ", "title: 修订："),
        {"jiedu-zhaijidi-guanli-2012"},
    ),
    "解读 points elsewhere": (
        lambda r: _set(r / "content/notices/jiedu-zhaijidi-guanli-2012.md", "interprets", "jimao-shichang-guanli-2014"),
        {"zhaijidi-guanli-2012", "jimao-shichang-guanli-2014"},
    ),
    # a 决算's chart compares it with the 预算 of its year
    "budget of the same year": (
        lambda r: _edit(r / "content/budgets/yusuan-2015.yaml", "name: 一般公共服务支出", "name: 一般公共服务"),
        {"juesuan-2015"},
    ),
    # a decision's page shows every stage of its chain
    "first stage of a decision": (
        lambda r: _edit(r / "content/decisions/jimao-shichang-zhengqiu.yaml", "title: ", "title: 再次"),
        {"jimao-shichang-jueding", "jimao-shichang-jieguo"},
    ),
    "middle stage of a decision": (
        lambda r: _edit(r / "content/decisions/jimao-shichang-jueding.yaml", "title: ", "title: 再次"),
        {"jimao-shichang-zhengqiu"},
    ),
    # 索引号: numbers given by the registry, shown on the record's page
    "索引号 renumbered": (
        lambda r: (
            _edit(r / "content/index-numbers.yaml", "guide: 2015-00001", "guide: 2015-00099"),
            _edit(r / "content/index-numbers.yaml", "jiandu: 2015-00002", "jiandu: 2015-00001"),
        ),
        {"guide", "jiandu"},
    ),
    # a page's key covers what it shows of another record with what pages show of that one: its 索引号
    "索引号 of the document a 解读 shows": (
        lambda r: _edit(
            r / "content/index-numbers.yaml", "zhaijidi-guanli-2012: 2012-00002", "zhaijidi-guanli-2012: 2012-00009"
        ),
        {"zhaijidi-guanli-2012", "jiedu-zhaijidi-guanli-2012"},
    ),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edit_of_a_related_record_changes_the_page_that_shows_it(
    demo: Path, tmp_path: Path, planned: list[Any], name: str
) -> None:
    mutate, related = EDITS[name]
    changed, kept = _edited_build(demo, tmp_path, planned, mutate)
    # the related pages' keys changed (a relation missed would keep the old one)
    assert related <= changed, related - changed
    assert not related & set(kept)


def test_the_preview_server_keeps_record_pages_in_memory(demo: Path, planned: list[Any]) -> None:
    cache = BuildCache(demo, manifests_on_disk=False)
    cache.server_memo = ServerMemo()
    build(demo, TODAY, out=demo / "build", cache=cache)
    assert planned[-1] is None
    _edit(demo / NOTICE, "\n\n", "\n\n补充一句。\n\n")
    _later(demo)
    build(demo, TODAY, out=demo / "build", cache=cache)
    assert planned[-1] and "dongtai-kangzai-2015" not in planned[-1]
    full = demo.parent / "fresh"
    shutil.copytree(demo / "content", full / "content")
    build(full, TODAY, out=full / "build")
    a, b = _tree(demo / "build"), _tree(full / "build")
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []


def test_a_state_of_another_version_or_a_foreign_one_is_not_used(demo: Path, planned: list[Any]) -> None:
    build(demo, TODAY, out=demo / "build")
    _edit(demo / NOTICE, "\n\n", "\n\n补充一句。\n\n")
    _later(demo)
    build(demo, date(2017, 1, 2), out=demo / "build")  # another day: another base, nothing kept
    assert planned[-1] is None
    out = demo / "build"
    path = sealed.site_cache_dir(demo) / "plan" / f"state-{hashlib.sha256(str(out).encode()).hexdigest()[:16]}"
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 1  # not sealed by this machine as it is
    path.write_bytes(bytes(blob))
    _edit(demo / NOTICE, "补充一句。", "补充两句。")
    _later(demo)
    build(demo, date(2017, 1, 2), out=out)
    assert planned[-1] is None


def test_every_field_of_a_record_pages_inputs_is_known_to_the_kept_state() -> None:
    # a new field of RecordInputs is a new relation: keep.py must learn what changes it
    import dataclasses

    assert {f.name for f in dataclasses.fields(RecordInputs)} == set(OWN) | set(RELATED)


def test_record_groups_keep_their_keys_only_from_the_tree_the_state_describes(
    demo: Path, tmp_path: Path, planned: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record's QR code and data files keep the last build's key when the
    record is untouched; but a build stopped after its tree was swapped in and
    before its state was saved leaves the state of the build before: those
    keys are then not the tree's, and every group is keyed afresh."""
    out = demo / "build"
    build(demo, TODAY, out=out)
    path = sealed.site_cache_dir(demo) / "plan" / f"state-{hashlib.sha256(str(out).encode()).hexdigest()[:16]}"
    older = path.read_bytes()
    notice = demo / NOTICE
    original = notice.read_bytes()
    _edit(notice, "title: ", "title: 改过的")
    _later(demo)
    build(demo, TODAY, out=out)  # its state is lost below, as if the build had stopped before saving it
    path.write_bytes(older)
    notice.write_bytes(original)  # back to what the older state describes
    _later(demo)
    kept: list[int] = []
    real = engine_module.Made._kept_key

    def spy(self: Any, name: str, inputs: Any, touched: set[str]) -> Any:
        kept.append(1)
        return real(self, name, inputs, touched)

    monkeypatch.setattr(engine_module.Made, "_kept_key", spy)
    build(demo, TODAY, out=out)
    assert planned[-1]  # the pages' keys were kept (they are checked against the tree's)
    assert not kept  # but no group's key: the state is not the tree's
    fresh = tmp_path / "fresh"
    shutil.copytree(demo / "content", fresh / "content")
    build(fresh, TODAY, out=fresh / "build")
    _same_groups(demo, fresh)
    a, b = _tree(out), _tree(fresh / "build")
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []
    # the next edit, from the state this build saved: the untouched records' groups keep their keys
    _edit(notice, "\n\n", "\n\n补充一句。\n\n")
    _later(demo)
    build(demo, TODAY, out=out)
    assert len(kept) > 40


def test_list_pages_key_an_unchanged_records_summary_from_the_kept_state(
    demo: Path, tmp_path: Path, planned: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list page's key holds each record's summary by the digest of its
    repr, the 目录's each record's entry likewise: after an edit, the
    unchanged records' digests come from the last build's state (only the
    edited record's summary is made into a repr, its entry alone made), and
    every key is still a full build's (``_edited_build`` compares every
    group's key, the list pages', the 目录's page and data files' among them)."""
    reprs = _ids_of_calls(monkeypatch, Summary, "__repr__")
    made = _ids_of_calls(monkeypatch, data_module, "_entry")
    build(demo, TODAY, out=demo / "build")
    assert len(set(reprs)) > 40  # the first build makes every summary's repr
    full = len(reprs)
    before = _state(demo).summaries
    assert set(before) == set(reprs)
    entries = _state(demo).entries
    assert len(entries) > 40 and set(entries) == set(made)
    reprs.clear()
    made.clear()
    # the title shows in lists: the key part of its summary changes, the others' are kept
    _edited_build(demo, tmp_path, planned, lambda r: _edit(r / NOTICE, "title: ", "title: 改过的"))
    edited = "dongtai-kangzai-2015"
    after = _state(demo).summaries
    assert after[edited] != before[edited]
    assert {k: v for k, v in after.items() if k != edited} == {k: v for k, v in before.items() if k != edited}
    # the edit's build made one summary's repr; the fresh full build (in _edited_build) all of them
    fresh = _state(tmp_path / "fresh").summaries
    assert after == fresh
    assert reprs.count(edited) == 2 and len(reprs) == full + 1
    # the 目录's entries: the edited record's part changed, the others' were kept
    assert _state(demo).entries[edited] != entries[edited]
    assert {k: v for k, v in _state(demo).entries.items() if k != edited} == {
        k: v for k, v in entries.items() if k != edited
    }
    # a body edit leaves the 目录 and the lists as they were: the edited record's entry and
    # summary are made (to key them), no other
    made.clear()
    summarized = _ids_of_calls(monkeypatch, pages_module, "summarize")
    _edit(demo / NOTICE, "\n\n", "\n\n补充一句。\n\n")
    _later(demo)
    build(demo, TODAY, out=demo / "build")
    assert made == [edited]
    # and the regulations' list, which groups its summaries by their 有效性 (a few records)
    site = check(demo, TODAY).site
    assert site is not None
    regulations = {r.id for r in site.of_type("regulation")}
    assert summarized.count(edited) == 1 and set(summarized) - {edited} <= regulations


def _ids_of_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[str]:
    """The ``id`` of the first argument of every call of ``owner.name`` from now on."""
    calls: list[str] = []
    real = getattr(owner, name)

    def counted(first: Any, *args: Any) -> Any:
        calls.append(first.id)
        return real(first, *args)

    monkeypatch.setattr(owner, name, counted)
    return calls
