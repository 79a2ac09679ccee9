"""Page keys (run/engine/keys.py) made cheaply must still cover every input:
a record summary by its record's digest, long runs of strings and of flat
frozen values by their repr, the 目录's entries once a build."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from conftest import REPO

from gongkai.core.model import Site, Summary
from gongkai.plan.data import CatalogueEntry, catalogue, others_catalogue
from gongkai.plan.pages import plan_pages, summaries, summarize
from gongkai.run.build import check
from gongkai.run.engine.keys import FLAT_FROZEN, Fingerprints
from gongkai.run.engine.store import BuildCache

TODAY = date(2016, 12, 31)


@pytest.fixture(scope="module")
def site() -> Site:
    result = check(REPO, TODAY, cache=BuildCache(None, memory_only=True))
    assert result.site is not None
    return result.site


def _keys(site: Site) -> Fingerprints:
    return Fingerprints(site, lambda name: f"digest of {name}", (TODAY, False))


def test_flat_frozen_types_hold_only_scalars_all_shown_by_repr() -> None:
    # A type listed is keyed by its repr: a field left out of it, or one that could
    # hold a list or dict (changed after planning), would leave a page stale.
    scalar = {str, date, type(None), int, bool, Decimal}
    for t in FLAT_FROZEN:
        assert dataclasses.is_dataclass(t) and t.__dataclass_params__.frozen, t  # type: ignore[attr-defined]
        hints = typing.get_type_hints(t)
        for f in dataclasses.fields(t):
            assert f.repr, (t, f.name)
            kinds = set(typing.get_args(hints[f.name])) or {hints[f.name]}
            assert kinds <= scalar, (t, f.name, kinds)


def test_a_summary_is_keyed_by_its_records_digest_and_id(site: Site) -> None:
    keys = _keys(site)
    a, b = site.published[0], site.published[1]
    assert a.digest and b.digest
    sa = summarize(a)
    assert sa.digest == a.digest
    assert keys.key(sa) == keys.key(summarize(a))
    assert keys.key(sa) != keys.key(summarize(b))
    # the same record edited is another digest (validate.record_digest), so another key
    assert keys.key(sa) != keys.key(summarize(replace(a, title="改过的标题", digest=a.digest + "x")))
    # a summary made without a digest (tests, tools) is keyed by every field's value
    bare = replace(sa, digest="")
    assert keys.key(bare) != keys.key(replace(bare, title="改过的标题"))
    assert keys.key(bare) != keys.key(replace(bare, downloads=()))


def test_long_runs_are_keyed_by_every_item(site: Site) -> None:
    keys = _keys(site)
    urls = [f"notices/page/{n}/" for n in range(2, 40)]
    assert keys.key(urls) != keys.key([*urls[:-1], "notices/page/x/"])
    assert keys.key(urls) != keys.key(tuple(urls))  # a list and a tuple are told apart
    assert keys.key(urls) != keys.key(urls[:-1])
    mixed = [*urls[:10], 7, *urls[10:]]  # not all strings: item by item, still every item
    assert keys.key(mixed) != keys.key([*urls[:10], "7", *urls[10:]])


def test_the_catalogue_is_made_once_a_site_and_keyed_by_every_field(site: Site) -> None:
    entries = catalogue(site)
    assert entries is catalogue(site)  # the page and the data files share one
    assert len(entries) >= 8 and all(type(e) is CatalogueEntry for e in entries)
    keys = _keys(site)
    before = keys.key("catalogue", entries)
    assert keys.key("catalogue", entries) == before
    for name, value in (("title", "改过"), ("date", date(2001, 1, 1)), ("validity", "expired"), ("path", "x/")):
        changed = tuple(replace(e, **{name: value}) if i == 3 else e for i, e in enumerate(entries))
        assert keys.key("catalogue", changed) != before, name
    # a new tuple never takes the key kept for another one
    for _ in range(3):
        changed = tuple(replace(e, title=e.title + "。") for e in entries)
        assert keys.key("catalogue", changed) != before
    groups = others_catalogue(site)
    assert groups and all(type(g) is tuple for _, g in groups)


def test_each_record_is_summarised_once_however_many_lists_show_it(site: Site) -> None:
    site = replace(site)  # its own memo
    pages = plan_pages(site)
    shown: dict[str, list[Summary]] = {}
    for p in pages:
        for s in p.context.get("records", ()):
            if isinstance(s, Summary):
                shown.setdefault(s.id, []).append(s)
    assert any(len(v) >= 2 for v in shown.values())  # section list, month archive, open data
    for v in shown.values():
        assert all(s is v[0] for s in v)
    assert summaries(site.published[:3], site) == summaries(site.published[:3])


def test_page_keys_differ_when_only_the_crumbs_differ(site: Site) -> None:
    keys = _keys(site)
    page = next(p for p in plan_pages(replace(site)) if p.crumbs and not p.key_covers_context)
    other = replace(page, crumbs=(*page.crumbs[:-1], (page.crumbs[-1][0], "elsewhere/")))
    assert keys.page(page) != keys.page(other)
    assert keys.page(page) == keys.page(replace(page))
