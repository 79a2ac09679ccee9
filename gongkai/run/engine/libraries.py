"""The versions of the libraries that shape a build's output, for the build's
stamp and the cache's code digest (store.py): read from the installed
metadata without importing importlib.metadata (and the email parser it
brings, ~15 ms of every command) unless a library is not found plainly."""

from __future__ import annotations

import functools
import os
import re
import sys

__all__ = ["OUTPUT_LIBRARIES", "library_versions"]

# Libraries whose version can change what a build writes (Markdown and its
# sanitiser, templates, YAML and spreadsheet readers, QR codes, PDFs, the
# holiday calendar): an upgrade of any of them makes every cached result stale.
OUTPUT_LIBRARIES = (
    "markdown",
    "nh3",
    "jinja2",
    "markupsafe",
    "pyyaml",
    "openpyxl",
    "segno",
    "weasyprint",
    "chinese-calendar",
    "charset-normalizer",
    "pillow",
    "pypdf",
)


@functools.cache
def library_versions() -> tuple[tuple[str, str], ...]:
    """(name, version) of Python and of each library in OUTPUT_LIBRARIES
    (``-`` when not installed).  Read once per process, from the installed
    metadata as importlib.metadata finds it (the first folder on sys.path
    holding the distribution), without importing importlib.metadata (and
    the email parser it brings, ~15 ms of every command's start-up) unless
    a library is not found that simple way."""
    out = [("python", sys.version)]
    listed: dict[str, list[str]] = {}
    for name in OUTPUT_LIBRARIES:
        version = _metadata_version(name, listed)
        if version is None:
            import importlib.metadata

            try:
                version = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                version = "-"
        out.append((name, version))
    return tuple(out)


def _normal(name: str) -> str:
    """A distribution's name as its metadata folder spells it (PEP 503, then
    ``_`` for ``-``), lower case."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata_version(name: str, listed: dict[str, list[str]]) -> str | None:
    """The ``Version:`` of ``name``'s ``*.dist-info/METADATA`` (or
    ``*.egg-info/PKG-INFO``) in the first folder on sys.path that holds
    exactly one such folder for it; None when that is not so plain (none
    found, two in one folder, unreadable): the caller asks importlib.metadata."""
    want = _normal(name)
    for entry in sys.path:
        entry = entry or "."
        if entry not in listed:
            try:
                listed[entry] = [n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info"))]
            except OSError:
                listed[entry] = []
        found = [n for n in listed[entry] if _normal(n.rsplit(".", 1)[0].split("-", 1)[0]) == want]
        if not found:
            continue
        if len(found) > 1:
            return None
        folder = os.path.join(entry, found[0])
        meta = os.path.join(folder, "METADATA" if found[0].endswith(".dist-info") else "PKG-INFO")
        try:
            with open(meta, encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        break  # the end of the headers
                    if line.startswith("Version:"):
                        return line[len("Version:") :].strip()
        except (OSError, UnicodeDecodeError):
            pass
        return None
    return None
