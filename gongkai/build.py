"""The whole build, top to bottom: load → validate → plan → render → write."""

from __future__ import annotations

import collections
import functools
import gc
import itertools
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from .archive import ArchiveEntry, create_entry, plan_postings, posting_files
from .cache import BuildCache, BuildStamp, last_build, remember_build
from .data import record_data_files, site_data_files
from .errors import ContentError, Problem
from .feeds import discovery_files
from .incremental import Fingerprints
from .indexno import REGISTRY, number_site, save_registry
from .load import find_site_root, load_site
from .model import Site
from .pages import Page, plan_pages
from .pdf import sheet_pdfs
from .render import Renderer, default_theme_dir, theme_dirs
from .report import check_applications
from .scan import gate_problems, site_public_numbers
from .search import SearchMemo, build_search_index, search_docs, site_search_index
from .sheets import Paper, SheetRequest, plan_sheets, qr_files
from .validate import Validated, validate
from .write import MARKER, Output

__all__ = ["BuildResult", "archive_posting", "build", "check"]


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int
    files: int
    bytes: int
    warnings: tuple[Problem, ...]
    registered: tuple[str, ...] = ()  # ids given a 索引号 by this build
    printed: tuple[str, ...] = ()  # the sheets (and PDFs) a SheetRequest asked for, relative to out
    unchanged: bool = False  # nothing the build reads had changed: the output was left as it was
    made: tuple[str, ...] = ()  # pages rendered (the others were unchanged since the last build)
    kept: int = 0  # files left as the last build wrote them


def check(site_dir: Path, today: date, drafts: bool = False, cache: BuildCache | None = None) -> Validated:
    """Load and validate only; never writes output (only the cache)."""
    root = find_site_root(site_dir)
    return _checked(root, today, drafts, cache or BuildCache(root))


def _checked(root: Path, today: date, drafts: bool, cache: BuildCache) -> Validated:
    """validate(), then number the records (索引号 registry) and check the
    annual report's data in content/applications/."""
    validated = validate(load_site(root, cache.file_digests), today, drafts, cache.records)
    cache.records.commit()
    return check_applications(root, number_site(root, validated))


def build(
    site_dir: Path,
    today: date,
    out: Path | None = None,
    drafts: bool = False,
    strict: bool = False,
    sheets: SheetRequest | None = None,
    cache: BuildCache | None = None,
) -> BuildResult:
    """Build the site in ``site_dir`` as of ``today`` into ``out``
    (default ``<site>/build``).  Raises ContentError with every problem when
    the content has an error (or a warning, with ``strict``); the previous
    output is then left untouched.  ``sheets`` (``gongkai print``) sets some
    notice sheets on another paper and asks for their PDFs.

    Only what changed is made again: ``cache`` (by default the site's
    ``.gongkai-cache`` folder) holds the validated records and what the last
    build into ``out`` wrote; see incremental.py for what decides."""
    root = find_site_root(site_dir)
    out = (out or root / "build").resolve()
    cache = cache or BuildCache(root)
    dirs = _theme_dirs_for(root)
    stamp = BuildStamp(root, dirs, (today, drafts, strict, sheets, str(out)))
    digest = stamp.digest()
    previous = last_build(root, out) if cache.folder is not None else None
    if previous is not None and previous[0] == digest and (out / MARKER).is_file():
        return replace(previous[1], unchanged=True)
    checked = _checked(root, today, drafts, cache)
    warnings = tuple(p for p in checked.problems if not p.is_error)
    if checked.site is None or checked.errors or (strict and warnings):
        raise ContentError(list(checked.problems))
    site = checked.site
    # Every record is in memory now and stays to the end: the cyclic garbage
    # collector need not walk them again (and forked workers then do not
    # touch, and so copy, the pages they sit on).
    gc.freeze()
    try:
        return _build(root, out, site, today, drafts, sheets, cache, stamp, warnings)
    finally:
        gc.unfreeze()


