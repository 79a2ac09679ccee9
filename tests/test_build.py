"""The built site: links, sub-paths, file://, safety of output, atomic swaps."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import DEMO_TODAY, REPO
from linkcheck import broken_links, reachable

from gongkai import ContentError, OutputError, build, check
from gongkai.run.engine.sealed import site_cache_dir
from gongkai.run.write import MARKER, Output, read_marker


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --- the demo ------------------------------------------------------------------------


def test_demo_has_every_kind_of_page(demo_build: Path) -> None:
    for rel in [
        "index.html",
        "budgets/index.html",
        "subsidies/index.html",
        "subsidies/gengdi-2015/index.html",
        "funds/index.html",
        "decisions/index.html",
        "lists/index.html",
        "notices/index.html",
        "pages/guide/index.html",
        "catalogue/index.html",
        "archive/index.html",
        "archive/2015/05/index.html",
        "search/index.html",
        "static/style.css",
    ]:
        assert (demo_build / rel).is_file(), rel


def test_demo_links_all_resolve_and_are_relative(demo_build: Path) -> None:
    assert broken_links(demo_build) == []


def test_every_page_reachable_from_home_on_disk(demo_build: Path) -> None:
    pages = {p.resolve() for p in demo_build.rglob("*.html")}
    assert pages - reachable(demo_build) == set()


def test_no_external_resources(demo_build: Path) -> None:
    """Nothing is loaded from elsewhere; the only addresses out of the site
    are the footer's links marked rel="external" (找错, 党政机关网站标识)."""
    for p in demo_build.rglob("*.html"):
        text = re.sub(r'<a href="https://[^"]*" rel="external">', "", p.read_text(encoding="utf-8"))
        for needle in ("http://", "https://", "//cdn", "fonts.googleapis"):
            assert needle not in text, (p, needle)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_served_under_a_sub_path_has_no_broken_link(demo_build: Path, tmp_path: Path) -> None:
    """Serve the build as a column of a county portal: /county/qingshi/."""
    docroot = tmp_path / "www"
    shutil.copytree(demo_build, docroot / "county" / "qingshi")

    def handler(*args: object, **kwargs: object) -> _Quiet:
        return _Quiet(*args, directory=str(docroot), **kwargs)  # type: ignore[arg-type]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/county/qingshi/"
    try:
        seen: set[str] = set()
        todo = [base]
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            with urllib.request.urlopen(url, timeout=10) as resp:
                assert resp.status == 200, url
                body = resp.read()
            if not url.endswith(".html") and not url.endswith("/"):
                continue

            class P(HTMLParser):
                def __init__(self, base: str) -> None:
                    super().__init__()
                    self.base = base

                def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                    if "external" in (dict(attrs).get("rel") or "").split():
                        return  # the footer's links out of the site (找错, 党政机关网站标识)
                    for k, v in attrs:
                        if k in ("href", "src", "action") and v and not v.startswith(("tel:", "mailto:", "#")):
                            todo.append(urllib.parse.urljoin(self.base, v.split("#")[0]))

            P(url).feed(body.decode("utf-8"))
        assert all(u.startswith(base) for u in seen)
        pages = {base + p.relative_to(demo_build).as_posix() for p in demo_build.rglob("*.html")}
        assert pages - seen - {base + "index.html"} == set()
    finally:
        server.shutdown()


# --- output safety ---------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
]


def _unsafe(out: Path) -> list[str]:
    found = []

    class P(HTMLParser):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "iframe", "object", "embed", "svg"):
                src = dict(attrs).get("src") or ""
                # JSON-LD is data, not code; its text is escaped so nothing can close the tag early.
                data_only = tag == "script" and dict(attrs).get("type") == "application/ld+json"
                # The theme's own scripts, and charts made by gongkai/charts.py (test_charts.py).
                ours = src.endswith(("static/search.js", "static/site.js")) or dict(attrs).get("class") == "gk-chart"
                if not ours and not data_only:
                    found.append(f"{self.name}: <{tag}>")
            for k, v in attrs:
                if k.startswith("on"):
                    found.append(f"{self.name}: {tag}@{k}")
                if v and v.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                    found.append(f"{self.name}: {tag}@{k}={v}")

    for p in out.rglob("*.html"):
        P(str(p.relative_to(out))).feed(p.read_text(encoding="utf-8"))
    return found


