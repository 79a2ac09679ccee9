"""State that decides what to skip is derived, versioned and distrusted: a
foreign, crafted, stale, copied or half-written piece of it means a full
build, never a wrong site and never code that runs (issue #12)."""

from __future__ import annotations

import errno
import importlib
import os
import pickle
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO
from test_incremental import NOTICE, TODAY, _assert_same, _edit, _rebuild_and_compare, _touch_later, _tree

from gongkai.commands.pack import pack
from gongkai.core.errors import OutputError
from gongkai.run import write
from gongkai.run.build import build, check
from gongkai.run.engine import sealed
from gongkai.run.engine import store as cache_mod
from gongkai.run.engine.store import BuildCache
from gongkai.run.write import MARKER, read_marker


class _Payload:
    """Unpickling this creates a file: the harmless stand-in for an attacker's code."""

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.flag,))


def _crafted(flag: Path) -> bytes:
    return pickle.dumps(_Payload(flag))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gongkai", *args], capture_output=True, text=True, timeout=300)


# --- nothing read back can run code ---------------------------------------------------


def test_a_committed_cache_in_the_site_folder_runs_no_code(demo: Path, tmp_path: Path) -> None:
    flag = tmp_path / "pwned"
    old = demo / ".gongkai-cache"  # where earlier versions kept it, committed with `git add -f`
    (old / "records" / "ab").mkdir(parents=True)
    for name in ("template-refs.pickle", "manifest-0000000000000000.pickle", "records/ab/ab00.pickle"):
        (old / name).write_bytes(_crafted(flag))
    r = _cli("check", str(demo), "--today", "2016-12-31")
    assert r.returncode == 0, r.stderr
    r = _cli("build", str(demo), "--today", "2016-12-31")
    assert r.returncode == 0, r.stderr
    assert not flag.exists()


def test_crafted_or_foreign_files_in_the_user_cache_are_misses(demo: Path, tmp_path: Path) -> None:
    build(demo, TODAY, out=demo / "build")
    folder = sealed.site_cache_dir(demo)
    entries = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pickle" for p in entries)
    flag = tmp_path / "pwned"
    # plain pickles (someone who can write the folder but has not this machine's key) ...
    for p in entries:
        p.write_bytes(_crafted(flag))
    # ... and a pickle sealed with another machine's key
    other = sealed.MAGIC + b"\0" * 32 + _crafted(flag)
    (folder / "template-refs.pickle").write_bytes(other)
    _edit(demo / NOTICE, "title: ", "title: 更新：")
    _touch_later(demo / NOTICE)
    check(demo, TODAY)
    result = _rebuild_and_compare(demo, tmp_path)
    assert not flag.exists()
    assert len(result.made) == result.pages  # nothing was trusted


def test_compiled_templates_in_the_user_cache_run_only_if_sealed_here(demo: Path, tmp_path: Path) -> None:
    """Jinja's compiled templates are code that runs when a page renders.
    Replace every one in the cache by a well-formed Jinja bytecode file whose
    code creates a file, unsealed and sealed with another key: the next
    build compiles the templates again and the code never runs."""
    import jinja2.bccache

    build(demo, TODAY, out=demo / "build")
    folder = sealed.site_cache_dir(demo) / "templates"
    compiled = sorted(folder.glob("*.jinja"))
    assert compiled and all(p.read_bytes().startswith(sealed.MAGIC) for p in compiled)
    flag = tmp_path / "pwned"
    payload = compile(f"open({str(flag)!r}, 'w').close()", "<payload>", "exec")
    for i, p in enumerate(compiled):
        real = sealed.unseal(p.read_bytes())
        assert real is not None and real.startswith(jinja2.bccache.bc_magic)
        checksum = pickle.loads(real[len(jinja2.bccache.bc_magic) :])  # the source checksum it was made for
        bucket = jinja2.bccache.Bucket(jinja2.Environment(), p.stem, checksum)
        bucket.code = payload
        forged = bucket.bytecode_to_string()
        check_forged = jinja2.bccache.Bucket(jinja2.Environment(), p.stem, checksum)
        check_forged.bytecode_from_string(forged)
        assert check_forged.code is not None  # Jinja itself would take it
        p.write_bytes(forged if i % 2 else sealed.MAGIC + b"\0" * 32 + forged)
    result = build(demo, TODAY, out=tmp_path / "fresh")  # a new folder: every page rendered
    assert result.made and not flag.exists()


def test_a_sealed_file_is_tied_to_this_machines_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.pickle"
    assert sealed.dump(target, {"a": 1})
    assert sealed.load(target) == {"a": 1}
    blob = target.read_bytes()
    target.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))  # one bit changed
    assert sealed.load(target) is None
    target.write_bytes(blob)
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "other-machine"))
    assert sealed.load(target) is None  # another key


