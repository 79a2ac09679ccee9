"""Roster files: the header row and the column names it may hold."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from gongkai.core.errors import Loc, Problem
from gongkai.read.roster_cells import _EMPTY, HEADER_SEARCH_ROWS, _at, _Cell, _Merge, _Problems, _Row, _Source

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
        refused = [(t, r) for t, r in ((top_t, head), (bottom_t, sub)) if t and _header_kind(t) == ("refuse", "")]
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
