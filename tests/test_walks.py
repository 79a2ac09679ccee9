"""The writer's one walk of the output (run/walk.py): what it finds decides
what is refused (files gongkai did not write), what is kept (files still as
the last build left them) and what of the spare is reused (the very files the
output keeps).  A cheaper walk must not see less: a symlink put into the
output is someone's entry, never a page gongkai made."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_incremental import NOTICE, TODAY, _append, _assert_same, _touch_later

from gongkai.core.errors import OutputError
from gongkai.run import walk
from gongkai.run.build import build
from gongkai.run.engine.store import BuildCache


def _cold(root: Path, tmp_path: Path) -> Path:
    cold = tmp_path / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    build(root, TODAY, out=cold, cache=BuildCache(None, memory_only=True))
    return cold


def _edit_notice(root: Path, text: str) -> None:
    _append(root / NOTICE, f"\n{text}\n")
    _touch_later(root / NOTICE)


def _forge_as_symlink(page: Path, elsewhere: Path) -> None:
    """Put in place of ``page`` a symlink to other bytes of the same size and
    mtime: every check by size and mtime through the link would pass."""
    data, st = page.read_bytes(), page.stat()
    forged = b"F" * len(data)
    elsewhere.write_bytes(forged)
    os.utime(elsewhere, ns=(st.st_atime_ns, st.st_mtime_ns))
    page.unlink()
    page.symlink_to(elsewhere)


def test_a_symlinked_folder_put_into_the_output_is_reported_not_deleted(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    theirs = tmp_path / "portal-assets"
    theirs.mkdir()
    (theirs / "app.js").write_text("1", encoding="utf-8")
    (out / "portal").symlink_to(theirs, target_is_directory=True)
    _edit_notice(demo, "补充一句。")
    with pytest.raises(OutputError, match="portal"):
        build(demo, TODAY, out=out)
    assert (out / "portal").is_symlink() and (theirs / "app.js").exists()


def test_an_output_page_replaced_by_a_symlink_is_made_again(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    page = out / "catalogue" / "index.html"
    _forge_as_symlink(page, tmp_path / "forged.html")
    _edit_notice(demo, "补充一句。")  # the catalogue is not among the pages this edit changes
    build(demo, TODAY, out=out)
    assert not page.is_symlink() and b"FFFF" not in page.read_bytes()
    _assert_same(out, _cold(demo, tmp_path))


def test_a_symlinked_page_is_not_taken_for_no_change(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    page = out / "index.html"
    _forge_as_symlink(page, tmp_path / "forged.html")
    result = build(demo, TODAY, out=out)
    assert not result.unchanged
    assert not page.is_symlink() and b"FFFF" not in page.read_bytes()
    _assert_same(out, _cold(demo, tmp_path))


@pytest.mark.parametrize("by_inode", [True, False])
def test_a_forged_file_in_the_spare_is_never_published(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_inode: bool
) -> None:
    """Both ways of matching the spare's files (the listing's inode numbers,
    a stat per file) refuse a file that is not the output's own."""
    if by_inode and not walk.inodes_trusted(str(tmp_path.resolve())):
        pytest.skip("listing inode numbers are not trusted here")
    monkeypatch.setattr(walk, "inodes_trusted", lambda root: by_inode)
    out = demo / "build"
    build(demo, TODAY, out=out)
    _edit_notice(demo, "第一句补充。")
    build(demo, TODAY, out=out)
    spare = demo / ".build.spare"
    for rel in ("index.html", "catalogue/index.html"):
        victim = spare / rel
        size = victim.stat().st_size
        victim.unlink()  # another inode, the same name and size
        victim.write_bytes(b"F" * size)
    (spare / "planted.html").write_text("not ours", encoding="utf-8")
    _edit_notice(demo, "第二句补充。")
    build(demo, TODAY, out=out)
    assert b"FFFF" not in (out / "index.html").read_bytes()
    assert b"FFFF" not in (out / "catalogue" / "index.html").read_bytes()
    assert not (out / "planted.html").exists()
    _assert_same(out, _cold(demo, tmp_path))


def test_the_scan_lists_every_entry_and_stats_only_regular_files(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "page.html").write_bytes(b"12345")
    (root / "top.txt").write_bytes(b"x")
    (root / "a" / "link").symlink_to(root / "top.txt")
    (root / "a" / "dirlink").symlink_to(root / "a" / "b", target_is_directory=True)
    (root / "empty").mkdir()
    seen = walk.scan(str(root))
    assert set(seen) == {"a/b/page.html", "top.txt", "a/link", "a/dirlink"}
    st = (root / "a" / "b" / "page.html").stat()
    assert seen["a/b/page.html"] == (5, st.st_mtime_ns, st.st_dev, st.st_ino)
    assert seen["a/link"] is None and seen["a/dirlink"] is None  # never a page gongkai made
    assert all(v is None for v in walk.scan(str(root), stat=False).values())


def test_listing_inodes_are_not_trusted_under_a_mount(tmp_path: Path) -> None:
    tree = tmp_path / "my tree"
    table = tmp_path / "mountinfo"
    line = "36 35 98:0 / {} rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
    table.write_text(line.format("/"), encoding="utf-8")
    trusted = walk.inodes_trusted(str(tree), str(table))
    assert trusted == (walk.FDS and os.uname().sysname == "Linux")
    for point in (str(tree).replace(" ", "\\040"), str(tree / "sub").replace(" ", "\\040") + "/x"):
        table.write_text(line.format("/") + line.format(point), encoding="utf-8")
        assert not walk.inodes_trusted(str(tree), str(table))
    table.write_text(line.format(str(tree).replace(" ", "\\040") + "-other"), encoding="utf-8")
    assert walk.inodes_trusted(str(tree), str(table)) == trusted
    assert not walk.inodes_trusted(str(tree), str(tmp_path / "no-such-table"))


