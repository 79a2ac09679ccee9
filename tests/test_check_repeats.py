"""Work across records that repeats itself: a text many records share is read
once (the numbers published on purpose, check/scan.site_public_numbers), and
the answer is the same as reading each."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gongkai.check import scan


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
