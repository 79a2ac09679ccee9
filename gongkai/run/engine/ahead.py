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
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from gongkai.run import walk
from gongkai.run.engine.pools import _end_with, can_fork, end_process

__all__ = ["PROBE", "WalkAhead"]

PROBE = "probe"  # .<out>.probe-<pid>: swap.clean_stale removes one a killed process left


class WalkAhead:
    """``walk.known`` of ``out`` against a manifest's files and folder notes,
    in a process forked now (nothing where fork or the notes are missing)."""

    def __init__(self, out: Path, files: Iterable[str], folders: Mapping[str, tuple[int, int]], extra: str) -> None:
        self.proc: Any = None
        self.conn: Connection | None = None
        self.files, self.folders = files, folders  # what the answer is about (the writer checks it is its own)
        if not (can_fork() and walk.can_note()):
            return
        ctx = multiprocessing.get_context("fork")
        self.conn, theirs = ctx.Pipe(duplex=False)
        args = (theirs, self.conn, str(out), files, folders, extra, os.getpid())
        self.proc = ctx.Process(target=_walk, args=args, name="gongkai-walk", daemon=True)
        self.proc.start()
        theirs.close()

    def result(self) -> tuple[int, walk.Known] | None:
        """(the probe's ctime_ns, what walk.known found), or None: check it here."""
        if self.conn is None:
            return None
        try:
            got = self.conn.recv()
        except Exception:  # died (end of file), or sent something not whole
            got = None
        finally:
            self.close()
        if not (isinstance(got, tuple) and len(got) == 2 and type(got[0]) is int and isinstance(got[1], tuple)):
            return None
        return got

    def close(self) -> None:
        """End the process (now, if it is still walking)."""
        end_process(self.proc, now=True, conn=self.conn)
        self.proc = self.conn = None


def _walk(
    conn: Connection,
    ours: Connection,
    out: str,
    files: Iterable[str],
    folders: Mapping[str, tuple[int, int]],
    extra: str,
    parent: int,
) -> None:
    ours.close()
    _end_with(parent)
    signal.signal(signal.SIGTERM, _unwind)  # ended mid-walk: the probe is removed as it unwinds
    head, name = os.path.split(out)
    probe = os.path.join(head, f".{name}.{PROBE}-{os.getpid()}")
    answer: Any = None
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
    try:
        conn.send(answer)
    except (OSError, ValueError):
        pass


def _unwind(signum: int, frame: Any) -> None:
    raise SystemExit(1)
