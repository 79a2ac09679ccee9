"""One scanner for every file that is published or committed.

The build's last gate (every file of the output) and the git pre-commit hook
(every staged file) both call :func:`scan_file`, so they refuse the same
set.  A file is read by its content, whatever its name says:

* text in any encoding gongkai accepts (UTF-8/16/32 with or without BOM,
  GBK/GB18030), scanned as written and as a reader sees it (HTML tags
  removed, whitespace collapsed: :func:`gongkai.core.privacy.find_pii_seen`);
* zip packages (xlsx/xlsm, docx, pptx, odt/ods): the text of every XML
  member -- every sheet including hidden ones, shared strings, comments,
  headers and footers, defined names, document properties -- after the
  sizes in the zip directory have been checked against caps;
* PDF: the text layer (pypdf); images: every metadata block (Pillow);
* the file's own path (folder and file names).

What cannot be read (a scanned PDF without text, an unknown binary) is an
attachment type that must be allowed in site.yaml (``allow_unread``).

Pure: a name and bytes in, :class:`Hit` values out.  No file access.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from gongkai.check.xlsx_table import is_sheet, shared_strings, sheet_rows
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.core.privacy import find_pii
from gongkai.core.privacy_context import LABEL, PERSONAL_HEADER, label_delimited
from gongkai.core.privacy_filter import NumberSoup, number_spans
from gongkai.core.privacy_seen import find_pii_seen, remove_emphasis
from gongkai.read.raw import decode

__all__ = [
    "DEFAULT_UNREAD",
    "REFUSED_SUFFIXES",
    "Hit",
    "hit_problem",
    "scan_file",
    "scan_name",
    "scan_text",
]

# Caps read from the zip directory before anything is inflated.
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_TOTAL = 128 * 1024 * 1024  # uncompressed bytes of all members
ZIP_MAX_SHARED = 32 * 1024 * 1024  # xl/sharedStrings.xml, as gongkai.read.roster reads it
ZIP_MAX_MEMBER = 64 * 1024 * 1024
ZIP_MAX_RATIO = 200  # uncompressed / compressed of one member
PDF_MAX_PAGES = 2_000
# Binary types read by no one that a site may publish without asking:
# web fonts and compressed copies the build itself makes.
DEFAULT_UNREAD = frozenset({".woff", ".woff2", ".ttf", ".otf", ".eot"})
# Types that run script on the site's own origin: never attachments.
REFUSED_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".svg", ".svgz", ".js", ".mjs", ".xml", ".xsl", ".swf"})

_KIND_TEXT = {"id": "身份证号", "card": "银行卡号", "phone": "手机号"}


@dataclass(frozen=True, slots=True)
class Hit:
    """One thing found in a file.  ``kind``: id / card / phone (a personal
    number, ``shown`` masked), or unread / limit / gps (``shown`` says why)."""

    kind: str
    where: str  # 文件名, 正文, 工作表 xl/worksheets/sheet2.xml, 照片信息 ...
    line: int
    shown: str
    digits: str = ""


def _line_of(text: str, digits: str) -> int:
    at = text.find(digits[:6])
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


_TAG = re.compile(r"<[^>]*>")
# A line break inside a paragraph: the reader still sees one number.
_BREAK = re.compile(r"<(?:br|wbr)\b[^>]*>", re.I)


def visible_html(text: str) -> str:
    """What a browser shows of an HTML text, for the scanner: inline tags
    and emphasis between digits (``<em>``, ``<span>``) vanish, every other
    tag separates (NUL), references are resolved."""
    import html

    text = _TAG.sub("\0", _BREAK.sub(" ", remove_emphasis(text)))
    return html.unescape(text) if "&" in text else text


_TABLE = re.compile(r"<table\b.*?</table\s*>", re.S | re.I)
_TR = re.compile(r"<tr\b[^>]*>(.*?)(?=<tr\b|</table|</tbody|</thead|</tfoot|\Z)", re.S | re.I)
_CELL = re.compile(r"<(t[hd])\b([^>]*)>", re.I)
_TH = re.compile(r"<th\b[^>]*>(.*?)</th\s*>", re.S | re.I)
_SPAN = re.compile(r"colspan\s*=\s*[\"']?(\d+)", re.I)
_LABEL = LABEL
_PERSONAL_HEADER = PERSONAL_HEADER


def label_columns(html: str) -> str:
    """``html`` with each cell of a table column headed by a non-personal
    label (受理编号, 地块编码, 单位账号 …) prefixed by that label, so the
    scanner reads the cell as the clerk's reader does: under its header.
    A header that also names personal data (身份证号, 银行卡号, 电话) labels
    nothing.  No line is added or removed."""
    if "<th" not in html and "<TH" not in html:
        return html
    if not any(_LABEL.search(h) for h in _TH.findall(html)):  # the headers only: a page is long, they are few
        return html
    return _TABLE.sub(_label_table, html)


def _label_table(m: re.Match[str]) -> str:
    table = m.group(0)
    labels: dict[int, str] = {}
    out: list[str] = []
    pos = 0
    for row in _TR.finditer(table):
        cells = list(_CELL.finditer(row.group(1)))
        base = row.start(1)
        if not labels and cells and any(c.group(1).lower() == "th" for c in cells):
            col = 0
            for k, c in enumerate(cells):
                end = cells[k + 1].start() if k + 1 < len(cells) else len(row.group(1))
                text = _TAG.sub("", row.group(1)[c.end() : end])
                found = _LABEL.search(text)
                if found and not _PERSONAL_HEADER.search(text):
                    labels[col] = found.group(0)
                span = _SPAN.search(c.group(2))
                col += int(span.group(1)) if span else 1
            continue
        if not labels:
            continue
        col = 0
        for c in cells:
            label = labels.get(col)
            if label is not None and c.group(1).lower() == "td":
                out.append(table[pos : base + c.end()])
                out.append(f"{label}：")
                pos = base + c.end()
            span = _SPAN.search(c.group(2))
            col += int(span.group(1)) if span else 1
    out.append(table[pos:])
    return "".join(out)


def scan_text(
    text: str, where: str = "正文", *, phones: bool = True, html: bool = False, labels: bool = True
) -> list[Hit]:
    """Numbers in a text: as written (with positions) and as a reader sees
    it (joined across line breaks, emphasis, dots ...).  In HTML a table
    cell is read under its column's header (label_columns).

    Only the stretches where eleven digits are chained closely enough to
    make a number are read (privacy_filter.number_spans, with the context
    the detectors look at around them): a page's other text is skipped at
    C speed, and text without such a chain costs one regex scan."""
    html = html or "<" in text
    if html:
        text = label_columns(text)  # the whole page: headers label the cells below them
    found: list[tuple[int, _PartHit]] = []
    try:
        spans = number_spans(text)
        if spans and labels and not html:
            labelled = label_delimited(text)  # CSV, TSV, Markdown tables: headers label the cells below them
            if labelled is not text:
                text, spans = labelled, number_spans(labelled)
    except NumberSoup as soup:
        return [Hit("limit", where, 1, soup.message())]
    for lo, hi in spans:
        part = text[lo:hi] if (lo, hi) != (0, len(text)) else text
        first = text.count("\n", 0, lo) if lo else 0
        found += [(first, h) for h in _scan_part(part, phones, html)]
    hits = [Hit(h.kind, where, h.line + first, h.shown, h.digits) for first, h in found if not h.seen]
    have = {h.digits for h in hits}
    for first, h in found:
        if h.seen and h.digits not in have:
            have.add(h.digits)
            hits.append(Hit(h.kind, where, h.line + first, h.shown, h.digits))
    return hits


@dataclass(frozen=True, slots=True)
class _PartHit:
    kind: str
    line: int
    shown: str
    digits: str
    seen: bool  # found as a reader sees the text (reported once per number)


# What the detectors found in a stretch of text, by its text: a page's
# footer (the office's phone) and header repeat on every page of a site.
_PARTS: dict[tuple[str, bool, bool], tuple[_PartHit, ...]] = {}
_PARTS_MAX = 4096
_PART_MAX_LEN = 8192


def _scan_part(part: str, phones: bool, html: bool) -> tuple[_PartHit, ...]:
    key = (part, phones, html)
    done = _PARTS.get(key)
    if done is not None:
        return done
    out = [
        _PartHit(f.kind, part.count("\n", 0, f.start) + 1, f.display(), f.digits, False)
        for f in find_pii(part, phones=phones)
    ]
    have = {h.digits for h in out}
    for f in find_pii_seen(visible_html(part) if html else part, phones=phones):
        if f.digits not in have:
            have.add(f.digits)
            out.append(_PartHit(f.kind, _line_of(part, f.digits), f.display(), f.digits, True))
    result = tuple(out)
    if len(part) <= _PART_MAX_LEN:
        if len(_PARTS) >= _PARTS_MAX:
            _PARTS.clear()
        _PARTS[key] = result
    return result


def scan_name(rel: str, *, phones: bool = True) -> list[Hit]:
    """Numbers in a path: folder and file names, read with '_', '.', '-'
    and letters around the digits."""
    return [Hit(h.kind, "文件名", 0, h.shown, h.digits) for h in scan_text(rel, phones=phones)]


def scan_file(
    rel: str,
    data: bytes,
    *,
    phones: bool = True,
    allow_unread: Iterable[str] = (),
    name: bool = True,
) -> list[Hit]:
    """Everything personal in one file, read by its content (each number
    once per place)."""
    found = _scan_file(rel, data, phones, allow_unread, name)
    seen: set[tuple[str, str, str]] = set()
    out = []
    for h in found:
        key = (h.kind, h.where, h.digits or h.shown)
        if key not in seen:
            seen.add(key)
            out.append(h)
    return out


def _scan_file(rel: str, data: bytes, phones: bool, allow_unread: Iterable[str], name: bool) -> list[Hit]:
    hits = scan_name(rel, phones=phones) if name else []
    suffix = _suffix(rel)
    allowed = DEFAULT_UNREAD | {s.lower() for s in allow_unread}
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return hits + _scan_zip(data, phones)
    if data.startswith(b"%PDF-"):
        return hits + _scan_pdf(data, phones, suffix in allowed)
    image = _scan_image(data, phones)
    if image is not None:
        return hits + image
    text = _as_text(data, rel)
    if text is not None:
        return hits + scan_text(text, "正文", phones=phones, html=suffix in (".html", ".htm", ".xhtml", ".svg"))
    if suffix in allowed:
        return hits
    return [*hits, Hit("unread", "文件", 0, "无法读取其中的文字（不是文本、表格、文档、PDF 或图片）")]


def _suffix(rel: str) -> str:
    """PurePosixPath(rel).suffix.lower(), without making a path (called for every file of a build)."""
    name = rel.rpartition("/")[2]
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def _as_text(data: bytes, rel: str) -> str | None:
    head = data[:4096]
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\0" in head and not utf16:
        return None
    if not utf16:  # nearly every file: UTF-8, as read.raw.decode would read it, without its checks
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        else:
            return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    decoded = decode(data, rel)
    if decoded.encoding != "unknown":
        return decoded.text
    try:  # short GBK text that charset detection will not vouch for
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return None


# --- zip packages -------------------------------------------------------------------

_XML_BREAK = re.compile(
    r"</(?:[\w]+:)?(?:p|si|c|row|definedName|oddHeader|evenHeader|oddFooter|evenFooter|firstHeader|firstFooter|"
    r"tc|h|tr|comment|text|v|f|is|title|subject|creator|keywords|description|lastModifiedBy|category|"
    r"lpwstr|lpstr|bstr|Company|Manager|HyperlinkBase)\s*>"
    r"|<(?:[\w]+:)?(?:br|tab|cr|line-break|s)\b[^>]*/>"
)
_XML_TAG = re.compile(r"<[^>]*>")
_XML_ATTR_TEXT = re.compile(r'\b(?:name|val|value|title|descr|tooltip|location)="([^"]*)"')


def _zip_text(xml: str) -> str:
    import html

    attrs = "\n\0".join(_XML_ATTR_TEXT.findall(xml))  # each value apart, as the elements are
    text = _XML_TAG.sub("", _XML_BREAK.sub("\n\0", xml))
    return html.unescape(text + "\n" + attrs)


def _scan_zip(data: bytes, phones: bool) -> list[Hit]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return [Hit("unread", "文件", 0, "压缩包已损坏，无法读取")]
    if len(infos) > ZIP_MAX_MEMBERS:
        return [Hit("limit", "文件", 0, f"压缩包中的文件超过 {ZIP_MAX_MEMBERS} 个")]
    members = [i for i in infos if not i.is_dir()]
    total = sum(i.file_size for i in members)
    if total > ZIP_MAX_TOTAL:
        return [Hit("limit", "文件", 0, f"解压后超过 {ZIP_MAX_TOTAL // 2**20} MB")]
    hits: list[Hit] = []
    parts: list[tuple[zipfile.ZipInfo, bytes]] = []
    for info in members:
        hits += [Hit(h.kind, f"压缩包内文件名 {info.filename}", 0, h.shown, h.digits) for h in scan_name(info.filename)]
        shared = info.filename.lower().endswith("sharedstrings.xml") and info.file_size > ZIP_MAX_SHARED
        if (
            shared
            or info.file_size > ZIP_MAX_MEMBER
            or (info.compress_size and info.file_size / info.compress_size > ZIP_MAX_RATIO and info.file_size > 2**20)
        ):
            hits.append(Hit("limit", info.filename, 0, f"{info.filename} 解压后过大（{info.file_size // 2**20} MB）"))
            continue
        try:
            parts.append((info, zf.read(info)))
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
            hits.append(Hit("unread", info.filename, 0, f"{info.filename} 无法解压（已损坏或已加密）"))
    excused = _excused_by_headers(parts, phones)
    for info, raw in parts:
        low = info.filename.lower()
        if low.endswith((".xml", ".rels", ".vml")) or raw.lstrip()[:5] == b"<?xml":
            text = _zip_text(raw.decode("utf-8", "replace"))
            found = scan_text(text, info.filename, phones=phones)
            if excused and (is_sheet(low) or low.endswith("sharedstrings.xml")):
                found = [h for h in found if h.digits not in excused]
            hits += found
        else:
            hits += [
                Hit(h.kind, info.filename, h.line, h.shown, h.digits)
                for h in scan_file(
                    info.filename, raw, phones=phones, allow_unread=(PurePosixPath(low).suffix,), name=False
                )
            ]
    return hits


def _excused_by_headers(parts: list[tuple[zipfile.ZipInfo, bytes]], phones: bool) -> frozenset[str]:
    """Numbers of a workbook's sheets found bare but not under their
    column's header (受理编号, 地块编码 ...): check/xlsx_table."""
    sheets = [(info, raw) for info, raw in parts if is_sheet(info.filename)]
    if not sheets:
        return frozenset()
    strings = next((raw for info, raw in parts if info.filename.lower().endswith("sharedstrings.xml")), b"")
    shared = shared_strings(strings.decode("utf-8", "replace")) if strings else []
    excused: set[str] = set()
    for _info, raw in sheets:
        rows = sheet_rows(raw.decode("utf-8", "replace"), shared)
        bare = {h.digits for h in scan_text(rows, phones=phones, labels=False) if h.digits}
        if bare:
            excused |= bare - {h.digits for h in scan_text(rows, phones=phones) if h.digits}
    return frozenset(excused)


