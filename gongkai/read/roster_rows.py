"""Roster files: the rows under the header (people, 合计, 小计, sign-off lines)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from gongkai.core.errors import Loc, Problem
from gongkai.core.tree import RMap, RNode, RScalar, RSeq
from gongkai.read.roster_cells import (
    _SAVE_AS,
    HEADER_SEARCH_ROWS,
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
from gongkai.read.roster_headers import (
    _ACCEPTED_HINT,
    _FIELD_LABELS,
    _find_header,
    _Header,
    _is_continuation,
    _is_unit,
    _map_header,
    _norm,
)

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
