"""A build's scratch files in the system's temporary folder, named by the
process that made them, and removed by a later build once that process is
gone.

The search merge spills postings and documents to temporary files, and the
build passes records and made files to its forked processes through others
(run/engine/feed.py, pools.py).  Each is removed when its owner is done with
it, but a build killed outright (SIGKILL, a power cut in a VM) runs no
clean-up, and what it left holds the site's records: names, villages,
amounts.  So every such file or folder is named
``gongkai-<kind>-<pid>-<random>``, and ``clean_scratch`` (run at the start of
each build) removes those whose process no longer runs and that this user
owns."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["KINDS", "clean_scratch", "scratch_dir", "scratch_file"]

KINDS = ("spool", "aside", "parts", "search")
_NAME = re.compile(r"gongkai-(" + "|".join(KINDS) + r")-([0-9]+)-")
# Named by gongkai 0.x before the pid was in the name: removed once a day old
# (no build runs that long).
_UNNAMED = re.compile(r"(gongkai-spool|gongkai-aside|gk-parts|gk-search)-[a-z0-9_]{8}$")
_UNNAMED_AGE = 24 * 3600


def scratch_file(kind: str) -> tuple[int, str]:
    """A new temporary file (open descriptor, path), mode 0600."""
    assert kind in KINDS, kind
    return tempfile.mkstemp(prefix=f"gongkai-{kind}-{os.getpid()}-")


def scratch_dir(kind: str) -> tempfile.TemporaryDirectory[str]:
    """A new temporary folder (mode 0700), removed when the context ends."""
    assert kind in KINDS, kind
    return tempfile.TemporaryDirectory(prefix=f"gongkai-{kind}-{os.getpid()}-")


def clean_scratch(alive: Callable[[int], bool] | None = None, folder: str | None = None) -> int:
    """Remove the scratch files and folders of processes that are gone
    (``alive(pid)`` false) and that belong to this user; how many.  Never
    raises: a file another build removes at the same time, or one this user
    may not remove, is left."""
    alive = alive or pid_alive
    base = Path(folder or tempfile.gettempdir())
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed = 0
    try:
        entries = list(os.scandir(base))
    except OSError:
        return 0
    now = time.time()
    for entry in entries:
        m = _NAME.match(entry.name)
        if m is None and _UNNAMED.match(entry.name) is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if uid is not None and st.st_uid != uid:
            continue
        if alive(int(m.group(2))) if m is not None else now - st.st_mtime < _UNNAMED_AGE:
            continue
        try:
            if stat.S_ISDIR(st.st_mode):
                shutil.rmtree(entry.path)
            elif stat.S_ISREG(st.st_mode):
                os.unlink(entry.path)
            else:
                continue  # a link or anything else: not ours
        except OSError:
            continue
        removed += 1
    return removed


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (one this user may not look at counts as
    running: its files are left)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process is there
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _pid_alive_windows(pid: int) -> bool:
    """Windows has no signal 0: ``os.kill(pid, 0)`` there *ends* the process.
    Ask for the process's exit code instead (259: still running)."""
    import ctypes

    try:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() != 87  # type: ignore[attr-defined]  # ERROR_INVALID_PARAMETER: no such process
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    except (AttributeError, OSError):
        return True