def _build(
    root: Path,
    out: Path,
    site: Site,
    today: date,
    drafts: bool,
    sheets: SheetRequest | None,
    cache: BuildCache,
    stamp: BuildStamp,
    warnings: tuple[Problem, ...],
) -> BuildResult:
    pages = plan_pages(site) + plan_postings(site) + plan_sheets(site, sheets)
    dirs = theme_dirs(root, site.config.theme)
    own_templates = any((d / "templates").is_dir() for d in dirs if d != default_theme_dir())
    renderer = Renderer(site, dirs, cache.templates, cache.template_refs)
    fp = Fingerprints(site, renderer.template_digest, (today, drafts, sheets), own_templates)
    protect = (root / "content", root / "themes")
    gate = _gate_for(site)
    with Output(
        out, protect=protect, guard=gate, previous=cache.manifest(out), verify=not cache.private_output
    ) as output:
        groups = _Groups(output)
        keys = [fp.page(p) for p in pages]
        todo = [(p, k) for p, k in zip(pages, keys, strict=True) if not groups.reuse(f"page:{p.path}", k)]
        # beside the rendering when that or the index takes a while
        aside = len(todo) > 4 * _RENDER_CHUNK or len(site.published) >= ASIDE_RECORDS
        search = _Search(site, fp, groups, cache.search_memo, aside=aside)
        rendered = render_pages(renderer, [p for p, _ in todo], guard=gate)
        for (page, key), (path, blob, found) in zip(todo, rendered, strict=True):
            groups.made(f"page:{page.path}", key, [(path, blob)], found)
        for rec in sorted(site.published, key=lambda r: r.id):
            groups.make(f"qr:{rec.id}", fp.key("qr", rec.id), lambda rec=rec: qr_files(site, rec))
            groups.make(f"data:{rec.id}", fp.key("data", rec), lambda rec=rec: record_data_files(site, rec))
        groups.make("catalogue", fp.key("catalogue", fp.whole_summary()), lambda: site_data_files(site))
        urls = [p.url for p in pages]
        groups.make("feeds", fp.key("feeds", site, urls), lambda: discovery_files(site, pages))
        search.finish()
        for rel, blob in sheet_pdfs(site, renderer, dirs, sheets):
            output.write(rel, blob)
        for rel, src in posting_files(site):  # frozen sheets and photos, verified by the loader
            output.copy(rel, root / src)
        for rel, src in _static_files(dirs):
            output.copy(f"static/{rel}", src)
        for rec in site.published:
            for att in rec.attachments:
                output.copy(f"{rec.url}{att['file']}", root / Path(rec.source).parent / att["file"])
        n_files = len(output.written)
        n_bytes = output.bytes
    cache.save_manifest(out, output.manifest)
    registered = tuple(save_registry(root, site))  # only after the output is complete
    stamp.refresh(root / REGISTRY)
    printed = (
        tuple(f"print/{i}/index.html" for i in sheets.ids) + tuple(f"print/{i}.pdf" for i in sheets.ids if sheets.pdf)
        if sheets
        else ()
    )
    result = BuildResult(
        output.out,
        len(pages),
        n_files,
        n_bytes,
        warnings,
        registered,
        printed,
        made=tuple(p.path for p, _ in todo),
        kept=output.kept,
    )
    if cache.folder is not None:
        remember_build(root, out, stamp.digest(), replace(result, registered=()))
    return result


class _Search:
    """The search index's files.  A command merges a changed index afresh:
    started beside the page rendering when there are many pages to render
    (its documents made one at a time); the preview server splices its
    edits into the index it keeps (search.SearchMemo)."""

    def __init__(self, site: Site, fp: Fingerprints, groups: _Groups, memo: SearchMemo | None, aside: bool) -> None:
        self.site, self.groups, self.memo = site, groups, memo
        self.key = fp.key("search", site)
        self.pending = None
        if memo is None and aside and not groups.unchanged("search", self.key):
            self.pending = _aside(lambda: site_search_index(site))

    def finish(self) -> None:
        site, memo = self.site, self.memo
        if self.pending is not None:
            self.groups.made("search", self.key, self.pending())
        elif memo is None:
            self.groups.make("search", self.key, lambda: site_search_index(site))
        else:
            self.groups.make("search", self.key, lambda: build_search_index(search_docs(site, memo), memo))


