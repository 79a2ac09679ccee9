"""The whole build, top to bottom: read → check → plan → engine → write.

Each stage is a plain function of what the one before returned; the engine
(run/engine) is the only part that remembers anything between builds, and
the writer (run/write.py) the only part that writes the output.  run/build.py
calls ``make_site`` only when the no-op check found work to do.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path

from gongkai.check.applications import check_applications
from gongkai.check.numbering import number_site
from gongkai.check.validate import Validated, validate
from gongkai.core import heap
from gongkai.core.chain import CHAIN_JSON, chain_bytes
from gongkai.core.errors import ContentError, Loc, Problem
from gongkai.core.model import Site
from gongkai.emit.gate import gate_for
from gongkai.emit.render import theme_dirs
from gongkai.plan.assets import asset_files, asset_records
from gongkai.plan.catalogue import catalogue, site_data_files
from gongkai.plan.data import record_data_files
from gongkai.plan.feeds import discovery_files, discovery_inputs
from gongkai.plan.land_transfers import land_transfer_files, land_transfer_records
from gongkai.plan.names import withdraw_names
from gongkai.plan.pages import plan_pages
from gongkai.plan.postings import plan_postings, posting_files, site_links
from gongkai.plan.proposals import proposal_files, proposal_records
from gongkai.plan.regulations import regulation_files, regulation_inputs
from gongkai.plan.sheet_layout import SheetRequest
from gongkai.plan.sheets import plan_sheets, qr_files
from gongkai.read.load import load_site
from gongkai.read.registry import REGISTRY
from gongkai.run.engine.engine import Engine, Group, Made
from gongkai.run.registry import save_registry
from gongkai.run.result import BuildResult

__all__ = ["checked", "make_site"]


def checked(root: Path, today: date, drafts: bool, engine: Engine) -> Validated:
    """Read and check the site; number its records (索引号 registry) and
    check the annual report's data in content/applications/."""
    loaded = load_site(root, engine.cache.file_digests, engine.stamp.files)
    validated = validate(loaded, today, drafts, engine.check_files)
    return check_applications(root, number_site(root, validated))


def make_site(
    root: Path, out: Path, engine: Engine, today: date, drafts: bool, strict: bool, sheets: SheetRequest | None
) -> BuildResult:
    """Read, check, plan and write the site (see run/build.py for the arguments)."""
    result = checked(root, today, drafts, engine)
    warnings = tuple(p for p in result.problems if not p.is_error)
    if result.site is None or result.errors or (strict and warnings):
        raise ContentError(list(result.problems))
    # Every record stays to the end of the build: from here no collection need
    # walk them (nor what planning makes from them; at 10,000 records one full
    # collection walking them took 0.15-0.2 s, and an edit made two).
    heap.freeze()
    try:
        return _make(root, engine, result.site, warnings, sheets, result.public)
    finally:
        heap.unfreeze()


def _make(
    root: Path,
    engine: Engine,
    checked_site: Site,
    warnings: tuple[Problem, ...],
    sheets: SheetRequest | None,
    public: frozenset[str] | None = None,
) -> BuildResult:
    memo = engine.cache.server_memo  # the preview server's (run/engine/memo.py), else None
    # names leave the site after the 公示期; the archive keeps them
    site = withdraw_names(checked_site, memo=memo.withdrawn if memo is not None else None)
    if memo is not None:
        memo.seed(site)
    dirs = theme_dirs(root, site.config.theme)
    _check_conac_image(site, dirs)
    with _made_to_stay():
        renderer = engine.renderer(site, dirs)
        # the record pages an edit left as they were are planned from the last build's keys
        pages = plan_pages(site, engine.kept_pages(site, renderer)) + plan_postings(site) + plan_sheets(site, sheets)
        groups = _record_groups(site)
    with engine.output(site, renderer, gate_for(site, public), protect=(root / "content", root / "themes")) as made:
        made.pages(pages, groups)  # made beside the pages (on every core)
        made.group(
            "catalogue",
            ("catalogue", catalogue(site), site.standard),
            lambda: site_data_files(site, made.catalogue_rows(catalogue(site))),
        )
        made.group("regulations", ("regulations", *regulation_inputs(site)), lambda: regulation_files(site))
        made.group("proposals", ("proposals", *proposal_records(site)), lambda: proposal_files(site))
        made.group("assets", ("assets", *asset_records(site)), lambda: asset_files(site))
        made.group(
            "land-transfers", ("land-transfers", *land_transfer_records(site)), lambda: land_transfer_files(site)
        )
        made.group("feeds", ("feeds", *discovery_inputs(site, pages)), lambda: discovery_files(site, pages))
        made.search()
        if sheets is not None and sheets.pdf:  # WeasyPrint's side is imported only then
            from gongkai.emit.pdf import sheet_pdfs

            made.files(sheet_pdfs(site, renderer, dirs, sheets))
        made.files([(CHAIN_JSON, chain_bytes(site_links(site)))])  # the archive chain, append-only
        made.copies(_copied_files(root, site, dirs))
    heap.freeze()  # again: the output's end unfroze everything
    registered = tuple(save_registry(root, site))  # only after the output is complete
    engine.stamp.refresh(root / REGISTRY)
    return engine.finish(made, _result(made, len(pages), warnings, registered, sheets))


@contextmanager
def _made_to_stay() -> Iterator[None]:
    """For a block whose objects all stay to the end of the build (the plan):
    no collection meanwhile (they are not garbage), and frozen after, so that
    no later full collection walks them (each took ~0.05 s at 10,000 records)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        heap.freeze()
        if collecting:
            gc.enable()


def _record_groups(site: Site) -> list[Group]:
    """Each published record's QR code and data files."""
    out: list[Group] = []
    for rec in sorted(site.published, key=lambda r: r.id):
        out.append((f"qr:{rec.id}", ("qr", rec), partial(qr_files, site, rec)))
        out.append((f"data:{rec.id}", ("data", rec), partial(record_data_files, site, rec)))
    return out


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
        catalogue_rows=made.rows_made,
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


def _check_conac_image(site: Site, dirs: list[Path]) -> None:
    """The 党政机关网站标识 image site.yaml names is a file of the theme (else
    every page's footer would show a broken image)."""
    image = site.config.conac_image
    if image and image.removeprefix("static/") not in dict(_static_files(dirs)):
        raise ContentError(
            [
                Problem(
                    Loc("content/site.yaml"),
                    "GK107",
                    "找不到 conac.image 指定的党政机关网站标识图片",
                    "conac.image",
                    image,
                    f"把图片放在 themes/{site.config.theme}/{image}，或删去 image 一行（显示文字链接）",
                )
            ]
        )


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
