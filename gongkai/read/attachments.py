"""The bytes of the attachments a site's records list, for ``gongkai check``.

The build reads every attachment when it publishes it, and its last gate
scans it there; ``gongkai check`` publishes nothing, so without this it
passed a workbook of ID numbers that the build then refused.  Only the
loader reads content: this is its part for attachments.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from gongkai.core.model import Site

__all__ = ["attachment_bytes"]


def attachment_bytes(root: Path, site: Site) -> Iterator[tuple[str, bytes]]:
    """(site-relative path, bytes) of every attachment of ``site``'s
    records that exists, each once, in the records' order."""
    done: set[str] = set()
    for rec in site.records:
        for att in rec.attachments:
            rel = str(PurePosixPath(rec.source).parent / att["file"])
            if rel in done:
                continue
            done.add(rel)
            try:
                data = (root / rel).read_bytes()
            except OSError:
                continue  # a missing attachment is GK204 already
            yield rel, data
