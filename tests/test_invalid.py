"""Broken input: every fixture in tests/sites/invalid/ must be refused with its
code at its line, in Chinese, without a Python exception escaping.

Fixtures
--------
``tests/sites/invalid/<content-folder>/<name>`` is copied into the minimal
site's ``content/<content-folder>/``; ``_site/<name>.yaml`` replaces the
minimal site's ``content/site.yaml``.  A fixture is one file, or one folder of
files (a record with its roster or attachments, a decision chain) copied as a
whole.

Each fixture declares what it must produce in exactly one place:

* a YAML file: its first line, ``# expect: GK311 line 14`` (optionally
  ``also GK332, …`` for codes that necessarily fire with it) or
  ``# expect: ok`` for hostile input that must be accepted;
* a Markdown file, a file of non-UTF-8 bytes, or a fixture folder: its entry
  in ``expect.yaml`` (``code``, ``line`` or ``cell``, ``file`` inside a folder,
  ``also``, ``title`` for accepted cases).

Cases that cannot be committed (symlinks, a file over 5 MiB, Windows device
file names, a crash that would take pytest down with it) are generated below.

Known gongkai bugs are marked ``xfail(strict=True)`` in :data:`BUGS`, keyed
by fixture and aspect, so the suite stays green until they are fixed and then
insists the marks are removed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import gongkai
from gongkai.commands.cli import main as cli_main
from gongkai.core.errors import CODES, Problem, Severity

HERE = Path(__file__).resolve().parent
INVALID = HERE / "sites" / "invalid"
MINIMAL = HERE / "sites" / "minimal"
DOCS = HERE.parent / "docs" / "errors.md"
EXPECT_FILE = INVALID / "expect.yaml"
TODAY = date(2016, 12, 31)  # every fixture record is published by then
TODAY_ARG = TODAY.isoformat()
# The installed command when it is on PATH, else the same entry point via python -m.
GONGKAI = [shutil.which("gongkai") or sys.executable] + ([] if shutil.which("gongkai") else ["-m", "gongkai"])

_HEAD = re.compile(r"^# expect: (?:(ok)|(GK\d{3}) line (\d+)(?: also ((?:GK\d{3})(?:, GK\d{3})*))?)\s*$")
# Three English words in a row: an untranslated PyYAML or Python message.
_ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ '][A-Za-z<>'#]{2,}){2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


# --- known bugs in gongkai ------------------------------------------------------------
# fixture → (what is wrong, the aspects that fail: code / reported / message / cli).  Each
# aspect is a separate test below, so a fix shows up as an XPASS exactly where
# it lands.

_EN = "GK002 的说明是 PyYAML 的英文原文“{}”，应译成中文（raw._yaml_reason 没有这条）"
BUGS: dict[str, tuple[str, str]] = {}


def _mark(rel: str, aspect: str) -> list[pytest.MarkDecorator]:
    reason, aspects = BUGS.get(rel, ("", ""))
    if aspect in aspects.split() and not os.environ.get("GK_NO_XFAIL"):
        return [pytest.mark.xfail(strict=True, reason=reason)]
    return []


# --- fixtures on disk -------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    code: str | None  # None: the input must be accepted
    line: int = 0
    cell: str = ""
    file: str = ""  # the reported file, relative to the site root
    also: tuple[str, ...] = ()
    title: str = ""


def _fixture_paths() -> list[str]:
    out = []
    for folder in sorted(INVALID.iterdir()):
        if folder.is_dir():
            out.extend(f"{folder.name}/{p.name}" for p in sorted(folder.iterdir()))
    return out


def _content_rel(rel: str) -> str:
    """Where the fixture lands, relative to the site root."""
    return "content/site.yaml" if rel.startswith("_site/") else f"content/{rel}"


def _load_expectations() -> dict[str, Expect]:
    table = yaml.safe_load(EXPECT_FILE.read_text(encoding="utf-8"))
    out: dict[str, Expect] = {}
    for rel in _fixture_paths():
        path = INVALID / rel
        head = None
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            first = path.read_bytes().split(b"\n", 1)[0]
            if first.startswith(b"# expect:"):
                head = _HEAD.match(first.decode("utf-8"))
                assert head, f"{rel}: malformed first line {first!r}"
        entry = table.get(rel)
        assert (head is None) != (entry is None), f"{rel}: expectation must be in exactly one place"
        if head is not None:
            ok, code, line, also = head.groups()
            out[rel] = Expect(
                None if ok else code,
                int(line or 0),
                file=_content_rel(rel),
                also=tuple(also.split(", ")) if also else (),
            )
        else:
            assert entry is not None
            code = None if entry["code"] == "ok" else entry["code"]
            file = _content_rel(rel) + (f"/{entry['file']}" if "file" in entry else "")
            out[rel] = Expect(
                code,
                entry.get("line", 0),
                entry.get("cell", ""),
                file,
                tuple(entry.get("also", ())),
                entry.get("title", ""),
            )
    assert set(table) <= set(out), f"expect.yaml names missing fixtures: {set(table) - set(out)}"
    return out


EXPECT = _load_expectations()
FIXTURES = sorted(EXPECT)
ERROR_FIXTURES = [r for r in FIXTURES if EXPECT[r].code]


def _install(make_site: Callable[..., Path], rel: str) -> Path:
    root = make_site()
    src = INVALID / rel
    if rel.startswith("_site/"):
        shutil.copyfile(src, root / "content" / "site.yaml")
    elif src.is_dir():
        shutil.copytree(src, root / "content" / rel)
    else:
        dest = root / "content" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    return root


def _check(root: Path) -> list[Problem]:
    # A Python exception escaping here fails the test, which is the point.
    return list(gongkai.check(root, TODAY).problems)


def _where(e: Expect) -> str:
    """How the CLI names the place: ``文件:行号`` (or the spreadsheet cell)."""
    if e.cell:
        return f"{e.file} {e.cell}"
    return f"{e.file}:{e.line}" if e.line else e.file


def _found(problems: list[Problem], e: Expect) -> list[Problem]:
    return [
        p
        for p in problems
        if p.code == e.code and p.loc.path == e.file and (p.loc.cell == e.cell if e.cell else p.loc.line == e.line)
    ]


def _params(rels: list[str], aspect: str) -> list[object]:
    return [pytest.param(r, id=r, marks=_mark(r, aspect)) for r in rels]


def _run_cli_subprocess(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GONGKAI, "check", str(root), "--today", TODAY_ARG],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


# --- one test per fixture and aspect ------------------------------------------------------


@pytest.mark.parametrize("rel", _params(FIXTURES, "code"))
def test_fixture_code(make_site: Callable[..., Path], rel: str) -> None:
    """The expected code at the expected line, and no other error."""
    e = EXPECT[rel]
    problems = _check(_install(make_site, rel))
    errors = [p for p in problems if p.is_error]
    listing = "\n".join(p.format() for p in problems)
    if e.code is None:
        assert not errors, listing
        if e.title:
            site = gongkai.check(_install(make_site, rel), TODAY).site
            assert site is not None
            titles = [r.title for r in site.records if r.source == e.file]
            assert titles == [e.title], listing
        return
    assert _found(problems, e), f"expected {e.code} at {_where(e)}, got:\n{listing}"
    assert all(p.severity is Severity.ERROR for p in _found(problems, e))
    extra = {p.code for p in errors} - {e.code, *e.also}
    assert not extra, f"other errors fired too:\n{listing}"


@pytest.mark.parametrize("rel", _params(ERROR_FIXTURES, "reported"))
def test_fixture_code_reported(make_site: Callable[..., Path], rel: str) -> None:
    """The weaker form of test_fixture_code: the code is reported for the
    fixture's file (at whatever line), and no exception escapes."""
    e = EXPECT[rel]
    problems = _check(_install(make_site, rel))
    assert any(p.code == e.code and p.loc.path == e.file for p in problems), "\n".join(p.format() for p in problems)


