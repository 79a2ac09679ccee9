"""Budget tables as townships publish them (issue 15, "Budgets as published" 1–7).

The fixture tests/sites/invalid/budgets/ok-published-wanyuan.yaml is a 决算 in
万元 copied from a published layout: rounding line by line, blanks and dashes,
a 退税 row, spaced and split codes, a table of 类 and 项 only, labelled total
rows and four amount columns.  Each test below changes one thing about a small
table and says what the check must make of it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from gongkai import build, check
from gongkai.core.errors import Problem

TODAY = date(2022, 12, 31)
FIXTURE = Path(__file__).parent / "sites" / "invalid" / "budgets" / "ok-published-wanyuan.yaml"
HEAD = """title: 测试镇2021年一般公共预算
publisher: finance
date: 2021-02-20
fiscal_year: 2021
stage: {stage}
unit: {unit}
{extra}tables:
  - name: 一般公共预算支出表
{table}"""


def _budget(make_site, table: str, unit: str = "元", stage: str = "budget", extra: str = ""):
    text = HEAD.format(table=table, unit=unit, stage=stage, extra=extra)
    site = make_site({"budgets/b.yaml": text})
    result = check(site, TODAY)
    # GK605 (no annual report for the budget's year, 2021, after 31 January 2022) is about the site, not the table
    return sorted((p for p in result.problems if p.code != "GK605"), key=Problem.sort_key), result.site


def _codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def _record(site):
    (rec,) = [r for r in site.records if r.type == "budget"]
    return rec


# --- the published fixture ------------------------------------------------------------------------


def test_published_wanyuan_table_validates_and_reads_as_printed(make_site, tmp_path) -> None:
    site = make_site({"budgets/" + FIXTURE.name: FIXTURE.read_text(encoding="utf-8")})
    result = check(site, TODAY)
    assert result.problems == ()
    rec = _record(result.site)
    spend, income, fund = rec.data["tables"]
    rows = {r["code"] or r["name"]: r for r in spend["rows"]}
    assert rows["2010302"]["amounts"] == (Decimal(0), Decimal("12.35"), Decimal("12.30"), Decimal(0))  # "-"
    assert rows["2130199"]["amounts"][0] == 0  # ""
    assert rows["21301"]["amount"] == Decimal("24.08")  # the main column is 决算数
    assert spend["total"] == Decimal("992.96")  # from the 本年支出合计 row
    assert rec.data["stage"] == "final"
    codes = [r["code"] for r in income["rows"]]
    assert codes[:5] == ["101", "10101", "1010101", "1010129", "10110"]  # from class/section/item
    assert [r["amount"] for r in income["rows"] if r["code"] == "1010129"] == [Decimal("-18.27")]
    assert [r["code"] for r in fund["rows"]] == ["212", "2120801", "2120804", "229", "2296002"]
    out = tmp_path / "out"
    build(site, TODAY, out=out)
    page = (out / "budgets" / FIXTURE.stem / "index.html").read_text(encoding="utf-8")
    assert "调整预算数" in page and "为预算%" in page and "本年支出合计" in page
    assert "调整预算数" in (out / "data" / f"{FIXTURE.stem}.csv").read_text(encoding="utf-8-sig").splitlines()[0]


# --- 1. blank and "-" ------------------------------------------------------------------------------

BLANKS = """    rows:
      - {code: "201", name: 一般公共服务支出, amount: 120.00}
      - {code: "20101", name: 人大事务, amount: 120.00}
      - {code: "2010101", name: 行政运行, amount: 120.00}
      - {code: "2010102", name: 一般行政管理事务, amount: }
      - {code: "2010104", name: 人大会议, amount: "-"}
      - {code: "2010105", name: 人大立法, amount: —}
    total: 120.00
"""


def test_blank_and_dash_are_one_problem_that_names_blank_as_zero(make_site) -> None:
    problems, _ = _budget(make_site, BLANKS)
    (p,) = problems
    assert (p.code, p.loc.line) == ("GK102", 13)
    assert "3 处金额空白" in p.message and "blank_as_zero: true" in p.hint


def test_blank_and_dash_are_zero_where_the_table_says_so(make_site) -> None:
    problems, site = _budget(make_site, "    blank_as_zero: true\n" + BLANKS)
    assert problems == []
    amounts = [r["amount"] for r in _record(site).data["tables"][0]["rows"]]
    assert amounts[3:] == [0, 0, 0]


# --- 2. unit and rounding ------------------------------------------------------------------------

ROUNDED = """    rows:
      - {code: "213", name: 农林水支出, amount: 24.08}
      - {code: "21301", name: 农业, amount: 24.08}
      - {code: "2130104", name: 事业运行, amount: 18.64}
      - {code: "2130106", name: 农业技术推广, amount: 4.20}
      - {code: "2130199", name: 其他农业支出, amount: 1.23}
    total: 24.08
