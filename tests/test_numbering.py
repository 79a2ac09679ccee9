"""索引号 assignment (check/numbering.assign): registered numbers stay, new
ones follow (date, id) order within their year after the registry's last,
whatever order the records come in; drafts and other publishers get none."""

from __future__ import annotations

import random
from datetime import date

from gongkai.check.numbering import assign
from gongkai.core.model import Record
from gongkai.read.registry import Registry


def _rec(rid: str, day: date, publisher: str = "town", draft: bool = False) -> Record:
    return Record(id=rid, type="notice", source=f"content/notices/{rid}.md", title=rid, publisher=publisher,
                  date=day, draft=draft)  # fmt: skip


def test_new_numbers_follow_date_then_id_whatever_the_order_of_the_records() -> None:
    registry = Registry({"a": (2020, 1), "c": (2020, 5), "old": (2019, 9)})
    records = [
        _rec("a", date(2020, 6, 1)),
        _rec("b", date(2020, 3, 1)),
        _rec("c", date(2020, 1, 1)),
        _rec("d", date(2020, 1, 1)),
        _rec("d2", date(2020, 1, 1)),
        _rec("e", date(2021, 2, 1)),
        _rec("f", date(2019, 12, 31)),
        _rec("draft", date(2020, 1, 2), draft=True),
        _rec("village", date(2020, 1, 2), publisher="cun"),
    ]
    want = {"a": (2020, 1), "c": (2020, 5), "d": (2020, 6), "d2": (2020, 7), "b": (2020, 8),
            "e": (2021, 1), "f": (2019, 10)}  # fmt: skip
    rng = random.Random(7)
    for _ in range(20):
        rng.shuffle(records)
        assert assign(registry, records, lambda p: p == "town") == want


def test_a_site_wholly_registered_keeps_its_numbers() -> None:
    registry = Registry({f"r{i}": (2000 + i % 7, i) for i in range(300)})
    records = [_rec(f"r{i}", date(2000 + i % 7, 1 + i % 12, 1)) for i in range(300)]
    assert assign(registry, records) == dict(registry.numbers)
