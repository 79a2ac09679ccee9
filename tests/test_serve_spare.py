"""The preview server's private output (run/spare.py ``by_difference``): its
replaced tree is kept as the spare and made into the next tree by the
difference of the manifests the server holds, with no walk of the files.
After every edit the served tree is the full build's, files and folders;
anything the server did not write in its private folder is never published
nor kept; a rebuild cut off by an error leaves the served tree as it was."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from test_incremental import MUTATIONS, TODAY, _append, _assert_same, _touch_later, _tree
from test_spare import _edit_notice, _folders

from gongkai.commands.serve import DevServer
from gongkai.core.errors import OutputError
from gongkai.run import spare
from gongkai.run.build import build
from gongkai.run.engine.store import BuildCache
from gongkai.run.write import MARKER


def _private() -> BuildCache:
    return BuildCache(None, memory_only=True, manifests_on_disk=False)


def _same_as_cold(root: Path, out: Path, tmp_path: Path) -> None:
    cold = tmp_path / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    build(root, TODAY, out=cold, cache=BuildCache(None, memory_only=True))
    _assert_same(out, cold)
    assert _folders(out) == _folders(cold)


def _spare_is_its_manifest(out: Path, cache: BuildCache) -> None:
    """The spare holds exactly what the server notes it holds."""
    manifest = cache.manifest(out)
    assert manifest is not None and manifest.spare is not None
    assert spare.holds(str(out.parent / f".{out.name}.spare"), manifest.spare, MARKER)


def test_every_kind_of_edit_is_made_from_the_spare_and_equals_a_full_build(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, out = _private(), tmp_path / "private" / "site"
    build(demo, TODAY, out=out, cache=cache)
    _spare_is_its_manifest(out, cache)  # made by the first build already: the first edit is as quick
    trees = {out.stat().st_ino, (out.parent / ".site.spare").stat().st_ino}

    def no_walk(*args: object, **kw: object) -> None:
        raise AssertionError("a private output is not walked file by file")

    monkeypatch.setattr(spare, "assemble", no_walk)
    monkeypatch.setattr("gongkai.run.walk.scan", no_walk)
    for name in sorted(MUTATIONS, key=lambda n: (n == "deleted record", n)):  # the others edit that notice
        MUTATIONS[name](demo)
        build(demo, TODAY, out=out, cache=cache)
        assert out.stat().st_ino in trees, name  # the two trees take turns: none made from nothing
        _same_as_cold(demo, out, tmp_path)
        _spare_is_its_manifest(out, cache)
    assert sorted(p.name for p in out.parent.iterdir()) == [".site.spare", "site"]


@pytest.mark.parametrize("where", ["spare", "served"])
@pytest.mark.parametrize("what", ["file", "symlink", "empty folder", "file gone"])
def test_what_the_server_did_not_write_is_never_published_nor_kept(
    demo: Path, tmp_path: Path, where: str, what: str
) -> None:
    cache, out = _private(), tmp_path / "private" / "site"
    build(demo, TODAY, out=out, cache=cache)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out, cache=cache)
    tree = out if where == "served" else out.parent / ".site.spare"
    planted = tree / "notices" / "planted.html"
    if what == "file":
        planted.write_text("not the server's", encoding="utf-8")
    elif what == "symlink":
        planted.symlink_to(demo / "content" / "site.yaml")
    elif what == "empty folder":
        (tree / "notices" / "planted").mkdir()
    else:
        victim = sorted(p for p in (tree / "notices").rglob("*.html"))[0]
        victim.unlink()
    for text in ("第二句补充。", "第三句补充。"):  # the planted tree is the spare by the second
        _edit_notice(demo, text)
        build(demo, TODAY, out=out, cache=cache)
        _same_as_cold(demo, out, tmp_path)
    assert not (out / "notices" / "planted.html").exists() and not (out / "notices" / "planted").exists()
    spare_tree = out.parent / ".site.spare"
    assert not (spare_tree / "notices" / "planted.html").exists()
    assert not (spare_tree / "notices" / "planted").exists()
    _spare_is_its_manifest(out, cache)


def test_a_rebuild_cut_off_while_making_its_tree_leaves_the_served_tree(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, out = _private(), tmp_path / "private" / "site"
    build(demo, TODAY, out=out, cache=cache)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out, cache=cache)
    before = _tree(out)
    real = os.replace

    def disk_full(src: object, dst: object, *a: object, **kw: object) -> None:
        if "spare" in str(dst):  # halfway through moving this build's files into the spare
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real(src, dst, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(spare.os, "replace", disk_full)
    _edit_notice(demo, "第二句补充。")
    with pytest.raises(OutputError, match="No space left on device"):
        build(demo, TODAY, out=out, cache=cache)
    assert _tree(out) == before
    monkeypatch.setattr(spare.os, "replace", real)
    build(demo, TODAY, out=out, cache=cache)
    _same_as_cold(demo, out, tmp_path)
    assert not [p.name for p in out.parent.iterdir() if ".tmp-" in p.name]


def test_a_server_rebuild_failing_on_an_error_keeps_the_site_served_and_its_spare(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = DevServer(demo, port=0, today=TODAY, log=lambda line: None)
    try:
        server.rebuild()
        assert server.state.ok
        _edit_notice(demo, "第一句补充。")
        server.rebuild()
        before = _tree(server.out)
        from gongkai.run.engine import engine

        def broken(self: object, *args: object) -> None:
            raise RuntimeError("a bug while making pages")

        monkeypatch.setattr(engine.Made, "pages", broken)
        _edit_notice(demo, "第二句补充。")
        server.rebuild()
        assert not server.state.ok and "a bug while making pages" in server.state.problems[0]
        assert _tree(server.out) == before  # the last good site, still served
        monkeypatch.undo()
        server.rebuild()
        assert server.state.ok
        _same_as_cold(demo, server.out, tmp_path)
        _spare_is_its_manifest(server.out, server.cache)
    finally:
        server._httpd.server_close()
        shutil.rmtree(server._tmp, ignore_errors=True)


def test_a_file_deleted_by_hand_from_the_served_tree_does_not_stop_the_server(demo: Path, tmp_path: Path) -> None:
    # The server trusts its private folder: a file the spare lacks (made by the last rebuild) is linked from
    # the served tree without a stat. Deleted there by hand, it made every later rebuild fail until the
    # server was restarted.
    server = DevServer(demo, port=0, today=TODAY, log=lambda line: None)
    other = demo / "content" / "notices" / "banshi-dibao.md"
    try:
        server.rebuild()
        _edit_notice(demo, "第一句补充。")
        server.rebuild()
        assert server.state.ok
        spare_tree = server.out.parent / ".site.spare"
        made = [
            p
            for p in server.out.rglob("index.html")
            if p.stat().st_ino != (spare_tree / p.relative_to(server.out)).stat().st_ino
        ]
        assert made  # the edited notice's page, at least: only in the served tree
        for p in made:
            p.unlink()
        for text in ("另一条通知的补充。", "另一条通知的第二句补充。"):  # the notice's page is kept: linked
            _append(other, f"\n{text}\n")
            _touch_later(other)
            server.rebuild()
            assert server.state.ok, server.state.problems
            _same_as_cold(demo, server.out, tmp_path)
        _spare_is_its_manifest(server.out, server.cache)
    finally:
        server._httpd.server_close()
        shutil.rmtree(server._tmp, ignore_errors=True)
