"""``gongkai pack``: the built site as one zip file with a SHA256SUMS list.

For clerks who upload the site to a county portal or hand it over on a USB
stick.  The zip holds the files of the build directory at its root (so it
can be unpacked straight into a web root or a portal column) plus
``SHA256SUMS`` in the format ``sha256sum -c`` reads; with ``portal`` also
the manifest a county portal imports the site from as a column (portal.py).  The same build gives
the same zip, byte for byte: entries sorted, fixed timestamps (from
SOURCE_DATE_EPOCH when set, else 1980-01-01), fixed permissions.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import time
import zipfile
from pathlib import Path

from gongkai.commands.portal import MANIFEST, column_url, manifest, manifest_problems
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import GongkaiError, OutputError
from gongkai.run.manifest import MARKER, file_digest, read_marker, tree_token

__all__ = ["SUMS", "PackResult", "pack", "verify"]

SUMS = "SHA256SUMS"
_EPOCH_1980 = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PackResult:
    zip_path: Path
    files: int
    bytes: int


def _timestamp() -> tuple[int, int, int, int, int, int]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        t = time.gmtime(max(int(epoch), 315532800))  # zip cannot go before 1980
        return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)
    return _EPOCH_1980


def _files(build_dir: Path) -> list[tuple[str, Path]]:
    out = []
    for p in sorted(build_dir.rglob("*")):
        rel = p.relative_to(build_dir).as_posix()
        if p.is_symlink():
            raise OutputError(f"网站目录中有符号链接，无法打包：{rel}")
        if p.is_file() and rel != MARKER:
            out.append((rel, p))
    return out


def pack(build_dir: Path, zip_path: Path, portal: bool = False) -> PackResult:
    """Zip the gongkai build in ``build_dir`` into ``zip_path`` (replaced
    only when the new zip is complete); ``portal``: with the county portal's
    manifest (portal.MANIFEST), for a build with ``base_url``."""
    build_dir = build_dir.resolve()
    marker = read_marker(build_dir)
    if marker is None or not marker.token:
        raise GongkaiError(f"{build_dir} 不是 gongkai 生成的完整网站目录：请先运行 gongkai build，再打包")
    zip_path = zip_path.resolve()
    if zip_path == build_dir or build_dir in zip_path.parents:
        raise OutputError("打包文件不能放在网站目录里面，请换一个位置（--out）")
    files = _files(build_dir)
    if portal:
        column_url(build_dir)  # refuse before writing anything
    stamp = _timestamp()
    sums: list[str] = []
    digests: list[tuple[str, str]] = []
    listed: list[tuple[str, int, str]] = []
    total = 0
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{zip_path.name}.", suffix=".tmp", dir=zip_path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for rel, p in files:
                data = p.read_bytes()
                total += len(data)
                sha = hashlib.sha256(data).hexdigest()
                sums.append(f"{sha}  {rel}\n")
                listed.append((rel, len(data), sha))
                digests.append((rel, file_digest(data)))
                zf.writestr(_info(rel, stamp), data)
            if portal:
                text = manifest(build_dir, listed)
                sums.append(f"{hashlib.sha256(text).hexdigest()}  {MANIFEST}\n")
                zf.writestr(_info(MANIFEST, stamp), text)
            zf.writestr(_info(SUMS, stamp), "".join(sums).encode("utf-8"))
        if tree_token(digests) != marker.token:
            raise GongkaiError(
                f"{build_dir} 里的文件与 gongkai 生成时不一致（有文件被改动、删除或添加）。请重新运行 gongkai build，再打包"
            )
        os.replace(tmp, zip_path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return PackResult(zip_path, len(files), total)


def _info(name: str, stamp: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.create_system = 3  # Unix, so the permissions above are honoured
    return info


def verify(zip_path: Path) -> list[str]:
    """Problems found when checking the zip against its SHA256SUMS ([] = intact)."""
    problems: list[str] = []
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        if SUMS not in names:
            return [f"缺少 {SUMS}"]
        listed: set[str] = set()
        for line in zf.read(SUMS).decode("utf-8").splitlines():
            digest, _, name = line.partition("  ")
            listed.add(name)
            if name not in names:
                problems.append(f"缺少文件：{name}")
            elif hashlib.sha256(zf.read(name)).hexdigest() != digest:
                problems.append(f"文件内容与校验值不符：{name}")
        for name in sorted(names - listed - {SUMS}):
            problems.append(f"校验清单中没有：{name}")
        if MANIFEST in names:
            problems += manifest_problems(zf.read(MANIFEST), lambda n: zf.read(n) if n in names else None)
    return problems
