"""土地经营权流转 (land-transfers/): 承包农户 let the 经营权 of their land to a 经营主体.

The errors of single files are fixtures of tests/test_invalid.py
(tests/sites/invalid/land-transfers/: GK380 term, GK381 use, GK382 委托,
GK383 households); here: the edges, the warnings of GK384 (备案, the review of
社会资本), the households' names on and off the site, the demo's page, data,
feed, search, 公开目录 (the 镇's record, with its 索引号) and 标准目录.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from conftest import REPO
from search_oracle import reference_search

from gongkai import build, check
from gongkai.core.errors import Problem, Severity
from gongkai.read.registry import format_no

TRANSFER = """\
title: 测试村土地经营权流转情况公示
publisher: town
date: 2015-03-31
notice: {{start: 2015-03-31, end: 2015-04-07}}
village: 测试村
area: 20.00
transferor: {transferor}
household_count: 2
{entrusted}households:
  - {{name: 甲某某, group: 一组, area: 12.00}}
  - {{name: 乙某某, group: 一组, area: 8.00}}
transferee: {{kind: {party}, name: {name}}}
{social}method: lease
term: {{start: 2015-04-01, end: {end}}}
contract_ends: {until}
rent: 600.00
use: {use}
use_detail: {detail}
signed: 2015-03-26
{filed}"""
TODAY = date(2015, 6, 30)


def _text(**kw: object) -> str:
    values: dict[str, object] = {
        "transferor": "households", "entrusted": "", "party": "unit", "name": "测试县某某家庭农场", "social": "",
        "end": "2027-12-31", "until": "2027-12-31", "use": "grain", "detail": "稻麦轮作",
        "filed": "filed: 2015-03-30\n",
    }  # fmt: skip
    values.update(kw)
    return TRANSFER.format(**values)


def _problems(make_site, **kw: object) -> list[Problem]:
    root = make_site({"land-transfers/dongwa.yaml": _text(**kw)})
    return [p for p in check(root, TODAY).problems if p.code != "GK605"]


def _codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.field) for p in problems]


def test_a_clean_transfer_passes(make_site) -> None:
    assert [p.format() for p in _problems(make_site)] == []


def test_the_term_ends_with_the_contract_or_its_extension(make_site) -> None:
    over = _problems(make_site, end="2028-01-01")
    assert _codes(over) == [("GK380", "term.end")] and "第三十八条" in over[0].hint
    # the 第二轮承包 extended by thirty years (延包): the clerk writes the new end
    assert _problems(make_site, end="2035-03-31", until="2057-12-31") == []


def test_every_use_but_farming_is_refused(make_site) -> None:
    for use in ("grain", "crops", "facility", "orchard", "livestock", "fishery", "forestry"):
        assert _problems(make_site, use=use) == [], use
    assert _codes(_problems(make_site, use="non_agricultural")) == [("GK381", "use")]
    for detail in ("建设仓库厂房", "建房出租", "挖砂", "农家乐停车场"):
        assert _codes(_problems(make_site, detail=detail)) == [("GK381", "use_detail")], detail
    assert _problems(make_site, use="facility", detail="蔬菜大棚及配套农机库") == []


def test_the_collective_needs_every_households_written_entrustment(make_site) -> None:
    missing = _problems(make_site, transferor="collective")
    assert _codes(missing) == [("GK382", "entrusted")] and "第八条" in missing[0].hint
    assert _codes(_problems(make_site, transferor="collective", entrusted="entrusted: 1\n")) == [("GK382", "entrusted")]
    assert _problems(make_site, transferor="collective", entrusted="entrusted: 2\n") == []
    assert _problems(make_site, transferor="households") == []  # the households sign themselves


def test_no_filing_and_no_review_are_warnings(make_site) -> None:
    unfiled = _problems(make_site, filed="")
    assert [(p.code, p.severity, p.field) for p in unfiled] == [("GK384", Severity.WARNING, "filed")]
    assert "第二十一条" in unfiled[0].hint
    social = "social_capital: true\n"
    unreviewed = _problems(make_site, social=social)
    assert [(p.code, p.severity, p.field) for p in unreviewed] == [("GK384", Severity.WARNING, "review")]
    reviewed = social + "review: {by: 测试县农业农村局, date: 2015-03-20}\n"
    assert _problems(make_site, social=reviewed) == []


# --- the households' names (docs/names.md) -------------------------------------------------------


def _published(out: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix in (".html", ".json", ".csv", ".xml", ".txt")
    )


def test_households_and_a_person_leave_the_site_after_the_notice(make_site) -> None:
    root = make_site({"land-transfers/dongwa.yaml": _text(party="person", name="丙某某")})
    during = build(root, date(2015, 5, 7), out=root / "during").out  # notice.end 04-07 + 30 days
    page = (during / "land-transfers/dongwa/index.html").read_text(encoding="utf-8")
    assert "甲某某" in page and "丙某某（个人）" in page and 'id="t-households"' in page
    after = build(root, date(2015, 5, 8), out=root / "after").out
    published = _published(after)
    assert not any(n in published for n in ("甲某某", "乙某某", "丙某某"))
    page = (after / "land-transfers/dongwa/index.html").read_text(encoding="utf-8")
    assert "2 户" in page and "20.00 亩" in page and "显示至 2015-05-07" in page
    data = json.loads((after / "data/dongwa.json").read_text(encoding="utf-8"))
    assert data["households"] == [] and data["household_count"] == 2 and data["area"] == "20.00"


def test_a_households_name_in_the_summary_is_a_warning(make_site) -> None:
    text = _text().replace("village: 测试村\n", "summary: 甲某某等两户的承包地流转给家庭农场。\nvillage: 测试村\n")
    root = make_site({"land-transfers/dongwa.yaml": text})
    problems = [p for p in check(root, TODAY).problems if p.code != "GK605"]
    assert [(p.code, p.field, p.value) for p in problems] == [("GK409", "summary", "甲某某")]


# --- the demo -------------------------------------------------------------------------------------


def _html(out: Path, rel: str) -> str:
    return (out / rel / "index.html").read_text(encoding="utf-8")


def test_the_demo_page_data_and_catalogues(demo_build: Path) -> None:
    page = _html(demo_build, "land-transfers/qingshi-liuzhuan-2015")
    assert "<dt>流转面积</dt><dd>48.60 亩</dd>" in page
    assert "村集体经济组织（受承包农户委托），5 户（5 户出具书面委托书）" in page
    assert "<dt>资格审查、项目审核</dt><dd>安平县农业委员会，2015年4月28日通过</dd>" in page
    assert "（承包期至 2027年12月31日）" in page and "650.00 元/亩/年" in page
    assert "王长根" in page  # on notice on the demo's day
    rec = json.loads((demo_build / "data/qingshi-liuzhuan-2015.json").read_text(encoding="utf-8"))
    assert (rec["type"], rec["area"], rec["rent"], rec["use"]) == ("landtransfer", "48.60", "650.00", "grain")
    # the 镇's record (its 农经 office): in its 目录, with its 索引号
    assert rec["index_no"] == format_no("11320826MB0123456X", 2015, 29)
    cat = json.loads((demo_build / "data/catalogue.json").read_text(encoding="utf-8"))
    assert any(e["id"] == "qingshi-liuzhuan-2015" and e["type_label"] == "土地经营权流转" for e in cat["records"])
    assert "农村土地经营权流转" in _html(demo_build, "standard")
    doc = json.loads((demo_build / "data/land-transfers.json").read_text(encoding="utf-8"))
    (row,) = doc["land_transfers"]
    assert (row["household_count"], row["transferee"], row["social_capital"]) == (5, "安平县青禾农业发展有限公司", "是")
    assert "households" not in row  # names are never in the collection file
    assert "青禾农业" in (demo_build / "land-transfers/feed.xml").read_text(encoding="utf-8")


def test_the_demo_households_are_gone_today(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(REPO / "content", root / "content")
    out = build(root, date(2026, 12, 5), out=root / "build").out
    assert "王长根" not in _published(out)
    assert "48.60" in _html(out, "land-transfers/qingshi-liuzhuan-2015")


def test_search_finds_the_village_the_place_and_the_operator(demo_build: Path) -> None:
    def read(p: str) -> bytes:
        return (demo_build / "search/index" / p).read_bytes()

    for query in ("青禾农业发展", "三组东洼地块", "王长根"):
        urls = {h.url for h in reference_search(read, query, exhaustive=True).hits}
        assert "land-transfers/qingshi-liuzhuan-2015/" in urls, query
