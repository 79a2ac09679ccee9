"""The search index between command-line builds: what a build must keep so
that the next one, after an edit of a few records, changes only the index
files those records touch instead of merging every document again.

A full build (``full_index``) records, beside its files, a ``SearchState``
(per document, in index order: its key, url and number of rows blocks; the
facet lists, shard count and size estimate) and each document's postings
(``Parts``: its grams and their pieces).  The next build (``splice_index``)
keys every published record the same way; when no document moved, the
facets and the shard count stay, and only a few keys changed, it makes the
changed documents' files, reads the posting shards they touch from the
previous output, splices the changed postings into them (search_posting's
``splice_posting``) and keeps every other file.  Anything else — no state,
a different code version, a missing piece, a moved document — returns None
and the caller merges afresh.  The result is byte for byte what a full
build writes (tests/test_incremental.py compares them after each edit).

A document's key covers everything ``_search_doc`` makes it from: the
record (its digest: its file and every file it reads), its publisher's
name, and the code (``salt``).  The state and parts are kept by the engine
(sealed, in the user cache folder); nothing here reads or writes files.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.model import Record, Site
from gongkai.emit.scratch import scratch_dir
from gongkai.emit.search_index import _Facets, _merge, meta_file, search_records
from gongkai.emit.search_posting import _shard_count, splice_posting
from gongkai.emit.search_text import FORMAT, INDEX_DIR, MAX_SHARDS, _doc_parts, _dumps, _villages, shard_of
from gongkai.plan.search_docs import _search_doc, record_villages

__all__ = [
    "IndexPlan",
    "Parts",
    "SearchState",
    "full_index",
    "index_plan",
    "planned_index",
    "search_records",
    "splice_index",
]

STATE_FORMAT = 2
Parts = tuple[str, str]  # a document's grams and their posting pieces, each joined by NUL
_PARTS_BATCH = 64  # parts pickled to their group's file at a time


@dataclass(frozen=True)
class SearchState:
    salt: str  # code and format the keys were made with
    keys: tuple[str, ...]  # per document, in index order
    urls: tuple[str, ...]
    blocks: tuple[int, ...]  # rows blocks of each document (its d/<n>-<k>.json files)
    facets: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    shards: int
    size: int
    today: str  # the day the keys were made for (doc_key)
    # per document, what its key is made from besides the code, the formats and the day (_mark):
    # a document whose mark is the last build's has the last build's key, not hashed again
    marks: tuple[str, ...]
    labels: tuple[str, ...]  # each type's label, in the order of facets[0]
    # per document, its codes in meta.json's ft, fp and fv: a document whose key is the last
    # build's has its codes, under the same facet lists
    codes: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@dataclass
class Spliced:
    """What a splice makes: the files to write, the files of the previous
    index to keep as they are, and what to remember for the next build."""

    files: list[tuple[str, bytes]]
    keep: list[str]
    state: SearchState
    parts: dict[str, Parts]  # new documents' parts, by key
    spliced: int  # documents made again


def doc_key(salt: str, rec: Record, publisher: str, today: date) -> str:
    """What a document is made from: the record as read (its digest: its file
    and every file it reads), its publisher's name, the code, and ``today``:
    the build changes a record by the date too (a roster's names come off the
    site after its 公示期, plan/names.py), which its digest does not show.  So
    the first build of a day merges afresh; edits that day are spliced."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{STATE_FORMAT}\0{FORMAT}\0{salt}\0{_mark(rec, publisher)}\0{today}".encode())
    return h.hexdigest()


def _mark(rec: Record, publisher: str) -> str:
    """What a document's key is made from but the code, the formats and the
    day (the same for every document of a build): equal marks, equal keys.
    A digest is hex and a repr shows no NUL, so the NUL parts the two."""
    return f"{rec.digest or repr(rec)}\0{publisher}"


def _heads(site: Site, recs: list[Record]) -> list[tuple[str, str, str, list[str]]]:
    return [(r.type, r.rtype.label, site.publisher_name(r.publisher), record_villages(r)) for r in recs]


