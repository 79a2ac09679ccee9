"""The output and its spare checked by their folders' notes (walk.known).

An edit no longer lists every folder of the output and of the spare: a
folder whose (inode, ctime) is the one noted when its names were last seen
right still holds them.  That must never see less than the walk it
replaces: a file put deep into a noted folder of the output is refused as
before, and one put or replaced deep in the spare is never published."""

from __future__ import annotations

import os
import pickle
import shutil
import time
from pathlib import Path

import pytest
from test_incremental import NOTICE, TODAY, _append, _assert_same, _touch_later

from gongkai.core.errors import OutputError
from gongkai.run import spare, walk
from gongkai.run.build import build
from gongkai.run.engine.store import BuildCache, _flat_pickle
from gongkai.run.write import Manifest

pytestmark = pytest.mark.skipif(not walk.can_note(), reason="folders take no notes here")


def _edit_notice(root: Path, text: str) -> None:
    _append(root / NOTICE, f"\n{text}\n")
    _touch_later(root / NOTICE)


def _cold(root: Path, tmp_path: Path) -> Path:
    cold = tmp_path / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    build(root, TODAY, out=cold, cache=BuildCache(None, memory_only=True))
    return cold


def _noted_site(demo: Path) -> Path:
    """The demo built, then edited three times: by then the output's and the
    spare's folders are noted (a build notes the trees it found)."""
    out = demo / "build"
    build(demo, TODAY, out=out)
    for text in ("第一句补充。", "第二句补充。", "第三句补充。"):
        _edit_notice(demo, text)
        build(demo, TODAY, out=out)
    time.sleep(0.05)  # what follows is a change after the notes, on any clock tick
    return out


def _deep_folder(tree: Path) -> Path:
    """A record page's folder, which an edit of the notice does not touch."""
    return sorted(p for p in (tree / "subsidies").iterdir() if p.is_dir())[0]


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders ``walk.known`` lists from now on (a whole walk of the output is refused)."""
    listed: list[str] = []
    real = walk._lists

    def counted(path: str, *args: object) -> bool:
        listed.append(path)
        return real(path, *args)  # type: ignore[arg-type]

    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("the whole tree was walked")

    monkeypatch.setattr(walk, "_lists", counted)
    monkeypatch.setattr(walk, "scan", refused)
    return listed


def test_an_edit_lists_only_the_folders_changed_since_they_were_noted(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _noted_site(demo)
    folders = sum(1 for p in out.rglob("*") if p.is_dir())
    listed = _counting(monkeypatch)

    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("the spare was assembled")

    monkeypatch.setattr(spare, "assemble", refused)
    _edit_notice(demo, "第四句补充。")
    build(demo, TODAY, out=out)
    assert folders > 20 and len(listed) < folders // 4, (folders, listed)
    _assert_same(out, _cold(demo, tmp_path))


@pytest.mark.parametrize("edits", [0, 1, 3])
def test_a_file_put_deep_into_a_noted_folder_of_the_output_is_refused(demo: Path, edits: int) -> None:
    """The output noted by the cold build that made it (0 edits), by the
    first edit, which made its tree from nothing (1), or from the notes of
    the spare it was made from (3)."""
    out = demo / "build"
    build(demo, TODAY, out=out)
    for i in range(edits):
        _edit_notice(demo, f"补充{i}。")
        build(demo, TODAY, out=out)
    time.sleep(0.05)  # what follows is a change after the notes, on any clock tick
    planted = _deep_folder(out) / "planted.html"
    planted.write_text("a portal's page", encoding="utf-8")
    _edit_notice(demo, "再补充一句。")
    with pytest.raises(OutputError, match=r"planted\.html"):
        build(demo, TODAY, out=out)
    assert planted.read_text(encoding="utf-8") == "a portal's page"
    assert not list(demo.glob(".build.tmp-*"))  # the refused build left nothing beside the output


@pytest.mark.parametrize("how", ["planted", "replaced", "symlink"])
def test_a_file_put_deep_into_a_noted_folder_of_the_spare_is_never_published(
    demo: Path, tmp_path: Path, how: str
) -> None:
    out = _noted_site(demo)
    folder = _deep_folder(demo / ".build.spare")
    page = folder / "index.html"
    if how == "planted":
        (folder / "planted.html").write_text("not ours", encoding="utf-8")
    elif how == "replaced":  # another inode, the same name, size and mtime
        st = page.stat()
        page.unlink()
        page.write_bytes(b"F" * st.st_size)
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:
        page.unlink()
        page.symlink_to(demo / "content" / "site.yaml")
    _edit_notice(demo, "第四句补充。")
    build(demo, TODAY, out=out)
    published = _deep_folder(out)
    assert not (published / "planted.html").exists()
    assert not (published / "index.html").is_symlink() and b"FFFF" not in (published / "index.html").read_bytes()
    _assert_same(out, _cold(demo, tmp_path))


def test_the_trees_a_build_makes_whole_are_noted_so_the_next_edits_list_little(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build's tree and the first edit's (made from nothing: there
    is no spare yet) are noted by the build that made them, so neither of
    the next two edits lists every folder of the output, as each did when
    only a tree found by a listing was noted."""
    out = demo / "build"
    build(demo, TODAY, out=out)
    folders = sum(1 for p in out.rglob("*") if p.is_dir())
    made = BuildCache(demo).manifest(out)
    assert made is not None and len(made.folders) > folders // 2  # a few may share the marker's clock tick
    listed = _counting(monkeypatch)
    for text in ("第一句补充。", "第二句补充。"):
        time.sleep(0.05)
        _edit_notice(demo, text)
        listed.clear()
        build(demo, TODAY, out=out)
        assert folders > 20 and len(listed) < folders // 4, (folders, listed)
        _assert_same(out, _cold(demo, tmp_path))


