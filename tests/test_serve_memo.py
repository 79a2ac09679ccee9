"""The preview server's memo (run/engine/memo.py) and its search index,
spliced from the state a command keeps too (run/engine/search.py): what
the server derived in its last build is used again only for the very same inputs.  After every kind of edit its served tree is a full
build's, byte for byte; a memo that ignored a change would be caught by that
comparison; a rebuild cut off by an exception leaves the served tree as it
was and the next rebuild right."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_incremental import MUTATIONS, NOTICE, ROSTER, TODAY, _append, _assert_same, _tree

from gongkai.commands.serve import DevServer
from gongkai.core.model import Record
from gongkai.run.build import build
from gongkai.run.engine import engine as engine_module
from gongkai.run.engine import memo as memo_module
from gongkai.run.engine import sealed
from gongkai.run.engine.memo import ServerMemo, same
from gongkai.run.engine.search import SearchKeeper
from gongkai.run.engine.store import BuildCache
from gongkai.run.result import BuildResult

OTHER = "content/notices/dongtai-zhengwu-gongkai-2015.md"  # a notice apart from NOTICE


@pytest.fixture
def server(demo: Path) -> Iterator[DevServer]:
    s = DevServer(demo, port=0, today=TODAY, log=lambda line: None)
    try:
        yield s
    finally:
        s._httpd.server_close()
        shutil.rmtree(s._tmp, ignore_errors=True)


def _rebuilt(server: DevServer) -> None:
    server.rebuild()
    assert server.state.ok, server.state.problems[:3]


def _cold(root: Path, tmp_path: Path, today: date = TODAY) -> Path:
    cold = tmp_path / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    build(root, today, out=cold, cache=BuildCache(None, memory_only=True))
    return cold


def _searched(server: DevServer) -> list[str]:
    """How each later rebuild made the search index (BuildResult.search)."""
    hows: list[str] = []
    made = server._build

    def build_and_note() -> BuildResult:
        result = made()
        hows.append(result.search)
        return result

    server._build = build_and_note  # type: ignore[method-assign]
    return hows


def _memo(server: DevServer) -> ServerMemo:
    memo = server.cache.server_memo
    assert isinstance(memo, ServerMemo)
    return memo


def test_after_every_kind_of_edit_the_server_serves_the_full_build(
    demo: Path, server: DevServer, tmp_path: Path
) -> None:
    _rebuilt(server)
    memo = _memo(server)
    hows = _searched(server)
    for name in sorted(MUTATIONS, key=lambda n: (n == "deleted record", n)):  # the others edit that notice
        MUTATIONS[name](demo)
        _rebuilt(server)
        _assert_same(server.out, _cold(demo, tmp_path))
        if name == "notice body":  # the same inputs for all pages but the notice's: keys taken from the memo
            assert memo.misses <= 3 and memo.hits > 100, (memo.hits, memo.misses)
            assert hows[-1] == "spliced 1"  # into the last index (its other files kept)
    assert hows[-1] == "merged"  # a deleted record moves every later document: merged afresh


def test_names_withdrawn_on_a_later_day_by_the_same_records(demo: Path, server: DevServer, tmp_path: Path) -> None:
    """The same record objects on another day: a roster's names shown in its
    公示期 (and the grace days after) are withdrawn once they are over."""
    shown, withdrawn = date(2015, 5, 25), date(2015, 7, 1)  # gengdi-2015: 公示 to 2015-05-19, 30 days' grace
    server.today = shown
    _rebuilt(server)
    cold = _tree(_cold(demo, tmp_path, shown))
    page = next(k for k in cold if k.endswith("/gengdi-2015/index.html") and not k.startswith("print/"))
    server.today = withdrawn
    _rebuilt(server)
    _assert_same(server.out, _cold(demo, tmp_path, withdrawn))
    assert _tree(server.out)[page] != cold[page]  # the names went


def test_a_memo_that_ignored_a_change_would_be_caught(
    demo: Path, server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above fails for a page memo that takes the last key
    whatever the page now holds, and for a withdrawal memo that ignores the day."""
    _rebuilt(server)
    monkeypatch.setattr(ServerMemo, "_same_page", lambda self, old, new: True)
    _append(demo / NOTICE, "\n补充一句。\n")
    _rebuilt(server)
    with pytest.raises(AssertionError):
        _assert_same(server.out, _cold(demo, tmp_path))
    monkeypatch.undo()

    from gongkai.plan import names

    real = names._withdrawn
    monkeypatch.setattr(names, "_remembered", _ignoring_the_day(real))
    _memo(server).withdrawn.clear()  # made afresh on the first of the two days
    server.today = date(2015, 5, 25)
    _rebuilt(server)
    server.today = date(2015, 7, 1)
    _rebuilt(server)
    with pytest.raises(AssertionError):
        _assert_same(server.out, _cold(demo, tmp_path, date(2015, 7, 1)))


