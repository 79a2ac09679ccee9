"""小额工程和采购结果 (procurements/).

The errors of single files are fixtures of tests/test_invalid.py
(tests/sites/invalid/procurements/: GK359 amount, GK112 contract); here: the
missing 公示 warning (GK358) by method, the demo's page, data, search and
标准目录, and the scaffold's example.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from search_oracle import reference_search

from gongkai import check
from gongkai.core.errors import Severity
from gongkai.core.schema.procurement import METHODS, NEEDS_NOTICE

RESULT = """\
title: 测试村道路维修工程成交结果公示
publisher: town
date: 2015-05-06
{notice}project: 测试村道路维修工程
method: {method}
supplier: 测试县某某建筑工程有限公司
amount: {amount}
awarded_on: 2015-05-04
"""
NOTICE = "notice: {start: 2015-05-06, end: 2015-05-09}\n"


def _problems(make_site, **kw: str) -> list[tuple[str, Severity, str]]:
    values = {"notice": NOTICE, "method": "inquiry", "amount": "56000.00", **kw}
    root = make_site({"procurements/weixiu.yaml": RESULT.format(**values)})
    return [(p.code, p.severity, p.field) for p in check(root, date(2015, 6, 30)).problems if p.code != "GK605"]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_result_without_notice_warns_unless_directly_awarded(make_site, method: str) -> None:
    assert _problems(make_site, method=method) == []
    expected = [("GK358", Severity.WARNING, "notice")] if method in NEEDS_NOTICE else []
    assert _problems(make_site, method=method, notice="") == expected


def test_a_negative_amount_is_refused_as_money_and_a_small_one_passes(make_site) -> None:
    assert [c for c, _, _ in _problems(make_site, amount="-5.00")] == ["GK105"]
    assert _problems(make_site, amount="0.01") == []


def _html(out: Path, rel: str) -> str:
    return (out / rel / "index.html").read_text(encoding="utf-8")


def test_the_demo_page_and_data(demo_build: Path) -> None:
    page = _html(demo_build, "procurements/liuying-qiaoliang-2015")
    assert "<dt>采购方式</dt><dd>竞争性谈判</dd>" in page
    assert "<dt>中标（成交）单位</dt><dd>安平县鑫源建筑工程有限公司</dd>" in page
    assert "<dt>中标（成交）金额</dt><dd>86,500.00 元</dd>" in page
    assert "liuying-qiaoliang-2015" in _html(demo_build, "procurements")
    rec = json.loads((demo_build / "data/liuying-qiaoliang-2015.json").read_text(encoding="utf-8"))
    assert (rec["type"], rec["amount"], rec["currency"], rec["method"]) == (
        "procurement",
        "86500.00",
        "CNY",
        "negotiation",
    )
    assert rec["contract"] == {"start": "2015-05-15", "end": "2015-07-15"}
    cat = json.loads((demo_build / "data/catalogue.json").read_text(encoding="utf-8"))
    assert any(e["id"] == "liuying-qiaoliang-2015" and e["type_label"] == "小额工程采购结果" for e in cat["records"])
    assert "限额以下小额工程和采购结果" in _html(demo_build, "standard")
    assert "鑫源建筑" in (demo_build / "procurements/feed.xml").read_text(encoding="utf-8")


def test_search_finds_the_project_and_the_supplier(demo_build: Path) -> None:
    def read(p: str) -> bytes:
        return (demo_build / "search/index" / p).read_bytes()

    for query in ("生产桥维修", "鑫源建筑工程"):
        urls = {h.url for h in reference_search(read, query, exhaustive=True).hits}
        assert "procurements/liuying-qiaoliang-2015/" in urls, query
