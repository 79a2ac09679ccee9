"""Roster files: reading .xlsx workbooks (streamed, merged cells, cached formula values)."""

from __future__ import annotations

import datetime as _dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterator

from gongkai.core.errors import Loc, Problem, Severity
from gongkai.read.roster_cells import (
    _COMPUTED_EMPTY,
    _EMPTY,
    _SAVE_AS,
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
    number_text,
    shown_text,
)
from gongkai.read.roster_rows import _read_table

# --- .xlsx ---------------------------------------------------------------------------------

_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']([A-Za-z]{1,3}\d+:[A-Za-z]{1,3}\d+)[\"']")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_UNREADABLE_XLSX = "无法读取这个 Excel 文件：文件已损坏，或不是真正的 .xlsx 文件"


def _read_xlsx(
    data: bytes, relpath: str, goods: tuple[tuple[str, str], ...] = ()
) -> tuple[RosterFile | None, list[Problem]]:
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
            src = _Source(relpath, ws.title, _xlsx_rows(ws), merges, goods=goods)
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
        text, shown = number_text(v, fmt), shown_text(v, fmt)
        return _Cell(text, "n", v, shown=shown if shown != text else "")
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
