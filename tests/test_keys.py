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

from gongkai.core.model import Record, Site, Summary
from gongkai.plan.catalogue import CatalogueEntry, Entries, catalogue, others_catalogue
from gongkai.plan.data import Download
from gongkai.plan.pages import Page, RecordInputs, Summaries, plan_pages, summaries, summarize
from gongkai.run.build import check
from gongkai.run.engine.keys import BY_REPR, FLAT_FROZEN, Fingerprints
from gongkai.run.engine.store import BuildCache

TODAY = date(2016, 12, 31)


@pytest.fixture(scope="module")
def site() -> Site:
    result = check(REPO, TODAY, cache=BuildCache(None, memory_only=True))
    assert result.site is not None
    return result.site


def _keys(site: Site) -> Fingerprints:
    return Fingerprints(site, lambda name: f"digest of {name}", (TODAY, False))


SCALAR = {str, date, type(None), int, bool, Decimal}


def _repr_safe(hint: object, types: frozenset[type]) -> bool:
    """Whether values of ``hint`` are shown whole by their repr."""
    if hint in SCALAR or hint in types:
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if (
        origin in (tuple, dict)
        or (origin is not None and "Union" in repr(origin))
        or type(hint).__name__ == "UnionType"
    ):
        return all(a is Ellipsis or _repr_safe(a, types) for a in args)
    return False


@pytest.mark.parametrize("t", sorted(BY_REPR, key=lambda t: t.__name__), ids=lambda t: t.__name__)
def test_types_keyed_by_repr_show_every_field_in_it(t: type, site: Site) -> None:
    # A field left out of the repr, or one whose repr does not show its value, would leave a page stale.
    assert dataclasses.is_dataclass(t) and t.__dataclass_params__.frozen  # type: ignore[attr-defined]
    samples = {Summary: [summarize(r) for r in site.published], CatalogueEntry: list(catalogue(site))}
    samples[Download] = [d for s in samples[Summary] for d in s.downloads]
    assert samples[t]
    for v in samples[t]:  # the repr shows each field as its own repr
        assert all(f"{f.name}={getattr(v, f.name)!r}" in repr(v) for f in dataclasses.fields(t))
    hints = typing.get_type_hints(t)
    for f in dataclasses.fields(t):
        assert f.repr, (t, f.name)
        if hints[f.name] == tuple[typing.Any, ...]:  # Summary.downloads: data.Download values, checked below
            continue
        assert _repr_safe(hints[f.name], BY_REPR), (t, f.name, hints[f.name])
    if t is Summary:
        shown = [d for r in site.published for d in summarize(r).downloads]
        assert shown and all(type(d) is Download for d in shown)
    for flat in FLAT_FROZEN:  # tuples of these are kept by identity: no field may change
        assert flat in BY_REPR
        assert all(
            typing.get_type_hints(flat)[f.name] in SCALAR
            or (
                typing.get_args(typing.get_type_hints(flat)[f.name])
                and set(typing.get_args(typing.get_type_hints(flat)[f.name])) <= SCALAR
            )
            for f in dataclasses.fields(flat)
        )


def test_a_summary_is_keyed_by_what_it_shows(site: Site) -> None:
    keys = _keys(site)
    a, b = site.published[0], site.published[1]
    sa = summarize(a)
    assert keys.key(sa) == keys.key(summarize(a))
    assert keys.key(sa) != keys.key(summarize(b))
    # a body edit is another record (another digest) with the same summary: the lists stay
    assert keys.key(sa) == keys.key(summarize(replace(a, body=a.body + "补充。", digest=a.digest + "x")))
    for name, value in (
        ("title", "改过的标题"),
        ("downloads", ()),
        ("notice", {"start": TODAY, "end": TODAY}),
        ("tags", ("新",)),
        ("validity", "expired"),
        ("date", date(2001, 1, 1)),
    ):
        assert keys.key(sa) != keys.key(replace(sa, **{name: value})), name


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
    assert entries == tuple(entries) and entries[-1] == tuple(entries)[-1] and entries[1:3] == tuple(entries)[1:3]
    keys = _keys(site)
    before = keys.key("catalogue", entries)
    assert keys.key("catalogue", entries) == before
    assert _keys(site).key("catalogue", _entries(entries.records, entries)) == before  # another object, alike
    records, numbers = entries.records, dict(site.index_numbers)
    third = records[3]
    for name, value in (("title", "改过"), ("date", date(2001, 1, 1)), ("doc_no", "某发〔2001〕1号")):
        changed = (*records[:3], replace(third, **{name: value}), *records[4:])
        assert _keys(site).key("catalogue", _entries(changed, entries)) != before, name
    renumbered = Entries(records, {**numbers, third.id: "0000-99999"}, site.config.publishers)
    assert _keys(site).key("catalogue", renumbered) != before  # the 索引号
    renamed = Entries(records, numbers, {k: v + "（改）" for k, v in site.config.publishers.items()})
    assert _keys(site).key("catalogue", renamed) != before  # the publisher's name
    swapped = (records[1], records[0], *records[2:])
    assert _keys(site).key("catalogue", _entries(swapped, entries)) != before
    assert _keys(site).key("catalogue", _entries(records[:-1], entries)) != before
    groups = others_catalogue(site)
    assert groups and all(type(g) is Entries and len(g) == len(tuple(g)) for _, g in groups)