# --- PDF and images ---------------------------------------------------------------------


def _scan_pdf(data: bytes, phones: bool, allowed: bool) -> list[Hit]:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages
        if len(pages) > PDF_MAX_PAGES:
            return [Hit("limit", "PDF", 0, f"PDF 超过 {PDF_MAX_PAGES} 页")]
        parts = [p.extract_text() or "" for p in pages]
        meta: Mapping[str, Any] = reader.metadata or {}
        parts.append("\n".join(str(v) for v in meta.values()))
    except Exception:  # pypdf raises many kinds on a broken file
        return [] if allowed else [Hit("unread", "PDF", 0, "PDF 已损坏或已加密，无法读取其中的文字")]
    text = "\n".join(parts)
    hits = scan_text(text, "PDF 文字", phones=phones)
    if not text.strip() and not allowed:
        hits.append(Hit("unread", "PDF", 0, "PDF 中没有可读的文字（可能是扫描件），无法检查其中是否有个人信息"))
    return hits


_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"II*\0", b"MM\0*", b"BM", b"\0\0\1\0")


def _scan_image(data: bytes, phones: bool) -> list[Hit] | None:
    if not data.startswith(_IMAGE_MAGIC):
        return None
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            exif = im.getexif()
            parts = [str(v) for v in im.info.values() if isinstance(v, str | bytes)]
            parts += [str(v) for v in exif.values()]
            gps = exif.get_ifd(0x8825) if 0x8825 in exif else {}
            for ifd in (0x8769,):
                if ifd in exif:
                    parts += [str(v) for v in exif.get_ifd(ifd).values()]
    except Exception:  # Pillow raises many kinds on a broken image
        return None
    text = "\n".join(p.decode("utf-8", "replace") if isinstance(p, bytes) else p for p in parts)
    hits = scan_text(text, "图片信息", phones=phones)
    if gps:
        hits.append(Hit("gps", "图片信息", 0, "图片中含有拍摄位置（GPS）"))
    return hits


