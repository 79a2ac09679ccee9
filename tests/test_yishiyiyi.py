"""一事一议筹资筹劳 (yishiyiyi/): the village project decided by its meeting.

The errors of single files are fixtures of tests/test_invalid.py
(tests/sites/invalid/yishiyiyi/: GK355 sums, GK357 quorum and majority); here:
the province's cap from site.yaml (GK356), the missing 公示 warning (GK358),
a meeting that passes by households, the demo's page, data, feed, search and
标准目录, and the scaffold's example.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from conftest import REPO
from search_oracle import reference_search

from gongkai import build, check
from gongkai.core.errors import Problem, Severity

PLAN = """\
title: 测试村村内道路一事一议筹资筹劳方案公示
publisher: town
date: 2015-05-08
{notice}village: 测试村
project: 村内道路硬化
meeting:
  kind: {kind}
  date: 2015-04-26
{quorum}  expected: {expected}
  present: {present}
  agreed: {agreed}
funding: {{per_person: {per_person}, people: 100, total: {total}}}
award: 8400.00
spending:
  - {{item: 路面, amount: {spent}}}
"""
NOTICE = "notice: {start: 2015-05-08, end: 2015-05-15}\n"
TODAY = date(2015, 6, 30)


def _problems(make_site, *, site_extra: str = "", **kw: object) -> list[Problem]:
    values: dict[str, object] = {
        "notice": NOTICE, "kind": "representatives", "quorum": "", "expected": 30, "present": 25, "agreed": 20,
        "per_person": "15.00", "total": "1500.00", "spent": "9900.00",
    }  # fmt: skip
    values.update(kw)
    root = make_site({"yishiyiyi/daolu.yaml": PLAN.format(**values)})
    if site_extra:
        site_yaml = root / "content" / "site.yaml"
        site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + site_extra, encoding="utf-8")
    return [p for p in check(root, TODAY).problems if p.code != "GK605"]


def test_a_clean_plan_passes(make_site) -> None:
    assert [p.format() for p in _problems(make_site)] == []


def test_per_person_over_the_province_cap_is_an_error(make_site) -> None:
    problems = _problems(make_site, site_extra="yishiyiyi_cap: 12\n")
    assert [(p.code, p.field, p.value, p.severity) for p in problems] == [
        ("GK356", "funding.per_person", "15.00", Severity.ERROR)
    ]
    (p,) = problems
    assert p.loc.path == "content/yishiyiyi/daolu.yaml" and p.loc.line == 13
    assert "12.00" in p.message and "yishiyiyi_cap" in p.hint


def test_the_cap_itself_is_allowed_and_no_cap_checks_nothing(make_site) -> None:
    assert _problems(make_site, site_extra="yishiyiyi_cap: 15\n") == []
    assert _problems(make_site, per_person="150.00", total="15000.00", spent="23400.00") == []


def test_no_notice_is_a_warning(make_site) -> None:
    problems = _problems(make_site, notice="")
    assert [(p.code, p.severity, p.field) for p in problems] == [("GK358", Severity.WARNING, "notice")]
    assert "公示" in problems[0].message


def test_villagers_meeting_by_persons_and_by_households(make_site) -> None:
    # 村民会议 by persons: more than half of the villagers of 18 or more
    ok = _problems(make_site, kind="villagers", expected=1200, present=601, agreed=400)
    assert ok == []
    short = _problems(make_site, kind="villagers", expected=1200, present=600, agreed=400)
    assert [p.code for p in short] == ["GK357"]
    assert "过半数" in short[0].hint and "第二十二条" in short[0].hint
    # by households: two thirds of the households' representatives; 300 of 450 is exactly two thirds
    households = "  quorum: households\n"
    assert _problems(make_site, kind="villagers", quorum=households, expected=450, present=300, agreed=151) == []
    few = _problems(make_site, kind="villagers", quorum=households, expected=450, present=299, agreed=151)
    assert [p.code for p in few] == ["GK357"] and "三分之二" in few[0].hint


def test_half_of_those_present_is_not_a_majority(make_site) -> None:
    tie = _problems(make_site, present=24, agreed=12)
    assert [(p.code, p.field) for p in tie] == [("GK357", "meeting.agreed")]
    assert _problems(make_site, present=24, agreed=13) == []


def test_a_representatives_meeting_cites_article_26_not_22(make_site) -> None:
    # 村民委员会组织法 第二十二条 is the 村民会议's quorum and majority; the 村民代表会议's (two thirds of its
    # members, more than half of those present) is 第二十六条. The hint told a clerk the wrong article.
    few = _problems(make_site, expected=30, present=19, agreed=15)
    assert [p.code for p in few] == ["GK357"] and "第二十六条" in few[0].hint and "第二十二条" not in few[0].hint
    tie = _problems(make_site, present=24, agreed=12)
    assert "第二十六条" in tie[0].hint and "第二十二条" not in tie[0].hint


# --- the demo --------------------------------------------------------------------------------------


def _html(out: Path, rel: str) -> str:
    return (out / rel / "index.html").read_text(encoding="utf-8")


def test_the_demo_page_shows_the_meeting_and_the_spending(demo_build: Path) -> None:
    page = _html(demo_build, "yishiyiyi/sangyuan-daolu-2015")
    assert "2015年4月26日召开村民代表会议" in page
    assert "应到 35 人，到会 31，同意 29" in page
    assert "每人 15.00 元，1862 人，共 27,930.00 元" in page
    assert "120,000.00" in page and 'id="t-spending"' in page
    assert '<td class="num" data-label="金额">160,000.00</td>' in page
    listing = _html(demo_build, "yishiyiyi")
    assert 'href="sangyuan-daolu-2015/index.html"' in listing or "yishiyiyi/sangyuan-daolu-2015/" in listing


def test_the_demo_data_add_up(demo_build: Path) -> None:
    rec = json.loads((demo_build / "data/sangyuan-daolu-2015.json").read_text(encoding="utf-8"))
    assert rec["type"] == "yishiyiyi" and rec["currency"] == "CNY"
    assert rec["meeting"]["kind"] == "representatives" and rec["village"] == "桑园村"
    rows = list(
        csv.DictReader(io.StringIO((demo_build / "data/sangyuan-daolu-2015.csv").read_text(encoding="utf-8-sig")))
    )
    assert len(rows) == 4 and rows[0]["支出项目"] == "水泥混凝土路面（C25，厚18厘米）"
    total = sum(Decimal(r["金额（元）"]) for r in rows)
    assert total == Decimal(rec["funding"]["total"]) + Decimal(rec["award"]) + Decimal(rec["other_funds"])
    # published by the 村委会: 村务公开, listed apart from the 镇's 目录 (村民委员会组织法第三十条)
    cat = json.loads((demo_build / "data/catalogue.json").read_text(encoding="utf-8"))
    assert "sangyuan-daolu-2015" not in {e["id"] for e in cat["records"]}
    others = _html(demo_build, "catalogue/others")
    assert "桑园村2015年村内道路硬化一事一议筹资筹劳方案公示" in others and "一事一议筹资筹劳" in others
    assert "桑园村民代表会议表决通过" in (demo_build / "yishiyiyi/feed.xml").read_text(encoding="utf-8")


def test_search_finds_the_project_by_name_and_village(demo_build: Path) -> None:
    def read(p: str) -> bytes:
        return (demo_build / "search/index" / p).read_bytes()

    for query in ("后庄组至前庄组", "桑园村 一事一议", "排水边沟"):
        urls = {h.url for h in reference_search(read, query, exhaustive=True).hits}
        assert "yishiyiyi/sangyuan-daolu-2015/" in urls, query


def test_the_standard_catalogue_lists_it(demo_build: Path) -> None:
    std = _html(demo_build, "standard")
    assert "一事一议筹资筹劳和财政奖补" in std
    assert "yishiyiyi/sangyuan-daolu-2015/" in std


def test_the_demo_is_clean_on_both_days() -> None:
    for today in (date(2015, 6, 30), date(2026, 12, 5)):
        result = check(REPO, today)
        assert not [p.format() for p in result.problems if "GK355" <= p.code <= "GK359"], today


# --- gongkai new -------------------------------------------------------------------------------------


def test_a_new_site_has_a_plan(tmp_path: Path) -> None:
    target = tmp_path / "zhen"
    run = subprocess.run(
        [sys.executable, "-m", "gongkai", "new", str(target), "--today", "2026-06-01"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    result = check(target, date(2026, 6, 1))
    assert not [p.format() for p in result.problems]
    out = tmp_path / "out"
    build(target, date(2026, 6, 1), out=out)
    page = _html(out, "yishiyiyi/shili-yishiyiyi")
    assert "召开村民代表会议" in page and "应到 30 人，到会 26，同意 24" in page
