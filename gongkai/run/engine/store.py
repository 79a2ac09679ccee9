"""The build cache: what one site's builds keep for the next (safe to delete
at any time; it only saves time).

It lives in the user's cache directory, never in the site folder (see
sealed.py: every file is authenticated with this machine's key before it
is unpickled, so a cache committed to the site's repository, copied from
another machine, or damaged is a miss and never runs code).

It answers one question cheaply: did anything that a build reads change
since the last successful build into the same output folder?  The stamp is
the size and modification time of every file under content/, the theme
folders and gongkai's own code, plus the build's arguments (today, drafts,
paper requests) and the versions of Python and of every library that shapes
output.  When it matches and the output is still exactly as that build left
it (marker token, and the size and mtime of every file), the build is
skipped.  Anything unexpected falls back to a full build.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongkai.core.errors import GongkaiError
from gongkai.core.filestat import stat_key
from gongkai.core.version import __version__
from gongkai.run.engine import pack, sealed
from gongkai.run.engine.libraries import OUTPUT_LIBRARIES, library_versions
from gongkai.run.engine.pack import Shard
from gongkai.run.manifest import Manifest

if TYPE_CHECKING:
    from gongkai.read.load import FileDigests

__all__ = [
    "OUTPUT_LIBRARIES",
    "BuildCache",
    "BuildStamp",
    "RecordStore",
    "Rows",
    "code_digest",
    "last_build",
    "library_versions",
    "remember_build",
    "stamp_files",
]

PACKAGE = Path(__file__).resolve().parents[2]  # the package folder (gongkai/), every stage

_UNSET: Any = object()  # BuildCache: not made yet


def stamp_files(folders: Iterable[Path]) -> dict[str, tuple[int, ...]]:
    """path → stat_key (core/filestat.py) of every file below ``folders``:
    the loader tells an unchanged record file by its entry here instead of
    a second stat (read/load.RecordFiles)."""
    out: dict[str, tuple[int, ...]] = {}
    # os.walk's files (a symlink to a folder is neither entered nor taken), by scandir: its
    # entries join their paths in C (12,000 files at 10,000 records, on every build and no-op)
    stack = [str(folder) for folder in folders if folder.is_dir()]
    while stack:
        try:
            it = os.scandir(stack.pop())
        except OSError:
            continue
        with it:
            for e in it:
                try:
                    if e.is_dir():
                        if not e.is_symlink() and e.name not in ("__pycache__", ".git"):
                            stack.append(e.path)
                        continue
                    st = e.stat()
                except OSError:
                    continue
                out[e.path] = stat_key(st)
    return out


class BuildStamp:
    """What a build depends on, as one digest."""

    def __init__(self, root: Path, theme_dirs: Iterable[Path], args: tuple[Any, ...]) -> None:
        self.args = (__version__, library_versions(), *args)
        self.files = stamp_files([root / "content", *theme_dirs, PACKAGE])
        self._digest = ""  # digest()'s answer, until ``files`` changes

    def refresh(self, path: Path) -> None:
        """Take a file the build itself wrote (the 索引号 registry) as it is now."""
        key = str(path)
        try:
            entry: tuple[int, ...] | None = stat_key(os.stat(key))
        except OSError:
            entry = None
        if self.files.get(key) != entry:
            self._digest = ""
            if entry is None:
                del self.files[key]
            else:
                self.files[key] = entry

    def digest(self) -> str:
        """Kept until ``refresh`` takes a change (the no-op asks, then the build's record)."""
        if not self._digest:
            h = hashlib.sha256(repr(self.args).encode())
            for key in sorted(self.files):
                h.update(f"{key}\0{self.files[key]}\n".encode())
            self._digest = h.hexdigest()
        return self._digest


def _entry(folder: Path, out: Path) -> Path:
    name = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return folder / f"last-build-{name}.pickle"


def last_build(folder: Path, out: Path) -> tuple[str, Any] | None:
    """(digest, saved result) of the last successful build into ``out``."""
    value = sealed.load(_entry(folder, out))
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)):
        return None
    return value


def remember_build(folder: Path, out: Path, digest: str, result: Any) -> None:
    """Record a successful build; a failure to write the cache is ignored
    (the next build is then simply a full one)."""
    sealed.dump(_entry(folder, out), (digest, result))


def forget_build(folder: Path, out: Path) -> None:
    """Before a build changes ``out``: no later build may take it as unchanged
    until this one has finished (it records itself again then)."""
    try:
        _entry(folder, out).unlink()
    except OSError:
        pass


