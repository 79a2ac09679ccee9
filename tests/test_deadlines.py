"""Publication deadlines on China's official working-day calendar."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from gongkai import ContentError, build, check
from gongkai.check.rules.deadlines import WorkCalendar, builtin_years

NOTICE = "---\ntitle: 通知\npublisher: town\ndate: {date}\nformed: {formed}\ncategory: 其他\n---\n正文\n"


def test_official_calendar_holidays_and_make_up_days() -> None:
    cal = WorkCalendar()
    assert cal.is_workday(date(2015, 10, 5)) is False  # 国庆 holiday, a Monday
    assert cal.is_workday(date(2015, 10, 10)) is True  # make-up workday, a Saturday
    assert cal.is_workday(date(2015, 10, 11)) is False  # ordinary Sunday
    # Counted by hand: Oct 8, 9, 10 (Sat, workday), 12–16, 19–23, 26–30, Nov 2, 3.
    assert cal.add_workdays(date(2015, 9, 30), 20) == date(2015, 11, 3)


def test_late_publication_is_a_warning_with_the_deadline(make_site) -> None:
    site = make_site({"notices/late.md": NOTICE.format(date="2015-11-04", formed="2015-09-30")})
    problems = check(site, date(2016, 1, 1)).problems
    late = [p for p in problems if p.code == "GK601"]
    assert len(late) == 1 and not late[0].is_error
    assert late[0].hint == "最迟应在 2015-11-03 公开"
    # Publishing on the deadline itself is on time, as the hint says.
    site = make_site({"notices/late.md": NOTICE.format(date="2015-11-03", formed="2015-09-30")})
    assert not [p for p in check(site, date(2016, 1, 1)).problems if p.code == "GK601"]


def test_unknown_year_says_so_and_holidays_yaml_adds_it(make_site) -> None:
    files = {"notices/n.md": NOTICE.format(date="2031-02-01", formed="2031-01-05")}
    site = make_site(files)
    (unknown,) = check(site, date(2031, 3, 1)).problems
    assert unknown.code == "GK604" and "2031 年" in unknown.message and "2031:" in unknown.hint
    files["holidays.yaml"] = "2031:\n  holidays: [2031-01-01, 2031-01-20, 2031-01-21]\n  workdays: [2031-01-25]\n"
    site = make_site(files)
    problems = check(site, date(2031, 3, 1)).problems
    # 20 working days after Jan 5 with Jan 20–21 off and Sat Jan 25 worked: Feb 3.
    assert [(p.code, p.hint) for p in problems] == []
    files["notices/n.md"] = NOTICE.format(date="2031-02-04", formed="2031-01-05")
    site = make_site(files)
    assert [(p.code, p.hint) for p in check(site, date(2031, 3, 1)).problems] == [("GK601", "最迟应在 2031-02-03 公开")]


def test_strict_turns_warnings_into_failure(make_site, tmp_path) -> None:
    site = make_site({"notices/late.md": NOTICE.format(date="2015-11-04", formed="2015-09-30")})
    build(site, date(2016, 1, 1), out=tmp_path / "out")
    with pytest.raises(ContentError):
        build(site, date(2016, 1, 1), out=tmp_path / "out2", strict=True)


# --- the years the built-in calendar does not reach ------------------------------------------------------

LAST = builtin_years()[1]  # the last year the installed chinese-calendar covers, read at run time
NEXT = LAST + 1


def _official_deadline(start: date, n: int) -> date:
    """The n-th working day after ``start``, counted on chinese-calendar itself."""
    d = start
    while n:
        d += timedelta(days=1)
        n -= chinese_calendar.is_workday(d)
    return d


def test_the_built_in_calendar_is_probed_for_how_far_it_reaches() -> None:
    cal = WorkCalendar()
    assert LAST >= 2026  # pyproject asks for chinese-calendar >= 1.11, which covers 2026
    assert cal.is_workday(date(LAST, 12, 31)) is not None
    assert cal.is_workday(date(NEXT, 1, 4)) is None
    with pytest.raises(NotImplementedError):  # the probe agrees with the package
        chinese_calendar.is_workday(date(NEXT, 1, 4))


def test_holidays_yaml_adds_single_days_to_a_built_in_year(make_site) -> None:
    # A local holiday on Monday 2015-10-12; 国庆 (Oct 1–7) and the make-up
    # Saturday Oct 10 still come from the built-in calendar.
    cal = WorkCalendar({2015: (frozenset({date(2015, 10, 12)}), frozenset())})
    assert cal.is_workday(date(2015, 10, 12)) is False
    assert cal.is_workday(date(2015, 10, 5)) is False
    assert cal.is_workday(date(2015, 10, 10)) is True
    assert cal.add_workdays(date(2015, 9, 30), 20) == date(2015, 11, 4)
    files = {
        "notices/n.md": NOTICE.format(date="2015-11-04", formed="2015-09-30"),
        "holidays.yaml": "2015:\n  holidays: [2015-10-12]\n",
    }
    assert check(make_site(files), date(2016, 1, 1)).problems == ()


def test_on_time_whatever_the_unknown_holidays_is_no_warning(make_site, tmp_path) -> None:
    # Formed in December of the last covered year, published in January of the
    # next on a day "today" in that year: 15 calendar days, on time even if
    # every one of them were a working day.
    site = make_site({"notices/n.md": NOTICE.format(date=f"{NEXT}-01-05", formed=f"{LAST}-12-20")})
    assert check(site, date(NEXT, 1, 10)).problems == ()
    build(site, date(NEXT, 1, 10), out=tmp_path / "out", strict=True)  # --strict passes


def test_a_verdict_the_unknown_holidays_could_change_is_one_warning_naming_that_year(make_site) -> None:
    site = make_site({"notices/n.md": NOTICE.format(date=f"{NEXT}-01-20", formed=f"{LAST}-12-20")})
    (p,) = check(site, date(NEXT, 2, 1)).problems
    assert (p.code, p.is_error, p.field) == ("GK604", False, "formed")
    assert f"{NEXT} 年的法定节假日" in p.message and f"只到 {LAST} 年" in p.message
    assert f"{LAST} 年的" not in p.message
    # The Monday–Friday result is given, with the deadline it counted.
    d, left = date(LAST, 12, 20), 20
    while left:
        d += timedelta(days=1)
        left -= chinese_calendar.is_workday(d) if d.year == LAST else d.weekday() < 5
    assert f"第 20 个工作日是 {d.isoformat()}" in p.message
    assert ("已超过" if date(NEXT, 1, 20) > d else "未超过") in p.message
    assert f"content/holidays.yaml 中写上 {NEXT} 年" in p.hint and f"{NEXT}: {{holidays: [{NEXT}-01-01" in p.hint
    with pytest.raises(ContentError):
        build(site, date(NEXT, 2, 1), out=site / "out", strict=True)
    # Once holidays.yaml has that year, the count is exact and the warning goes.
    files = {
        "notices/n.md": NOTICE.format(date=f"{NEXT}-01-20", formed=f"{LAST}-12-20"),
        "holidays.yaml": f"{NEXT}:\n  holidays: [{NEXT}-01-01]\n",
    }
    d, left = date(LAST, 12, 20), 20
    while left:
        d += timedelta(days=1)
        left -= chinese_calendar.is_workday(d) if d.year == LAST else (d.weekday() < 5 and d != date(NEXT, 1, 1))
    expected = [("GK601", f"最迟应在 {d.isoformat()} 公开")] if date(NEXT, 1, 20) > d else []
    assert [(p.code, p.hint) for p in check(make_site(files), date(NEXT, 2, 1)).problems] == expected


def test_late_whatever_the_unknown_holidays_is_the_plain_warning(make_site) -> None:
    # Formed in early November: the 20th working day falls in the covered year.
    site = make_site({"notices/n.md": NOTICE.format(date=f"{NEXT}-01-15", formed=f"{LAST}-11-02")})
    assert [(p.code, p.hint) for p in check(site, date(NEXT, 2, 1)).problems] == [
        ("GK601", f"最迟应在 {_official_deadline(date(LAST, 11, 2), 20).isoformat()} 公开")
    ]


FUND = """title: 测试镇扶贫资金项目公告
publisher: town
date: {date}
kind: poverty
year: {year}
allocated_on: {on}
notice: {{start: {date}, end: {end}}}
sources:
  - {{name: 中央财政专项扶贫资金, level: central, amount: 500000}}
