"""The archive entry's format: folder layout, the manifest and its digest.

Shared by the reader (read/archive.py), the verifier (commands/verify.py) and
the writer (commands/archive.py); see read/archive.py for the whole story.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date
from pathlib import PurePosixPath
from typing import Any

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


SIGNATURE = MANIFEST + ".sig"


NAMESPACE = "gongkai-archive"
