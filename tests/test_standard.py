"""The 标准目录 of 国办发〔2019〕54号 (content/catalogue.yaml): its file is
checked with file:line errors, records go to the most specific 事项, each
事项's standing follows the build's date, and the page and data show it."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from gongkai.core.errors import ContentError
from gongkai.run.build import build, check
from gongkai.run.engine.store import BuildCache

REPO = Path(__file__).resolve().parent.parent

ITEM = """\
      - id: {id}
        name: {name}
        elements: 要素
        basis: 《中华人民共和国政府信息公开条例》第二十条
        deadline: 信息形成之日起20个工作日内
        subject: town
        channels: [政府网站]
        audience: public
        mode: proactive
        level: 乡级
        cycle: {cycle}
        records: [{records}]
"""


def _catalogue(*items: tuple[str, str, str, str], extra: str = "") -> str:
    body = "".join(ITEM.format(id=i, name=n, cycle=c, records=r) for i, n, c, r in items)
    return f"areas:\n  - area: 工作动态\n    items:\n{body}{extra}"


def _codes(root: Path, today: date = date(2015, 6, 1)) -> list[tuple[str, str, int]]:
    v = check(root, today, cache=BuildCache(None, memory_only=True))
    return [(p.code, p.loc.path, p.loc.line) for p in v.problems]


def _status(root: Path, today: date) -> dict[str, str]:
    v = check(root, today, cache=BuildCache(None, memory_only=True))
    assert v.site is not None and v.site.standard is not None, v.problems
    return {s.item.id: s.state for s in v.site.standard.items}


def test_a_site_without_the_file_has_no_standard_catalogue(make_site, tmp_path: Path) -> None:
    root = make_site()
    build(root, date(2015, 6, 1), out=tmp_path / "out", cache=BuildCache(None, memory_only=True))
    assert not (tmp_path / "out/standard").exists()
    assert not (tmp_path / "out/data/standard.csv").exists()
    assert "标准目录" not in (tmp_path / "out/index.html").read_text(encoding="utf-8")


def test_a_periodic_item_is_current_within_its_cycle_and_overdue_after(make_site) -> None:
    root = make_site({"catalogue.yaml": _catalogue(("dt", "工作动态", "quarter", "notice"))})
    # hello.md is dated 2015-01-05: a quarter (92 days) plus the default 30 days of grace
    assert _status(root, date(2015, 5, 7)) == {"dt": "current"}
    assert _status(root, date(2015, 5, 8)) == {"dt": "overdue"}


def test_an_item_without_records_and_an_event_item(make_site) -> None:
    root = make_site(
        {
            "catalogue.yaml": _catalogue(
                ("dt", "工作动态", "event", "notice/工作动态"), ("zc", "政策解读", "year", "notice/政策解读")
            )
        }
    )
    assert _status(root, date(2030, 1, 1)) == {"dt": "published", "zc": "none"}


def test_the_most_specific_selector_takes_the_record(make_site) -> None:
    tagged = "---\ntitle: 春耕通知\npublisher: town\ndate: 2015-02-01\ncategory: 工作动态\ntags: [春耕]\n---\n正文\n"
    root = make_site(
        {
            "notices/chungeng.md": tagged,
            "catalogue.yaml": _catalogue(
                ("all", "全部通知", "event", "notice"),
                ("dt", "工作动态", "event", "通知公告/工作动态"),
                ("cg", "春耕", "event", "tag:春耕"),
            ),
        }
    )
    v = check(root, date(2015, 6, 1), cache=BuildCache(None, memory_only=True))
    assert v.site is not None and v.site.standard is not None
    got = {s.item.id: (s.count, s.latest[0] if s.latest else "") for s in v.site.standard.items}
    assert got == {"all": (0, ""), "dt": (1, "hello"), "cg": (1, "chungeng")}


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        # two 事项 taking the same records: a record's 事项 would be undecided
        (_catalogue(("a", "甲", "year", "notice"), ("b", "乙", "year", "notice")), "GK805", 16),
        (_catalogue(("a", "甲", "year", "notice"), ("a", "乙", "year", "page")), "GK803", 16),
        (_catalogue(("a", "甲", "year", "通知/工作动态")), "GK804", 4),
        (_catalogue(("a", "甲", "year", "notice/会议纪要")), "GK804", 4),
        (_catalogue(("a", "甲", "year", "notice"), extra="  - area: 城乡规划\n    applies: false\n"), "GK802", 16),
        (_catalogue(("a", "甲", "sometimes", "notice")), "GK107", 14),
        ("- 工作动态\n", "GK801", 1),
    ],
)
def test_a_wrong_catalogue_names_its_line_and_the_build_refuses(make_site, text: str, code: str, line: int) -> None:
    root = make_site({"catalogue.yaml": text})
    assert (code, "content/catalogue.yaml", line) in _codes(root)
    with pytest.raises(ContentError):
        build(root, date(2015, 6, 1), out=root / "build", cache=BuildCache(None, memory_only=True))


def test_a_record_in_an_area_marked_not_applicable_is_a_warning(make_site) -> None:
    text = "areas:\n  - area: 城乡规划\n    applies: false\n    reason: 由县里公开\n    items:\n" + ITEM.format(
        id="gh", name="规划", cycle="year", records="notice"
    )
    root = make_site({"catalogue.yaml": text})
    v = check(root, date(2015, 6, 1), cache=BuildCache(None, memory_only=True))
    [w] = [p for p in v.problems if p.code == "GK806"]
    assert not w.is_error and w.loc.path == "content/notices/hello.md" and w.loc.line == 2
    assert v.site is not None and v.site.standard is not None
    assert v.site.standard.items[0].state == "na"


@pytest.fixture(scope="module")
def demo_2015(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("std") / "site"
    shutil.copytree(REPO / "content", root / "content")
    build(root, date(2015, 12, 31), out=root / "build", cache=BuildCache(None, memory_only=True))
    return root / "build"


def test_the_demo_publishes_its_standard_catalogue_page_and_data(demo_2015: Path) -> None:
    html = (demo_2015 / "standard/index.html").read_text(encoding="utf-8")
    for area in ("财政预决算", "涉农补贴", "救灾", "扶贫", "重大决策", "城乡规划", "公共资源交易"):
        assert f">{area}</h2>" in html
    assert "由安平县公共资源交易中心统一公开" in html  # a 领域 that does not apply, with its reason
    rows = list(csv.DictReader(io.StringIO((demo_2015 / "data/standard.csv").read_text(encoding="utf-8-sig"))))
    by_id = {r["事项编号"]: r for r in rows}
    assert by_id["czys"]["状态"] == "按时更新" and by_id["czys"]["最近发布日期"] == "2015-02-16"
    assert by_id["czys"]["公开主体"] == "青石镇财政所"  # the publisher key resolved
    assert (
        by_id["zdjc"]["状态"] == "已公开" and by_id["zdjc"]["已公开信息条数"] == "2"
    )  # the result is dated 2016-01-08
    doc = json.loads((demo_2015 / "data/standard.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in doc["items"]] == [r["事项编号"] for r in rows]
    assert doc["unassigned"] == []  # every public record of the demo belongs to a 事项
    # every 事项 links its newest record to a page that exists
    for item in doc["items"]:
        if item["page"]:
            assert (demo_2015 / item["page"] / "index.html").is_file(), item
    assert 'href="../standard/index.html"' in (demo_2015 / "catalogue/index.html").read_text(encoding="utf-8")


def test_the_demo_is_overdue_years_later(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    states = _status(root, date(2026, 12, 5))
    assert states["czys"] == "overdue" and states["zdjc"] == "published"


def test_a_new_site_lists_its_areas_and_items_with_their_status(tmp_path: Path) -> None:
    from gongkai.commands.new import create_site

    today = date(2027, 3, 1)
    root = tmp_path / "new"
    create_site(root, today)
    build(root, today, out=root / "build", cache=BuildCache(None, memory_only=True))
    rows = list(csv.DictReader(io.StringIO((root / "build/data/standard.csv").read_text(encoding="utf-8-sig"))))
    states = {r["事项编号"]: r["状态"] for r in rows}
    # the examples are dated around the day the site is made: a budget and a roster current, a decision published
    assert states["czys"] == states["gdbt"] == states["fpzj"] == "按时更新"
    assert states["zdjc"] == "已公开" and states["czjs"] == "暂无信息"
    html = (root / "build/standard/index.html").read_text(encoding="utf-8")
    assert "城乡规划" in html and "不适用" in html


def test_an_area_that_does_not_apply_is_a_row_of_the_csv_and_json(make_site, tmp_path: Path) -> None:
    # 54号 asks for the 领域 a township does not cover to be marked, with the reason; the page showed them, but
    # data/standard.csv (with its 不适用的原因 column) and .json left every item-less 领域 out, so an inspector
    # reading the CSV saw no trace of 城乡规划 at all.
    extra = "  - area: 城乡规划\n    applies: false\n    reason: 由县自然资源和规划局公开\n"
    root = make_site({"catalogue.yaml": _catalogue(("dt", "工作动态", "event", "notice"), extra=extra)})
    build(root, date(2015, 6, 1), out=tmp_path / "out", cache=BuildCache(None, memory_only=True))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out/data/standard.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["领域"], r["状态"], r["不适用的原因"]) for r in rows] == [
        ("工作动态", "已公开", ""),
        ("城乡规划", "不适用", "由县自然资源和规划局公开"),
    ]
    doc = json.loads((tmp_path / "out/data/standard.json").read_text(encoding="utf-8"))
    [na] = [i for i in doc["items"] if i["area"] == "城乡规划"]
    assert na["state"] == "na" and na["reason"] == "由县自然资源和规划局公开" and na["id"] == ""
