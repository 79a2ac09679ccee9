"""Incremental builds: after any edit, the site an incremental build leaves
must be byte for byte the one a full build makes from scratch, and a local
edit must make only the pages that show it."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import REPO

from gongkai.core.errors import ContentError
from gongkai.run.build import build
from gongkai.run.engine.sealed import site_cache_dir
from gongkai.run.engine.store import BuildCache, Rows
from gongkai.run.write import MARKER

# Every demo record is published by then.
TODAY = date(2016, 12, 31)


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


def _assert_same(out: Path, cold: Path) -> None:
    a, b = _tree(out), _tree(cold)
    assert sorted(a) == sorted(b), (set(a) ^ set(b)).__repr__()[:500]
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, differ[:10]


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _touch_later(path: Path) -> None:
    """Make sure the stat-based no-op check sees the edit even on coarse clocks."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def _rebuild_and_compare(root: Path, tmp_path: Path, today: date = TODAY, cache: BuildCache | None = None, **kw):
    out = root / "build"
    result = build(root, today, out=out, cache=cache, **kw)
    cold = tmp_path / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    # from scratch, rosters held in memory: also checks that rosters read back from disk show the same
    build(root, today, out=cold, cache=BuildCache(None, memory_only=True), **kw)
    _assert_same(out, cold)
    return result


NOTICE = "content/notices/dongtai-kangzai-2015.md"
ROSTER = "content/subsidies/gengdi-2015.yaml"

MUTATIONS: dict[str, Callable[[Path], None]] = {
    "notice body": lambda r: _append(r / NOTICE, "\n补充一句。\n"),
    # on TODAY the 2015 roster's names are off the site (plan/names.py): a cell the site still shows
    "roster cell": lambda r: _edit(
        r / ROSTER, "village: 青石村, group: 一组, name: 王德胜", "village: 东坡村, group: 一组, name: 王德胜"
    ),
    "record title": lambda r: _edit(r / NOTICE, "title: ", "title: 更新："),
    "record date (moves archive month)": lambda r: _set_date(r / NOTICE, "2015-03-02"),
    # the 目录's and the data files' pages are a year each: a year the site had no record of
    "record date to a new year (its 目录 page)": lambda r: _set_date(r / NOTICE, "2013-03-02"),
    # what lists show of a record (model.Summary, keyed by the record's digest) and the 目录's entry
    "record summary line (lists show it)": lambda r: _edit(r / NOTICE, "summary: 7月17日", "summary: 7月16日"),
    "record tags": lambda r: _edit(r / NOTICE, "tags: [抗灾救灾, ", "tags: [救灾, "),
    "record publisher to a 村委会 (leaves the 目录 for the others' list)": lambda r: _edit(
        r / NOTICE, "category: 工作动态\n", "category: 工作动态\npublisher: hekou\n"
    ),
    "new record": lambda r: (r / "content/notices/xin-tongzhi.md").write_text(
        "---\ntitle: 新增的通知\ndate: 2015-05-13\ncategory: 工作动态\n---\n\n新增通知的正文，提到东坡村。\n",
        encoding="utf-8",
    ),
    "deleted record": lambda r: (r / NOTICE).unlink(),
    "site.yaml": lambda r: _edit(r / "content/site.yaml", "name: ", "name: 新"),
    "_defaults.yaml": lambda r: (r / "content/notices/_defaults.yaml").write_text(
        "publisher: renda\n", encoding="utf-8"
    ),
    "budget class name (chart of the other budget)": lambda r: _edit(
        r / "content/budgets/yusuan-2015.yaml", "name: 一般公共服务支出", "name: 一般公共服务"
    ),
    "own template": lambda r: _own_template(r),
    # the 标准目录: its page and data, and the navigation of every page (its section count)
    "standard catalogue item": lambda r: _edit(r / "content/catalogue.yaml", "name: 乡镇财政预算", "name: 镇财政预算"),
    "standard catalogue area applies": lambda r: _edit(
        r / "content/catalogue.yaml",
        "  - area: 征地补偿\n",
        "  - area: 征地补偿\n    applies: false\n    reason: 本镇今年没有征地\n",
    ),
    "standard catalogue removed": lambda r: (r / "content/catalogue.yaml").unlink(),
    # 规范性文件 pages show other records: the one that repealed them, their 解读, and back
    "regulation successor title (the repealed one links it)": lambda r: _edit(
        r / "content/regulations/zhaijidi-guanli-2015.md", "title: ", "title: 修订："
    ),
    "政策解读 title (its document lists it)": lambda r: _edit(
        r / "content/notices/jiedu-zhaijidi-guanli-2012.md", "title: ", "title: 图解："
    ),
    "regulation validity (its 解读 shows the badge)": lambda r: _edit(
        r / "content/regulations/jimao-shichang-guanli-2014.md",
        "validity: valid\n",
        "validity: expired\nvalidity_reason: 经2016年规范性文件清理，宣布失效\n",
    ),
    "new 政策解读 of a document": lambda r: (r / "content/notices/jiedu-jimao-2.md").write_text(
        "---\ntitle: 集贸市场管理办法问答\ndate: 2015-05-13\ncategory: 政策解读\n"
        "interprets: jimao-shichang-guanli-2014\n---\n\n问答。\n",
        encoding="utf-8",
    ),
    "holidays": lambda r: (r / "content/holidays.yaml").write_text(
        "2030:\n  holidays: [2030-01-01]\n  workdays: []\n", encoding="utf-8"
    ),
}