@pytest.mark.parametrize(
    ("rel", "stored"),
    [
        ("a/b.html", "a/b.html"),
        (".well-known/x.txt", ".well-known/x.txt"),
        ("a/.hidden/b", "a/.hidden/b"),
        ("a/./b", "a/b"),
        ("./a", "a"),
        ("a//b", "a/b"),
        ("a/b/", "a/b"),
        ("a\\b", "a\\b"),
        ("a..b/c", "a..b/c"),
        ("/etc/passwd", None),
        ("a/../../x", None),
        ("..", None),
        ("", None),
        (".", None),
        (".gongkai-build", None),
        ("./.gongkai-build", None),
    ],
)
def test_every_path_is_normal_before_it_is_written_or_kept(tmp_path: Path, rel: str, stored: str | None) -> None:
    """The writer's check of a path (a quicker test first, the full one for
    any path that may not be normal): a path out of the tree, empty or the
    marker's is refused; any other is stored in its normal form."""
    from gongkai.run.write import Output

    with Output(tmp_path / "out") as w:
        if stored is None:
            with pytest.raises(OutputError, match="不安全的输出路径"):
                w.write(rel, b"x")
        else:
            w.write(rel, b"x")
            assert list(w.manifest.files) == [stored]
            w.leaks.clear()
    if stored is not None:
        assert (tmp_path / "out" / stored).read_bytes() == b"x"


def _walked(folders: list[Path]) -> dict[str, tuple[int, ...]]:
    """What the build stamp took by os.walk before it listed by scandir."""
    out: dict[str, tuple[int, ...]] = {}
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".git")]
            for name in filenames:
                p = os.path.join(dirpath, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                out[p] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
    return out


def test_the_build_stamp_takes_the_files_os_walk_finds(tmp_path: Path) -> None:
    """Symlinks to files are followed, to folders neither entered nor taken,
    broken ones skipped; __pycache__ and .git are not entered."""
    from gongkai.run.engine.store import stamp_files

    content, themes, other = tmp_path / "content", tmp_path / "themes", tmp_path / "elsewhere"
    for d in (content / "notices" / "2020", content / "__pycache__", content / ".git", themes / "t", other / "deep"):
        d.mkdir(parents=True)
    for p in (content / "site.yaml", content / "notices" / "2020" / "a.md", content / "__pycache__" / "x.pyc"):
        p.write_text("x", encoding="utf-8")
    (content / ".git" / "HEAD").write_text("ref", encoding="utf-8")
    (themes / "t" / "base.html").write_text("<html>", encoding="utf-8")
    (other / "deep" / "b.md").write_text("y", encoding="utf-8")
    (other / "c.md").write_text("z", encoding="utf-8")
    (content / "linked-folder").symlink_to(other, target_is_directory=True)
    (content / "linked-file.md").symlink_to(other / "c.md")
    (content / "broken.md").symlink_to(tmp_path / "gone.md")
    folders = [content, themes, tmp_path / "missing"]
    got = stamp_files(folders)
    assert got == _walked(folders)
    assert str(content / "linked-file.md") in got and str(content / "notices" / "2020" / "a.md") in got
    assert not any("linked-folder" in p or "__pycache__" in p or ".git" in p for p in got)


@pytest.mark.parametrize("verify", [True, False])
def test_keeping_groups_at_once_is_keeping_them_one_by_one(tmp_path: Path, verify: bool) -> None:
    """Output.keep_groups (an edit's ~31,000 unchanged groups at once) gives
    the answers, the manifest and the registered paths that keep_all of
    each group in turn gives, or raises where that raises: with files
    missing from the last build, changed since (caught only when the output
    is verified), registered already, named twice or named as the marker."""
    import random

    from gongkai.run.write import MARKER, Output

    out = tmp_path / "out"
    rels = [f"p{i}/index.html" for i in range(40)] + [f"p{i}/data.json" for i in range(0, 40, 3)]
    with Output(out) as first:
        for i, rel in enumerate(rels):
            first.write(rel, f"page {i}".encode() * (i + 1))
    previous = first.manifest
    changed = out / "p7" / "index.html"
    changed.write_bytes(b"changed since")
    pool = [*rels, "gone/index.html", "P1/Index.html", MARKER]
    rng = random.Random(18)

    def outcome(at_once: bool, groups: list[tuple[str, ...]], before: list[str]) -> tuple[object, ...]:
        w = Output(out, previous=previous, verify=verify)
        with pytest.raises(RuntimeError), w:
            for rel in before:
                w.write(rel, b"made by this build")
            try:
                answers: object = w.keep_groups(groups) if at_once else [w.keep_all(g) for g in groups]
            except OutputError as exc:
                answers = str(exc)
            got = (answers, list(w.manifest.files.items()), sorted(w.written), w.bytes, w.kept)
            raise RuntimeError("discard the tree")
        return got

    shapes = 0
    for _ in range(300):
        groups = [tuple(rng.sample(rels, rng.choice([0, 1, 1, 1, 2, 3]))) for _ in range(rng.randint(1, 12))]
        if rng.random() < 0.3:
            groups.append(tuple(rng.sample(pool, rng.randint(1, 3))))
        before = rng.sample(rels, rng.randint(0, 2))
        at_once, one_by_one = outcome(True, groups, before), outcome(False, groups, before)
        assert at_once == one_by_one, (groups, before)
        shapes += isinstance(at_once[0], str)
    assert shapes  # some draws named a path twice (OutputError) as well
