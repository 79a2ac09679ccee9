"""The cold build's fast paths give exactly what the general code gives.

Each fast path skips work only where the general code provably finds
nothing or changes nothing; these tests hold it to that on real content (a
synthetic township, the demo site) and on generated values around each
path's edge (a text one character short of a number, masks written with
other signs, keys that split a thousands comma)."""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from dataclasses import fields
from operator import add
from pathlib import Path

import pytest

from gongkai.check import pii
from gongkai.core.errors import Loc
from gongkai.core.idmask import _SIGNS_BEFORE_LAST, star_masks
from gongkai.core.masking import _FIELD_DROP, _FIELD_MAP, _id_shape_problem, normalise_id_field
from gongkai.core.privacy_filter import NumberSoup
from gongkai.core.schema.kinds import _DIGITS_HEAD, _DIGITS_TAIL, Field, Text, split_numbers
from gongkai.core.tree import RMap, RNode, RScalar, RSeq
from gongkai.emit.search_text import _DIGITS, _count_grams, canon
from gongkai.read.raw import parse_yaml, split_front_matter

ROOT = Path(__file__).resolve().parent.parent


def _content_files(site: Path) -> list[tuple[str, str, int]]:
    """(path, YAML text, its first line) of every record file of ``site``."""
    out = []
    for f in sorted((site / "content").rglob("*")):
        if f.suffix == ".yaml":
            out.append((str(f), f.read_text(encoding="utf-8"), 1))
        elif f.suffix == ".md":
            fm = split_front_matter(f.read_text(encoding="utf-8"))
            if fm is not None:
                out.append((str(f), fm.yaml_text, fm.yaml_line))
    return out


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from synth import generate

    town = tmp_path_factory.mktemp("town")
    generate(town, 300, seed=7)
    return [town, ROOT]  # the synthetic township and the demo site (content/)


# --- YAML: nodes made by their slot setters ------------------------------------------------


def _rebuilt(node: RNode) -> RNode:
    """The same tree made by the dataclasses' own constructors."""
    if isinstance(node, RScalar):
        return RScalar(node.text, Loc(node.loc.path, node.loc.line, node.loc.col, node.loc.cell), node.style, node.src)
    if isinstance(node, RSeq):
        return RSeq(tuple(_rebuilt(i) for i in node.items), Loc(*(getattr(node.loc, f.name) for f in fields(Loc))))
    return RMap(
        {k: _rebuilt(v) for k, v in node.entries.items()},
        {k: Loc(*(getattr(loc, f.name) for f in fields(Loc))) for k, loc in node.key_locs.items()},
        Loc(*(getattr(node.loc, f.name) for f in fields(Loc))),
    )


def test_yaml_nodes_equal_constructed_ones(sites: list[Path]) -> None:
    count = 0
    for site in sites:
        for path, text, first in _content_files(site):
            node, _ = parse_yaml(text, path, first)
            if node is None:
                continue
            again = _rebuilt(node)
            assert again == node and repr(again) == repr(node) and hash(str(again)) == hash(str(node))
            count += 1
    assert count > 300


def test_yaml_scalar_fields_all_set() -> None:
    node, _ = parse_yaml('a: "x"\nb: |\n  one\n  two\nc: [1, {d: e}]\n', "f.yaml")
    assert isinstance(node, RMap)
    for value in (node.entries["a"], node.entries["b"]):
        assert isinstance(value, RScalar)
        for f in fields(RScalar):
            getattr(value, f.name)  # an unset slot would raise AttributeError
    b = node.entries["b"]
    assert isinstance(b, RScalar) and (b.text, b.loc, b.style) == ("one\ntwo\n", Loc("f.yaml", 2, 4), "|")
    assert b.src is not None and b.src.startswith("b: |\n  one\n  two")


# --- PII: cells too short for a number ------------------------------------------------------


