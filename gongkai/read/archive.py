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
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from gongkai.core.archive_format import (
    _DAY,
    _LISTED,
    ARCHIVE_DIR,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    NAMESPACE,
    OS_FILES,
    SIGNATURE,
    _parse_manifest,
    manifest_bytes,
    manifest_digest,
)
from gongkai.core.chain import Link, check_chain, code_of
from gongkai.core.errors import Loc, Problem
from gongkai.core.model import Posting


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
