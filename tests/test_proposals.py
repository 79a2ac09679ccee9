"""建议提案 (proposals/): replies to 人大代表建议 and 政协委员提案 (issue #17).

The errors of single files are fixtures of tests/test_invalid.py
(tests/sites/invalid/proposals/: GK102, GK107, GK365, GK367, GK368); here: the
GK366 warning at the edge of the three months, and the demo's page, list,
data, feed, search, 公开目录 and 标准目录."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from search_oracle import reference_search

from gongkai import build, check
from gongkai.check.rules.proposal import reply_due
from gongkai.core.errors import Severity

RID = "jianyi-2015-03"
DEMO = yaml.safe_load((REPO / f"content/proposals/{RID}.md").read_text(encoding="utf-8").split("---")[1])

REPLY = """\
---
title: 关于测试村安装路灯的建议的答复
publisher: town
date: {date}
kind: {kind}
number: 测人建〔2015〕1号
proposer: 王五
handler: 测试镇建设办公室
assigned: {assigned}
replied: {replied}
result: A
---

王五代表：您的建议收悉，现答复如下。
"""


def _late(make_site, assigned: str, replied: str, kind: str = "npc") -> list:
    site = make_site({"proposals/deng.md": REPLY.format(date=replied, kind=kind, assigned=assigned, replied=replied)})
    return [p for p in check(site, date(2015, 12, 31)).problems if p.code.startswith("GK36")]


@pytest.mark.parametrize(
    ("assigned", "due"),
    [
        ("2015-03-20", "2015-06-20"),
        ("2015-11-30", "2016-02-29"),
        ("2015-10-31", "2016-01-31"),
        ("2015-12-31", "2016-03-31"),
    ],
)
def test_the_time_limit_is_three_calendar_months(assigned: str, due: str) -> None:
    assert reply_due(date.fromisoformat(assigned)) == date.fromisoformat(due)


@pytest.mark.parametrize("kind", ["npc", "cppcc"])
def test_a_reply_past_three_months_is_a_warning_and_one_on_the_last_day_is_not(make_site, kind: str) -> None:
    assert _late(make_site, "2015-03-20", "2015-06-20", kind) == []
    (p,) = _late(make_site, "2015-03-20", "2015-06-21", kind)
    assert p.code == "GK366" and p.severity is Severity.WARNING
    assert "2015-06-20" in p.message and p.field == "replied" and p.value == "2015-06-21"


# --- the demo ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("proposals") / "build"
    build(REPO, date(2026, 12, 5), out=out)
    return out


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_shows_the_result_who_and_when(demo_build: Path) -> None:
    page = _text((demo_build / f"proposals/{RID}/index.html").read_text(encoding="utf-8"))
    assert "办理结果： B类：列入计划拟解决" in page
    assert f"领衔代表 {DEMO['proposer']}" in page and f"承办单位 {DEMO['handler']}" in page
    days = (DEMO["replied"] - DEMO["assigned"]).days
    assert f"（交办后 {days} 天）" in page
    assert "代表满意度 基本满意" in page
    assert "现答复如下" in page  # the reply body, from Markdown
    sheet = _text((demo_build / f"print/{RID}/index.html").read_text(encoding="utf-8"))
    assert "办理结果： B类：列入计划拟解决" in sheet or "办理结果：B类：列入计划拟解决" in sheet


def test_the_list_data_and_feed(demo_build: Path) -> None:
    listing = (demo_build / "proposals/index.html").read_text(encoding="utf-8")
    assert f"{RID}/index.html" in listing
    rows = list(csv.DictReader(io.StringIO((demo_build / "data/proposals.csv").read_text(encoding="utf-8-sig"))))
    (row,) = [r for r in rows if r["编号"] == RID]
    assert row["办理结果"] == DEMO["result"] and row["答复日期"] == DEMO["replied"].isoformat()
    assert row["类别"] == "人大代表建议" and row["领衔代表（委员）"] == DEMO["proposer"]
    doc = json.loads((demo_build / "data/proposals.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in doc["proposals"]] == [r["编号"] for r in rows]
    own = json.loads((demo_build / f"data/{RID}.json").read_text(encoding="utf-8"))
    assert own["result"] == "B" and own["number"] == DEMO["number"] and "现答复如下" in own["body"]
    feed = (demo_build / "proposals/feed.xml").read_text(encoding="utf-8")
    assert DEMO["title"] in feed
    catalogue = (demo_build / "data/catalogue.csv").read_text(encoding="utf-8-sig")
    assert DEMO["title"] in catalogue


def test_search_finds_a_reply_by_number_proposer_and_result(demo_build: Path) -> None:
    def read(p: str) -> bytes:
        return (demo_build / "search/index" / p).read_bytes()

    for q in (DEMO["number"], DEMO["proposer"], "列入计划拟解决"):
        assert f"proposals/{RID}/" in {h.url for h in reference_search(read, q, exhaustive=True).hits}, q


def test_the_standard_catalogue_has_the_item_with_the_reply(demo_build: Path) -> None:
    page = (demo_build / "standard/index.html").read_text(encoding="utf-8")
    item = page[page.index('aria-labelledby="item-jyta"') :]
    item = item[: item.index("</article>")]
    assert "人大代表建议和政协委员提案办理结果" in item and f"proposals/{RID}/" in item
