"""The Engine: one build's use of the cache (see the package docstring)."""

from __future__ import annotations

import functools
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, cast

from gongkai.check.rules.deadlines import WorkCalendar
from gongkai.check.validate import CheckedFile, check_file, file_key
from gongkai.core import heap
from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.heap import settled
from gongkai.core.model import Record, Site
from gongkai.emit.render import Renderer
from gongkai.emit.scratch import clean_scratch
from gongkai.emit.search_index import site_search_index
from gongkai.emit.search_state import Parts, SearchState, Spliced, full_index, index_plan, planned_index, splice_index
from gongkai.plan.catalogue import CatalogueRow, Entries, catalogue_rows
from gongkai.plan.pages import Page
from gongkai.read.load import LoadedSite
from gongkai.run.engine import sealed
from gongkai.run.engine.ahead import WalkAhead
from gongkai.run.engine.early import Early
from gongkai.run.engine.feed import Spool
from gongkai.run.engine.keep import KeptPlan
from gongkai.run.engine.keys import Fingerprints
from gongkai.run.engine.memo import ServerMemo
from gongkai.run.engine.noop import build_stamp, last_unchanged
from gongkai.run.engine.pools import (
    ASIDE_RECORDS,
    Aside,
    Forked,
    Guard,
    Item,
    can_fork,
    check_in_pool,
    give_back,
    make_items,
    parallel,
)
from gongkai.run.engine.search import SearchKeeper
from gongkai.run.engine.store import BuildCache, BuildStamp, code_digest, forget_build, remember_build
from gongkai.run.manifest import MARKER, Manifest, binding
from gongkai.run.progress import Progress, silent
from gongkai.run.spare import keeps_spare, spare_of
from gongkai.run.write import Output

__all__ = ["BuildCache", "Engine", "Group", "Made"]

# A group of output files: its name, the inputs of its key, its producer.
Group = tuple[str, tuple[Any, ...], Callable[[], Iterable[tuple[str, bytes]]]]

# Below this many files to check afresh, one process does it all.
PARALLEL_FILES = 400
RENDER_ASIDE = 256  # from this many pages to render, the search index is merged beside them


