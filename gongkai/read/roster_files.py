"""The cells of a roster file: .xlsx (stored values, merged ranges, cached
formula results, number formats) and CSV/text in any encoding gongkai reads."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from gongkai.core.errors import Loc, Problem, Severity
from gongkai.read.raw import decode
from gongkai.read.roster_base import (
    _COMPUTED_EMPTY,
    _EMPTY,
    HEADER_SEARCH_ROWS,
    MAX_COLS,
    MAX_MERGES,
    MAX_ROWS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_UNZIPPED_BYTES,
    RosterFile,
    _Cell,
    _clean,
    _file_problem,
    _Merge,
    _Source,
    _TooManyMerges,
    _TooManyRows,
    _Unreadable,
)
from gongkai.read.roster_headers import _known_names

# --- entry point -------------------------------------------------------------------------

# roster._read_table: the table of a source (a sheet or a CSV file) read into a roster
ReadTable = Callable[[_Source], tuple[RosterFile | None, list[Problem]]]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_SAVE_AS = "在 Excel 或 WPS 中打开，点“文件 → 另存为”，保存类型选“Excel 工作簿 (*.xlsx)”"


# --- .xlsx ---------------------------------------------------------------------------------

_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']([A-Za-z]{1,3}\d+:[A-Za-z]{1,3}\d+)[\"']")


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


_UNREADABLE_XLSX = "无法读取这个 Excel 文件：文件已损坏，或不是真正的 .xlsx 文件"


def _read_xlsx(data: bytes, relpath: str, read_table: ReadTable) -> tuple[RosterFile | None, list[Problem]]:
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
            roster, more = read_table(src)  # while the workbook is open: its rows are read lazily
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


def _read_csv(data: bytes, relpath: str, read_table: ReadTable) -> tuple[RosterFile | None, list[Problem]]:
    decoded = decode(data, relpath)
    if decoded.encoding == "unknown":
        return None, list(decoded.problems)
    text = decoded.text
    delimiter = _pick_delimiter(text)
    src = _Source(relpath, "", _csv_rows(text, delimiter, relpath))
    roster, more = read_table(src)
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