def _scan_slow(node: RNode, contact: tuple[str, ...] = (), path: str = "") -> list:
    """scan_pii before its fast paths: every scalar through the detectors."""
    out: list = []
    if isinstance(node, RScalar):
        if path.endswith("id_number") or path.startswith("allow_numbers"):
            return out
        phones = not any(path == c or path.startswith(c + ".") for c in contact)
        try:
            found = pii._find(node.text, phones, frozenset(), pii.field_label(path))
        except NumberSoup as soup:
            return [pii._soup_problem(node.loc, path, soup)]
        return [pii._pii_problem(f.kind, pii._loc_in(node, f), path, f.display()) for f in found]
    if isinstance(node, RSeq):
        for i, item in enumerate(node.items, start=1):
            out.extend(_scan_slow(item, contact, f"{path}[{i}]"))
    else:
        for key, value in node.entries.items():
            out.extend(_scan_slow(value, contact, f"{path}.{key}" if path else key))
    return out


def test_pii_fast_path_equals_detectors_on_content(sites: list[Path]) -> None:
    for site in sites:
        for path, text, first in _content_files(site):
            node, _ = parse_yaml(text, path, first)
            if node is not None:
                assert pii.scan_pii(node, ("objection",)) == _scan_slow(node, ("objection",))


def test_pii_fast_path_equals_detectors_near_the_edge() -> None:
    """Digits, separators and labels around MIN_DIGITS characters, as cells
    of a roster row, a list and a mapping under labelled and plain keys."""
    rng = random.Random(18)
    mobile, ids = "13912345678", "320826196504121230"
    keys = ["note", "承包方编码", "合同编号", "phone_number", "x.地块编码", "id_number", "a.id_number", "名称"]
    alphabet = "0123456789 -.*_·/：:年月日编号村" + "０１２３"
    found = 0
    for _ in range(3000):
        shape = rng.random()
        if shape < 0.3:
            text = rng.choice([mobile, ids, mobile[:10], ids[:12]])[: rng.randint(8, 18)]
        else:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        loc = Loc("f.yaml", 3, 5)
        cell = RScalar(text, loc)
        row = RMap({k: cell for k in rng.sample(keys, 3)}, {k: loc for k in keys}, loc)
        tree = RMap({"recipients": RSeq((row, row), loc), "tags": RSeq((cell,), loc), **row.entries}, {}, loc)
        for contact in ((), ("objection",), ("recipients",)):
            fast, slow = pii.scan_pii(tree, contact), _scan_slow(tree, contact)
            assert fast == slow, text
            found += bool(slow)
    assert found > 100  # the edge was really reached: numbers were found


# --- ID cells ---------------------------------------------------------------------------------


def test_id_fast_paths_equal_general_ones() -> None:
    rng = random.Random(5)
    signs = "0123456789*＊×✕✖xXｘＸ \u200b０Ａa"
    for _ in range(5000):
        v = "".join(rng.choice(signs) for _ in range(rng.randint(0, 20)))
        if rng.random() < 0.5:
            v = "320826" + "".join(rng.choice("*×xX＊") for _ in range(8)) + "123" + rng.choice("0X*x")
        assert star_masks(v) == _SIGNS_BEFORE_LAST.sub("*", v.strip())
        assert normalise_id_field(v) == _FIELD_DROP.sub("", v).translate(_FIELD_MAP)
        n = _FIELD_DROP.sub("", v).translate(_FIELD_MAP)
        bad = sorted({c for c in n if c not in "0123456789X*"})
        problem = _id_shape_problem(n)
        if n and len(n) in (15, 18):
            assert (problem is not None and "不允许的字符" in problem) == bool(bad)


# --- broken thousands -------------------------------------------------------------------------


def test_split_numbers_fast_path() -> None:
    """A mapping whose keys are all fields: nothing to report, as the general walk says."""
    spec = {"amount": Field(Text()), "name": Field(Text()), "note": Field(Text())}
    rng = random.Random(3)
    loc = Loc("f.yaml", 1)
    for _ in range(2000):
        entries = {}
        for k in rng.sample([*spec, "970", "970.70", "123", "x"], rng.randint(1, 5)):
            entries[k] = RScalar(rng.choice(["", "4", "12", "1234", "abc"]), loc, rng.choice([None, '"']))
        node = RMap(entries, dict.fromkeys(entries, loc), loc)
        got = split_numbers(node, spec)
        # the general walk, as it was before the fast path
        groups: list[tuple[str, list[str], list[str]]] = []
        open_group = False
        for key, value in entries.items():
            blank = isinstance(value, RScalar) and value.is_null
            if open_group and key not in spec and blank and _DIGITS_TAIL.match(key):
                groups[-1][1].append(key)
                groups[-1][2].append(key)
                open_group = "." not in key
                continue
            open_group = False
            if key in spec and isinstance(value, RScalar) and value.style is None and _DIGITS_HEAD.match(value.text):
                groups.append((key, [value.text], []))
                open_group = True
        assert got == {k: (first, ",".join(pieces)) for first, pieces, ks in groups for k in ks}


