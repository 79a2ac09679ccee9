"""The 依申请公开 register (content/applications/register/YEAR.yaml): the
annual report's table counted from it, its time limits on the working-day
calendar (条例第三十、三十二、三十三条), and file:line errors."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO
from test_report import YEAR_FILE, check_report_adds_up, run

from gongkai import check
from gongkai.check.register import register_counts, reply_limit
from gongkai.check.rules.deadlines import WorkCalendar
from gongkai.read.register import read_register

REG = "content/applications/register/2015.yaml"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(REPO / "content", root / "content")
    return root


def _without_typed_counts(root: Path) -> None:
    """2015.yaml with its part 三 deleted: the register alone gives it."""
    p = root / YEAR_FILE
    text = p.read_text(encoding="utf-8")
    cut = re.sub(r"(?ms)^applications:\n.*?(?=^# 四|^reviews:)", "", text)
    assert cut != text and "carried_forward" not in cut
    p.write_text(cut, encoding="utf-8")


def _table(root: Path) -> dict[str, list[int]]:
    r = run("report", "2015", str(root), "--today", "2016-01-20", "--date", "2016-01-25", "--force")
    assert r.returncode == 0, r.stdout + r.stderr
    return check_report_adds_up((root / "content/notices/niandu-baogao-2015.md").read_text(encoding="utf-8"))


def test_the_register_gives_the_same_table_as_the_typed_counts(demo_copy: Path, tmp_path: Path) -> None:
    typed = _table(demo_copy)
    _without_typed_counts(demo_copy)
    counted = _table(demo_copy)
    assert counted == typed
    assert counted["一、本年新收政府信息公开申请数量"][-1] == 9
    assert counted["四、结转下年度继续办理"][-1] == 1


def test_typed_counts_that_differ_from_the_register_are_errors_with_their_line(demo_copy: Path) -> None:
    p = demo_copy / YEAR_FILE
    text = p.read_text(encoding="utf-8")
    p.write_text(
        text.replace("disclosed: {自然人: 3,", "disclosed: {自然人: 2,").replace(
            "received: {自然人: 7,", "received: {自然人: 6,"
        ),
        encoding="utf-8",
    )
    problems = [x for x in check(demo_copy, date(2016, 12, 31)).problems if x.code == "GK725"]
    lines = {x.loc.line for x in problems}
    expected = {
        i
        for i, t in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "disclosed: {自然人: 2" in t or "received: {自然人: 6" in t
    }
    assert lines == expected and len(problems) == 2, [x.format() for x in problems]
    assert all(x.is_error for x in problems)


def _one(root: Path, entry: str, today: date) -> list[tuple[str, str, int]]:
    p = root / REG
    p.write_text("applications:\n" + entry, encoding="utf-8")
    return [(x.code, x.field, x.loc.line) for x in check(root, today).problems if x.loc.path == REG]


ENTRY = "  - no: 2026-01\n    received: {received}\n    applicant: 自然人\n    request: 申请公开本村道路工程的资金使用情况\n"


def test_time_limits_on_the_working_day_calendar(demo_copy: Path) -> None:
    cal = WorkCalendar()
    # received Friday 2026-09-25; the National Day holiday (10-01 … 10-07) is not counted,
    # Sunday 09-20 is too early, Saturday 10-10 is a working day: 20 working days end on Thursday 10-29
    base = ENTRY.format(received="2026-09-25")
    (demo_copy / REG).write_text("applications:\n" + base, encoding="utf-8")
    (app,) = read_register(demo_copy)[0].applications
    assert reply_limit(app, cal) == date(2026, 10, 29)
    # open, 2 working days left → GK724; the day after the limit → GK723
    assert ("GK724", "received", 3) in _one(demo_copy, base, date(2026, 10, 27))
    assert ("GK723", "received", 3) in _one(demo_copy, base, date(2026, 10, 30))
    assert not [c for c in _one(demo_copy, base, date(2026, 10, 9)) if c[0].startswith("GK72")]
    # replied on time / late
    assert _one(demo_copy, base + "    replied: 2026-10-29\n    result: 予以公开\n", date(2026, 12, 1)) == []
    assert ("GK722", "replied", 6) in _one(
        demo_copy, base + "    replied: 2026-11-02\n    result: 予以公开\n", date(2026, 12, 1)
    )
    # extended in time: 40 working days; the third party's 10 working days are not counted
    ext = base + "    extended: 2026-10-28\n    third_party_asked: 2026-10-12\n    third_party_replied: 2026-10-26\n"
    (demo_copy / REG).write_text("applications:\n" + ext, encoding="utf-8")
    (app,) = read_register(demo_copy)[0].applications
    assert reply_limit(app, cal) == cal.add_workdays(date(2026, 9, 25), 50)
    # an extension told after the first limit, a correction asked after 7 working days
    late = _one(demo_copy, base + "    extended: 2026-10-30\n", date(2026, 12, 1))
    assert ("GK726", "extended", 6) in late
    # the 7th working day after 09-25 is 10-12 (Saturday 10-10 worked): asked on 10-13 is late
    assert ("GK726", "correction_asked", 6) in _one(
        demo_copy, base + "    correction_asked: 2026-10-13\n    corrected: 2026-10-15\n", date(2026, 10, 20)
    )
    assert not _one(
        demo_copy, base + "    correction_asked: 2026-10-12\n    corrected: 2026-10-15\n", date(2026, 10, 20)
    )


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ("    replied: 2026-10-12\n", "GK721", "replied"),  # a reply without its result
        ("    result: 予以公开\n", "GK721", "result"),  # a result without its reply
        ("    replied: 2026-09-01\n    result: 予以公开\n", "GK721", "replied"),  # before the application came
        ("    result: 已答复\n", "GK107", "applications[1].result"),
        ("    corrected: 2026-10-01\n", "GK721", "corrected"),  # a correction never asked for
    ],
)
def test_a_register_that_contradicts_itself_is_an_error(demo_copy: Path, extra: str, code: str, field: str) -> None:
    got = _one(demo_copy, ENTRY.format(received="2026-09-25") + extra, date(2026, 12, 1))
    assert any(c == code and f == field and line >= 2 for c, f, line in got), got


def test_counts_across_years_balance() -> None:
    root = REPO
    reg, problems = read_register(root)
    assert problems == []
    c15, c16 = register_counts(reg.applications, 2015), register_counts(reg.applications, 2016)
    assert c15["carried_forward"] == c16["carried_over"] == {"natural": 1}
    assert c16["received"] == {} and c16["results"] == {"disclosed": {"natural": 1}}


def test_the_register_is_never_published(demo_build: Path) -> None:
    for p in demo_build.rglob("*"):
        if p.is_file() and p.suffix in (".html", ".json", ".csv", ".xml", ".js", ".txt"):
            assert "邻居家庭的低保审批材料" not in p.read_text(encoding="utf-8", errors="replace"), p


def test_a_new_site_has_a_register_that_produces_the_reports_table(tmp_path: Path) -> None:
    from gongkai.commands.new import create_site

    root = tmp_path / "new"
    create_site(root, date(2027, 6, 15))
    assert check(root, date(2027, 6, 15)).problems == ()  # the open application is weeks from its limit
    _write_the_clerks_parts(root / "content/applications/2027.yaml")
    r = run("report", "2027", str(root), "--today", "2027-06-15")
    assert r.returncode == 0, r.stdout + r.stderr
    big = check_report_adds_up((root / "content/notices/niandu-baogao-2027.md").read_text(encoding="utf-8"))
    assert big["一、本年新收政府信息公开申请数量"][-1] == 2
    assert big["四、结转下年度继续办理"][-1] == 1


def _write_the_clerks_parts(path: Path) -> None:
    """What a clerk does before the report: replace the example words of parts 一、五、六 with the township's own."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  （示例，请按实际改写）.*$", "  镇党政办公室负责政府信息公开工作。", text)
    text = re.sub(r"(?m)^  工作考核.*$", "  县政府办公室考核结果为良好；社会评议满意率96%；未发生责任追究情况。", text)
    path.write_text(text, encoding="utf-8")


def test_the_example_words_of_a_new_site_do_not_go_into_its_report(tmp_path: Path) -> None:
    # The scaffold answers parts 五 and 六 with example text ("（示例，请按实际改写）", "工作考核……：（请填写……）").
    # The §50(四) check looked only for 考核/评议/追究, which the prompt itself contains, and a non-blank 六 passed:
    # a new township's first report went out saying "（示例，请按实际改写）" where the facts should be.
    from gongkai.commands.new import create_site

    root = tmp_path / "new"
    create_site(root, date(2027, 6, 15))
    r = run("report", "2027", str(root), "--today", "2027-06-15")
    assert r.returncode == 1, r.stdout + r.stderr
    for field in ("overview", "problems", "other_matters"):
        assert field in r.stdout + r.stderr
    assert not (root / "content/notices/niandu-baogao-2027.md").exists()
