"""The no-op's check of the output (run/engine/noop.py): every file of the
last build's manifest is there as it was written.  A command checks it in
a forked child while it makes the build's stamp (``stamped``); otherwise it
is checked in the process (``last_unchanged``; the preview server, with
its threads).  Both give the same answers: a change anywhere in the
output, of size, of mtime alone, or a symlink put in a file's place, is
seen; putting the file back as it was makes the no-op stand again.  A
change of the content ends the child at once; a child whose answer is
lost (SIGCHLD ignored) means a check in the process.  The no-op reads only the
head of the manifest (store.BuildCache.manifest_files)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
from test_incremental import NOTICE, TODAY, _touch_later

from gongkai.run.build import build
from gongkai.run.engine.noop import build_stamp, last_unchanged, stamped
from gongkai.run.engine.store import BuildCache

ARGS = (TODAY, False, False, None)  # build()'s defaults, as its stamp takes them


@pytest.fixture(autouse=True)
def _alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test as if its process ran no thread but its own: a browser test
    before it in the same worker leaves Playwright's threads (asyncio's
    waitpid watcher) for the session, and the no-op never forks beside a
    thread (noop._start), so these tests would count no fork."""
    stray = threading.active_count() - 1
    real = threading.active_count
    monkeypatch.setattr(threading, "active_count", lambda: real() - stray)


def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids forked from now on (os.fork, counted)."""
    made: list[int] = []
    real = os.fork

    def counted() -> int:
        pid = real()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted)
    return made


def _stands(root: Path, out: Path, forked: bool) -> bool:
    if forked:
        last, stamp = stamped(root, out, BuildCache(root), ARGS)
        assert stamp.digest() == build_stamp(root, out, ARGS).digest()
        return last is not None
    return last_unchanged(root, out, BuildCache(root), build_stamp(root, out, ARGS)) is not None


def _reaped(pids: list[int]) -> bool:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


@pytest.mark.parametrize("forked", [True, False], ids=["beside the stamp", "in the process"])
def test_every_change_of_the_output_is_seen(demo: Path, forked: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    made = forks(monkeypatch)
    assert _stands(demo, out, forked)
    head = BuildCache(demo).manifest_files(out)
    assert head is not None
    rels = list(head[1])
    checks = 1
    for rel in (rels[0], rels[len(rels) // 2], rels[-1]):
        path = out / rel
        data, st = path.read_bytes(), os.stat(path)
        path.write_bytes(data + b" ")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert not _stands(demo, out, forked), rel  # size
        path.write_bytes(data)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
        assert not _stands(demo, out, forked), rel  # mtime alone
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert _stands(demo, out, forked), rel  # as it was written
        aside = path.with_name(path.name + ".aside")
        os.rename(path, aside)
        os.symlink(aside, path)
        assert not _stands(demo, out, forked), rel  # a symlink to a file of the same size and mtime
        os.unlink(path)
        assert not _stands(demo, out, forked), rel  # gone
        os.rename(aside, path)
        assert _stands(demo, out, forked), rel
        checks += 6
    assert len(made) == (checks if forked else 0)  # every check beside the stamp: none left out
    assert _reaped(made)


def test_a_change_of_the_content_ends_the_check(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    made = forks(monkeypatch)
    (demo / NOTICE).write_text((demo / NOTICE).read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    _touch_later(demo / NOTICE)
    last, stamp = stamped(demo, out, BuildCache(demo), ARGS)
    assert last is None and stamp.digest() == build_stamp(demo, out, ARGS).digest()
    assert len(made) == 1 and _reaped(made)


def test_a_process_with_threads_checks_alone(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    made = forks(monkeypatch)
    assert _stands(demo, out, forked=True) and len(made) == 1
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert _stands(demo, out, forked=True)
        (out / "index.html").write_bytes(b"defaced")
        assert not _stands(demo, out, forked=True)
    finally:
        stop.set()
        other.join()
    assert len(made) == 1


def test_the_no_op_reads_the_head_of_the_manifest(demo: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    full = BuildCache(demo).manifest(out)
    head = BuildCache(demo).manifest_files(out)
    assert full is not None and full.groups and full.folders
    assert head == (full.token, full.files)


def test_a_process_that_ignores_its_children_still_gets_an_answer(demo: Path) -> None:
    """With SIGCHLD ignored (inherited from whoever started gongkai) the
    child is reaped for the process and its answer lost: checked here."""
    out = demo / "build"
    build(demo, TODAY, out=out)
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        assert _stands(demo, out, forked=True)
        (out / "index.html").write_bytes(b"defaced")
        assert not _stands(demo, out, forked=True)
    finally:
        signal.signal(signal.SIGCHLD, before)


def test_the_stamps_digest_is_of_its_files_as_refreshed(tmp_path: Path) -> None:
    """The digest is remembered between asks, and forgotten when ``refresh``
    takes a file that changed (the build's own 索引号 registry): each
    answer is that of a stamp made afresh at that moment."""
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "content" / "site.yaml").write_text("name: 乡\n", encoding="utf-8")
    registry = root / "content" / "index-numbers.yaml"
    out = root / "build"

    def fresh() -> str:
        return build_stamp(root, out, ARGS).digest()

    stamp = build_stamp(root, out, ARGS)
    first = stamp.digest()
    assert first == fresh() == stamp.digest()
    stamp.refresh(registry)  # not there, as before: the same
    assert stamp.digest() == first
    registry.write_text("a: 1\n", encoding="utf-8")
    assert stamp.digest() == first != fresh()  # a stamp is what it saw, until refreshed
    stamp.refresh(registry)
    made = stamp.digest()
    assert made == fresh() != first
    stamp.refresh(registry)  # unchanged since: the same
    assert stamp.digest() == made
    registry.write_text("a: 12\n", encoding="utf-8")
    stamp.refresh(registry)
    assert stamp.digest() == fresh() not in (first, made)
    registry.unlink()
    stamp.refresh(registry)
    assert stamp.digest() == fresh() == first