projects:
  - name: 测试村道路硬化
    village: 测试村
    task: 硬化村道2.3公里
    allocated: 500000
    spent: 0
    beneficiaries: {{households: 120, people: 410}}
    period: {{start: {date}, end: {end}}}
    implementer: 测试村村民委员会
    responsible: 王五
    status: in_progress
"""


def test_fund_allocation_in_an_uncovered_year(make_site) -> None:
    on = date(LAST, 12, 28)
    site = make_site({"funds/f.yaml": FUND.format(date=f"{NEXT}-01-08", end=f"{NEXT}-01-31", year=LAST, on=on)})
    assert check(site, date(NEXT, 2, 1)).problems == ()  # 10 calendar days: on time whatever
    site = make_site({"funds/f.yaml": FUND.format(date=f"{NEXT}-01-20", end=f"{NEXT}-02-28", year=LAST, on=on)})
    (p,) = check(site, date(NEXT, 3, 1)).problems
    assert (
        (p.code, p.field) == ("GK604", "allocated_on") and f"{NEXT} 年" in p.message and "第 15 个工作日" in p.message
    )


# --- minimum notice periods in working days ------------------------------------------------------------------


def _demo_with(tmp_path, old: str, new: str):  # type: ignore[no-untyped-def]
    import shutil
    from pathlib import Path

    root = tmp_path / "demo"
    shutil.copytree(Path(__file__).resolve().parent.parent / "content", root / "content")
    site_yaml = root / "content/site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    assert old in text
    site_yaml.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def _codes_at(root, code: str) -> list[tuple[str, int, bool]]:  # type: ignore[no-untyped-def]
    return [(p.loc.path, p.loc.line, p.is_error) for p in check(root, date(2016, 1, 20)).problems if p.code == code]


@pytest.mark.parametrize(("minimum", "late"), [("5个工作日", False), ("6 工作日", True), ("7", False), ("8天", True)])
def test_a_roster_minimum_in_working_days_or_calendar_days(tmp_path, minimum: str, late: bool) -> None:  # type: ignore[no-untyped-def]
    # gengdi-2015 is posted Tuesday 2015-05-12 to Tuesday 05-19: 7 calendar days, 5 working days after the start
    root = _demo_with(tmp_path, "farm_subsidy: 7 ", f"farm_subsidy: {minimum} ")
    got = _codes_at(root, "GK314")
    assert bool(got) == late, got
    if late:
        assert got[0][0] == "content/subsidies/gengdi-2015.yaml" and got[0][2]


@pytest.mark.parametrize(("minimum", "late"), [("24个工作日", False), ("25个工作日", True)])
def test_a_consultation_in_working_days_skips_the_dragon_boat_holiday(tmp_path, minimum: str, late: bool) -> None:  # type: ignore[no-untyped-def]
    # 2015-06-01 → 07-06: 25 weekdays after the start, less 端午 (Monday 06-22): 24 working days
    root = _demo_with(tmp_path, "consultation: 30 ", f"consultation: {minimum} ")
    got = _codes_at(root, "GK334")
    assert bool(got) == late, got


def test_a_minimum_that_is_not_a_number_of_days_names_its_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = _demo_with(tmp_path, "farm_subsidy: 7 ", "farm_subsidy: 一周 ")
    [p] = [p for p in check(root, date(2016, 1, 20)).problems if p.field.startswith("notice_min_days")]
    lines = (root / "content" / "site.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(lines, start=1) if "farm_subsidy: 一周" in t)
    assert p.code == "GK106" and p.loc.path == "content/site.yaml" and p.loc.line == line
