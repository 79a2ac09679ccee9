"""The whole build, top to bottom: read → check → plan → engine → write.

Each stage is a plain function of what the one before returned; the engine
(run/engine) is the only part that remembers anything between builds, and
the writer (run/write.py) the only part that writes the output.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path

from gongkai.check.applications import check_applications
from gongkai.check.numbering import number_site
from gongkai.check.validate import Validated, validate
from gongkai.core.chain import CHAIN_JSON, chain_bytes
from gongkai.core.errors import ContentError, Problem
from gongkai.core.model import Site
from gongkai.emit.gate import gate_for
from gongkai.emit.pdf import sheet_pdfs
from gongkai.emit.render import theme_dirs
from gongkai.plan.data import catalogue, record_data_files, site_data_files
from gongkai.plan.feeds import discovery_files
from gongkai.plan.names import withdraw_names
from gongkai.plan.pages import plan_pages
from gongkai.plan.postings import plan_postings, posting_files, site_links
from gongkai.plan.sheet_layout import SheetRequest
from gongkai.plan.sheets import plan_sheets, qr_files
from gongkai.read.load import find_site_root, load_site
from gongkai.read.registry import REGISTRY
from gongkai.run.engine import BuildCache, Engine, Made
from gongkai.run.progress import Progress
from gongkai.run.registry import save_registry

__all__ = ["BuildResult", "build", "check", "checked"]


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
    token: str = ""  # the marker token of the tree written
    search: str = ""  # how the search index was made: "kept", "spliced N" (documents), "merged"


def check(
    site_dir: Path,
    today: date,
    drafts: bool = False,
    cache: BuildCache | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Validated:
    """Load and validate only; never writes output (only the cache)."""
    root = find_site_root(site_dir)
    return checked(root, today, drafts, Engine(root, root / "build", cache, (today, drafts), progress, workers))


def checked(root: Path, today: date, drafts: bool, engine: Engine) -> Validated:
    """Read and check the site; number its records (索引号 registry) and
    check the annual report's data in content/applications/."""
    validated = validate(load_site(root, engine.cache.file_digests), today, drafts, engine.check_files)
    return check_applications(root, number_site(root, validated))


def build(
    site_dir: Path,
    today: date,
    out: Path | None = None,
    drafts: bool = False,
    strict: bool = False,
    sheets: SheetRequest | None = None,
    cache: BuildCache | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> BuildResult:
    """Build the site in ``site_dir`` as of ``today`` into ``out`` (default
    ``<site>/build``).  Raises ContentError with every problem when the
    content has an error (or a warning, with ``strict``); the previous output
    is then left as it was.  ``sheets`` (``gongkai print``) sets some notice
    sheets on another paper and asks for their PDFs.  Only what changed is
    made again (``cache``: what earlier builds kept; see run/engine).
    ``progress`` is told how far the build has got (run/progress.py);
    ``workers``: processes to use at most (default: one per core)."""
    root = find_site_root(site_dir)
    out = (out or root / "build").resolve()
    engine = Engine(root, out, cache, (today, drafts, strict, sheets), progress, workers)
    last = engine.unchanged()
    if last is not None:
        return replace(last, unchanged=True)
    result = checked(root, today, drafts, engine)
    warnings = tuple(p for p in result.problems if not p.is_error)
    if result.site is None or result.errors or (strict and warnings):
        raise ContentError(list(result.problems))
    site = withdraw_names(result.site)  # names leave the site after the 公示期; the archive keeps them
    dirs = theme_dirs(root, site.config.theme)
    pages = plan_pages(site) + plan_postings(site) + plan_sheets(site, sheets)
    renderer = engine.renderer(site, dirs)
    with engine.output(site, renderer, gate_for(site), protect=(root / "content", root / "themes")) as made:
        made.pages(pages)
        for rec in sorted(site.published, key=lambda r: r.id):
            made.group(f"qr:{rec.id}", ("qr", rec), partial(qr_files, site, rec))
            made.group(f"data:{rec.id}", ("data", rec), partial(record_data_files, site, rec))
        made.group("catalogue", ("catalogue", catalogue(site), site.standard), lambda: site_data_files(site))
        made.group("feeds", ("feeds", site, [p.url for p in pages]), lambda: discovery_files(site, pages))
        made.search()
        made.files(sheet_pdfs(site, renderer, dirs, sheets))
        made.files([(CHAIN_JSON, chain_bytes(site_links(site)))])  # the archive chain, append-only
        made.copies(_copied_files(root, site, dirs))
    registered = tuple(save_registry(root, site))  # only after the output is complete
    engine.stamp.refresh(root / REGISTRY)
    return engine.finish(made, _result(made, len(pages), warnings, registered, sheets))


def _result(
    made: Made, pages: int, warnings: tuple[Problem, ...], registered: tuple[str, ...], sheets: SheetRequest | None
) -> BuildResult:
    output = made.output
    printed = (
        tuple(f"print/{i}/index.html" for i in sheets.ids) + tuple(f"print/{i}.pdf" for i in sheets.ids if sheets.pdf)
        if sheets
        else ()
    )
    return BuildResult(
        output.out,
        pages,
        len(output.written),
        output.bytes,
        warnings,
        registered,
        printed,
        made=made.rendered,
        kept=output.kept,
        token=output.manifest.token,
        search=made.search_how,
    )


def _copied_files(root: Path, site: Site, dirs: list[Path]) -> list[tuple[str, Path]]:
    """Files published as they are: frozen sheets and photos of the archive
    (verified by the loader), the theme's static files, attachments."""
    out = [(rel, root / src) for rel, src in posting_files(site)]
    # favicon.ico at the site's root, where browsers ask for it whatever a page links
    out += [(rel if rel == "favicon.ico" else f"static/{rel}", src) for rel, src in _static_files(dirs)]
    for rec in site.published:
        out += [(f"{rec.url}{att['file']}", root / Path(rec.source).parent / att["file"]) for att in rec.attachments]
    return out


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
