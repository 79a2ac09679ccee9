"""救灾物资 rosters kept in a spreadsheet (issue #17): columns named after the
declared goods fill each row's ``items``.

Every workbook is written by openpyxl and every CSV is encoded as Excel/WPS
save it (GBK, UTF-8 with BOM); the end-to-end tests build a real site and read
the page, the print sheet and the CSV/JSON data it publishes."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import yaml

from gongkai import build
from gongkai.core.errors import ContentError
from gongkai.core.tree import RMap, RScalar, RSeq
from gongkai.read.raw import parse_yaml
from gongkai.read.roster import read_roster, roster_to_yaml
from gongkai.run.build import check

GOODS = (("棉被", "床"), ("大米", "袋"), ("食用油", "桶"))
REL = "subsidies/名单.xlsx"
TODAY = date(2015, 7, 26)  # inside the 公示期 below
TITLE = "测试镇“7·18”暴雨救灾物资发放名单\n"  # GBK is told from other encodings by enough Chinese text

RECORD = """\
title: 测试镇“7·18”暴雨救灾物资发放公示
publisher: town
date: 2015-07-24
kind: relief
program: “7·18”暴雨救灾物资发放
goods:
  - {name: 棉被, unit: 床}
  - {name: 大米, unit: 袋}
  - {name: 食用油, unit: 桶}
goods_source: allocated
notice: {start: 2015-07-24, end: 2015-08-03}
recipients: 名单.%s
totals: {households: 3}
"""

# (village, group, name, id, 棉被, 大米, 食用油) as a clerk types them
PEOPLE = [
    ["东湖村", "一组", "周德明", "320826********4417", 3, "２", None],
    ["东湖村", "四组", "钱桂英", "320826********6028", "1,200", "-", 0],
    ["河口村", "三组", "许春兰", "320826********2264", 5, 3, "2桶"],
]
# per row: what the household received, as the rows must read
RECEIVED = [{"棉被": "3", "大米": "2"}, {"棉被": "1200"}, {"棉被": "5", "大米": "3", "食用油": "2"}]
SUMS = {"棉被": Decimal(1208), "大米": Decimal(5), "食用油": Decimal(2)}


def workbook(people: list[list[object]] = PEOPLE, total: list[object] | None = None) -> openpyxl.Workbook:
    """A two-row header: 救灾物资 merged over the item columns, the other
    names merged down, as township rosters are laid out."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "工作表1"
    ws.append(["测试镇“7·18”暴雨救灾物资发放花名册"])
    ws.merge_cells("A1:I1")
    ws.append(["序号", "村", "组", "姓名", "身份证号", "救灾物资", None, None, "备注"])
    ws.append([None, None, None, None, None, "棉被（床）", "大米（袋）", "食用油", None])
    for col in "ABCDEI":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("F2:H2")
    for k, row in enumerate(people, start=1):
        ws.append([k, *row, None])
    if total is not None:
        ws.append(total)
    return wb


def xlsx(wb: openpyxl.Workbook, where: Path) -> bytes:
    wb.save(where)
    return where.read_bytes()


def items_of(row: object) -> dict[str, str]:
    assert isinstance(row, RMap)
    seq = row.entries.get("items")
    if seq is None:
        return {}
    assert isinstance(seq, RSeq)
    out = {}
    for it in seq.items:
        assert isinstance(it, RMap)
        name, qty = it.entries["name"], it.entries["quantity"]
        assert isinstance(name, RScalar) and isinstance(qty, RScalar)
        out[name.text] = qty.text
    return out


# --- reading ------------------------------------------------------------------------------------


def test_xlsx_goods_columns_fill_items(tmp_path: Path) -> None:
    data = xlsx(workbook(), tmp_path / "名单.xlsx")
    roster, problems = read_roster(data, "名单.xlsx", REL, GOODS)
    assert problems == []
    assert roster is not None
    assert [items_of(r) for r in roster.rows.items] == RECEIVED
    first = roster.rows.items[0]
    assert isinstance(first, RMap)
    assert "amount" not in first.entries  # goods only: no money column, no amount
    it = first.entries["items"]
    assert isinstance(it, RSeq)
    assert [str(i.loc) for i in it.items] == [f"{REL} 工作表1!F4", f"{REL} 工作表1!G4"]


def test_without_declared_goods_the_columns_are_unknown(tmp_path: Path) -> None:
    data = xlsx(workbook(), tmp_path / "名单.xlsx")
    roster, problems = read_roster(data, "名单.xlsx", REL)
    assert roster is not None and all(items_of(r) == {} for r in roster.rows.items)
    unknown = [p for p in problems if p.code == "GK124"]
    assert [p.loc.cell for p in unknown] == ["工作表1!F3", "工作表1!G3", "工作表1!H3"]
    assert "goods" in unknown[0].hint  # a bracketed unit: it says how to declare goods


