"""What the preview server derived in its last build, reused when the very
same inputs come again (server only; a command keeps none of it).

The server is one long-lived process: the records its record store hands
back for unchanged files are the very objects of the last build (the same
``Record``, not an equal copy), and what it derived from them it may take
again without trusting anything on disk.  ``ServerMemo`` keeps three such
things, each checked against its inputs every time it is used:

- a page's key (keys.Fingerprints.page): kept with the page it was made
  for, and used again only when the new page has the same url, title,
  crumbs, template digest, key and (unless the key covers it) context as
  that page (``same``: the very same objects, or values of the same type
  whose text is the same), under the same base (gongkai's code, the site's
  configuration, today, the build's arguments, the sections' counts);
  anything else, or any doubt (a value of a type ``same`` does not know), is
  keyed afresh.  The template sees only the page's context (render.Renderer),
  so equal inputs render the same page;
- the records ``withdraw_names`` made (plan/names.py): the same record under
  the same rule on the same day is withdrawn into the same object again, so
  the pages showing it stay the same objects too;
- each record's list summary (plan/pages.summaries): ``summarize`` reads
  the record alone, so the same record object has the same summary.

What the memo holds is the last build's: entries of records or pages the
last build did not have are dropped (``prune``).  Keys only decide what is
rendered again: whether a file is still in the output as the last build left
it is the manifest's business (Made._reuse), not the memo's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from gongkai.core.model import Record, Site
from gongkai.plan.catalogue import Entries
from gongkai.plan.pages import Kept, Page, Summaries
from gongkai.run.engine.keys import Fingerprints

__all__ = ["ServerMemo", "same"]


class ServerMemo:
    """Held by the preview server (BuildCache.server_memo) for its whole run."""

    def __init__(self) -> None:
        self.base: bytes | None = None  # the Fingerprints.base the page keys were made under
        # page path → what its key was made from (_inputs: not the page, whose context a record page makes
        # anew when rendered) and the key
        self.pages: dict[str, tuple[tuple[Any, ...], str]] = {}
        self.withdrawn: dict[int, tuple[Record, Any, Any, Record]] = {}  # plan/names.withdraw_names
        self.summaries: dict[int, Any] = {}  # id(record) → (record, its Summary): plan/pages.summaries
        self._crumbs: dict[tuple[int, int], tuple[Any, Any, bool]] = {}  # this build's (_same_crumbs)
        self.plan: Any = None  # the last build's record pages (keep.PlanState)
        self.rows: Any = None  # the last build's rows of the 目录's data files (keep.KeptPlan.rows)
        self.hits = 0  # page keys taken from the memo in the last build (tests, bench)
        self.misses = 0

    # --- page keys ----------------------------------------------------------------------------

    def begin(self, keys: Fingerprints) -> None:
        """A build's pages are about to be keyed with ``keys``."""
        if keys.base != self.base:
            self.pages = {}
            self.base = keys.base
        self.hits = self.misses = 0
        self._crumbs = {}

    def page_key(self, page: Page, keys: Fingerprints) -> str:
        """``keys.page(page)``, or the key made for the last build's page of
        this path when ``page`` is made from the same inputs (or the key
        kept for a record page whose inputs are the last build's: keep.py)."""
        if type(page.key) is Kept:
            self.hits += 1
            return page.key.key
        inputs = _inputs(page, keys.templates(page.template))
        old = self.pages.get(page.path)
        if old is not None and self._same_page(old[0], inputs):
            self.hits += 1
            key = old[1]
        else:
            self.misses += 1
            key = keys.page(page)
        self.pages[page.path] = (inputs, key)
        return key

    def _same_page(self, old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
        """Whether two pages' ``_inputs`` are the same."""
        if old[0] != new[0] or old[1] != new[1] or old[2] != new[2] or old[5] != new[5]:
            return False
        if not self._same_crumbs(old[3], new[3]) or not same(old[4], new[4]):
            return False
        return new[5] or same(old[6], new[6])

    def _same_crumbs(self, old: Any, new: Any) -> bool:
        """``same``, once a build for each pair of crumbs (the pages of a
        section share theirs); both are held, so their ids are not reused."""
        if old is new:
            return True
        hit = self._crumbs.get((id(old), id(new)))
        if hit is None or hit[0] is not old or hit[1] is not new:
            hit = self._crumbs[(id(old), id(new))] = (old, new, same(old, new))
        return hit[2]

    def prune_pages(self, paths: set[str]) -> None:
        """Only the pages of the last build stay."""
        if len(paths) != len(self.pages):
            self.pages = {p: v for p, v in self.pages.items() if p in paths}

    # --- the site's records -------------------------------------------------------------------

    def seed(self, site: Site) -> None:
        """Give ``site`` the summaries of the records it shares with the last
        build's (plan/pages.summaries checks each entry is of the very record)."""
        keep = {id(r) for r in site.records}
        self.summaries = {k: v for k, v in self.summaries.items() if k in keep}
        site.once("summaries", lambda: self.summaries)


_VALUES = frozenset({str, int, bool, type(None), date})
_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}  # a frozen dataclass → all its fields, as a tuple