@functools.cache
def code_digest() -> str:
    """Digest of gongkai's own code: any change to it (an upgrade, a local
    edit) makes every cached result stale.  Read once per process; the
    package files do not change under a running build."""
    h = hashlib.blake2b(repr((__version__, library_versions())).encode(), digest_size=20)
    for p in sorted(PACKAGE.rglob("*.py")):
        h.update(p.relative_to(PACKAGE).as_posix().encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


class RecordStore:
    """Validated record files by the digest of what they were made from
    (validate.CheckedFile): in memory, where the preview server keeps them
    from one rebuild to the next, and in ``folder`` on disk for the next
    command.  A key names its content, so an entry is never stale; entries
    no build used are dropped by ``commit``.  Any unreadable entry is a
    miss, never an error.

    On disk the entries are in a few sealed packs (pack.py), each read and
    unpickled whole when one of its entries is first asked for; ``commit``
    rewrites only the packs whose keys changed.  Roster rows are
    sealed files of their own in ``folder/rows`` (``detach``, Rows)."""

    def __init__(self, folder: Path | None, long_lived: bool = False) -> None:
        """``long_lived``: the store of a process that commits again and
        again (the preview server; see ``_to_pickle``)."""
        self.folder = folder
        self.long_lived = long_lived
        self.memory: dict[str, Any] = {}
        # key → the pickle a checking process sent the new entry in (a long-lived store's, until
        # its pack is written: ``_to_pickle``)
        self._sent: dict[str, bytes] = {}
        self._new: set[str] = set()
        self._used: set[str] = set()
        self._shards: dict[int, Shard | None] = {}  # read this build (None: none usable)
        self._rows: frozenset[str] | None = None  # names in folder/rows, listed once a build
        self._rows_folder = ""  # folder/rows and a separator, once listed
        # shard → (its keys, stat_key of its file) as last read or written by this store
        self._known: dict[int, tuple[frozenset[str], tuple[int, ...] | None]] = {}
        self.hits = 0
        self.misses = 0

    def _ident(self, n: int) -> tuple[Any, ...]:
        return (pack.FORMAT, code_digest(), str(self.folder), n)

    def _shard(self, n: int) -> Shard | None:
        if n not in self._shards:
            assert self.folder is not None
            path = pack.shard_path(self.folder, n)
            stat = _stat(path)
            shard = self._shards[n] = pack.read_shard(path, self._ident(n))
            if shard is not None:
                self._known[n] = (frozenset(shard.keys), stat)
        return self._shards[n]

    def _unchanged(self, n: int, keys: list[str], new: set[str]) -> bool:
        """Whether shard ``n`` holds exactly ``keys`` already, none of them
        made again this build.  A long-lived holder (the preview server)
        knows what it wrote last and need not read the shard to tell."""
        if new.intersection(keys):
            return False
        assert self.folder is not None
        known = self._known.get(n)
        if n not in self._shards and known is not None and known[1] == _stat(pack.shard_path(self.folder, n)):
            return known[0] == frozenset(keys)
        old = self._shard(n)
        return old is not None and set(old.keys) == set(keys)

    def _rows_dir(self) -> Path:
        assert self.folder is not None
        return self.folder / "rows"

    def _rows_present(self, value: Any) -> bool:
        """A cached record whose roster file is gone (or was never in this
        folder) is a miss."""
        rec = getattr(value, "record", None)
        rows = rec.data.get("recipients") if rec is not None else None
        if type(rows) is not Rows:  # most records: no roster, or its rows in the record
            return True
        path = rows.path
        if self._rows is None:
            self._rows_folder = os.path.join(self._rows_dir(), "")
            try:
                self._rows = frozenset(e.name for e in os.scandir(self._rows_folder))
            except OSError:
                self._rows = frozenset()
        folder = self._rows_folder
        return path.startswith(folder) and path[len(folder) :] in self._rows

    def get(self, key: str) -> Any:
        value = self.memory.get(key)
        if value is None and self.folder is not None:
            shard = self._shard(pack.shard_of(key))
            value = shard.values().get(key) if shard is not None else None
            if value is not None and not self._rows_present(value):
                value = None
            if value is not None:
                self.memory[key] = value
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, value: Any, sent: bytes | None = None) -> None:
        """Keep ``value``; ``sent``: the pickle it was unpickled from (a
        checking process sent it), which a long-lived store writes its pack from."""
        rec = getattr(value, "record", None)
        if rec is not None and self.folder is not None:  # for the packs
            pack.share_names(rec)
        self.memory[key] = value
        self._new.add(key)
        if sent is not None and self.long_lived and self.folder is not None:
            self._sent[key] = sent

    def used(self, key: str) -> None:
        self._used.add(key)

    def detach(self, key: str, value: Any) -> Any:
        """``value`` (a validate.CheckedFile) with its roster rows moved to a
        file of the cache, read back when used (Rows).  Without a
        folder, or when the file cannot be written, unchanged."""
        rec = getattr(value, "record", None)
        rows = rec.data.get("recipients") if rec is not None else None
        if rec is None or self.folder is None or not isinstance(rows, tuple) or not rows:
            return value
        # Named by what the rows were read from too (``Record.digest`` covers
        # the spreadsheet a record names): a spreadsheet edited alone leaves the
        # record file's key as it was, and a process that read the old rows
        # (``_read_rows`` keeps a few) must not take them for the new ones.
        target = self._rows_dir() / f"{key}.{rec.digest or key}.rows"
        if not sealed.dump(target, rows):
            return value
        from gongkai.plan.names import roster_measure, village_totals  # not at import: the no-op loads no stage

        villages = tuple(dict.fromkeys(str(r.get("village", "")) for r in rows))
        lazy = Rows(str(target), len(rows), villages, village_totals(rows, roster_measure(rec.type)))
        return replace(value, record=replace(rec, data={**rec.data, "recipients": lazy}))

    def commit(self) -> None:
        """Write the packs whose entries changed; drop the entries this build
        did not use (from memory and disk).  Failing to write is ignored: it
        only costs time."""
        used, new = self._used, self._new
        self._used, self._new = set(), set()
        self.memory = {k: v for k, v in self.memory.items() if k in used}
        # A key used but never found nor kept (a file that could not be read,
        # or one refused for its size) has nothing to write.
        used = set(self.memory)
        try:
            if self.folder is not None:
                self._write(used, new)
        finally:
            self._shards, self._rows, self._sent = {}, None, {}

    def _write(self, used: set[str], new: set[str]) -> None:
        """Every used key is in memory (found or put this build): a changed
        shard is pickled again whole from there."""
        assert self.folder is not None
        by_shard: dict[int, list[str]] = {n: [] for n in range(pack.SHARDS)}
        for key in used:
            by_shard[pack.shard_of(key)].append(key)
        changed = False
        for n, keys in by_shard.items():
            if self._unchanged(n, keys, new):
                continue
            changed = True
            keys.sort()
            path = pack.shard_path(self.folder, n)
            if not pack.write_shard(path, self._ident(n), keys, self._to_pickle(n, keys)):
                return
            self._known[n] = (frozenset(keys), _stat(path))
        if changed:
            self._sweep(used)

    def _to_pickle(self, n: int, keys: list[str]) -> list[Any]:
        """The values shard ``n`` is written from.  Pickling a string gives it
        a UTF-8 copy that lives as long as the string (CPython's cache, which
        the C pickler fills), and a long-lived store rewrites a shard or two
        on every save: pickled from memory, the records it holds would gain,
        save after save, a UTF-8 copy of all their text (15.6 MiB at 10,000
        records).  So a long-lived store writes the entries the shard on disk
        already holds from a copy read from it now, and the new ones that a
        checking process sent from a copy unpickled again from what it sent
        (its first build with a cold cache: every record; ~25 µs each), all
        thrown away after; only the few checked in this process are pickled
        from memory.  Any entry under a key is as good as any other (its key
        names its content)."""
        if not self.long_lived or self.folder is None:
            return [self.memory[k] for k in keys]
        old = pack.read_shard(pack.shard_path(self.folder, n), self._ident(n))
        copies = old.values() if old is not None else {}
        return [copies[k] if k in copies else self._copy(k) for k in keys]

    def _copy(self, key: str) -> Any:
        """A new entry as the checking process sent it, else the one in memory."""
        sent = self._sent.pop(key, None)
        if sent is None:
            return self.memory[key]
        value = pickle.loads(sent)
        rec = getattr(value, "record", None)
        if rec is not None:
            pack.share_names(rec)
        return value

    def _sweep(self, used: set[str]) -> None:
        """Remove roster files no entry names and what a killed build left
        (after an hour: another build may still be writing or reading them),
        and the files of earlier layouts (one file per record, other shards)."""
        assert self.folder is not None
        try:
            shards = {pack.shard_path(self.folder, n).name for n in range(pack.SHARDS)}
            for entry in os.scandir(self.folder):
                if entry.is_dir(follow_symlinks=False) and len(entry.name) == 2:
                    shutil.rmtree(entry.path, ignore_errors=True)  # records/ab/<key>.pickle: before packs
                elif entry.name.startswith("pack-") and entry.name not in shards:
                    os.unlink(entry.path)  # a shard of another layout (pack.SHARDS, pack.FORMAT)
                elif entry.name.startswith(".tmp-") and not _young(entry):
                    os.unlink(entry.path)
            for entry in os.scandir(self._rows_dir()):
                key = entry.name.split(".")[0] if not entry.name.startswith(".") else ""
                if key not in used and not _young(entry):
                    os.unlink(entry.path)
        except OSError:
            pass