def _ignoring_the_day(withdrawn):  # type: ignore[no-untyped-def]
    def remembered(site, rules, memo):  # type: ignore[no-untyped-def]
        out = []
        for r in site.records:
            rule = rules.get(r.id)
            if rule is None:
                out.append(r)
                continue
            hit = memo.get(id(r))
            if hit is None or hit[0] is not r:
                hit = memo[id(r)] = (r, rule, site.today, withdrawn(r, rule, site.today))
            out.append(hit[3])
        return tuple(out)

    return remembered


def test_an_exception_mid_rebuild_leaves_the_served_tree_and_the_next_rebuild_right(
    demo: Path, server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut off after the search index was spliced (the memo's index is then
    not the one served): the served tree stays; after an edit of another
    record the next rebuild must not keep the first edit's files from the
    served tree, which still has the old ones."""
    _rebuilt(server)
    served = _tree(server.out)

    def boom(*args: object, **kw: object) -> None:
        raise RuntimeError("cut off")

    monkeypatch.setattr(engine_module.Made, "files", boom)
    _append(demo / NOTICE, "\n第一处补充。\n")
    server.rebuild()
    assert not server.state.ok
    assert _tree(server.out) == served
    monkeypatch.undo()
    _append(demo / OTHER, "\n第二处补充。\n")
    _rebuilt(server)
    _assert_same(server.out, _cold(demo, tmp_path))


def test_a_rebuild_cut_off_after_its_splice_leaves_the_served_trees_state(
    demo: Path, server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild that spliced its index and then failed leaves the served
    tree and the state that describes it: the next edit splices into that
    tree, and a state bound to other files than the served tree's is not used."""
    _rebuilt(server)
    hows = _searched(server)
    cut_after: list[str] = []

    def cut(made: engine_module.Made, *args: object) -> None:
        cut_after.append(made.search_how)
        raise RuntimeError("cut")

    monkeypatch.setattr(engine_module.Made, "files", cut)
    _append(demo / NOTICE, "\n第一处补充。\n")
    server.rebuild()
    assert not server.state.ok and cut_after == ["spliced 1"] and hows == []
    monkeypatch.undo()
    _append(demo / OTHER, "\n第二处补充。\n")
    _rebuilt(server)
    assert hows[-1] == "spliced 2"  # both notices, into the tree served before the cut
    _assert_same(server.out, _cold(demo, tmp_path))
    state = SearchKeeper(server.cache.folder, server.out, transient=True).state_path
    assert state is not None and state.is_file()
    sealed.dump(state, (sealed.load(state)[0], "0" * 40))  # bound to other files
    _append(demo / OTHER, "\n第三处补充。\n")
    _rebuilt(server)
    assert hows[-1] == "merged"
    _assert_same(server.out, _cold(demo, tmp_path))


def test_a_stopped_server_leaves_no_index_state_in_the_sites_cache(demo: Path) -> None:
    server = DevServer(demo, port=0, today=TODAY, log=lambda line: None)
    try:
        _rebuilt(server)
        state = SearchKeeper(server.cache.folder, server.out, transient=True).state_path
        assert state is not None and state.is_file()
    finally:
        server.stop()
    assert not state.exists() and not server._tmp.exists()


def test_a_roster_cell_and_its_spreadsheet_make_new_keys(demo: Path, server: DevServer, tmp_path: Path) -> None:
    _rebuilt(server)
    MUTATIONS["roster cell"](demo)
    _rebuilt(server)
    assert _memo(server).misses >= 1
    _assert_same(server.out, _cold(demo, tmp_path))
    assert (demo / ROSTER).exists()


# --- same ---------------------------------------------------------------------------------------


def _record(**kw: object) -> Record:
    return Record(id="a", type="notice", source="content/notices/a.md", title="t", publisher="p", date=TODAY, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (1, 1.0),
        (1, True),
        (Decimal("1.0"), Decimal("1.00")),
        (0.0, -0.0),
        ("1", 1),
        ((1, 2), [1, 2]),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # a template iterates in order
        ((1, (2, "x")), (1, (2, "y"))),
        (date(2015, 1, 1), date(2015, 1, 2)),
    ],
)
def test_values_that_show_differently_are_not_the_same(a: object, b: object) -> None:
    assert not same(a, b)
    assert not same(b, a)


