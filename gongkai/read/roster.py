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
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from pathlib import PurePosixPath

from gongkai.core.errors import CODES, Loc, Problem, Severity
from gongkai.core.tree import RMap, RNode, RScalar, RSeq
from gongkai.read.raw import decode

__all__ = [
    "FIELDS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ROSTER_CODES",
    "RosterFile",
    "number_text",
    "read_roster",
    "roster_to_yaml",
]

# Roster-file codes; titles live with every other code in errors.CODES.
ROSTER_CODES: dict[str, str] = {k: v for k, v in CODES.items() if k.startswith("GK12")}

FIELDS = ("village", "group", "name", "id_number", "quantity", "rate", "amount", "note")

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # all parts of an .xlsx, as declared in the zip
# sharedStrings.xml, as declared in the zip: 100,000 rows of names and notes
# take a few MB; openpyxl holds every string in memory at once
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024
MAX_MERGES = 100_000
MAX_COLS = 200  # columns looked at; a roster has about ten
HEADER_SEARCH_ROWS = 50
MAX_SAME_PROBLEMS = 20  # per code, then one summary problem

# --- column names ----------------------------------------------------------------

_FIELD_LABELS = {
    "village": "村",
    "group": "组",
    "name": "姓名",
    "id_number": "身份证号",
    "quantity": "数量",
    "rate": "标准",
    "amount": "金额",
    "note": "备注",
}

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "village": tuple("村 村名 所在村 村别 行政村 村居 社区 村社区 村委会 所属村 村名称".split()),
    "group": tuple("组 村民小组 小组 组别 组名 村民组 所在组 社".split()),
    "name": tuple(
        "姓名 户主姓名 户主 领取人 补贴对象 领款人 领取人姓名 补贴对象姓名 受益人 享受人 救助对象 申请人".split()
    ),
    "id_number": tuple(
        "身份证号 身份证号码 公民身份号码 证件号码 身份证 身份证件号码 证件号 公民身份证号码 户主身份证号 户主身份证号码".split()
    ),
    "quantity": tuple(
        "面积 补贴面积 计税面积 确权面积 承包面积 种植面积 实际种植面积 亩数 数量 补贴数量 人数 享受人数 月数 补贴月数".split()
    ),
    "rate": tuple("标准 补贴标准 单价 发放标准 补助标准 救助标准".split()),
    "amount": tuple(
        "金额 补贴金额 发放金额 合计金额 金额合计 补助金额 救助金额 应发金额 实发金额 补贴资金 发放资金".split()
    ),
    "note": ("备注", "说明"),
}
_HEADER_FIELD = {name: f for f, names in _HEADER_ALIASES.items() for name in names}
_IGNORED_HEADERS = {"序号", "序", "no", "编号"}
_IGNORED_PARTS = ("签字", "签名", "签章", "盖章", "手印", "指印")
# Personal data that is never published, matched anywhere in a column name.
_REFUSED_PARTS = tuple(
    "银行卡 银行账 账号 帐号 卡号 一卡通 存折 电话 手机 联系方式 微信 住址 地址 残疾 病情 疾病 病种 诊断".split()
)
_ACCEPTED_HINT = (
    "列名应为以下之一（可带单位，如“金额（元）”）：序号；村/村名/所在村/村（社区）；组/村民小组/小组；"
    "姓名/户主姓名/户主/领取人/补贴对象；身份证号/身份证号码/公民身份号码/证件号码；"
    "面积/补贴面积/计税面积/数量/人数/月数；标准/补贴标准/单价；金额/补贴金额/发放金额/合计金额；备注。"
    "与公示无关的列请删除"
)
_UNITS = set("元 亩 人 户 月 个 头 只 年 公顷 平方米 ㎡ m2 kg 公斤 斤 吨 万元 间 套".split())
_BRACKETS = re.compile(r"[(\[【〔<《〈].*?[)\]】〕>》〉]")