def _facet_lists(facets: _Facets) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    a, b, c = facets.lists
    return tuple(a), tuple(b), tuple(c)


class _Collect:
    """Filled by ``full_index`` as the merge goes: each document's block
    count and share of the size estimate, and its parts, by key, spilled to
    temporary files in ``tmp`` (one per first character of the key, so each
    file holds whole buckets of the keeper's: search.py), not held in
    memory: at 10,000 documents they are ~25 MB of strings, which the
    merge's process would otherwise hold until its end."""

    def __init__(self, keys: tuple[str, ...], tmp: str) -> None:
        self.keys, self.tmp = keys, tmp
        self.blocks: list[int] = []
        self.size = 0
        self.batch: dict[str, list[tuple[str, Parts]]] = {}
        self.files: dict[str, Any] = {}
        self.state: SearchState | None = None

    def seen(self, n: int, made: tuple[bytes, tuple[bytes, ...], str, str]) -> None:
        _, blocks, grams, pieces = made
        parts = (grams, pieces)
        self.blocks.append(len(blocks))
        self.size += _size(parts)
        key = self.keys[n]
        batch = self.batch.setdefault(key[:1], [])
        batch.append((key, parts))
        if len(batch) >= _PARTS_BATCH:
            self._flush(key[:1])

    def _flush(self, group: str) -> None:
        batch = self.batch.pop(group, None)
        if not batch:
            return
        f = self.files.get(group)
        if f is None:
            name = f"parts-{ord(group):x}" if group else "parts"
            f = self.files[group] = open(os.path.join(self.tmp, name), "w+b")  # closed in groups() or close()
        pickle.dump(batch, f, protocol=pickle.HIGHEST_PROTOCOL)

    def groups(self) -> Iterator[dict[str, Parts]]:
        """Every document's parts by key (the last of a repeated key), one
        group of keys at a time (no key in two groups), each file read back
        and closed in turn."""
        for group in list(self.batch):
            self._flush(group)
        for group in sorted(self.files):
            f = self.files.pop(group)
            with f:
                f.seek(0)
                out: dict[str, Parts] = {}
                while True:
                    try:
                        out.update(pickle.load(f))
                    except EOFError:
                        break
            yield out

    def close(self) -> None:
        for f in self.files.values():
            f.close()
        self.files = {}


@dataclass(frozen=True)
class IndexPlan:
    """What a full merge needs of the records besides their documents: each
    document's head (type, its label, publisher, villages), key and url, in
    index order.  Made where the records are (``index_plan``), so that the
    merge itself can run elsewhere from a stream of the records (a forked
    process sent them by value reads nothing else of the site)."""

    heads: list[tuple[str, str, str, list[str]]]
    keys: tuple[str, ...]
    urls: tuple[str, ...]
    marks: tuple[str, ...]
    today: str


def index_plan(site: Site, salt: str) -> tuple[list[Record], IndexPlan]:
    """The published records in index order, and the merge's plan of them."""
    recs = search_records(site)
    heads = _heads(site, recs)
    keys = tuple(doc_key(salt, r, h[2], site.today) for r, h in zip(recs, heads, strict=True))
    marks = tuple(_mark(r, h[2]) for r, h in zip(recs, heads, strict=True))
    return recs, IndexPlan(heads, keys, tuple(r.url for r in recs), marks, site.today.isoformat())


def full_index(
    site: Site, salt: str, done: Callable[[SearchState, Iterable[dict[str, Parts]]], None]
) -> Iterator[tuple[str, bytes]]:
    """Every file of the index (as ``site_search_index``), and then
    ``done(state, parts by key in groups)`` for the next build to splice into."""
    recs, plan = index_plan(site, salt)
    return planned_index(plan, salt, recs, done)


