"""A county portal of three townships (tests/county_fixture.py), one broken:
fresh sites for two, the last good site kept and flagged for the third;
combined catalogue, feed and status; every link resolves; the merge job run
on artefacts of separately built townships gives the same bytes; the
county-wide check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from county_fixture import DAY1, DAY2, TOWNS, add_to_hexi, break_dongfeng, make_county
from linkcheck import broken_links

from gongkai.commands.county.config import RESERVED
from gongkai.commands.county.township import STANDARD_FILE, _describe
from gongkai.run.write import MARKER


def gk(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gongkai", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Day 1: all three build.  Day 2: 东风镇 is broken, 河西镇's repository
    has a new record.  Snapshots of both days' artefacts for the job test."""
    root = tmp_path_factory.mktemp("county")
    folder = make_county(root)
    day1 = gk("build", str(folder), "--today", DAY1.isoformat())
    assert day1.returncode == 0, day1.stderr
    snap1 = root / "day1"
    for slug, _name, _code, _person in TOWNS:
        shutil.copytree(folder / "build" / slug, snap1 / "build" / slug)
    shutil.copytree(folder / "township-index", snap1 / "township-index")
    break_dongfeng(folder)
    add_to_hexi(root)
    day2 = gk("build", str(folder), "--today", DAY2.isoformat())
    return {"root": root, "folder": folder, "out": folder / "build", "day1": day1, "day2": day2, "snap1": snap1}


def test_two_fresh_sites_and_the_broken_one_kept_and_flagged(county: dict) -> None:
    out, r = county["out"], county["day2"]
    assert r.returncode == 1  # a township failed: CI must see it
    assert "东风镇：生成失败" in r.stderr and "content/notices/broken.md:2 GK102" in r.stderr
    assert "Traceback" not in r.stderr
    status = {t["slug"]: t for t in json.loads((out / "status.json").read_text(encoding="utf-8"))["townships"]}
    assert status["qingshi"]["state"] == status["hexi"]["state"] == "ok"
    assert status["qingshi"]["built"] == status["hexi"]["built"] == DAY2.isoformat()
    assert status["dongfeng"] == {**status["dongfeng"], "state": "stale", "built": DAY1.isoformat(), "errors": 1}
    # 河西镇's new commit was pulled; 东风镇 is exactly its day-1 site
    assert (out / "hexi" / "notices" / "new" / "index.html").is_file()
    assert not (out / "dongfeng" / "notices" / "broken").exists()
    day1 = county["snap1"] / "build" / "dongfeng"
    for f in sorted(p for p in day1.rglob("*") if p.is_file() and p.name != MARKER):
        assert (out / "dongfeng" / f.relative_to(day1)).read_bytes() == f.read_bytes(), f
    home = (out / "index.html").read_text(encoding="utf-8")
    row = home[home.index('id="town-dongfeng"') :].split("</tr>")[0]
    assert "gk-town-stale" in row and "未更新：内容有 1 处错误" in row and "broken.md:2 GK102" in row
    assert "2016年1月1日 生成的版本" in home
    assert 'href="dongfeng/index.html"' in home and 'href="hexi/index.html"' in home


