"""Work on every core: pages rendered by this process and a pool of forked
processes together, the search index merged as the pool's first task,
record files checked in a pool.  Forked workers inherit the site and
templates; only finished bytes (or pickles of checked files) come back.
Each forked process soon holds a copy of the records it reads (CPython
writes their reference counts, and so copies their memory pages): the
build's memory is about one copy per process, hence no process beside the
pool and none in it that this process can replace.  A process of the pool
that dies stops the build with WorkerLost (never a hang).  Without fork, or
for small jobs, everything runs in this process and gives the same bytes."""

from __future__ import annotations

import collections
import ctypes
import functools
import gc
import multiprocessing
import os
import pickle
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from gongkai.core.errors import GongkaiError, Problem
from gongkai.emit.render import Renderer
from gongkai.plan.pages import Page

__all__ = [
    "ASIDE_RECORDS",
    "Aside",
    "Forked",
    "Guard",
    "Item",
    "WorkerLost",
    "can_fork",
    "check_in_pool",
    "give_back",
    "make_items",
    "parallel",
    "render_pages",
]

_RENDER_CHUNK = 64
ASIDE_RECORDS = 500  # from this many records a command merges a changed search index in another process

Guard = Callable[[str, bytes], list[Problem]]
# What the pool makes: a page (rendered) or a group of files (its producer
# called: a record's data files, its QR code), made in the process that takes it.
Item = Page | Callable[[], Iterable[tuple[str, bytes]]]
Made = list[tuple[str, bytes, list[Problem] | None]]  # one item's files: (path, bytes, what the guard found)


def _make(renderer: Renderer, item: Item) -> list[tuple[str, bytes]]:
    if isinstance(item, Page):
        return [(item.path, renderer.render(item))]
    return list(item())


class WorkerLost(GongkaiError):
    """A forked process of the build died (killed, out of memory) before it
    handed back its work: the build stops, the previous site stays."""

    def __init__(self) -> None:
        super().__init__(
            "生成网站的子进程意外退出（可能是内存不足或被强行结束），本次生成未完成，网站保持原样；请重新运行"
        )


