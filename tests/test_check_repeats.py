"""Work across records: a text many records share is read once (the numbers
published on purpose, check/public.site_public_numbers), with the same answer
as reading each; and the rules across records still see an edit when every
other record comes from the cache (a target removed, an attachment gone, a
duplicate id), as a check without any cache does."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import REPO
from test_incremental import TODAY

from gongkai.check import public as scan
from gongkai.core.errors import Problem
from gongkai.run.build import build, check
from gongkai.run.engine.store import BuildCache


def _site(objections: list[dict[str, str]]) -> SimpleNamespace:
    contact = SimpleNamespace(phone="0571-88001234", mobile="13800138000")
    config = SimpleNamespace(contact=contact, allow_numbers=(("13912345678", "村委会值班电话"),))
    return SimpleNamespace(config=config, records=[SimpleNamespace(objection=o) for o in objections])


def test_a_shared_objection_phone_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    office = {"phone": "13700001111", "office": "镇民政办"}
    other = {"phone": "15900002222", "office": "镇财政所"}
    site = _site([office] * 500 + [other] * 300 + [{}] * 10)
    want = scan.site_public_numbers(site)
    assert {"13700001111", "15900002222", "13800138000", "13912345678"} <= want

    read: list[str] = []
    seen = scan.find_pii_seen

    def counted(text: str, **kw: bool) -> list[object]:
        read.append(text)
        return seen(text, **kw)

    monkeypatch.setattr(scan, "find_pii_seen", counted)
    assert scan.site_public_numbers(site) == want
    assert len(read) == len(set(read))  # each distinct text once, not once a record
    assert "13700001111" in read and "15900002222" in read


def test_every_distinct_number_is_kept() -> None:
    """Records with different phones each add theirs (nothing is dropped by reading once)."""
    site = _site([{"phone": f"1370000{i:04d}"} for i in range(40)] * 3)
    got = scan.site_public_numbers(site)
    assert {f"1370000{i:04d}" for i in range(40)} <= got


# --- rules across records, with every other record taken from the cache ------------------------

NOTICE = "content/notices/jiedu-zhaijidi-guanli-2015.md"  # interprets: zhaijidi-guanli-2015
FUND = "content/funds/fupin-2015.yaml"


def _demo(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    return root


def _cached_and_fresh(root: Path) -> tuple[list[Problem], list[Problem], BuildCache]:
    cache = BuildCache(root)
    cached = check(root, TODAY, cache=cache)
    fresh = check(root, TODAY, cache=BuildCache(root, memory_only=True))
    return list(cached.problems), list(fresh.problems), cache


def _codes(problems: list[Problem]) -> list[tuple[str, str, str]]:
    return [(p.code, p.loc.path, p.field) for p in problems]


def test_a_regulation_removed_is_missed_by_the_cached_notice_that_interprets_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    root = _demo(tmp_path)
    check(root, TODAY, cache=BuildCache(root))
    (root / "content/regulations/zhaijidi-guanli-2015.md").unlink()
    cached, fresh, cache = _cached_and_fresh(root)
    assert cache.records.hits > 40 and cache.records.misses == 0  # the notice came from the packs
    assert ("GK203", NOTICE, "interprets") in _codes(cached)
    assert _codes(cached) == _codes(fresh)


def test_an_attachment_removed_is_reported_for_the_cached_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    root = _demo(tmp_path)
    fund = root / FUND  # a record with no link to another
    fund.write_text(fund.read_text(encoding="utf-8") + "attachments: [mingxi.pdf]\n", encoding="utf-8")
    (fund.parent / "mingxi.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    before, _fresh, _ = _cached_and_fresh(root)
    assert not [p for p in before if p.code == "GK204"]
    (fund.parent / "mingxi.pdf").unlink()
    cached, fresh, cache = _cached_and_fresh(root)
    assert cache.records.misses == 0
    assert ("GK204", FUND, "attachments[1]") in _codes(cached)
    assert _codes(cached) == _codes(fresh)


def test_a_new_file_taking_a_cached_records_id_is_a_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    root = _demo(tmp_path)
    check(root, TODAY, cache=BuildCache(root))
    twin = root / "content/notices/2015-copy.md"
    twin.write_text(
        (root / NOTICE).read_text(encoding="utf-8").replace("---\n", "---\nid: jiedu-zhaijidi-guanli-2015\n", 1),
        encoding="utf-8",
    )
    cached, fresh, cache = _cached_and_fresh(root)
    assert cache.records.hits > 40
    assert any(p.code == "GK201" for p in cached)
    assert _codes(cached) == _codes(fresh)


# --- the numbers records publish on purpose, each record's kept with it in the cache -----------


def test_the_records_part_of_the_public_numbers_is_what_reading_the_site_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    root = _demo(tmp_path)
    _objection_phone(root, "13912340047")
    for cache in (BuildCache(root), BuildCache(root), BuildCache(root, memory_only=True)):  # made, cached, fresh
        result = check(root, TODAY, cache=cache)
        assert result.site is not None and result.public
        assert scan.site_public_numbers(result.site, result.public) == scan.site_public_numbers(result.site)


def test_an_objection_phone_edited_is_public_though_every_other_record_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate allows the new number on the pages that show it (with the
    old part kept, the build would stop on it as an unmasked mobile)."""
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    root = _demo(tmp_path)
    out = tmp_path / "out"
    _objection_phone(root, "13912340047")
    build(root, TODAY, out=out)
    _objection_phone(root, "13912340048")
    cache = BuildCache(root)
    result = check(root, TODAY, cache=cache)
    assert cache.records.misses == 1 and cache.records.hits > 40
    assert result.public is not None and "13912340048" in result.public and "13912340047" not in result.public
    build(root, TODAY, out=out)
    assert "13912340048" in (out / "funds/fupin-2015/index.html").read_text(encoding="utf-8")


def _objection_phone(root: Path, number: str) -> None:
    """The fund's objection phone made ``number`` (a mobile: found by the gate
    in every page that shows it, and allowed there only as public)."""
    fund = root / FUND
    text = fund.read_text(encoding="utf-8")
    start = text.index("objection: {phone: ") + len("objection: {phone: ")
    end = text.index(",", start)
    fund.write_text(f"{text[:start]}'{number}'{text[end:]}", encoding="utf-8")
