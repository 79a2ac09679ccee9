"""The writer's walks of a tree it is about to replace or reuse (run/write.py, run/spare.py).

At 10,000 records the output holds 43,000 files in 18,000 folders and an
edit walks it twice (the output, for files gongkai did not write and for
the files it keeps; the spare, to make it the new tree).  Both walks go
folder by folder through open folder descriptors: a name is looked up in
its own folder (``fstatat``), not resolved again from ``/`` for every file,
and a folder swapped for a symlink while the walk runs is never followed.

``scan`` lists every entry of the output once, with what the writer checks
a kept file by (size and mtime) and what the spare is matched against
(device and inode): the foreign-file check, ``Output.keep`` and the spare
all use that one listing instead of a stat each.  Only regular files are
ever taken for files gongkai wrote; a symlink, a fifo, a socket is listed
as ``None`` (never intact: it is made again, or reported as foreign).

``inodes_trusted`` says when a folder listing's inode numbers (``d_ino``,
free with every name) name the very files a ``stat`` would: on Linux, when
nothing is mounted at or below the tree (a mount over a file or folder is
the one case where the name's inode in the listing and the file reached by
its path differ).  Anywhere else, or if the mount table cannot be read, the
spare's files are stat'ed one by one as before.
"""

from __future__ import annotations

import os
import re
import sys

__all__ = ["DIR_FLAGS", "FDS", "Seen", "inodes_trusted", "scan"]

Seen = tuple[int, int, int, int]  # (size, mtime_ns, device, inode) of a regular file

DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)

# folders walked through descriptors where the system has them (POSIX)
FDS = os.scandir in os.supports_fd and os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd


def scan(root: str, stat: bool = True) -> dict[str, Seen | None]:
    """Every entry of the tree ``root`` that is not a folder, by its path
    relative to ``root`` ("a/b.html"): (size, mtime_ns, device, inode) for a
    regular file when ``stat``, else None.  Folders are not followed
    through symlinks; one that vanishes while the walk runs is skipped (its
    files are then missing, so never kept), one that cannot be read is an
    error (what it holds cannot be known)."""
    found: dict[str, Seen | None] = {}
    if FDS:
        fd = os.open(root, DIR_FLAGS)
        try:
            _scan_fd(fd, "", found, stat)
        finally:
            os.close(fd)
    else:  # pragma: no cover - not POSIX
        _scan_paths(root, "", found, stat)
    return found


def _scan_fd(fd: int, prefix: str, found: dict[str, Seen | None], stat: bool) -> None:
    with os.scandir(fd) as it:
        entries = list(it)
    for e in entries:
        name = e.name
        if e.is_dir(follow_symlinks=False):
            try:
                sub = os.open(name, DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                continue
            try:
                _scan_fd(sub, f"{prefix}{name}/", found, stat)
            finally:
                os.close(sub)
        elif stat and e.is_file(follow_symlinks=False):
            try:
                st = e.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            found[prefix + name] = (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
        else:
            found[prefix + name] = None


def _scan_paths(path: str, prefix: str, found: dict[str, Seen | None], stat: bool) -> None:  # pragma: no cover
    with os.scandir(path) as it:
        entries = list(it)
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            _scan_paths(e.path, f"{prefix}{e.name}/", found, stat)
        elif stat and e.is_file(follow_symlinks=False):
            st = e.stat(follow_symlinks=False)
            found[prefix + e.name] = (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
        else:
            found[prefix + e.name] = None


_OCTAL = re.compile(rb"\\([0-7]{3})")


def inodes_trusted(root: str, mountinfo: str = "/proc/self/mountinfo") -> bool:
    """Whether the inode numbers of ``root``'s folder listings are those of
    the files their names lead to: Linux with nothing mounted at or below
    ``root`` (a resolved path)."""
    if not FDS or sys.platform != "linux":
        return False
    try:
        with open(mountinfo, "rb") as f:
            table = f.read()
    except OSError:
        return False
    want = os.fsencode(root).rstrip(b"/")
    for line in table.splitlines():
        fields = line.split(b" ")
        if len(fields) < 5:
            return False  # not the table we know: trust nothing
        point = _OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), fields[4])
        if point == want or point.startswith(want + b"/"):
            return False
    return True