def can_fork() -> bool:
    """Whether work can go to forked processes on other cores."""
    return (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()


def parallel(workers: int, pages: int) -> bool:
    """Whether ``pages`` pages are rendered by forked workers."""
    return workers >= 2 and "fork" in multiprocessing.get_all_start_methods() and pages >= 4 * _RENDER_CHUNK


class Forked:
    """The forked processes of one build's output: the search index merged
    (``make``, its files passed through a temporary file) as the first task,
    then the page rendering in chunks (``render_pages``) on every process.
    One pool for both: a process forked from this one copies, page by page,
    the records it reads (their reference counts are written), so every
    process costs about one copy of the site; the merge's process renders
    pages once it is done instead of being another copy beside them.
    ``close()`` (always called) ends the processes and removes the file."""

    def __init__(
        self,
        processes: int,
        renderer: Renderer,
        pages: Sequence[Item],
        guard: Guard | None,
        make: Callable[[], Iterable[tuple[str, bytes]]] | None,
    ) -> None:
        self.spool = ""
        self.processes = processes
        if make is not None:
            fd, self.spool = tempfile.mkstemp(prefix="gongkai-aside-")
            os.close(fd)
        self.pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_worker_init,
            initargs=((renderer, pages, guard, make, self.spool), os.getpid()),
        )
        self.pending: set[Future[Any]] = set()
        self.search: Future[int] | None = self._submit(_aside_run) if make is not None else None

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        assert self.pool is not None
        try:
            future = self.pool.submit(fn, *args)
        except BrokenProcessPool:  # one of its processes died
            raise WorkerLost() from None
        self.pending.add(future)
        future.add_done_callback(self.pending.discard)
        return future

    def submit(self, indexes: range) -> Future[list[Made]]:
        return self._submit(_worker_render, indexes)

    def searched(self) -> Iterator[tuple[str, bytes, list[Problem] | None]]:
        """The merge's files, once it is done, with what the guard found in
        them (looked at in the merge's process, not in this one at the end)."""
        assert self.search is not None
        count = _result(self.search)
        with open(self.spool, "rb") as f:
            for _ in range(count):
                yield pickle.load(f)

    def release(self) -> None:
        """End the processes once every item is made and the merge is done
        (its files wait in the spool for ``searched``): each process is a
        copy of the site's records, not kept while this one finishes the
        build.  Nothing while the merge still runs."""
        if self.search is None or self.search.done():
            self._end()

    def close(self) -> None:
        self._end()
        if self.spool:
            try:
                os.unlink(self.spool)
            except OSError:
                pass
            self.spool = ""

    def _end(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None and not self.pending:
            pool.shutdown()  # all done: the processes end as asked
        elif pool is not None:  # the build stopped: end them now, not when their tasks end
            processes = list((pool._processes or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for p in processes:
                if p.is_alive():
                    p.terminate()
            for p in processes:
                p.join()


def _result(future: Future[Any]) -> Any:
    try:
        return future.result()
    except BrokenProcessPool:
        raise WorkerLost() from None


def render_pages(
    renderer: Renderer,
    pages: Sequence[Page],
    workers: int | None = None,
    guard: Guard | None = None,
    forked: Forked | None = None,
) -> Iterator[tuple[str, bytes, list[Problem] | None]]:
    """(path, bytes, what ``guard`` found in them) of every page, in order
    (``make_items`` of pages alone)."""
    for files in make_items(renderer, pages, workers, guard, forked):
        yield from files


def make_items(
    renderer: Renderer,
    items: Sequence[Item],
    workers: int | None = None,
    guard: Guard | None = None,
    forked: Forked | None = None,
) -> Iterator[Made]:
    """The files of every item (a page, or a group's producer), in order:
    (path, bytes, what ``guard`` found in them).  Large sites are made by
    this process and the forked processes of ``forked`` together (made for
    these ``items``; they inherit the site and templates, nothing is pickled
    but the finished bytes; they also run ``guard`` on what they made).
    This process takes a chunk whenever the pool has enough queued, and all
    of them while the search merge holds the pool's only process: a forked
    process is one more copy of the records, this one is already here.
    Elsewhere, or for small sites, everything is made here.  The guard's
    findings are None for files made here (not looked at yet).  The bytes
    are the same either way."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if forked is None or not parallel(workers, len(items)):
        for item in items:
            yield [(path, blob, None) for path, blob in _make(renderer, item)]
        return

    def here(chunk: range) -> list[Made]:
        return [[(path, blob, None) for path, blob in _make(renderer, items[i])] for i in chunk]

    chunks = [range(i, min(i + _RENDER_CHUNK, len(items))) for i in range(0, len(items), _RENDER_CHUNK)]
    todo = iter(chunks)
    # In order: a chunk the pool makes (its future) or one made here (its
    # items' files).  A few chunks ahead of the writer, not all: finished
    # files wait in memory only until this process has written them.
    ahead: collections.deque[Future[list[Made]] | list[Made]] = collections.deque()
    queued = 0  # chunks in the pool
    depth = 2
    while True:
        free = forked.processes - (forked.search is not None and not forked.search.done())
        while queued < depth * free:
            nxt = next(todo, None)
            if nxt is None:
                break
            ahead.append(forked.submit(nxt))
            queued += 1
        head = ahead[0] if ahead else None
        if isinstance(head, Future) and not head.done() and len(ahead) <= depth * forked.processes + 1:
            nxt = next(todo, None)  # make the next one here while the pool works
            if nxt is not None:
                ahead.append(here(nxt))
                continue
        if head is None:
            nxt = next(todo, None)
            if nxt is None:
                return
            yield from here(nxt)
            continue
        ahead.popleft()
        if isinstance(head, Future):
            queued -= 1
            yield from _result(head)
        else:
            yield from head


# set in forked workers only: (renderer, items, guard, the merge, its spool)
_worker: tuple[Renderer, Sequence[Item], Guard | None, Any, str] | None = None


def _worker_init(job: tuple[Renderer, Sequence[Item], Guard | None, Any, str], parent: int) -> None:
    global _worker
    _worker = job
    _end_with(parent)


def _end_with(parent: int) -> None:
    """End this forked worker when the build that forked it is gone.  A
    worker holds both ends of its task pipe (inherited), so a build killed
    outright (kill -9, a CI job cancelled) never gives it an end of file: it
    would wait for a task for ever.  A thread watches the parent instead."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="gongkai-parent-watch", daemon=True).start()


def _worker_render(indexes: range) -> list[Made]:
    assert _worker is not None
    renderer, items, guard, _, _ = _worker
    return [
        [(path, blob, guard(path, blob) if guard is not None else None) for path, blob in _make(renderer, items[i])]
        for i in indexes
    ]


def _aside_run() -> int:
    assert _worker is not None
    guard, make, spool = _worker[2], _worker[3], _worker[4]
    count = 0
    with open(spool, "wb") as f:
        for path, blob in make():
            found = guard(path, blob) if guard is not None else None
            pickle.dump((path, blob, found), f, protocol=pickle.HIGHEST_PROTOCOL)
            count += 1
    # The merge's state (every document's postings) is garbage now: its
    # memory goes back to the system, not kept while this process renders.
    give_back(collect=True)
    return count


def give_back(collect: bool = False) -> None:
    """Return the C heap's free memory to the system (glibc's malloc_trim;
    elsewhere nothing): freed objects otherwise stay resident, and a
    process forked now would share them for nothing.  ``collect``: the
    cyclic garbage first (cheap after gc.freeze: the records are not walked)."""
    if collect:
        gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


class Aside:
    """The search merge's files: from ``forked`` (its first task) when
    given, else made here by ``make``."""

    def __init__(self, make: Callable[[], Iterable[tuple[str, bytes]]], forked: Forked | None = None) -> None:
        self.make = make
        self.forked = forked if forked is not None and forked.search is not None else None

    def results(self) -> Iterator[tuple[str, bytes, list[Problem] | None]]:
        """(path, bytes, what the guard found: None when not looked at yet)."""
        if self.forked is None:
            for path, blob in self.make():
                yield path, blob, None
        else:
            yield from self.forked.searched()

    def close(self) -> None:
        if self.forked is not None:
            self.forked.close()


# --- record files ---------------------------------------------------------------------------------

_check_job: tuple[Callable[[int], Any], ...] | None = None  # set in forked workers only


def _check_init(check: Callable[[int], Any], parent: int) -> None:
    global _check_job
    _check_job = (check,)
    _end_with(parent)


def _check_chunk(indexes: list[int]) -> list[tuple[str, bytes, bool]]:
    assert _check_job is not None
    check = _check_job[0]
    out = []
    for i in indexes:
        key, checked, readable = check(i)
        out.append((key, pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL), readable))
    return out


def check_in_pool(
    check: Callable[[int], tuple[str, Any, bool]], todo: list[int], workers: int
) -> Iterator[tuple[str, bytes, bool]]:
    """``check(i)`` → (key, checked file, readable) for each of ``todo`` in
    forked processes, in order; the checked file comes back pickled (the
    pickle is what the cache stores)."""
    chunks = [todo[i : i + 32] for i in range(0, len(todo), 32)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_check_init, initargs=(check, os.getpid())) as pool:
        for chunk in pool.imap(_check_chunk, chunks):
            yield from chunk