def _valid_id(region: str, birth: str, seq: str) -> str:
    body = region + birth + seq
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _set_date(path: Path, day: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^date: .*$", f"date: {day}", text, count=1), encoding="utf-8")


def _own_template(root: Path, old: str = "<dt>索引号</dt>", new: str = "<dt>索引号（本镇）</dt>") -> None:
    """The site's own copy of one template of the default theme, edited."""
    src = REPO / "themes/default/templates/record/base.html"
    dst = root / "themes/default/templates/record/base.html"
    dst.parent.mkdir(parents=True)
    text = src.read_text(encoding="utf-8")
    assert old in text
    dst.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_incremental_build_equals_full_build(demo: Path, tmp_path: Path, name: str) -> None:
    build(demo, TODAY, out=demo / "build")
    before = _tree(demo / "build")
    MUTATIONS[name](demo)
    for p in (demo / "content").rglob("*"):
        if p.is_file():
            _touch_later(p)
    try:
        result = _rebuild_and_compare(demo, tmp_path)
    except ContentError as exc:  # the mutation must keep the demo valid
        pytest.fail("\n".join(p.format() for p in exc.problems if p.is_error))
    assert not result.unchanged
    if name != "holidays":  # only what it is checked against changes there
        assert _tree(demo / "build") != before


def test_feeds_and_the_sitemap_follow_every_edit_they_show(demo: Path, tmp_path: Path) -> None:
    # the feeds are keyed by the records each lists and the sitemap's (url, date) pairs (feeds.discovery_inputs)
    _edit(demo / "content/site.yaml", 'base_url: ""', 'base_url: "https://qingshi.example.gov.cn/"')
    build(demo, TODAY, out=demo / "build")
    sitemap = (demo / "build/sitemap.xml").read_bytes()
    _set_date(demo / NOTICE, "2015-07-25")
    _rebuild_and_compare(demo, tmp_path)
    assert (demo / "build/sitemap.xml").read_bytes() != sitemap
    feed = (demo / "build/feed.xml").stat().st_ino
    _append(demo / NOTICE, "\n补充一句。\n")  # the body: no feed shows it, feed.xml stays the same file
    _rebuild_and_compare(demo, tmp_path)
    assert (demo / "build/feed.xml").stat().st_ino == feed


def test_a_body_edit_makes_only_the_record_page(demo: Path, tmp_path: Path) -> None:
    first = build(demo, TODAY, out=demo / "build")
    assert len(first.made) == first.pages
    _append(demo / NOTICE, "\n补充一句。\n")
    _touch_later(demo / NOTICE)
    result = _rebuild_and_compare(demo, tmp_path)
    # lists, the catalogue and the archive month show no body: they stay; a notice
    # has no sheet page of its own (its record page prints as the sheet)
    assert set(result.made) == {"notices/dongtai-kangzai-2015/index.html"}
    assert result.catalogue_rows == -1  # the 目录's data files were kept
    assert result.kept > 0.9 * result.files


def test_a_title_edit_also_makes_the_pages_that_list_the_record(demo: Path, tmp_path: Path) -> None:
    build(demo, TODAY, out=demo / "build")
    _edit(demo / NOTICE, "title: ", "title: 更新：")
    _touch_later(demo / NOTICE)
    result = _rebuild_and_compare(demo, tmp_path)
    assert set(result.made) == {
        "notices/dongtai-kangzai-2015/index.html",
        "notices/index.html",
        # not the home page: the 救灾物资 roster (2015-07-24) is newer and took the notice's place in its latest list
        "archive/2015/07/index.html",
        # of the 目录 and the data files, only their year's pages: the first pages count the years, list no title
        "catalogue/2015/index.html",
        "standard/index.html",  # the 标准目录 names each 事项's newest record
        "data/2015/index.html",
    }, result.made
    # the 目录's data files again, the one changed row made, the others the last build's
    assert result.catalogue_rows == 1


def test_a_new_day_rebuilds_what_depends_on_today(demo: Path, tmp_path: Path) -> None:
    build(demo, TODAY, out=demo / "build")
    _rebuild_and_compare(demo, tmp_path, today=TODAY + timedelta(days=40))


def test_cache_folder_is_safe_to_delete_or_corrupt(demo: Path, tmp_path: Path) -> None:
    build(demo, TODAY, out=demo / "build")
    cache = site_cache_dir(demo)
    for p in cache.rglob("*.pickle"):
        p.write_bytes(b"not a pickle")
    path = demo / NOTICE
    path.write_text(path.read_text(encoding="utf-8") + "\n再补充一句。\n", encoding="utf-8")
    _touch_later(path)
    _rebuild_and_compare(demo, tmp_path)
    shutil.rmtree(cache)
    _rebuild_and_compare(demo, tmp_path)


def test_a_hand_edited_or_deleted_output_file_is_made_again(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    (out / "notices/index.html").write_text("tampered", encoding="utf-8")
    (out / "data/catalogue.json").unlink()
    _touch_later(demo / NOTICE)  # so the no-op check does not skip the build
    _rebuild_and_compare(demo, tmp_path)


def test_a_marker_from_before_bindings_gets_a_full_build(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    (out / MARKER).write_text("gongkai\nupdating\n", encoding="utf-8")  # as an older gongkai's cut-off update left it
    (out / "notices/index.html").write_text("half-written", encoding="utf-8")
    _touch_later(demo / NOTICE)
    result = _rebuild_and_compare(demo, tmp_path)
    assert len(result.made) == result.pages and result.kept == 0


def test_a_leak_in_an_incremental_build_changes_nothing(demo: Path, tmp_path: Path) -> None:
    out = demo / "build"
    build(demo, TODAY, out=out)
    before = _tree(out)
    _own_template(demo, "<dt>索引号</dt>", f"<dt>索引号</dt>{_valid_id('320826', '19650412', '123')}")
    with pytest.raises(ContentError) as exc:
        build(demo, TODAY, out=out)
    assert any(p.code == "GK404" for p in exc.value.problems)
    assert _tree(out) == before


def test_validated_records_come_from_the_cache(demo: Path) -> None:
    cache = BuildCache(demo)
    build(demo, TODAY, out=demo / "build", cache=cache)
    assert cache.records.misses > 20 and cache.records.hits == 0
    again = BuildCache(demo)  # a new command: read back from disk
    path = demo / NOTICE
    path.write_text(path.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    _touch_later(path)
    build(demo, TODAY, out=demo / "build", cache=again)
    assert again.records.misses == 1 and again.records.hits > 20


def test_rosters_wait_on_disk_until_used_and_a_lost_roster_file_is_a_miss(demo: Path, tmp_path: Path) -> None:
    cache = BuildCache(demo)
    build(demo, TODAY, out=demo / "build", cache=cache)
    lazy = [
        v.record.data["recipients"]
        for v in cache.records.memory.values()
        if v.record is not None and v.record.type == "subsidy"
    ]
    assert lazy and all(isinstance(r, Rows) and Path(r.path).is_file() for r in lazy)
    for r in lazy:
        Path(r.path).unlink()
    _touch_later(demo / ROSTER)
    again = BuildCache(demo)
    _rebuild_and_compare(demo, tmp_path, cache=again)
    assert again.records.misses == len(lazy)


def test_the_preview_servers_cache_through_a_series_of_edits(demo: Path, tmp_path: Path) -> None:
    """The server keeps one cache (records, compiled templates, manifest in
    memory; the search index's state on disk, as a command's) for its whole
    run: after every edit its output is the full build's."""
    from gongkai.emit.render import MemoryBytecodeCache

    cache = BuildCache(demo, manifests_on_disk=False)
    cache.templates = MemoryBytecodeCache()
    cache.file_digests = {}
    out = tmp_path / "preview"
    build(demo, TODAY, out=out, cache=cache)
    spliced = 0
    for name in sorted(MUTATIONS, key=lambda n: (n == "deleted record", n)):  # the others edit that notice
        MUTATIONS[name](demo)
        spliced += build(demo, TODAY, out=out, cache=cache).search.startswith("spliced")
        cold = tmp_path / "cold"
        shutil.rmtree(cold, ignore_errors=True)
        build(demo, TODAY, out=cold, cache=BuildCache(None, memory_only=True))
        _assert_same(out, cold)
    assert spliced > 0  # some edits were spliced into the search index, not merged afresh
    assert cache.file_digests  # files older than two seconds were not read again


def test_a_disk_error_is_reported_leaves_the_site_and_the_next_build_works(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from gongkai.core.errors import OutputError
    from gongkai.run import write

    out = demo / "build"
    build(demo, TODAY, out=out)
    before = _tree(out)
    real = write.Output._put
    calls = {"n": 0}

    def full_disk(self: write.Output, rel: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # one page, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device", rel)
        real(self, rel, data)

    monkeypatch.setattr(write.Output, "_put", full_disk)
    _edit(demo / NOTICE, "title: ", "title: 更新：")
    _touch_later(demo / NOTICE)
    with pytest.raises(OutputError, match="No space left on device"):
        build(demo, TODAY, out=out)
    assert _tree(out) == before  # the previous site, untouched
    # no temporary tree left (the tree of links made beside the build is left as the spare: ahead.py)
    assert not [p.name for p in demo.iterdir() if p.name.startswith(".build.") and p.name != ".build.spare"]
    monkeypatch.setattr(write.Output, "_put", real)
    _rebuild_and_compare(demo, tmp_path)  # the next build needs no hand cleaning


def test_a_template_edit_renders_again_only_the_pages_made_from_it(demo: Path, tmp_path: Path) -> None:
    own = demo / "themes/default/templates/list.html"
    own.parent.mkdir(parents=True)
    source = (REPO / "themes/default/templates/list.html").read_text(encoding="utf-8")
    own.write_text(source, encoding="utf-8")  # the site's own copy, unchanged
    first = build(demo, TODAY, out=demo / "build")
    own.write_text(source.replace("{% block content %}", "{% block content %}<p>本镇说明</p>", 1), encoding="utf-8")
    assert own.read_text(encoding="utf-8") != source
    _touch_later(own)
    result = _rebuild_and_compare(demo, tmp_path)
    # exactly the list pages: every page made shows the new line, and no page kept does
    assert result.made and len(result.made) < first.pages / 4
    for page in (demo / "build").rglob("index.html"):
        rel = page.relative_to(demo / "build").as_posix()
        assert ("本镇说明" in page.read_text(encoding="utf-8")) == (rel in result.made), rel


@pytest.mark.parametrize("edit", ["name", "amount"])
def test_an_edit_of_a_roster_spreadsheet_alone_is_published(demo: Path, tmp_path: Path, edit: str) -> None:
    """The record file names its roster (``recipients: 名单.csv``) and stays
    as it was; only the spreadsheet changes.  The record's pages, data,
    sheet and search entry must change with it (they once kept the old
    names: the record was known by its own file's digest only)."""
    folder = demo / "content/subsidies/csv-2015"
    folder.mkdir()
    (folder / "名单.csv").write_text(
        "村,组,姓名,身份证号,面积,金额\n青石村,一组,张三,320823********1234,5.20,546.00\n"
        "青石村,一组,李四,320823********5678,2.00,210.00\n",
        encoding="utf-8",
    )
    (folder / "csv-2015.yaml").write_text(
        "title: 青石村2016年耕地地力保护补贴发放公示（表格名单）\npublisher: town\ndate: 2016-12-26\n"
        "kind: farm_subsidy\nprogram: 耕地地力保护补贴\nbasis: 安财农〔2015〕12号\nrate: 105.00\n"
        "rate_unit: 元/亩\nquantity_unit: 亩\nnotice: {start: 2016-12-26, end: 2017-01-02}\nrecipients: 名单.csv\n"  # on notice
        "totals: {households: 2, quantity: 7.20, amount: 756.00}\n",
        encoding="utf-8",
    )
    build(demo, TODAY, out=demo / "build")
    if edit == "name":
        _edit(folder / "名单.csv", "张三", "张三丰")
    else:  # the totals stay right: 5.20 + 2.00 → 4.90 + 2.30 mu, the same money
        _edit(folder / "名单.csv", "5.20,546.00", "4.90,514.50")
        _edit(folder / "名单.csv", "2.00,210.00", "2.30,241.50")
    _touch_later(folder / "名单.csv")
    result = _rebuild_and_compare(demo, tmp_path)
    assert not result.unchanged
    page = (demo / "build/subsidies/csv-2015/index.html").read_text(encoding="utf-8")
    assert ("张三丰" if edit == "name" else "241.50") in page


@pytest.mark.parametrize(
    ("name", "how"),
    [
        ("notice body", "spliced 1"),
        ("roster cell", "spliced 1"),
        ("record title", "spliced 1"),
        ("deleted record", "merged"),  # every later document moves up one number
        ("new record", "merged"),  # dated before others: the later documents move down one number
        ("site.yaml", "spliced 41"),  # every record is known afresh (its key covers site.yaml): all 41 spliced
    ],
)
def test_a_command_line_edit_splices_the_search_index(demo: Path, tmp_path: Path, name: str, how: str) -> None:
    """The search index's state is kept between command-line builds: an edit
    of a record remakes that document's files and the posting shards it
    touches, and the result is the full merge's, byte for byte."""
    first = build(demo, TODAY, out=demo / "build")
    assert first.search == "merged"
    MUTATIONS[name](demo)
    for p in (demo / "content").rglob("*"):
        if p.is_file():
            _touch_later(p)
    assert _rebuild_and_compare(demo, tmp_path).search == how


def test_a_preview_server_leaves_the_sites_own_splice_alone(demo: Path, tmp_path: Path) -> None:
    """The server keeps its index's state and parts apart from the command's
    (per output): its full merge and its edits do not drop the parts the
    site's build/ splices from, and what it kept goes when it stops (or,
    when it was killed, with a later build's sweep, a day on)."""
    from gongkai.commands.serve import DevServer
    from gongkai.run.engine.search import SearchKeeper

    build(demo, TODAY, out=demo / "build")
    server = DevServer(demo, port=0, today=TODAY, log=lambda line: None)
    try:
        for edit in ("notice body", None):
            server.rebuild()
            assert server.state.ok, server.state.problems[:3]
            if edit is not None:
                MUTATIONS[edit](demo)
                _touch_later(demo / NOTICE)
        keeper = SearchKeeper(server.cache.folder, server.out, transient=True)
        assert keeper.parts_root is not None and keeper.state_path is not None
        assert keeper.state_path.is_file() and any(keeper.parts_root.iterdir())
        state, parts = keeper.state_path.read_bytes(), sorted(keeper.parts_root.iterdir())
        left = {p.name: p.read_bytes() for p in parts}
    finally:
        server.stop()
    assert not keeper.parts_root.exists() and not keeper.state_path.exists()
    assert _rebuild_and_compare(demo, tmp_path).search == "spliced 1"
    # what a killed server leaves: its state and parts, kept while it may still be running (a day)
    keeper.parts_root.mkdir()
    for name, blob in left.items():
        (keeper.parts_root / name).write_bytes(blob)
    keeper.state_path.write_bytes(state)
    MUTATIONS["roster cell"](demo)
    _touch_later(demo / ROSTER)
    assert _rebuild_and_compare(demo, tmp_path).search == "spliced 1"
    assert keeper.state_path.exists() and keeper.parts_root.exists()
    day_ago = time.time() - 86400 - 60
    for p in (keeper.state_path, keeper.parts_root):
        os.utime(p, (day_ago, day_ago))
    _edit(demo / NOTICE, "。", "；")
    _touch_later(demo / NOTICE)
    assert _rebuild_and_compare(demo, tmp_path).search == "spliced 1"
    assert not keeper.state_path.exists() and not keeper.parts_root.exists()
    own = SearchKeeper(site_cache_dir(demo), (demo / "build").resolve())
    assert own.state_path is not None and own.state_path.is_file()  # the site's own, used a minute ago


def test_a_search_state_that_does_not_describe_the_output_is_not_used(demo: Path, tmp_path: Path) -> None:
    """Builds into two folders keep a state each; a posting shard edited by
    hand in the output makes the next build merge afresh (and put it right)."""
    other = tmp_path / "other"
    build(demo, TODAY, out=demo / "build")
    build(demo, TODAY, out=other)
    MUTATIONS["notice body"](demo)
    _touch_later(demo / NOTICE)
    assert build(demo, TODAY, out=other).search == "spliced 1"
    shard = sorted((demo / "build/search/index/p").iterdir())[0]
    shard.write_text("{}", encoding="utf-8")
    assert _rebuild_and_compare(demo, tmp_path).search == "merged"


def test_the_catalogues_rows_are_the_last_builds_only_when_sealed_and_made_by_this_code(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """data/catalogue.json and .csv are joined from rows, each made from one
    entry; an edit takes the last build's rows (a sealed file, bound to the
    code that wrote it).  Rows of other code, or a file not sealed by this
    machine, are not used: every row is made again, and the files are a cold build's."""
    from gongkai.run.engine import keep, sealed

    cache = BuildCache(demo)
    first = build(demo, TODAY, out=demo / "build", cache=cache)
    entries = len(json.loads((demo / "build/data/catalogue.json").read_text(encoding="utf-8"))["records"])
    assert first.catalogue_rows == entries > 30
    (path,) = (cache.folder / "plan").glob("rows-*")
    # another code's rows: not used
    monkeypatch.setattr(keep, "ROWS_FORMAT", "catalogue rows 0\0")
    _edit(demo / NOTICE, "title: ", "title: 一改：")
    _touch_later(demo / NOTICE)
    assert _rebuild_and_compare(demo, tmp_path, cache=BuildCache(demo)).catalogue_rows == entries
    monkeypatch.undo()  # and back: the rows that build left are the other code's
    _edit(demo / NOTICE, "title: 一改：", "title: 二改：")
    _touch_later(demo / NOTICE)
    assert _rebuild_and_compare(demo, tmp_path, cache=BuildCache(demo)).catalogue_rows == entries
    _edit(demo / NOTICE, "title: 二改：", "title: 二次改：")
    _touch_later(demo / NOTICE)
    assert _rebuild_and_compare(demo, tmp_path, cache=BuildCache(demo)).catalogue_rows == 1
    # a rows file that does not verify (here: a row changed after it was sealed): absent
    blob = bytearray(path.read_bytes())
    at = blob.find("二次改".encode())
    assert at > 0 and sealed.load(path) is not None
    blob[at : at + 9] = "三次改".encode()
    path.write_bytes(bytes(blob))
    assert sealed.load(path) is None
    _edit(demo / NOTICE, "title: 二次改：", "title: 四改：")
    _touch_later(demo / NOTICE)
    assert _rebuild_and_compare(demo, tmp_path, cache=BuildCache(demo)).catalogue_rows == entries
