"""The archive chain (存档链): what makes the archive hold against its keeper.

A SHA-256 in a manifest proves nothing against the person who can recompute
it.  Three things the keeper cannot reach afterwards do:

* **the chain**: every archive entry (manifest format 2) records ``seq``, its
  place in posting order, and ``prev``, the digest of the entry before it.
  Changing, removing, inserting or reordering a past entry breaks the next
  link, which every build checks (GK507, naming the first broken entry).
  Entries written before the chain existed (format 1, no ``seq``) are
  anchored all at once: the first chained entry's ``prev`` is the
  :func:`genesis` digest of their digests;
* **the paper**: every sheet carries a verification code (核验码), ten
  base32 characters of the *content digest* — a digest of the record as the
  sheet shows it (:func:`content_digest`).  It is known when the sheet is
  printed, before any archive entry exists, so the same code is on the wall,
  in the QR payload, in the manifest and on the site's posting page.  (An
  entry's own digest cannot be printed on the sheet it digests.);
* **every copy of the site**: each build publishes ``postings/chain.json``
  (:func:`chain_json`), append-only; ``gongkai verify`` compares a saved
  copy with the archive as it is now (:func:`compare_chains`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem

__all__ = [
    "CHAIN_JSON",
    "Link",
    "chain_json",
    "check_chain",
    "code_of",
    "compare_chains",
    "content_digest",
    "genesis",
    "posting_code",
]

CHAIN_JSON = "postings/chain.json"
CODE_CHARS = 10
# The record fields a sheet shows (common ones; the type's own fields are in ``data``).
_SHOWN = ("id", "type", "title", "publisher", "date", "doc_no", "notice", "objection", "body")


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data, the same for equal values whatever their class."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, str | bool | int) or value is None:
        return value
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, Sequence) or hasattr(value, "__iter__"):
        return [_plain(v) for v in value]
    return str(value)


def content_digest(record: Any) -> str:
    """SHA-256 of what a record's sheet shows: the same when the sheet is
    printed and when it is archived, whatever the paper or the theme."""
    body = {k: _plain(getattr(record, k)) for k in _SHOWN}
    body["data"] = _plain(record.data)
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(b"gongkai-sheet-content-1\n" + text.encode("utf-8")).hexdigest()


def code_of(digest_hex: str) -> str:
    """The verification code of a content digest: ``ABCDE-FGHIJ`` (base32:
    letters and 2–7, no 0/1/8/9 to mistake for O/I/B/g)."""
    raw = base64.b32encode(bytes.fromhex(digest_hex)).decode("ascii")[:CODE_CHARS]
    return f"{raw[:5]}-{raw[5:]}"


def posting_code(record: Any) -> str:
    """The code printed on ``record``'s sheet."""
    return code_of(content_digest(record))


def qr_payload(link: str, code: str) -> str:
    """What the sheet's QR code holds: the page address, the code beside it."""
    return f"{link}#code={code}"


def genesis(pre_chain: Sequence[str]) -> str:
    """The ``prev`` of the first chained entry: anchors every entry written
    before the chain (their digests, sorted)."""
    text = "gongkai-archive-chain-1\n" + "".join(d + "\n" for d in sorted(pre_chain))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Link:
    """One archive entry as the chain sees it."""

    folder: str  # site-relative, content/archive/YYYY/MM-DD/<name>
    digest: str  # SHA-256 of its manifest.json
    seq: int = 0  # 0: written before the chain (format 1)
    prev: str = ""
    record_id: str = ""
    posted: str = ""
    code: str = ""

    @property
    def public(self) -> str:
        """The entry's folder on the site (postings/YYYY/MM-DD/<name>/)."""
        return "postings/" + self.folder.split("/", 2)[2] + "/"


def _entry(link: Link | None) -> str:
    return f"第 {link.seq} 条（{link.folder}）" if link and link.seq else (link.folder if link else "")


def check_chain(links: Sequence[Link]) -> list[Problem]:
    """The first broken link of the chain (GK507), or nothing."""
    pre = [x.digest for x in links if not x.seq]
    chained = sorted((x for x in links if x.seq), key=lambda x: (x.seq, x.folder))
    expected, before = genesis(pre), None
    hint = (
        "存档只能追加，不能改动、删除、插入或调换：请从备份或版本库恢复存档原样（git checkout -- content/archive/）；"
        "用 gongkai verify 对照网站的旧副本可以列出所有改动"
    )
    for n, link in enumerate(chained, start=1):
        loc = Loc(f"{link.folder}/manifest.json")
        if link.seq != n:
            what = "重复" if link.seq < n else "跳号"
            return [
                Problem(
                    loc,
                    "GK507",
                    f"存档链在{_entry(link)}处断开：序号{what}（应为第 {n} 条），说明之前的存档被删除、插入或调换过",
                    "seq",
                    str(link.seq),
                    hint,
                )
            ]
        if link.prev != expected:
            if before is None:
                why = "存档链开始之前的旧存档（无序号的条目）被改动、删除或新添过"
            else:
                why = f"上一条{_entry(before)}被改动过，或两条之间有存档被删除、插入、调换"
            return [
                Problem(
                    loc,
                    "GK507",
                    f"存档链在{_entry(link)}处断开：它记下的上一条存档校验码与现在的不符——{why}",
                    "prev",
                    link.prev[:16],
                    hint,
                )
            ]
        expected, before = link.digest, link
    return []


