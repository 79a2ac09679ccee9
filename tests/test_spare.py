"""The spare tree (run/spare.py): the tree a build replaced is kept beside the
output and made into the next build's tree.  Nothing in it is trusted: junk
put into it, files changed in it or in the output, a spare that is not
gongkai's, a build cut off while making it: the published tree is always
exactly the one a build from nothing makes, files and folders alike."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from test_incremental import NOTICE, TODAY, _append, _assert_same, _edit, _touch_later

from gongkai.core.errors import OutputError
from gongkai.run.build import build
from gongkai.run.engine.store import BuildCache
from gongkai.run.write import MARKER


def _folders(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir()}


def _cold(root: Path, tmp_path: Path) -> Path:
    cold = tmp_path / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    build(root, TODAY, out=cold, cache=BuildCache(None, memory_only=True))
    return cold


def _same_as_cold(root: Path, tmp_path: Path) -> None:
    out, cold = root / "build", _cold(root, tmp_path)
    _assert_same(out, cold)
    assert _folders(out) == _folders(cold)


def _edit_notice(root: Path, text: str) -> None:
    _append(root / NOTICE, f"\n{text}\n")
    _touch_later(root / NOTICE)


def test_an_edit_makes_its_tree_from_the_spare(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    spare = demo / ".build.spare"
    assert not spare.exists()  # nothing was replaced yet
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    assert (spare / MARKER).is_file()  # the replaced tree, kept
    before = (spare / "notices").stat().st_ino
    _edit_notice(demo, "第二句补充。")
    build(demo, TODAY, out=out)
    # the new tree is the old spare: its folders are the spare's, not made again
    assert (out / "notices").stat().st_ino == before
    assert not list(demo.glob(".build.tmp-*"))
    _same_as_cold(demo, tmp_path)


def test_junk_in_the_spare_is_never_published(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    spare = demo / ".build.spare"
    (spare / "planted.html").write_text("not ours", encoding="utf-8")
    (spare / "notices" / "extra").mkdir(parents=True, exist_ok=True)
    (spare / "notices" / "extra" / "index.html").write_text("not ours", encoding="utf-8")
    (spare / "empty-folder").mkdir()
    (spare / "secret-link").symlink_to(demo / "content")
    # a page of the spare replaced by another file of the same name (another inode)
    victim = spare / "index.html"
    victim.unlink()
    victim.write_text("a forged home page", encoding="utf-8")
    # a kept page of the spare whose folder became a file
    shutil.rmtree(spare / "search")
    (spare / "search").write_text("not a folder", encoding="utf-8")
    _edit_notice(demo, "第二句补充。")
    build(demo, TODAY, out=out)
    assert not (out / "planted.html").exists() and not (out / "empty-folder").exists()
    assert not (out / "secret-link").exists() and not (out / "secret-link").is_symlink()
    assert "forged" not in (out / "index.html").read_text(encoding="utf-8")
    _same_as_cold(demo, tmp_path)


def test_an_output_file_changed_by_hand_is_not_kept_through_the_spare(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    home = out / "index.html"
    # the spare's home page is the very file the output has (a hard link); changing
    # the output's in place changes both, and the writer sees the size change
    if (demo / ".build.spare" / "index.html").stat().st_ino == home.stat().st_ino:
        with open(home, "ab") as f:
            f.write(b"<!-- changed by hand -->")
    _edit_notice(demo, "第二句补充。")
    build(demo, TODAY, out=out)
    assert b"changed by hand" not in home.read_bytes()
    _same_as_cold(demo, tmp_path)


def test_a_spare_that_is_not_gongkais_is_left_alone(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    spare = demo / ".build.spare"
    spare.mkdir()
    (spare / "notes.txt").write_text("a clerk's own folder", encoding="utf-8")
    for text in ("第一句补充。", "第二句补充。"):
        _edit_notice(demo, text)
        build(demo, TODAY, out=out)
    assert (spare / "notes.txt").read_text(encoding="utf-8") == "a clerk's own folder"
    assert not list(demo.glob(".build.tmp-*")) and not list(demo.glob(".build.old-*"))
    _same_as_cold(demo, tmp_path)


def test_a_build_failing_while_making_the_spare_into_its_tree_leaves_the_old_site(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    real_link = os.link
    calls = {"n": 0}

    def link_then_fail(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_link(src, dst)

    # The title shows on list pages too: many pages change, some files are linked.
    _edit(demo / NOTICE, "title: ", "title: 更新：")
    _touch_later(demo / NOTICE)
    # Make the spare lack files it must get by a link: remove some pages from it.
    spare = demo / ".build.spare"
    for p in sorted(spare.rglob("index.html"))[:10]:
        p.unlink()
    monkeypatch.setattr("gongkai.run.write.os.link", link_then_fail)
    with pytest.raises(OutputError):
        build(demo, TODAY, out=out)
    assert calls["n"] > 3
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the old site, byte for byte
    assert not list(demo.glob(".build.tmp-*"))
    monkeypatch.undo()
    build(demo, TODAY, out=out)
    _same_as_cold(demo, tmp_path)


def test_a_spare_left_by_a_killed_build_is_cleaned_and_never_used(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    # A build killed while making the spare into its tree leaves it under a temporary
    # name of a process that is gone; and no spare.
    dead = demo / ".build.tmp-999999999-spare"
    (demo / ".build.spare").rename(dead)
    (dead / "half-made.html").write_text("half", encoding="utf-8")
    _edit_notice(demo, "第二句补充。")
    build(demo, TODAY, out=out)
    assert not dead.exists()
    assert not (out / "half-made.html").exists()
    _same_as_cold(demo, tmp_path)


def test_a_removed_output_folder_takes_its_spare_along(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    shutil.rmtree(out)
    build(demo, TODAY, out=out)  # nothing to keep: a stale spare is of no use
    assert not (demo / ".build.spare").exists()
    _same_as_cold(demo, tmp_path)


def test_git_ignores_the_spare_even_where_the_sites_gitignore_predates_it(demo: Path, tmp_path: Path) -> None:
    # the spare holds the previous site (names a 公示期 has since withdrawn included): a site made
    # before the spare existed has no .gitignore line for it, and `git add .` must still leave it out
    import subprocess

    out = demo / "build"
    (demo / ".gitignore").write_text("/build/\n", encoding="utf-8")  # an older site's
    subprocess.run(["git", "init", "-q", str(demo)], check=True)
    build(demo, TODAY, out=out)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    assert (demo / ".build.spare" / MARKER).is_file()
    status = subprocess.run(
        ["git", "-C", str(demo), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "content/" in status and ".build.spare" not in status
    _edit_notice(demo, "第二句补充。")
    build(demo, TODAY, out=out)  # the spare made into the tree: its .gitignore is not published
    assert not (out / ".gitignore").exists()
    _same_as_cold(demo, tmp_path)


def test_no_spare_beside_an_output_outside_the_site_folder(demo: Path, tmp_path: Path) -> None:
    # beside build/<slug> in a county's site, or an --out under a web root, the spare would be
    # published: the previous site, with names a 公示期 has since withdrawn
    www = tmp_path / "www"
    out = www / "town"
    build(demo, TODAY, out=out)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    assert sorted(p.name for p in www.iterdir()) == ["town"]
    _edit_notice(demo, "第二句补充。")
    build(demo, TODAY, out=out)
    assert sorted(p.name for p in www.iterdir()) == ["town"]
