"""Site search: a character-bigram inverted index written as static JSON shards.

Chinese has no spaces and names of people are in no dictionary, so the index
knows no words: every pair of adjacent characters (a *bigram*) of the
normalised text is a key, and so is every 3- and 4-digit substring of a run
of digits (``2015`` would otherwise be 20, 01, 15: keys found everywhere).
A query is cut into its keys, their posting lists are intersected into
*candidates*, and each candidate is then *verified* in the browser against
its stored text as a true substring.  Recall is exact for any query of two
or more characters: a doc that contains the query contains all of its keys.

Everything is written under ``search/index/`` and fetched by
``themes/default/static/search.js`` with relative URLs, on demand::

    meta.json       format version, shard count, tables (types, publishers,
                    villages) and per-doc facet codes (type, publisher,
                    villages, year runs): what filters and counts need
    p/<hex>.json    posting shard: {key: posting string}, the key's shard
                    being mix32(code points) & (shards - 1)
    d/<n>.json      doc n: {"t": title, "u": url, "d": date, "x": text,
                    "k": publisher and village names}: display + verification
    d/<n>-<k>.json  rows block k of roster n: [[anchor, row text, village#]]

Docs are numbered oldest first (year, date, url), so a new record usually
gets the next number and the files of older docs do not change; the
ranking's last key, date desc, is "higher number first".

Normalisation (``canon``, mirrored exactly by ``canon`` in search.js): each
code point is NFKC-normalised on its own (full-width → half-width, ①→1,
compatibility ideographs → unified), ASCII is lower-cased, every punctuation,
symbol, space or control character becomes a separator (so ``*`` runs in
masked ID numbers are never indexed) except a ``.`` between two digits (5.20),
and separator runs collapse to one space.  Bigrams never span a separator.
``〔2015〕12号`` and ``2015 12号`` therefore have the same canonical form
``2015 12号`` and match each other.

Posting string: base-32 varints over a 64-letter URL-safe alphabet (A-Z a-f
end a number, g-z 0-9 - _ continue it, most significant first).  Per doc, in
ascending doc order::

    doc - previous doc - 1      (first entry: the doc number itself)
    x = tf_main << 2 | in_title << 1 | has_blocks
    if has_blocks: count, then per block: block - previous block - 1, tf - 1

``tf_main`` counts occurrences in the title, text and tags of the doc, ``tf``
in one rows block; the minimum over a query's bigrams is an upper bound of
the query's hits, which lets the client rank from postings alone and verify
only the docs it shows (threshold: verify in upper-bound order until the
k-th verified result is at least the next upper bound).

The build streams: each doc's files are yielded as soon as it is read, and
postings are accumulated in bounded batches spilled to temporary files (one
per hash group) that are merged group by group at the end, so memory stays
bounded by the batch size, not by the site.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from operator import add
from typing import Any

from gongkai.core.formats import money, number
from gongkai.core.model import Record, Site

__all__ = [
    "INDEX_DIR",
    "SearchDoc",
    "SearchMemo",
    "SearchRow",
    "build_search_index",
    "canon",
    "decode_posting",
    "reference_search",
    "shard_of",
    "site_search_index",
    "term_grams",
]

INDEX_DIR = "search/index"
FORMAT = 1

SHARD_TARGET = 8 * 1024  # most a posting shard averages, bytes (between half and all of it)
MIN_SHARDS = 16
MAX_SHARDS = 1 << 16
BLOCK_BYTES = 2400  # roster rows per block file: about this many UTF-8 bytes
SPILL_GROUPS = 16  # temporary posting files; MIN_SHARDS must be a multiple
SPILL_ENTRIES = 300_000  # postings held in memory before a spill

# Client algorithm parameters (search.js has the same numbers).
PAGE = 10
BLOCK_CAP = 1  # rows blocks of one doc fetched before looking further
MAX_GRAMS = 8  # keys looked up per query term (evenly spread)
VERIFY_CAP = 50  # docs verified per page request at most

# Terminal digits (0-31) are letters: a digit run in a posting always ends
# against a letter, so no privacy scanner can mistake one for an ID, card or
# phone number.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VAL = {c: i for i, c in enumerate(ALPHABET)}


@dataclass(frozen=True, slots=True)
class SearchRow:
    """One roster row: its HTML id on the record page, its cells as shown
    (masked ID numbers included, e.g. ``32*************234``) and its village."""

    anchor: str
    text: str
    village: str = ""


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """One published record as the search sees it.

    ``url`` is site-relative in pretty form (``subsidies/gengdi-2015/``);
    ``text`` is everything searchable except the title and the roster rows
    (summary, body as plain text, other table cells, doc_no, programme…);
    ``rows`` holds the roster rows, which must not be repeated in ``text``.
    """

    url: str
    title: str
    type: str
    type_label: str
    publisher: str
    date: str
    year: int
    villages: tuple[str, ...] = ()
    text: str = ""
    rows: tuple[SearchRow, ...] = field(default=())


# --- normalisation -------------------------------------------------------------

_SEEN: set[str] = set()
_TABLE: dict[int, str] = {}
_DOT = re.compile(r"(?<![0-9])\.|\.(?![0-9])")
_SPACE = re.compile(r"[\s\ufeff]+")  # = /[\s\x1c-\x1f\x85]+/ in search.js


def _is_sep(c: str) -> bool:
    cat = unicodedata.category(c)
    return cat[0] in "PSZ" or cat in ("Cc", "Cf", "Cs")


def _learn(ch: str) -> None:
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if "A" <= c <= "Z":
            c = c.lower()
        elif c != "." and _is_sep(c):
            c = " "
        out.append(c)
    r = "".join(out)
    if r != ch:
        _TABLE[ord(ch)] = r
    _SEEN.add(ch)


def canon(s: str) -> str:
    """The canonical form that is indexed and matched (see module doc)."""
    new = set(s)
    new.difference_update(_SEEN)
    for ch in new:
        _learn(ch)
    t = s.translate(_TABLE)
    if "." in t:
        t = _DOT.sub(" ", t)
    return " ".join(t.split())


_DIGITS = re.compile(r"[0-9]{3,}")


def _count_grams(c: str, counter: Counter[str]) -> None:
    """Add the keys of canonical text ``c``: its bigrams (none spans a space)
    and the 3- and 4-digit substrings of its runs of 3 or more digits."""
    if len(c) < 2:
        return
    grams = Counter(map(add, c, c[1:]))
    if " " in c:
        for g in [g for g in grams if " " in g]:
            del grams[g]
    counter.update(grams)
    runs = _DIGITS.findall(c)
    if runs:
        counter.update([r[i : i + n] for r in runs for n in (3, 4) for i in range(len(r) - n + 1)])


def term_grams(term: str) -> list[str]:
    """The keys a canonical query term is looked up by (search.js: grams).

    Bigrams in order of appearance, except those of two digits inside a run
    of 3+ digits, then for each such run the run itself if it has 3 digits,
    else its 4-digit substrings: ``2015`` is looked up as one key, not as the
    ubiquitous 20, 01, 15.
    """
    bi: dict[str, None] = {}
    lo: dict[str, None] = {}
    for seg in term.split(" "):
        run = [0] * len(seg)
        for m in _DIGITS.finditer(seg):
            r = m.group()
            run[m.start() : m.end()] = [len(r)] * len(r)
            if len(r) == 3:
                lo.setdefault(r, None)
            for i in range(len(r) - 3):
                lo.setdefault(r[i : i + 4], None)
        for i in range(len(seg) - 1):
            if not (run[i] and run[i + 1]):
                bi.setdefault(seg[i : i + 2], None)
    return list(bi) + list(lo)


def shard_of(gram: str, shards: int) -> int:
    """Shard of a key: a 32-bit mix of its code points (search.js: shardOf)."""
    m = 0xFFFFFFFF
    h = 0
    for c in gram:
        h = ((h ^ ord(c)) * 0x9E3779B1) & m
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & m
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & m
    h ^= h >> 16
    return h & (shards - 1)


# --- varints ---------------------------------------------------------------------


def _enc_slow(n: int) -> str:
    out = [ALPHABET[n & 31]]
    n >>= 5
    while n:
        out.append(ALPHABET[32 + (n & 31)])
        n >>= 5
    return "".join(reversed(out))


_ENC = [_enc_slow(i) for i in range(1 << 15)]
_NENC = len(_ENC)


def _enc(n: int) -> str:
    return _ENC[n] if n < _NENC else _enc_slow(n)


def _dec(s: str) -> list[int]:
    out, acc = [], 0
    for c in s:
        v = _VAL[c]
        if v >= 32:
            acc = acc * 32 + v - 32
        else:
            out.append(acc * 32 + v)
            acc = 0
    return out


def decode_posting(s: str) -> dict[int, tuple[int, bool, dict[int, int]]]:
    """Posting string → {doc: (tf_main, in_title, {block: tf})}."""
    nums = _dec(s)
    out: dict[int, tuple[int, bool, dict[int, int]]] = {}
    i, doc = 0, -1
    while i < len(nums):
        doc += nums[i] + 1
        x = nums[i + 1]
        i += 2
        blocks: dict[int, int] = {}
        if x & 1:
            n, k = nums[i], -1
            i += 1
            for _ in range(n):
                k += nums[i] + 1
                blocks[k] = nums[i + 1] + 1
                i += 2
        out[doc] = (x >> 2, bool(x & 2), blocks)
    return out


def _codes(index: int, width: int) -> str:
    out = ""
    for _ in range(width):
        out = ALPHABET[index & 63] + out
        index >>= 6
    return out


def _width(count: int) -> int:
    w = 1
    while count > 64**w:
        w += 1
    return w


# --- build ----------------------------------------------------------------------------


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8", "replace")


def _blocks(rows: tuple[SearchRow, ...]) -> list[list[SearchRow]]:
    blocks: list[list[SearchRow]] = []
    size = BLOCK_BYTES
    for r in rows:
        n = len(r.text.encode("utf-8")) + len(r.anchor) + 8
        if size + n > BLOCK_BYTES and (not blocks or blocks[-1]):
            blocks.append([])
            size = 0
        blocks[-1].append(r)
        size += n
    return blocks


class _Spill:
    """Postings in bounded batches, spilled to one temporary file per hash group."""

    def __init__(self, tmp: str) -> None:
        self.files = [
            open(os.path.join(tmp, f"g{g}.txt"), "w", encoding="utf-8", newline="\n") for g in range(SPILL_GROUPS)
        ]
        self.batch: dict[str, list] = {}
        self.entries = 0
        self.size = 0

    def add(self, doc: int, pieces: dict[str, str]) -> None:
        batch, enc, nenc = self.batch, _ENC, _NENC
        for g, piece in pieces.items():
            e = batch.get(g)
            if e is None:
                batch[g] = [doc, doc, [piece]]
            else:
                n = doc - e[1] - 1
                e[2].append((enc[n] if n < nenc else _enc_slow(n)) + piece)
                e[1] = doc
        self.entries += len(pieces)
        # estimated shard bytes (delta, JSON key share): independent of batching
        self.size += sum(map(len, pieces.values())) + 2 * len(pieces)
        if self.entries >= SPILL_ENTRIES:
            self.flush()

    def flush(self) -> None:
        files = self.files
        for g, (first, last, parts) in self.batch.items():
            h = shard_of(g, MAX_SHARDS)
            files[h % SPILL_GROUPS].write(f"{g}\t{h}\t{first}\t{last}\t{''.join(parts)}\n")
        self.batch = {}
        self.entries = 0

    def shards(
        self, shards: int, width: int, keep: dict[int, tuple[dict[str, str], bytes]] | None = None
    ) -> Iterator[tuple[str, bytes]]:
        self.flush()
        for f in self.files:
            f.close()
        for group, f in enumerate(self.files):
            merged: dict[str, list] = {}
            with open(f.name, encoding="utf-8") as fh:
                for line in fh:
                    g, h, first, last, body = line.rstrip("\n").split("\t")
                    e = merged.get(g)
                    if e is None:
                        merged[g] = [int(h), int(last), [_enc(int(first)), body]]
                    else:
                        e[2].append(_enc(int(first) - e[1] - 1))
                        e[2].append(body)
                        e[1] = int(last)
            os.unlink(f.name)
            out: dict[int, dict[str, str]] = {s: {} for s in range(group, shards, SPILL_GROUPS)}
            for g, (h, _last, parts) in merged.items():
                out[h & (shards - 1)][g] = "".join(parts)
            del merged
            for s, post in out.items():
                data = _dumps(post)
                if keep is not None:
                    keep[s] = (post, data)
                yield f"{INDEX_DIR}/p/{s:0{width}x}.json", data


_Parts = tuple[bytes, tuple[bytes, ...], str, str]  # see _doc_parts


@dataclass
class _IndexState:
    """The index of the last build, as the preview server keeps it."""

    docs: list[SearchDoc]  # by position
    vilcodes: list[tuple[int, ...]]
    facets: tuple[list[str], list[str], list[str]]
    shards: int
    size: int  # the estimate the shard count is chosen from
    post: dict[int, tuple[dict[str, str], bytes]]  # shard → (gram → posting, its file)


class SearchMemo:
    """What the index made of each document, kept from one build to the next
    by the preview server: a document that did not change is not tokenised
    again, and when only a few documents changed (and none moved) their
    postings are spliced into the last index instead of merging all of them
    again.  Entries no build used are dropped."""

    def __init__(self) -> None:
        # (id of the doc, its village codes) → (the doc, its parts); the doc is
        # kept so that the id cannot be taken by another object meanwhile
        self.entries: dict[tuple[int, tuple[int, ...]], tuple[SearchDoc, _Parts]] = {}
        self.used: set[tuple[int, tuple[int, ...]]] = set()
        self.docs: dict[tuple[str, str], SearchDoc] = {}  # (record digest, publisher name) → its document
        self.docs_used: set[tuple[str, str]] = set()
        self.index: _IndexState | None = None
        self.vils: dict[int, tuple[SearchDoc, list[str]]] = {}
        self.vils_used: set[int] = set()
        self.spliced = 0  # documents spliced into the last index, for tests and the benchmark

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

    def parts(self, d: SearchDoc, vilcodes: tuple[int, ...], vils: list[str], vil_ix: dict[str, int]) -> _Parts:
        key = (id(d), vilcodes)
        self.used.add(key)
        hit = self.entries.get(key)
        if hit is not None and hit[0] is d:
            return hit[1]
        made = _doc_parts(d, vils, vil_ix)
        self.entries[key] = (d, made)
        return made

    def prune(self) -> None:
        self.entries = {k: v for k, v in self.entries.items() if k in self.used}
        self.used = set()
        self.docs = {k: v for k, v in self.docs.items() if k in self.docs_used}
        self.docs_used = set()
        self.vils = {k: v for k, v in self.vils.items() if k in self.vils_used}
        self.vils_used = set()


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
    parts: list[_Parts],
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
    olds: list[_Parts | None] = []
    for n in changed:
        if n < old_n:
            hit = memo.entries.get((id(state.docs[n]), state.vilcodes[n]))
            if hit is None or hit[0] is not state.docs[n]:
                return None
            olds.append(hit[1])
        else:
            olds.append(None)
    size = state.size + sum(_contribution(parts[n]) - _contribution(o) for n, o in zip(changed, olds, strict=True))
    shards = _shard_count(size)
    if shards != state.shards:
        return None
    dirty: set[int] = set()
    post = state.post
    for n, old in zip(changed, olds, strict=True):
        before, after = _pairs(old), _pairs(parts[n])
        for g in before.keys() | after.keys():
            piece = after.get(g)
            if before.get(g) == piece:
                continue
            s = shard_of(g, MAX_SHARDS) & (shards - 1)
            grams = post[s][0]
            new = splice_posting(grams.get(g, ""), n, piece)
            if new:
                grams[g] = new
            else:
                grams.pop(g, None)
            dirty.add(s)
    for s in dirty:
        post[s] = (post[s][0], _dumps(post[s][0]))
    memo.spliced = len(changed)
    return _IndexState(ordered, vilcodes, facets, shards, size, post)


def build_search_index(docs: Iterable[SearchDoc], memo: SearchMemo | None = None) -> Iterator[tuple[str, bytes]]:
    """Yield ``(path relative to the site root, content)`` for every index file.

    Deterministic: the same docs, in any order, give byte-identical files in
    the same order.  Pass only published docs, with ID numbers already masked
    (the build's final privacy scan covers these files like any other output).
    Raises ValueError on a duplicate url.
    """
    ordered = sorted(docs, key=lambda d: d.url)
    for a, b in pairwise(ordered):
        if a.url == b.url:
            raise ValueError(f"search index: duplicate url {a.url!r}")
    ordered.sort(key=lambda d: (d.year, d.date))
    villages = memo.villages if memo is not None else _villages
    heads = [(d.type, d.type_label, d.publisher, villages(d)) for d in ordered]
    return _index(ordered, heads, memo)


def site_search_index(site: Site) -> Iterator[tuple[str, bytes]]:
    """The same files as ``build_search_index(search_docs(site))``, with each
    document made when its turn comes and dropped after: the facets come
    from the records (a roster's villages without reading its rows), so
    the documents (400,000 roster rows at 10,000 records) are never all in
    memory at once."""
    recs = sorted(site.published, key=lambda r: (r.date.year, r.date.isoformat(), r.url))
    heads = [(r.type, r.rtype.label, site.publisher_name(r.publisher), record_villages(r)) for r in recs]
    return _index(_LazyDocs(site, recs), heads, None)


class _LazyDocs(Sequence[SearchDoc]):
    def __init__(self, site: Site, records: list[Record]) -> None:
        self.site = site
        self.records = records

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, n: Any) -> Any:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(len(self)))]
        rec = self.records[n]
        return _search_doc(rec, self.site.publisher_name(rec.publisher))


def record_villages(rec: Record) -> list[str]:
    """The villages a record's search document names, in its order."""
    if rec.type == "subsidy":
        rows = rec.data["recipients"]
        found = getattr(rows, "villages", None) or (r["village"] for r in rows)  # a lazy Rows knows them
    elif rec.type == "fund":
        found = (p.get("village") for p in rec.data["projects"])
    else:
        return []
    return [v for v in dict.fromkeys(found) if v]


class _Facets:
    """The index's facet lists (types, publishers, villages, from every
    document's head) and the per-document codes and year runs in meta.json,
    filled in document order by ``add``."""

    def __init__(self, heads: list[tuple[str, str, str, list[str]]]) -> None:
        self.types: dict[str, str] = {}
        publishers: set[str] = set()
        villages: set[str] = set()
        for t, label, publisher, vils in heads:
            self.types.setdefault(t, label)
            publishers.add(publisher)
            villages.update(vils)
        self.lists = (sorted(self.types), sorted(publishers), sorted(villages))
        self.type_ix, self.pub_ix, self.vil_ix = ({x: i for i, x in enumerate(xs)} for xs in self.lists)
        self.widths = tuple(_width(len(xs)) for xs in self.lists)
        self.codes: tuple[list[str], list[str], list[str]] = ([], [], [])
        self.years: list[list[int]] = []

    def add(self, d: SearchDoc, vils: list[str]) -> None:
        wt, wp, wv = self.widths
        f_type, f_pub, f_vil = self.codes
        f_type.append(_codes(self.type_ix[d.type], wt))
        f_pub.append(_codes(self.pub_ix[d.publisher], wp))
        f_vil.append("".join(_codes(self.vil_ix[v], wv) for v in sorted(vils)))
        if self.years and self.years[-1][0] == d.year:
            self.years[-1][1] += 1
        else:
            self.years.append([d.year, 1])


def _index(
    ordered: Sequence[SearchDoc],
    heads: list[tuple[str, str, str, list[str]]],
    memo: SearchMemo | None,
) -> Iterator[tuple[str, bytes]]:
    """``heads``: (type, its label, publisher, villages) of each document, in order."""
    facets = _Facets(heads)
    if memo is None:
        shards = yield from _merge(ordered, facets)
    else:
        assert isinstance(ordered, list)
        shards = yield from _merge_memo(memo, ordered, facets)
    type_list, pub_list, vil_list = facets.lists
    f_type, f_pub, f_vil = facets.codes
    yield (
        f"{INDEX_DIR}/meta.json",
        _dumps(
            {
                "v": FORMAT,
                "docs": len(ordered),
                "shards": shards,
                "types": [[t, facets.types[t]] for t in type_list],
                "publishers": pub_list,
                "villages": vil_list,
                "years": facets.years,
                "w": list(facets.widths),
                "ft": "".join(f_type),
                "fp": "".join(f_pub),
                "fv": ",".join(f_vil),
            }
        ),
    )


def _merge(
    ordered: Sequence[SearchDoc],
    facets: _Facets,
    keep: dict[int, tuple[dict[str, str], bytes]] | None = None,
    parts: list[_Parts] | None = None,
    vils_of: Callable[[SearchDoc], list[str]] | None = None,
) -> Generator[tuple[str, bytes], None, int]:
    """Every file but meta.json, with postings merged through temporary
    files (bounded memory); returns the shard count."""
    with tempfile.TemporaryDirectory(prefix="gk-search-") as tmp:
        spill = _Spill(tmp)
        try:
            yield from _docs(ordered, spill, facets, parts, vils_of)
            shards = _shard_count(spill.size)
            yield from spill.shards(shards, len(f"{shards - 1:x}"), keep)
        finally:
            for f in spill.files:
                f.close()
    return shards


def _merge_memo(memo: SearchMemo, ordered: list[SearchDoc], facets: _Facets) -> Generator[tuple[str, bytes], None, int]:
    """As _merge, with each document's parts from ``memo``, and the last
    index spliced when only a few documents changed."""
    vil_ix = facets.vil_ix
    vilcodes: list[tuple[int, ...]] = []
    parts: list[_Parts] = []
    for d in ordered:
        vils = memo.villages(d)
        codes = tuple(vil_ix[v] for v in vils)
        vilcodes.append(codes)
        parts.append(memo.parts(d, codes, vils, vil_ix))
    try:
        state = _splice_index(memo, ordered, vilcodes, facets.lists, parts)
    except Exception:
        memo.index = None
        raise
    if state is None:
        memo.spliced = 0
        keep: dict[int, tuple[dict[str, str], bytes]] = {}
        memo.index = None
        shards = yield from _merge(ordered, facets, keep, parts, memo.villages)
        size = sum(_contribution(p) for p in parts)
        memo.index = _IndexState(ordered, vilcodes, facets.lists, shards, size, keep)
    else:
        memo.index = state
        shards = state.shards
        for d in ordered:
            facets.add(d, memo.villages(d))
        for n, (doc_file, blocks, _, _) in enumerate(parts):
            yield f"{INDEX_DIR}/d/{n}.json", doc_file
            for k, block in enumerate(blocks):
                yield f"{INDEX_DIR}/d/{n}-{k}.json", block
        width = len(f"{shards - 1:x}")
        for s in sorted(state.post):
            yield f"{INDEX_DIR}/p/{s:0{width}x}.json", state.post[s][1]
    memo.prune()
    return shards


def _villages(d: SearchDoc) -> list[str]:
    return list(dict.fromkeys([v for v in d.villages if v] + [r.village for r in d.rows if r.village]))


def _docs(
    ordered: Sequence[SearchDoc],
    spill: _Spill,
    facets: _Facets,
    parts: list[_Parts] | None = None,
    vils_of: Callable[[SearchDoc], list[str]] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Doc and rows-block files, facet codes and postings (to ``spill``) of
    every doc (its ``parts`` made here unless given)."""
    vils_of = vils_of or _villages
    for n, d in enumerate(ordered):
        vils = vils_of(d)
        facets.add(d, vils)
        made = parts[n] if parts is not None else _doc_parts(d, vils, facets.vil_ix)
        doc_file, blocks, grams, pieces = made
        yield f"{INDEX_DIR}/d/{n}.json", doc_file
        for k, block in enumerate(blocks):
            yield f"{INDEX_DIR}/d/{n}-{k}.json", block
        spill.add(n, dict(zip(grams.split("\0"), pieces.split("\0"), strict=True)) if grams else {})


def _doc_parts(d: SearchDoc, vils: list[str], vil_ix: dict[str, int]) -> tuple[bytes, tuple[bytes, ...], str, str]:
    """One document's own files and postings: (doc file, rows-block files,
    grams and their posting pieces, each joined by NUL)."""
    tags = " ".join([d.publisher, *vils])
    doc_file = _dumps({"d": d.date, "k": tags, "t": d.title, "u": d.url, "x": d.text})
    main: Counter[str] = Counter()
    title_c = canon(d.title)
    text_c = canon(d.text)
    _count_grams(title_c, main)
    in_title = set(main)
    _count_grams(text_c, main)
    _count_grams(canon(tags), main)
    entries: dict[str, list] = {g: [tf << 2 | (2 if g in in_title else 0), None] for g, tf in main.items()}
    block_files: list[bytes] = []
    for k, block in enumerate(_blocks(d.rows)):
        block_files.append(_dumps([[r.anchor, r.text, vil_ix[r.village] if r.village else -1] for r in block]))
        block_c = canon("\n".join(r.text for r in block))
        counts: Counter[str] = Counter()
        _count_grams(block_c, counts)
        for g, tf in counts.items():
            e = entries.get(g)
            if e is None:
                entries[g] = e = [0, None]
            if e[1] is None:
                e[0] |= 1
                e[1] = [k, tf]
            else:
                e[1].append(k)
                e[1].append(tf)
    pieces: dict[str, str] = {}
    enc, nenc = _ENC, _NENC
    for g, (x, bl) in entries.items():
        if bl is None:
            pieces[g] = enc[x] if x < nenc else _enc_slow(x)
        elif len(bl) == 2 and x < nenc and bl[0] < nenc and bl[1] <= nenc:  # one block: the usual case
            pieces[g] = enc[x] + enc[1] + enc[bl[0]] + enc[bl[1] - 1]
        else:
            parts = [_enc(x), _enc(len(bl) // 2)]
            prev = -1
            for i in range(0, len(bl), 2):
                parts.append(_enc(bl[i] - prev - 1))
                parts.append(_enc(bl[i + 1] - 1))
                prev = bl[i]
            pieces[g] = "".join(parts)
    return doc_file, tuple(block_files), "\0".join(pieces), "\0".join(pieces.values())


# --- reference client ------------------------------------------------------------------
#
# A line-by-line Python mirror of the query algorithm in search.js, reading the
# built files through ``read(path relative to search/index/) -> bytes``.  Tests
# use it to prove recall and to count first-query bytes.


def parse_query(q: str) -> list[str]:
    """Query → distinct canonical terms (whitespace separates terms: AND)."""
    terms: list[str] = []
    for raw in _SPACE.split(unicodedata.normalize("NFKC", q)):
        c = canon(raw)
        if c and c not in terms:
            terms.append(c)
    return terms


def pick_grams(grams: list[str]) -> list[str]:
    """At most MAX_GRAMS bigrams, evenly spread, first and last included."""
    n = len(grams)
    if n <= MAX_GRAMS:
        return grams
    return list(dict.fromkeys(grams[i * (n - 1) // (MAX_GRAMS - 1)] for i in range(MAX_GRAMS)))


def count_occurrences(hay: str, needle: str) -> int:
    """Occurrences of ``needle`` in ``hay``, overlapping ones included."""
    n, i = 0, hay.find(needle)
    while i >= 0:
        n += 1
        i = hay.find(needle, i + 1)
    return n


@dataclass
class RefHit:
    doc: int
    url: str
    title: str
    key: tuple[int, int, int]
    rows: list[tuple[str, str]]  # (anchor, text) of matching rows, best first


@dataclass
class RefResult:
    status: str  # "ok", "short" (no term of two characters) or "empty"
    hits: list[RefHit]
    total: int
    approx: bool
    fetched: dict[str, int]  # path → bytes, in fetch order

    @property
    def bytes(self) -> int:
        return sum(self.fetched.values())


class _Files:
    def __init__(self, read: Callable[[str], bytes]) -> None:
        self.read = read
        self.cache: dict[str, object] = {}
        self.fetched: dict[str, int] = {}

    def get(self, path: str):
        if path not in self.cache:
            data = self.read(path)
            self.fetched[path] = len(data)
            self.cache[path] = json.loads(data)
        return self.cache[path]


def reference_search(
    read: Callable[[str], bytes],
    query: str,
    *,
    n: int = PAGE,
    filters: dict[str, str] | None = None,
    exhaustive: bool = False,
) -> RefResult:
    """Run the client's algorithm for the first ``n`` results (all when exhaustive)."""
    files = _Files(read)
    filters = filters or {}
    terms = parse_query(query)
    gram_terms = [(t, pick_grams(term_grams(t))) for t in terms]
    gram_terms = [(t, g) for t, g in gram_terms if g]
    if not terms:
        return RefResult("empty", [], 0, False, files.fetched)
    if not gram_terms:
        return RefResult("short", [], 0, False, files.fetched)
    meta = files.get("meta.json")
    shards = meta["shards"]
    width = len(f"{shards - 1:x}")

    def posting(g: str) -> dict:
        shard = files.get(f"p/{shard_of(g, shards):0{width}x}.json")
        return decode_posting(shard.get(g, ""))

    # candidates: per term, docs where all its bigrams share a unit
    cands: dict[int, list] = {}  # doc → [title_ub, hits_ub, {block: ub}]
    for ti, (_t, grams) in enumerate(gram_terms):
        lists = sorted((posting(g) for g in grams), key=len)
        found: dict[int, list] = {}
        for doc, (tf, title, blocks) in lists[0].items():
            if ti and doc not in cands:
                continue
            ents = [lst.get(doc) for lst in lists[1:]]
            if None in ents:
                continue
            ents.append((tf, title, blocks))
            main = min(e[0] for e in ents)
            common = set(blocks).intersection(*(e[2] for e in ents))
            bub = {k: min(e[2][k] for e in ents) for k in common}
            if not main and not bub:
                continue
            found[doc] = [all(e[1] for e in ents), main + sum(bub.values()), bub]
        if ti == 0:
            cands = found
        else:
            nxt = {}
            for doc, (tt, hh, bub) in found.items():
                c = cands[doc]
                merged = dict(c[2])
                for k, v in bub.items():
                    merged[k] = merged.get(k, 0) + v
                nxt[doc] = [c[0] and tt, c[1] + hh, merged]
            cands = nxt

    # filters, by facet codes
    year_of = _year_runs(meta)
    wt, wp, wv = meta["w"]
    vil_codes = meta["fv"].split(",")

    def keep(doc: int) -> bool:
        if "type" in filters and meta["types"][_num(meta["ft"][doc * wt : doc * wt + wt])][0] != filters["type"]:
            return False
        if "year" in filters and str(year_of[doc]) != str(filters["year"]):
            return False
        if "pub" in filters and meta["publishers"][_num(meta["fp"][doc * wp : doc * wp + wp])] != filters["pub"]:
            return False
        if "village" in filters:
            codes = vil_codes[doc]
            names = {meta["villages"][_num(codes[i : i + wv])] for i in range(0, len(codes), wv)}
            if filters["village"] not in names:
                return False
        return True

    order = sorted(
        ((int(c[0]), c[1], doc, c[2]) for doc, c in cands.items() if keep(doc)),
        reverse=True,
    )
    village_ix = None
    if "village" in filters:
        vl = meta["villages"]
        village_ix = vl.index(filters["village"]) if filters["village"] in vl else -2
    want = len(order) if exhaustive else n
    block_cap = 1 << 30 if exhaustive else BLOCK_CAP
    verify_cap = 1 << 30 if exhaustive else VERIFY_CAP

    def verify(doc: int, bub: dict[int, int]) -> RefHit | None:
        d = files.get(f"d/{doc}.json")
        title_c, text_c, tags_c = canon(d["t"]), canon(d["x"]), canon(d["k"])
        todo = sorted(bub)
        fetched: list[int] = []
        rows: list[tuple[str, str, str]] = []  # anchor, text, canonical
        while True:
            take, todo = (todo[:block_cap], todo[block_cap:]) if not fetched else (todo, [])
            for k in take:
                for anchor, text, v in files.get(f"d/{doc}-{k}.json"):
                    if village_ix is None or v == village_ix:
                        rows.append((anchor, text, canon(text)))
                fetched.append(k)
            counts = {}
            for t in terms:
                counts[t] = (
                    count_occurrences(title_c, t)
                    + count_occurrences(text_c, t)
                    + count_occurrences(tags_c, t)
                    + sum(count_occurrences(r[2], t) for r in rows)
                )
            if all(counts.values()) or not todo:
                break
        if not all(counts.values()):
            return None
        hits = sum(counts[t] for t, _g in gram_terms) + sum(bub[k] for k in todo)
        title = int(all(t in title_c for t in terms))
        scored = [(sum(t in r[2] for t in terms), -i, r) for i, r in enumerate(rows)]
        matched = [(r[0], r[1]) for s, _i, r in sorted(scored, reverse=True) if s]
        return RefHit(doc, d["u"], d["t"], (title, hits, doc), matched)

    verified: list[RefHit] = []
    pos = rejected = done = 0
    while True:
        verified.sort(key=lambda h: h.key, reverse=True)
        if len(verified) >= want and (pos >= len(order) or verified[want - 1].key >= order[pos][:3]):
            break
        if pos >= len(order) or done >= verify_cap:
            break
        batch = order[pos : pos + max(want - len(verified), 3)]
        pos += len(batch)
        done += len(batch)
        for item in batch:
            hit = verify(item[2], item[3])
            if hit is None:
                rejected += 1
            else:
                verified.append(hit)
    verified.sort(key=lambda h: h.key, reverse=True)
    exact = all(term_grams(t) == [t] for t in terms)  # the term is its only key: no verification needed
    approx = pos < len(order) and not (exact and village_ix is None)
    return RefResult("ok", verified[:want], len(order) - rejected, approx, files.fetched)


def _num(code: str) -> int:
    v = 0
    for c in code:
        v = v * 64 + _VAL[c]
    return v


def _year_runs(meta: dict) -> list[int]:
    out: list[int] = []
    for year, count in meta["years"]:
        out.extend([year] * count)
    return out


# --- from the site to search documents ------------------------------------------

_MD_MARKS = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]+>|[#*_`>|~]+|^-{3,}$", re.M)


def _plain(markdown_text: str) -> str:
    """Markdown as the reader sees it, near enough for matching and snippets."""
    return _MD_MARKS.sub(lambda m: m.group(1) or " ", markdown_text)


def _cells(*values: object) -> str:
    return " ".join(str(v) for v in values if v not in (None, ""))


def search_docs(site: Site, memo: SearchMemo | None = None) -> list[SearchDoc]:
    """Every published record as a search document.  Only what the pages
    show goes in: masked ID numbers, never drafts, future or non-public
    records (``site.published`` holds none of them)."""
    docs: list[SearchDoc] = []
    for rec in site.published:
        publisher = site.publisher_name(rec.publisher)
        key = (rec.digest, publisher)
        if memo is not None and rec.digest:
            memo.docs_used.add(key)
            doc = memo.docs.get(key)
            if doc is None:
                doc = memo.docs[key] = _search_doc(rec, publisher)
            docs.append(doc)
        else:
            docs.append(_search_doc(rec, publisher))
    return docs


def _search_doc(rec: Record, publisher: str) -> SearchDoc:
    d = rec.data
    parts = [rec.summary, rec.doc_no, " ".join(rec.tags), _plain(rec.body)]
    rows: list[SearchRow] = []
    villages: list[str] = []
    if rec.type == "subsidy":
        parts += [d["program"], d.get("basis", "")]
        for i, r in enumerate(d["recipients"], start=1):
            rate = r.get("rate", d.get("rate"))
            text = _cells(
                r["village"], r.get("group"), r["name"], r.get("id_number"),
                number(r.get("quantity")), number(rate), money(r["amount"]), r.get("note"),
            )  # fmt: skip
            rows.append(SearchRow(f"r-{i}", text, r["village"]))
            if r["village"] not in villages:
                villages.append(r["village"])
    elif rec.type == "budget":
        for t in d["tables"]:
            parts.append(t["name"])
            parts += [_cells(r["code"], r["name"], money(r["amount"])) for r in t["rows"]]
    elif rec.type == "fund":
        parts += [_cells(s["name"], money(s["amount"])) for s in d["sources"]]
        for p in d["projects"]:
            parts.append(_cells(p["name"], p.get("village"), p.get("task"), p.get("implementer"), p.get("responsible")))
            if p.get("village") and p["village"] not in villages:
                villages.append(p["village"])
    elif rec.type == "decision":
        parts += [d.get("comments_adopted", ""), d.get("consultation_waived", "")]
        if "meeting" in d:
            parts.append(d["meeting"]["name"])
    elif rec.type == "list":
        parts += [
            _cells(i["name"], i.get("category"), i["basis"], i.get("standard"), i.get("department")) for i in d["items"]
        ]
    return SearchDoc(
        url=rec.url,
        title=rec.title,
        type=rec.type,
        type_label=rec.rtype.label,
        publisher=publisher,
        date=rec.date.isoformat(),
        year=rec.date.year,
        villages=tuple(villages),
        text="\n".join(p for p in parts if p),
        rows=tuple(rows),
    )
