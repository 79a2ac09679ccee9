"""``gongkai pack --portal``: the built site as a column of the county portal.

集约化 (国办发〔2017〕47号《政府网站发展指引》) puts a township's pages on the
county portal rather than on a site of its own.  The portal's staff import
the zip as one column; besides the site and ``SHA256SUMS`` the zip then holds
``gongkai-portal.json`` (MANIFEST), the list their CMS needs: the column's
address and owner, its sections, every page with its title, section and,
for a record, 索引号, 发布日期, 文号 and 发布机构, and every file with its size,
media type and SHA-256.  The format is documented in docs/portal.md.

Everything is read from the build itself (its sitemap.xml gives the column's
address, data/catalogue.json the records), so the manifest describes exactly
the files in the zip.  A build without ``base_url`` has no sitemap and no
absolute addresses: it is refused, since the portal needs the column's URL.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from gongkai.core.errors import GongkaiError
from gongkai.core.schema.types import RECORD_TYPES
from gongkai.core.version import __version__

__all__ = ["FORMAT", "MANIFEST", "column_url", "manifest", "manifest_problems"]

MANIFEST = "gongkai-portal.json"
FORMAT = "gongkai-portal-column/1"

_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Sections of the pages that are not a record type's folder.
_FOLDERS = {
    "": "首页",
    "catalogue": "公开目录",
    "standard": "标准目录",
    "archive": "按月归档",
    "postings": "公开栏存档",
    "search": "搜索",
    "apply": "政府信息公开申请表",
    "data": "开放数据",
    "sitemap": "网站地图",
    "print": "公开栏公示单",
}
# Media types by suffix, fixed so the manifest is the same on every machine.
_MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
}
_TITLE = re.compile(rb"<title>(.*?)</title>", re.S)


def column_url(build_dir: Path) -> str:
    """The column's address: the home page's entry in sitemap.xml."""
    path = build_dir / "sitemap.xml"
    if not path.is_file():
        raise GongkaiError(
            "导出县门户栏目需要栏目的网址：请在 content/site.yaml 填写 base_url（栏目的完整地址，以 / 结尾，"
            '如 base_url: "https://www.example.gov.cn/xxgk/qingshi/"），重新运行 gongkai build，再打包'
        )
    locs = [e.text or "" for e in ET.parse(path).getroot().iter(f"{_SITEMAP_NS}loc")]
    base = min(locs, key=len) if locs else ""
    if not base.endswith("/") or not all(u.startswith(base) for u in locs):
        raise GongkaiError(f"{path} 不是 gongkai 生成的站点地图：请重新运行 gongkai build，再打包")
    return base


def _section(rel: str) -> tuple[str, str]:
    """(section title, section path) of a file at ``rel``."""
    head = rel.split("/", 1)[0] if "/" in rel else ""
    for t in RECORD_TYPES.values():
        if t.folder == head:
            return t.label, f"{head}/"
    return _FOLDERS.get(head, head), f"{head}/" if head else ""


def _title(data: bytes, site_name: str) -> str:
    m = _TITLE.search(data)
    title = html.unescape(m.group(1).decode("utf-8")).strip() if m else ""
    return title.removesuffix(f" - {site_name}")


def manifest(build_dir: Path, files: list[tuple[str, int, str]]) -> bytes:
    """gongkai-portal.json for the build in ``build_dir`` whose files are
    ``files``: (path relative to it, size, SHA-256 in hex), sorted."""
    base = column_url(build_dir)
    names = {rel for rel, _, _ in files}
    try:
        catalogue = json.loads((build_dir / "data" / "catalogue.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise GongkaiError("网站目录中缺少 data/catalogue.json：请重新运行 gongkai build，再打包") from exc
    records = {r["path"]: r for r in catalogue["records"] if r.get("path")}
    site_name = _title((build_dir / "index.html").read_bytes(), "")
    sections: dict[str, str] = {}
    pages: list[dict[str, Any]] = []
    for rel, _, _ in files:
        if not rel.endswith(".html"):
            continue
        data = (build_dir / rel).read_bytes()
        title, section_path = _section(rel)
        if rel.count("/") == 1 and rel.endswith("/index.html"):
            sections[section_path] = title
        page_dir = rel.removesuffix("index.html")
        page: dict[str, Any] = {
            "path": rel,
            "url": base + page_dir if rel.endswith("index.html") else base + rel,
            "title": _title(data, site_name),
            "section": title,
            "section_path": section_path,
        }
        rec = records.get(page_dir)
        if rec is not None:
            page.update(
                index_no=rec["index_no"],
                date=rec["date"],
                doc_no=rec["doc_no"],
                publisher=rec["publisher_name"],
                type=rec["type"],
                disclosure=rec["disclosure_label"],
            )
        pages.append(page)
    doc = {
        "format": FORMAT,
        "generator": f"gongkai {__version__}",
        "column": {
            "title": site_name,
            "url": base,
            "organization": catalogue["organization"],
            "org_code": catalogue["org_code"],
            "as_of": catalogue["as_of"],
            "entry": "index.html",
            "sitemap": "sitemap.xml",
            "feed": "feed.xml" if "feed.xml" in names else "",
            "catalogue": "data/catalogue.json",
        },
        "sections": [{"title": t, "path": p} for p, t in sorted(sections.items())],
        "pages": pages,
        "files": [
            {
                "path": rel,
                "bytes": size,
                "media_type": _MEDIA.get(Path(rel).suffix.lower(), "application/octet-stream"),
                "sha256": digest,
            }
            for rel, size, digest in files
        ],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def manifest_problems(text: bytes, read: Any) -> list[str]:
    """Problems of a manifest against the files ``read(path)`` returns
    (None for a missing one)."""
    problems: list[str] = []
    try:
        doc = json.loads(text)
        listed = [(f["path"], f["sha256"], f["bytes"]) for f in doc["files"]]
    except (ValueError, KeyError, TypeError):
        return [f"{MANIFEST} 无法读取"]
    if doc.get("format") != FORMAT:
        problems.append(f"{MANIFEST} 的格式不是 {FORMAT}")
    for path, digest, size in listed:
        data = read(path)
        if data is None:
            problems.append(f"{MANIFEST} 列出的文件缺少：{path}")
        elif len(data) != size or hashlib.sha256(data).hexdigest() != digest:
            problems.append(f"文件内容与 {MANIFEST} 中的校验值不符：{path}")
    return problems
