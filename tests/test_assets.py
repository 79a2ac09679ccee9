"""集体资产资源处置 (assets/): a village lets, contracts out or sells what its collective owns.

The errors of single files are fixtures of tests/test_invalid.py
(tests/sites/invalid/assets/: GK375 price, GK376 term, GK377 协议, GK379 order,
GK357 quorum and the two thirds of 第五十二条, GK112 term); here: the reasons that
make them pass, the local cap of site.yaml, the edges, the missing 公示 warning
(GK378), the person's name on and off the site, the demo's page, data, feed,
search, 公开目录 (村务: no 索引号) and 标准目录.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

from conftest import REPO
from search_oracle import reference_search

from gongkai import build, check
from gongkai.core.errors import Problem, Severity

DISPOSAL = """\
title: 测试村集体资产出租结果公示
publisher: town
date: 2015-06-08
{notice}village: 测试村
asset: 集体鱼塘
asset_kind: {kind}
quantity: 20.00
unit: 亩
disposal: {disposal}
method: {method}
{extra}reserve: 16000.00
price: {price}
price_basis: annual
counterparty: {{kind: {party}, name: {name}{member}}}
term: {{start: 2015-07-01, end: {end}}}
meeting:
  kind: representatives
  date: 2015-05-20
  expected: 30
  present: 25
  agreed: {agreed}
