"""Work on every core: pages rendered by this process and a pool of forked
processes together, record files checked in a pool.  Forked workers inherit
the site and templates; only finished bytes (or pickles of checked files)
come back.  A forked process shares this one's memory page by page until
either writes to a page, and CPython writes to every object it reads (its
reference count): each page of records this process or the worker touches
while the worker lives is then held twice.  So the render pool is forked
afresh every few chunks (``Forked.due``), and the search merge, which reads
every record, runs in a process forked before the site was loaded
(early.py), its records sent in a spool (feed.py); without one, it is the
render pool's first task.  A process of the pool that dies stops the build
with WorkerLost (never a hang).  Without fork, or for small jobs,
everything runs in this process and gives the same bytes."""

from __future__ import annotations

import collections
import contextlib
import ctypes
import functools
import gc
import multiprocessing
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from gongkai.core import heap
from gongkai.core.errors import GongkaiError, Problem
from gongkai.emit.render import Renderer
from gongkai.emit.scratch import clean_scratch, scratch_file
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
    "end_process",
    "fixed_mmap_threshold",
    "give_back",
    "make_items",
    "parallel",
    "render_pages",
]

_RENDER_CHUNK = 64
# Chunks a forked render process makes before it is forked afresh: at 10,000
# records each grows by ~2 MiB of copied pages a chunk (and this one by as
# much), and a fork costs a few milliseconds; 24 let the two reach ~240 MiB Pss
# together, 8 ~220 (bench/mem_bench.py traces).  But each new process also
# starts its caches afresh: a cold 10k build at 8 took ~4 s more wall than at
# 16 or 24 (one mem_bench run each: all processes 292 / 300 / 307 MiB Pss,
# 12: 293).  12 keeps the build under 300 MiB with the least of that cost.
_RENEW = 12
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
    """The forked processes of one build's output: the page rendering in
    chunks (``render_pages``) on every process, and, without a process of
    its own (early.py), the search index merged (``make``, its files passed
    through a temporary file) as the first task.  The processes are ended
    and forked again every ``_RENEW`` chunks (``due``, ``renew``).
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
            fd, self.spool = scratch_file("aside")
            os.close(fd)
        self.pending: set[Future[Any]] = set()
        self.job = (renderer, pages, guard)
        self.sent = 0  # chunks sent to the processes forked last
        self.forks = 0
        self.pool: ProcessPoolExecutor | None = None
        self.search: Future[int] | None = self._fork(make)

    def _fork(self, make: Callable[[], Iterable[tuple[str, bytes]]] | None) -> Future[int] | None:
        """A pool of processes forked now (its first task: the merge, if any)."""
        renderer, pages, guard = self.job
        self.pool = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_worker_init,
            initargs=((renderer, pages, guard, make, self.spool), os.getpid()),
        )
        # Everything made since Engine.output froze the records (page keys,
        # the plan) to the permanent generation too: the collector of a forked
        # process then walks, and so copies, none of the memory it inherited.
        heap.freeze()
        self.forks += 1
        self.sent = 0
        first = self._submit(_aside_run if make is not None else _ready)  # forks the processes
        return first if make is not None else None

    def due(self) -> bool:
        """Whether the processes have made enough to be forked afresh (once the
        merge is done): a forked process keeps every page of this process's
        memory that either of them has written to since the fork (CPython
        writes the reference count of every object it reads), so each
        process grows towards a copy of the records the longer it lives; one
        forked afresh shares them all again."""
        if self.search is not None and not self.search.done():
            return False
        # the merge's process is forked afresh as soon as it is done: it has
        # lived longest beside this one
        return self.sent >= _RENEW or (self.search is not None and self.forks == 1)

    def renew(self) -> None:
        """End the processes (each task given them is done) and fork new ones."""
        assert not self.pending and self.pool is not None
        self.pool.shutdown()
        self._fork(None)

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
        self.sent += 1
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
        self.spool = _drop(self.spool)

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
        if queued == 0 and forked.due():
            forked.renew()
        while queued < depth * free and not forked.due():
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


def end_process(proc: Any, now: bool, conn: Any = None) -> None:
    """Close this end of its pipe (if any) and wait for a forked process to
    end (terminated first when ``now``), killed if it lingers."""
    if conn is not None:
        conn.close()
    if proc is None:
        return
    if now and proc.is_alive():
        proc.terminate()
    proc.join(10)
    if proc.is_alive():
        proc.kill()
        proc.join()


def _end_with(parent: int) -> None:
    """End this forked worker when the build that forked it is gone.  A
    worker holds both ends of its task pipe (inherited), so a build killed
    outright (kill -9, a CI job cancelled) never gives it an end of file: it
    would wait for a task for ever.  A thread watches the parent instead.
    Before it ends, the worker removes its scratch files (the search merge's
    spills: the next build may look before this one has ended)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        me = os.getpid()
        clean_scratch(alive=lambda pid: pid != me)
        os._exit(1)

    threading.Thread(target=watch, name="gongkai-parent-watch", daemon=True).start()


