"""The build cache in ``SITE/.gongkai-cache/`` (safe to delete at any time).

It answers one question cheaply: did anything that a build reads change
since the last successful build into the same output folder?  The stamp is
the size and modification time of every file under content/, the theme
folders and gongkai's own code, plus the build's arguments (today, drafts,
paper requests).  When it matches and the output is still there, the build
is skipped: at 10,000 records that is a fraction of a second instead of a
full build.  Anything unexpected (a missing or unreadable cache file, a
different gongkai version) falls back to a full build.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import __version__

__all__ = ["CACHE_DIR", "BuildStamp", "last_build", "remember_build", "stamp_files"]

CACHE_DIR = ".gongkai-cache"
PACKAGE = Path(__file__).resolve().parent


def stamp_files(folders: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """path → (size, mtime_ns) for every file below ``folders``."""
    out: dict[str, tuple[int, int]] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".git")]
            for name in filenames:
                p = os.path.join(dirpath, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                out[p] = (st.st_size, st.st_mtime_ns)
    return out


class BuildStamp:
    """What a build depends on, as one digest."""

    def __init__(self, root: Path, theme_dirs: Iterable[Path], args: tuple[Any, ...]) -> None:
        self.args = (__version__, *args)
        self.files = stamp_files([root / "content", *theme_dirs, PACKAGE])

    def refresh(self, path: Path) -> None:
        """Take a file the build itself wrote (the 索引号 registry) as it is now."""
        key = str(path)
        try:
            st = os.stat(key)
            self.files[key] = (st.st_size, st.st_mtime_ns)
        except OSError:
            self.files.pop(key, None)

    def digest(self) -> str:
        h = hashlib.sha256(repr(self.args).encode())
        for key in sorted(self.files):
            size, mtime = self.files[key]
            h.update(f"{key}\0{size}\0{mtime}\n".encode())
        return h.hexdigest()


def _entry(root: Path, out: Path) -> Path:
    name = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return root / CACHE_DIR / f"last-build-{name}.pickle"


def last_build(root: Path, out: Path) -> tuple[str, Any] | None:
    """(digest, saved result) of the last successful build into ``out``."""
    try:
        with _entry(root, out).open("rb") as f:
            value = pickle.load(f)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)):
        return None
    return value


def remember_build(root: Path, out: Path, digest: str, result: Any) -> None:
    """Record a successful build; a failure to write the cache is ignored
    (the next build is then simply a full one)."""
    target = _entry(root, out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / ".gitignore").write_text("*\n", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump((digest, result), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        pass