def _entries(records: tuple[Record, ...], like: Entries) -> Entries:
    return Entries(records, like.index_numbers, like.publishers)


def test_an_unchanged_records_catalogue_entry_is_keyed_from_the_kept_part_and_not_made(site: Site) -> None:
    """What keep.KeptPlan gives a build (the parts of the records an edit
    left alone): the same key as one made entry by entry, and no entry made
    but the changed record's."""
    entries = catalogue(replace(site))
    full = _keys(site)
    before = full.key("catalogue", entries)
    parts = full.entry_parts()
    assert set(parts) == {r.id for r in entries.records}
    third = entries.records[3]
    changed = _entries((*entries.records[:3], replace(third, title="改过"), *entries.records[4:]), entries)
    fresh = _keys(site).key("catalogue", changed)
    keys = _keys(site)
    keys.kept_entries = {i: p for i, p in parts.items() if i != third.id}
    kept = _entries(changed.records, changed)
    assert keys.key("catalogue", kept) == fresh != before
    assert [i for i, e in enumerate(kept._made) if e is not None] == [3]
    # a part kept for a record that did change would keep the old key: the engine must drop it
    wrong = _keys(site)
    wrong.kept_entries = parts
    assert wrong.key("catalogue", _entries(changed.records, changed)) == before


def test_two_catalogues_of_one_build_that_show_a_record_otherwise_are_keyed_apart(site: Site) -> None:
    """An entry's part is not shared between two 目录 of one build: one with
    another 索引号 shows the record otherwise, and neither part is kept for the next."""
    entries = catalogue(replace(site))
    third = entries.records[3]
    renumbered = Entries(entries.records, {**entries.index_numbers, third.id: "0000-99999"}, entries.publishers)
    alone = _keys(site).key("catalogue", renumbered)
    keys = _keys(site)
    keys.key("catalogue", entries)
    assert keys.key("catalogue", renumbered) == alone
    parts = keys.entry_parts()
    assert third.id not in parts and set(parts) == {r.id for r in entries.records} - {third.id}


def test_a_long_catalogue_is_keyed_slice_by_slice(site: Site) -> None:
    """Every entry of a 目录 of thousands counts, at every place (the first,
    either side of a slice's end, the last), and its order; the key is made
    without one repr of the whole (~10 MB at 10,000 records, a peak of the
    preview server's memory)."""
    import tracemalloc

    from gongkai.run.engine import keys as keys_module

    one = catalogue(site)[0]
    cut = keys_module._CHUNK
    entries = tuple(replace(one, id=f"r{i}", title=f"第{i}条信息" + "标题" * 40) for i in range(40 * cut + 5))
    before = _keys(site).key("catalogue", entries)
    for i in (0, cut - 1, cut, 5 * cut + 7, len(entries) - 1):
        changed = tuple(replace(e, title=e.title + "。") if n == i else e for n, e in enumerate(entries))
        assert _keys(site).key("catalogue", changed) != before, i
    swapped = (entries[cut], *entries[1:cut], entries[0], *entries[cut + 1 :])
    assert _keys(site).key("catalogue", swapped) != before
    assert _keys(site).key("catalogue", entries[:-1]) != before
    assert _keys(site).key("catalogue", tuple(entries)) == before
    whole, keys = len(repr(entries).encode()), _keys(site)
    tracemalloc.start()
    try:
        keys.key("catalogue", entries)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < whole / 4, (peak, whole)


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