@pytest.mark.parametrize("rel", _params(ERROR_FIXTURES, "message"))
def test_fixture_message_is_chinese(make_site: Callable[..., Path], rel: str) -> None:
    """What the clerk reads is Chinese: no untranslated library text."""
    e = EXPECT[rel]
    found = [p for p in _check(_install(make_site, rel)) if p.code == e.code and p.loc.path == e.file]
    assert found
    for p in found:
        assert _CJK.search(p.message), p.format()
        for text in (p.message, p.hint):
            assert not _ENGLISH.search(text), p.format()
        assert "<unicode string>" not in p.format()


@pytest.mark.parametrize("rel", _params(FIXTURES, "cli"))
def test_fixture_cli(make_site: Callable[..., Path], rel: str) -> None:
    """``gongkai check SITE`` exits 1 and prints the code and 文件:行号."""
    e = EXPECT[rel]
    root = _install(make_site, rel)
    result = CliRunner().invoke(cli_main, ["check", str(root), "--today", TODAY_ARG])
    out = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in out
    if e.code is None:
        assert result.exit_code == 0, out
        assert "检查通过" in out
        return
    assert result.exit_code == 1, out
    assert f"{_where(e)}: 错误 {e.code} " in out, out


# --- the whole set at once, through the real command ---------------------------------------