class Engine:
    """One build's use of the cache for the site at ``root`` into ``out``;
    it tells ``progress`` how far it has got (run/progress.py)."""

    def __init__(
        self,
        root: Path,
        out: Path,
        cache: BuildCache | None,
        args: tuple[Any, ...],
        progress: Progress | None = None,
        workers: int | None = None,
        stamp: BuildStamp | None = None,
        early: bool = False,
    ) -> None:
        """``workers``: processes to use at most (default: one per core); the
        output is the same whatever the number.  ``early``: a build that may
        merge the search index afresh forks its process now (early.py), while
        this one holds little."""
        self.root, self.out = root, out
        self.progress = progress or silent
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.cache = cache or BuildCache(root)
        self.args = args
        self.stamp = stamp or build_stamp(root, out, args)
        # what a killed build left in the temporary folder (records, search documents)
        clean_scratch()
        # Not when the last build's search state is kept for ``out``: the
        # index is then spliced (a state found stale later merges in the pool).
        want = early and self.workers > 1 and not self._state_kept()
        self.early: Early | None = Early() if want else None
        self._kept: KeptPlan | None = None
        # The output's check, run beside the loading and checking (ahead.py): for a command's
        # build into a folder others may write (the preview's is private) whose last build noted
        # its folders
        self.ahead: WalkAhead | None = None
        self._previous: Manifest | None = None
        self._previous_read = False
        if early and self.workers > 1 and not self.cache.private_output:
            self._previous, self._previous_read = self.cache.manifest(out), True
            if self._previous is not None and self._previous.folders:
                # no spare beside the output yet (the first edit after a cold build): one made there too
                links = None
                if keeps_spare(out, root) and not os.path.lexists(spare_of(out)):
                    links = f"gongkai\n\n{binding(out, root)}\n"
                self.ahead = WalkAhead(out, self._previous.files, self._previous.folders, MARKER, links)

    def close(self) -> None:
        """End what the build started beside it and did not use (a build that
        stopped early): never left to the garbage collector, since a forked
        process holds a copy of every descriptor this one had when it forked
        (a pipe another child waits on to end, in a long-lived caller)."""
        if self.ahead is not None:
            self.ahead.close()
            self.ahead = None
        if self.early is not None:
            self.early.close()
            self.early = None

    def _state_kept(self) -> bool:
        path = SearchKeeper(self.cache.folder, self.out, self.cache.private_output).state_path
        return path is not None and path.is_file()

    # --- the no-op ------------------------------------------------------------------------------

    def unchanged(self) -> Any:
        """The result of the last build into ``out`` when nothing it read has
        changed since and ``out`` is still exactly the tree it left; else None."""
        return last_unchanged(self.root, self.out, self.cache, self.stamp)

    # --- checking record files ------------------------------------------------------------------

    def check_files(self, loaded: LoadedSite, config: SiteConfig, calendar: WorkCalendar) -> list[CheckedFile]:
        """validate.CheckFiles: every record file checked, in order: from the
        cache when unchanged, else parsed and checked (on every core for many)."""
        store = self.cache.records
        salt = code_digest()
        files = loaded.files
        progress, total = self.progress, len(files)
        progress("check", 0, total)
        out: list[CheckedFile | None] = []
        todo: list[int] = []
        read: list[str] = []  # every file this build read (or knew unchanged by its stat)
        # Thousands of records are unpickled here, none of them garbage: the
        # cyclic collector would walk the growing heap again and again.
        with settled():
            for i, raw in enumerate(files.raw(quick=True)):  # one by one: each raw tree is dropped once it is a record
                key = file_key(salt, loaded, raw.digest)
                hit = store.get(key)
                read.append(raw.rel)
                if hit is not None and all(files.dep_digest(rel) == d for rel, d in hit.deps):
                    store.used(key)
                    read.extend(rel for rel, _ in hit.deps)
                    out.append(hit)
                else:
                    todo.append(i)
                    out.append(None)

        def check(i: int) -> tuple[str, CheckedFile, bool]:
            raw = files.raw_at(i)
            key = file_key(salt, loaded, raw.digest)
            checked = check_file(files.parse(raw), key, config, calendar)
            return key, (store.detach(key, checked) if raw.readable else checked), raw.readable

        workers = min(self.workers, 4)
        if len(todo) >= PARALLEL_FILES and workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            results: Iterator[tuple[str, CheckedFile, bool, bytes | None]] = (
                (key, pickle.loads(blob), readable, blob) for key, blob, readable in check_in_pool(check, todo, workers)
            )
        else:
            results = ((*check(i), None) for i in todo)
        done = total - len(todo)
        progress("check", done, total)
        for i, (key, checked, readable, sent) in zip(todo, results, strict=True):
            if readable:  # not a file that could not be read
                store.put(key, checked, sent)
            store.used(key)
            read.extend(rel for rel, _ in checked.deps)
            out[i] = checked
            done += 1
            progress("check", done, total)
        store.commit()
        self.cache.keep_file_digests(read)
        return [c for c in out if c is not None]

    # --- output ---------------------------------------------------------------------------------

    def kept_pages(self, site: Site, renderer: Renderer) -> dict[str, str] | None:
        """Record id → the key of its page, for the record pages the last
        build's state shows this build would key the same (keep.py)."""
        keys = Fingerprints(site, renderer.template_digest, self.args[:2] + self.args[3:])
        self._kept = KeptPlan(keys, self.cache.folder, self.out, self.cache.server_memo)
        return self._kept.reusable()

    def renderer(self, site: Site, dirs: list[Path]) -> Renderer:
        return Renderer(site, dirs, self.cache.templates, self.cache.template_refs)

    @contextmanager
    def output(self, site: Site, renderer: Renderer, guard: Guard, protect: tuple[Path, ...]) -> Iterator[Made]:
        """The new tree, made group by group (a group whose key the last
        build recorded and whose files are intact is linked, not made) and
        swapped in whole when the block ends without an error."""
        if self.cache.folder is not None:
            forget_build(self.cache.folder, self.out)  # until this build records itself
        previous = self._previous if self._previous_read else self.cache.manifest(self.out)
        verify = not self.cache.private_output
        # Every record is in memory now and stays to the end: the cyclic garbage
        # collector need not walk them again (and forked workers then do not
        # touch, and so copy, the pages they sit on).
        heap.freeze()
        try:
            with Output(self.out, protect, guard, previous, verify, self.root, self.ahead) as output:
                kept = self._kept if self._kept is not None and self._kept.keys.site is site else None
                keys = kept.keys if kept is not None else None
                made = Made(output, keys or Fingerprints(site, renderer.template_digest, self.args[:2] + self.args[3:]))
                made.kept = kept
                made.progress = self.progress
                made.renderer, made.guard, made.site = renderer, guard, site
                made.workers = self.workers
                made.page_memo = self.cache.server_memo
                made.early = self.early
                made.keeper = SearchKeeper(self.cache.folder, self.out, self.cache.private_output)
                try:
                    yield made
                finally:
                    made.close()
        finally:
            self.close()  # taken by the output's check, or not wanted
            heap.unfreeze()

    def finish(self, made: Made, result: Any) -> Any:
        """Record the build (after the swap): its manifest, then its stamp."""
        self.close()
        self.cache.save_manifest(self.out, made.output.manifest)
        if made.kept is not None:
            made.kept.save(made.output.manifest.token)
        made.keep_search_state()
        if self.cache.folder is not None:
            remember_build(self.cache.folder, self.out, self.stamp.digest(), replace(result, registered=()))
        return result


