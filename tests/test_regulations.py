"""规范性文件 (regulations/) with their 有效性, and the 政策解读 linked to them.

The errors of single files are fixtures of tests/test_invalid.py
(tests/sites/invalid/regulations/, notices/gk203-interprets-*, gk354-*); here:
the warnings that depend on ``today`` and on other records (GK352, GK353),
the demo's pages, data, feed and search, the 标准目录 and the scaffold.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO
from search_oracle import reference_search

from gongkai import build, check
from gongkai.core.errors import Problem, Severity

DOC = """\
---
title: 测试镇村级公益设施管护办法
publisher: town
date: 2015-03-02
doc_no: 测政发〔2015〕1号
validity: {validity}
valid_from: 2015-04-01
{extra}---

第一条　为加强村级公益设施管护，制定本办法。
"""

READING = """\
---
title: 《测试镇村级公益设施管护办法》政策解读
publisher: town
date: {day}
category: 政策解读
interprets: guanhu-banfa
---

解读正文。
"""


def _problems(make_site, today: date, *, validity: str = "valid", extra: str = "", reading: str = "") -> list[Problem]:
    files = {"regulations/guanhu-banfa.md": DOC.format(validity=validity, extra=extra)}
    if reading:
        files["notices/jiedu-guanhu-banfa.md"] = READING.format(day=reading)
    return list(check(make_site(files), today).problems)


def _codes(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


# --- GK352: past valid_until, still 有效 ------------------------------------------------------


def test_a_document_past_its_valid_until_still_marked_valid_is_a_warning(make_site) -> None:
    until = "valid_until: 2015-12-31\n"
    assert not _codes(_problems(make_site, date(2015, 12, 31), extra=until, reading="2015-03-02"), "GK352")
    found = _codes(_problems(make_site, date(2016, 1, 1), extra=until, reading="2015-03-02"), "GK352")
    assert len(found) == 1
    p = found[0]
    assert p.severity is Severity.WARNING
    assert (p.loc.path, p.loc.line, p.field, p.value) == ("content/regulations/guanhu-banfa.md", 6, "validity", "valid")
    assert "2015-12-31" in p.message and "expired" in p.hint
    # marked 已失效, as it should be: no warning
    gone = _problems(make_site, date(2016, 1, 1), validity="expired", extra=until, reading="2015-03-02")
    assert not _codes(gone, "GK352") and not [p for p in gone if p.is_error]


# --- GK353: the 解读 goes with the document ----------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "today", "warned"),
    [
        ("", date(2015, 3, 7), False),  # five days not over yet
        ("", date(2015, 3, 8), True),  # no 解读 at all
        ("2015-03-02", date(2016, 1, 1), False),  # the same day
        ("2015-03-07", date(2016, 1, 1), False),  # within five days
        ("2015-03-08", date(2016, 1, 1), True),  # late
        ("2015-03-09", date(2015, 3, 8), True),  # dated after today: not published yet
    ],
)
def test_a_document_without_a_timely_interpretation_is_a_warning(
    make_site, reading: str, today: date, warned: bool
) -> None:
    problems = _problems(make_site, today, reading=reading)
    found = _codes(problems, "GK353")
    assert bool(found) == warned, [p.format() for p in problems]
    assert not [p for p in problems if p.is_error], [p.format() for p in problems]
    if found:
        p = found[0]
        assert p.severity is Severity.WARNING
        assert p.loc.path == "content/regulations/guanhu-banfa.md"
        assert "interprets: guanhu-banfa" in p.hint and "2015-03-07" in p.hint
        assert ("才发布" in p.message) == (reading == "2015-03-08")


# --- the demo: pages ------------------------------------------------------------------------------


def _html(out: Path, rel: str) -> str:
    return (out / rel / "index.html").read_text(encoding="utf-8")


def test_the_repealed_document_shows_its_badge_successor_and_interpretation(demo_build: Path) -> None:
    page = _html(demo_build, "regulations/zhaijidi-guanli-2012")
    head = page[page.index("<h1>") : page.index('<dl class="meta">')]
    assert 'class="badge badge-off validity validity-repealed">已废止</span>' in head  # above everything else
    assert '由<a href="../../regulations/zhaijidi-guanli-2015/index.html">青石镇农村宅基地管理办法</a>' in head
    assert "（青政发〔2015〕2号）替代" in head
    assert '<a href="../../notices/jiedu-zhaijidi-guanli-2012/index.html">' in page


def test_the_successor_links_back_and_the_interpretation_links_its_document(demo_build: Path) -> None:
    page = _html(demo_build, "regulations/zhaijidi-guanli-2015")
    assert 'validity-valid">有效</span> 本文件现行有效。' in page
    assert re.search(r"<dt>本文件废止</dt><dd><a href=\"../../regulations/zhaijidi-guanli-2012/index.html\">", page)
    assert '<a href="../../notices/jiedu-zhaijidi-guanli-2015/index.html">' in page
    reading = _html(demo_build, "notices/jiedu-zhaijidi-guanli-2015")
    assert '本文是对<a href="../../regulations/zhaijidi-guanli-2015/index.html">青石镇农村宅基地管理办法</a>' in reading
    assert 'validity-valid">有效</span>' in reading
    # a notice that interprets nothing says nothing of the kind
    assert "本文是对" not in _html(demo_build, "notices/zhengce-gengdi-butie-2015")


def test_the_list_puts_documents_in_force_first(demo_build: Path) -> None:
    page = _html(demo_build, "regulations")
    now, old = page.index(">现行有效</h2>"), page.index(">已失效、废止或修改</h2>")
    assert now < old
    assert now < page.index("zhaijidi-guanli-2015/") < old
    assert now < page.index("jimao-shichang-guanli-2014/") < old
    assert old < page.index("zhaijidi-guanli-2012/")
    assert page.count("validity-repealed") == 1 and page.count("validity-valid") == 2


def test_the_catalogue_and_the_standard_catalogue_include_them(demo_build: Path) -> None:
    cat = json.loads((demo_build / "data/catalogue.json").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in cat["records"]}
    assert by_id["zhaijidi-guanli-2012"]["validity_label"] == "已废止"
    assert by_id["zhaijidi-guanli-2012"]["doc_no"] == "青政发〔2012〕5号"
    assert by_id["jiedu-zhaijidi-guanli-2012"]["validity"] == ""
    rows = list(csv.DictReader(io.StringIO((demo_build / "data/catalogue.csv").read_text(encoding="utf-8-sig"))))
    assert {r["名称"]: r["有效性"] for r in rows}["青石镇农村宅基地管理暂行办法"] == "已废止"
    assert "规范性文件（已废止）" in _html(demo_build, "catalogue/2012")  # the 目录 of the year it was issued
    std = json.loads((demo_build / "data/standard.json").read_text(encoding="utf-8"))
    text = json.dumps(std, ensure_ascii=False)
    assert "行政规范性文件" in text and "zhaijidi-guanli-2015" in text


# --- data, feed, search ------------------------------------------------------------------------------


def test_data_files_carry_the_validity(demo_build: Path) -> None:
    rec = json.loads((demo_build / "data/zhaijidi-guanli-2012.json").read_text(encoding="utf-8"))
    assert rec["validity"] == "repealed" and rec["repealed_by"] == "zhaijidi-guanli-2015"
    assert (rec["valid_from"], rec["valid_until"], rec["doc_no"]) == ("2012-04-01", "2017-03-31", "青政发〔2012〕5号")
    reading = json.loads((demo_build / "data/jiedu-zhaijidi-guanli-2012.json").read_text(encoding="utf-8"))
    assert reading["interprets"] == "zhaijidi-guanli-2012"
    rows = list(csv.DictReader(io.StringIO((demo_build / "data/regulations.csv").read_text(encoding="utf-8-sig"))))
    by_id = {r["编号"]: r for r in rows}
    assert set(by_id) == {"zhaijidi-guanli-2012", "zhaijidi-guanli-2015", "jimao-shichang-guanli-2014"}
    old = by_id["zhaijidi-guanli-2012"]
    assert (old["有效性"], old["废止它的文件"], old["政策解读"]) == (
        "已废止",
        "zhaijidi-guanli-2015",
        "jiedu-zhaijidi-guanli-2012",
    )
    assert by_id["jimao-shichang-guanli-2014"]["有效期至"] == ""
    doc = json.loads((demo_build / "data/regulations.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in doc["regulations"]] == [r["编号"] for r in rows]


def test_feed_says_the_validity(demo_build: Path) -> None:
    feed = (demo_build / "regulations/feed.xml").read_text(encoding="utf-8")
    assert "青政发〔2012〕5号（已废止）" in feed
    assert "青政发〔2015〕2号（有效）" in feed


def test_search_finds_documents_by_number_and_validity(demo_build: Path) -> None:
    def read(p: str) -> bytes:
        return (demo_build / "search/index" / p).read_bytes()

    assert {h.url for h in reference_search(read, "青政发〔2012〕5号", exhaustive=True).hits} >= {
        "regulations/zhaijidi-guanli-2012/"
    }
    urls = {h.url for h in reference_search(read, "宅基地 已废止", exhaustive=True).hits}
    assert "regulations/zhaijidi-guanli-2012/" in urls
    assert "regulations/zhaijidi-guanli-2015/" not in urls


def test_the_demo_has_no_warning_about_its_documents() -> None:
    result = check(REPO, date(2015, 5, 14))
    assert not [p.format() for p in result.problems if p.code in ("GK351", "GK352", "GK353", "GK354")]


# --- gongkai new -------------------------------------------------------------------------------------


def test_a_new_site_has_a_document_with_its_interpretation(tmp_path: Path) -> None:
    target = tmp_path / "zhen"
    run = subprocess.run(
        [sys.executable, "-m", "gongkai", "new", str(target), "--today", "2026-06-01"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    result = check(target, date(2026, 6, 1))
    assert not [p.format() for p in result.problems], [p.format() for p in result.problems]
    out = tmp_path / "out"
    build(target, date(2026, 6, 1), out=out)
    page = _html(out, "regulations/shili-guifan")
    assert 'validity-valid">有效</span>' in page
    assert '<a href="../../notices/jiedu-shili-guifan/index.html">' in page
    assert '本文是对<a href="../../regulations/shili-guifan/index.html">' in _html(out, "notices/jiedu-shili-guifan")
    std = _html(out, "standard")
    assert "行政规范性文件" in std