def planned_index(
    plan: IndexPlan,
    salt: str,
    records: Iterable[Record],
    done: Callable[[SearchState, Iterable[dict[str, Parts]]], None],
) -> Iterator[tuple[str, bytes]]:
    """``full_index`` of the records ``plan`` was made of, given in its order
    (each read once, in turn: a stream will do).  ``done`` is given the
    parts in groups of keys (``_Collect.groups``), to be read in turn."""
    facets = _Facets(plan.heads)
    with scratch_dir("parts") as tmp:  # removed however the merge ends
        collect = _Collect(plan.keys, tmp)
        try:
            docs = (_search_doc(r, h[2]) for r, h in zip(records, plan.heads, strict=True))
            shards = yield from _merge(docs, facets, seen=collect.seen)  # type: ignore[arg-type]  # read in order, once
            yield meta_file(facets, len(plan.heads), shards)
            blocks = tuple(collect.blocks)
            if len(blocks) != len(plan.keys):
                raise ValueError("search index: the records are not the plan's")
            state = SearchState(
                salt,
                plan.keys,
                plan.urls,
                blocks,
                _facet_lists(facets),
                shards,
                collect.size,
                plan.today,
                plan.marks,
                tuple(facets.types[t] for t in facets.lists[0]),
                (tuple(facets.codes[0]), tuple(facets.codes[1]), tuple(facets.codes[2])),
            )
            done(state, collect.groups())
        finally:
            collect.close()


def _size(parts: Parts) -> int:
    """A document's share of the shard-size estimate (as _Spill.add counts it)."""
    grams, pieces = parts
    if not grams:
        return 0
    count = grams.count("\0") + 1
    return len(pieces) - (count - 1) + 2 * count


def _pairs(parts: Parts | None) -> dict[str, str]:
    if parts is None or not parts[0]:
        return {}
    return dict(zip(parts[0].split("\0"), parts[1].split("\0"), strict=True))