signed: {signed}
"""
NOTICE = "notice: {start: 2015-06-08, end: 2015-06-15}\n"
TODAY = date(2015, 6, 30)


def _values(**kw: object) -> dict[str, object]:
    values: dict[str, object] = {
        "notice": NOTICE, "kind": "resource", "disposal": "lease", "method": "bidding", "extra": "",
        "price": "17000.00", "party": "unit", "name": "测试县某某水产养殖有限公司", "member": "",
        "end": "2020-06-30", "agreed": 20, "signed": "2015-06-05",
    }  # fmt: skip
    values.update(kw)
    return values


def _problems(make_site, *, site_extra: str = "", **kw: object) -> list[Problem]:
    root = make_site({"assets/yutang.yaml": DISPOSAL.format(**_values(**kw))})
    if site_extra:
        site_yaml = root / "content" / "site.yaml"
        site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + site_extra, encoding="utf-8")
    return [p for p in check(root, TODAY).problems if p.code != "GK605"]


def _codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.field) for p in problems]


def test_a_clean_disposal_passes(make_site) -> None:
    assert [p.format() for p in _problems(make_site)] == []


def test_a_price_below_the_reserve_passes_with_its_reason(make_site) -> None:
    low = _problems(make_site, price="15999.99")
    assert _codes(low) == [("GK375", "price")] and "16,000.00" in low[0].message
    assert _problems(make_site, price="15999.99", extra="below_reason: 两次流拍，经村民代表会议同意降价\n") == []
    assert _problems(make_site, price="16000.00") == []  # the reserve itself is not below it


def test_below_the_appraisal_counts_when_no_reserve_is_given(make_site) -> None:
    text = DISPOSAL.replace("reserve: 16000.00\n", "appraised: 18000.00\n")
    root = make_site({"assets/yutang.yaml": text.format(**_values())})
    problems = [p for p in check(root, TODAY).problems if p.code != "GK605"]
    assert _codes(problems) == [("GK375", "price")] and "评估价" in problems[0].message


def test_a_lease_of_twenty_years_passes_and_one_day_more_does_not(make_site) -> None:
    assert _problems(make_site, end="2035-07-01") == []  # 2015-07-01 + 20 years
    over = _problems(make_site, end="2035-07-02")
    assert _codes(over) == [("GK376", "term.end")] and "第七百零五条" in over[0].hint
    # 发包 is not a lease: the 二十年 of the 民法典 does not apply, the local cap does
    assert _problems(make_site, disposal="contract", end="2045-06-30") == []
    capped = _problems(make_site, disposal="contract", end="2045-07-02", site_extra="asset_term_cap: 30\n")
    assert _codes(capped) == [("GK376", "term.end")] and "asset_term_cap" in capped[0].hint
    # a local cap below twenty years applies to leases too
    short = _problems(make_site, end="2030-07-02", site_extra="asset_term_cap: 15\n")
    assert _codes(short) == [("GK376", "term.end")] and "15 年" in short[0].message


def test_an_agreement_needs_its_reason(make_site) -> None:
    assert _codes(_problems(make_site, method="agreement")) == [("GK377", "method_reason")]
    reason = "method_reason: 两次公开竞价无人报名\n"
    assert _problems(make_site, method="agreement", extra=reason) == []
    for method in ("tender", "auction", "open_negotiation"):
        assert _problems(make_site, method=method) == []


def test_two_thirds_of_all_for_land_let_to_an_outsider(make_site) -> None:
    outsider = ", member: false"
    # 20 of 30 representatives is two thirds: enough; 19 is a majority of those present but not enough
    assert _problems(make_site, disposal="contract", member=outsider, agreed=20) == []
    few = _problems(make_site, disposal="contract", member=outsider, agreed=19)
    assert _codes(few) == [("GK357", "meeting.agreed")] and "第五十二条" in few[0].hint
    # a member of the collective, a lease, or a building: a majority of those present is enough
    assert _problems(make_site, disposal="contract", agreed=19) == []
    assert _problems(make_site, member=outsider, agreed=19) == []
    assert _problems(make_site, disposal="contract", member=outsider, kind="operating", agreed=19) == []


def test_the_meeting_decides_before_the_contract(make_site) -> None:
    assert _codes(_problems(make_site, signed="2015-05-19")) == [("GK379", "signed")]
    assert _problems(make_site, signed="2015-05-20") == []


def test_no_notice_is_a_warning(make_site) -> None:
    problems = _problems(make_site, notice="")
    assert [(p.code, p.severity, p.field) for p in problems] == [("GK378", Severity.WARNING, "notice")]
    assert "第三十条" in problems[0].hint


# --- a person's name: the names rule (docs/names.md) ------------------------------------------


def _person_site(make_site, names: str = "") -> Path:
    text = DISPOSAL.format(**_values(party="person", name="钱多余", member=", member: true")) + names
    root = make_site({"assets/yutang.yaml": text})
    return root


def _published(out: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix in (".html", ".json", ".csv", ".xml", ".txt")
    )


def test_a_persons_name_is_on_the_site_during_its_notice_and_gone_after(make_site) -> None:
    root = _person_site(make_site)
    during = build(root, date(2015, 7, 15), out=root / "during").out  # notice.end 06-15 + 30 days
    assert "钱多余" in (during / "assets/yutang/index.html").read_text(encoding="utf-8")
    assert "钱多余" in (during / "data/assets.csv").read_text(encoding="utf-8-sig")
    after = build(root, date(2015, 7, 16), out=root / "after").out
    assert "钱多余" not in _published(after)
    page = (after / "assets/yutang/index.html").read_text(encoding="utf-8")
    assert "个人（姓名已不在本站显示）" in page and "显示至 2015-07-15" in page
    rows = list(csv.DictReader(io.StringIO((after / "data/assets.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0]["受让方"] == "（个人）" and rows[0]["成交价（元）"] == "17000.00"


def test_a_board_only_name_never_reaches_the_site(make_site) -> None:
    root = _person_site(make_site, "names: board\n")
    out = build(root, date(2015, 6, 10), out=root / "out").out  # inside the 公示期
    assert "钱多余" not in _published(out)
    assert "只在村务公开栏公示" in (out / "assets/yutang/index.html").read_text(encoding="utf-8")


def test_the_persons_name_in_the_title_is_a_warning(make_site) -> None:
    text = DISPOSAL.format(**_values(party="person", name="钱多余")).replace(
        "title: 测试村集体资产出租结果公示", "title: 测试村集体鱼塘出租给钱多余的结果公示"
    )
    root = make_site({"assets/yutang.yaml": text})
    problems = [p for p in check(root, TODAY).problems if p.code != "GK605"]
    assert [(p.code, p.severity, p.field, p.value) for p in problems] == [
        ("GK409", Severity.WARNING, "title", "钱多余")
    ]


def test_site_yaml_names_the_asset_type(make_site) -> None:
    root = _person_site(make_site)
    site_yaml = root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "names:\n  asset: board\n", encoding="utf-8")
    out = build(root, date(2015, 6, 10), out=root / "out").out
    assert "钱多余" not in _published(out)


# --- the demo -------------------------------------------------------------------------------------


def _html(out: Path, rel: str) -> str:
    return (out / rel / "index.html").read_text(encoding="utf-8")


def test_the_demo_page_data_and_catalogues(demo_build: Path) -> None:
    page = _html(demo_build, "assets/liuying-changfang-2015")
    assert "<dt>处置方式</dt><dd>出租，协议</dd>" in page
    assert "两次在村务公开栏和镇农村产权交易服务站公开竞价" in page  # the reason for the 协议
    assert "<dt>成交价</dt><dd>75,600.00 元/年</dd>" in page and "<dt>低于底价的原因</dt>" in page
    assert "安平县恒达包装材料有限公司（统一社会信用代码 91320826MA1MKQ2X7P）" in page
    assert "2015年3月22日召开村民会议：应到 1326 人，到会 715，同意 652" in page
    # 村务公开 of the 村委会 (村民委员会组织法第三十条): no 索引号, listed apart from the 镇's 目录
    assert "索引号" not in page.split("<main", 1)[1]
    rec = json.loads((demo_build / "data/liuying-changfang-2015.json").read_text(encoding="utf-8"))
    assert (rec["type"], rec["index_no"], rec["price"], rec["currency"]) == ("asset", "", "75600.00", "CNY")
    cat = json.loads((demo_build / "data/catalogue.json").read_text(encoding="utf-8"))
    assert "liuying-changfang-2015" not in {e["id"] for e in cat["records"]}
    others = _html(demo_build, "catalogue/others")
    assert "柳营村原砖瓦厂闲置厂房协议出租结果公示" in others and "集体资产资源处置" in others
    assert "村集体资产资源出租、发包、转让" in _html(demo_build, "standard")
    doc = json.loads((demo_build / "data/assets.json").read_text(encoding="utf-8"))
    ids = [r["id"] for r in doc["assets"]]
    assert "liuying-changfang-2015" in ids and "hekou-yutang-2015" in ids
    assert "恒达包装材料" in (demo_build / "assets/feed.xml").read_text(encoding="utf-8")


def test_the_demo_person_is_shown_on_notice(demo_build: Path) -> None:
    page = _html(demo_build, "assets/hekou-yutang-2015")  # on notice on the demo's day (2015-05-14)
    assert "<dt>承租方</dt><dd>周德明（个人）</dd>" in page


def test_the_demo_person_is_gone_today(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(REPO / "content", root / "content")
    out = build(root, date(2026, 12, 5), out=root / "build").out
    assert "周德明" not in _published(out)
    assert "公开栏张贴的原件" in _html(out, "assets/hekou-yutang-2015")


def test_search_finds_the_asset_the_village_and_the_counterparty(demo_build: Path) -> None:
    def read(p: str) -> bytes:
        return (demo_build / "search/index" / p).read_bytes()

    for query, url in (
        ("砖瓦厂闲置厂房", "assets/liuying-changfang-2015/"),
        ("恒达包装材料", "assets/liuying-changfang-2015/"),
        ("南圩集体鱼塘", "assets/hekou-yutang-2015/"),
        ("周德明", "assets/hekou-yutang-2015/"),
    ):
        urls = {h.url for h in reference_search(read, query, exhaustive=True).hits}
        assert url in urls, query
