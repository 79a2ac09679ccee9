"""Work on every core: pages rendered by a pool of forked processes, the
search index merged in another one beside them, record files checked in a
pool.  Forked workers inherit the site and templates; only finished bytes
(or pickles of checked files) come back.  Without fork, or for small
jobs, everything runs in this process and gives the same bytes."""

from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from gongkai.core.errors import Problem
from gongkai.emit.render import Renderer
from gongkai.plan.pages import Page

__all__ = ["ASIDE_RECORDS", "Aside", "Guard", "check_in_pool", "render_pages"]

_RENDER_CHUNK = 64
ASIDE_RECORDS = 500  # from this many records a command merges a changed search index in another process

Guard = Callable[[str, bytes], list[Problem]]


def render_pages(
    renderer: Renderer, pages: Sequence[Page], workers: int | None = None, guard: Guard | None = None
) -> Iterator[tuple[str, bytes, list[Problem] | None]]:
    """(path, bytes, what ``guard`` found in them) of every page, in order.
    Large sites are rendered by a pool of forked processes (they inherit the
    site and templates, nothing is pickled but the finished bytes), which
    also run ``guard`` on what they made; elsewhere, or for small sites, in
    this process, and the guard's findings are None (not looked at yet).
    The bytes are the same either way."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    fork = "fork" in multiprocessing.get_all_start_methods()
    if workers < 2 or not fork or len(pages) < 4 * _RENDER_CHUNK:
        for page in pages:
            yield page.path, renderer.render(page), None
        return
    chunks = [range(i, min(i + _RENDER_CHUNK, len(pages))) for i in range(0, len(pages), _RENDER_CHUNK)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_worker_init, initargs=(renderer, pages, guard)) as pool:
        # A few chunks ahead of the writer, not all: finished pages wait in
        # memory only until this process has written them.
        ahead: collections.deque[Any] = collections.deque()
        todo = iter(chunks)
        for chunk in itertools.islice(todo, 3 * workers):
            ahead.append(pool.apply_async(_worker_render, (chunk,)))
        while ahead:
            done = ahead.popleft().get()
            nxt = next(todo, None)
            if nxt is not None:
                ahead.append(pool.apply_async(_worker_render, (nxt,)))
            yield from done


_worker: tuple[Renderer, Sequence[Page], Guard | None] | None = None  # set in forked workers only


def _worker_init(renderer: Renderer, pages: Sequence[Page], guard: Guard | None) -> None:
    global _worker
    _worker = (renderer, pages, guard)


def _worker_render(indexes: range) -> list[tuple[str, bytes, list[Problem] | None]]:
    assert _worker is not None
    renderer, pages, guard = _worker
    out = []
    for i in indexes:
        blob = renderer.render(pages[i])
        out.append((pages[i].path, blob, guard(pages[i].path, blob) if guard is not None else None))
    return out


class Aside:
    """``make()`` run in a forked process, beside the page rendering (on two
    cores one would otherwise wait); ``results()`` waits for it and yields
    its files.  They pass through a temporary file, one by one, so neither
    process holds them all.  ``close()`` (always called) ends the process
    and removes the file even when the build stopped before it was read.
    Without fork it is simply ``make``."""

    def __init__(self, make: Callable[[], Iterable[tuple[str, bytes]]], aside: bool = True) -> None:
        self.make = make
        self.pool: Any = None
        self.spool = ""
        if not aside or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return
        fd, self.spool = tempfile.mkstemp(prefix="gongkai-aside-")
        os.close(fd)
        ctx = multiprocessing.get_context("fork")
        self.pool = ctx.Pool(1, initializer=_aside_init, initargs=(make, self.spool))
        self.pending = self.pool.apply_async(_aside_run)
        self.pool.close()

    def results(self) -> Iterator[tuple[str, bytes]]:
        if self.pool is None:
            yield from self.make()
            return
        count = self.pending.get()
        self.pool.join()
        with open(self.spool, "rb") as f:
            for _ in range(count):
                yield pickle.load(f)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        if self.spool:
            try:
                os.unlink(self.spool)
            except OSError:
                pass
            self.spool = ""


_aside_job: tuple[Callable[[], Iterable[tuple[str, bytes]]], str] | None = None  # set in the forked process only


def _aside_init(make: Callable[[], Iterable[tuple[str, bytes]]], spool: str) -> None:
    global _aside_job
    _aside_job = (make, spool)


def _aside_run() -> int:
    assert _aside_job is not None
    make, spool = _aside_job
    count = 0
    with open(spool, "wb") as f:
        for item in make():
            pickle.dump(item, f, protocol=pickle.HIGHEST_PROTOCOL)
            count += 1
    return count


# --- record files ---------------------------------------------------------------------------------

_check_job: tuple[Callable[[int], Any], ...] | None = None  # set in forked workers only


def _check_init(check: Callable[[int], Any]) -> None:
    global _check_job
    _check_job = (check,)


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
    with ctx.Pool(workers, initializer=_check_init, initargs=(check,)) as pool:
        for chunk in pool.imap(_check_chunk, chunks):
            yield from chunk
