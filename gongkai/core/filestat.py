"""What tells a file unchanged without reading it (one definition for the
build stamp, run/engine/store.py, and the loader's digest memo, read/load.py:
the loader takes a file the stamp shows unchanged by the stamp's entry)."""

from __future__ import annotations

import os

__all__ = ["stat_key"]


def stat_key(st: os.stat_result) -> tuple[int, ...]:
    """A file's size, its modification time and its inode change time (which
    nobody can set back, unlike the modification time: an edit that kept the
    size and restored the mtime, cp -p, rsync -t, touch -r, still shows), and
    which file it is (inode, device)."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