# --- problems --------------------------------------------------------------------------

_HINT = {
    "id": "删除或遮蔽该身份证号（出生日期第 7–14 位必须遮住）",
    "card": "银行卡号一律不得公开，请删除",
    "phone": "个人手机号不得公开；单位联系电话请写在 site.yaml 的 contact 或记录的 objection 中",
    "unread": "请改用可以检查的格式（带文字的 PDF、xlsx、docx、txt），或在 site.yaml 的 allow_unread 中列出该类型",
    "limit": "文件过大或结构异常，无法在限定时间内检查；请拆分或重新导出",
    "gps": "用 gongkai archive 重新归档照片（会去掉拍摄位置等信息），或用图片工具删除照片的 EXIF 信息",
}


def hit_problem(hit: Hit, path: str, code: str, what: str) -> Problem:
    """A Problem for ``hit`` in the file ``path``; ``what`` names the place
    (``生成的文件中`` / ``提交的文件中``)."""
    where = "" if hit.where in ("正文", "文件") else f"（{hit.where}）"
    if hit.kind in _KIND_TEXT:
        message = f"{what}出现了未遮蔽的{_KIND_TEXT[hit.kind]}{where}"
        value = hit.shown
    elif hit.kind == "gps":
        message = f"{what}的图片含有拍摄位置（GPS）"
        value = ""
    else:
        message = f"{what}有无法检查的内容{where}：{hit.shown}"
        value = ""
    return Problem(Loc(path, hit.line), code, message, value=value, hint=_HINT[hit.kind])


