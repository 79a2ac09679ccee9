"""Sealed files: what gongkai keeps between builds, authenticated so that
nothing it reads back can have been written by anyone else.

The build cache holds pickles (validated records, roster rows, manifests).
Unpickling runs code, so a pickle must never be read from a place someone
else can write: not the site folder (it is shared, committed, copied), and
not a cache folder copied from another machine.  Everything gongkai keeps
therefore lives in the user's cache directory (``GONGKAI_CACHE_DIR``
overrides it), and every file there starts with an HMAC-SHA256 of its
payload under a random key made on this machine, kept beside the cache
(mode 0600) and never written anywhere else.  A file whose tag does not
verify (foreign, copied, corrupt, cut short, or from an older format) is
simply absent: the build then does the work again.  The tag is checked
before a single byte of the payload is unpickled.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gongkai.core.heap import settled

__all__ = ["MAGIC", "cache_root", "dump", "load", "load_parts", "seal", "site_cache_dir", "unseal"]

MAGIC = b"GKSEAL1\n"
_TAG = 32  # bytes of HMAC-SHA256


def cache_root() -> Path:
    """The folder of all gongkai's caches on this machine."""
    env = os.environ
    return _cache_root(env.get("GONGKAI_CACHE_DIR") or None, env.get("XDG_CACHE_HOME"), env.get("HOME"))


@functools.lru_cache(maxsize=8)
def _cache_root(env: str | None, _xdg: str | None, _home: str | None) -> Path:
    """Resolved once per process and setting: every sealed file read asks
    for the key, and platformdirs with a resolve() cost ~0.1 ms each time
    (a second per edit build at 10,000 records)."""
    if env:
        return Path(env).resolve()
    import platformdirs

    return Path(platformdirs.user_cache_dir("gongkai", appauthor=False)).resolve()


def site_cache_dir(root: Path) -> Path:
    """The cache folder of the site at ``root``: named by its absolute path,
    so two checkouts of one repository do not share (or fight over) one."""
    name = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return cache_root() / "sites" / name


@functools.cache
def _key(root: Path) -> bytes:
    """This machine's key, made on first use (0600, by an exclusive create
    so two processes starting together agree on one)."""
    path = root / "key"
    for _ in range(3):
        try:
            data = path.read_bytes()
            if len(data) == 32:
                return data
            path.unlink()  # unusable: make another (every sealed file becomes a miss)
        except FileNotFoundError:
            pass
        root.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        except FileExistsError:
            continue  # another process made it: read theirs
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
    raise OSError(f"cannot make the cache key {path}")


def key() -> bytes:
    return _key(cache_root())


def seal(payload: bytes) -> bytes:
    return MAGIC + hmac.new(key(), payload, hashlib.sha256).digest() + payload


def unseal(blob: bytes) -> bytes | None:
    """The payload, or None when ``blob`` was not sealed on this machine."""
    head = len(MAGIC) + _TAG
    if len(blob) < head or not blob.startswith(MAGIC):
        return None
    tag, payload = blob[len(MAGIC) : head], blob[head:]
    try:
        good = hmac.new(key(), payload, hashlib.sha256).digest()
    except OSError:
        return None
    return payload if hmac.compare_digest(tag, good) else None


def load(path: Path | str) -> Any:
    """The object sealed in ``path``, or None when there is none this
    machine sealed (missing, foreign, corrupt or stale format)."""
    payload = _payload(path)
    if payload is None:
        return None
    try:
        with settled():  # a cache's objects: all of them stay
            return pickle.loads(payload)
    except Exception:  # a class that changed shape since (the keys make that rare): a miss
        return None


def load_parts(path: Path | str, count: int) -> list[Any] | None:
    """The first ``count`` objects of a payload of pickles written one after
    another (all of it authenticated, only those unpickled), or None as
    ``load`` (fewer than ``count`` there is a miss too)."""
    payload = _payload(path)
    if payload is None:
        return None
    reader = pickle.Unpickler(io.BytesIO(payload))
    try:
        with settled():
            return [reader.load() for _ in range(count)]
    except Exception:  # cut short, or a class that changed shape since: a miss
        return None


def _payload(path: Path | str) -> bytes | None:
    """The payload of the file at ``path`` when this machine sealed it."""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError:
        return None
    return unseal(blob)


def dumps(value: Any) -> bytes:
    """``value`` pickled and sealed."""
    return seal(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def dump(path: Path, value: Any | None = None, blob: bytes | None = None) -> bool:
    """Write ``value`` (or ``blob``, already made by ``dumps``) to ``path``
    by a rename; False when that failed (the cache only saves time)."""
    return write_whole(path, (blob if blob is not None else dumps(value),))


def write_whole(path: Path, parts: Iterable[bytes | memoryview]) -> bool:
    """``parts`` written one after another as the file ``path``, by a rename
    (a reader sees the old file or the whole new one, never a part); False
    when that failed (the cache only saves time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.writelines(parts)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        return False
    return True
