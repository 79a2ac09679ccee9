"""The record pages' keys of the last build, so that an edit plans and keys
only the record pages it may have changed (the preview server keeps them in
memory, a command in the site's cache folder, sealed).

A record page is made from its RecordInputs alone (plan/pages.py), and its
key (keys.Fingerprints._record_page) from the base, its url, title,
template digest and crumbs, and those inputs, where each record ``x`` in
them counts by ``Fingerprints.record``: its own digest, its 索引号, the
records correcting it, its postings and, for a budget, the budgets of its
fiscal year.  So a page's key can only change when

- the base, a record template or a section's crumbs changed: the state's
  ``version`` covers them all, and a state of another version is not used;
- a record it shows changed (``touched``): added, removed, its digest
  changed (``changed``), its 索引号 or its postings changed, a record
  correcting it changed, a budget of its fiscal year changed;
- which records it shows changed.  Each relation (RELATED) is made from
  the records' own fields (POINTERS: ``supersedes``, ``interprets``,
  ``repealed_by``, ``amended_by``, ``follows``), their type, whether they
  are public and their date: it changes only when a changed record names
  the page's record (the names it held before and holds now), or the
  page's record names a changed one (``pointed``: who named it last build;
  a record that did not change names the same), or, for a budget's
  counterpart, a budget of its year, or a record correcting one, changed;
  a decision's chain follows ``follows`` from record to record, so any
  change to a decision or to a record some record follows plans every
  decision again.

List pages hold record summaries (model.Summary), keyed by the digest of
their repr (keys.Fingerprints): ten thousand reprs an edit.  A summary is
made from its record alone (pages.summarize), and a record whose digest did
not change under the same ``version`` (so the same base: code, configuration,
today) is the same record, so its summary's key part is the last build's:
the state keeps them (``summaries``) and Fingerprints uses a kept one for an
unchanged record instead of the repr.  Likewise the 目录's entries
(plan/catalogue.Entries), each made from its record and its 索引号: the part of
an untouched record's entry is kept, and the entry itself is made only when
the 目录's page or data files are made again.

Every record page not so reached keeps its key: ``reusable`` gives them,
plan_pages plans them without their inputs (pages.Kept) and the page is
keyed by the kept key.  Any doubt (no state, another version, a record
without a digest) plans and keys everything.  The state is derived from the
build alone, so an interrupted build leaves the last one's, still true of
the inputs it describes.  tests/test_kept_plan.py compares each kept key with
the key a full plan makes, after each kind of edit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.model import Record, Site
from gongkai.core.schema.types import RECORD_TYPES
from gongkai.plan.catalogue import CatalogueRow
from gongkai.plan.pages import Kept, Page, RecordInputs
from gongkai.run.engine import sealed
from gongkai.run.engine.keys import Fingerprints
from gongkai.run.engine.store import code_digest

__all__ = ["OWN", "POINTERS", "RELATED", "KeptPlan", "PlanState"]

FORMAT = b"kept plan 3\0"
ROWS_FORMAT = "catalogue rows 1\0"
# RecordInputs fields that are other records (a test checks OWN + RELATED are all its fields)
RELATED = (
    "corrected_by",
    "corrects",
    "chain",
    "counterpart",
    "interpretations",
    "interprets",
    "replaced_by",
    "replaces",
)
OWN = ("record", "index_no", "postings", "link")  # the record's own, its 索引号 and postings, its address
POINTERS = ("interprets", "repealed_by", "amended_by", "follows")  # data fields naming another record


@dataclass
class PlanState:
    """What one build's record pages were made from and their keys."""

    version: bytes
    own: dict[str, str]  # every record's digest
    keys: dict[str, str]  # record id → its page's key
    refs: dict[str, tuple[str, ...]]  # record id → the records its page shows (RELATED), when any
    ptrs: dict[str, tuple[str, ...]]  # record id → the ids it names (supersedes, POINTERS), when any
    decisions: frozenset[str]  # the published decisions
    budgets: dict[str, Any]  # published budget id → its fiscal year
    index: dict[str, str]  # id → 索引号
    posted: dict[str, str]  # id → its postings, in the site's order, by their repr
    # the token of the tree the build left (Manifest.token), set once it is in place: the record
    # groups' keys in that tree's manifest are this build's (``Made.pages`` keeps them by it)
    token: str = ""
    # record id → the key part of its list summary (Fingerprints.summary_parts), for the records
    # whose summary this build keyed or kept: a summary is made from its record alone (pages.summarize)
    summaries: dict[str, str] = field(default_factory=dict)
    # record id → its 目录 entry's key part (Fingerprints.entry_parts): an entry is made from its
    # record and its 索引号 (with the configuration's publisher names, in the base)
    entries: dict[str, bytes] = field(default_factory=dict)

    def rev(self) -> tuple[dict[str, set[str]], dict[str, set[str]], set[str]]:
        """(record → the pages showing it, record → the records naming it, the ids a record follows)."""
        shown: dict[str, set[str]] = {}
        for page, rs in self.refs.items():
            for r in rs:
                shown.setdefault(r, set()).add(page)
        named: dict[str, set[str]] = {}
        follows: set[str] = set()
        for rid, ps in self.ptrs.items():
            for p in ps:
                if p:
                    named.setdefault(p, set()).add(rid)
            if ps[-1]:
                follows.add(ps[-1])
        return shown, named, follows