_GATE_CODES = {"unread": "GK405", "limit": "GK405", "gps": "GK406"}


def gate_problems(
    rel: str,
    data: bytes,
    public: frozenset[str] = frozenset(),
    allow_unread: Iterable[str] = (),
    attachments: frozenset[str] = frozenset(),
) -> list[Problem]:
    """The build's last gate over one output file: GK404 problems."""
    suffix = _suffix(rel)
    hits = [h for h in scan_file(rel, data, allow_unread=allow_unread) if h.digits not in public or not h.digits]
    out = [hit_problem(h, f"build/{rel}", _GATE_CODES.get(h.kind, "GK404"), "生成的文件中") for h in hits]
    if rel in attachments and suffix in REFUSED_SUFFIXES:
        out.append(
            Problem(
                Loc(f"build/{rel}"),
                "GK405",
                f"附件类型 {suffix} 会在网站上运行脚本，不能作为附件发布",
                hint="请改为 PDF、图片或 Office 文件后再上传",
            )
        )
    return out


def attachment_problems(
    rel: str,
    data: bytes,
    public: frozenset[str] = frozenset(),
    allow_unread: Iterable[str] = (),
) -> list[Problem]:
    """What the build's last gate will refuse in an attachment, found
    before the build, as ``gongkai check`` reports it (the same codes)."""
    suffix = _suffix(rel)
    hits = [h for h in scan_file(rel, data, allow_unread=allow_unread) if h.digits not in public or not h.digits]
    out = [hit_problem(h, rel, _GATE_CODES.get(h.kind, "GK404"), "附件中") for h in hits]
    if suffix in REFUSED_SUFFIXES:
        out.append(
            Problem(
                Loc(rel),
                "GK405",
                f"附件类型 {suffix} 会在网站上运行脚本，不能作为附件发布",
                hint="请改为 PDF、图片或 Office 文件后再上传",
            )
        )
    return out


