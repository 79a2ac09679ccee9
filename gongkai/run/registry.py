"""Writes the 索引号 given by a build into content/index-numbers.yaml,
append-only, after the output is complete."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gongkai.core.errors import OutputError
from gongkai.core.model import Site
from gongkai.read.raw import decode
from gongkai.read.registry import _HEADER, REGISTRY, Registry, _parse


def save_registry(root: Path, site: Site) -> list[str]:
    """Append the numbers given in this build that the registry does not
    hold yet; return the ids newly registered.  Lines already there are never
    rewritten.  Written through a temporary file, so a crash leaves the old
    registry whole."""
    path = root / REGISTRY
    old = decode(path.read_bytes(), REGISTRY).text if path.is_file() else ""
    registry, problems = _parse(old, []) if old.strip() else (Registry({}), [])
    if problems:  # pragma: no cover - number_site already refused the build
        raise OutputError(f"{REGISTRY} 有错误，未登记新的索引号")
    new: list[tuple[int, int, str]] = []
    for rid, full in site.index_numbers.items():
        if rid in registry.numbers:
            continue
        year, seq = full.rsplit("/", 1)[1].split("-")
        new.append((int(year), int(seq), rid))
    if not new:
        return []
    text = old if old.strip() else _HEADER
    if not text.endswith("\n"):
        text += "\n"
    text += "".join(f"{rid}: {y}-{s:05d}\n" for y, s, rid in sorted(new))
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".index-numbers.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except OSError as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise OutputError(f"无法写入索引号登记表 {path}：{exc.strerror}") from exc
    return [rid for _, _, rid in sorted(new)]