def version(keys: Fingerprints) -> bytes:
    """The base of every key, every record template's digest and each section's crumbs."""
    h = hashlib.blake2b(FORMAT + keys.base, digest_size=20)
    types = sorted({r.type for r in keys.site.published})
    for name in types:
        t = RECORD_TYPES[name]
        h.update(f"{name}\0{t.label}\0{t.folder}\0{keys.templates(f'record/{name}.html')}\0".encode())
    return h.digest()


def pointers(rec: Record) -> tuple[str, ...]:
    d = rec.data
    return (rec.supersedes, *(str(d.get(k) or "") for k in POINTERS))


def _posted(site: Site) -> dict[str, str]:
    """Each record's postings in the order of the site's (which the pages and keys sort from)."""
    out: dict[str, list[Any]] = {}
    for p in site.postings:
        out.setdefault(p.record_id, []).append(p)
    return {k: repr(v) for k, v in out.items()}


def _differ(a: Mapping[str, str], b: Mapping[str, str]) -> Iterable[str]:
    if a == b:
        return ()
    return [k for k in a.keys() | b.keys() if a.get(k) != b.get(k)]


def reusable(
    old: PlanState, site: Site, ver: bytes
) -> tuple[dict[str, str], dict[str, str], set[str], set[str]] | None:
    """(record id → its page's kept key, every record's digest, the changed
    records, the touched ones: those whose ``Fingerprints.record`` may
    differ from the last build's), or None when every page is to be planned."""
    if old.version != ver:
        return None
    own: dict[str, str] = {}
    for r in site.records:
        if not r.digest:
            return None
        own[r.id] = r.digest
    old_own = old.own
    changed = {i for i, d in own.items() if old_own.get(i) != d}
    changed.update(i for i in old_own if i not in own)
    by_id = site.by_id
    touched = set(changed)
    touched.update(_differ(old.index, site.index_numbers))
    touched.update(_differ(old.posted, _posted(site)))
    named: set[str] = set()  # what changed records name, before and now
    for i in changed:
        named.update(old.ptrs.get(i, ()))
        now = by_id.get(i)
        if now is not None:
            named.update(pointers(now))
    named.discard("")
    touched |= named
    budgets = {r.id: r.data.get("fiscal_year") for r in site.of_type("budget")}
    years = [y for i in changed | named for y in (old.budgets.get(i, _NONE), budgets.get(i, _NONE)) if y is not _NONE]
    if years:
        touched.update(i for i, y in old.budgets.items() if y in years)
        touched.update(i for i, y in budgets.items() if y in years)
    shown, naming, follows = old.rev()
    dirty = set(touched)
    for x in touched:
        dirty.update(shown.get(x, ()))
    for x in changed:
        dirty.update(naming.get(x, ()))
    decisions = {r.id for r in site.of_type("decision")}
    for i in changed:
        now = by_id.get(i)
        ps = old.ptrs.get(i, ("",))
        if (
            i in old.decisions
            or i in decisions
            or i in follows
            or ps[-1]
            or (now is not None and now.data.get("follows"))
        ):
            dirty |= old.decisions | decisions
            break
    return {i: k for i, k in old.keys.items() if i not in dirty}, own, changed, touched


_NONE = object()


