"""The gongkai command as a clerk runs it: exit codes, Chinese, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "gongkai", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        timeout=300,
    )


def test_build_demo_from_repo_root(tmp_path: Path) -> None:
    r = run("build", "--out", str(tmp_path / "out"), "--today", "2015-05-14", cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "已生成" in r.stdout
    assert (tmp_path / "out" / "index.html").is_file()


def test_build_content_folder_is_accepted_as_site(tmp_path: Path) -> None:
    r = run("build", str(REPO / "content"), "--out", str(tmp_path / "out"), "--today", "2015-05-14")
    assert r.returncode == 0, r.stderr


def test_source_date_epoch_fixes_today(tmp_path: Path) -> None:
    # 2015-05-14 00:00 UTC
    r = run("build", str(REPO), "--out", str(tmp_path / "out"), env={"SOURCE_DATE_EPOCH": "1431561600"})
    assert r.returncode == 0, r.stderr
    assert "截至 2015年5月14日" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_check_broken_file_prints_file_line_and_chinese(make_site) -> None:
    site = make_site(
        {"notices/bad.md": "---\ntitle: 坏文件\npublisher: town\ndate: 2015-02-30\ncategory: 其它\n---\n正文\n"}
    )
    r = run("check", str(site), "--today", "2015-03-01")
    assert r.returncode == 1
    assert "Traceback" not in r.stdout + r.stderr
    assert "content/notices/bad.md:4: 错误 GK104" in r.stdout
    assert "content/notices/bad.md:5: 错误 GK107" in r.stdout  # both problems in one run
    assert "2015-02-30" in r.stdout and "YYYY-MM-DD" in r.stdout


def test_check_json_format(make_site) -> None:
    site = make_site({"notices/bad.md": "---\ntitle: 坏\npublisher: who\ndate: 2015-02-01\ncategory: 其他\n---\n"})
    r = run("check", str(site), "--format", "json", "--today", "2015-03-01")
    assert r.returncode == 1
    problems = json.loads(r.stdout)
    assert problems == [
        {
            "file": "content/notices/bad.md",
            "line": 3,
            "column": 12,
            "cell": "",
            "code": "GK202",
            "severity": "error",
            "field": "publisher",
            "value": "who",
            "message": "未知的公开主体“who”",
            "hint": "site.yaml 中 publishers 的键之一：town、finance",
        }
    ]


def test_check_ok(make_site) -> None:
    r = run("check", str(make_site()), "--today", "2015-03-01")
    assert r.returncode == 0
    assert "检查通过" in r.stdout


def test_build_failure_exit_1_no_traceback(make_site, tmp_path: Path) -> None:
    site = make_site({"notices/bad.md": "---\ntitle: [未闭合\n---\n"})
    r = run("build", str(site), "--out", str(tmp_path / "out"), "--today", "2015-03-01")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "GK002" in r.stderr and "未生成网站" in r.stderr
    assert not (tmp_path / "out").exists()


def test_usage_errors_exit_2_in_chinese(tmp_path: Path) -> None:
    r = run("build", "--no-such-option")
    assert r.returncode == 2
    assert "用法错误" in r.stderr
    r = run("build", str(REPO), "--today", "2015-02-30")
    assert r.returncode == 2
    assert "不是有效日期" in r.stderr


def test_no_site_here(tmp_path: Path) -> None:
    r = run("build", str(tmp_path))
    assert r.returncode == 1
    assert "没有找到网站" in r.stderr and "gongkai new" in r.stderr


@pytest.mark.parametrize(
    "today",
    [
        "2026-12-05",
        "2027-01-01",  # the examples straddle the turn of the year
        "2026-02-17",  # Spring Festival: the working-day checks count around it
        "2027-06-15",  # a year the holiday calendar may not know yet
    ],
)
def test_a_new_site_built_that_day_shows_what_is_on_notice(tmp_path: Path, today: str) -> None:
    """gongkai new dates its examples around the day it is made: built that
    day, the new site shows two rosters (money, goods), a fund notice, a 一事一议 plan, a
    purchase's result, a lease of a village's assets and a land transfer 正在公示 with the days left, and a decision open for comment; every check
    passes, --strict too."""
    target = tmp_path / "试用镇"
    assert run("new", str(target), "--today", today).returncode == 0
    r = run("check", str(target), "--today", today, "--strict")
    assert r.returncode == 0, r.stdout + r.stderr
    assert run("build", str(target), "--today", today).returncode == 0
    home = (target / "build" / "index.html").read_text(encoding="utf-8")
    on_notice = home[home.index("正在公示") : home.index("公开栏目")]
    assert "耕地地力保护补贴发放公示" in on_notice and "扶贫资金项目公告" in on_notice
    assert "一事一议筹资筹劳方案公示" in on_notice and "询价成交结果公示" in on_notice
    assert "救灾物资发放公示" in on_notice  # the in-kind relief roster (救灾物资)
    assert "集体鱼塘公开竞价出租结果公示" in on_notice and "土地经营权流转情况公示" in on_notice
    assert on_notice.count("公示中（还剩") == 8
    assert "农村村民住宅用地审批结果公示" in on_notice  # a 宅基地 batch
    decision = next((target / "build" / "decisions").rglob("index.html")).read_text(encoding="utf-8")
    assert "征求意见" in decision


def test_help_is_chinese() -> None:
    r = run("--help")
    assert r.returncode == 0
    assert "生成网站" in r.stdout and "新建" in r.stdout


def test_new_site_builds_at_once(tmp_path: Path) -> None:
    target = tmp_path / "新镇"
    r = run("new", str(target))
    assert r.returncode == 0, r.stderr
    assert (target / "使用说明.md").is_file()
    if shutil.which("git"):
        hook = (target / ".git" / "hooks" / "pre-commit").read_text(encoding="utf-8")
        assert "gongkai hooks run" in hook
    folders = {p.parent.name for p in (target / "content").rglob("*.*") if p.name != "site.yaml"}
    assert folders >= {"budgets", "subsidies", "funds", "decisions", "lists", "notices"}
    r = run("build", str(target))
    assert r.returncode == 0, r.stderr
    assert (target / "build" / "index.html").is_file()
    # no two-paragraph pages/guide.md replaces the complete guide generated to the 2019 条例
    assert not (target / "content" / "pages" / "guide.md").exists()
    guide = (target / "build" / "pages" / "guide" / "index.html").read_text(encoding="utf-8")
    assert "20 个工作日" in guide and "信息处理费" in guide and "特殊需要" not in guide
    r = run("new", str(target))  # never over an existing site
    assert r.returncode == 1
    assert "已存在" in r.stderr


def test_every_minimum_and_deadline_the_new_sites_guide_states_is_in_its_site_yaml(tmp_path: Path) -> None:
    # The generated guide tells the public "公示期不少于：……社会救助 7 天；公益事业资金 10 天；其他公示 7 天" and
    # "每年 1 月 31 日前……公布年度报告". A new site's site.yaml wrote only five of the eight minima and no report
    # date, so the guide stated local-practice numbers and a deadline (条例第四十九条 sets none for a 乡镇) that the
    # clerk never saw, let alone checked against the county's rules.
    import yaml

    from gongkai.core.config import DEFAULT_NOTICE_DAYS

    target = tmp_path / "新镇"
    assert run("new", str(target), "--today", "2026-12-05").returncode == 0
    text = (target / "content" / "site.yaml").read_text(encoding="utf-8")
    site = yaml.safe_load(text)
    assert set(site["notice_min_days"]) == set(DEFAULT_NOTICE_DAYS)
    assert site["annual_report_due"] == "01-31"
    line = next(ln for ln in text.splitlines() if ln.startswith("annual_report_due:"))
    assert "第四十九条" in line and "本省" in line  # says where the date comes from


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("import", "/nonexistent/名单.xlsx"), "/nonexistent/名单.xlsx 不存在"),
        (("import", "/tmp"), "/tmp 是文件夹，这里要的是一个文件"),
        (("serve", ".", "--port", "99999"), "99999 不在允许的范围"),
        (("build", ".", "--today", "2026-13-01"), "--today 的值无效：“2026-13-01”不是有效日期"),
    ],
)
def test_values_click_refuses_are_told_in_chinese(tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert said in r.stderr, r.stderr
    assert "Invalid value" not in r.stderr and "does not exist" not in r.stderr and "is not" not in r.stderr
