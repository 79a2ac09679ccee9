"""Record packs: the validated record files a site's last build kept, in
SHARDS sealed files that a build reads whole, one sequential read each
(instead of one sealed file per record: 10,000 opens and reads per edit).

A record's key names its content (validate.file_key: its file, site.yaml,
gongkai's code), so an entry is never stale and any entry found under a key
is as good as any other; packs need no coordination beyond being whole.

One shard file::

    MAGIC | u64 length of the index | HMAC-SHA256(MAGIC, length, index) | index | entries

The index is a pickle of ``(ident, {key: (offset, length, sha256)})``, read
only after its tag verifies under this machine's key (sealed.key()); each
entry is a pickle read only after its bytes match the SHA-256 the
authenticated index names.  ``ident`` names the format, gongkai's code
(store.code_digest) and the cache folder the shard was written for: a shard
that is forged, cut short, sealed elsewhere, copied from another site's
folder or made by other code is a miss (``read_shard`` → None), and so is an
entry whose bytes do not match.  A shard is written to a temporary file and
renamed over the old one, so a build killed while writing leaves the old
shard (or none), never half of one; two builds writing at once each leave a
whole shard (the last one renamed wins).

Entries are not unpickled when a shard is read: only those a build asks for
(``Shard.blob`` + pickle.loads in store.RecordStore.get), and a shard is
rewritten only when its set of keys changed, copying the bytes of entries it
keeps.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gongkai.run.engine import sealed

__all__ = ["MAGIC", "SHARDS", "Shard", "read_shard", "shard_of", "shard_path", "write_shard"]

MAGIC = b"GKPACK1\n"
FORMAT = 1
SHARDS = 16  # an edit rewrites about two of them (the new key's, the old key's)
_LEN = struct.Struct("<Q")
_HEAD = len(MAGIC) + _LEN.size + 32

# key → (offset from the end of the index, length, SHA-256 of the entry's bytes)
Index = dict[str, tuple[int, int, bytes]]


def shard_of(key: str) -> int:
    """The shard of a key (a hex digest)."""
    try:
        return int(key[:1], 16) % SHARDS
    except ValueError:
        return 0


def shard_path(folder: Path, n: int) -> Path:
    return folder / f"pack-{n:x}"


class Shard:
    """One shard as read: its verified index over the file's bytes."""

    __slots__ = ("data", "index", "start")

    def __init__(self, data: bytes, start: int, index: Index) -> None:
        self.data, self.start, self.index = data, start, index

    def keys(self) -> Iterable[str]:
        return self.index.keys()

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def entry(self, key: str) -> tuple[memoryview, bytes] | None:
        """(bytes, their SHA-256) of ``key``'s entry as stored, unverified
        (to be copied into another shard with its digest)."""
        where = self.index.get(key)
        if where is None:
            return None
        offset, length, digest = where
        begin = self.start + offset
        if begin + length > len(self.data):
            return None
        return memoryview(self.data)[begin : begin + length], digest

    def blob(self, key: str) -> memoryview | None:
        """``key``'s entry, only if its bytes are those the index names."""
        found = self.entry(key)
        if found is None:
            return None
        view, digest = found
        return view if hmac.compare_digest(hashlib.sha256(view).digest(), digest) else None


def _tag(length: bytes, index: bytes) -> bytes:
    return hmac.new(sealed.key(), MAGIC + length + index, hashlib.sha256).digest()


def read_shard(path: Path, ident: tuple[Any, ...]) -> Shard | None:
    """The shard in ``path`` when this machine sealed it for ``ident``, else None."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if len(data) < _HEAD or not data.startswith(MAGIC):
        return None
    length = data[len(MAGIC) : len(MAGIC) + _LEN.size]
    (size,) = _LEN.unpack(length)
    start = _HEAD + size
    if start > len(data):
        return None
    index = data[_HEAD:start]
    try:
        good = _tag(length, index)
    except OSError:
        return None
    if not hmac.compare_digest(data[len(MAGIC) + _LEN.size : _HEAD], good):
        return None
    try:
        value = pickle.loads(index)
    except Exception:
        return None
    if not (isinstance(value, tuple) and len(value) == 2 and value[0] == ident and isinstance(value[1], dict)):
        return None
    return Shard(data, start, value[1])


def write_shard(path: Path, ident: tuple[Any, ...], entries: Iterable[tuple[str, bytes | memoryview, bytes]]) -> bool:
    """Write ``entries`` (key, pickled bytes, their SHA-256) as the shard
    ``path`` for ``ident``, by a rename; False when that failed (the cache
    only saves time)."""
    index: Index = {}
    blobs: list[bytes | memoryview] = []
    offset = 0
    for key, blob, digest in entries:
        index[key] = (offset, len(blob), digest)
        blobs.append(blob)
        offset += len(blob)
    head = pickle.dumps((ident, index), protocol=pickle.HIGHEST_PROTOCOL)
    length = _LEN.pack(len(head))
    try:
        tag = _tag(length, head)  # this machine's key may not be made (a read-only cache folder)
    except OSError:
        return False
    return sealed.write_whole(path, (MAGIC, length, tag, head, *blobs))


def digest(blob: bytes | memoryview) -> bytes:
    """The SHA-256 an index names an entry by."""
    return hashlib.sha256(blob).digest()
