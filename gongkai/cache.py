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

import functools
import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import __version__
from .write import Manifest

__all__ = [
    "CACHE_DIR",
    "BuildCache",
    "BuildStamp",
    "RecordStore",
    "code_digest",
    "last_build",
    "remember_build",
    "stamp_files",
]

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
    value = _load(_entry(root, out))
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)):
        return None
    return value


def remember_build(root: Path, out: Path, digest: str, result: Any) -> None:
    """Record a successful build; a failure to write the cache is ignored
    (the next build is then simply a full one)."""
    _save(_entry(root, out), (digest, result))


def _load(path: Path) -> Any:
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except _LOAD_ERRORS:
        return None


def _save(target: Path, value: Any) -> None:
    """Pickle ``value`` to ``target`` by a rename; failing is ignored (the
    cache only saves time)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / ".gitignore").write_text("*\n", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        pass


@functools.cache
def code_digest() -> str:
    """Digest of gongkai's own code: any change to it (an upgrade, a local
    edit) makes every cached result stale.  Read once per process; the
    package files do not change under a running build."""
    h = hashlib.blake2b(__version__.encode(), digest_size=20)
    for p in sorted(PACKAGE.rglob("*.py")):
        h.update(p.relative_to(PACKAGE).as_posix().encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


_LOAD_ERRORS = (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError)


def _rows_present(value: Any) -> bool:
    """A cached record whose roster file is gone is a miss."""
    rec = getattr(value, "record", None)
    rows = rec.data.get("recipients") if rec is not None else None
    path = getattr(rows, "path", None)
    return path is None or os.path.exists(path)


class RecordStore:
    """Validated record files by the digest of what they were made from
    (validate.CheckedFile): in memory, where the preview server keeps them
    from one rebuild to the next, and in ``folder`` on disk for the next
    command.  A key names its content, so an entry is never stale; entries
    no build used are removed by ``commit``.  Any unreadable entry is a
    miss, never an error.

    Entries are pickles: the folder must be one this machine's gongkai made
    (it is git-ignored by the .gitignore written into it).  Never copy a
    cache folder from someone else; delete it instead, it is only time."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.memory: dict[str, Any] = {}
        self._new: set[str] = set()
        self._used: set[str] = set()
        self._blobs: dict[str, bytes] = {}
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Any:
        value = self.memory.get(key)
        if value is None and self.folder is not None:
            try:
                with self._path(key).open("rb") as f:
                    value = pickle.load(f)
            except _LOAD_ERRORS:
                value = None
            if value is not None and not _rows_present(value):
                value = None
            if value is not None:
                self.memory[key] = value
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, value: Any, blob: bytes | None = None) -> None:
        """Keep ``value`` (``blob``: its pickle, when already made)."""
        self.memory[key] = value
        self._new.add(key)
        if blob is not None:
            self._blobs[key] = blob

    def used(self, key: str) -> None:
        self._used.add(key)

    def detach(self, key: str, value: Any) -> Any:
        """``value`` (a validate.CheckedFile) with its roster rows moved to a
        file of the cache, read back when used (model.Rows).  Without a
        folder, or when the file cannot be written, unchanged."""
        from .model import Rows

        rec = getattr(value, "record", None)
        rows = rec.data.get("recipients") if rec is not None else None
        if self.folder is None or not isinstance(rows, tuple) or not rows:
            return value
        target = self.folder / key[:2] / f"{key}.rows"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{key}.{os.getpid()}.rows.tmp")
            with tmp.open("wb") as f:
                pickle.dump(rows, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except OSError:
            return value
        villages = tuple(dict.fromkeys(str(r.get("village", "")) for r in rows))
        lazy = Rows(str(target), len(rows), villages)
        return replace(value, record=replace(rec, data={**rec.data, "recipients": lazy}))

    def commit(self) -> None:
        """Write the new entries; drop the ones this build did not use (from
        memory and disk).  Failing to write is ignored: it only costs time."""
        used, new, blobs = self._used, self._new, self._blobs
        self._used, self._new, self._blobs = set(), set(), {}
        self.memory = {k: v for k, v in self.memory.items() if k in used}
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            gitignore = self.folder.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n", encoding="utf-8")
            made: set[Path] = set()
            for key in sorted(new & used):
                target = self._path(key)
                if target.parent not in made:
                    target.parent.mkdir(exist_ok=True)
                    made.add(target.parent)
                tmp = target.with_name(f".{key}.{os.getpid()}.tmp")
                with tmp.open("wb") as f:
                    blob = blobs.get(key)
                    if blob is not None:
                        f.write(blob)
                    else:
                        pickle.dump(self.memory[key], f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, target)
            for sub in os.scandir(self.folder):
                if not sub.is_dir():
                    continue
                for entry in os.scandir(sub.path):
                    key = entry.name.split(".")[0] if not entry.name.startswith(".") else ""
                    if key not in used:
                        os.unlink(entry.path)
        except OSError:
            pass


class BuildCache:
    """Everything one site's builds keep for the next: the validated record
    files and, per output folder, the manifest of the last build.  The
    preview server holds one for its whole run (nothing is read back from
    disk between rebuilds); each command makes one on ``SITE/.gongkai-cache``."""

    def __init__(self, root: Path | None, memory_only: bool = False, manifests_on_disk: bool = True) -> None:
        """``memory_only``: nothing is read from or written to disk.
        ``manifests_on_disk``: False for an output folder that lives only as
        long as this object (the preview server's)."""
        self.root = root
        folder = None if root is None or memory_only else root / CACHE_DIR
        self.folder = folder
        self.records = RecordStore(folder / "records" if folder else None)
        self._manifests: dict[Path, Manifest] = {}
        self._manifests_on_disk = manifests_on_disk
        self.private_output = not manifests_on_disk  # nobody but these builds writes the output
        # search.SearchMemo: each document's share of the search index, for
        # a long-lived holder (the preview server); None in a command.
        self.search_memo: Any = None
        # path → (size, mtime_ns, digest) of record files (load.RecordFiles); kept
        # in memory by a long-lived holder so unchanged files are not read again
        self.file_digests: dict[str, tuple[int, int, str]] | None = None
        self.templates: Any = None  # render.MemoryBytecodeCache, likewise
        # digest of a template's source → the templates it names (render.Renderer)
        self.template_refs: dict[str, list[str] | None] = {}
        if self.folder is not None:
            refs = _load(self.folder / "template-refs.pickle")
            if isinstance(refs, dict):
                self.template_refs = refs

    def _manifest_path(self, out: Path) -> Path | None:
        if self.folder is None or not self._manifests_on_disk:
            return None
        name = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
        return self.folder / f"manifest-{name}.pickle"

    def manifest(self, out: Path) -> Manifest | None:
        """The manifest of the last build into ``out`` (not yet checked against its marker)."""
        m = self._manifests.get(out)
        if m is None:
            path = self._manifest_path(out)
            value = _load(path) if path is not None else None
            m = value if isinstance(value, Manifest) else None
        return m

    def save_manifest(self, out: Path, manifest: Manifest) -> None:
        self._manifests[out] = manifest
        path = self._manifest_path(out)
        if path is not None:
            _save(path, manifest)
        if self.folder is not None and self.template_refs:
            _save(self.folder / "template-refs.pickle", self.template_refs)