# fixtures per run: their problems must stay under the command's print cap (cli_base.MAX_PRINTED),
# else the last files' problems are summed up as "另有 N 处问题未列出"
_PER_RUN = 60


def test_all_single_file_fixtures_in_one_run(tmp_path: Path) -> None:
    """Every single-file record fixture copied into a site, sixty at a time:
    one run of the real ``gongkai`` command reports all their problems together."""
    chosen = [
        r
        for r in FIXTURES
        if not r.startswith("_site/") and (INVALID / r).is_file() and "cli" not in BUGS.get(r, ("", ""))[1]
    ]
    for k in range(0, len(chosen), _PER_RUN):
        batch = chosen[k : k + _PER_RUN]
        root = tmp_path / f"site{k}"
        shutil.copytree(MINIMAL, root)
        for rel in batch:
            dest = root / "content" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(INVALID / rel, dest)
        proc = _run_cli_subprocess(root)
        assert proc.returncode == 1
        assert "Traceback" not in proc.stdout + proc.stderr
        assert "处问题未列出" not in proc.stdout, "too many problems for one run: lower _PER_RUN"
        missing = [
            r for r in batch if EXPECT[r].code and f"{_where(EXPECT[r])}: 错误 {EXPECT[r].code} " not in proc.stdout
        ]
        assert not missing
        for rel in batch:
            if EXPECT[rel].code is None:
                assert f"content/{rel}:" not in proc.stdout, rel


# --- coverage of the code table -----------------------------------------------------------------

# Codes covered by the generated cases below (they cannot be committed as files).
GENERATED_CODES = {"GK005", "GK009", "GK010", "GK108"}
# Codes another part of the package owns (roster files, personal data, deadlines).
_OWNED_ELSEWHERE = re.compile(r"^GK(12\d|[4-9]\d\d)$")


def test_every_code_has_a_fixture() -> None:
    covered = {e.code for e in EXPECT.values()} | {c for e in EXPECT.values() for c in e.also} | GENERATED_CODES
    wanted = {c for c in CODES if "GK001" <= c <= "GK341" and not _OWNED_ELSEWHERE.match(c)}
    wanted.discard("GK011")  # never emitted as a Problem: see test_missing_site_yaml_has_code
    assert sorted(wanted - covered) == []