def splice_index(
    site: Site,
    salt: str,
    state: SearchState | None,
    old_parts: Callable[[str], Parts | None],
    read: Callable[[str], bytes | None],
) -> Spliced | None:
    """The index after an edit of a few records, from the last build's
    ``state``, the ``old_parts`` of the documents that changed and its
    posting shards (``read``: a file of the previous output, None when it is
    not there as that build wrote it).  None: merge afresh."""
    if state is None or state.salt != salt or state.today != site.today.isoformat():
        return None
    recs = search_records(site)
    old_n = len(state.keys)
    if len(recs) < old_n:
        return None
    # A document whose mark is the last build's has its key, its head and so its codes (they
    # are made from the record, its publisher's name, the code and the day): only the others
    # are keyed and headed again.
    name, old_marks = site.publisher_name, state.marks
    marks = [_mark(r, name(r.publisher)) for r in recs]
    changed: list[int] = []
    for n, rec in enumerate(recs):
        if n < old_n:
            if marks[n] == old_marks[n]:
                continue
            if rec.url != state.urls[n]:
                return None  # a document moved: every later number changes
        changed.append(n)
    if len(changed) > max(64, len(recs) // 20):
        return None
    facets = _Facets.of_lists(state.facets, state.labels)
    keys = list(state.keys)
    ft, fp, fv = (list(c) for c in state.codes)
    heads: dict[int, tuple[str, str, str, list[str]]] = {}
    recoded = False  # a changed document's facet codes are not the ones it had
    for n in changed:
        head = heads[n] = _heads(site, [recs[n]])[0]
        codes = facets.head_codes(head[0], head[2], head[3])
        if codes is None:
            return None  # a value the facet lists lack: they change, and every code with them
        key = doc_key(salt, recs[n], head[2], site.today)
        if n < old_n:
            recoded = recoded or codes != (ft[n], fp[n], fv[n])
            keys[n], ft[n], fp[n], fv[n] = key, *codes
        else:  # a new document: after every other (changed is in index order)
            keys.append(key)
            ft.append(codes[0])
            fp.append(codes[1])
            fv.append(codes[2])
    if recoded and not _all_listed(facets, ft, fp, fv):
        return None  # a value no document has any more: the lists change
    olds: list[Parts | None] = []
    for n in changed:
        if n < old_n:
            old = old_parts(state.keys[n])
            if old is None:
                return None
            olds.append(old)
        else:
            olds.append(None)
    files: dict[str, bytes] = {}
    news: dict[str, Parts] = {}
    blocks = list(state.blocks) + [0] * (len(recs) - old_n)
    made: list[Parts] = []
    for n in changed:
        doc = _search_doc(recs[n], heads[n][2])
        doc_file, block_files, grams, pieces = _doc_parts(doc, _villages(doc), facets.vil_ix)
        files[f"{INDEX_DIR}/d/{n}.json"] = doc_file
        for k, block in enumerate(block_files):
            files[f"{INDEX_DIR}/d/{n}-{k}.json"] = block
        blocks[n] = len(block_files)
        made.append((grams, pieces))
        news[keys[n]] = (grams, pieces)
    size = state.size + sum(_size(p) - (_size(o) if o else 0) for p, o in zip(made, olds, strict=True))
    shards = _shard_count(size)
    if shards != state.shards:
        return None
    width = len(f"{shards - 1:x}")
    post: dict[int, dict[str, str]] = {}
    for n, new, old in zip(changed, made, olds, strict=True):
        before, after = _pairs(old), _pairs(new)
        for g in before.keys() | after.keys():
            piece = after.get(g)
            if before.get(g) == piece:
                continue
            s = shard_of(g, MAX_SHARDS) & (shards - 1)
            grams_of = post.get(s)
            if grams_of is None:
                blob = read(f"{INDEX_DIR}/p/{s:0{width}x}.json")
                if blob is None:
                    return None
                grams_of = post[s] = json.loads(blob)
            spliced = splice_posting(grams_of.get(g, ""), n, piece)
            if spliced:
                grams_of[g] = spliced
            else:
                grams_of.pop(g, None)
    for s, grams_of in post.items():
        files[f"{INDEX_DIR}/p/{s:0{width}x}.json"] = _dumps(grams_of)
    facets.codes = (ft, fp, fv)
    for rec in recs:
        facets.add_year(rec.date.year)
    files[f"{INDEX_DIR}/meta.json"] = meta_file(facets, len(recs), shards)[1]
    new_state = SearchState(
        salt,
        tuple(keys),
        state.urls + tuple(r.url for r in recs[old_n:]),  # a changed document kept its url
        tuple(blocks),
        state.facets,
        shards,
        size,
        state.today,
        tuple(marks),
        state.labels,
        (tuple(ft), tuple(fp), tuple(fv)),
    )
    return Spliced(sorted(files.items()), _kept(state, set(files)), new_state, news, len(changed))


def _all_listed(facets: _Facets, ft: list[str], fp: list[str], fv: list[str]) -> bool:
    """Whether every value of the facet lists is still some document's (each
    code names a value of its list, so as many distinct codes as values)."""
    types, publishers, villages = facets.lists
    if len(set(ft)) != len(types) or len(set(fp)) != len(publishers):
        return False
    w, joined = facets.widths[2], "".join(fv)
    return len({joined[i : i + w] for i in range(0, len(joined), w)}) == len(villages)


def _kept(old: SearchState, made: set[str]) -> list[str]:
    """Files of the previous index that stay as they are: those of the
    documents that did not change, and the posting shards no change touched.
    (A changed document's files are all in ``made``, so a block it no
    longer has is neither made nor kept: gone.)"""
    out: list[str] = []
    for n, count in enumerate(old.blocks):
        doc = f"{INDEX_DIR}/d/{n}.json"
        if doc in made:
            continue
        out.append(doc)
        out += [f"{INDEX_DIR}/d/{n}-{k}.json" for k in range(count)]
    width = len(f"{old.shards - 1:x}")
    out += [rel for rel in (f"{INDEX_DIR}/p/{s:0{width}x}.json" for s in range(old.shards)) if rel not in made]
    return out
