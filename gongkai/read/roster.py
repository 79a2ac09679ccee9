"""Roster files: a subsidy record's ``recipients:`` given as a .xlsx or .csv file.

The reader turns the spreadsheet into the same raw tree the YAML loader
produces for inline rows (:class:`~gongkai.raw.RSeq` of :class:`~gongkai.raw.RMap`
of :class:`~gongkai.raw.RScalar`), so one schema validates both.  Every scalar
keeps the text the clerk sees in the cell and a :class:`~gongkai.core.errors.Loc`
naming the cell (``名单.xlsx 工作表1!C17``; for CSV ``名单.csv C17``).

Like the rest of the loading stage it never raises for bad content: it returns
the problems it found (codes GK120–GK129, GK205 for an unreadable file, and
the GK001/GK008 decoding problems of :func:`gongkai.raw.decode` for CSV).

Decisions, in one place
-----------------------

*Reading .xlsx.*  The first visible worksheet (a warning, GK127, names other
visible sheets that have content).  openpyxl in read-only mode with
``data_only=True``: cells are streamed, the workbook is never loaded whole,
and formula cells give the value Excel cached when it saved the file.  Read-only mode does
not expose merged cells, and loading the workbook normally only for small
files would make a roster behave differently depending on its size.  Instead
the worksheet part is streamed once more from the zip and the
``<mergeCell ref="A1:H1"/>`` entries (they follow the cell data) are picked
out; the same scan notes whether the sheet contains formulas at all.  Merged
cells are then applied while rows stream past:

- in the header area a merged cell's text counts for every cell it covers, so
  a title merged over A1:H1, "补贴面积" merged over two columns, or "姓名"
  merged over two header rows all work;
- in the data rows a vertical merge fills *down* its own column for 村, 组,
  标准 and 备注 (one village cell merged over all its people is common);
  a merge spanning several people in the 姓名, 身份证号, 数量 or 金额 column
  is refused (GK126): it cannot be split between people.

An empty cell in a person or 合计 row may be a formula whose result was never
computed (files written by tools other than Excel/WPS).  Only when the sheet
has formulas and such empty cells exist is the row range read a second time
with ``data_only=False`` to tell the two apart (GK126).  A formula whose
cached result is empty text (``=IF(B5="","",…)``, stored as ``t="str"``) is
simply an empty cell.

*Locations.*  xlsx: ``Loc(relpath, line=row, col=col, cell="工作表1!C17")``.
CSV: ``Loc(relpath, line=<file line where the record starts>, col=field,
cell="C17")`` where 17 is the row number Excel/WPS shows for the record (it
differs from the file line only after a quoted cell that spans lines).
``RMap.loc`` is the row's first table cell; ``RosterFile.rows.loc`` the
header's first cell.  Problems name the field as the rules do
(``recipients[3].amount``, 1-based; ``recipients.合计.amount``), never echo an
ID number, and repeats of one cell-level code are cut after 20 with a
summary line.

*Cell text.*  Text cells are kept as written (surrounding blanks removed);
CSV cells are always text.  An ID number that Excel turned into a number (a
numeric cell ≥ 1e14, or text such as ``1.10101E+17``) is refused (GK125).
Numeric cells are shown as Excel shows them in the cell, as a plain decimal
(no exponent, no thousands separators): the stored double is first rounded to
15 significant digits, Excel's display precision, so float noise such as
``0.30000000000000004`` never appears (``Decimal(format(x, ".15g"))``, never
``Decimal(x)``).  A cell formatted with a fixed number of decimals
(``0.00``, ``#,##0.00``, ``0.0%`` …) is rounded half-up to that many places and
keeps its trailing zeros, as on screen (193.2 formatted ``0.00`` → ``193.20``);
a cell in the General format drops them (5.2 → ``5.2``, 546 → ``546``,
105.005 → ``105.005``).  Dates become ``2015-05-12``; they are refused outside
the 备注 column (Excel turns a group such as "1-2" into a date).

*Header row.*  The first row among the first 50 in which at least two known
column names appear (title rows and 填报单位/日期 rows above it are skipped).
The row below belongs to the header when a header cell is merged down into
it, or when it holds only units (亩, 元, 元/亩 …) or column names; then the
lower name wins unless it is a unit ("补贴面积" over "亩" → 数量; "补贴对象"
over "姓名" → 姓名).  Names are compared after NFKC normalisation, with blanks,
bracketed units ("金额（元）") and a trailing "/元" removed.

*Rows.*  Blank rows, repeated header rows, a column-number row (1, 2, 3 …)
right under the header and 小计/本页合计 rows are skipped.  The 合计/总计 row is
returned as ``total``; after it (or after a 制表人/审核人/日期 line) only
signature and note lines may follow; a person there is refused (GK128).

Columns holding bank-card/account numbers, phone numbers, addresses or
disability/illness details are refused (GK123) and their cells are never
read into the tree.

*Goods.*  Columns named after the record's declared goods (救灾物资) fill
each row's ``items``; their decisions are in :mod:`gongkai.read.roster_goods`.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from gongkai.core.errors import CODES, Problem
from gongkai.read.roster_cells import (
    _SAVE_AS,
    FIELDS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_SHARED_STRINGS_BYTES,
    RosterFile,
    _file_problem,
    number_text,
)
from gongkai.read.roster_csv import _read_csv
from gongkai.read.roster_xlsx import _read_xlsx
from gongkai.read.roster_yaml import roster_to_yaml

__all__ = [
    "FIELDS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_SHARED_STRINGS_BYTES",
    "ROSTER_CODES",
    "RosterFile",
    "number_text",
    "read_roster",
    "roster_to_yaml",
]

# Roster-file codes; titles live with every other code in errors.CODES.
ROSTER_CODES: dict[str, str] = {k: v for k, v in CODES.items() if k.startswith("GK12")}

# --- entry point -------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_roster(
    data: bytes, filename: str, relpath: str, goods: tuple[tuple[str, str], ...] = ()
) -> tuple[RosterFile | None, list[Problem]]:
    """Bytes of a roster file → (roster, problems).

    ``filename`` decides the format (.xlsx/.xlsm or .csv); ``relpath`` is the
    site-relative path used in every Loc.  The roster is None when the file
    cannot be read at all or has no usable header; otherwise it is returned
    even when some cells have problems, so that all problems are reported at
    once — a caller must treat any error in the list as failing the build.
    ``goods``: the record's declared goods (救灾物资) as (name, unit); a
    column named after one of them fills each row's ``items``
    (see :mod:`gongkai.read.roster_goods`)."""
    ext = PurePosixPath(filename).suffix.lower()
    if len(data) > MAX_FILE_BYTES:
        return None, [
            _file_problem(
                relpath,
                "GK121",
                f"名单文件过大（{len(data) / 1024 / 1024:.1f} MB，最大 {MAX_FILE_BYTES // 1024 // 1024} MB）",
                "删除表中的图片和多余的工作表，或把名单拆成几个文件",
            )
        ]
    if not data:
        return None, [_file_problem(relpath, "GK205", "名单文件是空的（0 字节）", "重新保存或上传名单文件")]
    if data.startswith(_OLE_MAGIC):
        if ext == ".xls":
            msg = "这是旧版 Excel 格式（.xls）的文件，无法读取，请另存为 .xlsx"
        else:
            msg = "这个文件是旧版 Excel（.xls）格式，或者设置了打开密码，无法读取"
        return None, [_file_problem(relpath, "GK120", msg, _SAVE_AS + "；如有打开密码请先取消")]
    if ext in (".xlsx", ".xlsm"):
        return _read_xlsx(data, relpath, goods)
    if ext in (".csv", ".txt"):
        if data.startswith(b"PK\x03\x04"):
            return None, [
                _file_problem(
                    relpath,
                    "GK120",
                    f"文件扩展名是 {ext}，内容却是 Excel 工作簿",
                    "把文件扩展名改为 .xlsx，并修改记录中的文件名",
                )
            ]
        return _read_csv(data, relpath, goods)
    if ext == ".xls":
        return None, [
            _file_problem(relpath, "GK120", "旧版 Excel 格式（.xls）的名单文件无法读取，请另存为 .xlsx", _SAVE_AS)
        ]
    if ext in (".et", ".ods", ".xlsb", ".numbers", ".wps"):
        return None, [_file_problem(relpath, "GK120", f"不支持 {ext} 格式的名单文件，请另存为 .xlsx", _SAVE_AS)]
    return None, [
        _file_problem(
            relpath,
            "GK120",
            f"不支持这种名单文件（{ext or '没有扩展名'}）",
            "名单文件应为 .xlsx、.csv 或 Excel 另存的“Unicode 文本 (*.txt)”；" + _SAVE_AS,
        )
    ]