"""


def test_wanyuan_rows_rounded_line_by_line_pass(make_site) -> None:
    # 18.64 + 4.20 + 1.23 = 24.07 against 24.08: within half a unit per line.
    problems, _ = _budget(make_site, ROUNDED, unit="万元")
    assert problems == []


def test_exact_tables_and_declared_rounding(make_site) -> None:
    problems, _ = _budget(make_site, ROUNDED, unit="元")  # 元 tables are exact unless declared
    assert [(p.code, p.hint.split("，")[1]) for p in problems] == [("GK303", "差额 0.01")]
    problems, _ = _budget(make_site, ROUNDED, unit="万元", extra="rounding: 0\n")
    assert _codes(problems) == ["GK303"]
    problems, _ = _budget(make_site, ROUNDED, unit="元", extra="rounding: 0.01\n")
    assert problems == []


def test_a_difference_beyond_the_rounding_tolerance_is_still_an_error(make_site) -> None:
    # Three children and the parent: at most 4 × 0.005 = 0.02 万元.
    problems, _ = _budget(make_site, ROUNDED.replace("amount: 1.23}", "amount: 1.20}"), unit="万元")
    assert _codes(problems) == ["GK303"]
    assert "允许差 0.02" in problems[0].hint and "差额 0.04" in problems[0].hint


def test_total_follows_the_rows_it_is_thrown_off_by(make_site) -> None:
    # The total written above the rows: its GK304 is still listed after the GK303 it follows.
    table = "    total: 32.08\n" + ROUNDED.replace("amount: 1.23}", "amount: 9.23}").replace("    total: 24.08\n", "")
    problems, _ = _budget(make_site, table, unit="万元")
    assert [(p.code, p.loc.line) for p in problems] == [("GK303", 12), ("GK304", 9)]


# --- 3. negatives ----------------------------------------------------------------------------------

NEGATIVE = """    rows:
      - {code: "101", name: 税收收入, amount: 594.08}
      - {code: "10101", name: 增值税, amount: 594.08}
      - {code: "1010101", name: 国内增值税, amount: 612.35}
      - {code: "1010129", name: %s, amount: -18.27}
    total: 594.08
"""


def test_negative_amounts_in_rows_that_allow_them(make_site) -> None:
    for name in ("改征增值税出口退税", "预算调减", "其他收入调减"):
        problems, _ = _budget(make_site, NEGATIVE % name)
        assert problems == [], name
    problems, _ = _budget(make_site, NEGATIVE % "其他增值税")
    assert [(p.code, p.value, p.loc.line) for p in problems] == [("GK307", "-18.27", 13)]


# --- 4. codes with spaces or in separate columns ---------------------------------------------------


def test_spaced_and_split_codes_are_normalised(make_site) -> None:
    table = """    rows:
      - {code: "201", name: 一般公共服务支出, amount: 300.00}
      - {code: "201 03", name: 政府办公厅, amount: 300.00}
      - {code: "201 03 01", name: 行政运行, amount: 100.00}
      - {code: "２０１-０３-０２", name: 一般行政管理事务, amount: 150.00}
      - {class: "201", section: "03", item: "50", name: 事业运行, amount: 50.00}
    total: 300.00
"""
    problems, site = _budget(make_site, table)
    assert problems == []
    assert [r["code"] for r in _record(site).data["tables"][0]["rows"]] == [
        "201",
        "20103",
        "2010301",
        "2010302",
        "2010350",
    ]


def test_a_bad_code_is_still_refused(make_site) -> None:
    table = '    rows:\n      - {code: "201 3", name: 一般公共服务支出, amount: 1.00}\n    total: 1.00\n'
    problems, _ = _budget(make_site, table)
    assert [(p.code, p.value) for p in problems] == [("GK301", "2013")]


# --- 5. tables without 款 ---------------------------------------------------------------------------


def test_a_table_of_lei_and_xiang_only_sums_xiang_into_lei(make_site) -> None:
    table = """    rows:
      - {code: "212", name: 城乡社区支出, amount: 155.77}
      - {code: "2120801", name: 征地和拆迁补偿支出, amount: 120.50}
      - {code: "2120804", name: 农村基础设施建设支出, amount: 35.27}
    total: 155.77
"""
    problems, _ = _budget(make_site, table)
    assert problems == []
    problems, _ = _budget(make_site, table.replace("amount: 155.77}", "amount: 155.00}"))
    assert _codes(problems) == ["GK303", "GK304"]


def test_a_missing_kuan_in_a_table_that_prints_kuan_is_still_refused(make_site) -> None:
    table = """    rows:
      - {code: "212", name: 城乡社区支出, amount: 155.77}
      - {code: "21208", name: 国有土地使用权出让收入安排的支出, amount: 120.50}
      - {code: "2120801", name: 征地和拆迁补偿支出, amount: 120.50}
      - {code: "2120901", name: 其他, amount: 35.27}
    total: 155.77