def _stat(path: Path) -> tuple[int, ...] | None:
    """Which file ``path`` is now (a rename over it makes another)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _young(entry: os.DirEntry[str]) -> bool:
    """A file another build may still be writing or reading (an hour's grace)."""
    try:
        return time.time() - entry.stat().st_mtime < 3600
    except OSError:
        return False


class Rows(Sequence[Mapping[str, Any]]):
    """A roster's rows, kept in a file of the record cache and read when
    used: at 10,000 records the rows are most of a site's memory, and a
    build needs one roster at a time.  A few rosters read last are kept."""

    __slots__ = ("path", "size", "village_totals", "villages")

    def __init__(
        self, path: str, count: int, villages: tuple[str, ...], totals: tuple[dict[str, Any], ...] | None = None
    ) -> None:
        self.path = path
        self.size = count  # not ``count``: Sequence.count(x) is a method
        self.villages = villages  # in order of first appearance
        # each village's households and amount (plan/names.py shows them once
        # the names are withdrawn): a build need not read the rows for them
        self.village_totals = totals

    def _rows(self) -> tuple[Mapping[str, Any], ...]:
        return _read_rows(self.path)

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return self.size > 0

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return iter(self._rows())

    def __getitem__(self, i: Any) -> Any:
        return self._rows()[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            return self.path == other.path or tuple(self) == tuple(other)
        if isinstance(other, tuple | list):
            return len(other) == self.size and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"Rows({self.size} rows in {self.path})"

    def __getstate__(self) -> tuple[Any, ...]:
        return self.path, self.size, self.villages, self.village_totals

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.path, self.size, self.villages, self.village_totals = state


@functools.lru_cache(maxsize=4)
def _read_rows(path: str) -> tuple[Mapping[str, Any], ...]:
    rows = sealed.load(path)
    if not isinstance(rows, tuple):
        raise GongkaiError(f"缓存文件 {path} 在生成过程中被删除或损坏，请重新运行")
    return rows


class BuildCache:
    """Everything one site's builds keep for the next: the validated record
    files and, per output folder, the manifest of the last build.  The
    preview server holds one for its whole run (nothing is read back from
    disk between rebuilds); each command makes one on the site's folder of
    the user's cache directory (sealed.site_cache_dir)."""

    def __init__(self, root: Path | None, memory_only: bool = False, manifests_on_disk: bool = True) -> None:
        """``memory_only``: nothing is read from or written to disk.
        ``manifests_on_disk``: False for an output folder that lives only as
        long as this object (the preview server's)."""
        self.root = root
        folder = None if root is None or memory_only else sealed.site_cache_dir(root)
        self.folder = folder
        self.records = RecordStore(folder / "records" if folder else None, long_lived=not manifests_on_disk)
        self._manifests: dict[Path, Manifest] = {}
        self._manifests_on_disk = manifests_on_disk
        self.private_output = not manifests_on_disk  # nobody but these builds writes the output
        self.server_memo: Any = None  # memo.ServerMemo in the preview server, None in a command
        # path → (stat, digest) of record files (load.RecordFiles), so unchanged
        # files are not read again: kept in memory by a long-lived holder (it
        # sets this), else read from the cache folder when first asked for
        self._file_digests: FileDigests | None = None
        self._digests_from: FileDigests | None = None  # as read from the folder
        # compiled templates: render.MemoryBytecodeCache in the server; from a
        # command, sealed files of the cache folder (compiling is ~0.3 s a build);
        # made when first asked for (a no-op build imports no Jinja)
        self._templates: Any = _UNSET
        # digest of a template's source → the templates it names (render.Renderer); read when first asked for
        self._template_refs: dict[str, list[str] | None] | None = None

    @property
    def file_digests(self) -> FileDigests | None:
        if self._file_digests is None and self._digests_from is None and self.folder is not None:
            value = sealed.load(self.folder / "file-digests.pickle")
            ok = isinstance(value, tuple) and len(value) == 2 and value[0] == self._digests_ident()
            self._file_digests = dict(value[1]) if ok and isinstance(value[1], dict) else {}
            self._digests_from = dict(self._file_digests)
        return self._file_digests

    @file_digests.setter
    def file_digests(self, value: FileDigests | None) -> None:
        self._file_digests, self._digests_from = value, None

    def _digests_ident(self) -> tuple[str, str]:
        return code_digest(), str(self.folder)

    def keep_file_digests(self, rels: Iterable[str]) -> None:
        """When the file digests came from the cache folder: those of ``rels``
        (the files this build read) written back for the next command."""
        memo, before = self._file_digests, self._digests_from
        if memo is None or before is None or self.folder is None:
            return
        kept = {rel: memo[rel] for rel in rels if rel in memo}
        if kept != before and sealed.dump(self.folder / "file-digests.pickle", (self._digests_ident(), kept)):
            self._digests_from = kept

    def _manifest_path(self, out: Path) -> Path | None:
        if self.folder is None or not self._manifests_on_disk:
            return None
        name = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
        return self.folder / f"manifest-{name}.pickle"

    def manifest(self, out: Path) -> Manifest | None:
        """The manifest of the last build into ``out`` (not yet checked against its marker)."""
        m = self._manifests.get(out)
        if m is None:
            parts = self._manifest_parts(out, 2)
            if parts is not None and isinstance(parts[1], dict):
                m = Manifest.__new__(Manifest)
                m.__setstate__({**parts[1], "token": parts[0][0], "files": parts[0][1]})
        return m

    def manifest_files(self, out: Path) -> tuple[str, dict[str, tuple[str, int, int]]] | None:
        """Only the token and files of ``manifest(out)``: what the no-op
        checks, without unpickling the rest (at 10,000 records the groups
        and the folders' notes took 0.06 of the manifest's 0.13 s)."""
        m = self._manifests.get(out)
        if m is not None:
            return m.token, m.files
        parts = self._manifest_parts(out, 1)
        return parts[0] if parts is not None else None

    def _manifest_parts(self, out: Path, count: int) -> list[Any] | None:
        path = self._manifest_path(out)
        parts = sealed.load_parts(path, count) if path is not None else None
        if parts is None:
            return None
        head = parts[0]
        if not (isinstance(head, tuple) and len(head) == 2 and isinstance(head[0], str) and isinstance(head[1], dict)):
            return None  # not a manifest of this layout (one from before it): a miss
        return parts

    @property
    def templates(self) -> Any:
        if self._templates is _UNSET:
            from gongkai.run.engine.bytecode import SealedBytecodeCache

            self._templates = SealedBytecodeCache(self.folder / "templates") if self.folder is not None else None
        return self._templates

    @templates.setter
    def templates(self, value: Any) -> None:
        self._templates = value

    @property
    def template_refs(self) -> dict[str, list[str] | None]:
        if self._template_refs is None:
            refs = sealed.load(self.folder / "template-refs.pickle") if self.folder is not None else None
            self._template_refs = refs if isinstance(refs, dict) else {}
        return self._template_refs

    def forget_manifest(self, out: Path) -> None:
        """Forget what the last build into ``out`` left (kept in memory only:
        the preview server's, after its private output proved not to be as
        it was left); the next build there makes every file."""
        self._manifests.pop(out, None)

    def save_manifest(self, out: Path, manifest: Manifest) -> None:
        self._manifests[out] = manifest
        path = self._manifest_path(out)
        if path is not None:
            sealed.dump(path, blob=sealed.seal(_manifest_payload(manifest)))
        if self.folder is not None and self._template_refs:  # None: no template was asked about
            sealed.dump(self.folder / "template-refs.pickle", self._template_refs)


def _manifest_payload(manifest: Manifest) -> bytes:
    """Two pickles one after the other: (token, files), which is all the
    no-op reads (``manifest_files``), then the rest of the manifest's state."""
    state = manifest.__getstate__()
    head = (state.pop("token"), state.pop("files"))
    return _flat_pickle(head) + _flat_pickle(state)


def _flat_pickle(value: Any) -> bytes:
    """``value`` pickled without the pickler's memo (``Pickler.fast``), for
    plain trees of data with nothing shared that matters and no cycle (the
    pickler refuses one): a manifest at 10,000 records (~37,000 files and
    ~32,000 groups) is written in 0.012 s instead of 0.05 on every edit,
    read back as fast, ~13 % larger (a path it names twice is written twice)."""
    f = io.BytesIO()
    pickler = pickle.Pickler(f, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return f.getvalue()
