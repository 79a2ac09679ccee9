"""The county's one search over every township's own index, reused as built.

A township's index (gongkai/emit/search_index.py) stays where its build wrote it,
``<slug>/search/index/``.  The county adds two small things, made from the
townships' posting shards alone (their keys and sizes, nothing decoded)::

    search/county.json    the manifest: format, gram shard count, trigram
                          shard count (tri), and per township [slug, name,
                          its shard count, its docs, its trigram slices and
                          slice bytes (0, 0: no filter, passes everything)]
    search/t/<hex>.bin    trigram Bloom filter shards (county/trigrams.py)
    search/g/<hex>.json   gram shards: {key: townships} for every key of any
                          township; townships as in a posting string
                          (search.py): per township ``index - previous - 1``
                          then a size class (bit length of the township's
                          posting string for the key: a cheap df estimate)

The client (static/county-search.js) fetches the manifest and the gram
shards of the query's keys, keeps the townships that have every key, and
searches them one batch at a time, most promising first, each with its own
index (posting shards and docs fetched lazily as the township search does).
So a first query downloads a few kilobytes per key plus one batch of
townships' shards, whatever the county's size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from gongkai.commands.county.trigrams import bloom_shards
from gongkai.emit.search_posting import _shard_count
from gongkai.emit.search_text import SHARD_TARGET, _enc, shard_of

__all__ = ["COUNTY_SEARCH", "county_search_files"]

COUNTY_SEARCH = "search"
FORMAT = 1


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def county_search_files(
    townships: Sequence[tuple[str, str, Path, int, int, dict[str, Any] | None]],
) -> Iterator[tuple[str, bytes]]:
    """``townships``: (slug, name, its index folder, shards, docs, its
    trigram filter or None) in county order; yields (path under build/,
    bytes) of the manifest, the gram shards and the trigram shards."""
    grams: dict[str, list[int]] = {}
    for i, (_slug, _name, folder, shards, _docs, _bloom) in enumerate(townships):
        width = len(f"{shards - 1:x}")
        for s in range(shards):
            shard = json.loads((folder / "p" / f"{s:0{width}x}.json").read_text(encoding="utf-8"))
            for key, post in shard.items():
                grams.setdefault(key, []).extend((i, len(post).bit_length()))
    size = sum(len(k.encode()) + 6 + len(v) for k, v in grams.items())
    shards = _shard_count(size)
    buckets: list[dict[str, str]] = [{} for _ in range(shards)]
    for key, pairs in grams.items():
        prev, parts = -1, []
        for j in range(0, len(pairs), 2):
            parts.append(_enc(pairs[j] - prev - 1) + _enc(pairs[j + 1]))
            prev = pairs[j]
        buckets[shard_of(key, shards)][key] = "".join(parts)
    tri_shards, tri_files = bloom_shards([t[5] for t in townships])
    manifest = {
        "format": FORMAT,
        "shards": shards,
        "target": SHARD_TARGET,
        "tri": tri_shards,
        "townships": [
            [slug, name, n, docs, *((b["slices"], b["slice_bytes"]) if b else (0, 0))]
            for slug, name, _f, n, docs, b in townships
        ],
    }
    yield f"{COUNTY_SEARCH}/county.json", _dumps(manifest)
    tw = len(f"{max(tri_shards - 1, 0):x}")
    for s, blob in enumerate(tri_files):
        yield f"{COUNTY_SEARCH}/t/{s:0{tw}x}.bin", blob
    width = len(f"{shards - 1:x}")
    for s, bucket in enumerate(buckets):
        yield f"{COUNTY_SEARCH}/g/{s:0{width}x}.json", _dumps(bucket)
