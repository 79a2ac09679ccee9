"""What a build reports (kept by the engine for the no-op)."""

from __future__ import annotations

from pathlib import Path

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Problem

__all__ = ["BuildResult"]


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int
    files: int
    bytes: int
    warnings: tuple[Problem, ...]
    registered: tuple[str, ...] = ()  # ids given a 索引号 by this build
    printed: tuple[str, ...] = ()  # the sheets (and PDFs) a SheetRequest asked for, relative to out
    unchanged: bool = False  # nothing the build reads had changed: the output was left as it was
    made: tuple[str, ...] = ()  # pages rendered (the others were unchanged since the last build)
    kept: int = 0  # files left as the last build wrote them
    token: str = ""  # the marker token of the tree written
    search: str = ""  # how the search index was made: "kept", "spliced N" (documents), "merged"
    catalogue_rows: int = -1  # rows of the 目录's data files made anew (-1: the files were kept)
