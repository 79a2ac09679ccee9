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

``known`` checks a tree whose files are known (a manifest) without
listing every folder: a folder's names change only with its inode change
time (``st_ctime_ns``, which no tool can set back: a file added, removed,
renamed or replaced in it sets it to the clock's time), so a folder whose
(inode, ctime) is the one noted when its names were last seen to be
exactly the expected ones still holds them, and only folders without such
a note (made or changed since, or never seen) are listed.  A note is taken
only of a folder whose ctime is older than a probe file written *before*
the folder was stat'ed: a change made after that stat, even within the
file system clock's coarse tick, then gives it a ctime the note cannot
match.  Anything unexpected (a folder that is not one, a name too many or
missing, a file that is not a regular one) answers None, and the caller
walks the whole tree as before.

The writer also notes the folders of a tree it made whole itself (from
nothing, or by ``spare.assemble``, which lists every folder it keeps): their
names are known by construction, and the probe is the tree's marker, the
last file written into it (write.Output._made_notes).  So the edits after a
cold build list only what changed, not every folder.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from stat import S_ISDIR, S_ISREG

__all__ = [
    "DIR_FLAGS",
    "FDS",
    "Folders",
    "Known",
    "Listed",
    "Seen",
    "can_note",
    "inodes_trusted",
    "known",
    "layout",
    "listing",
    "noted",
    "scan",
]

Seen = tuple[int, int, int, int]  # (size, mtime_ns, device, inode) of a regular file
Folders = dict[str, tuple[int, int]]  # folder ("" the root) → (inode, ctime_ns) when its names were seen right
Listed = dict[str, dict[str, int]]  # folder → its files' inode numbers as its listing gave them
Known = tuple[dict[str, Seen | None], Folders, Listed]  # ``known``'s answer

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


def layout(files: Iterable[str]) -> dict[str, set[str]]:
    """Folder ("" the root) → the names it holds: a file's as it is, a
    folder's with "/" after it (so a file cannot stand in for a folder)."""
    kids: dict[str, set[str]] = {"": set()}
    for rel in files:
        head, _, name = rel.rpartition("/")
        names = kids.get(head)
        if names is not None:
            names.add(name)
            continue
        kids[head] = {name}
        while head:  # a folder first seen: into its parent, up to one known
            up, _, part = head.rpartition("/")
            above = kids.get(up)
            if above is not None:
                above.add(part + "/")
                break
            kids[up] = {part + "/"}
            head = up
    return kids


def can_note() -> bool:
    """Whether folders are checked by their notes here (Linux: where a
    folder's ctime is known to change with every name added or removed)."""
    return FDS and sys.platform == "linux"


def known(
    root: str,
    files: Iterable[str],
    folders: Mapping[str, tuple[int, int]],
    extra: frozenset[str] = frozenset(),
    optional: frozenset[str] = frozenset(),
    stat: bool = True,
) -> Known | None:
    """When the tree ``root`` holds exactly ``files`` (relative paths, as
    regular files), ``extra`` at its root and perhaps ``optional`` there,
    and nothing else: with ``stat``, (size, mtime_ns, device, inode) of each
    of ``files`` (None for one that is no longer a regular file); every
    folder's (inode, ctime_ns) as stat'ed before anything else was read of
    it; and the folders that were listed, with their files' inode numbers
    from the listing (their names are right, but a file of theirs may have
    been replaced by another of the same name: only in a folder known
    unchanged by its note is each file the one it was).
    None when it does not (or may not): walk it whole.  ``folders``: the
    notes of the last check (see the module's docstring)."""
    if not can_note():
        return None
    kids = layout(files)
    kids[""] |= extra
    prefix = os.path.join(root, "")
    seen_folders: Folders = {}
    listed: Listed = {}
    try:
        for folder, names in kids.items():
            path = prefix + folder if folder else root
            st = os.lstat(path)
            if not S_ISDIR(st.st_mode):
                return None
            note = (st.st_ino, st.st_ctime_ns)
            if folders.get(folder) != note:
                inodes = _lists(path, note, names, optional if not folder else frozenset())
                if inodes is None:
                    return None
                listed[folder] = inodes
            seen_folders[folder] = note
        seen: dict[str, Seen | None] = {}
        if stat:
            lstat = os.lstat
            for rel in kids_files(kids):
                st = lstat(prefix + rel)
                seen[rel] = (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino) if S_ISREG(st.st_mode) else None
    except OSError:
        return None
    return seen, seen_folders, listed


def kids_files(kids: Mapping[str, set[str]]) -> Iterator[str]:
    """The files of a ``layout``."""
    for folder, names in kids.items():
        prefix = f"{folder}/" if folder else ""
        for name in names:
            if not name.endswith("/"):
                yield prefix + name


def _lists(path: str, note: tuple[int, int], names: set[str], optional: frozenset[str]) -> dict[str, int] | None:
    """When the folder at ``path`` (the one ``note`` was taken of: opened
    without following a symlink) holds exactly ``names`` (and perhaps
    ``optional``), each file a regular one: its files' inode numbers as
    listed (``d_ino``; see ``inodes_trusted`` for when they can be used)."""
    fd = os.open(path, DIR_FLAGS)
    try:
        st = os.fstat(fd)
        if (st.st_ino, st.st_ctime_ns) != note:
            return None  # changed (or replaced) since it was stat'ed
        got: set[str] = set()
        inodes: dict[str, int] = {}
        with os.scandir(fd) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    got.add(e.name + "/")
                elif e.is_file(follow_symlinks=False):
                    got.add(e.name)
                    inodes[e.name] = e.inode()
                else:
                    return None  # a symlink, a fifo…: never a file of ours
    finally:
        os.close(fd)
    return inodes if got == names or (names <= got and got - names <= optional) else None


def listing(path: str) -> dict[str, int]:
    """The regular files of the folder at ``path`` by name, with their
    inode numbers as listed (nothing if it cannot be read)."""
    try:
        with os.scandir(path) as it:
            return {e.name: e.inode() for e in it if e.is_file(follow_symlinks=False)}
    except OSError:
        return {}


def noted(folders: Folders, probe: int) -> Folders:
    """The notes that may be kept: of folders whose ctime is older than the
    ``probe`` file's (written before they were stat'ed)."""
    return {folder: note for folder, note in folders.items() if note[1] < probe}


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
