"""The writer's swap of a new tree for the published one (run/write.py): two
folders exchanged in one step (renameat2 with RENAME_EXCHANGE on Linux), so
a reader of the output sees the old site or the new, never neither; and what
builds that were killed left beside the output, removed."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from gongkai.emit.scratch import pid_alive
from gongkai.run.manifest import read_marker

__all__ = ["clean_stale", "exchange"]


def _exchange_linux() -> Callable[[Path, Path], bool] | None:
    """renameat2(RENAME_EXCHANGE) through libc, where the kernel and libc have it."""
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2

    def exchange(a: Path, b: Path) -> bool:
        rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
        if rc == 0:
            return True
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            return False  # not on this kernel or file system: two renames instead
        raise OSError(err, os.strerror(err), str(b))

    return exchange


_EXCHANGE = _exchange_linux()


def exchange(a: Path, b: Path) -> bool:
    """Swap folders ``a`` and ``b`` atomically; False where that cannot be done."""
    return _EXCHANGE(a, b) if _EXCHANGE is not None else False


def clean_stale(out: Path, alive: Callable[[int], bool] | None = None) -> None:
    """Remove temporary trees left by builds that were killed (a tree being
    written by a build still running is left alone)."""
    alive = alive or pid_alive
    for p in out.parent.glob(f".{out.name}.*-*"):
        parts = p.name[len(out.name) + 2 :].split("-")
        if len(parts) == 2 and parts[0] == "probe" and parts[1].isdigit():  # run/engine/ahead.py's, if killed
            if not alive(int(parts[1])) and p.is_file() and not p.is_symlink():
                p.unlink(missing_ok=True)
            continue
        if len(parts) < 2 or parts[0] not in ("tmp", "old") or not parts[1].isdigit():
            continue
        if read_marker(p) is None:
            continue  # not a tree gongkai made
        if parts[0] == "old" and not out.exists():
            os.replace(p, out)  # a swap was cut off between its two renames
        elif parts[0] == "old" or not alive(int(parts[1])):
            shutil.rmtree(p, ignore_errors=True)
