"""Publication deadlines on China's official working-day calendar."""

from __future__ import annotations

from datetime import date

from gongkai import check
from gongkai.check.rules.deadlines import WorkCalendar

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
    assert late[0].hint == "应在 2015-11-03 之前公开"
    site = make_site({"notices/late.md": NOTICE.format(date="2015-11-03", formed="2015-09-30")})
    assert not [p for p in check(site, date(2016, 1, 1)).problems if p.code == "GK601"]


def test_unknown_year_says_so_and_holidays_yaml_adds_it(make_site) -> None:
    files = {"notices/n.md": NOTICE.format(date="2031-02-01", formed="2031-01-05")}
    site = make_site(files)
    assert [p.code for p in check(site, date(2031, 3, 1)).problems] == ["GK604"]
    files["holidays.yaml"] = "2031:\n  holidays: [2031-01-01, 2031-01-20, 2031-01-21]\n  workdays: [2031-01-25]\n"
    site = make_site(files)
    problems = check(site, date(2031, 3, 1)).problems
    # 20 working days after Jan 5 with Jan 20–21 off and Sat Jan 25 worked: Feb 3.
    assert [(p.code, p.hint) for p in problems] == []
    files["notices/n.md"] = NOTICE.format(date="2031-02-04", formed="2031-01-05")
    site = make_site(files)
    assert [(p.code, p.hint) for p in check(site, date(2031, 3, 1)).problems] == [("GK601", "应在 2031-02-03 之前公开")]


def test_strict_turns_warnings_into_failure(make_site, tmp_path) -> None:
    import pytest

    from gongkai import ContentError, build

    site = make_site({"notices/late.md": NOTICE.format(date="2015-11-04", formed="2015-09-30")})
    build(site, date(2016, 1, 1), out=tmp_path / "out")
    with pytest.raises(ContentError):
        build(site, date(2016, 1, 1), out=tmp_path / "out2", strict=True)
