"""What the preview server keeps of the search index between rebuilds
(``SearchMemo``) and the splice of a few changed documents into the last
index (``splice_posting``), instead of merging every document again."""

from __future__ import annotations

import json
import marshal
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, overload

from gongkai.emit.search_text import (
    _VAL,
    MAX_SHARDS,
    MIN_SHARDS,
    SHARD_TARGET,
    _doc_parts,
    _dumps,
    _enc,
    _villages,
    shard_of,
)
from gongkai.plan.search_docs import SearchDoc, _search_doc

_Parts = tuple[bytes, tuple[bytes, ...], str, str]  # see _doc_parts


class _Packed:
    """A document's parts as the memo holds them between builds: marshalled
    and compressed (zlib level 1 takes the 10,000 documents of the synthetic
    township from 39 to 17.5 MiB), with what a splice asks of every
    document: its count of rows blocks and its share of the shard-size
    estimate.  Unpacked only for a document that changed, or when every
    document is merged again."""

    __slots__ = ("blob", "blocks", "size")

    def __init__(self, parts: _Parts) -> None:
        self.blob = zlib.compress(marshal.dumps(parts), 1)
        self.blocks = len(parts[1])
        self.size = _contribution(parts)

    def parts(self) -> _Parts:
        doc, blocks, grams, pieces = marshal.loads(zlib.decompress(self.blob))
        return doc, blocks, grams, pieces

    def file(self, k: int) -> bytes:
        """The doc file (``k`` < 0) or its ``k``-th rows block."""
        doc, blocks, _, _ = self.parts()
        return doc if k < 0 else blocks[k]


@dataclass
class _IndexState:
    """The index of the last build, as the preview server keeps it."""

    docs: list[SearchDoc]  # by position
    vilcodes: list[tuple[int, ...]]
    facets: tuple[list[str], list[str], list[str]]
    shards: int
    size: int  # the estimate the shard count is chosen from
    post: dict[int, bytes]  # shard → its file (read back only for the shards a splice changes)


class SearchMemo:
    """What the index made of each document, kept from one build to the next
    by the preview server: a document that did not change is not tokenised
    again, and when only a few documents changed (and none moved) their
    postings are spliced into the last index instead of merging all of them
    again.  Entries no build used are dropped."""

    def __init__(self) -> None:
        # (id of the doc, its village codes) → (the doc, its parts); the doc is
        # kept so that the id cannot be taken by another object meanwhile
        self.entries: dict[tuple[int, tuple[int, ...]], tuple[SearchDoc, _Packed]] = {}
        self.used: set[tuple[int, tuple[int, ...]]] = set()
        # (record digest, publisher name) → (the record, its document)
        self.docs: dict[tuple[str, str], tuple[Any, SearchDoc]] = {}
        self.docs_used: set[tuple[str, str]] = set()
        self.index: _IndexState | None = None
        self.vils: dict[int, tuple[SearchDoc, list[str]]] = {}
        self.vils_used: set[int] = set()
        self.spliced = 0  # documents spliced into the last index, for tests and the benchmark
        # The token of the output tree that holds ``index``'s files as they are (set by the engine once
        # a build's tree is in place; None while a new index is being made, until it is).
        self.published: str | None = None
        # Set by the engine before a build: whether the previous output is that tree, so a splice
        # need not yield the files it leaves as they were: it lists them in ``kept`` instead.
        self.keep = False
        self.kept: list[tuple[str, Callable[[], bytes]]] = []  # (path, its bytes when asked)
        self._changed: list[int] = []  # of the last splice: the documents spliced, the shards changed
        self._dirty: set[int] = set()
        # Documents made from records (search_index.search_docs) are held without their text and rows
        # once their parts are made (``slim``): id of such a document → (it, its record, publisher name),
        # from which the whole document is made again when its parts are needed again.
        self.made: list[tuple[SearchDoc, Any, str]] = []  # made this build
        self.sources: dict[int, tuple[SearchDoc, Any, str]] = {}

    def villages(self, d: SearchDoc) -> list[str]:
        """_villages(d), remembered with the document's parts."""
        key = id(d)
        hit = self.vils.get(key)
        if hit is not None and hit[0] is d:
            self.vils_used.add(key)
            return hit[1]
        vils = _villages(d)
        self.vils[key] = (d, vils)
        self.vils_used.add(key)
        return vils

    def held(self, d: SearchDoc, vilcodes: tuple[int, ...]) -> _Packed | None:
        """The parts kept of ``d`` (with these village codes), if any; used this build."""
        key = (id(d), vilcodes)
        self.used.add(key)
        hit = self.entries.get(key)
        return hit[1] if hit is not None and hit[0] is d else None

    def make(
        self, d: SearchDoc, vilcodes: tuple[int, ...], vils: list[str], vil_ix: dict[str, int]
    ) -> tuple[_Parts, _Packed]:
        """``d``'s parts, made now, and kept packed."""
        made = _doc_parts(self._whole(d), vils, vil_ix)
        key = (id(d), vilcodes)
        self.used.add(key)
        packed = _Packed(made)
        self.entries[key] = (d, packed)
        return made, packed

    def _whole(self, d: SearchDoc) -> SearchDoc:
        """``d`` with its text and rows (made again from its record when it was slimmed)."""
        hit = self.sources.get(id(d))
        if hit is None or hit[0] is not d:
            return d
        return _search_doc(hit[1], hit[2])

    def slim(self) -> None:
        """The documents made this build, held from now on without their
        text and rows (the roster rows: most of the memory the memo would
        hold); their parts, villages and place in the index are kept."""
        shells: dict[int, SearchDoc] = {}
        for d, rec, publisher in self.made:
            key = (rec.digest, publisher)
            held = self.docs.get(key)
            if held is None or held[1] is not d:
                continue
            vils = self.villages(d)
            shell = replace(d, villages=tuple(vils), text="", rows=())
            shells[id(d)] = shell
            self.docs[key] = (rec, shell)
            self.vils[id(shell)] = (shell, vils)
            self.vils.pop(id(d), None)
            self.sources[id(shell)] = (shell, rec, publisher)
        self.made = []
        if not shells:
            return
        for k in [k for k in self.entries if k[0] in shells]:
            _, parts = self.entries.pop(k)
            shell = shells[k[0]]
            self.entries[(id(shell), k[1])] = (shell, parts)
        if self.index is not None:
            self.index.docs = [shells.get(id(d), d) for d in self.index.docs]

    def prune(self) -> None:
        self.entries = {k: v for k, v in self.entries.items() if k in self.used}
        self.used = set()
        self.docs = {k: v for k, v in self.docs.items() if k in self.docs_used}
        self.docs_used = set()
        self.vils = {k: v for k, v in self.vils.items() if k in self.vils_used}
        self.vils_used = set()
        self.sources = {k: v for k, v in self.sources.items() if k in self.vils}


