"""Budgets against 财预〔2016〕143号 (issue 17, "143号 budgets"): the table
set per kind (GK370), 支出 to 项 (GK371), the “三公” details (GK372, GK373)
and the “三公” figures against the 30217 / 30231 lines (GK374, an error; its
fixture is tests/sites/invalid/budgets/gk374-30217.yaml).  Each test writes
a real budget file into a copy of the minimal site and checks it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gongkai import build, check
from gongkai.core.errors import Problem, Severity

TODAY = date(2016, 12, 31)
DEMO = Path(__file__).resolve().parent.parent / "content" / "budgets"


def _empty(name: str) -> str:
    return f"  - name: {name}\n    rows: []\n    total: 0\n    explanation: 本单位无此项收支，本表为空表。\n"


SPENDING = """  - name: 一般公共预算支出表
    rows:
      - {code: "201", name: 一般公共服务支出, amount: 300.00}
      - {code: "20103", name: 政府办公厅（室）及相关机构事务, amount: 300.00}
      - {code: "2010301", name: 行政运行, amount: 300.00}
    total: 300.00
"""
BASIC = """  - name: 一般公共预算基本支出表
    rows:
      - {code: "302", name: 商品和服务支出, amount: 300.00}
      - {code: "30217", name: 公务接待费, amount: 100.00}
      - {code: "30231", name: 公务用车运行维护费, amount: 200.00}
    total: 300.00
"""
THREE = """three_public:
  overseas: 0.00
  vehicles: {purchase: 0.00, operation: 200.00, bought: 0, count: 2}
  reception: 100.00