@pytest.mark.parametrize(
    "encode",
    [lambda t: t.encode("gbk"), lambda t: t.encode("utf-8-sig"), lambda t: t.replace("\n", "\r\n").encode("gb18030")],
    ids=["gbk", "utf-8-bom", "gb18030-crlf"],
)
def test_csv_goods_columns(encode: object) -> None:
    text = (
        "村,组,姓名,身份证号,棉被（床）,大米,食用油(单位:桶),备注\n"
        "东湖村,一组,周德明,320826********4417,３,2,,\n"
        '东湖村,四组,钱桂英,320826********6028,"1,200",—,0,代领\n'
        "河口村,三组,许春兰,320826********2264,5床,3,2,\n"
        "合计,,3户,,1208,5,2,\n"
    )
    roster, problems = read_roster(encode(text), "名单.csv", "subsidies/名单.csv", GOODS)  # type: ignore[operator]
    assert problems == []
    assert roster is not None
    assert [items_of(r) for r in roster.rows.items] == RECEIVED
    assert roster.total is not None and items_of(roster.total) == {"棉被": "1208", "大米": "5", "食用油": "2"}
    assert roster.total.entries["households"].text == "3"  # type: ignore[union-attr]


def test_bad_quantities_name_the_cell_and_the_column(tmp_path: Path) -> None:
    people = [
        ["东湖村", "一组", "周德明", "320826********4417", "三床", -1, "2.12345"],
        ["东湖村", "四组", "钱桂英", "320826********6028", 2, date(2015, 1, 2), "=1/0"],
    ]
    data = xlsx(workbook(people), tmp_path / "名单.xlsx")
    roster, problems = read_roster(data, "名单.xlsx", REL, GOODS)
    got = [(p.code, p.loc.cell, p.field) for p in problems]
    assert got == [
        ("GK106", "工作表1!F4", "recipients[1].items"),
        ("GK361", "工作表1!G4", "recipients[1].items"),
        ("GK106", "工作表1!H4", "recipients[1].items"),
        ("GK126", "工作表1!G5", "recipients[2].items"),
        ("GK126", "工作表1!H5", "recipients[2].items"),  # a formula openpyxl saved without its result
    ]
    assert problems[0].message.startswith("“棉被（床）”列：")
    assert problems[1].message.startswith("“大米（袋）”列：")
    assert problems[2].message.startswith("“食用油”列：")
    assert roster is not None and items_of(roster.rows.items[1]) == {"棉被": "2"}


def test_csv_problem_names_file_line_and_column() -> None:
    text = "村,组,姓名,棉被（床）,大米（袋）\n东湖村,一组,周德明,3,2\n东湖村,四组,钱桂英,两床,1\n"
    _roster, problems = read_roster(text.encode("gbk"), "名单.csv", "subsidies/名单.csv", GOODS)
    (p,) = problems
    assert (p.code, p.loc.path, p.loc.line, p.loc.cell) == ("GK106", "subsidies/名单.csv", 3, "D3")
    assert "“棉被（床）”列" in p.message and p.value == "两床"


def test_undeclared_good_column_and_wrong_unit_are_refused() -> None:
    text = "村,组,姓名,棉被（床）,帐篷（顶）,大米（公斤）\n东湖村,一组,周德明,3,1,25\n"
    roster, problems = read_roster(text.encode("utf-8-sig"), "名单.csv", "subsidies/名单.csv", GOODS)
    by_code = {p.code: p for p in problems}
    assert sorted(by_code) == ["GK363", "GK364"]
    assert by_code["GK363"].loc.cell == "E1" and "帐篷（顶）" in by_code["GK363"].message
    assert "棉被（床）、大米（袋）、食用油（桶）" in by_code["GK363"].hint
    assert by_code["GK364"].loc.cell == "F1" and "袋" in by_code["GK364"].message
    assert roster is not None and items_of(roster.rows.items[0]) == {"棉被": "3"}  # refused columns are not read


def test_two_columns_of_one_good() -> None:
    text = "村,姓名,棉被,棉被（床）\n东湖村,周德明,3,2\n"
    _roster, problems = read_roster(text.encode("utf-8"), "名单.csv", "subsidies/名单.csv", GOODS)
    assert [(p.code, p.loc.cell) for p in problems] == [("GK124", "D1")]


def test_import_writes_items_back_as_yaml(tmp_path: Path) -> None:
    data = xlsx(workbook(), tmp_path / "名单.xlsx")
    roster, _ = read_roster(data, "名单.xlsx", REL, GOODS)
    assert roster is not None
    node, problems = parse_yaml(roster_to_yaml(roster), "x.yaml")
    assert not problems and isinstance(node, RMap)
    rows = node.entries["recipients"]
    assert isinstance(rows, RSeq)
    assert [items_of(r) for r in rows.items] == RECEIVED