def _worker_render(indexes: range) -> list[Made]:
    assert _worker is not None
    renderer, items, guard, _, _ = _worker
    return _render_here(renderer, [items[i] for i in indexes], guard)


def _render_here(renderer: Renderer, items: list[Item], guard: Guard | None) -> list[Made]:
    return [
        [(path, blob, guard(path, blob) if guard is not None else None) for path, blob in _make(renderer, item)]
        for item in items
    ]


def _ready() -> None:
    """The pool's first task when it has no merge to run: its processes are forked by then."""


def _aside_run() -> int:
    assert _worker is not None
    return _aside_write(_worker[3], _worker[4], _worker[2])


def _aside_write(make: Callable[[], Iterable[tuple[str, bytes]]], spool: str, guard: Guard | None) -> int:
    """The merge's files pickled to ``spool``, one after the other, each with
    what the guard found in it (looked at here, not in the build's process
    alone after the last page); how many."""
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
    fn = _glibc("malloc_trim")
    if fn is not None:
        fn(0)


def fixed_mmap_threshold() -> None:
    """Keep glibc's mmap threshold where it starts (128 KiB), for a process
    that builds again and again (the preview server).  glibc raises it each
    time a large block is freed, up to 32 MiB; from then on a rebuild's large
    short-lived buffers (page bytes, the 目录's and 开放数据's pages, pickles)
    come from the heap, where the holes they leave are never given back.
    Fixed, they are mapped and unmapped: at 10,000 records the server's RSS
    was about 8 MiB lower (bench/serve_bench.py).  Elsewhere than glibc,
    nothing."""
    fn = _glibc("mallopt")
    if fn is not None:
        fn(-3, 128 * 1024)  # M_MMAP_THRESHOLD


@functools.cache
def _glibc(name: str) -> Any:
    """glibc's function ``name``; None on another system or C library."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):  # not glibc
        return None


class Aside:
    """The search merge's files: from ``forked`` (its first task) when
    given; else from ``early``, given ``remote`` (the merge, picklable) to
    run now; else made here by ``make``."""

    def __init__(
        self,
        make: Callable[[], Iterable[tuple[str, bytes]]],
        forked: Forked | None = None,
        early: Any = None,
        remote: Callable[[], Iterable[tuple[str, bytes]]] | None = None,
        guard: Guard | None = None,
    ) -> None:
        self.make = make
        self.forked = forked if forked is not None and forked.search is not None else None
        self.early = early if self.forked is None and remote is not None and early is not None else None
        self.spool = ""
        if self.early is not None and remote is not None:
            fd, self.spool = scratch_file("aside")
            os.close(fd)
            try:
                self.early.run(functools.partial(_aside_write, remote, self.spool, guard))
            except (pickle.PicklingError, TypeError, AttributeError):  # cannot be sent: made here
                self.early = None

    def results(self) -> Iterator[tuple[str, bytes, list[Problem] | None]]:
        """(path, bytes, what the guard found: None when not looked at yet)."""
        if self.early is not None:
            count = self.early.result()
            with open(self.spool, "rb") as f:
                for _ in range(count):
                    yield pickle.load(f)
        elif self.forked is None:
            for path, blob in self.make():
                yield path, blob, None
        else:
            yield from self.forked.searched()

    def close(self) -> None:
        if self.forked is not None:
            self.forked.close()
        if self.early is not None:
            self.early.close()
        self.spool = _drop(self.spool)


def _drop(spool: str) -> str:
    """Remove a spool (it holds made files: names, search documents); ''."""
    if spool:
        with contextlib.suppress(OSError):
            os.unlink(spool)
    return ""


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