@functools.lru_cache(maxsize=4096)
def _norm(text: str) -> str:
    """NFKC (full-width → half-width), all blanks removed, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _header_key(text: str) -> str:
    t = _BRACKETS.sub("", _norm(text))
    return t.strip("*:、.")


@functools.lru_cache(maxsize=4096)
def _header_kind(text: str) -> tuple[str, str] | None:
    """A column name → ("field", name) | ("ignore", "") | ("refuse", "") | None."""
    n = _norm(text)
    if not n:
        return None
    if any(p in n for p in _REFUSED_PARTS):
        return ("refuse", "")
    key = _header_key(text)
    for k in (key, key.split("/")[0]):
        if k in _HEADER_FIELD:
            return ("field", _HEADER_FIELD[k])
        if k in _IGNORED_HEADERS:
            return ("ignore", "")
    if any(p in n for p in _IGNORED_PARTS):
        return ("ignore", "")
    return None


def _is_unit(text: str) -> bool:
    t = _norm(text).strip("()[]【】")
    t = re.sub(r"^(单位|计量单位)[:]?", "", t)
    return bool(t) and all(part in _UNITS for part in t.split("/"))


# --- row labels ------------------------------------------------------------------

_TRAILER_WORDS = tuple(
    "制表 填表 填报 审核 审批 复核 核对 经办 负责人 主管 会计 出纳 领导 签字 签名 盖章 日期 注 说明 备注 监督 举报 公示 联系人".split()
)
_TRAILER_RE = re.compile("^(?:" + "|".join(_TRAILER_WORDS) + ")")
_TOTAL_RE = re.compile(r"合计|总计|共计")
_SUBTOTAL_RE = re.compile(r"小计|^本页")
_HOUSEHOLDS_RE = re.compile(r"(\d+)(?:户|人)")
_SCI_RE = re.compile(r"^[+-]?\d+(?:\.\d*)?[eE][+-]?\d+$")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


# --- the public result ---------------------------------------------------------------


@dataclass(frozen=True)
class RosterFile:
    """A roster read from a spreadsheet.

    ``rows``: one RMap per person, keys among :data:`FIELDS`, empty cells left
    out.  ``total``: the 合计/总计 row (keys among quantity, amount, households)
    or None.  ``header_row``: 1-based row of the (first) header row.  ``sheet``:
    the worksheet read; "" for CSV."""

    rows: RSeq
    total: RMap | None
    header_row: int
    sheet: str


# --- cells and sources -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cell:
    text: str = ""
    kind: str = ""  # "": empty, "s": text, "n": number, "d": date/time, "b": TRUE/FALSE, "e": error
    number: float | int | None = None
    computed: bool = False  # empty, but the cached result of a formula (an empty string)


_EMPTY = _Cell()
_COMPUTED_EMPTY = _Cell(computed=True)


@dataclass(frozen=True, slots=True)
class _Merge:
    r0: int
    c0: int
    r1: int
    c1: int

    @property
    def ref(self) -> str:
        return f"{_col_letter(self.c0)}{self.r0}:{_col_letter(self.c1)}{self.r1}"


class _Unreadable(Exception):
    """openpyxl or csv failed on the file; the message is for the clerk."""


class _TooManyRows(Exception):
    pass


class _TooManyMerges(Exception):
    pass


@dataclass
class _Source:
    """Rows of one sheet: ``rows`` yields (row number, file line, cells)."""

    relpath: str
    sheet: str  # "" for CSV
    rows: Iterator[tuple[int, int, list[_Cell]]]
    merges: list[_Merge] = field(default_factory=list)
    # xlsx only: which of the given (row, col) cells hold a formula
    formula_probe: Callable[[set[tuple[int, int]]], set[tuple[int, int]]] | None = None

    def loc(self, row: int, line: int, col: int) -> Loc:
        a1 = f"{_col_letter(col)}{row}"
        return Loc(self.relpath, line, col, f"{self.sheet}!{a1}" if self.sheet else a1)


@functools.lru_cache(maxsize=1024)
def _col_letter(col: int) -> str:
    s = ""
    while col > 0:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def _clean(text: str) -> str:
    t = text.strip()
    if t and (t[0] in "\u200b\ufeff" or t[-1] in "\u200b\ufeff"):
        t = t.strip("\u200b\ufeff").strip()
    return t


# --- problems ------------------------------------------------------------------------


class _Problems:
    """Collects problems; repeats of one cell-level code are summarised after
    MAX_SAME_PROBLEMS so a wrongly formatted column gives a readable list."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self._count: dict[str, int] = {}
        self._first_extra: dict[str, Problem] = {}

    def add(self, p: Problem, capped: bool = False) -> None:
        if not capped:
            self.items.append(p)
            return
        n = self._count.get(p.code, 0) + 1
        self._count[p.code] = n
        if n <= MAX_SAME_PROBLEMS:
            self.items.append(p)
        elif n == MAX_SAME_PROBLEMS + 1:
            self._first_extra[p.code] = p

    def done(self) -> list[Problem]:
        for code, p in self._first_extra.items():
            extra = self._count[code] - MAX_SAME_PROBLEMS
            self.items.append(
                Problem(
                    p.loc, code, f"另有 {extra} 处同样的问题（从这里起未逐一列出）：{p.message}", p.field, "", p.hint
                )
            )
        return self.items


def _file_problem(relpath: str, code: str, message: str, hint: str = "") -> Problem:
    return Problem(Loc(relpath), code, message, hint=hint)


# --- entry point -------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAVE_AS = "在 Excel 或 WPS 中打开，点“文件 → 另存为”，保存类型选“Excel 工作簿 (*.xlsx)”"


def read_roster(data: bytes, filename: str, relpath: str) -> tuple[RosterFile | None, list[Problem]]:
    """Bytes of a roster file → (roster, problems).

    ``filename`` decides the format (.xlsx/.xlsm or .csv); ``relpath`` is the
    site-relative path used in every Loc.  The roster is None when the file
    cannot be read at all or has no usable header; otherwise it is returned
    even when some cells have problems, so that all problems are reported at
    once — a caller must treat any error in the list as failing the build."""
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
        return _read_xlsx(data, relpath)
    if ext == ".csv":
        if data.startswith(b"PK\x03\x04"):
            return None, [
                _file_problem(
                    relpath,
                    "GK120",
                    "文件扩展名是 .csv，内容却是 Excel 工作簿",
                    "把文件扩展名改为 .xlsx，并修改记录中的文件名",
                )
            ]
        return _read_csv(data, relpath)
    if ext == ".xls":
        return None, [
            _file_problem(relpath, "GK120", "旧版 Excel 格式（.xls）的名单文件无法读取，请另存为 .xlsx", _SAVE_AS)
        ]
    if ext in (".et", ".ods", ".xlsb", ".numbers", ".wps"):
        return None, [_file_problem(relpath, "GK120", f"不支持 {ext} 格式的名单文件，请另存为 .xlsx", _SAVE_AS)]
    return None, [
        _file_problem(
            relpath, "GK120", f"不支持这种名单文件（{ext or '没有扩展名'}）", "名单文件应为 .xlsx 或 .csv；" + _SAVE_AS
        )
    ]