"""
    problems, _ = _budget(make_site, table)
    assert ("GK302", "2120901") in [(p.code, p.value) for p in problems]


# --- 6. labelled rows without code -----------------------------------------------------------------

LABELLED = """    rows:
      - {code: "101", name: 税收收入, amount: 627.18}
      - {code: "103", name: 非税收入, amount: 19.72}
      - {name: 本年收入合计, amount: %s}
      - {name: 上年结转, amount: 43.62}
      - {name: 收入总计, amount: %s}
"""


def test_labelled_total_rows_are_checked_and_give_the_total(make_site) -> None:
    problems, site = _budget(make_site, LABELLED % ("646.90", "690.52"))
    assert problems == []
    assert _record(site).data["tables"][0]["total"] == Decimal("646.90")
    problems, _ = _budget(make_site, LABELLED % ("646.00", "690.52"))
    # The 合计 row is off the classes; the 总计 row is then off 合计 + 上年结转.
    assert [(p.code, p.loc.line) for p in problems] == [("GK304", 12), ("GK304", 14)]
    problems, _ = _budget(make_site, LABELLED % ("646.90", "700.00"))
    assert [(p.code, p.loc.line) for p in problems] == [("GK304", 14)]
    assert "上年结转" in problems[0].message and problems[0].hint.startswith("690.52")


def test_a_table_with_neither_total_nor_total_row_says_so(make_site) -> None:
    table = '    rows:\n      - {code: "101", name: 税收收入, amount: 1.00}\n'
    problems, _ = _budget(make_site, table)
    assert [(p.code, p.field) for p in problems] == [("GK102", "tables[1].total")]


# --- 7. several amount columns, stages -------------------------------------------------------------

COLUMNS = """    columns: [预算数, 调整预算数, 决算数, 为预算%]
    rows:
      - {code: "201", name: 一般公共服务支出, amounts: [300.00, 320.00, 310.00, 103.3]}
      - {code: "20103", name: 政府办公厅, amounts: [300.00, 320.00, 310.00, 103.3]}
      - {code: "2010301", name: 行政运行, amounts: [200.00, AMT, 205.00, 102.5]}
      - {code: "2010302", name: 一般行政管理事务, amounts: [100.00, 110.00, 105.00, 105.0]}
    totals: [300.00, 320.00, 310.00, 103.3]
"""


def test_each_amount_column_has_its_own_sums(make_site) -> None:
    problems, site = _budget(make_site, COLUMNS.replace("AMT", "210.00"), stage="final")
    assert problems == []
    rec = _record(site)
    assert rec.data["tables"][0]["total"] == Decimal("310.00")
    assert rec.data["tables"][0]["rows"][2]["amount"] == Decimal("205.00")
    problems, _ = _budget(make_site, COLUMNS.replace("AMT", "211.00"), stage="final")
    (p,) = problems
    assert (p.code, p.field) == ("GK303", "tables[1].rows[2].amounts[2]")
    assert "“调整预算数”列" in p.message and p.hint.startswith("321.00")


def test_a_row_with_the_wrong_number_of_amounts(make_site) -> None:
    problems, _ = _budget(make_site, COLUMNS.replace(", 102.5]", "]").replace("AMT", "210.00"), stage="final")
    assert [(p.code, p.field) for p in problems] == [("GK308", "tables[1].rows[3].amounts")]
    table = '    rows:\n      - {code: "101", name: 税收收入, amounts: [1.00, 2.00]}\n    total: 1.00\n'
    problems, _ = _budget(make_site, table)
    assert _codes(problems) == ["GK308"]


@pytest.mark.parametrize(("written", "stage", "label"), [
    ("adjustment", "adjustment", "预算调整"),
    ("预算调整", "adjustment", "预算调整"),
    ("execution", "execution", "执行情况"),
    ("执行情况", "execution", "执行情况"),
])  # fmt: skip
def test_adjustment_and_execution_stages(make_site, tmp_path, written: str, stage: str, label: str) -> None:
    table = COLUMNS.replace("[预算数, 调整预算数, 决算数, 为预算%]", "[年初预算数, 调整数, 调整后预算数, 执行%]")
    problems, site = _budget(make_site, table.replace("AMT", "210.00"), stage=written)
    assert problems == []
    assert _record(site).data["stage"] == stage
    out = tmp_path / "out"
    build(Path(site.root), TODAY, out=out)
    page = (out / "budgets" / "b" / "index.html").read_text(encoding="utf-8")
    assert f"<dd>{label}</dd>" in page