def test_script_payloads_never_reach_a_page(make_site, tmp_path: Path) -> None:
    x = PAYLOADS
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    files = {
        "notices/xss.md": "---\ntitle: "
        + q("标题" + x[0])
        + "\npublisher: town\ndate: 2015-02-01\ncategory: 其他\nsummary: "
        + q(x[1])
        + "\ndoc_no: "
        + q(x[3])
        + "\ntags: ["
        + q(x[0])
        + "]\n---\n"
        + "正文 <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
        + '[点我](javascript:alert(1)) <a href="javascript:alert(2)">x</a> <iframe src=x></iframe>\n\n'
        + '<div onclick="alert(1)" style="x">y</div> <svg onload=alert(1)></svg>\n',
        "subsidies/xss-roster.yaml": f"""title: {q("名单" + x[1])}
publisher: town
date: 2015-03-01
kind: other
program: {q(x[0])}
basis: {q(x[3])}
rate_unit: {q("<b>元</b>")}
quantity_unit: {q("<i>亩</i>")}
notice: {{start: 2015-03-01, end: 2015-03-20}}
objection: {{phone: {q(x[2])}, address: {q(x[0])}}}
recipients:
  - {{village: {q(x[0])}, group: {q(x[1])}, name: {q(x[3])}, amount: 10.00, note: {q(x[0])}}}
totals: {{households: 1, amount: 10.00}}
""",
        "lists/xss-list.yaml": f"""title: 清单
publisher: town
date: 2015-03-01
kind: fee
items:
  - {{name: {q(x[0])}, basis: {q(x[1])}, standard: {q(x[3])}, category: {q(x[0])}, department: {q(x[1])}, note: {q(x[2])}}}
""",
        "decisions/xss-decision.yaml": f"""title: 决策
publisher: town
date: 2015-03-01
stage: decided
consultation_waived: {q(x[0])}
meeting: {{name: {q(x[1])}, date: 2015-03-01}}
comments_adopted: {q(x[0] + " [a](javascript:alert(1))")}
""",
    }
    site = make_site(files)
    out = tmp_path / "out"
    problems = check(site, date(2015, 3, 5)).problems
    assert [p.format() for p in problems] == []
    build(site, date(2015, 3, 5), out=out)
    assert _unsafe(out) == []
    page = (out / "notices" / "xss" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text, not run


def test_same_content_same_today_gives_identical_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    build(REPO, DEMO_TODAY, out=a)
    build(REPO, DEMO_TODAY, out=b)
    da, db = tree_digest(a), tree_digest(b)
    # the marker binds each tree to its own folder; the tree's token is the same
    assert da.pop(MARKER) != db.pop(MARKER)
    assert da == db
    assert read_marker(a).token == read_marker(b).token


def test_future_and_draft_records_are_not_built(make_site, tmp_path: Path) -> None:
    site = make_site(
        {
            "notices/later.md": "---\ntitle: 明天的通知\npublisher: town\ndate: 2015-03-02\ncategory: 其他\n---\n明天\n",
            "notices/draft.md": "---\ntitle: 草稿通知\npublisher: town\ndate: 2015-02-01\ncategory: 其他\ndraft: true\n---\n草稿\n",
        }
    )
    out = tmp_path / "out"
    build(site, date(2015, 3, 1), out=out)
    assert not (out / "notices" / "later").exists()
    assert not (out / "notices" / "draft").exists()
    text = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert "明天的通知" not in text and "草稿通知" not in text
    build(site, date(2015, 3, 2), out=out, drafts=True)
    assert (out / "notices" / "later" / "index.html").is_file()
    assert (out / "notices" / "draft" / "index.html").is_file()


def test_non_public_records_only_in_the_catalogue(tmp_path: Path) -> None:
    later = date(2016, 12, 31)  # every demo record published
    out = tmp_path / "out"
    build(REPO, later, out=out)
    # the 目录's pages: a page a year, under catalogue/
    catalogue = "".join(p.read_text(encoding="utf-8") for p in sorted((out / "catalogue").rglob("index.html")))
    site = check(REPO, later).site
    assert site is not None
    hidden = [r for r in site.records if not r.is_public]
    assert {r.disclosure for r in hidden} == {"withheld"}
    text_files = (".html", ".json", ".csv", ".xml", ".js", ".txt", ".svg")
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in text_files)
    for r in hidden:
        assert not (out / r.folder / r.id).exists()
        assert r.title in catalogue
        assert r.withheld and r.withheld["reason"] in catalogue
        for line in r.body.splitlines():
            if len(line.strip()) > 12:
                assert line.strip() not in everything, line


# --- atomic output -----------------------------------------------------------------------


