"""The spare tree: the output's previous tree, kept beside it to become the next one.

Every build publishes a complete new tree by one swap (run/write.py).  Made
from nothing, that tree costs a folder and a hard link per file, and the
tree it replaces a ``rmdir`` per folder; at 10,000 records that is 18,000
folders and 43,000 links, seconds of wall time on a disk that discards
freed blocks, for an edit that changes a handful of files.  So the tree a
build replaces is not deleted: it is kept as ``.<out>.spare`` beside the
output, and the next build turns it into its new tree by changing only
what differs.

Nothing in the spare is trusted.  A file is left in it only when it is the
very same file (device and inode) as the output's file of the same path,
which the writer has checked is still as the last build left it and which
the new tree keeps; every other entry is removed (a stray file, a symlink,
a folder the new tree has no use for), the files this build wrote are
moved in, and the kept files missing from it are linked.  So the tree that
is swapped in is exactly the one a build from nothing would make.

Two ways get there.  ``assemble`` walks the whole spare and matches every
file.  ``by_difference`` needs no walk: the manifest notes which files the
spare holds (those of the tree it was) and the (inode, ctime) of its
folders when their names were last seen right (walk.known), so only the
folders changed since are listed, their files matched by inode number,
and only the entries whose manifest entries differ are removed, moved in or
linked.  The writer uses the second whenever the notes check out (every
edit after the first), the first otherwise.

While it is being made the spare carries a temporary name
(``.<out>.tmp-<pid>-spare``): a build killed then leaves a stale temporary
tree, removed by the next build like any other (swap.clean_stale), never
a half-changed spare.

A private output (the preview server's, in a folder of its own that no
other program is meant to write) is not checked on entry; its spare is
made by difference as above, the notes of its folders being those taken
when the tree was made, and anything unexpected in it (a file the server
did not write, a symlink, a file gone, an empty folder) means it is not
used but removed, and the tree is made afresh: such a file is never
published nor kept.  Where folders take no notes (not Linux), one walk of
names (``holds``) checks it instead.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Container, Mapping
from pathlib import Path

from gongkai.run import walk

__all__ = ["assemble", "by_difference", "holds", "keeps_spare", "link_copy", "replaced", "spare_of"]


def spare_of(out: Path) -> Path:
    """Where the spare of the output ``out`` is kept."""
    return out.parent / f".{out.name}.spare"


def keeps_spare(out: Path, site: Path | None) -> bool:
    """Whether a command's build keeps a spare beside ``out``: only beside an
    output in the site's own folder (SITE/build).  The spare holds the
    previous site, names a 公示期 has since withdrawn included, and beside
    any other output it may be published (a township's build/<slug> inside
    the county's site, --out under a web root)."""
    return site is not None and out.parent == site.resolve()


def assemble(
    work: str,
    files: dict[str, tuple[str, int, int]],
    fresh: str,
    kept: Callable[[str], tuple[int, int] | None],
    marker: str,
    link: Callable[[str, str], None],
) -> None:
    """Make ``work`` (an old tree) hold exactly ``files`` (path → (digest,
    size, mtime); mtime 0: written by this build under the folder ``fresh``,
    else kept from the output).  ``kept(rel)``: (device, inode) of the
    output's file ``rel``, or None when it cannot be kept.  ``marker``: the
    marker's name, left for the caller to replace.  ``link(src, dst)``:
    links (or copies) a kept file into the tree."""
    needed = {""}
    for rel in files:
        head = rel.rpartition("/")[0]
        while head not in needed:
            needed.add(head)
            head = head.rpartition("/")[0]
    present: set[str] = set()
    folders: set[str] = set()
    if walk.FDS:
        by_inode = walk.inodes_trusted(work)
        fd = os.open(work, walk.DIR_FLAGS)
        try:
            _prune(fd, "", needed, files, kept, marker, by_inode, present, folders)
        finally:
            os.close(fd)
    else:  # pragma: no cover - not POSIX
        _prune_paths(work, needed, files, kept, marker, present, folders)
    for rel, (_digest, _size, mtime) in files.items():
        if rel in present:
            continue
        head = rel.rpartition("/")[0]
        if head not in folders:
            missing = [head]
            up = head.rpartition("/")[0]
            while up not in folders:
                missing.append(up)
                up = up.rpartition("/")[0]
            for d in reversed(missing):
                try:
                    os.mkdir(os.path.join(work, *d.split("/")))
                except FileExistsError:
                    pass
                folders.add(d)
        target = os.path.join(work, *rel.split("/"))
        if mtime == 0:
            os.replace(os.path.join(fresh, *rel.split("/")), target)
        else:
            link(rel, target)


def _prune(
    fd: int,
    folder: str,
    needed: set[str],
    files: dict[str, tuple[str, int, int]],
    kept: Callable[[str], tuple[int, int] | None],
    marker: str,
    by_inode: bool,
    present: set[str],
    folders: set[str],
) -> None:
    """Remove from the folder ``fd`` (``folder`` in the tree) every entry the
    new tree has no use for; note in ``present`` the files left (the very
    file the output keeps: same device and inode) and in ``folders`` the
    folders.  ``by_inode``: the listing's inode numbers can be trusted
    (walk.inodes_trusted), so a file is matched without a stat of its own."""
    folders.add(folder)
    prefix = f"{folder}/" if folder else ""
    device = os.fstat(fd).st_dev
    with os.scandir(fd) as entries:
        listed = list(entries)
    for e in listed:
        name = e.name
        rel = prefix + name
        if e.is_dir(follow_symlinks=False):
            if rel in needed:
                sub = os.open(name, walk.DIR_FLAGS, dir_fd=fd)
                try:
                    _prune(sub, rel, needed, files, kept, marker, by_inode, present, folders)
                finally:
                    os.close(sub)
            else:
                shutil.rmtree(name, dir_fd=fd)
            continue
        if rel == marker:
            continue
        if _keeps(rel, e, files, kept, device if by_inode else None):
            present.add(rel)
            continue
        os.unlink(name, dir_fd=fd)


def _prune_paths(  # pragma: no cover - not POSIX
    work: str,
    needed: set[str],
    files: dict[str, tuple[str, int, int]],
    kept: Callable[[str], tuple[int, int] | None],
    marker: str,
    present: set[str],
    folders: set[str],
) -> None:
    stack = [""]
    while stack:
        folder = stack.pop()
        folders.add(folder)
        with os.scandir(os.path.join(work, *folder.split("/")) if folder else work) as entries:
            listed = list(entries)
        for e in listed:
            rel = f"{folder}/{e.name}" if folder else e.name
            if e.is_dir(follow_symlinks=False):
                if rel in needed:
                    stack.append(rel)
                else:
                    shutil.rmtree(e.path)
                continue
            if rel == marker:
                continue
            if _keeps(rel, e, files, kept, None):
                present.add(rel)
                continue
            os.unlink(e.path)


def _keeps(
    rel: str,
    e: os.DirEntry[str],
    files: dict[str, tuple[str, int, int]],
    kept: Callable[[str], tuple[int, int] | None],
    device: int | None,
) -> bool:
    """Whether the spare's entry ``e`` at ``rel`` stays: a regular file that
    is the very file (device, inode) the output keeps there.  ``device``:
    the folder's, when the listing's inode numbers can be trusted (no stat)."""
    entry = files.get(rel)
    if entry is None or entry[2] == 0 or not e.is_file(follow_symlinks=False):
        return False
    want = kept(rel)
    if want is None:
        return False
    if device is not None:
        return (device, e.inode()) == want
    st = e.stat(follow_symlinks=False)
    return (st.st_dev, st.st_ino) == want


def holds(work: str, files: dict[str, tuple[str, int, int]], marker: str) -> bool:
    """Whether the tree ``work`` holds exactly ``files`` and ``marker`` as
    regular files and no other entry (no symlink, no empty folder): one walk
    of names, no stat (a listing's file type is free with each name)."""
    count = 0

    def walk_fd(fd: int, prefix: str) -> bool:
        nonlocal count
        with os.scandir(fd) as it:
            entries = list(it)
        if not entries and prefix:
            return False  # an empty folder: a tree made from nothing has none
        for e in entries:
            name = e.name
            if e.is_dir(follow_symlinks=False):
                sub = os.open(name, walk.DIR_FLAGS, dir_fd=fd)
                try:
                    if not walk_fd(sub, f"{prefix}{name}/"):
                        return False
                finally:
                    os.close(sub)
                continue
            rel = prefix + name
            if not e.is_file(follow_symlinks=False) or (rel not in files and rel != marker):
                return False
            count += 1
        return True

    if not walk.FDS:  # pragma: no cover - not POSIX
        return False
    try:
        fd = os.open(work, walk.DIR_FLAGS)
    except OSError:
        return False
    try:
        return walk_fd(fd, "") and count == len(files) + (1 if marker not in files else 0)
    except OSError:
        return False
    finally:
        os.close(fd)


def by_difference(
    work: str,
    had: dict[str, tuple[str, int, int]],
    files: dict[str, tuple[str, int, int]],
    fresh: str,
    link: Callable[[str, str], None],
    replaced: Container[str] = (),
) -> set[str]:
    """Make ``work``, which holds exactly the names of ``had`` (checked:
    ``holds`` or walk.known), hold exactly ``files`` (mtime 0: written by
    this build under ``fresh``, else kept: linked from the output by
    ``link(rel, target)``).  A path whose entry is the same in both is left
    alone, unless it is one of ``replaced`` (no longer the file it was:
    ``replaced``); everything else is removed, moved in or
    linked, and folders left empty are removed.  Returns the folders whose
    names it changed ("" the root)."""
    touched: set[str] = set()
    emptied: set[str] = set()
    stays: set[str] = set()
    for rel, entry in had.items():
        if files.get(rel) == entry and rel not in replaced:
            stays.add(rel)
            continue
        os.unlink(os.path.join(work, rel))
        if rel in files:
            continue  # put back below (its folder stays)
        head = rel.rpartition("/")[0]
        touched.add(head)
        while head and head not in emptied:
            emptied.add(head)
            head = head.rpartition("/")[0]
    for folder in sorted(emptied, key=lambda d: d.count("/"), reverse=True):  # deepest first
        try:
            os.rmdir(os.path.join(work, folder))
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        else:
            touched.add(folder.rpartition("/")[0])
    for rel, entry in files.items():
        if rel in stays:
            continue
        target = os.path.join(work, rel)
        head = rel.rpartition("/")[0]
        touched.add(head)
        try:
            _put(rel, entry, target, fresh, link)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            while head:  # each folder made, and the one it was made in
                head = head.rpartition("/")[0]
                touched.add(head)
            _put(rel, entry, target, fresh, link)
    return touched


def replaced(
    work: str,
    out: str,
    listed: walk.Listed,
    seen: Mapping[str, walk.Seen | None],
    private: bool,
    kept: Callable[[str], tuple[int, int] | None],
) -> set[str]:
    """The files of the spare ``work`` that are no longer the files they
    were, for ``by_difference``: in a folder known unchanged by its note,
    none; in one that was ``listed`` (walk.known), each that is not the very
    file the output ``out`` has there: by inode number, from the listings
    where they can be trusted (the output's from ``seen``, its check, or
    else its folder's listing), else by a stat of each (``kept``: (device,
    inode) of the output's file).  A ``private`` output's (the preview's)
    file gone (deleted by hand): the spare's, checked by name, is the one to
    keep (it cannot be linked from there)."""
    found: set[str] = set()
    by_inode = walk.inodes_trusted(work) and walk.inodes_trusted(out)
    for folder, inodes in listed.items():
        prefix = f"{folder}/" if folder else ""
        if not by_inode:
            for name in inodes:
                rel = prefix + name
                want = kept(rel)
                if want is None:
                    if not private:
                        found.add(rel)
                    continue
                st = os.lstat(os.path.join(work, rel))
                if (st.st_dev, st.st_ino) != want:
                    found.add(rel)
        elif seen:  # the same device (Output._take_spare)
            for name, ino in inodes.items():
                s = seen.get(prefix + name)
                if s is None or s[3] != ino:
                    found.add(prefix + name)
        else:
            theirs = walk.listing(os.path.join(out, folder) if folder else out)
            for name, ino in inodes.items():
                other = theirs.get(name)
                if (other is None and not private) or (other is not None and other != ino):
                    found.add(prefix + name)
    return found


def _put(rel: str, entry: tuple[str, int, int], target: str, fresh: str, link: Callable[[str, str], None]) -> None:
    if entry[2] == 0:
        os.replace(os.path.join(fresh, rel), target)
    else:
        link(rel, target)


def link_copy(src: str, dst: str, files: dict[str, tuple[str, int, int]], marker: str) -> None:
    """Make ``dst`` (absent) a tree of hard links to ``src``'s ``files`` and marker."""
    os.mkdir(dst)
    made = {""}
    for rel in (*files, marker):
        head = rel.rpartition("/")[0]
        if head not in made:
            os.makedirs(os.path.join(dst, head), exist_ok=True)
            while head and head not in made:
                made.add(head)
                head = head.rpartition("/")[0]
        os.link(os.path.join(src, rel), os.path.join(dst, rel))
