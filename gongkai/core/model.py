"""The validated site: frozen records and the queries pages are made from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

from gongkai.core.config import SiteConfig
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc
from gongkai.core.plain_repr import plain_repr
from gongkai.core.schema.types import DISCLOSURE, RECORD_TYPES, VALIDITY, RecordType
from gongkai.core.standard import StandardStatus

__all__ = ["Posting", "Record", "Site", "Summary"]

T = TypeVar("T")
Day = date  # for annotations inside classes that have a field named ``date``


@dataclass(frozen=True)
class Record:
    """One disclosure record after validation.

    Common keys are attributes; the keys of the record's type are in
    ``data`` with their typed values (Decimal, date, tuples of dicts).
    ``locs`` maps a field path (``recipients[3].amount``) to where it was
    written, so rules can point at it.
    """

    id: str
    type: str
    source: str  # site-relative path of the file, e.g. content/subsidies/gengdi-2015.yaml
    title: str
    publisher: str  # key in site.publishers
    date: Day
    disclosure: str = "proactive"
    withheld: dict[str, str] | None = None
    formed: Day | None = None
    doc_no: str = ""
    notice: dict[str, Day] | None = None
    objection: dict[str, str] | None = None
    summary: str = ""
    tags: tuple[str, ...] = ()
    draft: bool = False
    supersedes: str = ""
    attachments: tuple[dict[str, str], ...] = ()
    body: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    # core/locs.py: packed once the record is checked (a cached record keeps them as one string)
    locs: Mapping[str, Loc] = field(default_factory=dict, repr=False, compare=False)
    # digest of everything the record was made from (files, site.yaml, gongkai's code): set by
    # the validator, it stands for the record's content when the build decides what to redo
    digest: str = field(default="", repr=False, compare=False)

    @property
    def rtype(self) -> RecordType:
        return RECORD_TYPES[self.type]

    @property
    def folder(self) -> str:
        return self.rtype.folder

    @property
    def url(self) -> str:
        """Site-relative URL of the record page, in its pretty form."""
        return f"{RECORD_TYPES[self.type].folder}/{self.id}/"  # asked ~10 times a record a build

    @property
    def is_public(self) -> bool:
        return self.disclosure == "proactive"

    @property
    def disclosure_label(self) -> str:
        return DISCLOSURE[self.disclosure]

    def loc(self, path: str) -> Loc:
        """Where ``path`` was written, else its nearest written parent."""
        while path:
            if path in self.locs:
                return self.locs[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.locs.get("", Loc(self.source, 1))

    def on_notice(self, today: Day) -> bool:
        n = self.notice
        return bool(n) and n["start"] <= today <= n["end"]  # type: ignore[index]

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickling (the record packs): without this, the unpickler's look-up
        # of __setstate__ falls through to __getattr__ below and raises, a few
        # µs a record, 10,000 times an edit.
        self.__dict__.update(state)

    def __getattr__(self, name: str) -> Any:
        # Templates may write record.tables instead of record.data.tables.
        data = self.__dict__.get("data")
        if data is not None and name in data:
            return data[name]
        raise AttributeError(name)


@plain_repr
@dataclass(frozen=True)
class Summary:
    """What a list shows of a record: no body and no table data.  List
    pages (home, sections, months, open data) get these instead of records,
    so their templates can read nothing else (StrictUndefined makes any
    other attribute an error) and a page's key, made from its context, is
    exactly what it shows: an edit to a record's body leaves them alone."""

    id: str
    type: str
    title: str
    publisher: str
    date: Day
    doc_no: str
    notice: dict[str, Day] | None
    summary: str
    tags: tuple[str, ...]
    disclosure: str
    draft: bool
    downloads: tuple[Any, ...]  # data.Download of the record
    validity: str = ""  # a regulation's 有效性 (valid, expired, repealed, amended); "" for other types

    @property
    def validity_label(self) -> str:
        return VALIDITY.get(self.validity, "")

    @property
    def rtype(self) -> RecordType:
        return RECORD_TYPES[self.type]

    @property
    def url(self) -> str:
        return f"{RECORD_TYPES[self.type].folder}/{self.id}/"

    @property
    def is_public(self) -> bool:
        return self.disclosure == "proactive"

    def on_notice(self, today: Day) -> bool:
        n = self.notice
        return bool(n) and n["start"] <= today <= n["end"]  # type: ignore[index]


