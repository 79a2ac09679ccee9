"""The no-op: whether the last build into ``out`` still stands.

It reads only the build stamp (every file the build reads, by size and
mtime, plus gongkai's and the libraries' versions and the build's
arguments: store.BuildStamp), the last build's sealed result and the
output's marker and manifest.  It imports nothing of the pipeline, so a
build with nothing to do costs no more than starting Python and reading
those (run/build.py asks here first).
"""

from __future__ import annotations

import os
from pathlib import Path
from stat import S_ISREG
from typing import Any

from gongkai.core.themes import default_theme_dir
from gongkai.run.engine.store import BuildCache, BuildStamp, last_build
from gongkai.run.manifest import Manifest, binding, read_marker

__all__ = ["build_stamp", "last_unchanged"]


def build_stamp(root: Path, out: Path, args: tuple[Any, ...]) -> BuildStamp:
    """What a build of ``root`` into ``out`` with ``args`` depends on."""
    return BuildStamp(root, [root / "themes", default_theme_dir()], (*args, str(out)))


def last_unchanged(root: Path, out: Path, cache: BuildCache, stamp: BuildStamp) -> Any:
    """The result of the last build into ``out`` when nothing it read has
    changed since and ``out`` is still exactly the tree it left; else None."""
    folder = cache.folder
    last = last_build(folder, out) if folder is not None else None
    if last is None or last[0] != stamp.digest():
        return None
    return last[1] if _untouched(out, root, cache.manifest(out), last[1].token) else None


def _untouched(out: Path, root: Path, manifest: Manifest | None, token: str) -> bool:
    """Whether ``out`` is still exactly the tree the last build left: its
    marker bound to this folder and site and naming that build's tree, and
    every file of it there, a regular file with the size and mtime it was
    written with."""
    marker = read_marker(out)
    if marker is None or not token or manifest is None:
        return False
    if marker.binding != binding(out, root) or marker.token != token or manifest.token != token:
        return False
    prefix = str(out) + os.sep
    for rel, (_digest, size, mtime) in manifest.files.items():
        try:
            st = os.lstat(prefix + rel)  # the file itself: a symlink put in its place is not it
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime or not S_ISREG(st.st_mode):
            return False
    return True
