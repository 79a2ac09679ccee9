"""Splicing one document's postings into a posting string (``splice_posting``),
and the shard count for an index of a given size: what a build that splices
a few changed documents into the last index (search_state.splice_index)
shares with the full merge (search_index) and the county's index."""

from __future__ import annotations

from gongkai.emit.search_text import _VAL, MAX_SHARDS, MIN_SHARDS, SHARD_TARGET, _enc

__all__ = ["splice_posting"]


def _read_num(s: str, i: int) -> tuple[int, int]:
    acc = 0
    while True:
        v = _VAL[s[i]]
        i += 1
        if v < 32:
            return acc * 32 + v, i
        acc = acc * 32 + v - 32


def splice_posting(post: str, n: int, piece: str | None) -> str:
    """The posting string ``post`` with document ``n``'s piece replaced by
    ``piece`` (inserted when ``n`` is not in it; removed when ``piece`` is None).
    A posting is a run of (doc delta, piece) with varint numbers, so only
    the deltas next to ``n`` change."""
    i, end, prev = 0, len(post), -1
    while i < end:
        start = i
        delta, i = _read_num(post, i)
        doc = prev + delta + 1
        if doc >= n:
            if doc == n:  # skip n's own piece
                x, i = _read_num(post, i)
                if x & 1:
                    count, i = _read_num(post, i)
                    for _ in range(2 * count):
                        _, i = _read_num(post, i)
                rest = post[i:]
                if piece is not None:
                    return post[:start] + _enc(n - prev - 1) + piece + rest
                if not rest:
                    return post[:start]
                nxt, j = _read_num(rest, 0)  # the next doc now follows prev
                return post[:start] + _enc(nxt + n - prev) + rest[j:]
            if piece is None:
                return post
            return post[:start] + _enc(n - prev - 1) + piece + _enc(doc - n - 1) + post[i:]
        x, i = _read_num(post, i)
        if x & 1:
            count, i = _read_num(post, i)
            for _ in range(2 * count):
                _, i = _read_num(post, i)
        prev = doc
    return post if piece is None else post + _enc(n - prev - 1) + piece


def _shard_count(size: int) -> int:
    shards = MIN_SHARDS
    while shards < MAX_SHARDS and shards * SHARD_TARGET < size:
        shards *= 2
    return shards
