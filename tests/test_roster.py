"""Roster files (.xlsx/.csv) → the raw tree of ``recipients:`` rows.

Every spreadsheet is built here with openpyxl (into tmp_path or memory), so
the fixtures are reproducible and show exactly what they contain.
"""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.styles import Font

from gongkai.core.errors import Severity
from gongkai.core.tree import RMap, RScalar
from gongkai.read import roster as roster_mod
from gongkai.read import roster_cells, roster_csv, roster_xlsx
from gongkai.read.raw import parse_yaml
from gongkai.read.roster import ROSTER_CODES, RosterFile, number_text, read_roster, roster_to_yaml

REL = "subsidies/名单.xlsx"
REL_CSV = "subsidies/名单.csv"

TITLE = "青石镇2015年耕地地力保护补贴发放花名册"
HEADER = ["序号", "村名", "组", "姓名", "身份证号码", "补贴面积（亩）", "补贴标准（元/亩）", "补贴金额（元）", "备注"]
PEOPLE = [
    [1, "青石村", "一组", "王振华", "320826********2730", 1.84, 105, 193.2, None],
    [2, "青石村", "一组", "王德胜", "320826********8674", 2.36, 105, 247.8, "代领"],
    [3, "青石村", "二组", "陈学明", "320826********7214", 5.12, 105, 537.6, None],
]


# --- helpers ------------------------------------------------------------------------------