# --- .xlsx ---------------------------------------------------------------------------------

_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']([A-Za-z]{1,3}\d+:[A-Za-z]{1,3}\d+)[\"']")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_UNREADABLE_XLSX = "无法读取这个 Excel 文件：文件已损坏，或不是真正的 .xlsx 文件"


def _read_xlsx(data: bytes, relpath: str) -> tuple[RosterFile | None, list[Problem]]:
    import openpyxl

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        unzipped = sum(info.file_size for info in zf.infolist())
        shared = sum(i.file_size for i in zf.infolist() if i.filename.lower().endswith("sharedstrings.xml"))
    except Exception:  # BadZipFile, NotImplementedError for odd zip versions, …
        return None, [_file_problem(relpath, "GK205", _UNREADABLE_XLSX, _SAVE_AS)]
    if shared > MAX_SHARED_STRINGS_BYTES:
        return None, [
            _file_problem(
                relpath,
                "GK121",
                f"名单文件中的文字表解压后过大（超过 {MAX_SHARED_STRINGS_BYTES // 1024 // 1024} MB）",
                "名单的文字不应有这么多；请把表格内容复制到新建的 Excel 文件中另存，或把名单拆成几个文件",
            )
        ]
    if unzipped > MAX_UNZIPPED_BYTES:
        return None, [
            _file_problem(
                relpath,
                "GK121",
                f"名单文件解压后过大（超过 {MAX_UNZIPPED_BYTES // 1024 // 1024} MB）",
                "删除表中的图片和多余的工作表后另存，或把名单拆成几个文件",
            )
        ]
    problems: list[Problem] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # any failure of a corrupt file is one problem, never a traceback
            return None, [_file_problem(relpath, "GK205", _UNREADABLE_XLSX, _SAVE_AS)]
        try:
            try:
                sheets = list(wb.worksheets)
                visible = [ws for ws in sheets if ws.sheet_state == "visible"] or sheets
                if not visible:
                    return None, [_file_problem(relpath, "GK205", "这个 Excel 文件中没有工作表", _SAVE_AS)]
                ws = visible[0]
                merges, has_formula = _scan_sheet(zf, ws._worksheet_path)
                for other in visible[1:]:
                    if _sheet_has_content(other):
                        problems.append(
                            Problem(
                                Loc(relpath, cell=f"{other.title}!A1"),
                                "GK127",
                                f"只读取了第一个工作表“{ws.title}”，工作表“{other.title}”中的内容没有读取",
                                hint="把全部人员放在第一个工作表中，并删除或隐藏其他工作表",
                                severity=Severity.WARNING,
                            )
                        )
                ws.reset_dimensions()  # some tools write a wrong <dimension>; read every row
            except _TooManyMerges:
                return None, [
                    _file_problem(
                        relpath, "GK121", f"合并单元格过多（超过 {MAX_MERGES} 个）", "取消不必要的合并单元格后再保存"
                    )
                ]
            except Exception:
                return None, [_file_problem(relpath, "GK205", _UNREADABLE_XLSX, _SAVE_AS)]
            src = _Source(relpath, ws.title, _xlsx_rows(ws), merges)
            if has_formula:
                src.formula_probe = lambda cells: _formula_cells(data, ws.title, cells)
            roster, more = _read_table(src)
            return roster, problems + more
        finally:
            wb.close()


def _scan_sheet(zf: zipfile.ZipFile, path: str) -> tuple[list[_Merge], bool]:
    """Merged ranges and whether any formula exists, by streaming the sheet XML."""
    from openpyxl.utils.cell import range_boundaries

    refs: set[bytes] = set()
    has_formula = False
    tail = b""
    with zf.open(path.lstrip("/")) as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            if not has_formula and _FORMULA_TAG.search(buf):
                has_formula = True
            refs.update(m.group(1) for m in _MERGE_TAG.finditer(buf))
            if len(refs) > MAX_MERGES:
                raise _TooManyMerges
            tail = buf[-512:]
    merges = []
    for ref in refs:
        try:
            c0, r0, c1, r1 = range_boundaries(ref.decode("ascii").upper())
        except (ValueError, TypeError):  # a damaged reference: ignore that merge
            continue
        if (r0, c0) != (r1, c1):
            merges.append(_Merge(r0, c0, r1, c1))
    merges.sort(key=lambda m: (m.r0, m.c0))
    return merges, has_formula


def _sheet_has_content(ws: object) -> bool:
    for row in ws.iter_rows(min_row=1, max_row=20, values_only=True):  # type: ignore[attr-defined]
        if any(v is not None and str(v).strip() for v in row):
            return True
    return False


def _xlsx_rows(ws: object) -> Iterator[tuple[int, int, list[_Cell]]]:
    try:
        for n, row in enumerate(ws.iter_rows(), start=1):  # type: ignore[attr-defined]
            if n > MAX_ROWS:
                raise _TooManyRows
            yield n, n, [_xlsx_cell(c) for c in row[:MAX_COLS]]
    except _TooManyRows:
        raise
    except Exception as exc:  # corrupt sheet XML, bad shared-string index, …
        raise _Unreadable(_UNREADABLE_XLSX) from exc