def test_fixture_count() -> None:
    files = [p for p in INVALID.rglob("*") if p.is_file() and p.name != "expect.yaml"]
    assert len(files) >= 70


def test_every_code_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    headings = set(re.findall(r"^#{2,4} (GK\d{3})\b", text, flags=re.M))
    codes = set(CODES)
    try:
        from gongkai.read.roster import ROSTER_CODES
    except ImportError:  # pragma: no cover - roster module not there yet
        ROSTER_CODES = {}
    codes |= set(ROSTER_CODES)
    assert sorted(codes - headings) == []


# --- several problems reported together ----------------------------------------------------------

MULTI = """\
title: 测试村2015年耕地地力保护补贴发放公示
publisher: town
date: 2015-02-29
kind: farm
program: 耕地地力保护补贴
rate: 105.00
notice: {start: 2015-05-10, end: 2015-05-17}
recipients:
  - {village: 测试村, name: 张三, id_number: "320823198001011235", quantity: 5.20, amount: 546.005}
  - {village: 测试村, name: 李四, quantity: 2.00, amount: 210.00, remark: 已核实}
totals: {households: 2, amount: 756.00}
totals: {households: 3, amount: 756.00}
"""


def test_all_problems_of_one_file_reported_together(make_site: Callable[..., Path]) -> None:
    problems = _check(make_site({"subsidies/multi.yaml": MULTI}))
    got = {(p.code, p.loc.line) for p in problems if p.loc.path == "content/subsidies/multi.yaml"}
    assert got >= {("GK104", 3), ("GK107", 4), ("GK113", 9), ("GK105", 9), ("GK101", 10), ("GK003", 12)}


RULES_A = (INVALID / "subsidies" / "gk311-amount-mismatch.yaml").read_text(encoding="utf-8")
RULES_B = (INVALID / "budgets" / "gk303-parent-sum.yaml").read_text(encoding="utf-8")


def test_rule_problems_across_files_reported_together(make_site: Callable[..., Path]) -> None:
    # Two rule errors in one roster (an amount, and the totals that follow from
    # the rows) and a budget error in a second file: all in one run.
    a = RULES_A.replace("amount: 747.00}", "amount: 750.00}")
    problems = _check(make_site({"subsidies/a.yaml": a, "budgets/b.yaml": RULES_B, "notices/c.yaml": "title: [\n"}))
    got = {(p.loc.path, p.code) for p in problems if p.is_error}
    assert got >= {
        ("content/subsidies/a.yaml", "GK311"),
        ("content/subsidies/a.yaml", "GK312"),
        ("content/budgets/b.yaml", "GK303"),
        ("content/notices/c.yaml", "GK002"),
    }


def test_build_raises_content_error_with_every_problem(make_site: Callable[..., Path], tmp_path: Path) -> None:
    root = make_site({"subsidies/multi.yaml": MULTI, "notices/typo.yaml": "titel: x\n"})
    with pytest.raises(gongkai.ContentError) as info:
        gongkai.build(root, TODAY, out=tmp_path / "out")
    files = {p.loc.path for p in info.value.problems}
    assert {"content/subsidies/multi.yaml", "content/notices/typo.yaml"} <= files
    assert not (tmp_path / "out").exists()


# --- hostile details the fixtures alone do not show -------------------------------------------------


def test_duplicate_key_names_both_lines(make_site: Callable[..., Path]) -> None:
    rel = "notices/gk003-duplicate-title.yaml"
    (p,) = [p for p in _check(_install(make_site, rel)) if p.code == "GK003"]
    assert p.loc.line == 6
    assert "第 3 行" in p.message and "title" in p.message


def test_masked_id_value_never_echoed(make_site: Callable[..., Path]) -> None:
    for rel in [r for r in FIXTURES if r.startswith("subsidies/gk113-")]:
        text = (INVALID / rel).read_text(encoding="utf-8")
        ids = re.findall(r'id_number: "([^"]+)"', text)
        result = CliRunner().invoke(cli_main, ["check", str(_install(make_site, rel)), "--today", TODAY_ARG])
        for value in ids:
            if "*" not in value:
                assert value not in result.output, rel