# --- the site -------------------------------------------------------------------------------------


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_goods_only_spreadsheet_roster_builds_without_amount(make_site, tmp_path: Path) -> None:
    wb = workbook(total=["合计", None, None, None, "3户", 1208, 5, 2])
    root = make_site({"subsidies/wuzi.yaml": RECORD % "xlsx", "subsidies/名单.xlsx": xlsx(wb, tmp_path / "x.xlsx")})
    out = tmp_path / "build"
    build(root, TODAY, out=out)
    page = (out / "subsidies/wuzi/index.html").read_text(encoding="utf-8")
    head = re.search(r"<thead>.*?</thead>", page[page.index('id="h-roster"') :], re.S).group(0)
    cols = re.findall(r"<th[^>]*>(.*?)</th>", head)
    assert [c for c in cols if c.split("（")[0] in dict(GOODS)] == [f"{n}（{u}）" for n, u in GOODS]
    assert not [c for c in cols if "金额" in c or "标准" in c]  # per item only, no money
    for name, unit in GOODS:
        assert f"<dt>{name}合计</dt><dd>{SUMS[name]} {unit}</dd>" in page
    sheet = _text((out / "print/wuzi/index.html").read_text(encoding="utf-8"))
    assert "物资合计：" + "，".join(f"{n} {SUMS[n]} {u}" for n, u in GOODS) in sheet
    assert "金额" not in sheet
    rows = list(csv.reader(io.StringIO((out / "data/wuzi.csv").read_text(encoding="utf-8-sig"))))
    idx = [rows[0].index(f"{n}（{u}）") for n, u in GOODS]
    assert [{GOODS[k][0]: r[i] for k, i in enumerate(idx) if r[i]} for r in rows[1:]] == RECEIVED
    data = json.loads((out / "data/wuzi.json").read_text(encoding="utf-8"))
    assert [{i["name"]: i["quantity"] for i in r["items"]} for r in data["recipients"]] == RECEIVED


def test_total_row_of_items_must_match(make_site, tmp_path: Path) -> None:
    wb = workbook(total=["合计", None, None, None, "3户", 1200, 5, 2])
    root = make_site({"subsidies/wuzi.yaml": RECORD % "xlsx", "subsidies/名单.xlsx": xlsx(wb, tmp_path / "x.xlsx")})
    problems = [p for p in check(root, TODAY).problems if p.is_error]
    assert [(p.code, p.loc.cell, p.hint) for p in problems] == [("GK362", "工作表1!F7", "1208 床（按名单计算）")]


def test_money_roster_still_needs_amounts(make_site) -> None:
    """Without goods the amount stays required on every row and in the totals."""
    record = RECORD.replace("goods:\n", "x_goods:\n").split("x_goods:")[0] + (
        "notice: {start: 2015-07-24, end: 2015-08-03}\nrecipients: 名单.csv\ntotals: {households: 1}\n"
    )
    assert "goods" not in yaml.safe_load(record)
    root = make_site(
        {"subsidies/cash.yaml": record, "subsidies/名单.csv": "村,姓名,身份证号\n东湖村,周德明,320826********4417\n"}
    )
    problems = [p for p in check(root, TODAY).problems if p.is_error]
    assert sorted((p.code, p.field) for p in problems) == [("GK102", "recipients[1].amount")]
    root = make_site({"subsidies/cash.yaml": record.replace("recipients: 名单.csv", RECIPIENT_WITH_AMOUNT)})
    problems = [p for p in check(root, TODAY).problems if p.is_error]
    assert sorted((p.code, p.field) for p in problems) == [("GK102", "totals.amount")]


RECIPIENT_WITH_AMOUNT = "recipients:\n  - {village: 东湖村, name: 周德明, amount: 500}"


def test_mixed_roster_needs_its_money_total(make_site, tmp_path: Path) -> None:
    """Goods and money on one roster: rows without money need no amount, but
    the money total must still be written."""
    text = TITLE + "村,姓名,金额,棉被（床）\n东湖村,周德明,500,3\n东湖村,钱桂英,,2\n"
    record = (RECORD % "csv").replace("households: 3", "households: 2")
    root = make_site({"subsidies/wuzi.yaml": record, "subsidies/名单.csv": text.encode("gbk")})
    problems = [p for p in check(root, TODAY).problems if p.is_error]
    assert [(p.code, p.field) for p in problems] == [("GK102", "totals.amount")]
    root = make_site(
        {
            "subsidies/wuzi.yaml": record.replace("households: 2", "households: 2, amount: 500"),
            "subsidies/名单.csv": text.encode("gbk"),
        }
    )
    assert not [p for p in check(root, TODAY).problems if p.is_error]


