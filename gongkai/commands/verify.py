"""``gongkai verify``: a saved copy of the site against the archive now.

Anyone who saved the site (a folder from ``wget --mirror``, a downloaded
``postings/chain.json``, or the address of a mirror) holds the archive chain
as it was that day.  Every entry in it must still be in the archive,
unchanged and in the same place; this module lists, in Chinese, every
entry that is not, and the files of each that differ (from the saved copy's
``manifest.json`` where it has one).  Web addresses are fetched with urllib
only: they are the township's own site or a copy of it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gongkai.core.archive_format import MANIFEST, _depth, _parse_manifest
from gongkai.core.chain import CHAIN_JSON, Link, Saved, check_chain, compare_chains, parse_saved
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import GongkaiError
from gongkai.read.archive import archive_links

__all__ = ["VerifyResult", "verify_against"]

MAX_FETCH = 50 * 1024 * 1024
TIMEOUT = 30


@dataclass(frozen=True)
class VerifyResult:
    lines: tuple[str, ...]  # every difference, in Chinese; empty when the copy agrees
    differences: int
    saved: int  # entries in the saved copy
    now: int  # entries in the archive now


def _fetch(url: str) -> bytes | None:
    """The body at ``url``; None when it is not there (404)."""
    request = urllib.request.Request(url, headers={"User-Agent": "gongkai-verify"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            data = response.read(MAX_FETCH + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise GongkaiError(f"无法下载 {url}：服务器返回 {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise GongkaiError(f"无法下载 {url}：{reason}") from exc
    if len(data) > MAX_FETCH:
        raise GongkaiError(f"{url} 太大，不是 gongkai 的存档链")
    return data


def _reader(saved: str) -> tuple[bytes, Callable[[str], bytes | None], str]:
    """(chain.json bytes, a reader of other files of the copy by site path, what was read)."""
    if saved.startswith(("http://", "https://")):
        if saved.endswith(".json"):
            chain_url, base = saved, saved[: -len(CHAIN_JSON)] if saved.endswith(CHAIN_JSON) else ""
        else:
            base = saved.rstrip("/") + "/"
            chain_url = base + CHAIN_JSON
        data = _fetch(chain_url)
        if data is None:
            raise GongkaiError(f"{chain_url} 不存在：这个网站（或副本）没有公开栏存档链")
        return data, (lambda rel: _fetch(base + rel) if base else None), chain_url
    path = Path(saved)
    if path.is_file():
        root = path.parent.parent if path.parent.name == "postings" else None
        chain = path
    elif path.is_dir():
        candidates = [(path / CHAIN_JSON, path), (path / "chain.json", path.parent)]
        found = [(c, r) for c, r in candidates if c.is_file()]
        if not found:
            raise GongkaiError(f"{path} 中没有 {CHAIN_JSON}：请给出保存的网站文件夹或 chain.json 文件")
        chain, root = found[0]
    else:
        raise GongkaiError(f"找不到 {saved}：请给出保存的网站文件夹、chain.json 文件或网址")
    if chain.stat().st_size > MAX_FETCH:
        raise GongkaiError(f"{chain} 太大，不是 gongkai 的存档链")

    def read(rel: str) -> bytes | None:
        if root is None:
            return None
        p = root / rel
        return p.read_bytes() if p.is_file() and p.stat().st_size <= MAX_FETCH else None

    return chain.read_bytes(), read, str(chain)


def _manifest(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    data, _ = _parse_manifest(raw)
    return data


_FIELDS = {
    "posted": "张贴日期",
    "place": "张贴地点",
    "title": "标题",
    "code": "核验码",
    "seq": "序号",
    "name": "目录名",
}


def _file_diff(root: Path, read: Callable[[str], bytes | None]) -> Callable[[Saved, Link], list[str]]:
    def diff(s: Saved, cur: Link) -> list[str]:
        old = _manifest(read(s.path + MANIFEST))
        new = _manifest((root / cur.folder / MANIFEST).read_bytes())
        if old is None or new is None:
            return ["（旧副本中没有这条存档的 manifest.json，无法逐个文件对照）"] if old is None else []
        out = []
        for key, label in _FIELDS.items():
            if key in old and old.get(key) != new.get(key):
                out.append(f"{label}：旧副本为“{old.get(key)}”，现在为“{new.get(key, '')}”")
        of, nf = old["files"], new["files"]
        for f in sorted(set(of) | set(nf)):
            if f not in nf:
                out.append(f"文件 {f} 被删除了")
            elif f not in of:
                out.append(f"多出了文件 {f}")
            elif of[f] != nf[f]:
                out.append(f"文件 {f} 被改动过（内容与旧副本不同）")
        return out

    return diff


def verify_against(site_dir: Path, saved: str) -> VerifyResult:
    """Compare the saved copy ``saved`` (URL, folder or chain.json) with the
    archive of the site at ``site_dir``."""
    from gongkai.read.load import find_site_root

    root = find_site_root(site_dir)
    data, read, where = _reader(saved)
    try:
        text = data.decode("utf-8")
        if _depth(text) > 6:
            raise ValueError("嵌套过深")
        entries = parse_saved(json.loads(text))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise GongkaiError(f"{where} 不是有效的存档链文件：{exc}") from exc
    now = archive_links(root)
    lines = [f"现在的存档链：{p.message}（{p.loc.path}）" for p in check_chain(now)]
    lines += compare_chains(entries, now, _file_diff(root, read))
    differences = sum(1 for x in lines if not x.startswith("  "))
    return VerifyResult(tuple(lines), differences, len(entries), len(now))