def test_lazy_summaries_are_keyed_as_the_summaries_and_from_kept_parts_without_making_them(site: Site) -> None:
    site = replace(site)  # its own memo
    lazy = summaries(site.published, site)
    assert type(lazy) is Summaries and len(lazy) == len(site.published)
    assert lazy == tuple(lazy) and lazy[2] == tuple(lazy)[2] and lazy[-3:] == tuple(lazy)[-3:]
    full = _keys(site)
    key = full.key(lazy)
    assert key == _keys(site).key(tuple(lazy))  # keyed as the tuple of its summaries
    parts = full.summary_parts()
    other = replace(site)  # a memo of its own: nothing summarised yet
    made: dict[int, typing.Any] = other.once("summaries", dict)
    keys = _keys(other)
    keys.kept_summaries = parts
    assert keys.key(summaries(other.published, other)) == key and made == {}
    # a changed summary is keyed by its repr: a part kept for it would hide the change
    first = site.published[0]
    changed = Summaries((replace(first, title="改过"), *site.published[1:]), {})
    assert _keys(site).key(changed) != key


def test_page_keys_differ_when_only_the_crumbs_differ(site: Site) -> None:
    keys = _keys(site)
    page = next(p for p in plan_pages(replace(site)) if p.crumbs and not p.key_covers_context)
    other = replace(page, crumbs=(*page.crumbs[:-1], (page.crumbs[-1][0], "elsewhere/")))
    assert keys.page(page) != keys.page(other)
    assert keys.page(page) == keys.page(replace(page))


def _record_pages(site: Site) -> list[Page]:
    return [p for p in plan_pages(replace(site)) if type(p.key) is RecordInputs]


def test_a_record_pages_key_covers_every_field_of_its_inputs(site: Site) -> None:
    # Record pages are keyed by one digest of their inputs (Fingerprints._record_page), not the
    # generic walk: a field it left out, or two fields run together, would leave a page stale.
    keys = _keys(site)
    pages = _record_pages(site)
    page = pages[0]
    other = next(p.key.record for p in pages if p.key.record.id != page.key.record.id)
    before = keys.page(page)
    assert keys.page(replace(page)) == before
    posting = site.postings[0]
    for f in dataclasses.fields(RecordInputs):  # every field, a new one included
        value = getattr(page.key, f.name)
        if isinstance(value, str):
            changes = [value + "x", value + "\x00"]
        elif isinstance(value, tuple):
            changes = [(*value, other), (*value, posting)]
        elif value is None:
            changes = [other, posting]
        else:  # the record itself: its own digest, or another record
            changes = [other, replace(value, digest=f"{value.digest}x")]
        for changed in changes:
            assert keys.page(replace(page, key=replace(page.key, **{f.name: changed}))) != before, f.name
    for name, value in (("url", "elsewhere/"), ("title", "改过"), ("template", "record/notice2.html")):
        assert keys.page(replace(page, **{name: value})) != before, name
    crumbs = (*page.crumbs[:-1], (page.crumbs[-1][0], "elsewhere/"))
    assert keys.page(replace(page, crumbs=crumbs)) != before
    assert keys.page(page) == before  # the crumbs kept for the section's tuple are not another's


def test_a_record_pages_key_follows_what_it_shows_from_elsewhere(site: Site) -> None:
    # A correction, a posting or a new 索引号 of the record changes its page's key (Fingerprints.record).
    page = _record_pages(site)[0]
    rec = page.key.record
    before = _keys(site).page(page)
    corrector = next(r for r in site.published if r.id != rec.id)
    edits = {
        "records": tuple(replace(r, supersedes=rec.id) if r is corrector else r for r in site.records),
        "postings": (*site.postings, replace(site.postings[0], record_id=rec.id)),
        "index_numbers": {**site.index_numbers, rec.id: "x-2016-0001"},
    }
    for name, value in edits.items():
        edited = replace(site, **{name: value})
        assert name != "records" or edited.corrections[rec.id]
        assert _keys(edited).page(page) != before, name


def test_a_records_groups_are_keyed_by_name_and_record(site: Site) -> None:
    keys = _keys(site)
    a, b = site.published[0], site.published[1]
    assert keys.key("qr", a) == _keys(site).key("qr", a)
    assert len({keys.key("qr", a), keys.key("data", a), keys.key("qr", b), keys.key("data", b)}) == 4
    assert keys.key("qr", a) != keys.key("qr", replace(a, digest=f"{a.digest}x"))
    corrected = replace(site, records=tuple(replace(r, supersedes=a.id) if r is b else r for r in site.records))
    assert corrected.corrections[a.id]
    assert _keys(corrected).key("data", a) != keys.key("data", a)
    assert keys.key("qr", a) != keys.key("qr", a, "more")  # more inputs: the generic walk