# --- search: bigrams --------------------------------------------------------------------------


def _count_slow(c: str, counter: Counter[str]) -> None:
    if len(c) < 2:
        return
    grams = Counter(map(add, c, c[1:]))
    for g in [g for g in grams if " " in g]:
        del grams[g]
    counter.update(grams)
    runs = _DIGITS.findall(c)
    if runs:
        counter.update([r[i : i + n] for r in runs for n in (3, 4) for i in range(len(r) - n + 1)])


def test_count_grams_same_counts_same_order() -> None:
    rng = random.Random(9)
    for _ in range(5000):
        c = canon("".join(rng.choice("ab 12345公示名单. ,\n") for _ in range(rng.randint(0, 40))))
        a, b = Counter({"x": 1, "ab": 2}), Counter({"x": 1, "ab": 2})
        _count_slow(c, a)
        _count_grams(c, b)
        assert list(a.items()) == list(b.items()), c


# --- the search index gated where it is merged --------------------------------------------------


class _Watched:
    """A guard that notes which process read each search file (a class at
    module level: the merge's process is sent its guard pickled)."""

    def __init__(self, guard, calls: Path) -> None:  # type: ignore[no-untyped-def]
        self.guard, self.calls = guard, calls

    def __call__(self, rel: str, data: bytes):  # type: ignore[no-untyped-def]
        import os

        if rel.startswith("search/"):
            with open(self.calls, "a") as f:
                f.write(f"{os.getpid()} {rel}\n")
        return self.guard(rel, data)


def _leaky_planned(*args, **kwargs):  # type: ignore[no-untyped-def]
    """The merge's files and one with a phone number in it."""
    from gongkai.emit.search_state import planned_index

    yield from planned_index(*args, **kwargs)
    yield "search/extra.json", b'{"tel":"13912345678"}'


def test_search_files_are_gated_in_the_merges_process(tmp_path: Path) -> None:
    """The search index merged beside the pages is read by the leak gate in
    the merge's process (before: by the build's own process, alone, after
    every page); a number in one of its files still stops the build."""
    import os
    import sys
    from datetime import date

    import gongkai.run.engine.engine as engine
    import gongkai.run.pipeline as pipeline
    from gongkai.core.errors import ContentError
    from gongkai.run.build import build

    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: nothing is forked")
    sys.path.insert(0, str(ROOT / "bench"))
    from synth import generate

    site = tmp_path / "town"
    generate(site, 200)  # ≈ 370 pages: the index is merged beside them
    calls = tmp_path / "gated"
    real_gate = pipeline.gate_for
    mp = pytest.MonkeyPatch()
    mp.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    mp.setattr(pipeline, "gate_for", lambda s, *more: _Watched(real_gate(s, *more), calls))
    try:
        build(site, date(2026, 11, 28), workers=2)
        gated = [line.split(" ", 1) for line in calls.read_text().splitlines()]
        pids = {int(pid) for pid, rel in gated if rel != "search/index.html"}  # the page is rendered anywhere
        assert pids and os.getpid() not in pids, "the search files were gated by the build's own process"
        mp.setattr(engine, "planned_index", _leaky_planned)
        calls.unlink()
        temp = tmp_path / "temp"
        temp.mkdir()
        mp.setattr(tempfile, "tempdir", str(temp))
        with pytest.raises(ContentError) as err:
            build(site, date(2026, 11, 28), workers=2, out=tmp_path / "out2")
        assert any(p.code == "GK404" and "search/extra.json" in str(p.loc) for p in err.value.problems)
        assert not (tmp_path / "out2").exists()
        gated = [line.split(" ", 1) for line in calls.read_text().splitlines()]
        assert any(rel.strip() == "search/extra.json" and int(pid) != os.getpid() for pid, rel in gated)
        assert not list(temp.iterdir()), "a refused build left the merge's files (names) in the temp folder"
    finally:
        mp.undo()
