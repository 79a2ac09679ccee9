"""The archive of posted sheets (公开栏存档): what went up, where, on which day.

The law asks a township to keep what it posted on its boards.  ``gongkai
archive ID --posted DATE`` freezes one posting into the content folder::

    content/archive/2015/05-12/gengdi-2015/
        manifest.json     record id, posted date, place, SHA-256 of every other
                          file, the gongkai version, and a digest of itself
        sheet.html        the sheet as printed, self-contained (CSS inline)
        qr.svg            its QR code (when the site has a base_url)
        sheet.pdf         the same sheet as PDF (when WeasyPrint is installed)
        source/...        copies of the record's files: the record, its roster
                          spreadsheet, the folder's _defaults.yaml
        photos/photo-1.jpg  photos of the board

An entry is written once (into a temporary folder, then renamed into place)
and never overwritten: posting the same record again — after a correction,
or on a second board the same day — makes a new entry (``gengdi-2015_2``).

Every build verifies every manifest (:func:`read_archive`, called by the
loader): a changed, missing or extra file stops the build with a problem
naming the file (GK501–GK506).  The site then gets a section by posting date
(:func:`plan_postings`) with the frozen sheets and photos; the copy of the
source record stays in the content folder only, since ID numbers in it are
masked less than the site shows them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from gongkai.core.chain import Link, check_chain, code_of, content_digest, genesis, qr_payload
from gongkai.core.errors import ArchiveError, Loc, Problem
from gongkai.core.model import Posting, Record, Site
from gongkai.core.version import __version__
from gongkai.plan.pages import Page

__all__ = [
    "ARCHIVE_DIR",
    "MANIFEST",
    "ArchiveEntry",
    "check_postings",
    "create_entry",
    "manifest_bytes",
    "manifest_digest",
    "plan_postings",
    "posting_files",
    "read_archive",
    "visible_postings",
]

ARCHIVE_DIR = "content/archive"
MANIFEST = "manifest.json"
FORMAT = 2  # 2: chained (seq, prev, name, code, content_digest); 1: before the chain, still read
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_DEPTH = 4  # {"files": {...}} and {"photos": {...}} are two deep
# The files an entry may list: what ``gongkai archive`` writes, nothing else.
_LISTED = re.compile(r"^(sheet\.html|sheet\.pdf|qr\.svg|source/.+|photos/photo-[0-9]+\.(jpg|png|gif|webp))$")
# Files an operating system leaves in folders by itself; never archive content.
OS_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".gitkeep", ".gitattributes"})
PHOTO_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}
MAX_PHOTO_BYTES = 30 * 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DAY = re.compile(r"^(\d{4})/(\d{2})-(\d{2})$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Tell git never to convert line ends here: the archive is checked byte for byte.
GITATTRIBUTES = "# 公开栏存档：按字节核对，git 不得转换换行符\n* -text\n"


# --- the manifest ------------------------------------------------------------------------------


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """SHA-256 of the manifest's content (its ``digest`` key left out)."""
    body = {k: v for k, v in manifest.items() if k != "digest"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The one way a manifest is written: sorted keys, two-space indent, UTF-8, LF."""
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def _sha256_file(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# --- reading and verifying (the loader stage) ------------------------------------------------


def read_archive(root: Path, assets: Iterable[str]) -> tuple[tuple[Posting, ...], list[Problem]]:
    """Every entry under content/archive/, verified against its manifest.

    ``assets`` are the files the loader found in content/ (site-relative).
    Returns the entries that verified, and a problem for each file that was
    changed (GK501), is missing (GK502) or should not be there (GK503), each
    manifest that is missing or unreadable (GK504) and each entry whose
    folder disagrees with its manifest (GK506)."""
    prefix = ARCHIVE_DIR + "/"
    entries: dict[str, list[str]] = defaultdict(list)
    problems: list[Problem] = []
    for rel in sorted(assets):
        if not rel.startswith(prefix):
            continue
        parts = rel[len(prefix) :].split("/")
        if parts[-1] in OS_FILES or parts[-1].startswith("._"):
            continue
        if len(parts) < 4:
            problems.append(
                Problem(
                    Loc(rel),
                    "GK503",
                    "存档目录中有不属于任何存档条目的文件",
                    hint="content/archive/ 下只有 gongkai archive 生成的条目：请把这个文件移到别处",
                )
            )
            continue
        entries[prefix + "/".join(parts[:3])].append("/".join(parts[3:]))
    postings: list[Posting] = []
    links: list[Link] = []
    for entry in sorted(entries):
        posting = _read_entry(root, entry, set(entries[entry]), problems, links)
        if posting is not None:
            postings.append(posting)
    problems.extend(check_chain(links))
    return tuple(postings), problems


def archive_links(root: Path) -> list[Link]:
    """Every entry whose manifest can be read, as the chain sees it, whatever
    else is wrong with it (for ``gongkai verify``)."""
    base = root / ARCHIVE_DIR
    links: list[Link] = []
    for manifest in sorted(base.glob(f"*/*/*/{MANIFEST}")):
        entry = manifest.parent.relative_to(root).as_posix()
        names = {MANIFEST}
        _read_entry(root, entry, names, [], links, files=False)
    return links


def _restore_hint() -> str:
    return "存档时的原文件（存档不得修改）：请从备份或版本库恢复，如 git checkout -- 文件名；内容有误请另写更正记录，再重新存档"


def _read_entry(
    root: Path, entry: str, names: set[str], problems: list[Problem], links: list[Link], files: bool = True
) -> Posting | None:
    mloc = Loc(f"{entry}/{MANIFEST}")
    if MANIFEST not in names:
        problems.append(Problem(Loc(entry), "GK504", "存档条目缺少 manifest.json，无法核对", hint=_restore_hint()))
        return None
    path = root / entry / MANIFEST
    try:
        size = path.stat().st_size
        raw = b"" if size > MAX_MANIFEST_BYTES else path.read_bytes()
    except OSError as exc:
        problems.append(Problem(mloc, "GK504", f"manifest.json 无法读取：{exc.strerror}", hint=_restore_hint()))
        return None
    if size > MAX_MANIFEST_BYTES:
        manifest, why = None, f"文件太大（{size} 字节，清单不会超过 {MAX_MANIFEST_BYTES} 字节）"
    else:
        manifest, why = _parse_manifest(raw)
    if manifest is None:
        problems.append(Problem(mloc, "GK504", f"manifest.json 无法读取：{why}", hint=_restore_hint()))
        return None
    digest = hashlib.sha256(raw).hexdigest()
    chained = manifest["format"] == 2
    links.append(
        Link(
            entry,
            digest,
            manifest["seq"] if chained else 0,
            manifest["prev"] if chained else "",
            manifest["record_id"],
            manifest["posted"],
            manifest["code"] if chained else "",
        )
    )
    if not files:
        return None
    n_before = len(problems)
    if manifest["digest"] != manifest_digest(manifest) or raw != manifest_bytes(manifest):
        problems.append(
            Problem(mloc, "GK501", "存档文件被改动过：manifest.json 与它自己的校验码不符", hint=_restore_hint())
        )
    record_id, posted = manifest["record_id"], date.fromisoformat(manifest["posted"])
    day = _DAY.match(entry[len(ARCHIVE_DIR) + 1 :].rsplit("/", 1)[0])
    name = entry.rsplit("/", 1)[-1]
    folder_day = day and f"{day[1]}-{day[2]}-{day[3]}"
    right_name = manifest["name"] == name if chained else re.fullmatch(re.escape(record_id) + r"(_[0-9]+)?", name)
    if folder_day != posted.isoformat() or not right_name:
        problems.append(
            Problem(
                mloc,
                "GK506",
                "存档条目的位置与 manifest.json 不符",
                "posted",
                f"{record_id} {posted.isoformat()}",
                f"content/archive/{posted.year:04d}/{posted.month:02d}-{posted.day:02d}/{record_id}/；"
                "存档条目不得移动或改名",
            )
        )
    listed: dict[str, str] = manifest["files"]
    present = names - {MANIFEST, SIGNATURE}
    if SIGNATURE in names:
        why_not = check_signature(root / entry / MANIFEST, root / entry / SIGNATURE)
        if why_not:
            problems.append(
                Problem(
                    Loc(f"{entry}/{SIGNATURE}"),
                    "GK501",
                    f"存档清单的签名与 manifest.json 不符：{why_not}",
                    hint=_restore_hint(),
                )
            )
    for f in sorted(listed):
        if chained and not _LISTED.match(f):
            problems.append(
                Problem(
                    mloc,
                    "GK503",
                    f"manifest.json 登记了存档不会有的文件 {f}",
                    "files",
                    f,
                    "存档条目只有 gongkai archive 写入的文件：公示单、二维码、PDF、原始记录和照片",
                )
            )
    if chained and (manifest["code"] != code_of(manifest["content_digest"])):
        problems.append(
            Problem(mloc, "GK501", "存档文件被改动过：核验码与公示内容的校验码不符", "code", manifest["code"])
        )
    elif (
        chained
        and "sheet.html" in present
        and manifest["code"].encode("ascii") not in (root / entry / "sheet.html").read_bytes()
    ):
        problems.append(
            Problem(
                Loc(f"{entry}/sheet.html"),
                "GK501",
                "存档文件被改动过：公示单上没有清单记录的核验码",
                "code",
                manifest["code"],
                _restore_hint(),
            )
        )
    for f in sorted(listed):
        path = root / entry / f
        if f not in present:
            problems.append(Problem(Loc(f"{entry}/{f}"), "GK502", "存档文件缺失", hint=_restore_hint()))
        elif _sha256_file(path) != listed[f]:
            problems.append(
                Problem(
                    Loc(f"{entry}/{f}"),
                    "GK501",
                    "存档文件被改动过：SHA-256 校验码与 manifest.json 记录的不符",
                    hint=_restore_hint(),
                )
            )
    for f in sorted(present - set(listed)):
        problems.append(
            Problem(
                Loc(f"{entry}/{f}"),
                "GK503",
                "存档条目中多出了 manifest.json 没有记录的文件",
                hint="只有 manifest.json 记录的文件（存档条目不得添加文件）：请把这个文件移走；要补充照片，请重新存档",
            )
        )
    if len(problems) > n_before:
        return None
    return Posting(
        record_id=record_id,
        posted=posted,
        place=manifest.get("place", ""),
        folder=entry,
        files=tuple(sorted([*listed, MANIFEST, *([SIGNATURE] if SIGNATURE in names else [])])),
        title=manifest.get("title", ""),
        paper=manifest.get("paper", ""),
        sheet_pages=manifest.get("sheet_pages", 0),
        digest=digest,
        version=manifest.get("gongkai", ""),
        seq=manifest["seq"] if chained else 0,
        prev=manifest["prev"] if chained else "",
        code=manifest["code"] if chained else "",
    )


def _depth(text: str) -> int:
    """How deeply the JSON in ``text`` nests (counted without parsing it,
    so that 200,000 ``[`` cannot exhaust the parser's stack)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _str_map(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items())


def _parse_manifest(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """The manifest as read, or None and why not.  Every key ``gongkai
    archive`` writes is checked for its type: a manifest is data a keeper
    (or anyone with the folder) can hand-edit."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "不是 UTF-8 编码的文字"
    if _depth(text) > MAX_DEPTH:
        return None, f"嵌套层数超过 {MAX_DEPTH} 层，不是 gongkai 写的清单"
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return None, f"不是有效的 JSON（{exc}）"
    if not isinstance(data, dict):
        return None, "顶层应是一个对象"
    fmt = data.get("format")
    if not _is_int(fmt) or fmt not in (1, FORMAT):
        return None, f"格式版本应为 1 或 {FORMAT}"
    for key in ("record_id", "posted", "gongkai", "digest"):
        if not isinstance(data.get(key), str):
            return None, f"缺少 {key}"
    if not _SLUG.match(data["record_id"]):
        return None, "record_id 不是有效的记录编号"
    try:
        date.fromisoformat(data["posted"])
    except ValueError:
        return None, "posted 不是有效日期"
    files = data.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _SHA256.match(v) and _safe_name(k) for k, v in files.items()
    ):
        return None, "files 应是“文件名: SHA-256”的对象"
    for key in ("place", "title", "paper", "source", "record_type"):
        if not isinstance(data.get(key, ""), str):
            return None, f"{key} 应是文字"
    if not _is_int(data.get("sheet_pages", 0)) or data.get("sheet_pages", 0) < 0:
        return None, "sheet_pages 应是页数（整数）"
    if not _str_map(data.get("photos", {})):
        return None, "photos 应是“照片: 原文件名”的对象"
    if fmt == 2:
        if not _is_int(data.get("seq")) or data["seq"] < 1:
            return None, "seq 应是正整数"
        for key in ("prev", "content_digest"):
            if not isinstance(data.get(key), str) or not _SHA256.match(data[key]):
                return None, f"{key} 应是 SHA-256 校验码"
        if not isinstance(data.get("name"), str) or not isinstance(data.get("code"), str):
            return None, "缺少 name 或 code"
    return data, ""


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name and name != MANIFEST


# --- validation against the records -----------------------------------------------------------


def check_postings(postings: Sequence[Posting], records: Mapping[str, Record]) -> list[Problem]:
    """An entry whose record no longer exists (GK505)."""
    out = []
    for p in postings:
        if p.record_id not in records:
            out.append(
                Problem(
                    Loc(f"{p.folder}/{MANIFEST}"),
                    "GK505",
                    f"存档对应的记录“{p.record_id}”不存在",
                    "record_id",
                    p.record_id,
                    f"已有记录的编号：张贴过的记录不能删除或改编号；要更正，请另写一条带 supersedes: {p.record_id} 的记录",
                )
            )
    return out


def visible_postings(postings: Sequence[Posting], records: Iterable[Record], today: date) -> tuple[Posting, ...]:
    """The postings the site shows on ``today``: posted by then, of a public
    record that is on the site; newest first."""
    public = {r.id for r in records if r.is_public}
    shown = [p for p in postings if p.posted <= today and p.record_id in public]
    return tuple(sorted(shown, key=lambda p: (p.posted, p.name), reverse=True))


# --- the site section ------------------------------------------------------------------------------


def plan_postings(site: Site) -> list[Page]:
    """``postings/`` (every day something was posted) and one page per day."""
    home = ("首页", "")
    by_day: dict[date, list[Posting]] = defaultdict(list)
    for p in site.postings:
        by_day[p.posted].append(p)
    days = sorted(by_day, reverse=True)
    pages = [
        Page(
            "postings/",
            "postings/index.html",
            "公开栏存档",
            {
                "days": [(d, tuple(sorted(by_day[d], key=lambda p: p.name))) for d in days],
                "titles": {p.record_id: _record_title(site, p.record_id) for p in site.postings},
            },
            (home,),
        )
    ]
    for d in days:
        pages.append(
            Page(
                by_day[d][0].day_url,
                "postings/day.html",
                f"{d.year}年{d.month}月{d.day}日张贴的公示",
                {
                    "day": d,
                    "postings": tuple(sorted(by_day[d], key=lambda p: p.name)),
                    "records": {p.record_id: site.by_id[p.record_id] for p in by_day[d]},
                    "corrected_by": {p.record_id: site.corrections.get(p.record_id, ()) for p in by_day[d]},
                },
                (home, ("公开栏存档", "postings/")),
            )
        )
    return pages


def _record_title(site: Site, record_id: str) -> str:
    rec = site.by_id.get(record_id)
    return rec.title if rec is not None else ""


def site_links(site: Site) -> list[Link]:
    """The site's archive entries as the chain sees them (for chain.json)."""
    return [Link(p.folder, p.digest, p.seq, p.prev, p.record_id, p.posted.isoformat(), p.code) for p in site.postings]


def posting_files(site: Site) -> list[tuple[str, str]]:
    """(output path, site-relative source path) of every file the site
    shows from the archive: the frozen sheets, PDFs, photos, manifests."""
    return [(f"{p.files_url}{f}", f"{p.folder}/{f}") for p in site.postings for f in p.public_files]


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
    meta = {
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
    )


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


SIGNATURE = MANIFEST + ".sig"
NAMESPACE = "gongkai-archive"


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


def check_signature(manifest: Path, signature: Path) -> str:
    """ "" when ``signature`` is a valid SSH signature of ``manifest`` (by
    whatever key: who signed is checked against the township's published
    public key with ``ssh-keygen -Y verify``), else why not."""
    try:
        with manifest.open("rb") as f:
            r = subprocess.run(
                ["ssh-keygen", "-Y", "check-novalidate", "-n", NAMESPACE, "-s", str(signature)],
                stdin=f,
                capture_output=True,
                text=True,
                timeout=60,
            )
    except FileNotFoundError:
        return ""  # no OpenSSH here: the signature cannot be checked, the chain still is
    except subprocess.TimeoutExpired:
        return "ssh-keygen 超时"
    return "" if r.returncode == 0 else (r.stderr.strip() or "签名无效")


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