class _Groups:
    """Groups of output files made together, skipped when their key is the
    one the previous build recorded and their files are intact."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.previous = output.previous.groups if output.previous is not None else {}
        self.groups = output.manifest.groups

    def reuse(self, name: str, key: str) -> bool:
        old = self.previous.get(name)
        if old is None or old[0] != key or not self.output.keep_all(old[1]):
            return False
        self.groups[name] = old
        return True

    def unchanged(self, name: str, key: str) -> bool:
        """Whether ``reuse`` would find the group as the last build left it (nothing is kept yet)."""
        old = self.previous.get(name)
        return old is not None and old[0] == key and all(self.output.intact(r) for r in old[1])

    def made(self, name: str, key: str, files: Iterable[tuple[str, bytes]], found: list[Problem] | None = None) -> None:
        """``found``: what the leak gate found in ``files``, when it has already looked."""
        rels = []
        for rel, blob in files:
            self.output.write(rel, blob, found)
            rels.append(rel)
        self.groups[name] = (key, tuple(rels))

    def make(self, name: str, key: str, produce: Callable[[], Iterable[tuple[str, bytes]]]) -> None:
        if not self.reuse(name, key):
            self.made(name, key, produce())


def _theme_dirs_for(root: Path) -> list[Path]:
    """Every theme folder a build may read, before site.yaml is parsed (the
    site's own themes/ folder whatever theme it names, and the default)."""
    return [root / "themes", default_theme_dir()]


def archive_posting(
    site_dir: Path,
    record_id: str,
    posted: date,
    place: str = "",
    photos: Sequence[Path] = (),
    paper: Paper | None = None,
    pdf: bool = True,
) -> ArchiveEntry:
    """Freeze the notice sheet of ``record_id`` as posted on a board on
    ``posted`` into content/archive/ (``gongkai archive``).  The content is
    checked as of ``posted`` first; nothing is written when it has errors."""
    root = find_site_root(site_dir)
    checked = _checked(root, posted, False, BuildCache(root))
    if checked.site is None or checked.errors:
        raise ContentError(list(checked.problems))
    dirs = theme_dirs(root, checked.site.config.theme)
    return create_entry(checked.site, dirs, record_id, posted, place, photos, paper, pdf)


def _static_files(dirs: list[Path]) -> list[tuple[str, Path]]:
    """Static files of the theme; a site's own file replaces the default's."""
    chosen: dict[str, Path] = {}
    for d in reversed(dirs):
        static = d / "static"
        if static.is_dir():
            for p in sorted(static.rglob("*")):
                if p.is_file():
                    chosen[p.relative_to(static).as_posix()] = p
    return sorted(chosen.items())


def leak_gate(
    rel: str,
    data: bytes,
    public: frozenset[str] = frozenset(),
    attachments: frozenset[str] = frozenset(),
    allow_unread: tuple[str, ...] = (),
) -> list[Problem]:
    """The last gate: an unmasked ID, bank card or personal mobile number in
    any output file (read by content, gongkai/scan.py) stops the build
    before the new site is swapped in.  ``public``: numbers published on
    purpose (contact phones, the site's allowlist)."""
    return gate_problems(rel, data, public, allow_unread, attachments)


def _gate_for(site: Site) -> Callable[[str, bytes], list[Problem]]:
    attachments = frozenset(f"{r.url}{a['file']}" for r in site.published for a in r.attachments)
    return functools.partial(
        leak_gate,
        public=site_public_numbers(site),
        attachments=attachments,
        allow_unread=tuple(getattr(site.config, "allow_unread", ())),
    )


# --- rendering on every core ------------------------------------------------------------

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


def _aside(make: Callable[[], Iterable[tuple[str, bytes]]]) -> Callable[[], Iterator[tuple[str, bytes]]]:
    """Start ``make()`` in a forked process, beside the page rendering (on
    two cores one would otherwise wait); the function returned waits for it
    and yields its files.  They pass through a temporary file, one by one,
    so neither process holds them all.  Without fork it is simply ``make``."""
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return lambda: iter(make())
    fd, spool = tempfile.mkstemp(prefix="gongkai-aside-")
    os.close(fd)
    ctx = multiprocessing.get_context("fork")
    pool = ctx.Pool(1, initializer=_aside_init, initargs=(make, spool))
    pending = pool.apply_async(_aside_run)
    pool.close()

    def wait() -> Iterator[tuple[str, bytes]]:
        try:
            count = pending.get()
            pool.join()
            with open(spool, "rb") as f:
                for _ in range(count):
                    yield pickle.load(f)
        finally:
            pool.terminate()
            os.unlink(spool)

    return wait


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
