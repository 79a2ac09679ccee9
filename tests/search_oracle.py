"""The reference search: a slow, plainly right reading of the published
index, which the browser client (static/search.js) must agree with.  Test
code (tests and bench/search_bench.py), not part of the package."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from gongkai.emit.search_index import BLOCK_CAP, EXACT, MAX_GRAMS, PAGE, VERIFY_CAP
from gongkai.emit.search_text import _SPACE, _VAL, canon, decode_posting, shard_of, term_grams

# --- reference client ------------------------------------------------------------------
#
# A line-by-line Python mirror of the query algorithm in search.js, reading the
# built files through ``read(path relative to search/index/) -> bytes``.  Tests
# use it to prove recall and to count first-query bytes.  It reads a few
# candidates through before filtering as search.js did before #16; how
# search.js counts the filters since (exact postings, blocks' villages, the
# reading in the background) is not mirrored: tests/test_search_facets.py
# checks those counts in Chromium against the documents themselves.


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

    # a few candidates are read through first (search.js: examine): those
    # without the query are dropped, the others know the villages they match in
    examined: dict[int, set[str]] | None = None
    if len(cands) <= EXACT:
        examined = {}
        for doc in sorted(cands):
            d = files.get(f"d/{doc}.json")
            own = [canon(d["t"]), canon(d["x"]), canon(d["k"])]
            rest = [t for t in terms if not any(t in h for h in own)]
            vcodes = meta["fv"].split(",")[doc]
            wv0 = meta["w"][2]
            everywhere = {meta["villages"][_num(vcodes[i : i + wv0])] for i in range(0, len(vcodes), wv0)}
            if not rest:
                examined[doc] = everywhere
                continue
            found: dict[int, set[str]] = {}
            for k in sorted(cands[doc][2]):
                for _anchor, text, v in files.get(f"d/{doc}-{k}.json"):
                    rc = canon(text)
                    found.setdefault(v, set()).update(t for t in rest if t in rc)
            if set().union(*found.values(), set()) >= set(rest):
                examined[doc] = {meta["villages"][v] for v, ts in found.items() if v >= 0 and ts >= set(rest)}
        cands = {doc: c for doc, c in cands.items() if doc in examined}

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
        if "village" in filters and examined is not None:
            return filters["village"] in examined[doc]
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
    approx = examined is None and pos < len(order) and not (exact and village_ix is None)
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
