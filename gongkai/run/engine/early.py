"""A process forked before the site is loaded, to run one job later: the
search index's full merge, beside the rendering.

A process forked from the build shares the build's memory page by page
until either of them writes to a page, and CPython writes to every object
it reads (its reference count): a process forked once the records are
loaded keeps its own copy of every page the build touches while it lives
(the merge's process grew to ~160 MB at 10,000 records while the build
rendered beside it).  This one is forked while the build holds little but
its modules; the merge is sent to it (pickled: the records it reads are in
a spool, see feed.py), so it costs its own work and little else.

A process that dies before it answers is WorkerLost (never a hang); one
that is never given a job ends when ``close`` is called or the build is
gone.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from gongkai.run.engine.pools import WorkerLost, _end_with, can_fork, end_process

__all__ = ["Early"]


class Early:
    """One job, run in a process forked now (nothing where fork is missing:
    ``ready`` is then False and the caller runs the job itself)."""

    def __init__(self) -> None:
        self.proc: Any = None
        self.conn: Connection | None = None
        self.sent = False
        if not can_fork():
            return
        ctx = multiprocessing.get_context("fork")
        self.conn, theirs = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(theirs, self.conn, os.getpid()), name="gongkai-early", daemon=True)
        self.proc.start()
        theirs.close()

    @property
    def ready(self) -> bool:
        return self.conn is not None and not self.sent

    def run(self, job: Callable[[], Any]) -> None:
        """Start ``job`` (picklable) in the process."""
        assert self.conn is not None and not self.sent
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)  # raises before anything is sent
        self.sent = True
        try:
            self.conn.send_bytes(data)
        except (OSError, EOFError):  # it died already
            raise WorkerLost() from None

    def result(self) -> Any:
        """What ``job`` returned (its exception raised here)."""
        assert self.conn is not None and self.sent
        try:
            ok, value = self.conn.recv()
        except (OSError, EOFError):
            raise WorkerLost() from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """End the process (now, if its job is still running)."""
        # its answer is taken, or no longer wanted; unused, it ends at the end of file
        end_process(self.proc, now=self.sent, conn=self.conn)
        self.proc = self.conn = None


def _serve(conn: Connection, ours: Connection, parent: int) -> None:
    ours.close()  # the build's end, inherited: closed here, so the build closing its own is an end of file
    _end_with(parent)
    # Ended by the build (close, terminate) mid-merge: the merge's temporary
    # files (every search document, names included) are removed as it unwinds.
    signal.signal(signal.SIGTERM, _unwind)
    try:
        job = pickle.loads(conn.recv_bytes())
    except (OSError, EOFError):  # closed unused
        return
    try:
        answer: tuple[bool, Any] = (True, job())
    except Exception as e:  # handed to the build
        answer = (False, e)
    try:
        conn.send(answer)
    except (pickle.PicklingError, TypeError, AttributeError):
        conn.send((False, RuntimeError(repr(answer[1]))))


def _unwind(signum: int, frame: Any) -> None:
    raise SystemExit(1)
