"""Which townships hold a query's trigrams: Bloom filters, sliced so that a
query fetches one small file per trigram for the whole county.

The bigram filter (county/search.py) says which townships have each key of
a query, not whether the keys stand together: a three-character name has
bigrams found in nearly every township.  A trigram (three adjacent
characters of one canonical segment, search.canon) is far rarer, so the
townships that pass both filters are, give or take the filters' false
positives, the ones where the name is.

A township job builds its filter from its own search docs (the files its
build wrote under search/index/d/, never its content): every trigram of the
canonical title, text, tags and roster rows, inserted into a Bloom filter
of ``BITS`` bits per trigram and ``PROBES`` probes, cut into ``slices``
(a power of two, ``SLICE_BYTES`` or so each, at least ``MIN_SLICES``)::

    h = mix(trigram, 0); slice = h & (slices - 1)
    bit i of the slice (of m = slice_bytes * 8 bits), i < PROBES:
        (mix(trigram, 1) + i * (mix(trigram, 2) | 1)) % m

The merge then regroups the slices of every township into ``shards`` files
``search/t/<hex>.bin`` (``shards`` a power of two not above any township's
``slices``): file s holds, township after township in manifest order, the
township's slices j with ``j & (shards - 1) == s`` in increasing j, so a
trigram reads one file.  county-search.js has the same mix and layout.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from gongkai.emit.search_text import canon

__all__ = ["BITS", "PROBES", "bloom_shards", "mix", "township_bloom", "trigrams"]

BITS = 10  # per trigram: about 1 % false positives with 7 probes
PROBES = 7
SLICE_BYTES = 64
MIN_SLICES = 256
SHARD_BYTES = 8 * 1024  # a county shard file, about
_M = 0xFFFFFFFF


def mix(s: str, seed: int) -> int:
    """A 32-bit hash of the code points of ``s`` (county-search.js: mix)."""
    h = seed
    for c in s:
        h = ((h ^ ord(c)) * 0x9E3779B1) & _M
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M
    h ^= h >> 16
    return h


def trigrams(text: str) -> Iterator[str]:
    for seg in canon(text).split(" "):
        for i in range(len(seg) - 2):
            yield seg[i : i + 3]


def _doc_texts(index: Path) -> Iterator[str]:
    """Every searchable text of a township's built index (docs and rows blocks)."""
    for p in sorted((index / "d").iterdir()):
        data = json.loads(p.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            yield from (data.get("t", ""), data.get("x", ""), data.get("k", ""))
        else:
            yield from (row[1] for row in data)


def township_bloom(index: Path) -> dict[str, Any]:
    """The filter of a township's built search index (``search/index/``)."""
    found: set[str] = set()
    for text in _doc_texts(index):
        found.update(trigrams(text))
    return build_bloom(found)


def build_bloom(found: Iterable[str]) -> dict[str, Any]:
    tris = sorted(set(found))
    total = max(1, len(tris) * BITS // 8)
    slices = MIN_SLICES
    while slices * SLICE_BYTES < total:
        slices *= 2
    size = max(8, -(-total // slices))
    bits = bytearray(slices * size)
    m = size * 8
    for t in tris:
        base = (mix(t, 0) & (slices - 1)) * size
        h2, h3 = mix(t, 1), mix(t, 2) | 1
        for i in range(PROBES):
            b = (h2 + i * h3) % m
            bits[base + (b >> 3)] |= 1 << (b & 7)
    return {
        "slices": slices,
        "slice_bytes": size,
        "count": len(tris),
        "data": base64.b64encode(bytes(bits)).decode("ascii"),
    }


def bloom_shards(blooms: Sequence[dict[str, Any] | None]) -> tuple[int, list[bytes]]:
    """(shards, the shard files' bytes) for the townships' filters in
    manifest order; None (no filter) takes no bytes and passes every trigram."""
    present = [b for b in blooms if b]
    if not present:
        return 0, []
    total = sum(len(b["data"]) * 3 // 4 for b in present)
    shards = 1
    while shards * SHARD_BYTES < total and shards * 2 <= min(b["slices"] for b in present):
        shards *= 2
    raw = [(base64.b64decode(b["data"]), b["slices"], b["slice_bytes"]) if b else None for b in blooms]
    files = []
    for s in range(shards):
        parts: list[bytes] = []
        for r in raw:
            if r is None:
                continue
            data, slices, size = r
            parts.extend(data[j * size : (j + 1) * size] for j in range(s, slices, shards))
        files.append(b"".join(parts))
    return shards, files


def has_trigram(bloom: dict[str, Any], tri: str) -> bool:
    """Membership as the client tests it (for tests and the bench)."""
    data = base64.b64decode(bloom["data"])
    size, slices = bloom["slice_bytes"], bloom["slices"]
    base, m = (mix(tri, 0) & (slices - 1)) * size, size * 8
    h2, h3 = mix(tri, 1), mix(tri, 2) | 1
    return all(data[base + (((h2 + i * h3) % m) >> 3)] >> (((h2 + i * h3) % m) & 7) & 1 for i in range(PROBES))
