"""宅基地审批 (homesteads/): one batch of approvals per file, a row per household.

The errors of single files are fixtures of tests/test_invalid.py
(tests/sites/invalid/homesteads/: GK387 农转用, GK388 dates, GK390 totals,
GK112 公示 reversed, GK101 an ID column); here: the province's area standard
(GK385, set in site.yaml), 一户一宅 across batches (GK386), the missing 村组
公示 (GK389), the approver and the date (GK391), and the applicants' names
under the names rule: on the page, in search and data during the 公示期, gone
from all of them after it, never on the site when the batch is board only.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from search_oracle import reference_search

from gongkai import build, check
from gongkai.core.errors import Severity

REPO = Path(__file__).resolve().parent.parent
DEMO = yaml.safe_load((REPO / "content/homesteads/zhaijidi-2015-2.yaml").read_text(encoding="utf-8"))
APPLICANTS = [r["name"] for r in DEMO["recipients"]]

BATCH = """\
title: 测试镇{year}年第{n}批农村村民住宅用地审批结果公示
publisher: town
date: {year}-05-08
notice: {{start: {year}-05-08, end: {year}-05-15}}
batch: {year}年第{n}批
{approver}{village_notice}totals: {{households: 1, area: {area}}}
recipients:
  - {{village: 测试村, group: {group}, name: 王某才, kind: {kind}, area: {area}, farmland: false, old_plot: {old_plot}, permit_no: 测宅批〔{year}〕00{n}号, approved_on: {approved}{row_notice}}}