def test_failed_build_leaves_previous_site(make_site, tmp_path: Path) -> None:
    site = make_site()
    out = tmp_path / "out"
    build(site, date(2015, 3, 1), out=out)
    before = tree_digest(out)
    (site / "content" / "notices" / "bad.md").write_text(
        "---\ntitle: 坏\npublisher: nobody\ndate: 2015-02-30\ncategory: 其他\n---\n", encoding="utf-8"
    )
    with pytest.raises(ContentError) as exc:
        build(site, date(2015, 3, 1), out=out)
    assert {p.code for p in exc.value.problems} >= {"GK104"}
    assert tree_digest(out) == before
    assert not list(tmp_path.glob(".out.*"))


def test_refuses_to_replace_a_folder_gongkai_did_not_make(make_site, tmp_path: Path) -> None:
    site = make_site()
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "合同.docx").write_bytes(b"important")
    with pytest.raises(OutputError):
        build(site, date(2015, 3, 1), out=precious)
    assert (precious / "合同.docx").read_bytes() == b"important"
    with pytest.raises(OutputError):
        build(site, date(2015, 3, 1), out=site / "content")
    with pytest.raises(OutputError):
        build(site, date(2015, 3, 1), out=site)


def test_writer_refuses_two_writes_to_one_path(tmp_path: Path) -> None:
    with pytest.raises(OutputError), Output(tmp_path / "out") as w:
        w.write("a/index.html", b"1")
        w.write("A/index.html", b"2")  # same file on Windows and macOS disks
    assert not (tmp_path / "out").exists()


def _big_site(root: Path, n: int) -> None:
    shutil.copytree(Path(__file__).parent / "sites" / "minimal", root)
    body = "本镇召开会议，部署政务公开工作。" * 60
    for i in range(n):
        (root / "content" / "notices" / f"n-{i:05d}.md").write_text(
            f"---\ntitle: 第{i}号通知\npublisher: town\ndate: 2015-01-{i % 28 + 1:02d}\ncategory: 其他\n---\n{body}\n",
            encoding="utf-8",
        )


def test_killed_build_leaves_previous_site_intact(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _big_site(site, 1500)
    out = site / "build"
    build(site, date(2015, 3, 1), out=out)
    before = tree_digest(out)
    (site / "content" / "notices" / "n-00000.md").write_text(
        "---\ntitle: 改过的通知\npublisher: town\ndate: 2015-01-01\ncategory: 其他\n---\n改\n", encoding="utf-8"
    )
    # Without its cache the build writes a whole new tree beside the old one
    # (an incremental one would update a few files in place at the very end).
    shutil.rmtree(site_cache_dir(site))
    temp = tmp_path / "temp"  # the build's own temporary folder: what it leaves there is seen
    temp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gongkai", "build", str(site), "--today", "2015-03-01"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    deadline = time.monotonic() + 60
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        tmps = list(site.glob(".build.tmp-*"))
        if tmps and sum(1 for _ in tmps[0].rglob("index.html")) > 200:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.01)
    proc.wait()
    assert killed, "the build finished before it could be killed mid-write"
    assert tree_digest(out) == before  # the old site, byte for byte
    assert list(site.glob(".build.tmp-*"))  # the half-written tree is left aside ...
    left = [p.name for p in temp.iterdir()]
    assert any(n.startswith(f"gongkai-spool-{proc.pid}-") for n in left), left  # ... and the records it spooled
    mp = pytest.MonkeyPatch()
    mp.setattr(tempfile, "tempdir", str(temp))
    try:
        build(site, date(2015, 3, 1), out=out)
    finally:
        mp.undo()
    assert not list(site.glob(".build.tmp-*"))  # ... are cleaned by the next build
    assert not list(temp.iterdir()), "the killed build's scratch files are still in the temp folder"
    assert "改过的通知" in (out / "notices" / "n-00000" / "index.html").read_text(encoding="utf-8")
    assert (out / MARKER).is_file()


def test_lists_paginate_past_fifty(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _big_site(site, 120)
    out = tmp_path / "out"
    build(site, date(2015, 3, 1), out=out)
    notices = out / "notices"
    pages = [notices / "index.html", notices / "page" / "2" / "index.html", notices / "page" / "3" / "index.html"]
    assert all(p.is_file() for p in pages) and not (notices / "page" / "4").exists()
    # 121 notices: the 120 generated ones (第N号通知) and the minimal site's own, newest first
    shown = [sum(1 for line in p.read_text(encoding="utf-8").splitlines() if "号通知</a>" in line) for p in pages]
    assert shown == [50, 50, 20]
    assert "测试镇政务公开网站开通" in pages[2].read_text(encoding="utf-8")
    assert broken_links(out) == []
