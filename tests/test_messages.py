"""Messages a clerk tripped over: each says what is really wrong, where, and the right value."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner

from gongkai import check
from gongkai.commands.cli import main as cli_main
from gongkai.core.errors import Problem

TODAY = date(2016, 1, 1)
HEAD = """title: 测试村2015年耕地地力保护补贴发放公示
publisher: town
date: 2015-05-10
kind: farm_subsidy
program: 耕地地力保护补贴
basis: 测财农〔2015〕12号
rate: 105.00
rate_unit: 元/亩
quantity_unit: 亩
notice: {start: 2015-05-10, end: 2015-05-17}
"""
ZHANG = '{village: 测试村, group: 一组, name: 张三, id_number: "320823********1234", quantity: 47.34, amount: %s}'
LI = '{village: 测试村, group: 一组, name: 李四, id_number: "320823********5678", quantity: 2.00, amount: %s}'


def _problems(site) -> list[Problem]:
    return sorted(check(site, TODAY).problems, key=Problem.sort_key)


# --- a thousands comma in { } ---------------------------------------------------------------------


def test_unquoted_thousands_comma_in_a_row_says_to_quote_it(make_site) -> None:
    text = HEAD + f"recipients:\n  - {ZHANG % '4,970.70'}\n  - {LI % '1,234,567.80'}\n"
    text += 'totals: {households: 2, amount: "1,239,538.50"}\n'
    problems = _problems(make_site({"subsidies/s.yaml": text}))
    assert [(p.code, p.loc.line, p.field, p.value) for p in problems] == [
        ("GK119", 12, "recipients[1].amount", "4,970.70"),
        ("GK119", 13, "recipients[2].amount", "1,234,567.80"),
    ]
    assert "970.70" in problems[0].message and '"4,970.70"' in problems[0].hint
    assert 'amount: "1,234,567.80"' in problems[1].hint and "amount: 1234567.80" in problems[1].hint


def test_thousands_comma_outside_braces_is_a_number(make_site) -> None:
    rows = (
        "recipients:\n"
        '  - village: 测试村\n    group: 一组\n    name: 张三\n    id_number: "320823********1234"\n'
        "    quantity: 47.34\n    amount: 4,970.70\n"
    )
    text = HEAD + rows + 'totals: {households: 1, amount: "4,970.70"}\n'
    assert _problems(make_site({"subsidies/s.yaml": text})) == []


def test_a_real_unknown_number_like_key_is_still_unknown(make_site) -> None:
    # "970" after a text value, not after a number: an ordinary unknown key.
    text = HEAD + "recipients:\n  - {village: 测试村, group: 一组, name: 张三, 970: x, amount: 210.00}\n"
    codes = [p.code for p in _problems(make_site({"subsidies/s.yaml": text + "totals: {households: 1}\n"}))]
    assert "GK101" in codes and "GK119" not in codes


# --- GK102 names the choices ----------------------------------------------------------------------


def test_missing_or_empty_publisher_lists_the_publishers(make_site) -> None:
    notice = "title: 通知\n{pub}date: 2015-05-10\ncategory: 其他\n"
    (missing,) = _problems(make_site({"notices/n.yaml": notice.format(pub="")}))
    assert (missing.code, missing.field) == ("GK102", "publisher")
    assert missing.hint == "添加一行 publisher: town（site.yaml 中 publishers 的键之一：town、finance）"
    (empty,) = _problems(make_site({"notices/n.yaml": notice.format(pub="publisher:\n")}))
    assert (empty.code, empty.loc.line) == ("GK102", 2)
    assert empty.hint == "site.yaml 中 publishers 的键之一：town、finance"


def test_missing_enumerated_field_lists_its_values(make_site) -> None:
    (p,) = _problems(make_site({"notices/n.yaml": "title: 通知\npublisher: town\ndate: 2015-05-10\n"}))
    assert (p.code, p.field) == ("GK102", "category")
    assert "可选：" in p.hint and "其他" in p.hint and "（其他）" not in p.hint


# --- causes before consequences -------------------------------------------------------------------


def test_a_total_off_because_of_one_wrong_row_comes_after_it_and_names_the_right_sum(make_site) -> None:
    # 李四: 2.00 × 105.00 = 210.00 but 201.00 written; the stated total 756.00 is right.
    rows = (
        "recipients:\n"
        '  - {village: 测试村, group: 一组, name: 张三, id_number: "320823********1234", quantity: 5.20, amount: 546.00}\n'
        f"  - {LI % '201.00'}\n"
    )
    text = HEAD + "totals: {households: 2, quantity: 7.20, amount: 756.00}\n" + rows  # totals above the rows
    site = make_site({"subsidies/s.yaml": text})
    problems = _problems(site)
    assert [(p.code, p.loc.line) for p in problems] == [("GK311", 14), ("GK312", 11)]
    assert problems[0].hint == "210.00（2.00 × 105.00 = 210，四舍五入到分）"
    assert "756.00" in problems[1].message and problems[1].hint == "合计 756.00 不用改；改正 GK311 所指的金额"
    out = CliRunner().invoke(cli_main, ["check", str(site), "--today", TODAY.isoformat()]).output
    assert out.index("GK311") < out.index("GK312")


def test_a_total_wrong_itself_gives_the_sum_of_the_corrected_rows(make_site) -> None:
    rows = (
        "recipients:\n"
        '  - {village: 测试村, group: 一组, name: 张三, id_number: "320823********1234", quantity: 5.20, amount: 546.00}\n'
        f"  - {LI % '201.00'}\n"
    )
    site = make_site({"subsidies/s.yaml": HEAD + "totals: {households: 2, amount: 700.00}\n" + rows})
    gk311, gk312 = _problems(site)
    assert (gk311.code, gk312.code) == ("GK311", "GK312")
    assert gk312.hint.startswith("756.00（改正 GK311 所指的金额后各行之和；按名单现有金额为 747.00）")


def test_roster_file_cause_is_listed_before_the_totals_it_throws_off(make_site) -> None:
    # The yaml sorts before the CSV by name; the row's GK311 must still come first.
    csv = "村,组,姓名,身份证号,面积,金额\n测试村,一组,张三,320823********1234,5.20,546.00\n"
    csv += "测试村,一组,李四,320823********5678,2.00,201.00\n合计,,,,7.20,756.00\n"
    text = HEAD + "recipients: 名单.csv\ntotals: {households: 2, quantity: 7.20, amount: 756.00}\n"
    site = make_site({"subsidies/g/gengdi.yaml": text, "subsidies/g/名单.csv": csv})
    problems = _problems(site)
    assert [p.code for p in problems] == ["GK311", "GK312", "GK317"]
    assert all("不用改" in p.hint for p in problems[1:])


# --- an ID in a body is reported at its own line --------------------------------------------------

ID = "320826198001012731"  # a valid check character: a real-looking unmasked number


def test_id_in_a_yaml_body_is_reported_at_its_own_line(make_site) -> None:
    literal = (
        f"title: 通知\npublisher: town\ndate: 2015-05-10\ncategory: 其他\nbody: |\n  第一段\n\n  身份证 {ID} 在这里\n"
    )
    folded = f"title: 通知\npublisher: town\ndate: 2015-05-10\ncategory: 其他\nbody: >\n  第一段\n  续\n\n  又 {ID}\n"
    twice = f"title: 通知\npublisher: town\ndate: 2015-05-10\ncategory: 其他\nbody: |\n  {ID}\n  第二行\n  再写 {ID}\n"
    site = make_site({"notices/a.yaml": literal, "notices/b.yaml": folded, "notices/c.yaml": twice})
    found = [(p.loc.path.rsplit("/", 1)[1], p.loc.line) for p in _problems(site) if p.code == "GK401"]
    assert found == [("a.yaml", 8), ("b.yaml", 9), ("c.yaml", 6), ("c.yaml", 8)]


def test_id_in_a_markdown_body_is_reported_at_its_own_line(make_site) -> None:
    md = f"---\ntitle: 通知\npublisher: town\ndate: 2015-05-10\ncategory: 其他\n---\n\n第一段\n\n第二段 {ID}\n"
    (p,) = _problems(make_site({"notices/m.md": md}))
    assert (p.code, p.loc.line) == ("GK401", 10)


def test_every_code_the_package_raises_is_registered_and_documented() -> None:
    """A new code must be in core/errors.CODES (the fuzz tests and the JSON
    output read it) and have its heading in docs/errors.md."""
    import re
    from pathlib import Path

    from gongkai.core.errors import CODES

    root = Path(__file__).resolve().parent.parent
    used = {
        c for f in (root / "gongkai").rglob("*.py") for c in re.findall(r'"(GK\d{3})"', f.read_text(encoding="utf-8"))
    }
    assert used - set(CODES) == set()
    documented = set(re.findall(r"^### (GK\d{3}) ", (root / "docs/errors.md").read_text(encoding="utf-8"), re.M))
    assert set(CODES) - documented == set()