@dataclass(frozen=True)
class Posting:
    """A notice sheet as it was posted on a board, frozen in
    ``content/archive/YYYY/MM-DD/<name>/`` with a manifest (see archive.py)."""

    record_id: str
    posted: date
    place: str
    folder: str  # site-relative, e.g. content/archive/2015/05-12/gengdi-2015
    files: tuple[str, ...]  # relative to the folder, manifest.json included
    title: str = ""  # the record's title as posted
    paper: str = ""  # e.g. "A4 纵向"
    sheet_pages: int = 0
    digest: str = ""  # SHA-256 of manifest.json
    version: str = ""  # gongkai version that made the entry
    seq: int = 0  # place in the archive chain (chain.py); 0: written before the chain
    prev: str = ""  # digest of the entry before it in the chain
    code: str = ""  # the verification code printed on the sheet (核验码), "" before the chain
    # the record's names are for the board only (plan/names.py): the sheet, its PDF and the
    # photos of the board carry them and stay in content/archive/, off the site
    board_only: bool = False

    @property
    def name(self) -> str:
        return self.folder.rsplit("/", 1)[-1]

    @property
    def day_url(self) -> str:
        return f"postings/{self.posted.year}/{self.posted.month:02d}-{self.posted.day:02d}/"

    @property
    def url(self) -> str:
        return f"{self.day_url}#p-{self.name}"

    @property
    def files_url(self) -> str:
        """Where the entry's public files are in the built site."""
        return f"{self.day_url}{self.name}/"

    @property
    def public_files(self) -> tuple[str, ...]:
        """Files shown on the site: not the copy of the source record, whose
        ID numbers are masked less than the site shows them; of a board-only
        roster only the manifest and the QR code (no names in them)."""
        if self.board_only:
            return tuple(f for f in self.files if f in ("manifest.json", "manifest.json.sig", "qr.svg"))
        return tuple(f for f in self.files if not f.startswith("source/"))

    @property
    def photos(self) -> tuple[str, ...]:
        return tuple(f for f in self.files if f.startswith("photos/"))


