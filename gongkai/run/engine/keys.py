"""What a build can skip: the key of every group of output files.

A key is a digest of everything its files are made from.  When it equals
the key the previous build recorded for the same group, and the files are
still there as that build left them, the group is not made again.  So a key
must cover every input, or a page goes stale: the tests compare an
incremental build with a full one after each kind of edit.

What goes into a key:

- ``base``: gongkai's code, the site's configuration (its ``names`` rules
  included: plan/names.py takes a roster's rows off by them and by ``today``;
  a record's own ``names`` is in its file, so in ``Record.digest``), the build's arguments
  (today, drafts, paper requests) and the section counts every page shows
  in its navigation;
- a page covers its template and every template that one extends,
  includes or imports (Renderer.template_digest), and its context: a
  template sees nothing else (no ``site``; render.Renderer), so nothing it
  shows is left out.  Editing a template renders again only the pages made
  from it; list pages hold record summaries (model.Summary), not records,
  so a body edit leaves them alone;
- a record stands for itself by ``Record.digest`` (the digest of the files
  it was read from; see validate.py), plus what pages show about it from
  elsewhere in the site: its 索引号, the records correcting it, where its
  sheet was posted and, for a budget, the other budgets of its year (the
  预算/决算 chart compares them);
- a record's page is keyed by one digest of every field of its
  RecordInputs (``_record_page``: a new field is keyed too), and a record's
  own groups (QR code, data files) by their name and ``record``: ten
  thousand of each an edit, so neither walks its parts one by one;
- anything else a page's context holds is hashed by value: record summaries
  and the 目录's entries (BY_REPR) and long runs of strings by their repr, in
  one go, the rest item by item.

Producers that still take the whole site (a record's data files and print
sheet) are keyed on the record with what pages show about it from
elsewhere (``record``), or on the whole site.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from gongkai.core.model import Posting, Record, Site, Summary
from gongkai.core.schema.types import RecordType
from gongkai.plan.catalogue import CatalogueEntry, Entries
from gongkai.plan.data import Download
from gongkai.plan.pages import Kept, Page, RecordInputs, Summaries, sections
from gongkai.run.engine.store import code_digest

__all__ = ["BY_REPR", "FLAT_FROZEN", "Fingerprints"]


class Fingerprints:
    """Keys of one build's output groups."""

    def __init__(self, site: Site, templates: Callable[[str], str], args: tuple[Any, ...]) -> None:
        """``templates``: template name → digest of it and all it uses."""
        self.site = site
        self.templates = templates
        h = hashlib.blake2b(digest_size=20)
        for part in (code_digest(), repr(site.config), repr(site.today), repr(args)):
            h.update(part.encode() + b"\0")
        for s in sections(site):
            h.update(f"{s.label}\0{s.url}\0{s.count}\0".encode())
        self.base = h.digest()
        self._page_base = hashlib.blake2b(self.base + b"record page\0", digest_size=20)
        self._crumb_parts: dict[int, tuple[Any, bytes]] = {}
        self._group_base = hashlib.blake2b(self.base + b"record group\0", digest_size=20)
        self._records: dict[int, bytes] = {}
        self._whole: bytes | None = None
        self._tuples: dict[int, tuple[Any, str]] = {}  # id → (the tuple, its key part)
        self._reprs: dict[int, tuple[Any, str]] = {}
        # record id → its Summary's key part as the last build made it, for the records that did
        # not change since (set by keep.KeptPlan.reusable: a summary is made from its record alone)
        self.kept_summaries: dict[str, str] = {}
        # record id → the digest of its 目录 entry's repr, as the last build made it (for the records
        # keep.KeptPlan.reusable finds untouched: an entry shows the record and its 索引号), and as
        # this build made it
        self.kept_entries: dict[str, bytes] = {}
        self._entry_parts: dict[str, bytes] = {}
        self._mixed_entries: set[str] = set()
        self._budgets: dict[Any, list[Record]] = {}
        self._postings: dict[str, list[Posting]] = {}
        for p in site.postings:
            self._postings.setdefault(p.record_id, []).append(p)
        for r in site.published:
            if r.type == "budget":
                self._budgets.setdefault(r.data.get("fiscal_year"), []).append(r)

    # --- records and the whole site -----------------------------------------------------------

    def record(self, rec: Record) -> bytes:
        """The record and what pages show about it from elsewhere."""
        fp = self._records.get(id(rec))
        if fp is None:
            h = hashlib.blake2b(self._own(rec), digest_size=20)
            h.update(self.site.index_no(rec).encode() + b"\0")
            for c in self.site.corrections.get(rec.id, ()):
                h.update(b"c" + self._own(c))
            for p in self._postings.get(rec.id, ()):
                h.update(f"p{p.digest}\0{p.posted}\0".encode())
            if rec.type == "budget":
                for b in self._budgets.get(rec.data.get("fiscal_year"), ()):
                    h.update(b"b" + self._own(b))
            fp = h.digest()
            self._records[id(rec)] = fp
        return fp

    @staticmethod
    def _own(rec: Record) -> bytes:
        # A record made without the validator (tests, tools) has no digest: its value stands in.
        return (rec.digest or repr(rec)).encode() + b"\0"

    def whole(self) -> bytes:
        """Every record and posting of the site.  A record counts by its own
        digest: what ``record`` adds (its 索引号, postings, the records
        correcting it, the budgets of its year) is made from the other
        records' digests, the postings and the 索引号, all in here too."""
        if self._whole is None:
            h = hashlib.blake2b(self.base, digest_size=20)
            own = self._own
            for rec in self.site.records:
                h.update(rec.id.encode() + b"\0" + own(rec))
            for p in self.site.postings:
                h.update(repr(p).encode())
            h.update(repr(sorted(self.site.index_numbers.items())).encode())
            h.update(repr(self.site.standard).encode())
            self._whole = h.digest()
        return self._whole

    # --- keys -----------------------------------------------------------------------------------

    def key(self, *parts: Any) -> str:
        """Key of a group made from ``parts`` (values, records, the site)."""
        if len(parts) == 2 and type(parts[0]) is str and type(parts[1]) is Record:
            # a record's own group (its QR code, its data files): two of them a record, every build
            name = parts[0].encode("utf-8", "surrogatepass")
            h = self._group_base.copy()
            h.update(b"%d:" % len(name) + name + self.record(parts[1]))
            return h.hexdigest()
        out: list[str] = []
        for part in parts:
            self._feed(out, part)
        return self._digest(out)

    def _digest(self, out: list[str]) -> str:
        return hashlib.blake2b(
            self.base + "\x1f".join(out).encode("utf-8", "surrogatepass"), digest_size=20
        ).hexdigest()

    def page(self, page: Page) -> str:
        """A page is made from its template (with all it uses), its context
        and the base: the templates see nothing else (render.Renderer).  A
        record page planned from the last build's (keep.py) has its key."""
        if type(page.key) is Kept:
            return page.key.key
        if type(page.key) is RecordInputs and page.key_covers_context:
            return self._record_page(page, page.key)
        out = [f"s{page.url!r}", f"s{self.templates(page.template)!r}", f"s{page.title!r}"]
        crumbs = page.crumbs
        if type(crumbs) is tuple and all(type(c) is tuple and all(type(x) is str for x in c) for c in crumbs):
            out.append(f"C{crumbs!r}")  # (title, url) pairs of strings: their repr says all
        else:
            self._feed(out, crumbs)
        self._feed(out, page.key)
        if not page.key_covers_context:
            self._feed(out, page.context)
        return self._digest(out)

    def _record_page(self, page: Page, inputs: RecordInputs) -> str:
        """A record's page (plan/pages.py, made from its RecordInputs alone):
        one digest of every field of the inputs, a record by ``record`` (its
        digest and what pages show about it from elsewhere), a string by its
        length and text, an empty field by a tag, anything else as ``key``
        would feed it.  Ten thousand of these an edit: no list of parts."""
        template = self.templates(page.template)
        text = f"{len(page.url)}:{page.url}{len(template)}:{template}{len(page.title)}:{page.title}"
        parts = [text.encode("utf-8", "surrogatepass"), self._crumbs(page.crumbs)]
        add = parts.append
        for name in _INPUTS:
            v = getattr(inputs, name)
            t = type(v)
            if v is None:
                add(b"\x01n")
            elif t is Record:
                add(b"\x01R" + self.record(v))
            elif t is str:
                b = v.encode("utf-8", "surrogatepass")
                add(b"\x01s%d:" % len(b) + b)
            elif t is tuple and not v:
                add(b"\x01(")
            else:
                out: list[str] = []
                self._feed(out, v)
                b = "\x1f".join(out).encode("utf-8", "surrogatepass")
                add(b"\x01g%d:" % len(b) + b)
        h = self._page_base.copy()
        h.update(b"".join(parts))
        return h.hexdigest()

    def _crumbs(self, crumbs: Any) -> bytes:
        """The crumbs' part of a record page's key: the pages of one section
        share one tuple of crumbs, digested once (held, so its id is not reused)."""
        hit = self._crumb_parts.get(id(crumbs))
        if hit is None or hit[0] is not crumbs:
            out: list[str] = []
            self._feed(out, crumbs)
            b = "\x1f".join(out).encode("utf-8", "surrogatepass")
            hit = self._crumb_parts[id(crumbs)] = (crumbs, b"\x02%d:" % len(b) + b)
        return hit[1]

    def _feed(self, out: list[str], v: Any) -> None:
        t = type(v)
        tag = _SCALARS.get(t)
        if tag is not None:
            out.append(f"{tag}{v!r}")
        elif t is tuple or t is list:
            if len(v) >= _LONG and _flat_items(v):
                out.append(self._flat(v))
                return
            out.append(f"[{len(v)}")
            feed = self._feed
            for x in v:
                feed(out, x)
        elif t is Record:
            out.append("R" + self.record(v).hex())
        elif t is Entries:
            out.append(self._entries(v))
        elif t is Summaries:
            # as a tuple of the summaries would be fed, a kept part standing for a summary not made
            out.append(f"[{len(v)}")
            kept, by_repr, of = self.kept_summaries, self._by_repr, v.of
            out.extend([kept.get(r.id) or by_repr(of(r)) for r in v.records])
        elif t in BY_REPR:
            out.append(self._by_repr(v))
        elif t is dict:
            out.append(f"{{{len(v)}")
            feed = self._feed
            for k, x in v.items():
                feed(out, k)
                feed(out, x)
        elif t in _FIELDS:  # a dataclass met before
            self._feed_fields(out, v, t)
        else:
            self._feed_other(out, v, t)

    def _feed_fields(self, out: list[str], v: Any, t: type) -> None:
        out.append(f"D{t.__qualname__}")
        feed = self._feed
        for name in _FIELDS[t]:
            feed(out, getattr(v, name))

    def _flat(self, v: tuple[Any, ...] | list[Any]) -> str:
        """A long sequence of strings, or of one FLAT_FROZEN type: keyed by its
        repr, which shows every field of such values (in C, not item by item).
        A tuple of records is made once a build and may be in several keys
        (the 目录's entries: its page and its data files): its repr is kept."""
        if type(v) is list or type(v[0]) is str:
            return f"{'L' if type(v) is list else 'F'}{v!r}"
        hit = self._tuples.get(id(v))
        if hit is None or hit[0] is not v:
            hit = self._tuples[id(v)] = (v, f"F#{_repr_digest(v)}")  # the tuple is held: its id is not reused
        return hit[1]

    def _by_repr(self, v: Any) -> str:
        """A BY_REPR value: its repr shows every field.  Kept by identity, as a
        summary is made once a record (plan/pages.summaries) and shown in
        several lists; the value is held, so its id is not reused."""
        hit = self._reprs.get(id(v))
        if hit is None or hit[0] is not v:
            part = self.kept_summaries.get(v.id) if type(v) is Summary else None
            if part is None:
                # by its digest: list pages show ~30,000 of these at 10,000 records, joined page by page
                part = "r" + hashlib.blake2b(repr(v).encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()
            hit = self._reprs[id(v)] = (v, part)
        return hit[1]

    def _entries(self, v: Entries) -> str:
        """The 目录's entries (plan/catalogue.Entries): the digest of their number and
        of each one's part, the digest of its repr (a fixed length: the parts
        need no separator), or the last build's for a record it left alone; an
        entry is made only for a part that is not kept.  Kept by identity: the
        page and the data files share one (the value is held, so its id is not reused)."""
        hit = self._tuples.get(id(v))
        if hit is None or hit[0] is not v:
            kept, made, mixed = self.kept_entries, self._entry_parts, self._mixed_entries
            h = hashlib.blake2b(b"E%d:" % len(v), digest_size=20)
            for i, r in enumerate(v.records):
                part = kept.get(r.id)
                if part is None:
                    # made here, never taken from another Entries of this build: one with other
                    # 索引号 or publishers' names shows the record otherwise
                    entry = repr(v.item(i)).encode("utf-8", "surrogatepass")
                    part = hashlib.blake2b(entry, digest_size=20).digest()
                    if made.setdefault(r.id, part) != part:
                        mixed.add(r.id)  # two entries for one record: neither is kept for the next build
                h.update(part)
            hit = self._tuples[id(v)] = (v, f"E#{h.hexdigest()}")
        return hit[1]

    def entry_parts(self) -> dict[str, bytes]:
        """Record id → its 目录 entry's part, for every entry keyed so far
        and every kept one of a record still in the site, but not of a record
        whose entries differ between two 目录 (the build makes none such)."""
        by_id, mixed = self.site.by_id, self._mixed_entries
        out = {**{i: p for i, p in self.kept_entries.items() if i in by_id}, **self._entry_parts}
        return {i: p for i, p in out.items() if i not in mixed} if mixed else out

    def summary_parts(self) -> dict[str, str]:
        """Record id → its Summary's key part, for every summary keyed (or
        kept) so far and every kept one of a record still in the site."""
        out = {i: p for i, p in self.kept_summaries.items() if i in self.site.by_id}
        for v, part in self._reprs.values():
            if type(v) is Summary:
                out[v.id] = part
        return out

    def _feed_other(self, out: list[str], v: Any, t: type) -> None:
        if isinstance(v, Site):
            out.append("S" + self.whole().hex())
        elif isinstance(v, RecordType):  # schema: part of gongkai's code
            out.append(f"T{v.name}")
        elif v is None or isinstance(v, bool | int | float | str | Decimal | date | Enum):
            out.append(f"{type(v).__name__}:{v!r}")
        elif isinstance(v, Record):
            out.append("R" + self.record(v).hex())
        elif isinstance(v, Mapping):
            out.append(f"{{{len(v)}")
            for k, x in v.items():
                self._feed(out, k)
                self._feed(out, x)
        elif isinstance(v, list | tuple):
            out.append(f"[{len(v)}")
            for x in v:
                self._feed(out, x)
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            _FIELDS[t] = tuple(f.name for f in dataclasses.fields(v))
            self._feed_fields(out, v, t)
        else:
            # Unknown values are keyed by their repr; one that shows an address
            # differs every build, which costs time but never gives a stale page.
            out.append(f"?{t.__qualname__}:{v!r}")


# Exact types hashed by their repr, with a tag (so 1 and "1" differ).
_SCALARS: dict[type, str] = {str: "s", int: "i", bool: "b", type(None): "n", float: "f", Decimal: "d", date: "t"}
_FIELDS: dict[type, tuple[str, ...]] = {}
_INPUTS = tuple(f.name for f in dataclasses.fields(RecordInputs))  # every field: a new one is keyed too
_LONG = 8  # sequences this long of strings or of FLAT_FROZEN values are keyed by repr (Fingerprints._flat)

# Frozen dataclasses whose fields hold only strings, numbers, dates, None, and
# tuples and dicts of those (or of one another), all shown by their repr: such
# a value is keyed by its repr, in C rather than field by field, and a tuple
# of a FLAT_FROZEN type cannot change (tests/test_keys.py checks every type).
BY_REPR: frozenset[type] = frozenset({CatalogueEntry, Download, Summary})
FLAT_FROZEN: frozenset[type] = frozenset({CatalogueEntry})


_CHUNK = 256  # items of a long tuple whose repr is made and hashed at a time (_repr_digest)


def _repr_digest(v: tuple[Any, ...] | list[Any]) -> str:
    """The digest of ``v``'s length and of the reprs of its slices of
    _CHUNK items, one after the other.  A slice's repr is a whole tuple's
    (its brackets delimit it) and the slices are cut at fixed places, so this
    tells tuples apart as the repr of the whole would; but the 目录's entries
    at 10,000 records made a repr of ~10 MB and its UTF-8 copy on every
    build, a peak of the preview server's memory (bench/serve_bench.py)."""
    h = hashlib.blake2b(b"%d:" % len(v), digest_size=20)
    for i in range(0, len(v), _CHUNK):
        h.update(repr(v[i : i + _CHUNK]).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _flat_items(v: tuple[Any, ...] | list[Any]) -> bool:
    """Whether every item is a str, or every item of one FLAT_FROZEN type."""
    t = type(v[0])
    if t is not str and (t not in FLAT_FROZEN or type(v) is not tuple):
        return False
    return all(type(x) is t for x in v)