def test_implicit_typing_keeps_text(make_site: Callable[..., Path]) -> None:
    site = gongkai.check(_install(make_site, "notices/ok-implicit-typing.yaml"), TODAY).site
    assert site is not None
    (rec,) = [r for r in site.records if r.id == "ok-implicit-typing"]
    assert rec.title == "no"
    assert rec.summary == "0x1F"
    assert rec.doc_no == "1:30"
    assert rec.tags == ("no", "0102", "1e3", ".inf", "yes", "~x", "1_000")
    assert rec.draft is False


def test_money_is_exact_text(make_site: Callable[..., Path]) -> None:
    site = gongkai.check(_install(make_site, "subsidies/ok-fullwidth-money.yaml"), TODAY).site
    assert site is not None
    (rec,) = [r for r in site.records if r.id == "ok-fullwidth-money"]
    from decimal import Decimal

    assert rec.data["recipients"][0]["amount"] == Decimal("546.00")
    assert str(rec.data["totals"]["amount"]) == "756.00"
    # a leading zero is not octal: 0102 元 is 102 元, never 66
    root = make_site({"funds/z.yaml": (INVALID / "funds" / "gk105-hex.yaml").read_text().replace("0x1F", "0102")})
    errors = [p for p in _check(root) if p.is_error]
    assert [p.code for p in errors] == ["GK321"]
    assert errors[0].value == "500,102.00"  # 500000 + 102; octal would give 500,066.00


def test_dates_accepted_forms(make_site: Callable[..., Path]) -> None:
    site = gongkai.check(_install(make_site, "notices/ok-date-formats.yaml"), TODAY).site
    assert site is not None
    (rec,) = [r for r in site.records if r.id == "ok-date-formats"]
    assert rec.date == date(2015, 3, 2)
    assert rec.formed == date(2015, 3, 1)


def test_utf16_and_gbk_titles(make_site: Callable[..., Path]) -> None:
    for rel in ("notices/ok-gbk.yaml", "notices/ok-utf16-bom.yaml", "notices/ok-utf8-bom-crlf.yaml"):
        site = gongkai.check(_install(make_site, rel), TODAY).site
        assert site is not None
        (rec,) = [r for r in site.records if r.source == f"content/{rel}"]
        assert rec.title == "关于做好春季防汛工作的通知"
        assert "\r" not in rec.title


# --- generated cases ---------------------------------------------------------------------------------

NOTICE = "title: 关于做好春季防汛工作的通知\npublisher: town\ndate: 2015-03-02\ncategory: 工作动态\n"


