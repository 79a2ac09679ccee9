"""A test county of three small townships (copies of tests/sites/minimal with
their own names and records): 青石镇 in a subfolder, 河西镇 in a git
repository (a local file:// URL), 东风镇 in a subfolder.  Used by
tests/test_county.py and tests/test_county_browser.py."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

from conftest import MINIMAL

DAY1 = date(2016, 1, 1)
DAY2 = date(2016, 2, 1)
# (slug, name, org_code, a person named only in that township's notice)
TOWNS = [
    ("qingshi", "青石镇", "11000000MB0000001X", "欧阳青松"),
    ("hexi", "河西镇", "11000000MB0000002X", "司马河清"),
    ("dongfeng", "东风镇", "11000000MB0000003X", "上官东林"),
]
NOTICE = """---
title: {town}2015年度先进个人推荐人选公示
publisher: town
date: 2015-12-01
category: 工作动态
---
经研究，拟推荐{person}同志为{town}2015年度先进个人，现予公示。
联系人：欧阳明。协办：太阳青年志愿队、青松岭村。
"""
# The second line puts the bigrams of 欧阳青松 (欧阳 阳青 青松) in every
# township, its trigrams only in 青石镇: the county search's trigram filter
# must keep the others out of a search for that name.
BROKEN = """---
publisher: town
date: 2016-01-20
category: 工作动态
---
这条通知缺少标题。
"""


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=测试", "-c", "user.email=t@example.cn", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def make_town(folder: Path, slug: str, name: str, org_code: str, person: str) -> None:
    shutil.copytree(MINIMAL, folder, ignore=shutil.ignore_patterns("build", ".gongkai-cache", "index-numbers.yaml"))
    site = folder / "content" / "site.yaml"
    text = site.read_text(encoding="utf-8").replace("测试镇", name).replace("11000000MB0000000X", org_code)
    # this county's townships publish their annual report by 31 March (local rule): the day-2 check (1 February)
    # is about the county's own reports, not a 2015 report falling due
    site.write_text(text + "annual_report_due: 03-31\n", encoding="utf-8")
    hello = folder / "content" / "notices" / "hello.md"
    hello.write_text(hello.read_text(encoding="utf-8").replace("测试镇", name), encoding="utf-8")
    (folder / "content" / "notices" / f"xianjin-{slug}.md").write_text(
        NOTICE.format(town=name, person=person), encoding="utf-8"
    )


def make_county(root: Path) -> Path:
    """The county folder (root/county) and, beside it, root/repos/hexi (git)."""
    county = root / "county"
    (county / "towns").mkdir(parents=True)
    lines = ["name: 测试县政务公开", "organization: 测试县人民政府", "base_path: /xxgk/", "townships:"]
    for slug, name, code, person in TOWNS:
        if slug == "hexi":
            repo = root / "repos" / slug
            make_town(repo, slug, name, code, person)
            git("init", "-q", cwd=repo)
            git("add", "-A", cwd=repo)
            git("commit", "-qm", "河西镇的内容", cwd=repo)
            lines += [f"  - slug: {slug}", f"    name: {name}", f"    git: {repo.as_uri()}"]
        else:
            make_town(county / "towns" / slug, slug, name, code, person)
            lines += [f"  - slug: {slug}", f"    name: {name}", f"    path: towns/{slug}"]
    (county / "county.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return county


def break_dongfeng(county: Path) -> None:
    (county / "towns" / "dongfeng" / "content" / "notices" / "broken.md").write_text(BROKEN, encoding="utf-8")


def add_to_hexi(root: Path) -> None:
    """A new record committed to 河西镇's repository (the next build pulls it)."""
    repo = root / "repos" / "hexi"
    (repo / "content" / "notices" / "new.md").write_text(
        "---\ntitle: 河西镇一月工作动态\npublisher: town\ndate: 2016-01-15\ncategory: 工作动态\n---\n一月份工作情况。\n",
        encoding="utf-8",
    )
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "一月工作动态", cwd=repo)
