"""What the clerk sees while gongkai works: progress on a terminal only (run
under a real pseudo-terminal), today's output off one, --quiet, --verbose,
stage timings as JSON, the preview server's problem list in the terminal,
and the page counts of print --pdf and archive."""

from __future__ import annotations

import io
import json
import os
import pty
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, SITES

from gongkai.commands.progress import ETA_AFTER, StageProgress

TODAY = "2015-05-14"
BROKEN = "---\ntitle: 坏\npublisher: town\ndate: 2015-02-30\ncategory: 工作动态\n---\n"
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(REPO)}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The command with pipes: no terminal anywhere."""
    return subprocess.run(
        [sys.executable, "-m", "gongkai", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=ENV,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def run_tty(*args: str) -> tuple[int, str]:
    """The command on a pseudo-terminal (stdin, stdout and stderr), as in a
    clerk's terminal window; everything it wrote, as the terminal got it."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gongkai", *args], stdin=slave, stdout=slave, stderr=slave, env=ENV, close_fds=True
    )
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    return proc.wait(timeout=600), data.decode("utf-8")


def screen(raw: str) -> list[str]:
    """The lines left on the screen: a carriage return goes back to the start
    of the line, and what is written after overwrites what was there."""
    lines = []
    for line in re.sub(r"\x1b\[\?25[lh]", "", raw).replace("\r\n", "\n").split("\n"):
        shown: list[str] = []
        for part in line.split("\r"):
            shown = list(part) + shown[len(part) :]
        lines.append("".join(shown).rstrip())
    return [line for line in lines if line]


def summary_for(site: Path, out: Path) -> str:
    """Today's summary line of a cold build, from the figures the JSON gives."""
    doc = json.loads(run("build", str(site), "--today", TODAY, "--out", str(out), "--format", "json").stdout)
    mb = doc["bytes"] / 1024 / 1024
    return f"已生成 {doc['pages']} 个页面，共 {doc['files']} 个文件（{mb:.1f} MB），输出到 {out}\n"


# --- on a terminal and off one ---------------------------------------------------------------------------------


def test_progress_only_on_a_terminal_and_blanked_at_the_end(tmp_path: Path) -> None:
    out = tmp_path / "tty"
    code, raw = run_tty("build", str(REPO), "--today", TODAY, "--out", str(out))
    assert code == 0, raw
    for stage in (r"检查 \[[# ]{20}\] \d+/\d+ 个文件", r"生成 \[[# ]{20}\] \d+/\d+ 个页面", "搜索索引", "写入"):
        assert re.search(stage, raw), stage
    assert raw.index("检查 [") < raw.index("生成 [") < raw.index("搜索索引") < raw.index("写入")
    # One line updated in place (carriage returns, never a new line), blanked
    # at the end and the cursor shown again: only the summary stays on screen.
    progress = raw[: raw.index("已生成")]
    assert "\n" not in progress and progress.count("\r") > 4
    assert raw.rindex("\x1b[?25h") > raw.rindex("\x1b[?25l")
    assert screen(raw) == [summary_for(REPO, tmp_path / "json").strip().replace(str(tmp_path / "json"), str(out))]


