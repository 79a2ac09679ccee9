"""The personal-data guard end to end: content in, nothing leaked out."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from gongkai import ContentError, build, check
from gongkai.core.id_numbers import id_check_char, luhn_ok

TODAY = date(2015, 3, 5)


def make_id(region: str = "320826", birth: str = "19650412", seq: str = "123") -> str:
    first17 = region + birth + seq
    return first17 + id_check_char(first17)


def make_card(prefix: str = "622202", body: str = "123456789") -> str:
    stem = prefix + body  # 15 digits; add one digit passing Luhn
    return next(stem + d for d in "0123456789" if luhn_ok(stem + d))


FULL_ID = make_id()
CARD = make_card()


def roster(note: str = "", id_number: str = "320826********1234", extra: str = "") -> str:
    return f"""title: 测试村2015年补贴公示
publisher: town
date: 2015-03-01
kind: farm_subsidy
program: 耕地地力保护补贴
rate: 100.00
notice: {{start: 2015-03-01, end: 2015-03-08}}
{extra}recipients:
  - {{village: 测试村, name: 张三, id_number: "{id_number}", quantity: 1.00, amount: 100.00, note: "{note}"}}
totals: {{households: 1, quantity: 1.00, amount: 100.00}}
"""


def fullwidth(s: str) -> str:
    return s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})


OBFUSCATIONS = {
    "plain": FULL_ID,
    "fullwidth": fullwidth(FULL_ID),
    "spaces": f"{FULL_ID[:6]} {FULL_ID[6:14]} {FULL_ID[14:]}",
    "hyphens": f"{FULL_ID[:6]}-{FULL_ID[6:14]}-{FULL_ID[14:]}",
    "zero-width": "\u200b".join(FULL_ID),
    "entities": "".join(f"&#{ord(c)};" for c in FULL_ID),
    "hex-entities": "".join(f"&#x{ord(c):x};" for c in FULL_ID[:9]) + FULL_ID[9:],
}


def codes(site: Path) -> list[tuple[str, int]]:
    return [(p.code, p.loc.line) for p in check(site, TODAY).problems if p.is_error]


@pytest.mark.parametrize("how", sorted(OBFUSCATIONS))
def test_full_id_in_any_field_stops_the_build(make_site, tmp_path: Path, how: str) -> None:
    site = make_site({"subsidies/r.yaml": roster(note=OBFUSCATIONS[how].replace('"', '\\"'))})
    assert ("GK401", 9) in codes(site)
    out = tmp_path / "out"
    with pytest.raises(ContentError):
        build(site, TODAY, out=out)
    assert not out.exists()


@pytest.mark.parametrize("how", sorted(OBFUSCATIONS))
def test_full_id_in_a_body_stops_the_build(make_site, how: str) -> None:
    site = make_site(
        {
            "notices/n.md": f"---\ntitle: 通知\npublisher: town\ndate: 2015-03-01\ncategory: 其他\n---\n第一段。\n\n联系人身份证 {OBFUSCATIONS[how]} 。\n"
        }
    )
    assert ("GK401", 9) in codes(site)


def test_unmasked_id_in_the_id_field_is_refused_without_echo(make_site) -> None:
    site = make_site({"subsidies/r.yaml": roster(id_number=FULL_ID)})
    problems = [p for p in check(site, TODAY).problems if p.is_error]
    assert [(p.code, p.loc.line) for p in problems] == [("GK113", 9)]
    assert FULL_ID not in problems[0].format()
    assert FULL_ID[6:14] not in problems[0].format()


def test_masked_id_is_shown_by_site_policy(make_site, tmp_path: Path) -> None:
    site = make_site({"subsidies/r.yaml": roster()})
    out = tmp_path / "out"
    build(site, TODAY, out=out)
    page = (out / "subsidies" / "r" / "index.html").read_text(encoding="utf-8")
    assert "32*************234" in page
    assert "320826" not in page


def test_bank_card_and_phone_in_a_roster_row(make_site) -> None:
    site = make_site({"subsidies/r.yaml": roster(note=f"卡号{CARD}")})
    assert ("GK402", 9) in codes(site)
    site = make_site({"subsidies/r.yaml": roster(note="电话 138 0013 8000")})
    assert ("GK403", 9) in codes(site)


def test_phones_allowed_in_contact_fields(make_site) -> None:
    site = make_site({"subsidies/r.yaml": roster(extra="objection: {phone: 13800138000, address: 测试村村委会}\n")})
    assert codes(site) == []


def test_spreadsheet_roster_with_full_ids_points_at_the_cell(make_site) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "工作表1"
    ws.append(["测试村2015年补贴发放名单"])
    ws.append(["村", "姓名", "身份证号", "面积", "金额", "备注"])
    ws.append(["测试村", "张三", "320826********1234", "1.00", "100.00", ""])
    ws.append(["测试村", "李四", "320826********2345", "1.00", "100.00", f"身份证{FULL_ID}"])
    site = make_site(
        {
            "subsidies/r.yaml": roster().split("recipients:")[0]
            + "recipients: 名单.xlsx\ntotals: {households: 2, quantity: 2.00, amount: 200.00}\n"
        }
    )
    wb.save(site / "content" / "subsidies" / "名单.xlsx")
    problems = [p for p in check(site, TODAY).problems if p.is_error]
    assert [(p.code, str(p.loc)) for p in problems] == [("GK401", "content/subsidies/名单.xlsx 工作表1!F4")]


def test_last_gate_catches_a_leak_from_a_template(make_site, tmp_path: Path) -> None:
    """Content is clean, but a site's own template prints a full ID number:
    the build must stop before swapping, and the previous site stays."""
    site = make_site()
    out = tmp_path / "out"
    build(site, TODAY, out=out)
    before = (out / "index.html").read_bytes()
    override = site / "themes" / "default" / "templates"
    override.mkdir(parents=True)
    default = Path(__file__).resolve().parent.parent / "themes" / "default" / "templates" / "home.html"
    text = default.read_text(encoding="utf-8").replace("{% endblock %}", f"<p>{FULL_ID}</p>{{% endblock %}}", 1)
    (override / "home.html").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        build(site, TODAY, out=out)
    assert [(p.code, p.loc.path) for p in exc.value.problems] == [("GK404", "build/index.html")]
    assert FULL_ID not in exc.value.problems[0].format()
    assert (out / "index.html").read_bytes() == before


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_hook_refuses_a_full_id(make_site) -> None:
    site = make_site()

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=site, capture_output=True, text=True, encoding="utf-8")

    git("init", "-q")
    git("config", "user.email", "clerk@example.org")
    git("config", "user.name", "信息员")
    r = subprocess.run(
        [sys.executable, "-m", "gongkai", "hooks", "install", str(site)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert r.returncode == 0, r.stderr
    (site / "content" / "subsidies").mkdir()
    (site / "content" / "subsidies" / "r.yaml").write_text(roster(note=OBFUSCATIONS["spaces"]), encoding="utf-8")
    git("add", "-A")
    r = git("commit", "-qm", "名单")
    assert r.returncode != 0
    assert "GK401" in r.stdout + r.stderr and "content/subsidies/r.yaml:9" in r.stdout + r.stderr
    assert git("log", "--oneline").stdout == ""
    (site / "content" / "subsidies" / "r.yaml").write_text(roster(), encoding="utf-8")
    git("add", "-A")
    r = git("commit", "-qm", "名单")
    assert r.returncode == 0, r.stdout + r.stderr


# --- a table cell is read under its column's header ---------------------------------------


def _id_shaped_case_number() -> str:
    """A 受理编号 (区划 + date + 4 digits) that passes every check of an ID number."""
    import random

    from pii_corpus import case_number

    from gongkai.core.id_numbers import is_valid_id

    rng = random.Random(5)
    while True:
        n = case_number(rng)
        if is_valid_id(n):
            return n


def _table(header: str, value: str, extra_head: str = "<th>序号</th>", extra_cell: str = "<td>1</td>") -> bytes:
    return (
        f"<table><thead><tr>{extra_head}<th>{header}</th><th>事项</th></tr></thead>"
        f"<tbody><tr>{extra_cell}<td>{value}</td><td>宅基地审批</td></tr></tbody></table>"
    ).encode()


@pytest.mark.parametrize(
    ("header", "refused"),
    [
        ("受理编号", False),  # the column says what the number is
        ("地块编码", False),
        ("单位账号", False),
        ("身份证号", True),  # the same digits under a personal header
        ("申请人身份证号（受理编号）", True),  # a header that also names personal data labels nothing
        ("备注", True),  # no label: indistinguishable from a child's ID number, refused
    ],
)
def test_a_table_cell_is_read_under_its_column_header(header: str, refused: bool) -> None:
    from gongkai.check.scan import scan_file

    n = _id_shaped_case_number()
    hits = scan_file("page.html", _table(header, n), name=False)
    assert any(h.digits == n for h in hits) is refused


def test_column_labels_follow_colspan_and_only_label_td_cells() -> None:
    from gongkai.check.scan import scan_file

    n = _id_shaped_case_number()
    # 序号 spans two columns: 受理编号 is the third column, the ID-shaped number the second cell's column
    page = _table("受理编号", n, '<th colspan="2">序号</th>', "<td>1</td><td>2</td>")
    assert not scan_file("page.html", page, name=False)
    shifted = _table("受理编号", "x", '<th colspan="2">序号</th>', f"<td>1</td><td>{n}</td>")
    assert any(h.digits == n for h in scan_file("page.html", shifted, name=False))
