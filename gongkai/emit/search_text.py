"""The search index format: text normalisation (``canon``), the keys of a
text (bigrams and digit runs), posting strings (base-32 varints) and what
one document adds to the index (``_doc_parts``).  search_index.py
describes the whole format; search.js mirrors every function here."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, _count_elements  # type: ignore[attr-defined]
from operator import add

from gongkai.plan.search_docs import SearchDoc, SearchRow

INDEX_DIR = "search/index"


FORMAT = 1


SHARD_TARGET = 8 * 1024  # most a posting shard averages, bytes (between half and all of it)


MIN_SHARDS = 16


MAX_SHARDS = 1 << 16


BLOCK_BYTES = 2400  # roster rows per block file: about this many UTF-8 bytes


# Terminal digits (0-31) are letters: a digit run in a posting always ends
# against a letter, so no privacy scanner can mistake one for an ID, card or
# phone number.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


_VAL = {c: i for i, c in enumerate(ALPHABET)}


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
    # Counted straight into ``counter`` (Counter.update of an iterable counts
    # in C; of another Counter it loops in Python), one space-free segment at
    # a time: the same counts, new keys in the same order of first appearance.
    for seg in c.split(" ") if " " in c else (c,):
        if len(seg) > 1:
            _count_elements(counter, map(add, seg, seg[1:]))  # Counter.update without its Mapping check
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


# _enc_slow(n) for every n < 2**15, made by whole digits (a per-number loop cost ~0.1 s at every start)
_LO, _HI = ALPHABET[:32], ALPHABET[32:]
_ENC = [*_LO, *(h + lo for h in _HI[1:] for lo in _LO), *(a + b + lo for a in _HI[1:] for b in _HI for lo in _LO)]


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
    """A roster's rows in blocks of about BLOCK_BYTES, each of one village's
    rows (villages in the order they first appear, rows in their order), so
    that a key's blocks in the postings tell the villages it is found in."""
    by_village: dict[str, list[SearchRow]] = {}
    for r in rows:
        by_village.setdefault(r.village, []).append(r)
    blocks: list[list[SearchRow]] = []
    for group in by_village.values():
        size = BLOCK_BYTES
        start = len(blocks)
        for r in group:
            n = len(r.text.encode("utf-8")) + len(r.anchor) + 8
            if size + n > BLOCK_BYTES and (len(blocks) == start or blocks[-1]):
                blocks.append([])
                size = 0
            blocks[-1].append(r)
            size += n
    return blocks


def _villages(d: SearchDoc) -> list[str]:
    return list(dict.fromkeys([v for v in d.villages if v] + [r.village for r in d.rows if r.village]))


def _doc_parts(d: SearchDoc, vils: list[str], vil_ix: dict[str, int]) -> tuple[bytes, tuple[bytes, ...], str, str]:
    """One document's own files and postings: (doc file, rows-block files,
    grams and their posting pieces, each joined by NUL)."""
    tags = " ".join([d.publisher, *vils])
    doc: dict[str, object] = {"d": d.date, "k": tags, "t": d.title, "u": d.url, "x": d.text}
    if d.columns:
        doc["h"] = [list(c) for c in d.columns]
    blocks = _blocks(d.rows)
    if len(vils) > 1 and blocks:
        doc["b"] = [vil_ix[b[0].village] if b[0].village else -1 for b in blocks]
    doc_file = _dumps(doc)
    main: Counter[str] = Counter()
    title_c = canon(d.title)
    text_c = canon(d.text)
    _count_grams(title_c, main)
    in_title = set(main)
    _count_grams(text_c, main)
    _count_grams(canon(tags), main)
    entries: dict[str, list] = {g: [tf << 2 | (2 if g in in_title else 0), None] for g, tf in main.items()}
    block_files: list[bytes] = []
    for k, block in enumerate(blocks):
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