class KeptPlan:
    """One build's use of the kept state: what it lets plan_pages skip, and
    the state it leaves for the next build (``held``: the preview server's
    memory, else a sealed file in ``folder``)."""

    def __init__(self, keys: Fingerprints, folder: Path | None, out: Path, held: Any = None) -> None:
        self.keys, self.held = keys, held
        name = hashlib.sha256(str(out).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        self.path = folder / "plan" / f"state-{name}" if folder is not None and held is None else None
        self.version = version(keys)
        self.old: PlanState | None = None
        self.own: dict[str, str] | None = None
        self.changed: set[str] = set()
        self.touched: set[str] | None = None
        self.state: PlanState | None = None  # this build's, once its pages are keyed
        self.kept = 0  # record pages planned from the last build's (tests, bench)
        # the 目录's rows (catalogue.CatalogueRow) by their entry's key part: the last build's, and this one's
        self.rows_path = folder / "plan" / f"rows-{name}" if folder is not None and held is None else None
        self._rows: dict[bytes, CatalogueRow] | None = None

    def reusable(self) -> dict[str, str] | None:
        """Record id → the key of its page, for the pages a full plan would key the same."""
        old = self.held.plan if self.held is not None else sealed.load(self.path) if self.path is not None else None
        if not isinstance(old, PlanState):
            return None
        found = reusable(old, self.keys.site, self.version)
        if found is None:
            return None
        self.old = old
        kept, self.own, self.changed, self.touched = found
        changed = self.changed  # added, removed or another digest: every other record is the same record
        self.keys.kept_summaries = {i: part for i, part in old.summaries.items() if i not in changed}
        touched = found[3]  # the changed ones and those whose 索引号 (or postings, ...) changed
        self.keys.kept_entries = {i: part for i, part in old.entries.items() if i not in touched}
        return kept

    def rows(self) -> dict[bytes, CatalogueRow]:
        """The rows of the 目录's data files the last build wrote, by the key
        part of the entry each was made from (Fingerprints.entry_parts): a row
        is a pure function of its entry, and the part is the digest of the
        entry's repr.  Only rows made by this very code are used (the part
        does not cover how an entry is written); read only by a build that
        makes the 目录's files again."""
        got = self.held.rows if self.held is not None else sealed.load(self.rows_path) if self.rows_path else None
        if type(got) is tuple and len(got) == 2 and got[0] == _rows_version() and type(got[1]) is dict:
            return got[1]
        return {}

    def keep_rows(self, rows: dict[bytes, CatalogueRow]) -> None:
        """This build's rows, for the next (saved with the state)."""
        self._rows = rows

    def touched_since(self, token: str) -> set[str] | None:
        """The records whose ``Fingerprints.record`` may have changed since the
        last build, when the tree whose manifest is ``token`` is the one that
        build left (its record groups' keys are then that build's: a record
        not in the set keeps them); else None.  A build stopped after its tree
        was swapped in but before its state was saved leaves an older state
        than the tree: its token is not the tree's."""
        old = self.old
        if old is None or self.touched is None or not old.token or old.token != token:
            return None
        return self.touched

    def keyed(self, pages: Iterable[Page], keys: Iterable[str]) -> None:
        """This build's record pages and their keys: the state for the next build."""
        site, old = self.keys.site, self.old
        page_keys: dict[str, str] = {}
        refs: dict[str, tuple[str, ...]] = {}
        for page, key in zip(pages, keys, strict=True):
            k = page.key
            t = type(k)
            if t is RecordInputs:
                rid = k.record.id
                page_keys[rid] = key
                rs = _related(k)
                if rs is None:  # a relation not of records: nothing to keep
                    return
                if rs:
                    refs[rid] = rs
            elif t is Kept:
                assert old is not None
                page_keys[k.record_id] = key
                self.kept += 1
                rs = old.refs.get(k.record_id, ())
                if rs:
                    refs[k.record_id] = rs
        own = self.own
        if own is None:
            own = {}
            for r in site.records:
                if not r.digest:  # made without the validator: nothing to keep
                    return
                own[r.id] = r.digest
        if old is None:
            ptrs = {r.id: p for r in site.records if any(p := pointers(r))}
        else:
            ptrs = {i: p for i, p in old.ptrs.items() if i not in self.changed}
            by_id = site.by_id
            for i in self.changed:
                now = by_id.get(i)
                if now is not None and any(p := pointers(now)):
                    ptrs[i] = p
        self.state = PlanState(
            self.version,
            own,
            page_keys,
            refs,
            ptrs,
            frozenset(r.id for r in site.of_type("decision")),
            {r.id: r.data.get("fiscal_year") for r in site.of_type("budget")},
            dict(site.index_numbers),
            _posted(site),
        )

    def save(self, token: str) -> None:
        """Keep this build's state for the next (after the build is in place,
        ``token`` naming its tree)."""
        if self.state is None:
            return
        self.state.token = token
        # the parts every key of the build made or kept (the 目录's group's among them)
        self.state.summaries = self.keys.summary_parts()
        self.state.entries = self.keys.entry_parts()
        if self.held is not None:
            self.held.plan = self.state
        elif self.path is not None:
            sealed.dump(self.path, self.state)
        if self._rows is not None:
            rows = (_rows_version(), self._rows)
            if self.held is not None:
                self.held.rows = rows
            elif self.rows_path is not None:
                sealed.dump(self.rows_path, rows)


def _rows_version() -> str:
    return ROWS_FORMAT + code_digest()


def _related(inputs: RecordInputs) -> tuple[str, ...] | None:
    """The ids of the records a page shows besides its own (RELATED fields:
    a record, None, or a tuple of records), or None for anything else."""
    out: list[str] = []
    for name in RELATED:
        v = getattr(inputs, name)
        if v is None:
            continue
        if type(v) is Record:
            out.append(v.id)
        elif type(v) is tuple and all(type(x) is Record for x in v):
            out.extend(x.id for x in v)
        else:
            return None
    return tuple(out)