def test_equal_values_and_the_very_same_records_are_the_same() -> None:
    rec = _record(body="x")
    assert same(rec, rec)
    assert same(
        (1, "a", Decimal("1.50"), {"k": (date(2015, 1, 1), None)}),
        (1, "a", Decimal("1.50"), {"k": (date(2015, 1, 1), None)}),
    )
    # an equal record that is another object: only the very same record is known unchanged
    assert not same(rec, _record(body="x"))
    assert not same(_record(data={"n": Decimal("1.0")}), _record(data={"n": Decimal("1.00")}))


def test_a_frozen_dataclass_is_compared_field_by_field() -> None:
    from gongkai.core.model import Summary

    def summary(title: str, validity: str = "") -> Summary:
        return Summary("a", "notice", title, "p", TODAY, "", None, "", (), "proactive", False, (), validity)

    assert same(summary("t"), summary("t"))
    assert not same(summary("t"), summary("u"))
    assert not same(summary("t"), summary("t", "valid"))


def test_a_page_memo_entry_is_dropped_when_the_base_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from gongkai.plan.pages import Page

    made: list[str] = []

    class Keys:
        base = b"one"

        def templates(self, name: str) -> str:
            return "t1"

        def page(self, page: Page) -> str:
            made.append(page.url)
            return f"key-{len(made)}"

    memo, keys = ServerMemo(), Keys()
    page = Page("a/", "list.html", "A", {"n": 1})
    memo.begin(keys)  # type: ignore[arg-type]
    first = memo.page_key(page, keys)  # type: ignore[arg-type]
    memo.begin(keys)  # type: ignore[arg-type]
    assert memo.page_key(Page("a/", "list.html", "A", {"n": 1}), keys) == first  # type: ignore[arg-type]
    assert memo.page_key(Page("a/", "list.html", "A", {"n": 1.0}), keys) != first  # type: ignore[arg-type]
    keys.base = b"two"
    memo.begin(keys)  # type: ignore[arg-type]
    memo.page_key(Page("a/", "list.html", "A", {"n": 1.0}), keys)  # type: ignore[arg-type]
    assert len(made) == 3
    monkeypatch.setattr(Keys, "templates", lambda self, name: "t2")
    memo.begin(keys)  # type: ignore[arg-type]
    memo.page_key(Page("a/", "list.html", "A", {"n": 1.0}), keys)  # type: ignore[arg-type]
    assert len(made) == 4  # the template changed
    assert memo_module.same is same


def test_an_index_whose_files_the_output_cannot_keep_is_merged_afresh(
    demo: Path, server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the output refuses to keep the files a splice leaves as they
    were, the index is merged afresh, and the served tree is still the full build's."""
    from gongkai.run.write import Output

    _rebuilt(server)
    hows = _searched(server)
    asked: list[int] = []

    def refuse(self: Output, rels: object) -> bool:
        asked.append(len(list(rels)))  # type: ignore[call-overload]
        return False

    monkeypatch.setattr(Output, "keep_all", refuse)
    _append(demo / NOTICE, "\n预览时补充。\n")
    _rebuilt(server)
    assert hows == ["merged"] and max(asked) > 20, asked  # the search files among them
    _assert_same(server.out, _cold(demo, tmp_path))


def test_a_build_s_renderer_does_not_keep_its_site_alive(demo: Path) -> None:
    """A Jinja environment is a reference cycle, freed only by Python's
    full collection, which may come many rebuilds later: the preview server
    held several builds' sites at once (its RSS grew ~3.5 MiB a save at
    10,000 records).  Nothing the environment holds may hold the site, so
    the site goes as soon as the build lets go of it."""
    import gc
    import weakref

    from gongkai import check
    from gongkai.emit.render import Renderer, theme_dirs

    site = check(demo, TODAY).site
    assert site is not None
    renderer = Renderer(site, theme_dirs(demo, "default"))
    renderer.env.get_template("base.html")  # the environment's templates name it: the cycle
    alive = weakref.ref(site)
    gc.disable()
    try:
        del site, renderer
        assert alive() is None, "the site lives on in the template environment's cycle"
    finally:
        gc.enable()