@dataclass(frozen=True)
class Site:
    """Everything a build knows: the configuration, every record that exists
    on ``today`` (drafts only when asked), and ``today`` itself."""

    config: SiteConfig
    records: tuple[Record, ...]
    today: date
    root: str = ""  # site directory, for attachments; not read by stages
    # id → 索引号 (org code/YYYY-NNNNN), from content/index-numbers.yaml (indexno.py)
    index_numbers: Mapping[str, str] = field(default_factory=dict)
    # sheets posted on boards up to ``today``, newest first (archive.py)
    postings: tuple[Posting, ...] = ()
    # the 标准目录 judged on ``today`` (content/catalogue.yaml; check/standard.py)
    standard: StandardStatus | None = None

    def once(self, name: str, make: Callable[[], T]) -> T:
        """``make()``, made once for this site: for what later stages derive from
        the site alone (the site is frozen, so the value stays right; it belongs
        to this site object, so to one build).  Callers must not change it."""
        memo = self._derived
        if name not in memo:
            memo[name] = make()
        return memo[name]  # type: ignore[no-any-return]

    @cached_property
    def _derived(self) -> dict[str, Any]:
        return {}

    @cached_property
    def by_id(self) -> dict[str, Record]:
        return {r.id: r for r in self.records}

    @cached_property
    def published(self) -> tuple[Record, ...]:
        """Public records, newest first: what the site shows in full."""
        return tuple(r for r in self.sorted_records if r.is_public)

    @cached_property
    def sorted_records(self) -> tuple[Record, ...]:
        return tuple(sorted(self.records, key=lambda r: (r.date, r.id), reverse=True))

    def of_type(self, type_name: str) -> tuple[Record, ...]:
        return self._by_type.get(type_name, ())

    @cached_property
    def _by_type(self) -> dict[str, tuple[Record, ...]]:
        out: dict[str, list[Record]] = {}
        for r in self.published:
            out.setdefault(r.type, []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    def on_notice(self) -> tuple[Record, ...]:
        return tuple(
            sorted(
                (r for r in self.published if r.on_notice(self.today)),
                key=lambda r: (r.notice["end"], r.id),  # type: ignore[index]
            )
        )

    def postings_of(self, record_id: str) -> tuple[Posting, ...]:
        """Where and when the sheet of ``record_id`` was posted, oldest first."""
        return self._postings_by_record.get(record_id, ())

    @cached_property
    def _postings_by_record(self) -> dict[str, tuple[Posting, ...]]:
        # one pass, not one per record page (10,000 scans of every posting)
        out: dict[str, list[Posting]] = {}
        for p in self.postings:
            out.setdefault(p.record_id, []).append(p)
        return {k: tuple(sorted(v, key=lambda p: (p.posted, p.name))) for k, v in out.items()}

    def publisher_name(self, key: str) -> str:
        return self.config.publishers.get(key, key)

    def index_no(self, record: Record) -> str:
        """The record's 索引号, or "" (drafts are never numbered)."""
        return self.index_numbers.get(record.id, "")

    @cached_property
    def corrections(self) -> dict[str, tuple[Record, ...]]:
        """id → the published records that supersede it."""
        out: dict[str, list[Record]] = {}
        for r in self.published:
            if r.supersedes:
                out.setdefault(r.supersedes, []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _followers(self) -> dict[str, list[Record]]:
        """id → the published decision records that follow it."""
        followers: dict[str, list[Record]] = {}
        for r in self.published:
            if r.type == "decision" and r.data.get("follows"):
                followers.setdefault(r.data["follows"], []).append(r)
        return followers

    @cached_property
    def interpretations(self) -> dict[str, tuple[Record, ...]]:
        """regulation id → the published 政策解读 notices that interpret it, oldest first."""
        out: dict[str, list[Record]] = {}
        for r in reversed(self.published):
            if r.type == "notice" and r.data.get("interprets"):
                out.setdefault(r.data["interprets"], []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def replaces(self) -> dict[str, tuple[Record, ...]]:
        """regulation id → the published regulations it repealed or amended (their
        ``repealed_by`` / ``amended_by`` name it), oldest first."""
        out: dict[str, list[Record]] = {}
        for r in reversed(self.published):
            if r.type == "regulation":
                for key in ("repealed_by", "amended_by"):
                    if r.data.get(key):
                        out.setdefault(r.data[key], []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    def public_record(self, record_id: str) -> Record | None:
        """The published record ``record_id``, or None (missing, not public, a draft)."""
        r = self.by_id.get(record_id) if record_id else None
        return r if r is not None and r.is_public else None

    def decision_chain(self, record: Record) -> tuple[Record, ...]:
        """The published stages of the decision ``record`` belongs to, in order."""
        first = record
        seen = {first.id}
        while first.data.get("follows") and first.data["follows"] in self.by_id:
            first = self.by_id[first.data["follows"]]
            if first.id in seen:
                break
            seen.add(first.id)
        chain = [first]
        down = {first.id}  # the walk down has its own guard: the walk up saw the stages it must pass
        followers = self._followers
        while chain[-1].id in followers and len(chain) < 10:
            nxt = sorted(followers[chain[-1].id], key=lambda r: (r.date, r.id))[0]
            if nxt.id in down:
                break
            down.add(nxt.id)
            chain.append(nxt)
        return tuple(r for r in chain if r.is_public)
