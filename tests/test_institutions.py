"""机构概况 (institutions/): 职能, 内设机构, 领导, address, hours and the office phone.

The errors of single files are fixtures of tests/test_invalid.py
(tests/sites/invalid/institutions/: GK403 a mobile as the phone, GK102 no
领导); here: a 领导 without 分工 (GK392), a 领导 past the leaving date
(GK393), an office landline that passes every check and the last gate while a
mobile anywhere in the record is refused, and the demo's page, nav, sitemap,
data and search.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from search_oracle import reference_search

from gongkai import build, check
from gongkai.core.errors import ContentError, Severity

RECORD = """\
title: 测试镇人民政府机构概况
publisher: town
date: 2016-03-02
name: 测试镇人民政府
functions: |
  执行本级人民代表大会的决议和上级国家行政机关的决定和命令。
units:
  - {{name: 党政办公室, duties: 负责文电会务和政务公开, phone: {unit_phone}}}
leaders:
  - {{name: 测试丙, post: 镇长, duties: 主持镇政府全面工作}}
  - {{name: 测试丁, post: 副镇长{second}}}
address: 测试省测试县测试镇人民路1号
hours: 周一至周五 上午8:30-12:00 下午14:00-17:30
phone: {phone}
updated: 2016-03-02
"""


def _record(**kw: str) -> str:
    values = {"unit_phone": "0527-80000002", "phone": "0527-80000000", "second": ", duties: 负责农业农村工作", **kw}
    return RECORD.format(**values)


def _problems(make_site, today: date = date(2016, 12, 31), **kw: str) -> list[tuple[str, Severity, str]]:
    root = make_site({"institutions/jigou.yaml": _record(**kw)})
    return [(p.code, p.severity, p.field) for p in check(root, today).problems if p.code not in ("GK605", "GK606")]


def test_a_clean_record_passes(make_site) -> None:
    assert _problems(make_site) == []


def test_a_leader_without_duties_is_warned_about(make_site) -> None:
    assert _problems(make_site, second="") == [("GK392", Severity.WARNING, "leaders[2].duties")]


@pytest.mark.parametrize(
    ("left", "today", "warned"),
    [
        ("2016-05-31", date(2016, 6, 1), True),  # left yesterday, still listed
        ("2016-05-31", date(2016, 5, 31), False),  # the last day in office
        ("2016-05-31", date(2016, 5, 1), False),  # a leaving date announced ahead
    ],
)
def test_a_leader_past_the_leaving_date_is_warned_about(make_site, left: str, today: date, warned: bool) -> None:
    found = _problems(make_site, today, second=f", duties: 负责农业农村工作, left: {left}")
    assert found == ([("GK393", Severity.WARNING, "leaders[2].left")] if warned else [])


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ({"phone": "13912345678"}, "phone"),
        ({"unit_phone": "139 1234 5678"}, "units[1].phone"),
        ({"second": ", duties: 联系电话13912345678"}, "leaders[2].duties"),
    ],
)
def test_a_personal_mobile_is_refused_in_every_field(make_site, where: dict[str, str], field: str) -> None:
    assert ("GK403", Severity.ERROR, field) in _problems(make_site, **where)


def test_office_landlines_pass_the_checks_and_the_last_gate(make_site, tmp_path: Path) -> None:
    landlines = {"phone": "0527-86210000", "unit_phone": "(0527)86210015"}
    root = make_site({"institutions/jigou.yaml": _record(**landlines)})
    out = tmp_path / "out"
    build(root, date(2016, 12, 31), out=out)  # the leak gate reads every output file: it would raise
    page = (out / "institutions/jigou/index.html").read_text(encoding="utf-8")
    assert '<a href="tel:0527-86210000">0527-86210000</a>' in page and "(0527)86210015" in page


def test_a_mobile_stops_the_build(make_site, tmp_path: Path) -> None:
    root = make_site({"institutions/jigou.yaml": _record(phone="13912345678")})
    with pytest.raises(ContentError) as err:
        build(root, date(2016, 12, 31), out=tmp_path / "out")
    assert any(p.code == "GK403" for p in err.value.problems)
    assert not (tmp_path / "out").exists()


# --- the demo -----------------------------------------------------------------------------------------


def _html(out: Path, rel: str) -> str:
    return (out / rel / "index.html").read_text(encoding="utf-8")


def test_the_demo_page_nav_sitemap_and_data(demo_build: Path) -> None:
    page = _html(demo_build, "institutions/qingshi-zhengfu")
    assert '<h2 id="h-leaders">领导信息</h2>' in page and '<h2 id="h-units">内设机构</h2>' in page
    assert '<th scope="row">吴海涛</th><td data-label="职务">副镇长</td>' in page
    assert '<dt>联系电话</dt><dd><a href="tel:0527-86210000">0527-86210000</a></dd>' in page
    assert "<li>执行本级人民代表大会的决议" in page  # 职能 in Markdown, rendered
    assert ">机构概况</a>" in _html(demo_build, "")  # the section bar
    assert 'href="../institutions/index.html">机构概况</a>' in _html(demo_build, "sitemap")
    rec = json.loads((demo_build / "data/qingshi-zhengfu.json").read_text(encoding="utf-8"))
    assert rec["type"] == "institution" and [p["name"] for p in rec["leaders"]][:2] == ["周建国", "孙丽华"]
    table = (demo_build / "data/qingshi-zhengfu.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table[0] == "序号,机构名称,姓名,职务,分工,任职日期" and len(table) == 5
    assert "机构概况和领导信息" in _html(demo_build, "standard")
    assert "qingshi-zhengfu" in (demo_build / "institutions/feed.xml").read_text(encoding="utf-8")


def test_search_finds_a_leader_and_a_unit(demo_build: Path) -> None:
    def read(p: str) -> bytes:
        return (demo_build / "search/index" / p).read_bytes()

    for query in ("吴海涛", "村镇建设服务所"):
        urls = {h.url for h in reference_search(read, query, exhaustive=True).hits}
        assert "institutions/qingshi-zhengfu/" in urls, query
