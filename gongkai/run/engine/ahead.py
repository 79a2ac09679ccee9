"""The output's check by its folders' notes (walk.known), run ahead in a
process forked as the build starts, beside the loading and checking of the
site, which take one core of the two a clerk's machine has.

The check needs only the last build's manifest, so it can start before the
site is read: at 10,000 records it is some 37,000 lstat calls and 12,000
folder stats (~0.3 s) that the build then need not wait for.  What the
writer does with its answer is what it does with its own check's
(write.Output._foreign_files): the same function, on the same manifest, for
the same folder.

The probe (walk.noted) is a file the process writes beside the output before
it stats any folder, as the writer's own check takes its temporary tree's
marker: a folder whose ctime is not older than the probe's is never noted.
The answer is only ever a help: a process that fails, dies, or finds the tree
not as the manifest says answers None, and the writer checks the output
itself as before.

Where no spare tree is kept beside the output yet (the first edit after a
cold build), the process goes on, once it has answered, to make one
(``links``): a temporary tree of hard links to every file of the output,
each checked, as it is linked, to be the very file its walk found (the
writer's ``_as_checked``), and the notes of its folders, taken after a
probe written last into it (the writer's ``_made_notes``).  The writer
takes it as it takes a spare, checked by those notes (walk.known), and
makes it into the new tree by difference: the build then links no file,
where it linked every one (~37,000 at 10,000 records, 1-2 s) after its
work.  The tree is made under a name of this build (``.<out>.tmp-<pid>-``,
by mkdtemp: no other user can write in it), its marker written first, so
that a process killed while making it leaves a tree the next build removes
(swap.clean_stale).  One the build has no use for (it stopped: a content
error, most often), whole or in part, is left as the spare where there is
none (``_leave``).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from gongkai.run import walk
from gongkai.run.engine.pools import _end_with, can_fork, end_process
from gongkai.run.spare import spare_of

__all__ = ["PROBE", "Links", "WalkAhead"]

PROBE = "probe"  # .<out>.probe-<pid>: swap.clean_stale removes one a killed process left
LINKS = "links"  # the name's end of the tree of links: .<out>.tmp-<pid>-links<random>

Links = tuple[str, int, walk.Folders]  # (the tree of links, its probe's ctime_ns, its folders' notes)


class WalkAhead:
    """``walk.known`` of ``out`` against a manifest's files and folder notes,
    in a process forked now (nothing where fork or the notes are missing)."""

    def __init__(
        self,
        out: Path,
        files: Iterable[str],
        folders: Mapping[str, tuple[int, int]],
        extra: str,
        links: str | None = None,
    ) -> None:
        """``links``: the marker to write into a tree of links to the output
        made after the walk (see the module's docstring); None: none made."""
        self.proc: Any = None
        self.conn: Connection | None = None
        self.files, self.folders = files, folders  # what the answer is about (the writer checks it is its own)
        self.out = str(out)
        self.linking = False  # the process makes a tree of links once it has answered
        if not (can_fork() and walk.can_note()):
            return
        ctx = multiprocessing.get_context("fork")
        self.conn, theirs = ctx.Pipe(duplex=False)
        args = (theirs, self.conn, self.out, files, folders, extra, os.getpid(), links)
        self.proc = ctx.Process(target=_walk, args=args, name="gongkai-walk", daemon=True)
        self.proc.start()
        theirs.close()
        self.linking = links is not None

    def result(self) -> tuple[int, walk.Known] | None:
        """(the probe's ctime_ns, what walk.known found), or None: check it here."""
        if self.conn is None:
            return None
        try:
            got = self.conn.recv()
        except Exception:  # died (end of file), or sent something not whole
            got = None
        if not (isinstance(got, tuple) and len(got) == 2 and type(got[0]) is int and isinstance(got[1], tuple)):
            self.close()
            return None
        if not self.linking:
            self.close()
        return got

    def links(self) -> Links | None:
        """The tree of links the process made once it had answered (waited
        for): its path, its probe's ctime_ns and the notes of its folders;
        None when it made none (or was not asked to, or its walk did not
        answer).  The caller owns the tree from here."""
        if self.conn is None or not self.linking:
            return None
        pid = self.proc.pid
        try:
            got = self.conn.recv()
        except Exception:
            got = None
        head, name = os.path.split(self.out)
        taken = (
            isinstance(got, tuple)
            and len(got) == 3
            and isinstance(got[0], str)
            and type(got[1]) is int
            and isinstance(got[2], dict)
            and os.path.dirname(got[0]) == head
            and os.path.basename(got[0]).startswith(f".{name}.tmp-{pid}-{LINKS}")  # the tree it was to make
        )
        self.linking = not taken  # a tree it made but did not send whole is not the caller's: close() sees to it
        self.close()
        if not taken:
            return None
        return got

    def close(self) -> None:
        """End the process (now, if it is still walking or linking), and
        remove a tree of links it made that was not taken (the build
        stopped, or had no use for it)."""
        pid = self.proc.pid if self.proc is not None else None
        end_process(self.proc, now=True, conn=self.conn)
        self.proc = self.conn = None
        if self.linking and pid is not None:
            self.linking = False
            head, name = os.path.split(self.out)
            for path in Path(head).glob(f".{name}.tmp-{pid}-{LINKS}*"):
                if path.is_dir() and not path.is_symlink():
                    _leave(str(path), self.out)


def _walk(
    conn: Connection,
    ours: Connection,
    out: str,
    files: Iterable[str],
    folders: Mapping[str, tuple[int, int]],
    extra: str,
    parent: int,
    links: str | None = None,
) -> None:
    ours.close()
    _end_with(parent)
    signal.signal(signal.SIGTERM, _unwind)  # ended mid-walk: the probe is removed as it unwinds
    head, name = os.path.split(out)
    probe = os.path.join(head, f".{name}.{PROBE}-{os.getpid()}")
    answer: Any = None
    found: walk.Known | None = None
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.close(fd)
            ctime = os.stat(probe).st_ctime_ns  # before any folder is stat'ed
            found = walk.known(out, files, folders, frozenset({extra}))
            answer = (ctime, found) if found is not None else None
        finally:
            os.unlink(probe)
    except OSError:
        answer = None
    if links is None or found is None:
        _send(conn, answer)
        return
    # The answer, tens of thousands of files' stats, fills the pipe: it is sent from a thread
    # while the links are made (the build takes it only when it starts its output).
    sender = threading.Thread(target=_send, args=(conn, answer), name="gongkai-walk-answer", daemon=True)
    sender.start()
    made = _linked_tree(out, files, found[0], extra, links)
    sender.join()
    if not _send(conn, made) and made is not None:
        shutil.rmtree(made[0], ignore_errors=True)


def _send(conn: Connection, value: Any) -> bool:
    try:
        conn.send(value)
    except (OSError, ValueError):
        return False
    return True


def _linked_tree(
    out: str, files: Iterable[str], seen: Mapping[str, walk.Seen | None], marker: str, text: str
) -> Links | None:
    """A tree of hard links to the output's ``files``, each the file the walk
    ``seen``, with ``marker`` (holding ``text``) written first and again last
    (its probe), a .gitignore as a spare has (write.Output removes it), and
    the notes of its folders; None (nothing left) when any
    file is not the one seen, the disk has no hard links, or anything fails."""
    head, name = os.path.split(out)
    tree = ""
    try:
        tree = tempfile.mkdtemp(prefix=f".{name}.tmp-{os.getpid()}-{LINKS}", dir=head)
        prefix, src = os.path.join(tree, ""), os.path.join(out, "")
        with open(prefix + marker, "w", encoding="utf-8") as f:  # a tree clean_stale knows, from the start
            f.write(text)
        with open(prefix + ".gitignore", "w", encoding="utf-8") as f:  # and git ignores (the last site's files)
            f.write("*\n")
        layout = walk.layout(files)
        for folder in sorted(layout, key=len):  # a folder before the folders in it
            if folder:
                os.mkdir(prefix + folder)
        lstat, link = os.lstat, os.link
        for rel in walk.kids_files(layout):
            link(src + rel, prefix + rel)
            st = lstat(prefix + rel)
            if (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino) != seen.get(rel):
                raise _NotSeen(rel)
        fd, tmp = tempfile.mkstemp(prefix=f".{marker}.", dir=tree)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, prefix + marker)  # the probe: the last change of the tree
        probe = os.lstat(prefix + marker).st_ctime_ns
        notes: walk.Folders = {}
        for folder in layout:
            if folder:
                st = lstat(prefix + folder)
                notes[folder] = (st.st_ino, st.st_ctime_ns)
        return tree, probe, walk.noted(notes, probe)
    except BaseException as exc:  # SystemExit too: ended (SIGTERM, _unwind) while making it
        if tree and isinstance(exc, (OSError, _NotSeen)):
            shutil.rmtree(tree, ignore_errors=True)
            return None
        if tree:
            _leave(tree, out)
        raise


def _leave(tree: str, out: str) -> None:
    """A tree of links the build had no use for (it stopped: a content error,
    most often), made whole or in part: left as the output's spare where
    there is none (a rename: the next build makes it into its tree by
    ``spare.assemble``, which trusts none of it and matches every file
    against the output), else removed (an rmtree of a whole tree is seconds
    at 10,000 records, which the clerk would wait for before the error)."""
    try:
        os.rename(tree, spare_of(Path(out)))
    except OSError:
        shutil.rmtree(tree, ignore_errors=True)


class _NotSeen(Exception):
    """A file of the output that is no longer the one the walk found."""


def _unwind(signum: int, frame: Any) -> None:
    raise SystemExit(1)
