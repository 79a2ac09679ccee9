"""Jinja's compiled templates kept between command-line builds, sealed.

Apart from store.py so that a build with nothing to do imports no Jinja:
BuildCache makes this cache only when a build renders.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from gongkai.run.engine import sealed

__all__ = ["SealedBytecodeCache"]


class SealedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates in sealed files (sealed.py): compiled code
    runs when a page renders, so, like every pickle of the cache, it is read
    only if this machine sealed it.  Jinja keys a template by its name and
    checks its source's checksum (and its own and Python's version) before
    using what it loads; anything else is compiled again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.jinja"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            with open(self._path(bucket.key), "rb") as f:
                blob = f.read()
        except OSError:
            return
        payload = sealed.unseal(blob)
        if payload is not None:
            bucket.bytecode_from_string(payload)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        sealed.dump(self._path(bucket.key), blob=sealed.seal(bucket.bytecode_to_string()))