"""
NOTICE = "village_notice: {start: %s-03-30, end: %s-04-06}\n"


def _batch(**kw: object) -> str:
    year = kw.get("year", 2021)
    values: dict[str, object] = {
        "year": year,
        "n": 1,
        "approver": "",
        "village_notice": NOTICE % (year, year),
        "area": "120.00",
        "group": "二组",
        "kind": "rebuild",
        "old_plot": "same_site",
        "approved": f"{year}-04-27",
        "row_notice": "",
        **kw,
    }
    return BATCH.format(**values)


def _problems(make_site, files: dict[str, str], site_extra: str = "") -> list[tuple[str, Severity, str]]:
    root = make_site(files)
    if site_extra:
        site = root / "content" / "site.yaml"
        site.write_text(site.read_text(encoding="utf-8") + site_extra, encoding="utf-8")
    today = date(2026, 12, 5)
    return [(p.code, p.severity, p.field) for p in check(root, today).problems if p.code not in ("GK605", "GK606")]


def test_a_clean_batch_passes(make_site) -> None:
    assert _problems(make_site, {"homesteads/a.yaml": _batch()}) == []


def test_an_area_above_the_provinces_standard_is_refused_only_when_it_is_set(make_site) -> None:
    files = {"homesteads/a.yaml": _batch(area="150.00")}
    assert _problems(make_site, files) == []  # no homestead_cap_m2: nothing to check against
    assert _problems(make_site, files, "homestead_cap_m2: 140\n") == [("GK385", Severity.ERROR, "recipients[1].area")]
    assert _problems(make_site, {"homesteads/a.yaml": _batch(area="140.00")}, "homestead_cap_m2: 140\n") == []


@pytest.mark.parametrize(
    ("kind", "old_plot", "warned"),
    [
        ("new", "none", True),  # a second plot, and the clerk says the household had none
        ("new", "same_site", True),  # a new plot cannot be on the old one
        ("new", "withdrawn", False),  # the old plot given back
        ("rebuild", "same_site", False),  # the same house rebuilt
        ("extend", "none", True),
    ],
)
def test_one_household_one_homestead_across_batches(make_site, kind: str, old_plot: str, warned: bool) -> None:
    first = _batch(year=2021, kind="new", old_plot="none")
    second = _batch(year=2022, n=2, kind=kind, old_plot=old_plot)
    found = _problems(make_site, {"homesteads/a.yaml": first, "homesteads/b.yaml": second})
    assert found == ([("GK386", Severity.WARNING, "recipients[1].old_plot")] if warned else [])


def test_a_namesake_in_another_group_is_another_household(make_site) -> None:
    first = _batch(year=2021, kind="new", old_plot="none")
    second = _batch(year=2022, n=2, kind="new", old_plot="none", group="五组")
    assert _problems(make_site, {"homesteads/a.yaml": first, "homesteads/b.yaml": second}) == []


def test_the_warning_names_the_earlier_approval(make_site) -> None:
    first = _batch(year=2021, kind="new", old_plot="none")
    second = _batch(year=2022, n=2, kind="new", old_plot="none")
    root = make_site({"homesteads/a.yaml": first, "homesteads/b.yaml": second})
    (p,) = [p for p in check(root, date(2026, 12, 5)).problems if p.code == "GK386"]
    assert p.loc.path.endswith("homesteads/b.yaml") and "2021-04-27" in p.message and "测宅批〔2021〕001号" in p.message


def test_a_missing_village_notice_warns_and_a_rows_own_one_counts(make_site) -> None:
    assert _problems(make_site, {"homesteads/a.yaml": _batch(village_notice="")}) == [
        ("GK389", Severity.WARNING, "recipients[1].village_notice")
    ]
    own = ", village_notice: {start: 2021-03-30, end: 2021-04-06}"
    assert _problems(make_site, {"homesteads/a.yaml": _batch(village_notice="", row_notice=own)}) == []
    late = ", village_notice: {start: 2021-04-25, end: 2021-05-02}"
    assert _problems(make_site, {"homesteads/a.yaml": _batch(village_notice="", row_notice=late)}) == [
        ("GK388", Severity.ERROR, "recipients[1].village_notice.end")
    ]


@pytest.mark.parametrize(
    ("year", "approver", "warned"),
    [
        (2019, "", True),  # the 镇 approving before the 2019 修正 came into force
        (2019, "approver: town\n", True),
        (2019, "approver: county\n", False),
        (2020, "", False),
    ],
)
def test_who_approved_before_2020(make_site, year: int, approver: str, warned: bool) -> None:
    found = _problems(make_site, {"homesteads/a.yaml": _batch(year=year, approver=approver)})
    assert [c for c, s, _ in found] == (["GK391"] if warned else [])
    assert all(s is Severity.WARNING for _, s, _ in found)


def test_an_id_number_in_a_note_is_refused(make_site) -> None:
    row_note = ", note: 身份证号320826197001011232"
    found = _problems(make_site, {"homesteads/a.yaml": _batch(row_notice=row_note)})
    assert ("GK401", Severity.ERROR) in [(c, s) for c, s, _ in found]


def test_a_name_in_the_summary_is_warned_about(make_site) -> None:
    text = _batch().replace("batch:", "summary: 王某才户原址翻建\nbatch:", 1)
    assert ("GK409", Severity.WARNING, "summary") in _problems(make_site, {"homesteads/a.yaml": text})


# --- the demo batch ------------------------------------------------------------------------------------


def _html(out: Path, rel: str) -> str:
    return (out / rel / "index.html").read_text(encoding="utf-8")


def test_the_demo_page_sheet_and_data_during_the_notice(demo_build: Path) -> None:
    page = _html(demo_build, "homesteads/zhaijidi-2015-2")
    assert all(f'<td class="name">{n}</td>' in page for n in APPLICANTS)
    assert "<dt>审批机关</dt><dd>县级人民政府</dd>" in page and "<dt>批准面积合计</dt><dd>598.00 平方米</dd>" in page
    assert "苏政地〔2015〕118号" in page  # the 农转用 of the one household on farmland
    sheet = _html(demo_build, "print/zhaijidi-2015-2")
    assert all(n in sheet for n in APPLICANTS) and "安平宅批〔2015〕035号" in sheet
    rec = json.loads((demo_build / "data/zhaijidi-2015-2.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in rec["recipients"]] == APPLICANTS
    assert (rec["totals"], rec["approver"]) == ({"households": 5, "area": "598.00"}, "county")
    assert "id_number" not in json.dumps(rec)
    table = (demo_build / "data/zhaijidi-2015-2.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(table) == 6 and "刘志强,新建,120.00,是,苏政地〔2015〕118号,无原宅基地" in table[3]
    feed = (demo_build / "homesteads/feed.xml").read_text(encoding="utf-8")
    assert "zhaijidi-2015-2" in feed
    assert "农村宅基地审批结果" in _html(demo_build, "standard")
    cat = json.loads((demo_build / "data/catalogue.json").read_text(encoding="utf-8"))
    assert any(e["id"] == "zhaijidi-2015-2" and e["index_no"] for e in cat["records"])


def _search(out: Path, query: str) -> set[str]:
    def read(p: str) -> bytes:
        return (out / "search/index" / p).read_bytes()

    return {h.url for h in reference_search(read, query, exhaustive=True).hits}


def test_search_finds_an_applicant_during_the_notice(demo_build: Path) -> None:
    assert "homesteads/zhaijidi-2015-2/" in _search(demo_build, "刘志强")
    assert "homesteads/zhaijidi-2015-2/" in _search(demo_build, "2015年第二批")


@pytest.fixture(scope="module")
def after(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("after") / "build"
    build(REPO, date(2026, 12, 5), out=out)
    return out


def test_after_the_grace_the_names_are_in_no_published_file(after: Path) -> None:
    holding = [
        p.relative_to(after).as_posix()
        for p in sorted(after.rglob("*"))
        if p.is_file() and any(n in p.read_bytes().decode("utf-8", "replace") for n in APPLICANTS)
    ]
    assert holding == []
    page = _html(after, "homesteads/zhaijidi-2015-2")
    assert "<dt>批准户数</dt><dd>5 户</dd>" in page and "显示至 2015-06-14" in page
    assert '<tr><td>柳营村</td><td class="num">2</td><td class="num">244.50</td></tr>' in page
    rec = json.loads((after / "data/zhaijidi-2015-2.json").read_text(encoding="utf-8"))
    assert rec["recipients"] == [] and rec["totals"] == {"households": 5, "area": "598.00"}
    assert not (after / "print/zhaijidi-2015-2").exists()
    assert _search(after, "刘志强") == set()
    assert "homesteads/zhaijidi-2015-2/" in _search(after, "2015年第二批")


def test_a_board_only_batch_never_shows_its_names(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    for rel in ("site.yaml", "homesteads/zhaijidi-2015-2.yaml", "catalogue.yaml"):
        (root / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / rel).write_bytes((REPO / "content" / rel).read_bytes())
    site = root / "content/site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "names: {homestead: board}\n", encoding="utf-8")
    (root / "content/catalogue.yaml").unlink()
    out = tmp_path / "build"
    build(root, date(2015, 5, 10), out=out)  # inside the 公示期
    texts = "".join(p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file())
    assert not any(n in texts for n in APPLICANTS)
    assert "只在村（社区）公开栏张贴" in _html(out, "homesteads/zhaijidi-2015-2")