def test_build_refuses_an_undeclared_good(make_site, tmp_path: Path) -> None:
    text = TITLE + "村,姓名,棉被（床）,帐篷（顶）\n东湖村,周德明,3,1\n东湖村,钱桂英,2,\n河口村,许春兰,1,1\n"
    root = make_site({"subsidies/wuzi.yaml": RECORD % "csv", "subsidies/名单.csv": text.encode("gbk")})
    with pytest.raises(ContentError) as err:
        build(root, TODAY, out=tmp_path / "build")
    codes = [(p.code, p.loc.path, p.loc.cell) for p in err.value.problems if p.is_error]
    assert codes == [("GK363", "content/subsidies/名单.csv", "D2")]


def test_a_row_that_received_nothing() -> None:
    """All item cells blank or 0 and no amount: GK395, not a missing amount (GK102)."""
    text = TITLE + "村,姓名,棉被（床）,大米（袋）\n东湖村,周德明,3,2\n东湖村,钱桂英,,0\n"
    roster, problems = read_roster(text.encode("gbk"), "名单.csv", "subsidies/名单.csv", GOODS)
    assert [(p.code, p.loc.cell, p.field) for p in problems] == [("GK395", "C4", "recipients[2].items")]
    assert "钱桂英" in problems[0].message
    assert roster is not None and items_of(roster.rows.items[1]) == {}


def test_refused_cells_do_not_cascade(make_site) -> None:
    """A row whose only item is in a refused cell or column has no amount
    either: the build names the cell and the column, nothing else."""
    text = TITLE + "村,姓名,棉被（床）,大米（公斤）\n东湖村,周德明,3,2\n东湖村,钱桂英,两床,1\n河口村,许春兰,,25\n"
    root = make_site({"subsidies/wuzi.yaml": RECORD % "csv", "subsidies/名单.csv": text.encode("gbk")})
    problems = [p for p in check(root, TODAY).problems if p.is_error]
    assert [(p.code, p.loc.cell) for p in problems] == [("GK364", "D2"), ("GK106", "C4")]


def test_unit_row_under_the_item_names(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["村", "姓名", "棉被", "大米", "食用油"])
    ws.append([None, None, "床", "公斤", None])
    ws.append(["东湖村", "周德明", 3, 50, 1])
    roster, problems = read_roster(xlsx(wb, tmp_path / "名单.xlsx"), "名单.xlsx", REL, GOODS)
    assert [(p.code, p.loc.cell) for p in problems] == [("GK364", "Sheet!D1")]
    assert "“大米（公斤）”列" in problems[0].message
    assert roster is not None and items_of(roster.rows.items[0]) == {"棉被": "3", "食用油": "1"}


def test_tab_separated_text_with_goods_columns() -> None:
    """Excel's “Unicode 文本” (UTF-16, tabs) whose header names only 姓名 and goods."""
    text = "姓名\t棉被（床）\t大米（袋）\n周德明\t3\t2\n"
    roster, problems = read_roster(text.encode("utf-16"), "名单.txt", "subsidies/名单.txt", GOODS)
    assert roster is not None and [items_of(r) for r in roster.rows.items] == [{"棉被": "3", "大米": "2"}]
    assert problems == []


# --- gongkai import -------------------------------------------------------------------------------


def _import(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run([sys.executable, "-m", "gongkai", "import", *args], capture_output=True, text=True, env=env)


def test_import_command_reads_the_goods_columns_it_is_told_of(tmp_path: Path) -> None:
    path = tmp_path / "名单.xlsx"
    xlsx(workbook(), path)
    out = _import(str(path), "--goods", "棉被:床", "--goods", "大米：袋", "--goods", "食用油:桶")
    assert out.returncode == 0, out.stderr
    node, problems = parse_yaml(out.stdout, "out.yaml")
    assert not problems and isinstance(node, RMap)
    rows = node.entries["recipients"]
    assert isinstance(rows, RSeq)
    assert [items_of(r) for r in rows.items] == RECEIVED
    assert "#   - {name: 大米, unit: 袋}" in out.stdout  # the declaration the record needs, as a comment


def test_import_command_without_goods_names_the_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "名单.xlsx"
    xlsx(workbook(), path)
    out = _import(str(path))
    assert out.returncode == 1
    assert "棉被" in out.stderr and "未转换" in out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize("bad", ["棉被", "棉被:", ":床", "棉被:床:条"])
def test_import_command_refuses_a_goods_option_it_cannot_read(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "名单.xlsx"
    xlsx(workbook(), path)
    out = _import(str(path), "--goods", bad)
    assert out.returncode == 2
    assert "名称:单位" in out.stderr and "Traceback" not in out.stderr
