"""What a build leaves beside its output: the manifest of the tree (kept in
the build cache, run/engine/store.py) and the marker in the tree.

The manifest lists every file of the tree as (digest of its bytes, size,
mtime_ns), the key of every group of files made together, and what the
writer knows of the tree's folders and of its spare (run/spare.py,
walk.known).  The marker ``.gongkai-build`` names the tree (a digest of every
file's path and bytes) and binds it to its folder and site (run/write.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.run import walk

__all__ = ["MARKER", "Manifest", "Marker", "binding", "file_digest", "read_marker", "tree_token"]

MARKER = ".gongkai-build"


@dataclass
class Manifest:
    """What a build wrote: the marker token of the folder, every file as
    (digest of its bytes, size, mtime_ns), and the key of every group of
    files made together (a page, a record's data files…)."""

    token: str = ""
    files: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    groups: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # the files of the spare (run/spare.py), the tree this build replaced, or None when there is
    # none it can use
    spare: dict[str, tuple[str, int, int]] | None = None
    # notes of the folders of the tree and of its spare (walk.known): (inode, ctime_ns) of each
    # folder whose names were last seen to be the manifest's
    folders: walk.Folders = field(default_factory=dict)
    spare_folders: walk.Folders = field(default_factory=dict)

    def __getstate__(self) -> dict[str, Any]:
        """The spare's files as they differ from the tree's (most are the same: an edit
        changes a few), so a manifest on disk is not twice its size."""
        state = dict(self.__dict__)
        if self.spare is not None:
            files, had = self.files, self.spare
            differ = {rel: entry for rel, entry in had.items() if files.get(rel) != entry}
            state["spare"] = (differ, [rel for rel in files if rel not in had])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        spare = state.get("spare")
        if isinstance(spare, tuple):
            differ, absent = spare
            had = dict(state["files"])
            for rel in absent:
                del had[rel]
            had.update(differ)
            state = {**state, "spare": had}
        self.__dict__.update({"spare": None, "folders": {}, "spare_folders": {}, **state})


@dataclass(frozen=True)
class Marker:
    """What ``.gongkai-build`` says: the token of the tree (empty while a
    build is still writing it) and the folder and site it was made for."""

    token: str
    binding: str


def binding(out: Path, site: Path | None) -> str:
    """Names an output folder and the site built into it (a digest, so the
    published marker does not show the clerk's local paths)."""
    text = f"{out.resolve()}\0{site.resolve() if site is not None else ''}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def read_marker(out: Path) -> Marker | None:
    try:
        lines = (out / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or lines[0] != "gongkai":
        return None
    return Marker(lines[1] if len(lines) > 1 else "", lines[2] if len(lines) > 2 else "")


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def tree_token(files: Iterable[tuple[str, str]]) -> str:
    """Names a tree by its files' (path, digest), in path order (so the same
    build gives the same marker)."""
    h = hashlib.blake2b(digest_size=16)
    for rel, digest in sorted(files):
        h.update(f"{rel}\0{digest}\n".encode())
    return h.hexdigest()
