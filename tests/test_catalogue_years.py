"""The 政府信息公开目录 and the records' data files, a page a year.

The first page of each counts the years and links them; each year's page
lists that year's entries.  Every entry of data/catalogue.json is on the
page of its year, once, and on no other; the counts on the first page are
the JSON's; a record moved to another year, or the last of its year
removed, gives the tree a cold build gives."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import REPO

from gongkai import build
from gongkai.run.engine.store import BuildCache
from gongkai.run.write import MARKER

LATER = date(2016, 12, 31)  # every demo record published

NOTE = "---\ntitle: {title}\npublisher: town\ndate: {day}\ncategory: 工作动态\n---\n\n{title}的正文。\n"


def _hrefs(out: Path, rel: str) -> list[str]:
    """The links of the page ``rel`` (its folder's index.html), resolved to paths in ``out``."""
    html = (out / rel / "index.html").read_text(encoding="utf-8")
    base = "http://x/" + rel
    return [urljoin(base, h)[len("http://x/") :] for h in re.findall(r'href="([^"#]+)"', html)]


def _year_pages(out: Path, folder: str) -> dict[int, str]:
    return {int(p.name): (p / "index.html").read_text(encoding="utf-8") for p in (out / folder).glob("[0-9]*")}


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("years") / "out"
    build(REPO, LATER, out=out)
    return out


def test_every_entry_is_on_the_page_of_its_year_once(demo: Path) -> None:
    cat = json.loads((demo / "data" / "catalogue.json").read_text(encoding="utf-8"))
    entries = cat["records"]
    pages = _year_pages(demo, "catalogue")
    years = Counter(int(e["date"][:4]) for e in entries)
    assert set(pages) == set(years) and len(years) >= 3, (sorted(pages), years)
    for e in entries:
        year = int(e["date"][:4])
        for y, html in pages.items():
            assert html.count(f">{e['index_no']}<") == (1 if y == year else 0), (e["index_no"], y)
        if e["path"]:
            assert e["path"] + "index.html" in _hrefs(demo, f"catalogue/{year}/"), e["path"]
    # each year's page says how many it lists, and links every other year
    for y, html in pages.items():
        assert f"{y} 年政府信息公开目录（共 {years[y]} 条）" in html
        links = _hrefs(demo, f"catalogue/{y}/")
        assert {f"catalogue/{o}/index.html" for o in years if o != y} <= set(links)
        assert html.count('<span aria-current="page">') == 2  # the year links above and below the table
    # the first page: the years newest first, each counted as the JSON counts it, the total
    first = (demo / "catalogue" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<a href="[^"]*?(\d{4})/index.html">\1 年</a>：<span class="num">(\d+)</span> 条', first)
    assert [(int(y), int(n)) for y, n in rows] == sorted(years.items(), reverse=True)
    assert f"各年度目录（共 {cat['count']} 条）" in first
    withheld = sum(1 for e in entries if e["disclosure"] == "withheld" and e["date"].startswith("2015"))
    assert withheld and f"不予公开 {withheld} 条" in first
    # no row of the 目录 on its first page: at 10,000 records it was a 4 MB page for a phone
    assert 'class="catalogue"' not in first


def test_every_data_file_is_linked_from_the_page_of_its_year(demo: Path) -> None:
    pages = _year_pages(demo, "data")
    first = _hrefs(demo, "data/")
    assert {f"data/{y}/index.html" for y in pages} <= set(first)
    linked: Counter[str] = Counter()
    for y in pages:
        for h in _hrefs(demo, f"data/{y}/"):
            if h.startswith("data/") and h.endswith((".json", ".csv")):
                linked[h] += 1
    # every public record's data file, on the page of its year (the site-wide tables: on the first page)
    cat = json.loads((demo / "data" / "catalogue.json").read_text(encoding="utf-8"))["records"]
    public = {f"data/{e['id']}.json": int(e["date"][:4]) for e in cat if e["path"]}
    assert len(public) > 20 and set(public) <= set(linked), sorted(set(public) - set(linked))[:5]
    for rel, year in public.items():
        assert rel in _hrefs(demo, f"data/{year}/"), rel
    assert max(linked.values()) == 1


def test_a_record_moved_to_a_new_year_and_the_last_of_a_year_removed(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The engine's pages of a year come and go with their records: each
    rebuild after an edit equals a cold build of the same content."""
    root = make_site(
        {
            "notices/a.md": NOTE.format(title="甲通知", day="2015-03-02"),
            "notices/b.md": NOTE.format(title="乙通知", day="2014-05-06"),
        }
    )
    today = date(2015, 6, 1)
    out = root / "build"

    def rebuilt_equals_cold(step: str) -> dict[str, bytes]:
        build(root, today, out=out)
        cold = tmp_path / f"cold-{step}"
        build(root, today, out=cold, cache=BuildCache(None, memory_only=True))  # from scratch
        assert _tree(out) == _tree(cold), step
        return _tree(out)

    first = rebuilt_equals_cold("first")
    assert "catalogue/2014/index.html" in first and "catalogue/2013/index.html" not in first
    (root / "content/notices/b.md").write_text(NOTE.format(title="乙通知", day="2013-05-06"), encoding="utf-8")
    moved = rebuilt_equals_cold("moved")
    assert "catalogue/2013/index.html" in moved and "catalogue/2014/index.html" not in moved
    assert "乙通知".encode() in moved["catalogue/2013/index.html"]
    assert '/2013/index.html">2013 年</a>'.encode() in moved["catalogue/2015/index.html"]  # the years, linked
    (root / "content/notices/b.md").unlink()
    gone = rebuilt_equals_cold("gone")
    assert not any(rel.startswith(("catalogue/2013/", "data/2013/")) for rel in gone)
    assert b"2013" not in gone["catalogue/index.html"]
