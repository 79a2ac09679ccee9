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
    _merged_across_rows,
    _MergeTracker,
    _Problems,
    _Row,
    _Source,
    _TooManyRows,
    _Unreadable,
)
from gongkai.read.roster_goods import nothing_received, read_items, total_items
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
from gongkai.read.roster_units import ColumnUnits, header_unit, read_unit

# --- row labels ------------------------------------------------------------------

_TRAILER_WORDS = tuple(
    "制表 填表 填报 审核 审批 复核 核对 经办 负责人 主管 会计 出纳 领导 签字 签名 盖章 日期 注 说明 备注 监督 举报 公示 联系人".split()
)
_TRAILER_RE = re.compile("^(?:" + "|".join(_TRAILER_WORDS) + ")")
_TOTAL_RE = re.compile(r"合计|总计|共计")
_SUBTOTAL_RE = re.compile(r"小计|^本页")
_PLACE = r"(?:全镇|全乡|全村|全社区|本村|本组|本页|本表|全|总|各村)?"
_TOTAL_NAME_RE = re.compile(_PLACE + r"(?:合计|总计|共计)(?:金额)?:?")
_SUBTOTAL_NAME_RE = re.compile(_PLACE + r"小计:?")
_SIGNOFF_RE = re.compile(
    r"签字|签名|签章|盖章|领导|主任|书记|负责人|经办|制表|填表|审核|审批|复核|会计|出纳|监督|联系人|日期|单位|村委|居委|公示|举报"
)
_SIGNOFF_END_RE = re.compile(r"[(]?(?:签字|签名|签章|盖章)[)]?$")
_HOUSEHOLDS_RE = re.compile(r"(\d+)(?:户|人)")
_SCI_RE = re.compile(r"^[+-]?\d+(?:\.\d*)?[eE][+-]?\d+$")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


# --- rows -----------------------------------------------------------------------------------------------


def _row_label(row: _Row, name_col: int = 0) -> str:
    """The row's kind: "total", "subtotal", "trailer" or "" (a person).

    Read from its first two non-empty cells and from its name cell, since
    exports put 合计 wherever the name goes (``5 | 全镇 | | 合计 | 10.72``).
    A sign-off line (``村委会主任签字：``, ``镇分管领导：李某某``) is a trailer
    by content wherever it sits: no person's name holds a role and a colon."""
    texts = [c.text for c in row.raw if c.kind][:2]
    for t in texts:
        n = _norm(t).strip(":")
        if len(n) <= 20 and _SUBTOTAL_RE.search(n):
            return "subtotal"
        if len(n) <= 20 and _TOTAL_RE.search(n):
            return "total"
    name = _at(row.raw, name_col) if name_col else None
    if name is not None and name.kind == "s":
        n = _norm(name.text)
        if _SUBTOTAL_NAME_RE.fullmatch(n):
            return "subtotal"
        if _TOTAL_NAME_RE.fullmatch(n):
            return "total"
    if texts:
        n = _norm(texts[0])
        if _TRAILER_RE.match(n) and (":" in n or re.fullmatch(r"(?:" + "|".join(_TRAILER_WORDS) + r")人?", n)):
            return "trailer"
    for t in [*texts, name.text if name is not None and name.kind == "s" else ""]:
        if t and _is_signoff(_norm(t)):
            return "trailer"
    return ""


def _is_signoff(n: str) -> bool:
    """``村委会主任签字：``, ``镇分管领导：李某某``, ``经办人（签字）``, ``公示单位：青石村委会（盖章）``."""
    label, colon, _rest = n.partition(":")
    if colon and 0 < len(label) <= 15 and _SIGNOFF_RE.search(label):
        return True
    return len(n) <= 20 and bool(_SIGNOFF_END_RE.search(n))


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


