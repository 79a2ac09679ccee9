"""The no-op: whether the last build into ``out`` still stands.

It reads only the build stamp (every file the build reads, by size and
mtime, plus gongkai's and the libraries' versions and the build's
arguments: store.BuildStamp), the last build's sealed result and the
output's marker and manifest.  It imports nothing of the pipeline, so a
build with nothing to do costs no more than starting Python and reading
those (run/build.py asks here first).  A command checks the output in a
forked process while it makes the stamp (``stamped``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from stat import S_ISREG
from typing import Any

from gongkai.core.themes import default_theme_dir
from gongkai.run.engine.store import BuildCache, BuildStamp, last_build
from gongkai.run.manifest import binding, read_marker

__all__ = ["build_stamp", "last_unchanged", "stamped"]


def build_stamp(root: Path, out: Path, args: tuple[Any, ...]) -> BuildStamp:
    """What a build of ``root`` into ``out`` with ``args`` depends on."""
    return BuildStamp(root, [root / "themes", default_theme_dir()], (*args, str(out)))


def stamped(root: Path, out: Path, cache: BuildCache, args: tuple[Any, ...]) -> tuple[Any, BuildStamp]:
    """``last_unchanged`` of a build of ``root`` into ``out`` with ``args``,
    and that build's stamp.  The stamp stats every file the build reads,
    and the output's check every file of the output (at 10,000 records
    ~0.1 s and ~0.25 s with the manifest's head): where a process may fork,
    the output is checked in a child while the stamp is made, and the child
    is ended as soon as the stamp shows a change (an edit: its check no
    longer matters)."""
    last = _last(out, cache)
    child = _start(partial(_untouched, out, root, cache, last[1].token)) if last is not None else None
    try:
        stamp = build_stamp(root, out, args)
        if last is None or last[0] != stamp.digest():
            return None, stamp
        ok = _answer(child) if child is not None else None
        child = None
        if ok is None:  # no child, or no answer from it: checked here
            ok = _untouched(out, root, cache, last[1].token)
        return (last[1] if ok else None), stamp
    finally:
        if child is not None:
            _end(child)


def last_unchanged(root: Path, out: Path, cache: BuildCache, stamp: BuildStamp) -> Any:
    """The result of the last build into ``out`` when nothing it read has
    changed since and ``out`` is still exactly the tree it left; else None."""
    last = _last(out, cache)
    if last is None or last[0] != stamp.digest():
        return None
    return last[1] if _untouched(out, root, cache, last[1].token) else None


def _last(out: Path, cache: BuildCache) -> tuple[str, Any] | None:
    return last_build(cache.folder, out) if cache.folder is not None else None


def _untouched(out: Path, root: Path, cache: BuildCache, token: str) -> bool:
    """Whether ``out`` is still exactly the tree the last build left: its
    marker bound to this folder and site and naming that build's tree, and
    every file of it there (the manifest's token and files: only those are
    read), a regular file with the size and mtime it was written with."""
    marker = read_marker(out)
    if marker is None or not token:
        return False
    if marker.binding != binding(out, root) or marker.token != token:
        return False
    manifest = cache.manifest_files(out)
    if manifest is None or manifest[0] != token:
        return False
    prefix = str(out) + os.sep
    lstat = os.lstat
    for rel, (_digest, size, mtime) in manifest[1].items():
        try:
            st = lstat(prefix + rel)  # the file itself: a symlink put in its place is not it
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime or not S_ISREG(st.st_mode):
            return False
    return True


def _start(check: Callable[[], bool]) -> int | None:
    """The pid of a forked child that runs ``check`` and exits with its
    answer (0: yes), or None where forking is not sound here (not Linux,
    or a process running other threads: the preview server) or fails."""
    if sys.platform != "linux" or threading.active_count() > 1:
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: the check, its answer as the exit code, and nothing else (no atexit, no flush)
        code = 1
        try:
            code = 0 if check() else 1
        finally:
            os._exit(code)
    return pid


def _answer(pid: int) -> bool | None:
    """The child's answer; None when there is none to be had: a process
    started with SIGCHLD ignored has its children reaped for it."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status) == 0


def _end(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
