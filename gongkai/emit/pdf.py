"""Sheets as PDF, through WeasyPrint (an optional extra: ``pip install gongkai[pdf]``).

WeasyPrint is imported only when a PDF is asked for.  Whatever is missing
— WeasyPrint itself, the Pango library it draws text with, or a Chinese
font — stops the run with a Chinese message saying what to install (and
that the HTML sheet prints from any browser without it): never a
traceback, and never a PDF whose Chinese came out as empty boxes.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from gongkai.core.chain import posting_code, qr_payload
from gongkai.core.errors import GongkaiError
from gongkai.core.model import Site
from gongkai.emit.render import Renderer
from gongkai.plan.sheet_layout import Paper, SheetRequest
from gongkai.plan.sheets import make_sheet, qr_svg, record_link, standalone_page

__all__ = ["PdfUnavailable", "find_cjk_fonts", "html_to_pdf", "print_css", "sheet_pdf", "sheet_pdfs"]

BROWSER_HINT = "也可以不装这些：用浏览器打开 build/print/编号/index.html，按 Ctrl+P 打印或“另存为 PDF”。"

# Font files of common Chinese fonts, for systems without fc-list (Windows, macOS).
_FONT_DIRS = (
    Path(os.environ.get("WINDIR", "C:\\Windows")) / "Fonts",
    Path.home() / "AppData/Local/Microsoft/Windows/Fonts",
    Path("/System/Library/Fonts"),
    Path("/Library/Fonts"),
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local/share/fonts",
)
_FONT_NAMES = (
    "notosanscjk",
    "notoserifcjk",
    "sourcehansans",
    "sourcehanserif",
    "msyh",
    "simsun",
    "simhei",
    "simfang",
    "simkai",
    "pingfang",
    "stheiti",
    "hiragino sans gb",
    "wqy",
    "droidsansfallback",
)


class PdfUnavailable(GongkaiError):
    """A PDF cannot be made here: WeasyPrint, Pango or a Chinese font is missing."""


def find_cjk_fonts() -> tuple[str, ...]:
    """Families (or, without fontconfig, file names) of the Chinese fonts
    installed here; empty when there is none."""
    return _find_cjk_fonts()


@cache
def _find_cjk_fonts() -> tuple[str, ...]:
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run(
                [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        families = sorted({f.strip() for line in out.splitlines() for f in line.split(",")[:1] if f.strip()})
        if families:
            return tuple(families)
    found: set[str] = set()
    for d in _FONT_DIRS:
        if not d.is_dir():
            continue
        with contextlib.suppress(OSError):
            for p in d.rglob("*"):
                name = p.name.lower().replace("-", "").replace("_", "")
                if p.suffix.lower() in (".ttf", ".ttc", ".otf") and any(n in name for n in _FONT_NAMES):
                    found.add(p.name)
    return tuple(sorted(found))


def _weasyprint():
    """Import WeasyPrint, or raise PdfUnavailable saying what to install."""
    stderr = io.StringIO()
    try:
        # WeasyPrint prints an English banner to stderr when Pango is missing.
        with contextlib.redirect_stderr(stderr):
            import weasyprint
    except ImportError as exc:
        raise PdfUnavailable(
            '生成 PDF 需要 WeasyPrint，本机没有安装。请运行：pip install "gongkai[pdf]"。' + BROWSER_HINT
        ) from exc
    except OSError as exc:
        if sys.platform == "win32":
            how = "Windows 上请安装 MSYS2 的 Pango（见 WeasyPrint 安装说明）"
        elif sys.platform == "darwin":
            how = "macOS 上请运行：brew install pango"
        else:
            how = "Debian/Ubuntu 上请运行：sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        raise PdfUnavailable(f"WeasyPrint 找不到它需要的 Pango 文字排版库（{exc}）。{how}。" + BROWSER_HINT) from exc
    major = int(str(weasyprint.__version__).split(".")[0])
    if major < 60:
        raise PdfUnavailable(
            f'WeasyPrint 版本太旧（{weasyprint.__version__}），需要 60 或更新：pip install -U "gongkai[pdf]"。'
        )
    return weasyprint


def check_pdf_support() -> None:
    """Raise PdfUnavailable unless PDFs with Chinese text can be made here."""
    _weasyprint()
    if not find_cjk_fonts():
        raise PdfUnavailable(
            "没有找到中文字体，PDF 中的汉字会变成方框，所以没有生成 PDF。请安装中文字体："
            "Debian/Ubuntu 运行 sudo apt-get install fonts-noto-cjk；其他系统安装“思源黑体”或“Noto Sans CJK SC”。"
            + BROWSER_HINT
        )


def html_to_pdf(html: str) -> bytes:
    """Lay out a self-contained HTML document (CSS inline, images as data:
    URIs) and return the PDF.  Nothing is fetched from disk or network."""
    weasyprint = _weasyprint()
    check_pdf_support()
    log = logging.getLogger("weasyprint")
    level, propagate = log.level, log.propagate
    log.setLevel(logging.ERROR)  # CSS it does not know is not the clerk's business
    log.propagate = False
    try:
        return bytes(weasyprint.HTML(string=html, base_url=None).write_pdf())
    except Exception as exc:  # a layout failure inside WeasyPrint
        raise GongkaiError(f"生成 PDF 时 WeasyPrint 出错：{type(exc).__name__}: {exc}。" + BROWSER_HINT) from exc
    finally:
        log.setLevel(level)
        log.propagate = propagate


def print_css(dirs: list[Path]) -> str:
    """The text of static/print.css of the theme (a site's own file first)."""
    for d in dirs:
        p = d / "static" / "print.css"
        if p.is_file():
            return p.read_text(encoding="utf-8")
    return ""


def qr_data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def sheet_pdf(site: Site, renderer: Renderer, css: str, record_id: str, paper: Paper | None = None) -> bytes:
    """The PDF of one record's sheet on ``paper`` (default: the record's default)."""
    rec = site.by_id[record_id]
    sheet = make_sheet(site, rec, paper)
    link = record_link(site, rec)
    page = standalone_page(
        site, rec, sheet, css, qr_data_uri(qr_svg(qr_payload(link, posting_code(rec)))) if link else ""
    )
    return html_to_pdf(renderer.render(page).decode("utf-8"))


def sheet_pdfs(
    site: Site, renderer: Renderer, dirs: list[Path], request: SheetRequest | None
) -> Iterator[tuple[str, bytes]]:
    """``print/<id>.pdf`` for each record of ``request`` that asks for PDFs."""
    if request is None or not request.pdf:
        return
    check_pdf_support()
    css = print_css(dirs)
    for rid in request.ids:
        yield f"print/{rid}.pdf", sheet_pdf(site, renderer, css, rid, request.paper)