def test_each_township_is_exactly_its_own_site(county: dict, tmp_path: Path) -> None:
    """build/<slug>/ is byte for byte what gongkai build makes of that township alone."""
    alone = tmp_path / "qingshi"
    shutil.copytree(county["folder"] / "towns" / "qingshi", alone, ignore=shutil.ignore_patterns(".gongkai-cache"))
    r = gk("build", str(alone), "--out", str(tmp_path / "out"), "--today", DAY2.isoformat())
    assert r.returncode == 0, r.stderr
    mine = {p.relative_to(tmp_path / "out"): p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    got = county["out"] / "qingshi"
    theirs = {p.relative_to(got): p.read_bytes() for p in got.rglob("*") if p.is_file()}
    mine.pop(Path(MARKER)), theirs.pop(Path(MARKER))
    assert mine == theirs


def test_every_link_resolves(county: dict) -> None:
    assert broken_links(county["out"]) == []


def test_combined_catalogue_and_feed(county: dict) -> None:
    out = county["out"]
    rows = (out / "catalogue" / "catalogue.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("乡镇,索引号,名称")
    towns = {line.split(",")[0] for line in rows[1:]}
    assert towns == {name for _, name, _, _ in TOWNS}
    cat = json.loads((out / "catalogue" / "catalogue.json").read_text(encoding="utf-8"))
    assert cat["count"] == len(rows) - 1 == 2 + 3 + 2
    for r in cat["records"]:
        assert (out / r["path"] / "index.html").is_file(), r["path"]
    page = (out / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert page.count("未发布") == 3  # no township publishes a 标准目录 yet
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    titles = [e.title for e in feed.entries]
    assert titles[0] == "【河西镇】河西镇一月工作动态"  # newest first, across townships
    for _slug, name, _code, _person in TOWNS:
        assert f"【{name}】{name}2015年度先进个人推荐人选公示" in titles
    for e in feed.entries:
        assert (out / e.link / "index.html").is_file(), e.link


def test_standard_catalogue_is_taken_from_the_township_build(county: dict, tmp_path: Path) -> None:
    """A township build that publishes a 标准目录 (data/standard-catalogue.json
    with a summary, and its page) gets a status column entry from its artefact."""
    merged = tmp_path / "m"
    shutil.copytree(county["folder"] / "build", merged / "build")
    shutil.copytree(county["folder"] / "township-index", merged / "township-index")
    shutil.copy(county["folder"] / "county.yaml", merged)
    site = merged / "build" / "qingshi"
    (site / STANDARD_FILE).write_text(json.dumps({"summary": {"应公开事项": 12, "已公开": 10}}), encoding="utf-8")
    (site / "standard").mkdir()
    (site / "standard" / "index.html").write_text("<!DOCTYPE html><title>标准目录</title>", encoding="utf-8")
    index_file = merged / "township-index" / "qingshi.json"
    index = json.loads(index_file.read_text(encoding="utf-8"))
    index["site"] = _describe(site, DAY2)
    assert index["site"]["standard"] == {"summary": {"应公开事项": 12, "已公开": 10}, "page": "standard/index.html"}
    index_file.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    r = gk("county", "merge", str(merged), "--today", DAY2.isoformat())
    assert r.returncode == 0, r.stderr
    page = (merged / "build" / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../qingshi/standard/index.html">已发布</a>' in page and "已公开 10" in page
    assert page.count("未发布") == 2
    assert broken_links(merged / "build") == []


def test_merge_of_separately_built_townships_is_byte_identical(county: dict, tmp_path: Path) -> None:
    """The CI path: one process and one folder per township (only its own
    content, and for the broken one its last good artefacts restored as a CI
    cache would), then a merge folder holding nothing but county.yaml and the
    jobs' artefacts."""
    folder = county["folder"]
    merged = tmp_path / "merge"
    (merged / "build").mkdir(parents=True)
    shutil.copy(folder / "county.yaml", merged)
    for slug, _name, _code, _person in TOWNS:
        job = tmp_path / f"job-{slug}"
        job.mkdir()
        shutil.copy(folder / "county.yaml", job)
        if (folder / "towns" / slug).is_dir():
            shutil.copytree(folder / "towns" / slug, job / "towns" / slug, ignore=shutil.ignore_patterns(".gongkai-*"))
        if slug == "dongfeng":  # the CI cache of the last good build
            shutil.copytree(county["snap1"] / "build" / slug, job / "build" / slug)
            shutil.copytree(county["snap1"] / "township-index", job / "township-index")
        r = gk("county", "township", slug, str(job), "--today", DAY2.isoformat())
        assert r.returncode == (1 if slug == "dongfeng" else 0), r.stderr
        shutil.copytree(job / "build" / slug, merged / "build" / slug)
        (merged / "township-index").mkdir(exist_ok=True)
        shutil.copy(job / "township-index" / f"{slug}.json", merged / "township-index")
    r = gk("county", "merge", str(merged), "--today", DAY2.isoformat())
    assert r.returncode == 0, r.stderr
    assert "2/3 个乡镇为最新" in r.stdout

    def tree(out: Path) -> dict[str, bytes]:
        return {
            p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != MARKER
        }

    one, jobs = tree(county["out"]), tree(merged / "build")
    assert sorted(one) == sorted(jobs)
    county_pages = [k for k in one if k.split("/")[0] in RESERVED]
    assert "index.html" in county_pages and "search/county.json" in county_pages
    assert [k for k in one if one[k] != jobs[k]] == []


def test_county_check_prefixes_each_problem_with_its_township(county: dict) -> None:
    r = gk("check", str(county["folder"]), "--today", DAY2.isoformat())
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert "[东风镇] content/notices/broken.md:2: 错误 GK102 缺少必填项“title”（标题）" in lines
    head = next(i for i, line in enumerate(lines) if line.startswith("乡镇"))
    assert lines[head].split() == ["乡镇", "记录", "警告", "错误", "最近生成", "逾期公开"]
    table = [line.split() for line in lines[head + 2 : head + 5]]
    assert table == [
        ["青石镇（qingshi）", "2", "0", "0", "2016-02-01", "0"],
        ["河西镇（hexi）", "3", "0", "0", "2016-02-01", "0"],
        ["东风镇（dongfeng）", "2", "0", "1", "2016-01-01", "0"],
    ]
    assert "1 个乡镇有错误：东风镇。" in r.stdout
    j = gk("check", str(county["folder"]), "--today", DAY2.isoformat(), "--format", "json")
    assert j.returncode == 1
    doc = json.loads(j.stdout)
    assert [t["township"] for t in doc["townships"]] == ["qingshi", "hexi", "dongfeng"]
    assert doc["townships"][2] == {
        "township": "dongfeng",
        "name": "东风镇",
        "records": 2,
        "warnings": 0,
        "errors": 1,
        "last_build": "2016-01-01",
        "overdue": 0,
    }
    assert [(p["township"], p["code"], p["file"]) for p in doc["problems"]] == [
        ("dongfeng", "GK102", "content/notices/broken.md")
    ]


def test_late_disclosure_counts_as_overdue(tmp_path: Path) -> None:
    folder = make_county(tmp_path)
    late = folder / "towns" / "qingshi" / "content" / "notices" / "late.md"
    late.write_text(
        "---\ntitle: 迟到的公示\npublisher: town\ndate: 2015-12-30\nformed: 2015-10-08\ncategory: 工作动态\n---\n正文。\n",
        encoding="utf-8",
    )
    r = gk("check", str(folder), "--today", DAY1.isoformat(), "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = {t["township"]: t for t in json.loads(r.stdout)["townships"]}
    assert rows["qingshi"]["overdue"] == 1 and rows["qingshi"]["warnings"] >= 1
    assert rows["hexi"]["overdue"] == 0 and rows["qingshi"]["last_build"] == ""


@pytest.mark.parametrize(
    ("townships", "expected"),
    [
        ("  - {slug: a, name: 甲镇, path: a}\n  - {slug: a, name: 乙镇, path: b}\n", "乡镇的 slug 重复"),
        ("  - {slug: search, name: 甲镇, path: a}\n", "乡镇的 slug 无效"),
        ("  - {slug: a, name: 甲镇}\n", "每个乡镇要写 path（子目录）或 git（仓库地址）中的一个"),
        ("  - {slug: a, name: 甲镇, path: ../a}\n", "path 应是 county.yaml 所在目录下的子目录"),
        ("  - {slug: a, name: 甲镇, path: a, branch: x}\n", "未知的键 branch"),
    ],
)
def test_bad_county_yaml_is_a_clear_error(tmp_path: Path, townships: str, expected: str) -> None:
    (tmp_path / "county.yaml").write_text("name: 测试县\ntownships:\n" + townships, encoding="utf-8")
    r = gk("build", str(tmp_path), "--today", DAY1.isoformat())
    assert r.returncode == 1
    assert "GK901" in r.stderr and expected in r.stderr and "Traceback" not in r.stderr


def test_unreachable_repository_is_reported_and_does_not_stop_the_others(tmp_path: Path) -> None:
    folder = make_county(tmp_path)
    text = (folder / "county.yaml").read_text(encoding="utf-8")
    (folder / "county.yaml").write_text(text.replace("repos/hexi", "repos/nowhere"), encoding="utf-8")
    r = gk("build", str(folder), "--today", DAY1.isoformat())
    assert r.returncode == 1
    assert "河西镇：生成失败——河西镇的内容无法获取" in r.stderr
    status = {t["slug"]: t["state"] for t in json.loads((folder / "build" / "status.json").read_text())["townships"]}
    assert status == {"qingshi": "ok", "hexi": "missing", "dongfeng": "ok"}
    assert broken_links(folder / "build") == []


def test_ci_files_run_the_county_commands() -> None:
    """The CI files in docs/ are valid YAML, use the job matrix of their
    system and call commands that exist."""
    import yaml
    from conftest import REPO

    gitlab = yaml.safe_load((REPO / "docs" / "county" / "gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gitlab["township"]["parallel"]["matrix"][0]["TOWNSHIP"]
    assert gitlab["county"]["needs"] == ["township"]
    github = yaml.safe_load((REPO / "docs" / "county" / "github-actions.yml").read_text(encoding="utf-8"))
    assert "fromJSON(needs.plan.outputs.townships)" in github["jobs"]["township"]["strategy"]["matrix"]["township"]
    assert github["jobs"]["township"]["strategy"]["fail-fast"] is False
    text = "\n".join(
        (REPO / "docs" / "county" / f).read_text(encoding="utf-8") for f in ("gitlab-ci.yml", "github-actions.yml")
    )
    for sub in ("township", "merge", "list"):
        assert f"gongkai county {sub} " in text
        assert gk("county", sub, "--help").returncode == 0


def test_county_pages_are_valid_html(county: dict) -> None:
    from test_html_valid import vnu

    pages = [county["out"] / p for p in ("index.html", "catalogue/index.html", "search/index.html")]
    found = [f"{m['url'].rsplit('/', 2)[-2:]}:{m.get('lastLine', '')}: {m['type']} {m['message']}" for m in vnu(pages)]
    assert found == []


def test_merge_with_a_missing_or_cut_short_artefact(county: dict, tmp_path: Path) -> None:
    """A CI job whose site artefact did not arrive (or arrived without its
    search index): that township is listed as having no site, the others merge."""
    merged = tmp_path / "m"
    shutil.copytree(county["folder"] / "build", merged / "build")
    shutil.copytree(county["folder"] / "township-index", merged / "township-index")
    shutil.copy(county["folder"] / "county.yaml", merged)
    shutil.rmtree(merged / "build" / "hexi" / "search")
    (merged / "township-index" / "qingshi.json").unlink()
    r = gk("county", "merge", str(merged), "--today", DAY2.isoformat())
    assert r.returncode == 0, r.stderr
    status = json.loads((merged / "build" / "status.json").read_text(encoding="utf-8"))
    assert status["base_path"] == "/xxgk/"
    assert {t["slug"]: t["state"] for t in status["townships"]} == {
        "qingshi": "missing",
        "hexi": "missing",
        "dongfeng": "stale",
    }
    home = (merged / "build" / "index.html").read_text(encoding="utf-8")
    assert "网站文件不完整（build/hexi/ 缺少生成结果）" in home
    assert "没有这个乡镇的生成结果" in home
    county_json = json.loads((merged / "build" / "search" / "county.json").read_text(encoding="utf-8"))
    assert [t[0] for t in county_json["townships"]] == ["dongfeng"]


def test_per_type_feeds_combine_the_townships_feeds(county: dict) -> None:
    out = county["out"]
    feed = feedparser.parse((out / "feeds" / "notices.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "测试县政务公开：通知公告"
    assert len(feed.entries) == 7
    for e in feed.entries:
        assert (out / "feeds" / e.link / "index.html").resolve().is_file(), e.link
    assert sorted(p.name for p in (out / "feeds").iterdir()) == sorted(
        p.parent.name + ".xml" for p in (out / "qingshi").glob("*/feed.xml")
    )
    page = (out / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../feeds/notices.xml">通知公告</a>' in page


def test_trigram_filter_holds_its_members_and_few_others() -> None:
    """Every trigram put in is found, through the county shards as the
    client reads them; strangers pass about 1 % of the time."""
    import random

    from gongkai.commands.county.trigrams import PROBES, bloom_shards, build_bloom, has_trigram, mix

    rng = random.Random(5)

    def tri() -> str:
        return "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(3))

    members = [{tri() for _ in range(n)} for n in (40, 5000, 900)]
    blooms = [build_bloom(m) for m in members]
    assert all(has_trigram(b, t) for b, m in zip(blooms, members, strict=True) for t in m)
    strangers = [tri() for _ in range(5000)]
    rate = sum(has_trigram(blooms[1], t) for t in strangers if t not in members[1]) / len(strangers)
    assert rate < 0.03
    shards, files = bloom_shards([blooms[0], None, blooms[1], blooms[2]])
    assert shards > 1 and len(files) == shards

    def client_has(ti: int, t: str) -> bool:  # county-search.js: trigramPass
        h = mix(t, 0)
        buf = files[h % shards]
        offset = sum(b["slices"] // shards * b["slice_bytes"] for b in [blooms[0], blooms[1], blooms[2]][:ti])
        b = [blooms[0], blooms[1], blooms[2]][ti]
        at = offset + (h % b["slices"]) // shards * b["slice_bytes"]
        h2, h3, bits = mix(t, 1), mix(t, 2) | 1, b["slice_bytes"] * 8
        return all(buf[at + ((h2 + i * h3) % bits >> 3)] >> ((h2 + i * h3) % bits & 7) & 1 for i in range(PROBES))

    for ti, m in enumerate(members):
        assert all(client_has(ti, t) for t in m)
        assert [client_has(ti, t) for t in strangers[:300]] == [has_trigram(blooms[ti], t) for t in strangers[:300]]


def test_an_output_error_is_a_failed_township_not_a_stopped_county(tmp_path: Path) -> None:
    folder = make_county(tmp_path)
    (folder / "build").mkdir()
    (folder / "build" / "qingshi").write_text("不是目录", encoding="utf-8")
    r = gk("build", str(folder), "--today", DAY1.isoformat())
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "青石镇：生成失败——输出位置 ./build/qingshi 是一个文件，不是目录" in r.stderr
    index = json.loads((folder / "township-index" / "qingshi.json").read_text(encoding="utf-8"))
    assert index["status"] == "failed" and index["errors"] == 1 and index["site"] is None
    status = {t["slug"]: t["state"] for t in json.loads((folder / "build" / "status.json").read_text())["townships"]}
    assert status == {"qingshi": "missing", "hexi": "ok", "dongfeng": "ok"}


def _report_workers(county: object, slug: str, today: object, workers: int | None) -> tuple[str, int | None]:
    return slug, workers


def test_townships_side_by_side_share_the_cores(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Four townships on 4 cores, 2 at a time: each build may use 2 processes,
    not 4 (2 × 4 would oversubscribe the machine); one at a time: all cores."""
    from gongkai.commands.county import run as county_run
    from gongkai.commands.county.config import load_county

    root = make_county(tmp_path)
    county = load_county(root)
    monkeypatch.setattr(county_run.os, "cpu_count", lambda: 4)
    got = county_run._parallel(_report_workers, county, DAY1, 2)
    assert [w for _, w in got] == [2] * len(county.townships)  # type: ignore[misc]
    assert {w for _, w in county_run._parallel(_report_workers, county, DAY1, 1)} == {None}  # type: ignore[misc]