class Made:
    """The groups of output files of one build."""

    renderer: Renderer
    guard: Guard
    site: Site
    workers: int = 1
    keeper: SearchKeeper
    page_memo: ServerMemo | None = None  # the preview server's (memo.py)
    kept: KeptPlan | None = None  # the record pages' keys kept for the next build (keep.py)
    early: Early | None = None

    def __init__(self, output: Output, keys: Fingerprints) -> None:
        self.output, self.keys = output, keys
        self.progress: Progress = silent
        self.previous = output.previous.groups if output.previous is not None else {}
        self.groups = output.manifest.groups
        self.rendered: tuple[str, ...] = ()
        self._search: Aside | None = None
        self._forked: Forked | None = None
        self._spool: Spool | None = None  # the records a forked merge reads
        self._search_key = ""
        self.search_how = "kept"  # BuildResult.search
        self.rows_made = -1  # rows of the 目录's data files made, when they were made (catalogue_rows; tests)
        self._pending = ""
        self._state: SearchState | None = None  # the last build's, when it can be spliced
        self._new_state: tuple[SearchState, Iterable[str], Iterable[str]] | None = (
            None  # (state, its files, parts to drop)
        )

    def pages(self, pages: list[Page], groups: Sequence[Group] = ()) -> None:
        """Every page, then each of ``groups`` (as ``group`` would make it):
        kept when its key is the last build's, else made (on every core, a
        group's producer in the process that takes it), with the search index
        merged beside them when both take a while."""
        todo: list[tuple[str, str]] = []  # (group name, key) of what is made
        items: list[Item] = []
        memo = self.page_memo
        page_key = self.keys.page if memo is None else partial(memo.page_key, keys=self.keys)
        if memo is not None:
            memo.begin(self.keys)
        names = [f"page:{page.path}" for page in pages]
        keys = [page_key(page) for page in pages]
        for name, key, page, reused in zip(names, keys, pages, self._reuse_all(names, keys), strict=True):
            if not reused:
                todo.append((name, key))
                items.append(page)
        if self.kept is not None:
            self.kept.keyed(pages, keys)
        if memo is not None:
            memo.prune_pages({page.path for page in pages})
        rendered = len(items)
        previous = self.output.previous
        touched = self.kept.touched_since(previous.token) if self.kept is not None and previous is not None else None
        if touched is not None:  # the groups of records left alone, kept under their last keys at once
            found = [
                (i, old) for i, (name, inputs, _) in enumerate(groups) if (old := self._kept_key(name, inputs, touched))
            ]
            answers = self._reuse_all([groups[i][0] for i, _ in found], [old for _, old in found])
            kept_groups = {i for (i, _), yes in zip(found, answers, strict=True) if yes}
        else:
            kept_groups = set()
        for i, (name, inputs, produce) in enumerate(groups):
            if i in kept_groups:
                continue
            key = self.keys.key(*inputs)  # what is made is keyed from its inputs, never by a kept key
            if not self._reuse(name, key):
                todo.append((name, key))
                items.append(produce)
        site = self.site
        self._search_key = self.keys.key("search", site)
        merge = False  # the whole search index merged afresh, beside the rendering when it can be
        if not self._unchanged("search", self._search_key):
            self._state = self.keeper.state(self.output, self.previous.get("search"))
            if self._state is None and (rendered > RENDER_ASIDE or len(site.published) >= ASIDE_RECORDS):
                self._pending_path()
                merge = True
        # The merge runs in the process forked before the site was loaded
        # (early.py), sent the records it reads in a spool (feed.py); without
        # one, as the first task of the render pool.  The pool has one process
        # fewer than the workers (this one renders too) and is forked afresh
        # as it grows (pools.py).
        early = self.early
        if merge and early is not None and early.ready:
            self._search = Aside(self._full_search, early=early, remote=self._fed_search(), guard=self.guard)
        many = parallel(self.workers, len(items))
        pooled = merge and self._search is None and self.workers > 1 and can_fork()
        if many or pooled:
            give_back()  # what checking freed (the files' pickles) is not forked with the records
            make = self._fed_search() if pooled else None
            self._forked = Forked(max(1, self.workers - 1), self.renderer, items, self.guard, make)
        if merge and self._search is None:
            self._search = Aside(self._full_search, self._forked)
        progress = self.progress
        progress("pages", 0, rendered)
        made = make_items(self.renderer, items, self.workers, self.guard, self._forked)
        for done, ((name, key), files) in enumerate(zip(todo, made, strict=True), 1):
            self._made_found(name, key, files)
            if done <= rendered:
                progress("pages", done, rendered)
        self.rendered = tuple(name.removeprefix("page:") for name, _ in todo[:rendered])
        if self._forked is not None:  # the copies of the records end now (the merge's files wait in its spool)
            self._forked.release()

    def _kept_key(self, name: str, inputs: tuple[Any, ...], touched: set[str]) -> str | None:
        """The last build's key of a record's own group (``name`` is
        ``kind:id`` and ``inputs`` are ``(kind, record)``: keys.Fingerprints.key
        makes it from the base, the name and ``Fingerprints.record``) when the
        record is not ``touched`` (KeptPlan.touched_since): it is this build's too."""
        if len(inputs) != 2 or type(inputs[1]) is not Record:
            return None
        kind, rec = inputs
        if rec.id in touched or name != f"{kind}:{rec.id}":
            return None
        old = self.previous.get(name)
        return old[0] if old is not None else None

    def group(self, name: str, inputs: tuple[Any, ...], produce: Callable[[], Iterable[tuple[str, bytes]]]) -> None:
        """Files made together by ``produce`` from ``inputs`` (their key)."""
        key = self.keys.key(*inputs)
        if not self._reuse(name, key):
            self._made(name, key, produce())

    def catalogue_rows(self, entries: Entries) -> list[CatalogueRow]:
        """The rows of the 目录's data files (catalogue.catalogue_files): the last
        build's row of an entry whose key part is the one that row was made
        from (keep.KeptPlan.rows), the others made.  A changed title makes one
        row again, not every one (~0.5 s of an edit at 10,000 records)."""
        kept = self.kept
        parts = self.keys.entry_parts() if kept is not None else {}
        old = kept.rows() if kept is not None and parts else {}
        rows: list[CatalogueRow | None] = []
        found: list[bytes | None] = []
        todo: list[int] = []
        for i, r in enumerate(entries.records):
            part = parts.get(r.id)
            row = old.get(part) if part is not None else None
            if row is None:
                todo.append(i)
            rows.append(row)
            found.append(part)
        for i, row in zip(todo, catalogue_rows(map(entries.item, todo)), strict=True):
            rows[i] = row
        self.rows_made = len(todo)
        done = cast("list[CatalogueRow]", rows)
        if kept is not None:
            kept.keep_rows({p: row for p, row in zip(found, done, strict=True) if p is not None})
        return done

    def search(self) -> None:
        """The search index's files: an edit of a few records spliced into
        the last build's index when its state describes it (run/engine/search.py),
        else merged afresh (beside the rendering when started there).  The
        preview server does the same: its state and parts are on disk, as a
        command's, and the index is not held in its memory between rebuilds."""
        self.progress("search", 0, 0)
        key = self._search_key or self.keys.key("search", self.site)
        if self._search is not None:
            try:
                self._made_found("search", key, self._search.results())
            finally:
                self._search.close()  # the pool's processes end, the merge's spool goes
                self._search = None
            self._full_searched()
            self.search_how = "merged"
            return
        if self._reuse("search", key):
            return
        spliced = self._splice()
        if spliced is not None:
            self._made("search", key, spliced.files)
            rels = tuple(sorted([*spliced.keep, *self.groups["search"][1]]))
            self.groups["search"] = (key, rels)
            assert self._state is not None
            self.keeper.save_parts(spliced.parts, fresh=False)
            kept = set(spliced.state.keys)
            gone = [k for k in self._state.keys if k not in kept]
            self._new_state = (spliced.state, rels, gone)
            self.search_how = f"spliced {spliced.spliced}"
        else:
            self._made("search", key, self._full_search())
            self._full_searched()
            self.search_how = "merged"

    # --- the search index between command-line builds (run/engine/search.py) -----------------------

    def _full_search(self) -> Iterator[tuple[str, bytes]]:
        """Every index file; its state and every document's parts kept for the
        next build."""
        if not self.keeper.enabled:
            return site_search_index(self.site)
        return full_index(self.site, code_digest(), self._search_done())

    def _fed_search(self) -> Callable[[], Iterator[tuple[str, bytes]]]:
        """The same merge, to run in another process (picklable): the records
        it reads are pickled, in index order, to a spool now (it reads nothing
        else of the site, so copies none of the memory it may share)."""
        salt = code_digest()
        recs, plan = index_plan(self.site, salt)
        spool = self._spool = Spool(recs)
        return functools.partial(planned_index, plan, salt, spool, self._search_done())

    def _search_done(self) -> _SaveSearch:
        """What a full merge does with its state and parts (possibly in
        another process): kept for the next build."""
        return _SaveSearch(self.keeper, self._pending_path())  # the path is fixed before any fork

    def _pending_path(self) -> Path | None:
        """Where a full merge leaves its state for this process to take (the
        merge may run in a forked child: the name is this build's, not its pid)."""
        if self.keeper.folder is None:
            return None
        if not self._pending:
            self._pending = f"pending-{os.getpid()}-{id(self):x}"
        return self.keeper.folder / self._pending

    def _full_searched(self) -> None:
        """After a full merge: its state, to be kept once the build is done."""
        pending = self._pending_path()
        if pending is None:
            return
        state = sealed.load(pending)
        try:
            pending.unlink()
        except OSError:
            pass
        if isinstance(state, SearchState):
            self._new_state = (state, self.groups["search"][1], ())

    def _splice(self) -> Spliced | None:
        """The last index with the edited documents spliced in, when its state
        describes the previous output exactly and few documents changed."""
        if self._state is None:
            return None
        spliced = splice_index(
            self.site, code_digest(), self._state, self.keeper.parts, SearchKeeper.reader(self.output)
        )
        if spliced is None or not self.output.keep_all(spliced.keep):
            return None
        return spliced

    def keep_search_state(self) -> None:
        """Called once the new tree is in place: the state of its index."""
        if self._new_state is not None:
            state, rels, gone = self._new_state
            self.keeper.save_state(state, self.output, rels)
            self.keeper.drop_parts(gone)

    def files(self, files: Iterable[tuple[str, bytes]]) -> None:
        self.progress("write", 0, 0)  # the rest, then the swap
        for rel, blob in files:
            self.output.write(rel, blob)

    def copies(self, files: Iterable[tuple[str, Path]]) -> None:
        for rel, src in files:
            self.output.copy(rel, src)

    def close(self) -> None:
        if self._search is not None:  # the build stopped before the search files were taken
            self._search.close()
            self._search = None
        if self._forked is not None:
            self._forked.close()
        if self._spool is not None:
            self._spool.close()

    def _reuse_all(self, names: list[str], keys: list[str]) -> list[bool]:
        """``_reuse`` of each name and key in turn, the groups whose keys are
        the last build's kept at once (Output.keep_groups)."""
        olds = [self.previous.get(name) for name in names]
        hits = [i for i, (old, key) in enumerate(zip(olds, keys, strict=True)) if old is not None and old[0] == key]
        reused = [False] * len(names)
        for i, kept in zip(hits, self.output.keep_groups([olds[i][1] for i in hits]), strict=True):  # type: ignore[index]
            if kept:
                self.groups[names[i]] = olds[i]  # type: ignore[assignment]
                reused[i] = True
        return reused

    def _reuse(self, name: str, key: str) -> bool:
        old = self.previous.get(name)
        if old is None or old[0] != key or not self.output.keep_all(old[1]):
            return False
        self.groups[name] = old
        return True

    def _unchanged(self, name: str, key: str) -> bool:
        """Whether ``_reuse`` would find the group as the last build left it (nothing is kept yet)."""
        old = self.previous.get(name)
        return old is not None and old[0] == key and all(self.output.intact(r) for r in old[1])

    def _made(self, name: str, key: str, files: Iterable[tuple[str, bytes]]) -> None:
        rels = []
        for rel, blob in files:
            self.output.write(rel, blob)
            rels.append(rel)
        self.groups[name] = (key, tuple(rels))

    def _made_found(self, name: str, key: str, files: Iterable[tuple[str, bytes, list[Problem] | None]]) -> None:
        """Each file with what the leak gate found in it, when it has already looked."""
        rels = []
        for rel, blob, found in files:
            self.output.write(rel, blob, found)
            rels.append(rel)
        self.groups[name] = (key, tuple(rels))


class _SaveSearch:
    """A full merge's state and parts, kept for the next build (picklable: it
    may be called in another process)."""

    def __init__(self, keeper: SearchKeeper, pending: Path | None) -> None:
        self.keeper, self.pending = keeper, pending

    def __call__(self, state: SearchState, parts: Iterable[dict[str, Parts]]) -> None:
        if self.keeper.enabled and self.pending is not None:
            self.keeper.save_all_parts(parts)
            sealed.dump(self.pending, state)
