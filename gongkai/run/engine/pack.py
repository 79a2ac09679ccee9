"""Record packs: the validated record files a site's last build kept, in
SHARDS sealed files that a build reads whole, one sequential read and one
unpickling each (instead of one sealed file, or one pickle, per record:
10,000 opens, or 10,000 unpicklings that each look up every class again and
share no string, per edit).

A record's key names its content (validate.file_key: its file, site.yaml,
gongkai's code), so an entry is never stale and any entry found under a key
is as good as any other; packs need no coordination beyond being whole.

One shard file::

    MAGIC | u64 length of the index | HMAC-SHA256(MAGIC, length, index) | index | body

The index is a pickle of ``(ident, keys, SHA-256 of the body)``, read only
after its tag verifies under this machine's key (sealed.key()); the body, a
pickle of the tuple of the keys' values in the same order, is unpickled only
after its bytes match the SHA-256 the authenticated index names.  ``ident``
names the format, gongkai's code (store.code_digest) and the cache folder
the shard was written for: a shard that is forged, cut short, sealed
elsewhere, copied from another site's folder or made by other code is a miss
(``read_shard`` → None), and so is every entry of a shard whose body does
not match.  A shard is written to a temporary file and renamed over the old
one, so a build killed while writing leaves the old shard (or none), never
half of one; two builds writing at once each leave a whole shard (the last
one renamed wins).

A shard's keys are known from its index alone; its body is unpickled when a
build first asks for one of its entries (``Shard.values``), and a shard is
written again, from the values in memory, only when its set of keys changed.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gongkai.run.engine import sealed

__all__ = ["MAGIC", "SHARDS", "Shard", "read_shard", "shard_of", "shard_path", "share_names", "write_shard"]

MAGIC = b"GKPACK2\n"
FORMAT = 2
# An edit rewrites about two of them (the new key's, the old key's), pickling
# each again whole: at 10,000 records ~80 records each.  Measured on those
# records (unpickling every shard / pickling two): 32 shards 0.259 / 0.027 s,
# 64 0.204 / 0.009, 128 0.196 / 0.004 (smaller pickles unpickle no slower,
# and ~130 files cost a few milliseconds to open).
SHARDS = 128
_LEN = struct.Struct("<Q")
_HEAD = len(MAGIC) + _LEN.size + 32


def shard_of(key: str) -> int:
    """The shard of a key (a hex digest)."""
    try:
        return int(key[:2], 16) % SHARDS
    except ValueError:
        return 0


def shard_path(folder: Path, n: int) -> Path:
    return folder / f"pack-{n:02x}"


class Shard:
    """One shard as read: its verified keys over the file's bytes; the
    values once asked for."""

    __slots__ = ("_values", "data", "digest", "keys", "start")

    def __init__(self, data: bytes, start: int, keys: tuple[str, ...], digest: bytes) -> None:
        self.data, self.start, self.keys, self.digest = data, start, keys, digest
        self._values: dict[str, Any] | None = None

    def values(self) -> dict[str, Any]:
        """key → value, unpickled (once) only if the body's bytes are those
        the index names; empty when they are not (every entry a miss)."""
        if self._values is None:
            self._values = {}
            body = memoryview(self.data)[self.start :]
            if hmac.compare_digest(hashlib.sha256(body).digest(), self.digest):
                try:
                    values = pickle.loads(body)
                except Exception:  # a class that changed shape since (the code digest makes that rare)
                    values = None
                if isinstance(values, tuple) and len(values) == len(self.keys):
                    self._values = dict(zip(self.keys, values, strict=True))
            self.data = b""  # the bytes are not needed again
        return self._values


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
    if not (isinstance(value, tuple) and len(value) == 3 and value[0] == ident):
        return None
    keys, digest = value[1], value[2]
    if not (isinstance(keys, tuple) and all(isinstance(k, str) for k in keys) and isinstance(digest, bytes)):
        return None
    return Shard(data, start, keys, digest)


def write_shard(path: Path, ident: tuple[Any, ...], keys: Sequence[str], values: Sequence[Any]) -> bool:
    """Write ``values`` under ``keys`` (in that order) as the shard ``path``
    for ``ident``, by a rename; False when that failed (the cache only saves
    time)."""
    body = pickle.dumps(tuple(values), protocol=pickle.HIGHEST_PROTOCOL)
    head = pickle.dumps((ident, tuple(keys), hashlib.sha256(body).digest()), protocol=pickle.HIGHEST_PROTOCOL)
    length = _LEN.pack(len(head))
    try:
        tag = _tag(length, head)  # this machine's key may not be made (a read-only cache folder)
    except OSError:
        return False
    return sealed.write_whole(path, (MAGIC, length, tag, head, body))


def share_names(rec: Any) -> None:
    """The names in a record (a validate.CheckedFile's): its attributes' and
    the keys of its ``data`` and of the dicts within, made the interpreter's
    shared copy of each name, in place (same keys, same order, same values).
    A record unpickled on its own (sent back by a checking process) has its
    own copy of every name; a pack would keep them all (~20,000 strings a
    pack, ~4,000 distinct) and every later build decode each again.  Shared,
    a name is pickled once a pack and read back as a reference (unpickling
    a pack ~13 % faster, and the records it gives share their names)."""
    _share_keys(rec.__dict__)
    data = rec.__dict__.get("data")
    if type(data) is dict:
        _share_within(data)


def _share_keys(d: dict[Any, Any]) -> None:
    if any(type(k) is str and k is not sys.intern(k) for k in d):
        items = [(sys.intern(k) if type(k) is str else k, v) for k, v in d.items()]
        d.clear()
        d.update(items)


def _share_within(v: Any) -> None:
    t = type(v)
    if t is dict:
        _share_keys(v)
        items = v.values()
    elif t is tuple or t is list:
        items = v
    else:
        return
    for x in items:
        tx = type(x)
        if tx is dict or tx is tuple or tx is list:
            _share_within(x)