def _xlsx_cell(c: object) -> _Cell:
    v = getattr(c, "value", None)
    if v is None:
        # t="str" without a value: a formula such as =IF(B5="","",B5*C5) whose
        # result is "" (a formula never computed has no type or t="n").
        return _COMPUTED_EMPTY if getattr(c, "data_type", "") == "str" else _EMPTY
    if getattr(c, "data_type", "") == "e":
        return _Cell(str(v), "e")
    if isinstance(v, bool):
        return _Cell("TRUE" if v else "FALSE", "b")
    if isinstance(v, (int, float)):
        try:
            fmt = c.number_format  # type: ignore[attr-defined]
        except Exception:
            fmt = "General"
        return _Cell(number_text(v, fmt), "n", v)
    if isinstance(v, _dt.datetime):
        text = v.strftime("%Y-%m-%d") if v.time() == _dt.time() else v.strftime("%Y-%m-%d %H:%M")
        return _Cell(text, "d")
    if isinstance(v, (_dt.date, _dt.time, _dt.timedelta)):
        return _Cell(str(v), "d")
    t = _clean(str(v))
    return _Cell(t, "s") if t else _EMPTY


def _formula_cells(data: bytes, sheet: str, cells: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of ``cells`` (row, col) hold a formula (read without cached values)."""
    import openpyxl

    found: set[tuple[int, int]] = set()
    lo = min(r for r, _ in cells)
    hi = max(r for r, _ in cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                ws = wb[sheet]
                ws.reset_dimensions()
                for r, row in enumerate(ws.iter_rows(min_row=lo, max_row=hi), start=lo):
                    for c, cell in enumerate(row[:MAX_COLS], start=1):
                        if (r, c) in cells and getattr(cell, "data_type", "") == "f":
                            found.add((r, c))
            finally:
                wb.close()
        except Exception:  # best effort: the cell simply stays empty
            return found
    return found


# --- numbers as shown ---------------------------------------------------------------------


def number_text(value: float | int, number_format: str = "General") -> str:
    """A numeric cell as Excel shows it, as a plain decimal string.

    The double is rounded to 15 significant digits (Excel's precision) via
    ``format(x, ".15g")`` — its shortest faithful decimal — before any
    Decimal arithmetic, so 5.2 → "5.2" and 0.1+0.2 → "0.3", never
    "5.20000000000000017763568394002504646778106689453125".  Fixed-decimal
    formats (``0.00``, ``#,##0.00``, ``0%``) round half-up to their places and
    keep the zeros; thousands separators, currency signs and exponents are not
    reproduced."""
    if isinstance(value, int) and not isinstance(value, bool):
        d = Decimal(value)
    else:
        try:
            d = Decimal(format(float(value), ".15g"))
        except (InvalidOperation, ValueError):  # pragma: no cover - inf/nan do not occur in xlsx
            return str(value)
    spec = _fixed_format(number_format)
    if spec is None:
        text = format(d if d == d.to_integral_value() else d.normalize(), "f")
        return "0" if text == "-0" else text
    min_places, max_places, percent = spec
    with localcontext() as ctx:
        ctx.prec = 60
        if percent:
            d *= 100
        d = d.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)
    text = format(d, "f")
    if max_places > min_places and "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0")
        frac = frac + "0" * (min_places - len(frac)) if len(frac) < min_places else frac
        text = f"{whole}.{frac}" if frac else whole
    return text + ("%" if percent else "")


def _fixed_format(fmt: str) -> tuple[int, int, bool] | None:
    """(min places, max places, percent) of a plain number format, else None."""
    if not fmt or fmt.lower() == "general":
        return None
    section = fmt.split(";")[0]
    section = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", section)
    if re.search(r"[A-Za-z@/?]", section):
        return None
    core = re.sub(r"[^0#,.%]", "", section)
    m = re.fullmatch(r"[#0,]*0[#0,]*(?:\.([0#]*))?(%?)", core) or re.fullmatch(r"[#,]*\.([0#]+)(%?)", core)
    if not m:
        return None
    places = m.group(1) or ""
    return places.count("0"), len(places), bool(m.group(2))


# --- .csv ------------------------------------------------------------------------------------


def _read_csv(data: bytes, relpath: str) -> tuple[RosterFile | None, list[Problem]]:
    decoded = decode(data, relpath)
    if decoded.encoding == "unknown":
        return None, list(decoded.problems)
    text = decoded.text
    delimiter = _pick_delimiter(text)
    src = _Source(relpath, "", _csv_rows(text, delimiter, relpath))
    roster, more = _read_table(src)
    return roster, list(decoded.problems) + more


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    reader = csv.reader(io.StringIO(text), dialect="excel", delimiter=delimiter)
    prev_line = 0
    for n, rec in enumerate(reader, start=1):
        yield n, prev_line + 1, rec
        prev_line = reader.line_num


def _csv_rows(text: str, delimiter: str, relpath: str) -> Iterator[tuple[int, int, list[_Cell]]]:
    records = _csv_records(text, delimiter)
    line = 0
    try:
        for n, line, rec in records:
            if n > MAX_ROWS:
                raise _TooManyRows
            cells = []
            for value in rec[:MAX_COLS]:
                t = _clean(value)
                cells.append(_Cell(t, "s") if t else _EMPTY)
            yield n, line, cells
    except csv.Error as exc:
        raise _Unreadable(f"CSV 格式错误（第 {line + 1} 行附近，如引号没有配对或某一格过长）") from exc


def _pick_delimiter(text: str) -> str:
    """Comma, unless the header row is found tab-separated (Excel's "文本文件
    (制表符分隔)" saved as .csv)."""
    best = ","
    best_score = (0, 0)
    for delimiter in (",", "\t"):
        try:
            rows = []
            for _n, _line, rec in _csv_records(text, delimiter):
                rows.append([_Cell(_clean(v), "s") for v in rec[:MAX_COLS]])
                if len(rows) >= HEADER_SEARCH_ROWS:
                    break
        except csv.Error:
            continue
        for i, cells in enumerate(rows):
            known = _known_names(cells)
            if known >= 2:
                score = (known, -i)
                if score > best_score:
                    best, best_score = delimiter, score
                break
    return best


# --- merged cells while streaming ---------------------------------------------------------------


class _MergeTracker:
    """Applies merged ranges to rows as they stream past, in row order."""

    def __init__(self, merges: list[_Merge]) -> None:
        self._starting: dict[int, list[_Merge]] = {}
        for m in merges:
            self._starting.setdefault(m.r0, []).append(m)
        self._active: list[_Merge] = []
        self._value: dict[_Merge, _Cell] = {}

    def apply(self, r: int, raw: list[_Cell]) -> tuple[list[_Cell], list[_Cell], dict[int, _Merge]]:
        """→ (filled in every direction, filled down its own column only,
        {col: merge} for the cells covered by a merge but not its top-left)."""
        for m in self._starting.pop(r, ()):
            self._value[m] = raw[m.c0 - 1] if m.c0 <= len(raw) else _EMPTY
            self._active.append(m)
        if self._active:
            ended = [m for m in self._active if m.r1 < r]
            for m in ended:
                self._active.remove(m)
                del self._value[m]
        if not self._active:
            return raw, raw, {}
        width = max(len(raw), max(min(m.c1, MAX_COLS) for m in self._active))
        full = raw + [_EMPTY] * (width - len(raw))
        down = list(full)
        covered: dict[int, _Merge] = {}
        for m in self._active:
            tl = self._value[m]
            for c in range(m.c0, min(m.c1, MAX_COLS) + 1):
                if r == m.r0 and c == m.c0:
                    continue
                full[c - 1] = tl
                covered[c] = m
                if c == m.c0:
                    down[c - 1] = tl
                else:
                    down[c - 1] = _EMPTY
        return full, down, covered


@dataclass
class _Row:
    n: int
    line: int
    raw: list[_Cell]
    full: list[_Cell]
    down: list[_Cell]
    covered: dict[int, _Merge]


def _at(cells: list[_Cell], col: int) -> _Cell:
    return cells[col - 1] if 0 < col <= len(cells) else _EMPTY


def _known_names(cells: list[_Cell]) -> int:
    """How many distinct known column names a row holds.  Long texts and
    "标签：值" texts (title and 填报单位/联系电话 lines) do not count."""
    names = set()
    for c in cells:
        if c.kind != "s":
            continue
        key = _header_key(c.text)
        if len(key) <= 16 and ":" not in key and _header_kind(c.text) is not None:
            names.add(key)
    return len(names)


# --- header ------------------------------------------------------------------------------------------


@dataclass
class _Header:
    row: int  # first header row
    rows: int  # 1 or 2
    fields: dict[int, str]  # col → field
    first_col: int
    width: int  # columns the header spans
    unlabelled: set[int]  # columns within the header without any name
    ignored: set[int]
    texts: set[str]  # every text in the header row(s)


def _find_header(buffered: list[_Row]) -> int | None:
    for i, row in enumerate(buffered[:HEADER_SEARCH_ROWS]):
        if _known_names(row.full) >= 2:
            return i
    return None


def _is_continuation(head: _Row, nxt: _Row | None, merges: list[_Merge]) -> bool:
    if nxt is None or nxt.n != head.n + 1:
        return False
    texts = [c for c in nxt.raw if c.kind]
    if any(c.kind != "s" for c in texts):
        return False
    if any(m.r0 <= head.n < m.r1 for m in merges):
        return True  # a header cell merged down into the next row
    return bool(texts) and all(_is_unit(c.text) or _header_kind(c.text) is not None for c in texts)


def _map_header(src: _Source, head: _Row, sub: _Row | None, problems: _Problems) -> _Header:
    width = max(len(head.full), len(sub.full) if sub else 0)
    fields: dict[int, str] = {}
    field_cells: dict[str, tuple[str, Loc]] = {}
    unlabelled: set[int] = set()
    ignored: set[int] = set()
    first_col = 0

    def where(row: _Row, c: int) -> Loc:
        m = row.covered.get(c)
        if m is not None:  # a merged header cell: name the cell holding the text
            return src.loc(m.r0, m.r0, m.c0)
        return src.loc(row.n, row.line, c)

    for c in range(1, width + 1):
        top = _at(head.full, c)
        bottom = _at(sub.full, c) if sub else _EMPTY
        if sub is not None:
            m = sub.covered.get(c)
            if m is not None and m.r0 <= head.n:  # the same merged cell as above
                bottom = _EMPTY
        top_t = top.text if top.kind else ""
        bottom_t = bottom.text if bottom.kind else ""
        if top_t or bottom_t:
            first_col = first_col or c
        else:
            unlabelled.add(c)
            continue
        # Personal data is refused whichever header row names it.
        refused = [
            (t, r)
            for t, r in ((top_t, head), (bottom_t, sub))
            if t and r is not None and _header_kind(t) == ("refuse", "")
        ]
        if refused:
            t, r = refused[-1]
            problems.add(
                Problem(
                    where(r, c),
                    "GK123",
                    f"“{t}”列是不得公开的个人信息（银行卡/账号、电话、住址、残疾或病情等），名单文件中不能有这一列",
                    hint="删除整列后再保存；发放用的原始表另行保管，不要放进网站内容目录",
                )
            )
            ignored.add(c)
            continue
        name: str = top_t
        row: _Row | None = head
        if bottom_t and not _is_unit(bottom_t):
            if _header_kind(bottom_t) is not None:
                name, row = bottom_t, sub
            elif top_t and _header_kind(top_t + bottom_t) is not None:
                name, row = top_t + bottom_t, sub
            else:
                name, row = bottom_t, sub
        elif not top_t:
            name, row = bottom_t, sub
        assert row is not None
        kind = _header_kind(name)
        loc = where(row, c)
        if kind is None:
            problems.add(Problem(loc, "GK124", f"不认识的列名“{name}”", value=name, hint=_ACCEPTED_HINT))
            ignored.add(c)
        elif kind[0] == "ignore":
            ignored.add(c)
        else:
            f = kind[1]
            if f in field_cells:
                other, other_loc = field_cells[f]
                problems.add(
                    Problem(
                        loc,
                        "GK124",
                        f"“{name}”和 {other_loc.cell}“{other}”两列都表示{_FIELD_LABELS[f]}，只能保留一列",
                        value=name,
                        hint="删除多余的一列，或把它改名为表中其他项目的列名",
                    )
                )
                ignored.add(c)
            else:
                field_cells[f] = (name, loc)
                fields[c] = f
    texts = {c.text for r in (head, sub) if r is not None for c in r.full if c.kind == "s"}
    return _Header(head.n, 2 if sub else 1, fields, first_col or 1, width, unlabelled, ignored, texts)


# --- rows -----------------------------------------------------------------------------------------------


def _row_label(row: _Row) -> str:
    """The row's kind from its first non-empty cells: "total", "subtotal", "trailer" or ""."""
    texts = [c.text for c in row.raw if c.kind][:2]
    for t in texts:
        n = _norm(t).strip(":")
        if len(n) <= 20 and _SUBTOTAL_RE.search(n):
            return "subtotal"
        if len(n) <= 20 and _TOTAL_RE.search(n):
            return "total"
    if texts:
        n = _norm(texts[0])
        if _TRAILER_RE.match(n) and (":" in n or re.fullmatch(r"(?:" + "|".join(_TRAILER_WORDS) + r")人?", n)):
            return "trailer"
    return ""


def _is_numbering_row(row: _Row) -> bool:
    """A row of column numbers under the header: 1, 2, 3, 4=2×3 …"""
    nums = []
    for c in row.raw:
        if not c.kind:
            continue
        m = re.fullmatch(r"(\d{1,2})(?:\s*=.*)?", _norm(c.text))
        if not m:
            return False
        nums.append(int(m.group(1)))
    return len(nums) >= 3 and nums == list(range(nums[0], nums[0] + len(nums)))


def _is_header_like(row: _Row, header: _Header) -> bool:
    """A row holding only the header's own texts and units: the header
    repeated further down (pasted from a printed page) or a units row."""
    cells = [c for c in row.raw if c.kind]
    return bool(cells) and all(c.kind == "s" and (c.text in header.texts or _is_unit(c.text)) for c in cells)


_FILL_DOWN = {"village", "group", "rate", "note"}


def _read_table(src: _Source) -> tuple[RosterFile | None, list[Problem]]:
    problems = _Problems()
    try:
        return _read_rows(src, problems), problems.done()
    except _TooManyRows:
        return None, [
            _file_problem(
                src.relpath,
                "GK121",
                f"表格超过 {MAX_ROWS} 行",
                "把名单拆成几个文件；如果下方只是空行，选中这些多余的行删除后再保存",
            )
        ]
    except _Unreadable as exc:
        return None, [_file_problem(src.relpath, "GK205", str(exc), _SAVE_AS)]


def _read_rows(src: _Source, problems: _Problems) -> RosterFile | None:
    tracker = _MergeTracker(src.merges)
    stream = src.rows

    def rows() -> Iterator[_Row]:
        for n, line, raw in stream:
            full, down, covered = tracker.apply(n, raw)
            yield _Row(n, line, raw, full, down, covered)

    it = rows()
    buffered: list[_Row] = []
    for row in it:
        buffered.append(row)
        if len(buffered) > HEADER_SEARCH_ROWS:
            break
    hi = _find_header(buffered)
    if hi is None:
        problems.add(
            _file_problem(
                src.relpath,
                "GK122",
                f"在{'工作表“' + src.sheet + '”' if src.sheet else '文件'}的前 {HEADER_SEARCH_ROWS} 行中找不到表头行"
                "（表头至少要有两个能识别的列名，如“姓名”“金额”）",
                _ACCEPTED_HINT,
            )
        )
        return None
    head = buffered[hi]
    nxt = buffered[hi + 1] if hi + 1 < len(buffered) else None
    sub = nxt if _is_continuation(head, nxt, src.merges) else None
    header = _map_header(src, head, sub, problems)
    head_loc = src.loc(head.n, head.line, header.first_col)
    if "name" not in header.fields.values():
        problems.add(
            Problem(
                head_loc,
                "GK122",
                "表头中没有“姓名”列",
                hint="姓名列的列名写作“姓名”（也可用 户主姓名/户主/领取人/补贴对象）",
            )
        )
        return None

    start = hi + (2 if sub else 1)
    data_rows: Iterable[_Row] = _chain(buffered[start:], it)
    people: list[RMap] = []
    total: RMap | None = None
    ended = False  # after the 合计 row or a signature line
    late: list[_Row] = []
    first_data = True
    reported_unlabelled: set[int] = set()
    reported_merges: set[_Merge] = set()
    empties: set[tuple[int, int]] = set()
    paths: dict[int, str] = {}  # row → field path prefix, as the rules name rows
    name_col = next(c for c, f in header.fields.items() if f == "name")

    for row in data_rows:
        if not any(c.kind for c in row.raw):
            continue
        label = _row_label(row)
        if ended:
            if label or not _at(row.down, name_col).kind or _has_trailer_word(row):
                continue
            late.append(row)
            continue
        if label == "total":
            total = _total_row(src, row, header, problems, empties)
            paths[row.n] = "recipients.合计"
            ended = True
            continue
        if label == "subtotal":
            continue
        if label == "trailer":
            ended = True
            continue
        if _is_header_like(row, header):
            continue
        if first_data:
            first_data = False
            if _is_numbering_row(row):
                continue
        for c in [*sorted(header.unlabelled), *range(header.width + 1, len(row.raw) + 1)]:
            if c not in reported_unlabelled and _at(row.raw, c).kind:
                reported_unlabelled.add(c)
                problems.add(
                    Problem(
                        src.loc(row.n, row.line, c),
                        "GK124",
                        "这一列没有列名，却填有内容",
                        hint="在表头填上列名（" + "、".join(_FIELD_LABELS.values()) + "之一），或删除这一列的内容",
                    )
                )
        if not any(_at(row.raw, c).kind for c in header.fields):
            continue  # only merged cells reach into this row, or only ignored columns are filled
        paths[row.n] = f"recipients[{len(people) + 1}]"
        people.append(_person(src, row, header, paths[row.n], problems, reported_merges, empties))

    if late:
        first = late[0]
        more = f"（共 {len(late)} 行）" if len(late) > 1 else ""
        problems.add(
            Problem(
                src.loc(first.n, first.line, header.first_col),
                "GK128",
                f"“合计”行或制表人/审核人等签字行之后还有人员数据{more}，这些行没有读取",
                hint="把合计行移到全部人员之后；分村的小计请写作“小计”",
            )
        )
    if empties and src.formula_probe is not None:
        for r, c in sorted(src.formula_probe(empties)):
            problems.add(
                Problem(
                    src.loc(r, r, c),
                    "GK126",
                    "这个单元格是公式，但文件中没有保存计算结果（文件可能是用其他软件生成的）",
                    field=f"{paths.get(r, 'recipients')}.{header.fields.get(c, '')}",
                    hint="用 Excel 或 WPS 打开这个文件，保存一次后再试",
                ),
                capped=True,
            )
    if not people:
        problems.add(Problem(head_loc, "GK129", "表头下面没有任何人员", hint="在表头下面逐行填写人员，每人一行"))
    return RosterFile(RSeq(tuple(people), head_loc), total, header.row, src.sheet)


def _chain(first: list[_Row], rest: Iterator[_Row]) -> Iterator[_Row]:
    yield from first
    yield from rest


def _has_trailer_word(row: _Row) -> bool:
    return any(c.kind == "s" and _TRAILER_RE.match(_norm(c.text)) for c in row.raw)


def _person(
    src: _Source,
    row: _Row,
    header: _Header,
    path: str,
    problems: _Problems,
    reported_merges: set[_Merge],
    empties: set[tuple[int, int]],
) -> RMap:
    entries: dict[str, RNode] = {}
    key_locs: dict[str, Loc] = {}
    for c, f in header.fields.items():
        loc = src.loc(row.n, row.line, c)
        merge = row.covered.get(c)
        if merge is not None and merge.c0 == c and f not in _FILL_DOWN:
            if merge not in reported_merges:
                reported_merges.add(merge)
                problems.add(
                    Problem(
                        src.loc(merge.r0, merge.r0, merge.c0),
                        "GK126",
                        f"{_FIELD_LABELS[f]}列的 {merge.ref} 是跨多行的合并单元格，无法分到每个人",
                        field=f"{path}.{f}",
                        hint="取消合并，在每个人的那一行分别填写",
                    ),
                    capped=True,
                )
            continue
        cell = _at(row.down, c)
        if not cell.kind:
            if merge is None and not cell.computed:
                empties.add((row.n, c))
            continue
        if not _cell_ok(src, cell, f, f"{path}.{f}", loc, problems):
            continue
        entries[f] = RScalar(cell.text, loc)
        key_locs[f] = loc
    return RMap(entries, key_locs, src.loc(row.n, row.line, header.first_col))


def _cell_ok(src: _Source, cell: _Cell, f: str, path: str, loc: Loc, problems: _Problems) -> bool:
    shown = "" if f == "id_number" else cell.text  # never echo ID numbers
    if cell.kind == "e":
        problems.add(
            Problem(
                loc,
                "GK126",
                f"单元格是错误值 {cell.text}（公式出错）",
                path,
                "",
                "改正这个单元格的公式，或直接填写数值",
            ),
            capped=True,
        )
        return False
    if f == "id_number" and (
        (cell.kind == "n" and cell.number is not None and abs(cell.number) >= 1e14)
        or (cell.kind == "s" and _SCI_RE.match(_norm(cell.text)))
    ):
        problems.add(
            Problem(
                loc,
                "GK125",
                "身份证号被 Excel 当成了数字（显示为 1.10101E+17 这样的科学计数法），末几位已经丢失，无法恢复",
                path,
                "",
                "把身份证号这一列的单元格格式设为“文本”，再按原始资料重新录入这些号码（出生日期部分用 * 遮蔽）",
            ),
            capped=True,
        )
        return False
    if cell.kind == "d" and f != "note":
        problems.add(
            Problem(
                loc,
                "GK126",
                f"{_FIELD_LABELS[f]}被 Excel 自动改成了日期（{cell.text}）",
                path,
                shown,
                "把这一列的单元格格式设为“文本”，再重新填写",
            ),
            capped=True,
        )
        return False
    if _BIDI.search(cell.text):
        problems.add(
            Problem(
                loc,
                "GK008",
                "含有不可见的双向文字控制字符，可能让显示的内容与实际内容不同",
                path,
                "",
                "删除这个单元格的内容后重新手工输入",
            ),
            capped=True,
        )
        return False
    return True


def _total_row(src: _Source, row: _Row, header: _Header, problems: _Problems, empties: set[tuple[int, int]]) -> RMap:
    entries: dict[str, RNode] = {}
    key_locs: dict[str, Loc] = {}
    for c, f in header.fields.items():
        if f not in ("quantity", "amount"):
            continue
        cell = _at(row.raw, c)
        loc = src.loc(row.n, row.line, c)
        if not cell.kind:
            if not cell.computed:
                empties.add((row.n, c))
        elif _cell_ok(src, cell, f, f"recipients.合计.{f}", loc, problems):
            entries[f] = RScalar(cell.text, loc)
            key_locs[f] = loc
    for c, cell in enumerate(row.raw, start=1):
        if cell.kind == "s" and header.fields.get(c) not in ("quantity", "amount", "rate"):
            m = _HOUSEHOLDS_RE.search(_norm(cell.text))
            if m:
                loc = src.loc(row.n, row.line, c)
                entries["households"] = RScalar(m.group(1), loc)
                key_locs["households"] = loc
                break
    first = next((c for c, cell in enumerate(row.raw, start=1) if cell.kind), header.first_col)
    return RMap(entries, key_locs, src.loc(row.n, row.line, first))


# --- YAML ----------------------------------------------------------------------------------------------

_PLAIN_OK = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n]*$")


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar that the raw loader reads back unchanged:
    plain when that is safe, otherwise double-quoted."""
    if (
        _PLAIN_OK.match(text)
        and text == text.strip()
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and all(_printable(ch) and ch != "\t" for ch in text)
    ):
        return text
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif not _printable(ch):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _printable(ch: str) -> bool:
    o = ord(ch)
    if o < 0x20 or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF or o in (0xFFFE, 0xFFFF, 0x2028, 0x2029):
        return False
    return o not in (0xFEFF,)


def roster_to_yaml(roster: RosterFile) -> str:
    """The roster as the ``recipients:`` rows a clerk could write inline, plus a
    ``totals:`` block: the file's 合计 row when it has one (户数 counted from
    the rows when the 合计 row does not state it), otherwise sums of the rows
    for the clerk to check.  Parsing the result with the YAML loader gives the
    same texts under the same keys."""
    path = roster.rows.loc.path
    where = f"{path} 的工作表“{roster.sheet}”" if roster.sheet else path
    lines = [f"# 由名单文件 {where}转换，共 {len(roster.rows.items)} 人"]
    if not roster.rows.items:
        lines.append("recipients: []")
    else:
        lines.append("recipients:")
    for item in roster.rows.items:
        assert isinstance(item, RMap)
        first = True
        for key, node in item.entries.items():
            assert isinstance(node, RScalar)
            prefix = "  - " if first else "    "
            lines.append(f"{prefix}{key}: {_yaml_scalar(node.text)}")
            first = False
        if first:
            lines.append("  - {}")
    totals: dict[str, str] = {}
    if roster.total is not None:
        lines.append(
            "# 以下合计取自名单文件的“合计”行" + ("" if "households" in roster.total.entries else "，户数按行数计")
        )
        for key in ("households", "quantity", "amount"):
            stated = roster.total.entries.get(key)
            if isinstance(stated, RScalar):
                totals[key] = stated.text
        totals.setdefault("households", str(len(roster.rows.items)))
    else:
        lines.append("# 名单文件没有“合计”行，以下合计是按各行计算的，请与原表核对")
        totals["households"] = str(len(roster.rows.items))
        for key in ("quantity", "amount"):
            s = _sum(roster.rows.items, key)
            if s is not None:
                totals[key] = s
    lines.append("totals:")
    for key in ("households", "quantity", "amount"):
        if key in totals:
            lines.append(f"  {key}: {_yaml_scalar(totals[key])}")
    return "\n".join(lines) + "\n"


def _sum(items: tuple[object, ...], key: str) -> str | None:
    total = Decimal(0)
    seen = False
    for item in items:
        node = item.entries.get(key) if isinstance(item, RMap) else None
        if not isinstance(node, RScalar):
            continue
        t = unicodedata.normalize("NFKC", node.text).replace(",", "").removesuffix("元").strip()
        try:
            total += Decimal(t)
        except InvalidOperation:
            return None
        seen = True
    return format(total, "f") if seen else None
