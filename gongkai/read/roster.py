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

import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from gongkai.core.errors import Loc, Problem
from gongkai.core.tree import RMap, RNode, RScalar, RSeq
from gongkai.read.roster_base import (
    _BIDI,
    _HOUSEHOLDS_RE,
    _SCI_RE,
    _TRAILER_RE,
    HEADER_SEARCH_ROWS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    RosterFile,
    _at,
    _Cell,
    _file_problem,
    _Merge,
    _MergeTracker,
    _Problems,
    _Row,
    _Source,
    _TooManyRows,
    _Unreadable,
)
from gongkai.read.roster_files import _OLE_MAGIC, _SAVE_AS, _read_csv, _read_xlsx
from gongkai.read.roster_headers import (
    _ACCEPTED_HINT,
    _FIELD_LABELS,
    _find_header,
    _Header,
    _is_continuation,
    _is_header_like,
    _is_numbering_row,
    _map_header,
    _norm,
    _row_label,
)


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
        return _read_xlsx(data, relpath, _read_table)
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
        return _read_csv(data, relpath, _read_table)
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
