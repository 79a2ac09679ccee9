"""``gongkai new``: a new township site that builds at once."""

from __future__ import annotations

import shutil
from pathlib import Path

from gongkai.core.errors import OutputError

__all__ = ["create_site"]

SCAFFOLD = Path(__file__).resolve().parent / "scaffold_site"


def create_site(directory: Path) -> list[Path]:
    """Copy the example site into ``directory`` (which must be new or empty)."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise OutputError(f"目录 {directory} 已存在且不是空的；为免覆盖已有文件，请换一个新目录名")
    created: list[Path] = []
    for src in sorted(SCAFFOLD.rglob("*")):
        if src.is_file() and "__pycache__" not in src.parts:
            dst = directory / src.relative_to(SCAFFOLD)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            created.append(dst)
    return created