def chain_json(links: Sequence[Link]) -> dict[str, Any]:
    """``postings/chain.json``: every entry's digest and link, in order."""
    pre = sorted((x for x in links if not x.seq), key=lambda x: x.folder)
    chained = sorted((x for x in links if x.seq), key=lambda x: x.seq)
    return {
        "format": 1,
        "about": "公开栏存档链：每条存档的校验码（manifest.json 的 SHA-256）和上一条的校验码。只能追加。",
        "pre_chain": [
            {"path": x.public, "digest": x.digest, "record_id": x.record_id, "posted": x.posted} for x in pre
        ],
        "genesis": genesis([x.digest for x in pre]),
        "entries": [
            {
                "seq": x.seq,
                "path": x.public,
                "record_id": x.record_id,
                "posted": x.posted,
                "code": x.code,
                "prev": x.prev,
                "digest": x.digest,
            }
            for x in chained
        ],
    }


def chain_bytes(links: Sequence[Link]) -> bytes:
    return (json.dumps(chain_json(links), ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


# --- comparing a saved copy with the archive now (``gongkai verify``) ---------------------------


@dataclass(frozen=True)
class Saved:
    """One entry as a saved copy of the site recorded it."""

    path: str
    digest: str
    seq: int = 0
    record_id: str = ""
    posted: str = ""
    code: str = ""


def parse_saved(data: Any) -> list[Saved]:
    """The entries of a saved ``chain.json``; ValueError when it is not one."""
    if not isinstance(data, dict) or data.get("format") != 1:
        raise ValueError("不是 gongkai 的 chain.json")
    out: list[Saved] = []
    for key in ("pre_chain", "entries"):
        items = data.get(key, [])
        if not isinstance(items, list):
            raise ValueError(f"{key} 应是列表")
        for item in items:
            if not (
                isinstance(item, dict) and isinstance(item.get("path"), str) and isinstance(item.get("digest"), str)
            ):
                raise ValueError(f"{key} 中有无法读取的条目")
            seq = item.get("seq", 0) if key == "entries" else 0
            if not isinstance(seq, int) or isinstance(seq, bool):
                raise ValueError("seq 应是整数")
            out.append(
                Saved(
                    item["path"],
                    item["digest"],
                    seq,
                    str(item.get("record_id", "")),
                    str(item.get("posted", "")),
                    str(item.get("code", "")),
                )
            )
    return out


def compare_chains(
    saved: Sequence[Saved],
    now: Sequence[Link],
    file_diff: Any = None,
) -> list[str]:
    """Every difference between a saved copy's chain and the archive now, in
    Chinese, one line each.  ``file_diff(saved_entry, link)`` may add lines
    naming the files that differ (from the saved copy's manifest)."""
    lines: list[str] = []
    by_path = {x.public: x for x in now}
    saved_paths = {s.path for s in saved}
    last_seq = max((s.seq for s in saved), default=0)
    matched: set[str] = set()
    for s in sorted(saved, key=lambda s: (s.seq, s.path)):
        label = f"第 {s.seq} 条存档" if s.seq else "存档链之前的存档"
        cur = by_path.get(s.path)
        if cur is None:
            # Moved: the same digest elsewhere, or (changed too) the same place in the chain.
            moved = [x for x in now if x.digest == s.digest and x.public not in saved_paths] or [
                x
                for x in now
                if s.seq and x.seq == s.seq and x.record_id == s.record_id and x.public not in saved_paths
            ]
            if not moved:
                lines.append(f"{label} {s.path}（{s.record_id}，{s.posted}）已不存在：被删除或移走了")
                continue
            cur = moved[0]
            lines.append(f"{label} {s.path}（{s.record_id}，{s.posted}）被移到了 {cur.public}")
        matched.add(cur.public)
        if cur.digest != s.digest:
            lines.append(f"{label} {s.path}（{s.record_id}，{s.posted}）被改动过：存档校验码与旧副本不同")
            if file_diff is not None:
                lines.extend("  " + x for x in file_diff(s, cur))
            else:
                if cur.posted != s.posted:
                    lines.append(f"  张贴日期从 {s.posted} 改成了 {cur.posted}")
                if s.code and cur.code != s.code:
                    lines.append(f"  核验码从 {s.code} 改成了 {cur.code}（公示单上印的是 {s.code}）")
        if cur.seq != s.seq:
            lines.append(f"{label} {s.path} 的序号从 {s.seq} 变成了 {cur.seq}：存档顺序被调换或前面有存档被增删")
    for x in sorted(now, key=lambda x: (x.seq, x.folder)):
        if x.public in saved_paths or x.public in matched:
            continue
        if not x.seq:
            lines.append(f"多出了一条存档链之前的存档 {x.public}（{x.record_id}，{x.posted}）：旧副本里没有")
        elif x.seq <= last_seq:
            lines.append(f"第 {x.seq} 条存档 {x.public}（{x.record_id}，{x.posted}）是后来插入的：旧副本里没有")
    return lines
