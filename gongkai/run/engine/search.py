"""The search index's state between command-line builds, kept by the engine.

emit/search_state.py makes and splices the index; this module keeps what
it needs from one build to the next, in the site's cache folder (sealed:
see sealed.py), and decides when it may be trusted:

    search/state-<out>      SearchState of the last build into <out>, with the
                            digest of the index files that build wrote
    search/parts-<out>/<kk> each document of that index: its postings, by
                            document key, in 256 files by the key's first two
                            hex digits

Each output has its own parts: the preview server's (a temporary folder,
whose state and parts it removes when it stops) must not drop the parts of
the documents the site's own build/ last indexed, which that output's next
splice reads (a full merge starts its output's parts afresh).

A state is used only when the previous output's search files are exactly
the ones it describes: the digest over their paths and file digests (from
the previous build's manifest, each file read back checked against it) must
equal the one saved with the state.  A build into another folder, a build
cut off before its swap, a hand-edited index file, or a state from another
version of gongkai all make it a full merge, never a wrong index.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from gongkai.emit.search_state import Parts, SearchState
from gongkai.run.engine import sealed
from gongkai.run.manifest import file_digest
from gongkai.run.write import Output

__all__ = ["SearchKeeper"]

STATE_DAYS = 30  # an output's index state unused this long is removed (SearchKeeper._sweep)


def files_digest(files: Iterable[tuple[str, str]]) -> str:
    """Digest of (path, file digest) pairs, in path order."""
    h = hashlib.blake2b(digest_size=20)
    for rel, digest in sorted(files):
        h.update(f"{rel}\0{digest}\0".encode())
    return h.hexdigest()


class SearchKeeper:
    """The state and parts of the search index for builds into ``out``
    (nothing is kept without a cache folder)."""

    def __init__(self, folder: Path | None, out: Path, transient: bool = False) -> None:
        """``transient``: ``out`` is a preview server's temporary folder,
        whose state and parts no later process will use (``_sweep``)."""
        self.folder = folder / "search" if folder is not None else None
        name = hashlib.sha256(str(out).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        prefix = "serve-" if transient else ""
        self.state_path = self.folder / f"{prefix}state-{name}" if self.folder is not None else None
        self.parts_root = self.folder / f"{prefix}parts-{name}" if self.folder is not None else None
        self._buckets: dict[str, dict[str, Parts]] = {}

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    # --- reading ----------------------------------------------------------------------------------

    def state(self, output: Output, group: tuple[str, tuple[str, ...]] | None) -> SearchState | None:
        """The state of the last build's index, if it describes exactly the
        search files that build left in the output (``group``: its files)."""
        if self.state_path is None or group is None or output.previous is None:
            return None
        saved = sealed.load(self.state_path)
        if not (isinstance(saved, tuple) and len(saved) == 2 and isinstance(saved[0], SearchState)):
            return None
        state, digest = saved
        entries = output.previous.files
        if any(rel not in entries for rel in group[1]):
            return None
        if files_digest((rel, entries[rel][0]) for rel in group[1]) != digest:
            return None
        return state

    def parts(self, key: str) -> Parts | None:
        value = self._bucket(key[:2]).get(key)
        if isinstance(value, tuple) and len(value) == 2 and all(isinstance(x, str) for x in value):
            return value
        return None

    def _bucket(self, name: str) -> dict[str, Parts]:
        """The parts of the documents whose key starts with ``name`` (256
        files for a site, not one per document: a full merge writes them all)."""
        bucket = self._buckets.get(name)
        if bucket is None:
            value = sealed.load(self._parts_path(name)) if self.folder is not None else None
            bucket = value if isinstance(value, dict) else {}
            self._buckets[name] = bucket
        return bucket

    @staticmethod
    def reader(output: Output) -> Callable[[str], bytes | None]:
        """A file of the previous output as that build wrote it, else None."""

        def read(rel: str) -> bytes | None:
            if output.previous is None:
                return None
            entry = output.previous.files.get(rel)
            if entry is None or not output.intact(rel):
                return None
            try:
                with open(os.path.join(str(output.out), *rel.split("/")), "rb") as f:
                    data = f.read()
            except OSError:
                return None
            return data if file_digest(data) == entry[0] else None

        return read

    # --- writing ----------------------------------------------------------------------------------

    def save_parts(self, parts: dict[str, Parts], fresh: bool) -> None:
        """Each document's parts (``fresh``: drop every earlier one first: a
        full merge wrote them all)."""
        if self.folder is None:
            return
        if fresh:
            assert self.parts_root is not None
            shutil.rmtree(self.parts_root, ignore_errors=True)
            self._buckets = {}
        touched: set[str] = set()
        for key, value in parts.items():
            bucket = self._buckets.setdefault(key[:2], {}) if fresh else self._bucket(key[:2])
            bucket[key] = value
            touched.add(key[:2])
        for name in sorted(touched):
            sealed.dump(self._parts_path(name), self._buckets[name])

    def save_all_parts(self, groups: Iterable[dict[str, Parts]]) -> None:
        """Every document's parts, from a full merge (every earlier one
        dropped first), given in groups of keys that share no bucket
        (search_state's ``_Collect.groups``): each group's buckets are
        written, then let go, so that all the parts are never held at once."""
        if self.folder is None:
            return
        assert self.parts_root is not None
        shutil.rmtree(self.parts_root, ignore_errors=True)
        self._buckets = {}
        written: set[str] = set()
        for group in groups:
            buckets: dict[str, dict[str, Parts]] = {}
            for key, value in group.items():
                buckets.setdefault(key[:2], {})[key] = value
            for name in sorted(buckets):
                if name in written:  # groups that share a bucket after all: added to it, not written over
                    buckets[name] = {**self._bucket(name), **buckets[name]}
                    self._buckets.pop(name, None)
                written.add(name)
                sealed.dump(self._parts_path(name), buckets[name])

    def drop_parts(self, keys: Iterable[str]) -> None:
        touched: set[str] = set()
        for key in keys:
            if self._bucket(key[:2]).pop(key, None) is not None:
                touched.add(key[:2])
        for name in sorted(touched):
            sealed.dump(self._parts_path(name), self._buckets[name])

    def save_state(self, state: SearchState, output: Output, rels: Iterable[str]) -> None:
        """``state``, bound to the index files just written (their digests in
        this build's manifest)."""
        if self.state_path is None:
            return
        files = output.manifest.files
        sealed.dump(self.state_path, (state, files_digest((rel, files[rel][0]) for rel in rels)))
        self._sweep()

    def _sweep(self) -> None:
        """What no build will use: states a killed build left half taken
        (pending-*), after an hour; the states of outputs no build has made
        for STATE_DAYS (an output built again after that merges its index
        afresh once), and a preview server's after a day (one that was
        killed could not remove its own: a server idle that long merges
        afresh once); parts whose state is gone, after an hour; the parts
        of the layout before parts were kept per output."""
        assert self.folder is not None
        now = time.time()
        for pattern, age in (("pending-*", 3600), ("state-*", STATE_DAYS * 86400), ("serve-state-*", 86400)):
            for p in self.folder.glob(pattern):
                try:
                    if p.stat().st_mtime < now - age and p != self.state_path:
                        p.unlink()
                except OSError:
                    pass
        for p in [self.folder / "parts", *self.folder.glob("parts-*"), *self.folder.glob("serve-parts-*")]:
            try:
                if p == self.parts_root or (self.folder / p.name.replace("parts-", "state-", 1)).exists():
                    continue
                if p.name == "parts" or p.stat().st_mtime < now - 3600:
                    shutil.rmtree(p, ignore_errors=True)
            except OSError:
                pass

    def forget(self) -> None:
        """This output's state and parts (a preview server's, as it stops)."""
        if self.state_path is not None:
            try:
                self.state_path.unlink()
            except OSError:
                pass
        if self.parts_root is not None:
            shutil.rmtree(self.parts_root, ignore_errors=True)

    def _parts_path(self, name: str) -> Path:
        assert self.parts_root is not None
        return self.parts_root / name