def test_no_terminal_no_progress_and_todays_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    expected = summary_for(REPO, tmp_path / "first")
    r = run("build", str(REPO), "--today", TODAY, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected.replace(str(tmp_path / "first"), str(out))  # byte for byte
    assert r.stderr == ""
    for stream in (r.stdout, r.stderr):
        assert "\r" not in stream and "\x1b" not in stream and "检查 [" not in stream
    again = run("build", str(REPO), "--today", TODAY, "--out", str(out))
    assert again.stdout == f"内容和模板都没有变化，网站无需重新生成：{out}\n" and again.stderr == ""
    checked = run("check", str(REPO), "--today", TODAY)
    assert checked.returncode == 0 and re.fullmatch(r"检查通过：\d+ 条记录，0 条警告。\n", checked.stdout)


def test_check_shows_progress_on_a_terminal() -> None:
    code, raw = run_tty("check", str(REPO), "--today", TODAY)
    assert code == 0, raw
    assert re.search(r"检查 \[[# ]{20}\] \d+/\d+ 个文件", raw)
    assert screen(raw)[-1].startswith("检查通过：")


def test_quiet_prints_nothing_on_success_and_errors_on_failure(make_site, tmp_path: Path) -> None:
    site = make_site()
    r = run("build", str(site), "--today", TODAY, "--quiet")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    code, raw = run_tty("build", str(site), "--today", TODAY, "-q", "--out", str(tmp_path / "o"))
    assert (code, raw) == (0, "")  # not even progress
    (site / "content" / "notices" / "hello.md").write_text(BROKEN, encoding="utf-8")
    r = run("build", str(site), "--today", TODAY, "--quiet")
    assert r.returncode == 1 and r.stdout == ""
    assert "content/notices/hello.md:4: 错误 GK104" in r.stderr


def test_verbose_prints_each_stage_time(make_site) -> None:
    site = make_site()
    r = run("build", str(site), "--today", TODAY, "--verbose")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("已生成")
    at = lines.index("各阶段用时：")  # after the summary
    stages = [re.fullmatch(r"  (\S+)：(\d+\.\d\d) 秒", line) for line in lines[at + 1 :]]
    assert all(stages), lines
    names = [m.group(1) for m in stages if m]
    assert names[-1] == "合计" and {"检查", "生成", "搜索索引", "写入"} <= set(names)
    seconds = [float(m.group(2)) for m in stages if m]
    assert abs(sum(seconds[:-1]) - seconds[-1]) < 0.02
    assert run("build", str(site), "-q", "-v").returncode == 2


def test_build_timings_as_json(make_site) -> None:
    site = make_site()
    r = run("build", str(site), "--today", TODAY, "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["ok"] is True and doc["pages"] > 0 and doc["files"] >= doc["pages"]
    stages = [s["stage"] for s in doc["stages"]]
    assert [s for s in stages if s != "start"] == ["check", "pages", "search", "write"]
    assert all(s["seconds"] >= 0 for s in doc["stages"])
    assert doc["seconds"] == pytest.approx(sum(s["seconds"] for s in doc["stages"]), abs=1e-3)
    assert (site / "build" / "index.html").is_file()
    (site / "content" / "notices" / "hello.md").write_text(BROKEN, encoding="utf-8")
    r = run("build", str(site), "--today", TODAY, "--format", "json")
    doc = json.loads(r.stdout)
    assert r.returncode == 1 and doc["ok"] is False
    assert any(p["code"] == "GK104" and p["line"] == 4 for p in doc["problems"])


def test_the_line_estimates_time_left_only_after_a_few_seconds() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = [100.0]
    term = Terminal()
    progress = StageProgress(show=True, file=term, clock=lambda: now[0])
    progress("pages", 0, 1000)
    now[0] += 1.0
    progress("pages", 100, 1000)
    assert "100/1000 个页面" in term.getvalue() and "还需约" not in term.getvalue()
    now[0] += ETA_AFTER
    progress("pages", 400, 1000)
    # 4 s for 400 pages: 600 more take about 6 s
    assert "400/1000 个页面，还需约 6.0 秒" in term.getvalue()
    drawn = term.getvalue()
    now[0] += 0.01
    progress("pages", 401, 1000)  # too soon to draw again
    assert term.getvalue() == drawn
    now[0] += 2.0
    progress("write", 0, 0)
    progress.close()
    assert [(s, round(t, 2)) for s, t in progress.timings] == [("pages", 6.01), ("write", 0.0)]
    assert term.getvalue().endswith("\x1b[?25h")


def test_off_a_terminal_the_callback_draws_nothing() -> None:
    file = io.StringIO()
    progress = StageProgress(show=True, file=file)
    for i in range(50):
        progress("check", i, 50)
    progress.close()
    assert file.getvalue() == "" and [s for s, _ in progress.timings] == ["start", "check"]


# --- serve -------------------------------------------------------------------------------------------------------


def test_serve_prints_the_problem_list_and_a_timed_summary(make_site) -> None:
    site = make_site()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gongkai", "serve", str(site), "--port", "0", "--today", "2015-03-01"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**ENV, "PYTHONUNBUFFERED": "1"},
        text=True,
        encoding="utf-8",
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.rstrip("\n")) for line in proc.stdout], daemon=True).start()

    def until(pattern: str) -> list[str]:
        seen = []
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if re.search(pattern, line):
                return seen
        raise AssertionError(f"no {pattern!r} in {seen}")

    try:
        assert re.fullmatch(
            r"已重新生成：更新 \d+ 个页面（共 \d+ 个页面、\d+ 个文件），用时 \d+\.\d\d 秒", until("已重新生成")[-1]
        )
        url = until("预览地址")[-1].split("：", 1)[1].split("　")[0]
        root = url.rstrip("/")
        (site / "content" / "notices" / "hello.md").write_text(BROKEN, encoding="utf-8")
        seen = until("生成失败")
        # the same lines gongkai check prints for the file
        listed, counts = run("check", str(site), "--today", "2015-03-01").stdout.split("\n\n发现 ")
        assert listed.splitlines() == seen[-1 - len(listed.splitlines()) : -1]  # the same lines, in the same order
        assert "content/notices/hello.md:4: 错误 GK104" in listed
        errors, warnings = re.match(r"(\d+) 处错误、(\d+) 条警告", counts).groups()  # type: ignore[union-attr]
        assert re.fullmatch(
            rf"生成失败：{errors} 处错误、{warnings} 条警告，仍显示上一次的网站（用时 \d+\.\d\d 秒）", seen[-1]
        )
        with urllib.request.urlopen(root + "/__gongkai/status", timeout=10) as r:
            status = json.loads(r.read())
        assert status["ok"] is False and any("GK104" in p for p in status["problems"])
        with urllib.request.urlopen(url, timeout=10) as r:
            assert "测试镇" in r.read().decode("utf-8")  # the last good site is still served
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