"""
DEPT_BUDGET = [
    "部门收支总表",
    "部门收入总表",
    "部门支出总表",
    "财政拨款收支总表",
    "一般公共预算“三公”经费支出表",
    "政府性基金预算支出表",
]


def _problems(make_site, tables: str, kind: str = "department", stage: str = "budget", extra: str = THREE):
    text = (
        f"title: 测试镇党政办2016年部门预算\npublisher: finance\ndate: 2016-02-20\nfiscal_year: 2016\n"
        f"stage: {stage}\napproved: 2016-02-10\n{'kind: ' + kind + chr(10) if kind else ''}tables:\n{tables}{extra}"
    )
    result = check(make_site({"budgets/b.yaml": text}), TODAY)
    return [p for p in result.problems if p.code.startswith("GK37")]


def _codes(problems: list[Problem]) -> list[str]:
    return sorted(p.code for p in problems)


def test_full_department_budget_is_clean(make_site) -> None:
    tables = SPENDING + BASIC + "".join(_empty(n) for n in DEPT_BUDGET)
    assert _problems(make_site, tables) == []


def test_department_budget_missing_tables_named(make_site) -> None:
    tables = (
        SPENDING + BASIC + "".join(_empty(n) for n in DEPT_BUDGET if n != "政府性基金预算支出表" and "三公" not in n)
    )
    (p,) = _problems(make_site, tables)
    assert p.code == "GK370" and p.severity is Severity.WARNING
    assert "部门预算" in p.message and "缺少 2 张" in p.message
    assert "政府性基金预算支出表" in p.message and "一般公共预算“三公”经费支出表" in p.message


def test_department_final_needs_nine(make_site) -> None:
    (p,) = _problems(make_site, SPENDING + BASIC, stage="final")
    assert p.code == "GK370" and "部门决算" in p.message
    assert "国有资本经营预算财政拨款支出决算表" in p.message and "缺少 8 张" in p.message


def test_no_kind_no_table_set_check(make_site) -> None:
    """Budgets written before `kind` existed (and the published fixtures) are not judged by a table set."""
    assert _problems(make_site, SPENDING + BASIC, kind="") == []


def test_spending_not_to_item(make_site) -> None:
    kuan = SPENDING.replace('      - {code: "2010301", name: 行政运行, amount: 300.00}\n', "")
    tables = kuan + BASIC + "".join(_empty(n) for n in DEPT_BUDGET)
    (p,) = _problems(make_site, tables)
    assert p.code == "GK371" and "20103" in p.message


def test_three_public_change_needs_reason(make_site) -> None:
    tables = SPENDING + BASIC + "".join(_empty(n) for n in DEPT_BUDGET)
    (p,) = _problems(make_site, tables, extra=THREE + "  last_year: 450.00\n")
    assert p.code == "GK372" and "减少 150.00" in p.message
    reason = THREE + "  last_year: 450.00\n  change_reason: 压减公务接待批次。\n"
    assert _problems(make_site, tables, extra=reason) == []
    assert _problems(make_site, tables, extra=THREE + "  last_year: 300.00\n") == []


def test_three_public_counts(make_site) -> None:
    tables = SPENDING + BASIC + "".join(_empty(n) for n in DEPT_BUDGET)
    bad = THREE.replace("count: 2", "count: 0") + "  reception_batches: 5\n  reception_people: 3\n"
    problems = _problems(make_site, tables, extra=bad)
    assert _codes(problems) == ["GK373", "GK373"]
    assert {p.field for p in problems} == {"three_public.vehicles.count", "three_public.reception_people"}
    ok = THREE + "  reception_batches: 5\n  reception_people: 30\n  overseas_groups: 0\n  overseas_people: 0\n"
    assert _problems(make_site, tables, extra=ok) == []


def test_three_public_counts_are_integers(make_site) -> None:
    tables = SPENDING + BASIC + "".join(_empty(n) for n in DEPT_BUDGET)
    text = THREE.replace("count: 2", "count: -1")
    assert "count: -1" in text
    site = make_site(
        {
            "budgets/b.yaml": f"title: t\npublisher: finance\ndate: 2016-02-20\nfiscal_year: 2016\nstage: budget\ntables:\n{tables}{text}"
        }
    )
    (p,) = [p for p in check(site, TODAY).problems if p.is_error]
    assert (p.code, p.field) == ("GK106", "three_public.vehicles.count") and "整数" in p.message


def test_30231_against_three_public(make_site) -> None:
    tables = SPENDING + BASIC + "".join(_empty(n) for n in DEPT_BUDGET)
    (p,) = _problems(make_site, tables, extra=THREE.replace("operation: 200.00", "operation: 210.00"))
    assert p.code == "GK374" and p.is_error and "30231" in p.message
    # 项目支出 lines count too: 100 in 基本支出 + 20 in 项目支出 = 120
    project = (
        '  - name: 一般公共预算项目支出表\n    rows:\n      - {code: "302", name: 商品和服务支出, amount: 20.00}\n'
    )
    project += '      - {code: "30217", name: 公务接待费, amount: 20.00}\n    total: 20.00\n'
    assert _problems(make_site, tables + project, extra=THREE.replace("reception: 100.00", "reception: 120.00")) == []


def test_demo_budgets_have_the_township_table_set(make_site, tmp_path) -> None:
    files = {f"budgets/{p.name}": p.read_text(encoding="utf-8") for p in sorted(DEMO.glob("*.yaml"))}
    assert all("kind: government" in t for t in files.values())
    result = check(make_site(files), TODAY)
    assert [p for p in result.problems if p.code.startswith(("GK30", "GK37"))] == []
    out = tmp_path / "out"
    build(make_site(files), TODAY, out=out)
    html = (out / "budgets" / "juesuan-2015" / "index.html").read_text(encoding="utf-8")
    assert "国有资本经营预算支出决算表</a>（本表无数据）" in html
    assert "本表无数据。" in html and "增减变化原因：" in html
    assert "公务用车保有量 4 辆" in html and "国内公务接待 132 批次、786 人次" in html


def test_township_final_names_its_tables_as_final(make_site) -> None:
    tables = SPENDING.replace("支出表", "支出决算表") + BASIC.replace("支出表", "支出决算表")
    (p,) = _problems(make_site, tables, kind="government", stage="final")
    assert p.code == "GK370" and "政府预决算" in p.message and "缺少 5 张" in p.message
    assert "政府性基金预算收入决算表" in p.message and "国有资本经营预算支出决算表" in p.message
    # one 收支表 stands for both 收入 and 支出
    both = (
        tables
        + _empty("一般公共预算收支决算表")
        + _empty("政府性基金预算收支决算表")
        + _empty("国有资本经营预算收支决算表")
    )
    assert _problems(make_site, both, kind="government", stage="final") == []


def test_new_sites_starter_budget_is_a_complete_township_budget(tmp_path) -> None:
    """gongkai new's budget is a 乡镇政府预算 (kind: government) with the whole
    table set, empty tables explained: checked by GK370–GK374 and clean;
    without one of its tables GK370 names it."""
    from gongkai.commands.new import create_site

    today = date(2026, 12, 5)
    site = tmp_path / "新镇"
    create_site(site, today)
    (budget,) = (site / "content" / "budgets").glob("*.yaml")
    text = budget.read_text(encoding="utf-8")
    assert "\nkind: government" in text
    problems = [p for p in check(site, today).problems if p.loc.path.startswith("content/budgets/")]
    assert problems == []
    table = "  - name: 国有资本经营预算支出表\n    rows: []\n    total: 0\n"
    assert table in text
    budget.write_text(text.replace(table, "  - name: 删去的表\n    rows: []\n    total: 0\n"), encoding="utf-8")
    (p,) = [p for p in check(site, today).problems if p.loc.path.startswith("content/budgets/")]
    assert (p.code, p.severity) == ("GK370", Severity.WARNING)
    assert p.message.endswith("缺少 1 张：国有资本经营预算支出表")
