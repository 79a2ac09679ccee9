"""``gongkai print`` for board-only rosters: the sheet, off the published tree.

A roster whose names rule is ``board`` (core/schema/names.py, docs/names.md)
has no sheet on the site: the site never shows its names.  The clerk still
prints it for the board; this writes it, self-contained (CSS inline, like
the archive's frozen sheet), to ``SITE/board/<id>/index.html`` (and
``SITE/board/<id>.pdf`` with ``--pdf``): beside the site's ``build/``, never
inside it, so neither ``gongkai pack`` nor a copy of ``build/`` carries it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from gongkai.core.chain import posting_code, qr_payload
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import ContentError, GongkaiError, Problem
from gongkai.core.model import Site
from gongkai.emit.render import theme_dirs
from gongkai.plan.names import names_rule
from gongkai.plan.sheet_layout import Paper
from gongkai.read.root import find_site_root
from gongkai.run.engine.engine import Engine
from gongkai.run.pipeline import checked

__all__ = ["BOARD_DIR", "BoardSheets", "board_ids", "checked_site", "print_board"]

BOARD_DIR = "board"  # under the site folder, beside build/


@dataclass(frozen=True)
class BoardSheets:
    written: tuple[Path, ...]  # files written, in order
    pages: tuple[tuple[str, int], ...]  # (record id, pages of its sheet)
    pdf_note: str = ""  # why there is no PDF, or ""


def checked_site(site_dir: Path, today: date) -> tuple[Site, tuple[Problem, ...]]:
    """The site as of ``today``, checked, with every name in it (the
    published site has board-only names withdrawn: plan/names.py), and its warnings."""
    root = find_site_root(site_dir)
    result = checked(root, today, False, Engine(root, root / "build", None, (today, False)))
    if result.site is None or result.errors:
        raise ContentError(list(result.problems))
    return result.site, tuple(p for p in result.problems if not p.is_error)


def board_ids(site: Site, ids: Sequence[str]) -> list[str]:
    """Those of ``ids`` whose names are for the board only."""
    return [i for i in ids if i in site.by_id and names_rule(site, site.by_id[i]).where == "board"]


def print_board(site: Site, ids: Sequence[str], paper: Paper | None, pdf: bool, out: Path | None) -> BoardSheets:
    """Write the board sheets of ``ids`` (all board-only, published records)
    to SITE/board/.  ``out``: the site's output folder, which must not hold
    the board folder."""
    from gongkai.emit.pdf import PdfUnavailable, html_to_pdf, print_css, qr_data_uri
    from gongkai.emit.render import Renderer
    from gongkai.plan.sheets import make_sheet, qr_svg, record_link, standalone_page

    root = Path(site.root)
    board = root / BOARD_DIR
    if out is not None and board.resolve().is_relative_to(out.resolve()):
        raise GongkaiError(f"输出目录 {out} 包含了公开栏公示单目录 {board}：只在公开栏张贴的名单不能写进要发布的网站")
    published = {r.id for r in site.published}
    missing = [i for i in ids if i not in published]
    if missing:
        raise GongkaiError(f"没有编号为“{'”“'.join(missing)}”的已发布信息（编号写错了，或是草稿、发布日期还没到）")
    dirs = theme_dirs(root, site.config.theme)
    renderer = Renderer(site, dirs)
    css = print_css(dirs)
    written: list[Path] = []
    pages: list[tuple[str, int]] = []
    pdf_note = ""
    for rid in ids:
        rec = site.by_id[rid]
        sheet = make_sheet(site, rec, paper)
        link = record_link(site, rec)
        qr = qr_svg(qr_payload(link, posting_code(rec))) if link else b""
        files = {
            "index.html": renderer.render(standalone_page(site, rec, sheet, css, "qr.svg" if qr else "", board=True))
        }
        if qr:
            files["qr.svg"] = qr
        written += _replace_folder(board / rid, files)
        pages.append((rid, sheet.page_count))
        if pdf:
            try:
                page = standalone_page(site, rec, sheet, css, qr_data_uri(qr) if qr else "", board=True)
                target = board / f"{rid}.pdf"
                _write(target, html_to_pdf(renderer.render(page).decode("utf-8")))
                written.append(target)
            except PdfUnavailable as exc:
                pdf_note = str(exc)
    return BoardSheets(tuple(written), tuple(pages), pdf_note)


def _replace_folder(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """``folder`` holding exactly ``files``: written beside it, then swapped in."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return [folder / name for name in files]


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
