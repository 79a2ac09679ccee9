"""``gongkai archive``: freeze one posting into content/archive/.

The sheet is rendered as it is printed (CSS inline, its QR code, a PDF when
WeasyPrint is there), photos are stripped of their metadata and scanned, and
the entry is written once into a temporary folder, then renamed into place;
see read/archive.py for the layout and how every build verifies it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from gongkai.core.archive_format import (
    ARCHIVE_DIR,
    FORMAT,
    GITATTRIBUTES,
    MANIFEST,
    MAX_PHOTO_BYTES,
    NAMESPACE,
    PHOTO_MAGIC,
    SIGNATURE,
    _safe_name,
    manifest_bytes,
    manifest_digest,
)
from gongkai.core.chain import check_chain, code_of, content_digest, genesis, qr_payload
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import ArchiveError, ContentError
from gongkai.core.model import Record, Site
from gongkai.core.version import __version__
from gongkai.emit.render import theme_dirs
from gongkai.plan.sheet_layout import Paper
from gongkai.read.archive import archive_links
from gongkai.read.load import find_site_root
from gongkai.run.engine.engine import Engine
from gongkai.run.pipeline import checked

# --- writing an entry (``gongkai archive``) ------------------------------------------------------


@dataclass(frozen=True)
class ArchiveEntry:
    path: Path  # the entry's folder
    rel: str  # the same, relative to the site
    files: tuple[str, ...]
    pages: int  # pages of the sheet
    pdf_note: str = ""  # why there is no PDF, or ""
    code: str = ""  # the verification code on the sheet
    seq: int = 0  # its place in the archive chain
    again: bool = False  # a second (third…) entry of the record that day
    board_only: bool = False  # the roster's names are for the board only: the site shows no sheet or photo


def create_entry(
    site: Site,
    dirs: list[Path],
    record_id: str,
    posted: date,
    place: str = "",
    photos: Sequence[Path] = (),
    paper: Any = None,
    pdf: bool = True,
    again: bool = False,
) -> ArchiveEntry:
    """Freeze the sheet of ``record_id`` as posted on ``posted`` at ``place``.

    ``site`` is the validated site as of ``posted``; ``dirs`` its theme
    folders.  Raises ArchiveError when the record cannot be archived or a
    photo is unusable; nothing is written then.  The record was archived
    on ``posted`` already: only with ``again`` (a second board that day)."""
    from gongkai.check.scan import clean_archive_inputs
    from gongkai.emit.pdf import PdfUnavailable, html_to_pdf, print_css, qr_data_uri
    from gongkai.emit.render import Renderer, cn_date
    from gongkai.plan.sheets import make_sheet, qr_svg, record_link, standalone_page

    rec = site.by_id.get(record_id)
    if rec is None:
        raise ArchiveError(
            f"到 {posted.isoformat()} 为止没有编号为“{record_id}”的信息"
            "（编号写错了、记录是草稿，或它的发布日期 date 晚于张贴日期）"
        )
    if not rec.is_public:
        raise ArchiveError(f"“{record_id}”是{rec.disclosure_label}的信息，不在公开栏张贴")
    root = Path(site.root)
    try:  # personal numbers in --place, title, photo names; photo metadata stripped
        blobs = clean_archive_inputs(place, rec.title, [_read_photo(Path(p)) for p in photos])
    except ValueError as exc:
        raise ArchiveError(str(exc)) from exc
    folder_name = _entry_name(root, posted, rec.id, again)
    links = archive_links(root)
    broken = check_chain(links)
    if broken:
        raise ArchiveError(f"存档链已断开，不能再追加：{broken[0].message}")
    chained = [x for x in links if x.seq]
    last = max(chained, key=lambda x: x.seq) if chained else None
    digest = content_digest(rec)
    code = code_of(digest)
    sheet = make_sheet(site, rec, paper)
    link = record_link(site, rec)
    qr = qr_svg(qr_payload(link, code)) if link else b""
    css = print_css(dirs)
    renderer = Renderer(site, dirs)
    posting = {"posted": cn_date(posted), "place": place.strip()}
    files: dict[str, bytes] = {
        "sheet.html": renderer.render(standalone_page(site, rec, sheet, css, "qr.svg" if qr else "", posting))
    }
    if qr:
        files["qr.svg"] = qr
    pdf_note = ""
    if pdf:
        try:
            page = standalone_page(site, rec, sheet, css, qr_data_uri(qr) if qr else "", posting)
            files["sheet.pdf"] = html_to_pdf(renderer.render(page).decode("utf-8"))
        except PdfUnavailable as exc:
            pdf_note = str(exc)
    for rel in _source_files(site, rec):
        files[f"source/{rel}"] = (root / rel).read_bytes()
    originals: dict[str, str] = {}
    for i, (ext, blob, original) in enumerate(blobs, start=1):
        name = f"photos/photo-{i}{ext}"
        files[name] = blob
        originals[name] = original
    meta: dict[str, Any] = {
        "format": FORMAT,
        "record_id": rec.id,
        "record_type": rec.type,
        "title": rec.title,
        "source": rec.source,
        "posted": posted.isoformat(),
        "place": place.strip(),
        "paper": sheet.paper.label,
        "sheet_pages": sheet.page_count,
        "photos": originals,
        "gongkai": __version__,
        "name": folder_name,
        "seq": last.seq + 1 if last else 1,
        "prev": last.digest if last else genesis([x.digest for x in links]),
        "content_digest": digest,
        "code": code,
    }
    key = site.config.archive_signing_key
    sign = (lambda manifest: sign_manifest(root / key, manifest)) if key else None
    path = write_entry(root, posted, folder_name, files, meta, sign)
    rel = path.relative_to(root).as_posix()
    return ArchiveEntry(
        path,
        rel,
        tuple(sorted([*files, MANIFEST, *([SIGNATURE] if key else [])])),
        sheet.page_count,
        pdf_note,
        code,
        meta["seq"],
        folder_name != rec.id,
        _board_only(site, rec),
    )


def _board_only(site: Site, rec: Record) -> bool:
    from gongkai.plan.names import named, names_rule

    return named(rec) and names_rule(site, rec).where == "board"


def _day_dir(root: Path, posted: date) -> Path:
    return root / ARCHIVE_DIR / f"{posted.year:04d}" / f"{posted.month:02d}-{posted.day:02d}"


def _entry_name(root: Path, posted: date, record_id: str, again: bool) -> str:
    """The entry's folder name: the record id, or ``<id>_2``… for a second
    posting the same day, which must be asked for (``--again``)."""
    day = _day_dir(root, posted)
    if not (day / record_id).exists():
        return record_id
    if not again:
        raise ArchiveError(
            f"“{record_id}”在 {posted.isoformat()} 已经存档过（{ARCHIVE_DIR}/{day.parent.name}/{day.name}/{record_id}/）。"
            "如果这天确实又张贴了一次（例如另一块公开栏），请加 --again 再运行"
        )
    for n in range(2, 1000):
        if not (day / f"{record_id}_{n}").exists():
            return f"{record_id}_{n}"
    raise ArchiveError(f"{day} 下同一记录的存档条目太多")


def _read_photo(path: Path) -> tuple[str, bytes, str]:
    """(extension, bytes, original name) of a photo, or ArchiveError."""
    ext = path.suffix.lower()
    if ext not in PHOTO_MAGIC:
        raise ArchiveError(f"照片 {path.name} 的格式不支持：请用 JPG 或 PNG 照片（也可以是 GIF、WebP）")
    try:
        size = path.stat().st_size
        if size > MAX_PHOTO_BYTES:
            raise ArchiveError(f"照片 {path.name} 太大（{size // 1024 // 1024} MB），请压缩到 30 MB 以下")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ArchiveError(f"找不到照片文件：{path}") from exc
    except IsADirectoryError as exc:
        raise ArchiveError(f"{path} 是文件夹，不是照片文件") from exc
    except OSError as exc:
        raise ArchiveError(f"照片 {path} 无法读取：{exc.strerror}") from exc
    if not data.startswith(PHOTO_MAGIC[ext]) or (ext == ".webp" and data[8:12] != b"WEBP"):
        raise ArchiveError(f"{path.name} 不是有效的 {ext[1:].upper()} 图片（文件内容与扩展名不符）")
    return (".jpg" if ext == ".jpeg" else ext), data, path.name


def _source_files(site: Site, rec: Record) -> list[str]:
    """The files a record was made from: the record, its roster spreadsheet,
    and the ``_defaults.yaml`` of its folders."""
    root = Path(site.root)
    out = [rec.source]
    first_row = rec.locs.get("recipients[1]")
    if first_row is not None and first_row.path != rec.source:
        out.append(first_row.path)
    folder = PurePosixPath(rec.source).parent
    type_folder = PurePosixPath("content") / rec.folder
    while True:
        for name in ("_defaults.yaml", "_defaults.yml"):
            rel = (folder / name).as_posix()
            if (root / rel).is_file():
                out.append(rel)
        if folder == type_folder or folder == folder.parent or type_folder not in (folder, *folder.parents):
            break
        folder = folder.parent
    return sorted(dict.fromkeys(out))


def sign_manifest(key: Path, manifest: Path) -> None:
    """``manifest.json.sig`` beside ``manifest``: an SSH signature made by
    ``ssh-keygen -Y sign`` with the township's key (no crypto of our own)."""
    if not key.is_file():
        raise ArchiveError(f"site.yaml 的 archive_signing_key 指向的私钥文件不存在：{key}")
    try:
        r = subprocess.run(
            ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(manifest)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
    except FileNotFoundError as exc:
        raise ArchiveError("要为存档签名，需要安装 OpenSSH（ssh-keygen）") from exc
    except subprocess.TimeoutExpired as exc:
        raise ArchiveError("ssh-keygen 签名超时（私钥是否设了密码？签名用的私钥不能要求输入密码）") from exc
    if r.returncode != 0:
        raise ArchiveError(f"ssh-keygen 签名失败：{r.stderr.strip()}")


def write_entry(
    root: Path,
    posted: date,
    name: str,
    files: Mapping[str, bytes],
    meta: Mapping[str, Any],
    sign: Any = None,
) -> Path:
    """Write one entry: into a temporary folder beside the content, then
    renamed into ``content/archive/YYYY/MM-DD/<name>/``.  An existing
    entry is never touched."""
    for fname in files:
        if not _safe_name(fname):
            raise ArchiveError(f"不安全的存档文件名：{fname}")
    manifest = {**meta, "files": {f: hashlib.sha256(data).hexdigest() for f, data in sorted(files.items())}}
    manifest["digest"] = manifest_digest(manifest)
    archive = root / ARCHIVE_DIR
    day = _day_dir(root, posted)
    target = day / name
    tmp = Path(tempfile.mkdtemp(prefix=".gongkai-archive-", dir=root))
    try:
        for fname, data in files.items():
            p = tmp.joinpath(*PurePosixPath(fname).parts)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        (tmp / MANIFEST).write_bytes(manifest_bytes(manifest))
        if sign is not None:
            sign(tmp / MANIFEST)
        day.mkdir(parents=True, exist_ok=True)
        attributes = archive / ".gitattributes"
        if not attributes.exists():
            attributes.write_text(GITATTRIBUTES, encoding="utf-8", newline="\n")
        if target.exists():
            raise ArchiveError(f"{target} 已经存在（另一次存档刚刚写入），请重新运行")
        os.rename(tmp, target)  # fails when the target exists (and is not empty)
        return target
    except OSError as exc:
        raise ArchiveError(f"无法写入存档 {day}：{exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def archive_posting(
    site_dir: Path,
    record_id: str,
    posted: date,
    place: str = "",
    photos: Sequence[Path] = (),
    paper: Paper | None = None,
    pdf: bool = True,
    again: bool = False,
) -> ArchiveEntry:
    """Freeze the notice sheet of ``record_id`` as posted on a board on
    ``posted`` into content/archive/ (``gongkai archive``).  The content is
    checked as of ``posted`` first; nothing is written when it has errors."""
    root = find_site_root(site_dir)
    result = checked(root, posted, False, Engine(root, root / "build", None, (posted, False)))
    if result.site is None or result.errors:
        raise ContentError(list(result.problems))
    dirs = theme_dirs(root, result.site.config.theme)
    return create_entry(result.site, dirs, record_id, posted, place, photos, paper, pdf, again)
