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
                    "k": publisher and village names, and for a roster
                    "h": [[header, unit], ...] of its rows' cells and, when
                    it names two villages or more, "b": the village# of each
                    rows block}: display + verification
    d/<n>-<k>.json  rows block k of roster n: [[anchor, row text, village#]],
                    a row's cells separated by tabs when the doc has "h";
                    a block holds one village's rows

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

The filters' counts cannot come from the postings: a candidate may hold
every key of a term and not the term, and a roster's rows block holds rows
of several villages.  So the client counts only documents it knows to hold
the query: read through (search.js: examine; up to EXACT before the
filters are drawn, then EXACT at a time in the background when the rest
take no more than COUNT_CAP files, else none), or certain from the postings when every term is its own only key
(then a term with tf_main > 0 is in the doc's own text, and a doc of one
village, or whose own text holds every term, counts under all its villages).
A count is shown once no unread candidate could add to it.

The build streams: each doc's files are yielded as soon as it is read, and
postings are accumulated in bounded batches spilled to temporary files (one
per hash group) that are merged group by group at the end, so memory stays
bounded by the batch size, not by the site.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Any

from gongkai.core.model import Record, Site
from gongkai.emit.scratch import scratch_dir
from gongkai.emit.search_posting import _shard_count
from gongkai.emit.search_text import (
    _ENC,
    _NENC,
    FORMAT,
    INDEX_DIR,
    MAX_SHARDS,
    _codes,
    _doc_parts,
    _dumps,
    _enc,
    _enc_slow,
    _villages,
    _width,
    shard_of,
)
from gongkai.plan.search_docs import SearchDoc, _search_doc, record_villages

_Parts = tuple[bytes, tuple[bytes, ...], str, str]  # a document's files, grams and pieces: see _doc_parts

SPILL_GROUPS = 16  # temporary posting files; MIN_SHARDS must be a multiple


SPILL_ENTRIES = 300_000  # postings held in memory before a spill


# Client algorithm parameters (search.js has the same numbers).
PAGE = 10


BLOCK_CAP = 1  # rows blocks of one doc fetched before looking further


MAX_GRAMS = 8  # keys looked up per query term (evenly spread)


VERIFY_CAP = 50  # docs verified per page request at most


EXACT = 30  # candidates read through before the filters are first drawn (search.js: examine)


COUNT_CAP = 120  # files read in the background to count the filters, per query and filters at most


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

    def shards(self, shards: int, width: int) -> Iterator[tuple[str, bytes]]:
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
                yield f"{INDEX_DIR}/p/{s:0{width}x}.json", _dumps(post)


def build_search_index(docs: Iterable[SearchDoc]) -> Iterator[tuple[str, bytes]]:
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
    heads = [(d.type, d.type_label, d.publisher, _villages(d)) for d in ordered]
    return _index(ordered, heads)


def site_search_index(site: Site) -> Iterator[tuple[str, bytes]]:
    """The same files as ``build_search_index(search_docs(site))``, with each
    document made when its turn comes and dropped after: the facets come
    from the records (a roster's villages without reading its rows), so
    the documents (400,000 roster rows at 10,000 records) are never all in
    memory at once."""
    recs = search_records(site)
    heads = [(r.type, r.rtype.label, site.publisher_name(r.publisher), record_villages(r)) for r in recs]
    return _index(_LazyDocs(site, recs), heads)


def search_records(site: Site) -> list[Record]:
    """The published records in index order: oldest first (year, date, url)."""
    return sorted(site.published, key=lambda r: (r.date.year, r.date.isoformat(), r.url))


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

    @classmethod
    def of_lists(cls, lists: tuple[tuple[str, ...], ...], labels: tuple[str, ...]) -> _Facets:
        """The facets of an index whose lists are known (a splice's: the last
        build's, which it keeps), no document's head walked."""
        self = cls([])
        self.types = dict(zip(lists[0], labels, strict=True))
        self.lists = (list(lists[0]), list(lists[1]), list(lists[2]))
        self.type_ix, self.pub_ix, self.vil_ix = ({x: i for i, x in enumerate(xs)} for xs in self.lists)
        self.widths = tuple(_width(len(xs)) for xs in self.lists)
        return self

    def head_codes(self, kind: str, publisher: str, vils: list[str]) -> tuple[str, str, str] | None:
        """A document's codes in meta.json's ft, fp and fv; None when a value
        of its head is not in the lists."""
        try:
            return self._head_codes(kind, publisher, vils)
        except KeyError:
            return None

    def _head_codes(self, kind: str, publisher: str, vils: list[str]) -> tuple[str, str, str]:
        wt, wp, wv = self.widths
        vil_ix = self.vil_ix
        return (
            _codes(self.type_ix[kind], wt),
            _codes(self.pub_ix[publisher], wp),
            "".join(_codes(vil_ix[v], wv) for v in sorted(vils)) if vils else "",
        )

    def add(self, d: SearchDoc, vils: list[str]) -> None:
        self.add_head(d.type, d.publisher, d.year, vils)

    def add_head(self, kind: str, publisher: str, year: int, vils: list[str]) -> None:
        """``add`` of a document known by its head alone."""
        t, p, v = self._head_codes(kind, publisher, vils)
        f_type, f_pub, f_vil = self.codes
        f_type.append(t)
        f_pub.append(p)
        f_vil.append(v)
        self.add_year(year)

    def add_year(self, year: int) -> None:
        years = self.years
        if years and years[-1][0] == year:
            years[-1][1] += 1
        else:
            years.append([year, 1])


def _index(ordered: Sequence[SearchDoc], heads: list[tuple[str, str, str, list[str]]]) -> Iterator[tuple[str, bytes]]:
    """``heads``: (type, its label, publisher, villages) of each document, in order."""
    facets = _Facets(heads)
    shards = yield from _merge(ordered, facets)
    yield meta_file(facets, len(ordered), shards)


def meta_file(facets: _Facets, docs: int, shards: int) -> tuple[str, bytes]:
    """meta.json, once ``facets`` has every document added."""
    type_list, pub_list, vil_list = facets.lists
    f_type, f_pub, f_vil = facets.codes
    return (
        f"{INDEX_DIR}/meta.json",
        _dumps(
            {
                "v": FORMAT,
                "docs": docs,
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
    seen: Callable[[int, _Parts], None] | None = None,
) -> Generator[tuple[str, bytes], None, int]:
    """Every file but meta.json, with postings merged through temporary
    files (bounded memory); returns the shard count.  ``seen(n, parts)``
    is told each document's parts (search_state keeps them)."""
    with scratch_dir("search") as tmp:
        spill = _Spill(tmp)
        try:
            yield from _docs(ordered, spill, facets, seen)
            shards = _shard_count(spill.size)
            yield from spill.shards(shards, len(f"{shards - 1:x}"))
        finally:
            for f in spill.files:
                f.close()
    return shards


def _docs(
    ordered: Sequence[SearchDoc],
    spill: _Spill,
    facets: _Facets,
    seen: Callable[[int, _Parts], None] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Doc and rows-block files, facet codes and postings (to ``spill``) of every doc."""
    for n, d in enumerate(ordered):
        vils = _villages(d)
        facets.add(d, vils)
        made = _doc_parts(d, vils, facets.vil_ix)
        if seen is not None:
            seen(n, made)
        doc_file, blocks, grams, pieces = made
        yield f"{INDEX_DIR}/d/{n}.json", doc_file
        for k, block in enumerate(blocks):
            yield f"{INDEX_DIR}/d/{n}-{k}.json", block
        spill.add(n, dict(zip(grams.split("\0"), pieces.split("\0"), strict=True)) if grams else {})


def search_docs(site: Site) -> list[SearchDoc]:
    """Every published record as a search document.  Only what the pages
    show goes in: masked ID numbers, never drafts, future or non-public
    records (``site.published`` holds none of them)."""
    return [_search_doc(rec, site.publisher_name(rec.publisher)) for rec in site.published]