def xlsx_bytes(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def save(tmp_path: Path, wb: openpyxl.Workbook, name: str = "名单.xlsx") -> bytes:
    """Write the workbook as a fixture file in tmp_path and return its bytes."""
    path = tmp_path / name
    wb.save(path)
    return path.read_bytes()


def new_sheet(title: str = "工作表1") -> tuple[openpyxl.Workbook, object]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    return wb, ws


def standard_roster() -> openpyxl.Workbook:
    """Title merged over A1:I1, a 填报单位 line, header, three people, 合计,
    and a signature line: the usual shape of a township roster."""
    wb, ws = new_sheet()
    ws.append([TITLE])
    ws.merge_cells("A1:I1")
    ws["A1"].font = Font(bold=True, size=16)
    ws.append(["填报单位：青石镇农业服务中心", None, None, None, None, None, "填报日期：2015年5月8日"])
    ws.append(HEADER)
    for row in PEOPLE:
        ws.append(row)
    ws.append(["合计", None, None, "3户", None, 9.32, None, 978.6, None])
    ws.merge_cells("A7:C7")
    ws.append([])
    ws.append(["制表人：李明", None, None, "审核人：张华", None, None, "日期：2015年5月8日"])
    for row in range(4, 8):
        for col in "FH":
            ws[f"{col}{row}"].number_format = "0.00"
    return wb


def with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """Put cached results into formula cells, as Excel does when it saves
    (openpyxl itself writes formulas with an empty result: ``<v/>``, or
    ``<v></v>`` when lxml is installed)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = body.decode("utf-8")
                for ref, value in values.items():
                    text, n = re.subn(
                        rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)', rf"\g<1><v>{value}</v>", text
                    )
                    assert n == 1, ref
                body = text.encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


def read(data: bytes, name: str = "名单.xlsx", rel: str = REL) -> tuple[RosterFile | None, list]:
    return read_roster(data, name, rel)


def codes(problems: list) -> list[str]:
    return [p.code for p in problems]


def texts(roster: RosterFile) -> list[dict[str, str]]:
    out = []
    for item in roster.rows.items:
        assert isinstance(item, RMap)
        out.append({k: v.text for k, v in item.entries.items()})
    return out


def cell_of(roster: RosterFile, i: int, key: str) -> str:
    node = roster.rows.items[i].entries[key]
    assert isinstance(node, RScalar)
    return node.loc.cell


# --- the usual roster ------------------------------------------------------------------------


def test_title_rows_are_skipped_and_rows_keep_displayed_text(tmp_path: Path) -> None:
    roster, problems = read(save(tmp_path, standard_roster()))
    assert problems == []
    assert roster is not None
    assert read(save(tmp_path, standard_roster(), "名单.xlsm"), "名单.xlsm")[0] == roster
    assert roster.sheet == "工作表1"
    assert roster.header_row == 3
    assert texts(roster) == [
        {
            "village": "青石村",
            "group": "一组",
            "name": "王振华",
            "id_number": "320826********2730",
            "quantity": "1.84",
            "rate": "105",
            "amount": "193.20",
        },
        {
            "village": "青石村",
            "group": "一组",
            "name": "王德胜",
            "id_number": "320826********8674",
            "quantity": "2.36",
            "rate": "105",
            "amount": "247.80",
            "note": "代领",
        },
        {
            "village": "青石村",
            "group": "二组",
            "name": "陈学明",
            "id_number": "320826********7214",
            "quantity": "5.12",
            "rate": "105",
            "amount": "537.60",
        },
    ]


def test_every_scalar_points_at_its_cell(tmp_path: Path) -> None:
    roster, _ = read(save(tmp_path, standard_roster()))
    assert roster is not None
    row = roster.rows.items[2]
    assert isinstance(row, RMap)
    name = row.entries["name"]
    assert isinstance(name, RScalar)
    assert name.loc.path == REL
    assert (name.loc.line, name.loc.col, name.loc.cell) == (6, 4, "工作表1!D6")
    assert str(name.loc) == f"{REL} 工作表1!D6"
    assert row.key_locs["amount"].cell == "工作表1!H6"
    assert row.loc.cell == "工作表1!A6"  # the row's first cell
    assert roster.rows.loc.cell == "工作表1!A3"  # the header row
    assert all(isinstance(v, RScalar) and v.style is None for v in row.entries.values())


def test_total_row_is_returned_and_signature_lines_ignored(tmp_path: Path) -> None:
    roster, problems = read(save(tmp_path, standard_roster()))
    assert problems == []
    assert roster is not None and roster.total is not None
    total = {k: v.text for k, v in roster.total.entries.items()}
    assert total == {"quantity": "9.32", "amount": "978.60", "households": "3"}
    assert roster.total.key_locs["amount"].cell == "工作表1!H7"
    assert roster.total.key_locs["households"].cell == "工作表1!D7"
    assert roster.total.loc.cell == "工作表1!A7"
    assert len(roster.rows.items) == 3


@pytest.mark.parametrize("label", ["合计", "总计", "合  计", "合计："])
def test_total_words(label: str) -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "村", "金额"])
    ws.append(["张三", "青石村", 100])
    ws.append([label, None, 100])
    roster, problems = read(xlsx_bytes(wb))
    assert problems == []
    assert roster is not None and roster.total is not None
    assert roster.total.entries["amount"].text == "100"
    assert len(roster.rows.items) == 1


def test_subtotals_blank_rows_repeated_headers_and_numbering_row_are_skipped() -> None:
    wb, ws = new_sheet()
    ws.append(["序号", "村", "姓名", "金额"])
    ws.append([1, 2, 3, 4])  # column numbers under the header
    ws.append([1, "青石村", "张三", 100])
    ws.append([])
    ws.append([None, "青石村小计", None, 100])
    ws.append(["序号", "村", "姓名", "金额"])  # header repeated (pasted from a printed page)
    ws.append([2, "白湖村", "李四", 200])
    ws.append([3])  # a numbered template row left empty
    ws.append(["合计", None, None, 300])
    roster, problems = read(xlsx_bytes(wb))
    assert problems == []
    assert roster is not None
    assert [r["name"] for r in texts(roster)] == ["张三", "李四"]
    assert roster.total is not None and roster.total.entries["amount"].text == "300"


def test_people_after_total_row_are_refused() -> None:
    wb, ws = new_sheet()
    ws.append(["村", "姓名", "金额"])
    ws.append(["青石村", "张三", 100])
    ws.append(["合计", None, 100])
    ws.append(["白湖村", "李四", 200])
    ws.append(["白湖村", "王五", 200])
    ws.append(["制表人：李明", None, "审核人：张华"])
    roster, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK128"]
    assert problems[0].loc.cell == "工作表1!A4"
    assert "共 2 行" in problems[0].message
    assert roster is not None and len(roster.rows.items) == 1


def test_signature_line_without_total_ends_the_roster() -> None:
    wb, ws = new_sheet()
    ws.append(["村", "姓名", "金额"])
    ws.append(["青石村", "张三", 100])
    ws.append(["制表人：李明", None, None])
    ws.append([None, "审核人：张华", "2015年5月8日"])
    roster, problems = read(xlsx_bytes(wb))
    assert problems == []
    assert roster is not None and roster.total is None
    assert texts(roster) == [{"village": "青石村", "name": "张三", "amount": "100"}]


# --- merged cells ---------------------------------------------------------------------------------


def test_two_row_header_with_merged_cells(tmp_path: Path) -> None:
    wb, ws = new_sheet()
    ws.append([TITLE])
    ws.merge_cells("A1:G1")
    ws.append(["序号", "村", "姓名", "补贴面积", "补贴标准", "补贴金额", "备注"])
    ws.append([None, None, None, "亩", "元/亩", "元", None])
    for col in "ABCG":
        ws.merge_cells(f"{col}2:{col}3")
    ws.append([1, "青石村", "张三", 5.2, 105, 546, None])
    roster, problems = read(save(tmp_path, wb))
    assert problems == []
    assert roster is not None
    assert roster.header_row == 2
    assert texts(roster) == [{"village": "青石村", "name": "张三", "quantity": "5.2", "rate": "105", "amount": "546"}]
    assert cell_of(roster, 0, "name") == "工作表1!C4"


def test_group_title_merged_over_sub_headers() -> None:
    wb, ws = new_sheet()
    ws.append(["序号", "补贴对象", None, None, "补贴面积（亩）", "金额"])
    ws.append([None, "村", "组", "户主姓名", None, None])
    ws.merge_cells("B1:D1")
    for col in "AEF":
        ws.merge_cells(f"{col}1:{col}2")
    ws.append([1, "青石村", "一组", "张三", 2.5, 262.5])
    roster, problems = read(xlsx_bytes(wb))
    assert problems == []
    assert roster is not None
    assert texts(roster) == [
        {"village": "青石村", "group": "一组", "name": "张三", "quantity": "2.5", "amount": "262.5"}
    ]


def test_unit_row_without_merges_is_part_of_the_header() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "面积", "金额"])
    ws.append([None, "（亩）", "（元）"])
    ws.append(["张三", 2, 210])
    roster, problems = read(xlsx_bytes(wb))
    assert problems == []
    assert roster is not None
    assert texts(roster) == [{"name": "张三", "quantity": "2", "amount": "210"}]


def test_village_merged_down_is_filled_for_each_person() -> None:
    wb, ws = new_sheet()
    ws.append(["村", "组", "姓名", "金额"])
    ws.append(["青石村", "一组", "张三", 100])
    ws.append([None, None, "李四", 200])
    ws.append([None, "二组", "王五", 300])
    ws.merge_cells("A2:A4")
    ws.merge_cells("B2:B3")
    roster, problems = read(xlsx_bytes(wb))
    assert problems == []
    assert roster is not None
    assert [(r["village"], r["group"]) for r in texts(roster)] == [
        ("青石村", "一组"),
        ("青石村", "一组"),
        ("青石村", "二组"),
    ]
    assert cell_of(roster, 1, "village") == "工作表1!A3"


def test_amount_merged_over_several_people_is_refused() -> None:
    wb, ws = new_sheet()
    ws.append(["村", "姓名", "金额"])
    ws.append(["青石村", "张三", 300])
    ws.append(["青石村", "李四", None])
    ws.merge_cells("C2:C3")
    roster, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK126"]
    assert problems[0].loc.cell == "工作表1!C2"
    assert "C2:C3" in problems[0].message
    assert roster is not None
    assert "amount" not in roster.rows.items[1].entries


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [
        (5.2, "General", "5.2"),
        (546, "General", "546"),
        (546.0, "General", "546"),
        (105.005, "General", "105.005"),
        (0.1 + 0.2, "General", "0.3"),
        (1.84 * 105, "General", "193.2"),
        (-0.0, "General", "0"),
        (1e-7, "General", "0.0000001"),
        (1.5e16, "General", "15000000000000000"),
        (193.2, "0.00", "193.20"),
        (546, "#,##0.00", "546.00"),
        (1234567.5, "#,##0.00_ ", "1234567.50"),
        (1.005, "0.00", "1.005"),  # Excel shows 1.01: the format only rounds the screen
        (1.8375, "0.00", "1.8375"),
        (2.5, "0", "2.5"),
        (105.1, "0.0#", "105.1"),
        (105.125, "0.0#", "105.125"),
        (0.05, "0%", "5%"),
        (0.125, "0.0%", "12.5%"),
        (193.2, '"¥"#,##0.00;[Red]"¥"-#,##0.00', "193.20"),
        (193.2, "@", "193.2"),
        (193.2, "0.00E+00", "193.2"),
    ],
)
def test_number_text(value: float, fmt: str, shown: str) -> None:
    assert number_text(value, fmt) == shown


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [
        (1.005, "0.00", "1.01"),
        (1.8375, "0.00", "1.84"),
        (3.075, "0.00", "3.08"),
        (2.5, "0", "3"),
        (105.125, "0.0#", "105.13"),
        (193.2, "0.00", "193.20"),
        (5.2, "General", "5.2"),
    ],
)
def test_shown_text_is_what_the_screen_shows(value: float, fmt: str, shown: str) -> None:
    assert roster_cells.shown_text(value, fmt) == shown


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e20, max_value=1e20))
def test_number_text_is_a_plain_decimal_of_15_digits(x: float) -> None:
    text = number_text(x)
    assert re.fullmatch(r"-?\d+(\.\d+)?", text)
    assert Decimal(text) == Decimal(format(x, ".15g"))


def test_text_numbers_keep_the_text_as_written() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "面积", "金额", "组"])
    ws.append(["张三", "2.50", "1,234.50", "0102"])
    roster, problems = read(xlsx_bytes(wb))
    assert problems == []
    assert roster is not None
    assert texts(roster) == [{"name": "张三", "quantity": "2.50", "amount": "1,234.50", "group": "0102"}]


def test_formula_uses_the_cached_value() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "面积", "标准", "金额"])
    ws.append(["张三", 1.84, 105, "=B2*C2"])
    ws.append(["合计", "=SUM(B2:B2)", None, "=SUM(D2:D2)"])
    ws["D2"].number_format = "0.00"
    data = with_cached_values(xlsx_bytes(wb), {"D2": "193.20000000000002", "B3": "1.84", "D3": "193.2"})
    roster, problems = read(data)
    assert problems == []
    assert roster is not None and roster.total is not None
    assert texts(roster)[0]["amount"] == "193.20"
    assert roster.total.entries["amount"].text == "193.2"


def test_formula_without_cached_value_asks_to_save_in_excel() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "面积", "标准", "金额", "备注"])
    ws.append(["张三", 1.84, 105, "=B2*C2", None])
    ws.append(["合计", None, None, "=SUM(D2:D2)", None])
    roster, problems = read(xlsx_bytes(wb))  # openpyxl never computes formulas
    assert codes(problems) == ["GK126", "GK126"]
    assert [p.loc.cell for p in problems] == ["工作表1!D2", "工作表1!D3"]
    assert "Excel 或 WPS" in problems[0].hint
    assert roster is not None
    assert "amount" not in roster.rows.items[0].entries


def test_formula_whose_result_is_empty_text_is_just_empty() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "金额", "备注"])
    ws.append(["张三", 100, '=IF(B2>1000,"超标","")'])
    data = xlsx_bytes(wb)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":  # as Excel saves an empty-text result
                body, n = re.subn(
                    rb'<c r="C2"(?: t="n")?([^>]*)>(<f>[^<]*</f>)(?:<v\s*/>|<v>\s*</v>)',
                    rb'<c r="C2" t="str"\1>\2<v></v>',
                    body,
                )
                assert n == 1
            dst.writestr(info, body)
    roster, problems = read(out.getvalue())
    assert problems == []
    assert roster is not None and texts(roster) == [{"name": "张三", "amount": "100"}]


def test_problems_name_the_field_path() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "身份证号", "金额"])
    ws.append(["张三", "320826********1234", 100])
    ws.append(["李四", 320826199001011234, "#VALUE!"])
    ws.append(["合计", None, "#REF!"])
    _, problems = read(xlsx_bytes(wb))
    assert [(p.code, p.field) for p in problems] == [
        ("GK125", "recipients[2].id_number"),
        ("GK126", "recipients[2].amount"),
        ("GK126", "recipients.合计.amount"),
    ]


def test_error_value_and_date_cells_are_refused() -> None:
    import datetime

    wb, ws = new_sheet()
    ws.append(["姓名", "组", "金额", "备注"])
    ws.append(["张三", datetime.datetime(2015, 1, 2), "#DIV/0!", datetime.datetime(2015, 5, 8)])
    roster, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK126", "GK126"]
    assert {p.loc.cell for p in problems} == {"工作表1!B2", "工作表1!C2"}
    assert roster is not None
    assert texts(roster) == [{"name": "张三", "note": "2015-05-08"}]


# --- ID numbers ----------------------------------------------------------------------------------------


def test_numeric_id_cell_is_refused() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "身份证号", "金额"])
    ws.append(["张三", 320826199001011234, 100])
    ws.append(["李四", "320826********5678", 100])
    ws.append(["王五", 3.20826e17, 100])
    roster, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK125", "GK125"]
    assert [str(p.loc) for p in problems] == [f"{REL} 工作表1!B2", f"{REL} 工作表1!B4"]
    assert "文本" in problems[0].hint
    assert all(p.value == "" for p in problems)  # an ID is never echoed
    assert "3208" not in problems[0].format()
    assert roster is not None
    assert "id_number" not in roster.rows.items[0].entries
    assert roster.rows.items[1].entries["id_number"].text == "320826********5678"


@pytest.mark.parametrize("shown", ["1.10101E+17", "3.20826E+17", "3.20826e17"])
def test_id_shown_in_scientific_notation_is_refused(shown: str) -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "身份证号", "金额"])
    ws.append(["张三", shown, 100])
    _, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK125"]
    assert problems[0].loc.cell == "工作表1!B2"


def test_many_bad_cells_are_summarised() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "身份证号", "金额"])
    for i in range(30):
        ws.append([f"人{i}", 320826199001011234 + i, 100])
    _, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK125"] * 21
    assert "另有 10 处" in problems[-1].message
    assert problems[-1].loc.cell == "工作表1!B22"  # the 21st person


# --- columns ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["银行卡号", "一卡通账号", "联系电话", "手机号码", "家庭住址", "残疾类别", "病情", "存折号"]
)
def test_personal_data_columns_are_refused(header: str) -> None:
    wb, ws = new_sheet()
    ws.append([TITLE])
    ws.append(["序号", "姓名", header, "金额"])
    ws.append([1, "张三", "6228480012345678901", 100])
    roster, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK123"]
    assert problems[0].loc.cell == "工作表1!C2"
    assert header in problems[0].message
    assert roster is not None
    assert texts(roster) == [{"name": "张三", "amount": "100"}]  # the cell is never read


def test_header_names_are_normalised() -> None:
    wb, ws = new_sheet()
    ws.append(
        [
            "序 号",
            "村（社区）",
            "村民小组",
            "户主姓名",
            "公民身份号码",
            "人数",
            "单价",
            "发放金额(元)",
            "备　注",
            "领取人签字",
        ]
    )
    ws.append([1, "青石村", "一组", "张三", "320826********1234", 3, 50, 150, "无", None])
    roster, problems = read(xlsx_bytes(wb))
    assert problems == []
    assert roster is not None
    assert list(roster.rows.items[0].entries) == list(roster_mod.FIELDS)


def test_unknown_column_lists_the_accepted_names() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "文化程度", "金额"])
    ws.append(["张三", "初中", 100])
    roster, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK124"]
    assert problems[0].loc.cell == "工作表1!B1"
    assert "文化程度" in problems[0].message
    assert "身份证号" in problems[0].hint and "补贴金额" in problems[0].hint
    assert roster is not None and texts(roster) == [{"name": "张三", "amount": "100"}]


def test_two_columns_for_one_field_are_refused() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "补贴金额", "发放金额"])
    ws.append(["张三", 100, 90])
    _, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK124"]
    assert problems[0].loc.cell == "工作表1!C1"
    assert "工作表1!B1" in problems[0].message


def test_data_in_a_column_without_name_is_refused() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "金额"])
    ws.append(["张三", 100, "13912345678"])
    _, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK124"]
    assert problems[0].loc.cell == "工作表1!C2"
    assert problems[0].value == ""


def test_no_header_row() -> None:
    wb, ws = new_sheet()
    ws.append([TITLE])
    ws.append(["张三", 100])
    roster, problems = read(xlsx_bytes(wb))
    assert roster is None
    assert codes(problems) == ["GK122"]


def test_header_without_name_column() -> None:
    wb, ws = new_sheet()
    ws.append(["村", "金额"])
    ws.append(["青石村", 100])
    roster, problems = read(xlsx_bytes(wb))
    assert roster is None
    assert codes(problems) == ["GK122"]


def test_header_without_people() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "金额"])
    ws.append(["合计", 0])
    roster, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK129"]
    assert roster is not None and roster.rows.items == ()


def test_control_characters_in_a_cell() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "金额"])
    ws.append(["张\u202e三", 100])
    _, problems = read(xlsx_bytes(wb))
    assert codes(problems) == ["GK008"]
    assert problems[0].loc.cell == "工作表1!A2"


# --- sheets ---------------------------------------------------------------------------------------------


def test_first_visible_sheet_is_read_and_others_warned() -> None:
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "底稿"
    hidden.append(["姓名", "金额"])
    hidden.append(["不应读取", 1])
    hidden.sheet_state = "hidden"
    first = wb.create_sheet("公示")
    first.append(["姓名", "金额"])
    first.append(["张三", 100])
    second = wb.create_sheet("二组")
    second.append(["姓名", "金额"])
    second.append(["李四", 100])
    wb.create_sheet("空白")
    wb.active = 1
    roster, problems = read(xlsx_bytes(wb))
    assert roster is not None
    assert roster.sheet == "公示"
    assert texts(roster) == [{"name": "张三", "amount": "100"}]
    assert codes(problems) == ["GK127"]
    assert problems[0].severity is Severity.WARNING
    assert "二组" in problems[0].message
    assert cell_of(roster, 0, "name") == "公示!A2"


def test_wrong_dimension_does_not_drop_rows() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "金额"])
    ws.append(["张三", 100])
    ws.append(["李四", 200])
    data = xlsx_bytes(wb)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:B3"' in body
                body = body.replace(b'<dimension ref="A1:B3"', b'<dimension ref="A1:A2"')
            dst.writestr(info, body)
    roster, problems = read(out.getvalue())
    assert problems == []
    assert roster is not None and texts(roster)[1] == {"name": "李四", "amount": "200"}


# --- files that cannot be read ---------------------------------------------------------------------------


def test_old_xls_is_refused() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    roster, problems = read(ole, "名单.xls", "subsidies/名单.xls")
    assert roster is None and codes(problems) == ["GK120"]
    assert ".xlsx" in problems[0].hint
    roster, problems = read(b"anything", "名单.xls", "subsidies/名单.xls")
    assert roster is None and codes(problems) == ["GK120"]


def test_password_protected_xlsx_is_refused() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    roster, problems = read(ole)
    assert roster is None and codes(problems) == ["GK120"]
    assert "密码" in problems[0].message


@pytest.mark.parametrize(
    "data",
    [b"not a zip at all", b"PK\x03\x04garbage", b"\0" * 1000],
    ids=["text", "bad-zip", "zeros"],
)
def test_corrupt_file_is_one_problem(data: bytes) -> None:
    roster, problems = read(data)
    assert roster is None
    assert codes(problems) == ["GK205"]


def test_truncated_and_damaged_xlsx(tmp_path: Path) -> None:
    data = save(tmp_path, standard_roster())
    roster, problems = read(data[: len(data) // 2])
    assert roster is None and codes(problems) == ["GK205"]
    # A valid zip whose sheet XML is broken.
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            dst.writestr(info, body)
    roster, problems = read(out.getvalue())
    assert roster is None and codes(problems) == ["GK205"]


def test_damaged_bytes_never_raise() -> None:
    data = xlsx_bytes(standard_roster())
    for i in range(0, len(data), max(1, len(data) // 150)):
        damaged = data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1 :]
        roster, problems = read(damaged)
        assert roster is not None or problems


@given(st.text(max_size=300))
def test_any_csv_text_never_raises(text: str) -> None:
    roster, problems = read(("姓名,金额\n" + text).encode("utf-8"), "名单.csv", REL_CSV)
    assert roster is not None or problems


def test_empty_file() -> None:
    assert codes(read(b"")[1]) == ["GK205"]
    assert codes(read(b"", "名单.csv", REL_CSV)[1]) == ["GK205"]


def test_other_extensions_are_refused() -> None:
    for name in ("名单.et", "名单.ods", "名单.docx", "名单"):
        roster, problems = read(b"x", name)
        assert roster is None and codes(problems) == ["GK120"], name


def test_file_too_large() -> None:
    roster, problems = read(b"\0" * (roster_mod.MAX_FILE_BYTES + 1))
    assert roster is None and codes(problems) == ["GK121"]


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_xlsx, "MAX_ROWS", 10)
    monkeypatch.setattr(roster_csv, "MAX_ROWS", 10)
    wb, ws = new_sheet()
    ws.append(["姓名", "金额"])
    for i in range(20):
        ws.append([f"人{i}", 1])
    roster, problems = read(xlsx_bytes(wb))
    assert roster is None and codes(problems) == ["GK121"]
    csv_text = "姓名,金额\n" + "".join(f"人{i},1\n" for i in range(20))
    roster, problems = read(csv_text.encode(), "名单.csv", REL_CSV)
    assert roster is None and codes(problems) == ["GK121"]


def test_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_xlsx, "MAX_UNZIPPED_BYTES", 1000)
    roster, problems = read(xlsx_bytes(standard_roster()))
    assert roster is None and codes(problems) == ["GK121"]


# --- CSV -----------------------------------------------------------------------------------------------------

CSV_TEXT = (
    "青石镇2015年耕地地力保护补贴发放花名册,,,,\n"
    "序号,村名,姓名,补贴面积（亩）,补贴金额（元）\n"
    "1,青石村,王振华,1.84,193.20\n"
    '2,青石村,"王德胜",2.36,"1,247.80"\n'
    '合计,,2户,4.20,"1,441.00"\n'
)


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: t.encode("utf-8-sig"),
        lambda t: t.encode("gbk"),
        lambda t: t.replace("\n", "\r\n").encode("gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030-crlf"],
)
def test_csv_encodings(tmp_path: Path, encode) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(encode(CSV_TEXT))
    roster, problems = read(path.read_bytes(), "名单.csv", REL_CSV)
    assert problems == []
    assert roster is not None
    assert roster.sheet == "" and roster.header_row == 2
    assert texts(roster) == [
        {"village": "青石村", "name": "王振华", "quantity": "1.84", "amount": "193.20"},
        {"village": "青石村", "name": "王德胜", "quantity": "2.36", "amount": "1,247.80"},
    ]
    assert roster.total is not None
    assert {k: v.text for k, v in roster.total.entries.items()} == {
        "quantity": "4.20",
        "amount": "1,441.00",
        "households": "2",
    }
    name = roster.rows.items[1].entries["name"]
    assert (name.loc.line, name.loc.col, name.loc.cell) == (4, 3, "C4")
    assert str(name.loc) == f"{REL_CSV} C4"


def test_csv_tab_separated() -> None:
    text = "姓名\t身份证号\t金额\n张三\t320826********1234\t100\n"
    roster, problems = read(text.encode("utf-8"), "名单.csv", REL_CSV)
    assert problems == []
    assert roster is not None
    assert texts(roster) == [{"name": "张三", "id_number": "320826********1234", "amount": "100"}]


def test_csv_lines_and_rows_differ_after_a_multiline_cell() -> None:
    text = '姓名,金额,备注\n张三,100,"第一行\n第二行"\n李四,200,\n'
    roster, problems = read(text.encode(), "名单.csv", REL_CSV)
    assert problems == []
    assert roster is not None
    assert roster.rows.items[0].entries["note"].text == "第一行\n第二行"
    li = roster.rows.items[1].entries["name"]
    assert (li.loc.line, li.loc.cell) == (4, "A3")  # file line 4, spreadsheet row 3


def test_csv_scientific_id_is_refused() -> None:
    text = "姓名,身份证号,金额\n张三,1.10101E+17,100\n"
    _, problems = read(text.encode("gbk"), "名单.csv", REL_CSV)
    assert codes(problems) == ["GK125"]
    assert str(problems[0].loc) == f"{REL_CSV} B2"


def test_csv_refused_column() -> None:
    text = "姓名,银行卡号,金额\n张三,6228480012345678901,100\n"
    roster, problems = read(text.encode(), "名单.csv", REL_CSV)
    assert codes(problems) == ["GK123"]
    assert problems[0].loc.cell == "B1"
    assert roster is not None and "6228" not in repr(roster)


def test_csv_undecodable() -> None:
    roster, problems = read(bytes(range(128, 256)) * 4, "名单.csv", REL_CSV)
    assert roster is None and codes(problems) == ["GK001"]


def test_csv_that_is_really_xlsx() -> None:
    roster, problems = read(xlsx_bytes(standard_roster()), "名单.csv", REL_CSV)
    assert roster is None and codes(problems) == ["GK120"]


# --- YAML for clerks -------------------------------------------------------------------------------------------


def _yaml_rows(yaml_text: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    tree, problems = parse_yaml(yaml_text, "x.yaml")
    assert problems == [] and isinstance(tree, RMap)
    rows = [{k: v.text for k, v in item.entries.items()} for item in tree.entries["recipients"].items]
    totals = {k: v.text for k, v in tree.entries["totals"].entries.items()}
    return rows, totals


def test_roster_to_yaml_round_trips(tmp_path: Path) -> None:
    roster, _ = read(save(tmp_path, standard_roster()))
    assert roster is not None
    text = roster_to_yaml(roster)
    assert text.startswith("# 由名单文件")
    assert "  - village: 青石村\n    group: 一组\n    name: 王振华\n" in text
    rows, totals = _yaml_rows(text)
    assert rows == texts(roster)
    assert totals == {"households": "3", "quantity": "9.32", "amount": "978.60"}


def test_roster_to_yaml_quotes_what_yaml_would_misread() -> None:
    wb, ws = new_sheet()
    ws.append(["姓名", "金额", "备注"])
    odd = ["- 代领", "#2", "a: b", "x #y", "'引号'", '"双"', "多\n行", "tab\there", "* 星", "{a}", "yes", "~"]
    for i, note in enumerate(odd):
        ws.append([f"人{i}", 1, note])
    roster, problems = read(xlsx_bytes(wb))
    assert problems == []
    assert roster is not None
    rows, totals = _yaml_rows(roster_to_yaml(roster))
    assert [r["note"] for r in rows] == odd
    # No 合计 row: the totals are computed from the rows.
    assert totals == {"households": str(len(odd)), "amount": str(len(odd))}


def test_roster_codes_are_in_range() -> None:
    assert sorted(ROSTER_CODES) == [f"GK{n}" for n in range(120, 130)]
    assert all(title for title in ROSTER_CODES.values())
