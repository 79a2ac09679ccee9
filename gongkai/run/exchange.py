"""Two folders swapped in one step (renameat2 with RENAME_EXCHANGE on Linux):
the writer's swap of a new tree for the published one, so a reader of the
output sees the old site or the new, never neither (run/write.py)."""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["exchange"]


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
