"""A build's scratch files in the temporary folder (emit/scratch.py): named
by the process that made them, and removed by a later build once that
process is gone, so a build killed outright does not leave the site's
records lying in /tmp."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from gongkai.emit.scratch import KINDS, clean_scratch, pid_alive, scratch_dir, scratch_file


def _dead_pid() -> int:
    """The pid of a process that has ended (forked, exited, reaped)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_scratch_is_named_by_its_process_and_private(temp: Path) -> None:
    fd, path = scratch_file("spool")
    os.close(fd)
    assert Path(path).parent == temp
    assert Path(path).name.startswith(f"gongkai-spool-{os.getpid()}-")
    assert Path(path).stat().st_mode & 0o777 == 0o600
    with scratch_dir("parts") as d:
        assert Path(d).name.startswith(f"gongkai-parts-{os.getpid()}-")
        assert Path(d).stat().st_mode & 0o777 == 0o700
    assert not Path(d).exists()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork for a dead pid")
def test_only_the_scratch_of_ended_processes_is_removed(temp: Path, tmp_path: Path) -> None:
    dead, live = _dead_pid(), os.getpid()
    assert not pid_alive(dead) and pid_alive(live)
    gone = []
    for kind in KINDS:
        f = temp / f"gongkai-{kind}-{dead}-abc"
        f.write_bytes(b"\x80\x05 records: names, villages")
        gone.append(f)
    folder = temp / f"gongkai-search-{dead}-xyz"
    (folder / "deep").mkdir(parents=True)
    (folder / "deep" / "postings").write_bytes(b"x" * 100)
    gone.append(folder)
    outside = tmp_path / "outside.txt"
    outside.write_text("not a scratch file", "utf-8")
    kept = [
        temp / f"gongkai-spool-{live}-abc",  # a build still running
        temp / f"gongkai-other-{dead}-abc",  # not a kind of ours
        temp / f"gk-spool-{dead}-abc",
        temp / "gongkai-spool-abc",  # no pid
        temp / "notes.txt",
    ]
    for f in kept:
        f.write_bytes(b"keep")
    link = temp / f"gongkai-aside-{dead}-link"
    link.symlink_to(outside)  # a link is never followed nor taken for ours
    assert clean_scratch() == len(gone)
    assert not any(p.exists() for p in gone)
    assert all(p.read_bytes() == b"keep" for p in kept)
    assert link.is_symlink() and outside.read_text("utf-8") == "not a scratch file"


def test_a_missing_temp_folder_is_not_an_error(tmp_path: Path) -> None:
    assert clean_scratch(folder=str(tmp_path / "nowhere")) == 0


def test_files_of_other_users_are_left(temp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = temp / "gongkai-spool-12345-abc"
    f.write_bytes(b"x")
    uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: uid + 1)
    assert clean_scratch(alive=lambda pid: False) == 0
    assert f.exists()
    monkeypatch.setattr(os, "getuid", lambda: uid)
    assert clean_scratch(alive=lambda pid: False) == 1
    assert not f.exists()


def test_unnamed_leftovers_of_older_versions_go_once_a_day_old(temp: Path) -> None:
    """Before the pid was in the name: removed when older than a day (no
    build takes that long), left while they may be a running build's."""
    old_file, old_dir = temp / "gongkai-spool-tk247ygb", temp / "gk-search-1wudtfqh"
    young = temp / "gongkai-aside-o_d4arjd"
    other = temp / "gongkai-test-cache-3wltvfpg"  # the test suite's, not a build's
    old_file.write_bytes(b"records")
    old_dir.mkdir()
    (old_dir / "spill").write_bytes(b"x")
    young.write_bytes(b"records")
    other.mkdir()
    day_ago = time.time() - 25 * 3600
    for p in (old_file, old_dir, other):
        os.utime(p, (day_ago, day_ago))
    assert clean_scratch() == 2
    assert not old_file.exists() and not old_dir.exists()
    assert young.exists() and other.exists()