# --- never a mixed or stale site --------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "after"),
    [("Output._put", 0), ("Output._put", 3), ("os.link", 0), ("os.link", 50), ("Output._stamp", 0), ("_exchange", 0)],
)
def test_a_build_cut_off_while_writing_leaves_the_old_site(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, after: int
) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    before = _tree(out)
    owner_name, _, attr = where.rpartition(".")
    owner = {"Output": write.Output, "os": write.os, "": write}[owner_name]
    real = getattr(owner, attr)
    calls = {"n": 0}

    def killed(*a: object, **k: object) -> object:
        calls["n"] += 1
        if calls["n"] > after:
            raise KeyboardInterrupt  # as a kill: nothing after this point runs
        return real(*a, **k)

    monkeypatch.setattr(owner, attr, killed)
    _edit(demo / NOTICE, "title: ", "title: 更新：")
    _touch_later(demo / NOTICE)
    with pytest.raises(KeyboardInterrupt):
        build(demo, TODAY, out=out)
    assert calls["n"] > after
    assert _tree(out) == before
    monkeypatch.undo()
    _rebuild_and_compare(demo, tmp_path)


@pytest.mark.parametrize("where", ["save_manifest", "remember_build"])
def test_a_revert_after_a_build_cut_off_after_its_swap_is_not_taken_as_no_change(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Add a notice; the build is killed after the new site is in place but
    before it recorded itself; delete the notice again: the next build must
    take the notice off the site, not report that nothing changed."""
    out = demo / "build"
    build(demo, TODAY, out=out)
    extra = demo / "content/notices/zengjia-2016.md"
    extra.write_text(
        "---\ntitle: 临时增加的通知\npublisher: town\ndate: 2016-06-01\ncategory: 工作动态\n---\n正文。\n",
        encoding="utf-8",
    )

    def killed(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    if where == "save_manifest":
        monkeypatch.setattr(BuildCache, "save_manifest", killed)
    else:
        monkeypatch.setattr(importlib.import_module("gongkai.run.engine.engine"), "remember_build", killed)
    with pytest.raises(KeyboardInterrupt):
        build(demo, TODAY, out=out)
    assert "临时增加的通知" in (out / "index.html").read_text(encoding="utf-8")  # the swap had happened
    monkeypatch.undo()
    extra.unlink()
    result = _rebuild_and_compare(demo, tmp_path)
    assert not result.unchanged
    assert "临时增加的通知" not in (out / "index.html").read_text(encoding="utf-8")
    assert not (out / "notices/zengjia-2016").exists()


def test_disk_full_when_making_the_tree_is_a_chinese_error(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    before = _tree(out)

    def no_room(*_a: object, **_k: object) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(write.tempfile, "mkdtemp", no_room)
    _touch_later(demo / NOTICE)
    with pytest.raises(OutputError) as exc:
        build(demo, TODAY, out=out)
    assert "磁盘空间" in str(exc.value) and "原来的网站保持不变" in str(exc.value)
    assert _tree(out) == before
    monkeypatch.undo()
    _rebuild_and_compare(demo, tmp_path)


def test_disk_full_while_linking_leaves_no_temporary_tree(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    before = _tree(out)

    def no_room(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(write.os, "link", no_room)
    _edit(demo / NOTICE, "title: ", "title: 更新：")
    _touch_later(demo / NOTICE)
    with pytest.raises(OutputError):
        build(demo, TODAY, out=out)
    assert _tree(out) == before
    assert not [p for p in demo.iterdir() if p.name.startswith(".build.")]
    monkeypatch.undo()
    _rebuild_and_compare(demo, tmp_path)


def test_a_full_disk_on_the_command_line_is_exit_1_and_never_a_traceback(tmp_path: Path) -> None:
    """A real full disk where the platform gives one: a small tmpfs."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        out = mnt / "site"
        r1 = _cli("build", str(REPO), "--today", "2015-05-14", "--out", str(out))
        assert r1.returncode == 1, r1.stderr
        assert "Traceback" not in r1.stderr + r1.stdout
        assert "磁盘空间" in r1.stderr + r1.stdout
        assert not out.exists()
        assert not any(mnt.iterdir())  # no temporary tree left on the full disk
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_a_library_upgrade_makes_every_output_again(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(demo, TODAY, out=demo / "build")
    versions = dict(cache_mod.library_versions())
    versions["nh3"] = "99.0.0"  # a sanitiser security fix
    monkeypatch.setattr(cache_mod, "library_versions", lambda: tuple(versions.items()))
    cache_mod.code_digest.cache_clear()
    try:
        result = _rebuild_and_compare(demo, tmp_path)
    finally:
        cache_mod.code_digest.cache_clear()
    assert not result.unchanged
    assert len(result.made) == result.pages


def test_hand_damage_to_the_output_is_repaired_even_when_nothing_else_changed(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    (out / "index.html").write_text("defaced", encoding="utf-8")
    (out / "catalogue/index.html").unlink()
    result = _rebuild_and_compare(demo, tmp_path)
    assert not result.unchanged
    assert set(result.made) == {"index.html", "catalogue/index.html"}


def test_a_copied_marker_authorises_nothing(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    webroot = tmp_path / "webroot"
    (webroot / "other-app").mkdir(parents=True)
    (webroot / "other-app" / "app.js").write_text("1", encoding="utf-8")
    (webroot / "portal.html").write_text("<p>门户</p>", encoding="utf-8")
    shutil.copytree(out, webroot, dirs_exist_ok=True)  # cp -r build/. webroot/
    with pytest.raises(OutputError, match="拒绝覆盖"):
        build(demo, TODAY, out=webroot)
    assert (webroot / "portal.html").read_text(encoding="utf-8") == "<p>门户</p>"
    assert (webroot / "other-app" / "app.js").exists()
    r = _cli("build", str(demo), "--today", "2016-12-31", "--out", str(webroot))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert (webroot / "portal.html").exists()


def test_a_file_added_to_the_output_by_hand_is_never_deleted(demo: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    (out / "portal.html").write_text("<p>门户</p>", encoding="utf-8")
    _edit(demo / NOTICE, "title: ", "title: 更新：")
    _touch_later(demo / NOTICE)
    with pytest.raises(OutputError, match=r"portal\.html"):
        build(demo, TODAY, out=out)
    assert (out / "portal.html").exists()


def test_no_temporary_file_is_ever_inside_the_published_tree(demo: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    for _ in range(2):
        _edit(demo / NOTICE, "title: ", "title: 更新：")
        _touch_later(demo / NOTICE)
        build(demo, TODAY, out=out)
        assert not [p for p in out.rglob("*") if p.name.endswith(".tmp") or ".gk-" in p.name]


def test_pack_refuses_a_tree_that_is_not_the_one_its_marker_names(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    pack(out, tmp_path / "a.zip")
    (out / "index.html").write_text("mixed", encoding="utf-8")
    r = _cli("pack", str(demo), "--out", str(tmp_path / "b.zip"))
    assert r.returncode == 1 and "不一致" in r.stderr + r.stdout
    assert not (tmp_path / "b.zip").exists()


def test_the_marker_binds_folder_and_site(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    marker = read_marker(out)
    assert marker is not None and marker.token and marker.binding
    assert str(tmp_path) not in (out / MARKER).read_text(encoding="utf-8")  # no local path is published
    moved = tmp_path / "moved"
    shutil.move(out, moved)
    with pytest.raises(OutputError):
        build(demo, TODAY, out=moved)


def test_the_cache_is_not_in_the_site_folder(demo: Path) -> None:
    build(demo, TODAY, out=demo / "build")
    assert not (demo / ".gongkai-cache").exists()
    assert sealed.site_cache_dir(demo).is_dir()


def test_unchanged_build_is_still_a_no_op(demo: Path, tmp_path: Path) -> None:
    build(demo, TODAY, out=demo / "build")
    again = build(demo, TODAY, out=demo / "build")
    assert again.unchanged
    cold = tmp_path / "cold"
    build(demo, TODAY, out=cold, cache=BuildCache(None, memory_only=True))
    _assert_same(demo / "build", cold)


def test_cold_build_into_a_fresh_folder_date(demo: Path) -> None:
    """The swap also works when the output folder does not exist yet."""
    out = demo / "deep" / "er" / "build"
    build(demo, date(2016, 12, 31), out=out)
    assert read_marker(out) is not None
    assert os.listdir(out.parent) == ["build"]


def test_the_code_digest_covers_every_stage_of_the_package() -> None:
    # Cached check results are keyed by the digest of gongkai's code: a change in
    # check/ or read/ (not only run/) must make them stale.
    import gongkai

    assert cache_mod.PACKAGE == Path(gongkai.__file__).resolve().parent
    digested = {p.relative_to(cache_mod.PACKAGE).parts[0] for p in cache_mod.PACKAGE.rglob("*.py")}
    assert {"core", "read", "check", "plan", "emit", "run", "commands"} <= digested