# --- sheets and the archive --------------------------------------------------------------------------------------


def test_print_pdf_reports_each_file_with_its_page_count(make_site) -> None:
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    site = make_site(base=SITES / "sheets")
    r = run("print", "butie-2015", "--pdf", "--site", str(site), "--today", "2015-06-10")
    assert r.returncode == 0, r.stderr
    pdf = site / "build" / "print" / "butie-2015.pdf"
    html = (site / "build" / "print" / "butie-2015" / "index.html").read_text(encoding="utf-8")
    pages = len(PdfReader(pdf).pages)
    assert f"  {pdf}（PDF，{pages} 页）" in r.stdout.splitlines()
    assert f"共 {pages} 页" in html  # the same count as the sheet says it has
    assert f"  {site / 'build' / 'print' / 'butie-2015' / 'index.html'}" in r.stdout.splitlines()


def test_archive_reports_each_file_with_its_page_count(make_site) -> None:
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    site = make_site(base=SITES / "sheets")
    r = run("archive", "butie-2015", "--posted", "2015-05-12", "--site", str(site))
    assert r.returncode == 0, r.stderr
    rel = "content/archive/2015/05-12/butie-2015"
    manifest = json.loads((site / rel / "manifest.json").read_text(encoding="utf-8"))
    pages = manifest["sheet_pages"]
    assert len(PdfReader(site / rel / "sheet.pdf").pages) == pages
    listed = [line.strip() for line in r.stdout.splitlines() if line.startswith(f"  {rel}/")]
    assert f"{rel}/sheet.pdf（PDF，{pages} 页）" in listed
    assert f"{rel}/sheet.html（公示单网页，{pages} 页）" in listed
    files = sorted(p.relative_to(site / rel).as_posix() for p in (site / rel).rglob("*") if p.is_file())
    assert sorted(line.split("（")[0][len(rel) + 1 :] for line in listed) == files