def _cli(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_main, ["check", str(root), "--today", TODAY_ARG, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinks_refused(make_site: Callable[..., Path], tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(NOTICE, encoding="utf-8")
    root = make_site()
    content = root / "content"
    (content / "notices" / "link.yaml").symlink_to(outside / "secret.yaml")
    (content / "notices" / "linkdir").symlink_to(outside, target_is_directory=True)
    (content / "pages").symlink_to(outside, target_is_directory=True)
    (content / "notices" / "scan.pdf").symlink_to("/etc/hostname")
    problems = _check(root)
    got = {(p.code, p.loc.path) for p in problems}
    for rel in ("notices/link.yaml", "notices/linkdir", "pages", "notices/scan.pdf"):
        assert ("GK009", f"content/{rel}") in got
    assert all(p.is_error for p in problems if p.code == "GK009")
    code, out = _cli(root)
    assert code == 1 and "content/notices/link.yaml: 错误 GK009" in out


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinked_site_yaml_refused(make_site: Callable[..., Path], tmp_path: Path) -> None:
    root = make_site()
    real = tmp_path / "site-elsewhere.yaml"
    shutil.move(root / "content" / "site.yaml", real)
    (root / "content" / "site.yaml").symlink_to(real)
    assert ("GK009", "content/site.yaml") in {(p.code, p.loc.path) for p in _check(root)}


def test_file_over_5_mib_refused(make_site: Callable[..., Path]) -> None:
    head = (INVALID / "subsidies" / "gk315-no-notice.yaml").read_text(encoding="utf-8").split("recipients:")[0]
    rows = "".join(f"  - {{village: 测试村, name: 张{i}, amount: 1.00}}\n" for i in range(120_000))
    big = head + "recipients:\n" + rows
    assert len(big.encode()) > 5 * 1024 * 1024
    root = make_site({"subsidies/big.yaml": big})
    problems = _check(root)
    (p,) = [p for p in problems if p.loc.path == "content/subsidies/big.yaml"]
    assert p.code == "GK005"
    code, out = _cli(root)
    assert code == 1 and "content/subsidies/big.yaml" in out and "GK005" in out


@pytest.mark.parametrize("name", ["CON.yaml", "nul.md", "com1.yaml", "Aux.yml", "LPT3.yaml"])
def test_windows_device_file_names(make_site: Callable[..., Path], name: str) -> None:
    text = f"---\n{NOTICE}---\n正文。\n" if name.endswith(".md") else NOTICE
    root = make_site({f"notices/{name}": text})
    problems = [p for p in _check(root) if p.is_error]
    assert [(p.code, p.loc.path, p.loc.line) for p in problems] == [("GK108", f"content/notices/{name}", 1)]


def test_unknown_files_and_folders_warned(make_site: Callable[..., Path]) -> None:
    root = make_site({"notice/typo.yaml": NOTICE, "readme.txt": "说明", "hello.yaml": NOTICE})
    problems = _check(root)
    got = {(p.code, p.loc.path, p.severity) for p in problems}
    for rel in ("content/notice", "content/readme.txt", "content/hello.yaml"):
        assert ("GK010", rel, Severity.WARNING) in got
    assert not [p for p in problems if p.is_error]
    code, out = _cli(root)
    assert code == 0 and "content/notice: 警告 GK010" in out
    code, out = _cli(root, "--strict")
    assert code == 1


def test_missing_site_yaml_has_code(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "content" / "notices").mkdir(parents=True)
    (root / "content" / "notices" / "a.yaml").write_text(NOTICE, encoding="utf-8")
    result = CliRunner().invoke(cli_main, ["check", str(root), "--today", TODAY_ARG])
    assert result.exit_code == 1
    assert "site.yaml" in result.output
    assert "GK011" in result.output


def test_missing_site_yaml_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "content" / "notices").mkdir(parents=True)
    result = CliRunner().invoke(cli_main, ["check", str(root), "--today", TODAY_ARG])
    assert result.exit_code == 1
    assert "site.yaml" in result.output and "Traceback" not in result.output


def test_block_nesting_50000_does_not_crash(make_site: Callable[..., Path]) -> None:
    # Run in a subprocess: the failure mode is a segmentation fault.
    root = make_site({"notices/deep.yaml": NOTICE + "tags:\n  " + "- " * 50_000 + "x\n"})
    proc = _run_cli_subprocess(root)
    assert proc.returncode == 1, proc.returncode
    assert "content/notices/deep.yaml:6: 错误 GK005" in proc.stdout


def test_block_nesting_10000_refused_in_process(make_site: Callable[..., Path]) -> None:
    root = make_site({"notices/deep.yaml": NOTICE + "tags:\n  " + "- " * 10_000 + "x\n"})
    limit = sys.getrecursionlimit()
    try:
        problems = _check(root)
    finally:
        assert sys.getrecursionlimit() == limit
    assert ("GK005", 6) in {(p.code, p.loc.line) for p in problems}