def same(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` show the same: the same object, or values of
    the same type with the same text (1 and 1.0, Decimal 1.0 and 1.00 are not
    the same); tuples, lists and dicts (in order) of such values; frozen
    dataclasses whose fields are; lazy summaries and 目录 entries
    (pages.Summaries, catalogue.Entries) whose items are, each one made only
    where its record is not the very same (or its 索引号 differs).  A
    record, or a value of any other type, only when it is the very same object."""
    if a is b:
        return True
    t = type(a)
    if t is not type(b):
        return False
    if t in _VALUES:
        return bool(a == b)
    if t is tuple or t is list:
        return len(a) == len(b) and _same_items(a, b)
    if t is dict:
        if len(a) != len(b):
            return False
        for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True):
            if (ka is not kb and not same(ka, kb)) or (va is not vb and not same(va, vb)):
                return False
        return True
    if t is float or t is Decimal:
        return repr(a) == repr(b)
    if t is Summaries:  # made from their records alone: the very same record shows the same
        return len(a) == len(b) and all(
            x is y or same(a.of(x), b.of(y)) for x, y in zip(a.records, b.records, strict=True)
        )
    if t is Entries:  # made from their records, their 索引号 and the publishers' names
        if len(a) != len(b) or a.publishers != b.publishers:
            return False
        na, nb = a.index_numbers, b.index_numbers
        return all(
            (x is y and na.get(x.id, "") == nb.get(y.id, "")) or same(a.item(i), b.item(i))
            for i, (x, y) in enumerate(zip(a.records, b.records, strict=True))
        )
    fields = _FIELDS.get(t)
    if fields is None:
        if t is Record or not _frozen_plain(t):
            return False
        fields = _FIELDS[t] = _getter([f.name for f in dataclasses.fields(t)])
    return _same_items(fields(a), fields(b))


def _same_items(xs: Any, ys: Any) -> bool:
    """``same`` item by item of two sequences of one length (strings, the
    most common values that are not the very same object, compared here)."""
    for x, y in zip(xs, ys, strict=True):
        if x is y:
            continue
        t = type(x)
        if t is not type(y):
            return False
        if t is str:
            if x != y:
                return False
        elif not same(x, y):
            return False
    return True


def _inputs(page: Page, template: str) -> tuple[Any, ...]:
    """What keys.Fingerprints.page makes a page's key from (with the base):
    the template's digest, url, title, crumbs, key, and the context unless the key covers it."""
    covered = page.key_covers_context
    return (template, page.url, page.title, page.crumbs, page.key, covered, None if covered else page.context)


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) > 1:
        return attrgetter(*names)

    def get(v: Any) -> tuple[Any, ...]:
        return tuple(getattr(v, n) for n in names)

    return get


def _frozen_plain(t: type) -> bool:
    """A frozen dataclass: all it shows is made from its fields."""
    params = getattr(t, "__dataclass_params__", None)
    return params is not None and bool(params.frozen)