class _DocParts(Sequence[_Parts]):
    """The parts of one build's documents, by position: kept ones from the
    memo, the others made (and kept) when first asked; a full merge asks
    for each in turn, so no more than one is unpacked at a time."""

    def __init__(
        self, memo: SearchMemo, ordered: list[SearchDoc], vilcodes: list[tuple[int, ...]], vil_ix: dict[str, int]
    ) -> None:
        self.memo, self.ordered, self.vilcodes, self.vil_ix = memo, ordered, vilcodes, vil_ix
        self.held = [memo.held(d, codes) for d, codes in zip(ordered, vilcodes, strict=True)]

    def __len__(self) -> int:
        return len(self.ordered)

    @overload
    def __getitem__(self, n: int) -> _Parts: ...
    @overload
    def __getitem__(self, n: slice) -> Sequence[_Parts]: ...
    def __getitem__(self, n: int | slice) -> _Parts | Sequence[_Parts]:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(len(self)))]
        h = self.held[n]
        return h.parts() if h is not None else self._make(n)[0]

    def packed(self, n: int) -> _Packed:
        h = self.held[n]
        return h if h is not None else self._make(n)[1]

    def _make(self, n: int) -> tuple[_Parts, _Packed]:
        d = self.ordered[n]
        made = self.memo.make(d, self.vilcodes[n], self.memo.villages(d), self.vil_ix)
        self.held[n] = made[1]
        return made


def _contribution(parts: _Parts | None) -> int:
    """A document's share of the shard-size estimate (as _Spill.add counts it)."""
    if parts is None or not parts[2]:
        return 0
    count = parts[2].count("\0") + 1
    return len(parts[3]) - (count - 1) + 2 * count


def _pairs(parts: _Parts | None) -> dict[str, str]:
    if parts is None or not parts[2]:
        return {}
    return dict(zip(parts[2].split("\0"), parts[3].split("\0"), strict=True))


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


def _splice_index(
    memo: SearchMemo,
    ordered: list[SearchDoc],
    vilcodes: list[tuple[int, ...]],
    facets: tuple[list[str], list[str], list[str]],
    parts: _DocParts,
) -> _IndexState | None:
    """The last index with the changed documents spliced in, or None when a
    full merge is needed (a document moved or went, the facets or the shard
    count changed, or many documents changed)."""
    state = memo.index
    if state is None or state.facets != facets or len(ordered) < len(state.docs):
        return None
    old_n = len(state.docs)
    changed: list[int] = []
    for n, d in enumerate(ordered):
        if n < old_n:
            old = state.docs[n]
            if old is d and state.vilcodes[n] == vilcodes[n]:
                continue
            if old.url != d.url:
                return None
        changed.append(n)
    if len(changed) > max(64, len(ordered) // 20):
        return None
    olds: list[_Packed | None] = []
    for n in changed:
        if n < old_n:
            hit = memo.entries.get((id(state.docs[n]), state.vilcodes[n]))
            if hit is None or hit[0] is not state.docs[n]:
                return None
            olds.append(hit[1])
        else:
            olds.append(None)
    size = state.size + sum(parts.packed(n).size - (o.size if o else 0) for n, o in zip(changed, olds, strict=True))
    shards = _shard_count(size)
    if shards != state.shards:
        return None
    post = state.post
    read: dict[int, dict[str, str]] = {}  # shard → gram → posting, of the shards changed
    for n, was in zip(changed, olds, strict=True):
        before, after = _pairs(was.parts() if was else None), _pairs(parts[n])
        for g in before.keys() | after.keys():
            piece = after.get(g)
            if before.get(g) == piece:
                continue
            s = shard_of(g, MAX_SHARDS) & (shards - 1)
            grams = read.get(s)
            if grams is None:
                grams = read[s] = json.loads(post[s]) if s in post else {}
            new = splice_posting(grams.get(g, ""), n, piece)
            if new:
                grams[g] = new
            else:
                grams.pop(g, None)
    dirty = set(read)
    for s, grams in read.items():
        post[s] = _dumps(grams)
    memo.spliced = len(changed)
    memo._changed, memo._dirty = changed, dirty
    return _IndexState(ordered, vilcodes, facets, shards, size, post)
