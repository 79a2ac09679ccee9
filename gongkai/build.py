"""The whole build, top to bottom: load → validate → plan → render → write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import ContentError, Problem
from .load import find_site_root, load_site
from .pages import plan_pages
from .render import Renderer, theme_dirs
from .validate import Validated, validate
from .write import Output

__all__ = ["BuildResult", "build", "check"]


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int
    files: int
    bytes: int
    warnings: tuple[Problem, ...]


def check(site_dir: Path, today: date, drafts: bool = False) -> Validated:
    """Load and validate only; never writes."""
    root = find_site_root(site_dir)
    return validate(load_site(root), today, drafts)


def build(
    site_dir: Path,
    today: date,
    out: Path | None = None,
    drafts: bool = False,
    strict: bool = False,
) -> BuildResult:
    """Build the site in ``site_dir`` as of ``today`` into ``out``
    (default ``<site>/build``).  Raises ContentError with every problem when
    the content has an error (or a warning, with ``strict``); the previous
    output is then left untouched."""
    root = find_site_root(site_dir)
    checked = validate(load_site(root), today, drafts)
    warnings = tuple(p for p in checked.problems if not p.is_error)
    if checked.site is None or checked.errors or (strict and warnings):
        raise ContentError(list(checked.problems))
    site = checked.site
    pages = plan_pages(site)
    dirs = theme_dirs(root, site.config.theme)
    renderer = Renderer(site, dirs)
    with Output(out or root / "build", protect=(root / "content", root / "themes")) as output:
        for page in pages:
            output.write(page.path, renderer.render(page))
        for rel, src in _static_files(dirs):
            output.copy(f"static/{rel}", src)
        for rec in site.published:
            for att in rec.attachments:
                output.copy(f"{rec.url}{att['file']}", root / Path(rec.source).parent / att["file"])
        n_files = len(output.written)
        n_bytes = output.bytes
    return BuildResult(output.out, len(pages), n_files, n_bytes, warnings)


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