def test_a_folder_changed_after_its_note_is_listed_again(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "a" / "b").mkdir(parents=True)
    for rel in ("x.html", "a/y.html", "a/b/z.html"):
        (root / rel).write_text(rel, encoding="utf-8")
    files = ["x.html", "a/y.html", "a/b/z.html"]
    first = walk.known(str(root), files, {})
    assert first is not None
    seen, notes, listed = first
    assert set(listed) == {"", "a", "a/b"} and set(listed["a/b"]) == {"z.html"}
    assert set(seen) == set(files) and set(notes) == {"", "a", "a/b"}
    again = walk.known(str(root), files, notes)
    assert again is not None and again[:2] == (seen, notes) and not again[2]  # nothing listed
    time.sleep(0.05)
    (root / "a" / "b" / "extra.html").write_text("not in the manifest", encoding="utf-8")
    assert walk.known(str(root), files, notes) is None
    (root / "a" / "b" / "extra.html").unlink()
    assert walk.known(str(root), files, {}) is not None  # listed afresh: as expected again
    assert walk.known(str(root), [*files, "a/b/gone.html"], notes) is None  # a file missing


def test_no_note_is_kept_of_a_folder_changed_after_the_probe(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.write_text("", encoding="utf-8")
    time.sleep(0.05)
    (tmp_path / "late").mkdir()
    late = os.stat(tmp_path / "late")
    before = os.stat(probe).st_ctime_ns - 1
    notes = {"old": (1, before), "late": (late.st_ino, late.st_ctime_ns)}
    assert walk.noted(notes, os.stat(probe).st_ctime_ns) == {"old": (1, before)}


def test_a_manifest_keeps_its_spare_as_a_difference() -> None:
    files = {f"p{i}/index.html": (f"d{i}", i, 10 + i) for i in range(100)}
    had = dict(files)
    del had["p3/index.html"]
    had["p5/index.html"] = ("old", 1, 2)
    had["gone/index.html"] = ("g", 3, 4)
    m = Manifest("tok", files, {}, had, {"": (1, 2)}, {"p1": (3, 4)})
    for blob in (pickle.dumps(m), _flat_pickle(m)):
        back = pickle.loads(blob)
        assert back == m and back.spare == had
        assert len(blob) < len(pickle.dumps(Manifest("tok", files, {}, None))) * 3 // 2
    legacy = Manifest.__new__(Manifest)
    legacy.__setstate__({"token": "t", "files": {}, "groups": {}})  # a manifest from before the notes
    assert legacy.folders == {} and legacy.spare_folders == {} and legacy.spare is None


def test_a_page_replaced_in_the_previews_spare_is_never_published(demo: Path, tmp_path: Path) -> None:
    """The preview's private spare: its folders noted as the command's are,
    and a page replaced there (another file of the same name, size and
    mtime) is not taken for the one the server wrote."""
    cache = BuildCache(None, memory_only=True, manifests_on_disk=False)
    out = tmp_path / "private" / "site"
    build(demo, TODAY, out=out, cache=cache)
    for text in ("第一句补充。", "第二句补充。", "第三句补充。"):
        _edit_notice(demo, text)
        build(demo, TODAY, out=out, cache=cache)
    time.sleep(0.05)
    page = _deep_folder(out.parent / ".site.spare") / "index.html"
    st = page.stat()
    page.unlink()
    page.write_bytes(b"F" * st.st_size)
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    for text in ("第四句补充。", "第五句补充。"):
        _edit_notice(demo, text)
        build(demo, TODAY, out=out, cache=cache)
        assert b"FFFF" not in (_deep_folder(out) / "index.html").read_bytes()
        _assert_same(out, _cold(demo, tmp_path))


def test_the_previews_first_trees_are_noted_so_its_first_edits_list_little(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's first build makes its tree whole and a tree of links to
    it as the spare: both are noted as they are made, so neither of the
    first two edits (the first made from the tree of links, the second from
    the first tree) lists every folder (~0.3 and ~0.6 s at 10,000 records
    when only trees found by a listing were noted)."""
    cache = BuildCache(None, memory_only=True, manifests_on_disk=False)
    out = tmp_path / "private" / "site"
    build(demo, TODAY, out=out, cache=cache)
    folders = sum(1 for p in out.rglob("*") if p.is_dir())
    made = cache.manifest(out)
    assert made is not None and made.spare is not None
    assert len(made.folders) > folders // 2 and len(made.spare_folders) > folders // 2
    listed = _counting(monkeypatch)
    for text in ("第一句补充。", "第二句补充。", "第三句补充。"):
        time.sleep(0.05)
        _edit_notice(demo, text)
        listed.clear()
        build(demo, TODAY, out=out, cache=cache)
        assert folders > 20 and len(listed) < folders // 4, (folders, listed)
        _assert_same(out, _cold(demo, tmp_path))


@pytest.mark.parametrize("tree", ["links", "first"])
@pytest.mark.parametrize("how", ["planted", "replaced"])
def test_a_file_put_into_the_previews_first_trees_is_never_published(
    demo: Path, tmp_path: Path, tree: str, how: str
) -> None:
    """Right after the preview's first build, a page replaced (another file
    of the same name, size and mtime) or a file planted deep in its tree of
    links (the first edit's spare) or in its first tree (the second's) is
    never published."""
    cache = BuildCache(None, memory_only=True, manifests_on_disk=False)
    out = tmp_path / "private" / "site"
    build(demo, TODAY, out=out, cache=cache)
    time.sleep(0.05)  # what follows is a change after the notes, on any clock tick
    folder = _deep_folder(out.parent / ".site.spare" if tree == "links" else out)
    page = folder / "index.html"
    if how == "planted":
        (folder / "planted.html").write_text("not ours", encoding="utf-8")
    else:
        st = page.stat()
        page.unlink()
        page.write_bytes(b"F" * st.st_size)
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    for text in ("第一句补充。", "第二句补充。", "第三句补充。"):
        _edit_notice(demo, text)
        build(demo, TODAY, out=out, cache=cache)
        published = _deep_folder(out)
        assert not (published / "planted.html").exists()
        assert b"FFFF" not in (published / "index.html").read_bytes()
        _assert_same(out, _cold(demo, tmp_path))


# --- the output's check run ahead, beside the build (run/engine/ahead.py) -----------------------


def _output_checks(monkeypatch: pytest.MonkeyPatch, out: Path, die: bool = False) -> list[int]:
    """The pids of processes that checked ``out`` by its notes and told this
    one (a forked process's calls are its own: only this process's show here).
    ``die``: a forked process ends as it starts the check."""
    me, calls = os.getpid(), []
    real = walk.known

    def spy(root: str, *args: object, **kwargs: object) -> object:
        if root == str(out):
            if die and os.getpid() != me:
                os._exit(3)
            calls.append(os.getpid())
        return real(root, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(walk, "known", spy)
    return calls


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no process beside the build")
def test_the_output_is_checked_beside_the_build_and_its_answer_taken(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gongkai.run.engine import ahead

    out = _noted_site(demo).resolve()
    answers: list[object] = []
    real = ahead.WalkAhead.result

    def result(self: ahead.WalkAhead) -> object:
        answers.append(real(self))
        return answers[-1]

    monkeypatch.setattr(ahead.WalkAhead, "result", result)
    calls = _output_checks(monkeypatch, out)
    _edit_notice(demo, "第四句补充。")
    build(demo, TODAY, out=out)
    assert len(answers) == 1 and answers[0] is not None  # the forked process's check was taken…
    assert calls == []  # …and this process did not check the output itself
    assert not list(demo.glob(".build.probe-*"))  # its probe is gone
    _assert_same(out, _cold(demo, tmp_path))


def test_a_check_ahead_that_dies_leaves_the_check_to_the_build(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _noted_site(demo).resolve()
    calls = _output_checks(monkeypatch, out, die=True)
    _edit_notice(demo, "第四句补充。")
    build(demo, TODAY, out=out)
    assert calls == [os.getpid()]  # checked here, as before
    _assert_same(out, _cold(demo, tmp_path))
    planted = _deep_folder(out) / "planted.html"  # and a file put in the output is still refused
    planted.write_text("a portal's page", encoding="utf-8")
    _edit_notice(demo, "第五句补充。")
    with pytest.raises(OutputError, match=r"planted\.html"):
        build(demo, TODAY, out=out)


def test_a_probe_left_by_a_killed_check_is_removed(demo: Path) -> None:
    out = _noted_site(demo)
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)  # a pid no process has now
    dead, alive = demo / f".build.probe-{child}", demo / f".build.probe-{os.getpid()}"
    dead.write_bytes(b"")
    alive.write_bytes(b"")
    _edit_notice(demo, "第四句补充。")
    build(demo, TODAY, out=out)
    assert not dead.exists() and alive.exists()  # a running process's probe is its own


@pytest.mark.parametrize("threads", [False, True])
@pytest.mark.parametrize("how", ["replaced", "rewritten"])
def test_a_kept_page_of_the_output_changed_while_the_build_runs_is_never_published(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, threads: bool
) -> None:
    """The output is checked as the build starts (beside it), and its
    unchanged files are linked into the new tree at the end: one put in
    place of such a file, or changed, in between is caught as it is linked
    (``threads``: on the linking threads a tree of many files uses).
    The build stops and the old site stays."""
    import gongkai.run.pipeline as pipeline
    import gongkai.run.renew as renew

    if threads:
        monkeypatch.setattr(renew, "_THREADED_LINKS", 1)

    out = tmp_path / "site-out"  # outside the site folder: no spare, every kept file is linked from the output
    build(demo, TODAY, out=out)
    page = _deep_folder(out) / "index.html"
    original = page.read_bytes()

    def meanwhile(*args: object, **kwargs: object) -> object:
        raise AssertionError("the build went on past its output")

    def forge() -> None:
        st = page.stat()
        if how == "replaced":  # another file of the same name, size and mtime, renamed over it (as rsync does)
            other = page.with_name(".forged")
            other.write_bytes(b"F" * st.st_size)
            os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
            os.replace(other, page)
        else:  # the same file written again, its size kept
            page.write_bytes(b"F" * st.st_size)
            os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))

    # the forgery lands once the output's check is done and before its end (the search index is made then)
    from gongkai.run.engine import engine

    made_search = engine.Made.search

    def search(self: engine.Made) -> None:
        forge()
        made_search(self)

    monkeypatch.setattr(engine.Made, "search", search)
    monkeypatch.setattr(pipeline, "save_registry", meanwhile)
    _edit_notice(demo, "第四句补充。")
    with pytest.raises(OutputError, match="生成过程中被改动或替换"):
        build(demo, TODAY, out=out)
    assert b"FFFF" in page.read_bytes()  # the old site as it was (with what was put there)
    assert not list(tmp_path.glob(".site-out.tmp-*"))  # nothing half made left beside it
    page.write_bytes(original)
    monkeypatch.undo()
    if threads:
        monkeypatch.setattr(renew, "_THREADED_LINKS", 1)
    build(demo, TODAY, out=out)  # checked again from the start: the page is made again
    _assert_same(out, _cold(demo, tmp_path))


# --- the first edit's spare, made beside the build by the output's check (ahead.py: links) -----


def _parent_links(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files this process hard-links from now on (a forked process's are its own)."""
    me, linked = os.getpid(), []
    real = os.link

    def counted(src: object, dst: object, *args: object, **kwargs: object) -> None:
        if os.getpid() == me:
            linked.append(str(dst))
        real(src, dst, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "link", counted)
    return linked


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no process beside the build")
def test_the_first_edit_after_a_cold_build_takes_a_spare_made_beside_it(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No spare is kept beside a cold build's output; the first edit's
    output check makes one while the build runs, and the build makes it into
    its new tree by difference, linking no kept file itself.  The site is
    the one a cold build makes, the replaced tree is the next spare, and no
    temporary tree is left."""
    out = (demo / "build").resolve()
    build(demo, TODAY, out=out)
    assert not (demo / ".build.spare").exists()
    files = sum(1 for p in out.rglob("*") if p.is_file())
    linked = _parent_links(monkeypatch)
    listed = _counting(monkeypatch)
    time.sleep(0.05)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    assert files > 200 and len(linked) < 10, len(linked)  # every kept file was in the spare made beside it
    assert len(listed) < files // 20, listed  # its folders were noted as it made them
    assert (demo / ".build.spare").is_dir()
    assert not [p.name for p in demo.iterdir() if ".tmp-" in p.name or ".probe-" in p.name]
    _assert_same(out, _cold(demo, tmp_path))
    monkeypatch.undo()
    _edit_notice(demo, "第二句补充。")  # and the edit after it, from the tree that build replaced
    build(demo, TODAY, out=out)
    _assert_same(out, _cold(demo, tmp_path))


@pytest.mark.parametrize("how", ["planted", "removed", "swapped"])
def test_a_spare_made_beside_the_build_that_was_changed_is_matched_file_by_file(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """The tree of links is checked by the notes of its folders as a spare
    is: a file put into it, one removed, or one put in place of another
    after the links were made means it is not taken by its notes, but
    matched file by file against the output (spare.assemble), as any spare
    not known is: nothing put there is published."""
    from gongkai.run.engine import ahead

    out = (demo / "build").resolve()
    build(demo, TODAY, out=out)
    taken: list[str] = []
    real = ahead.WalkAhead.links

    def links(self: ahead.WalkAhead) -> object:
        got = real(self)
        if got is not None:
            tree = Path(got[0])
            page = _deep_folder(tree) / "index.html"
            time.sleep(0.05)  # after its notes, on any clock tick
            if how == "planted":
                (page.parent / "planted.html").write_text("not gongkai's", encoding="utf-8")
            elif how == "removed":
                page.unlink()
            else:
                forged = page.with_name(".forged")
                forged.write_bytes(b"F" * page.stat().st_size)
                os.replace(forged, page)
            taken.append(str(tree))
        return got

    monkeypatch.setattr(ahead.WalkAhead, "links", links)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    if not taken:
        pytest.skip("no process beside the build here")
    assert not Path(taken[0]).exists()
    assert not list(out.rglob("planted.html")) and b"FFFF" not in (_deep_folder(out) / "index.html").read_bytes()
    assert not [p.name for p in demo.iterdir() if ".tmp-" in p.name]
    _assert_same(out, _cold(demo, tmp_path))


def test_a_tree_of_links_stops_at_a_file_that_is_not_the_one_seen(tmp_path: Path) -> None:
    """``_linked_tree`` links only the very files the walk found (size,
    mtime, device, inode): one changed since means no tree, and nothing left."""
    from gongkai.run.engine.ahead import _linked_tree
    from gongkai.run.manifest import MARKER

    out = tmp_path / "build"
    (out / "a" / "b").mkdir(parents=True)
    files = ["a/b/index.html", "a/index.html", "index.html"]
    for rel in files:
        (out / rel).write_text(rel, encoding="utf-8")
    seen = walk.scan(str(out))
    made = _linked_tree(str(out), files, seen, MARKER, "gongkai\n\n\n")
    assert made is not None
    tree, probe, notes = made
    assert sorted(p.relative_to(tree).as_posix() for p in Path(tree).rglob("*") if p.is_file()) == sorted(
        [*files, MARKER, ".gitignore"]
    )
    assert all(os.path.samefile(Path(tree) / rel, out / rel) for rel in files)
    assert set(notes) <= {"a", "a/b"} and all(n[1] < probe for n in notes.values())
    shutil.rmtree(tree)
    time.sleep(0.01)
    (out / "a" / "index.html").write_text("changed", encoding="utf-8")  # after the walk
    assert _linked_tree(str(out), files, seen, MARKER, "gongkai\n\n\n") is None
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_a_first_edit_with_an_error_leaves_its_tree_of_links_as_the_spare(demo: Path, tmp_path: Path) -> None:
    """A build stopped by a content error has no use for the tree of links
    being made beside it: whole or in part, it is left as the spare (a
    rename, not seconds of rmtree before the clerk sees the error), never
    beside the output under a temporary name; the next build makes it into
    its tree by matching every file (spare.assemble) and gives the site a
    cold build gives."""
    from gongkai.core.errors import ContentError

    out = (demo / "build").resolve()
    build(demo, TODAY, out=out)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    good = (demo / NOTICE).read_text(encoding="utf-8")
    (demo / NOTICE).write_text(good.replace("date: ", "date: 2015-13-45\nwas: ", 1), encoding="utf-8")
    _touch_later(demo / NOTICE)
    with pytest.raises(ContentError):
        build(demo, TODAY, out=out)
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not [p.name for p in demo.iterdir() if ".tmp-" in p.name or ".probe-" in p.name]
    spare_left = demo / ".build.spare"
    if spare_left.exists():  # made (in part) before the error stopped it, where the build forks
        assert spare.keeps_spare(out, demo) and (spare_left / ".gitignore").read_text(encoding="utf-8") == "*\n"
        (_deep_folder(spare_left) / "planted.html").write_text("not gongkai's", encoding="utf-8")
    (demo / NOTICE).write_text(good + "\n补充。\n", encoding="utf-8")
    _touch_later(demo / NOTICE)
    build(demo, TODAY, out=out)
    assert not list(out.rglob("planted.html"))
    _assert_same(out, _cold(demo, tmp_path))