# --- archive photos --------------------------------------------------------------------


def strip_photo(ext: str, data: bytes) -> bytes:
    """The photo without any metadata block (EXIF with GPS and descriptions,
    XMP, comments, text chunks, ICC profile), keeping only its orientation.
    A JPEG keeps its quantisation tables, so the picture is not degraded."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.load()
        orientation = im.getexif().get(0x0112)
        fmt = im.format or ext.lstrip(".").upper()
        im.info = {}  # Pillow carries comments, XMP and ICC over from here
        exif = Image.Exif()
        if orientation:
            exif[0x0112] = orientation
        extra: dict[str, object] = {"exif": exif.tobytes()} if orientation else {}
        out = io.BytesIO()
        if fmt == "JPEG":
            im.save(out, "JPEG", quality="keep", **extra)
        elif fmt == "MPO":
            im.save(out, "JPEG", quality=95, **extra)
        elif fmt == "WEBP":
            im.save(out, "WEBP", lossless=True, **extra)
        elif fmt == "PNG":
            im.save(out, "PNG", **extra)
        else:
            im.save(out, fmt)
    return out.getvalue()


def clean_archive_inputs(place: str, title: str, photos: list[tuple[str, bytes, str]]) -> list[tuple[str, bytes, str]]:
    """Before an archive entry is written: no personal number in ``--place``,
    the title or a photo's file name; every photo stripped of its metadata
    (:func:`strip_photo`).  Raises ValueError with a Chinese message."""
    for label, text in [("张贴地点（--place）", place), ("标题", title)] + [
        (f"第 {i} 张照片的文件名", name) for i, (_ext, _data, name) in enumerate(photos, start=1)
    ]:
        hits = scan_text(text)
        if hits:
            h = hits[0]
            raise ValueError(
                f"{label}中有{_KIND_TEXT[h.kind]}（{h.shown}），不能存档：存档一经生成不得修改，请先去掉该号码"
            )
    out = []
    for ext, data, name in photos:
        try:
            out.append((ext, strip_photo(ext, data), name))
        except Exception as exc:  # Pillow raises many kinds on a broken image
            raise ValueError(f"照片 {name} 无法读取（{exc.__class__.__name__}），请换一张照片") from exc
    return out