_PLACES = {"amount": 2, "quantity": 4, "rate": 4}  # as the schema reads them
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
    hi = _find_header(buffered, src.goods)
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
    sub = nxt if _is_continuation(head, nxt, src.merges, src.goods) else None
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
    units = ColumnUnits({f: u for c, f in header.fields.items() if (u := header_unit(f, header.names.get(c, "")))})

    for row in data_rows:
        if not any(c.kind for c in row.raw):
            continue
        label = _row_label(row, name_col)
        if ended:
            if label or not _at(row.down, name_col).kind or _has_trailer_word(row):
                continue
            late.append(row)
            continue
        if label == "total":
            total = _total_row(src, row, header, problems, empties, units)
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
        if not any(_at(row.raw, c).kind for c in [*header.fields, *header.goods]):
            continue  # only merged cells reach into this row, or only ignored columns are filled
        paths[row.n] = f"recipients[{len(people) + 1}]"
        people.append(_person(src, row, header, paths[row.n], problems, reported_merges, empties, units))

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
                    field=f"{paths.get(r, 'recipients')}.{header.fields.get(c) or ('items' if c in header.goods else '')}",
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
    units: ColumnUnits,
) -> RMap:
    entries: dict[str, RNode] = {}
    key_locs: dict[str, Loc] = {}
    cells: dict[str, tuple[_Cell, Loc]] = {}
    for c, f in header.fields.items():
        loc = src.loc(row.n, row.line, c)
        merge = row.covered.get(c)
        if merge is not None and merge.c0 == c and f not in _FILL_DOWN:
            _merged_across_rows(
                src,
                merge,
                reported_merges,
                problems,
                f"{_FIELD_LABELS[f]}列的",
                "每个人",
                f"{path}.{f}",
                "取消合并，在每个人的那一行分别填写",
            )
            continue
        cell = _at(row.down, c)
        if not cell.kind:
            if merge is None and not cell.computed:
                empties.add((row.n, c))
            continue
        if not _cell_ok(src, cell, f, f"{path}.{f}", loc, problems):
            continue
        cells[f] = (cell, loc)
    row_unit = ""
    # 数量 before 标准: a 标准 of 元/亩 is checked against this row's 亩.
    for f in sorted(cells, key=lambda f: f != "quantity"):
        cell, loc = cells[f]
        text = cell.text
        if f in _PLACES and cell.kind == "s":
            read = read_unit(f, text, loc.cell, units, row_unit)
            if read is not None:
                number, unit, why = read
                if why:
                    problems.add(
                        Problem(loc, "GK105" if f == "amount" else "GK106", why, f"{path}.{f}", cell.text),
                        capped=True,
                    )
                    continue
                text = number
                row_unit = unit if f == "quantity" else row_unit
        entries[f] = RScalar(text, loc)
        key_locs[f] = loc
    _add_shown(src, row, header, path, problems, entries, key_locs)
    if header.goods or header.goods_refused:  # 救灾物资: roster_goods.py
        items, refused = read_items(src, row, header.goods, path, problems, reported_merges, empties)
        entries["items"] = items
        key_locs["items"] = items.loc
        money = any(f == "amount" and _at(row.down, c).kind for c, f in header.fields.items())
        if not items.items and not refused and not header.goods_refused and not money:
            name = entries.get("name")
            problems.add(nothing_received(items.loc, path, name.text if isinstance(name, RScalar) else ""), capped=True)
    order = list(header.fields.values())
    entries = {f: entries[f] for f in sorted(entries, key=lambda f: order.index(f) if f in order else len(order))}
    return RMap(entries, key_locs, src.loc(row.n, row.line, header.first_col))


def _add_shown(
    src: _Source,
    row: _Row,
    header: _Header,
    path: str,
    problems: _Problems,
    entries: dict[str, RNode],
    key_locs: dict[str, Loc],
) -> None:
    """Columns published in the note (保障类别, 发放日期, 二轮承包面积 beside
    补贴面积 …) become "列名：值" parts before the 备注 text."""
    parts: list[str] = []
    first: Loc | None = None
    for c, label in header.shown.items():
        cell = _at(row.down, c)
        loc = src.loc(row.n, row.line, c)
        if not cell.kind or not _cell_ok(src, cell, "note", f"{path}.note", loc, problems):
            continue
        parts.append(f"{label}：{cell.text}")
        first = first or loc
    if not parts:
        return
    note = entries.get("note")
    if isinstance(note, RScalar):
        parts.append(note.text)
    else:
        assert first is not None
        key_locs["note"] = first
    entries["note"] = RScalar("；".join(parts), key_locs["note"])


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
    if cell.kind == "n" and f in _PLACES and len(cell.text.partition(".")[2]) > _PLACES[f]:
        places = _PLACES[f]
        seen = f"，屏幕上显示为 {cell.shown}" if cell.shown else ""
        problems.add(
            Problem(
                loc,
                "GK105" if f == "amount" else "GK106",
                f"单元格中存的数是 {cell.text}{seen}；单元格格式只改变显示，读取的是存的数，"
                f"{_FIELD_LABELS[f]}最多 {places} 位小数",
                path,
                cell.text,
                (
                    "发放金额应精确到分：公式写成 =ROUND(数量×标准,2)，或直接填写实际发放的金额"
                    if f == "amount"
                    else f"填写实际的{_FIELD_LABELS[f]}（最多 {places} 位小数），或用 =ROUND(…,{places}) 公式"
                ),
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


def _total_row(
    src: _Source,
    row: _Row,
    header: _Header,
    problems: _Problems,
    empties: set[tuple[int, int]],
    units: ColumnUnits,
) -> RMap:
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
            text = cell.text
            read = read_unit(f, text, loc.cell, units) if cell.kind == "s" else None
            if read is not None and read[2]:
                code = "GK105" if f == "amount" else "GK106"
                problems.add(Problem(loc, code, read[2], f"recipients.合计.{f}", cell.text))
                continue
            entries[f] = RScalar(read[0] if read is not None else text, loc)
            key_locs[f] = loc
    items = total_items(src, row, header.goods, problems) if header.goods else None
    if items is not None:
        entries["items"] = items
        key_locs["items"] = items.loc
    for c, cell in enumerate(row.raw, start=1):
        if cell.kind == "s" and c not in header.goods and header.fields.get(c) not in ("quantity", "amount", "rate"):
            m = _HOUSEHOLDS_RE.search(_norm(cell.text))
            if m:
                loc = src.loc(row.n, row.line, c)
                entries["households"] = RScalar(m.group(1), loc)
                key_locs["households"] = loc
                break
    first = next((c for c, cell in enumerate(row.raw, start=1) if cell.kind), header.first_col)
    return RMap(entries, key_locs, src.loc(row.n, row.line, first))
