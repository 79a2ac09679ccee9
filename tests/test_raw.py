"""gongkai.raw (decoding, front matter, YAML with positions) and the two
text parsers every money and date field goes through."""

from __future__ import annotations

import builtins
import codecs
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.core.schema.kinds import parse_date_text, parse_money_text
from gongkai.core.tree import RMap, RScalar, RSeq
from gongkai.read.raw import decode, parse_yaml, split_front_matter

TEXT = "title: 关于做好春季防汛工作的通知\npublisher: town\ndate: 2015-03-02\n"
PATH = "content/notices/a.yaml"

# --- decode ---------------------------------------------------------------------------


def test_decode_utf8() -> None:
    d = decode(TEXT.encode("utf-8"), PATH)
    assert (d.text, d.encoding, d.problems) == (TEXT, "UTF-8", [])


def test_decode_utf8_bom_crlf() -> None:
    d = decode(codecs.BOM_UTF8 + TEXT.replace("\n", "\r\n").encode("utf-8"), PATH)
    assert (d.text, d.encoding, d.problems) == (TEXT, "UTF-8", [])


def test_decode_old_mac_cr() -> None:
    assert decode(TEXT.replace("\n", "\r").encode(), PATH).text == TEXT


def test_decode_gbk() -> None:
    d = decode(TEXT.encode("gbk"), PATH)
    assert d.text == TEXT
    assert d.encoding == "GB18030"
    assert d.problems == []


def test_decode_gb18030_crlf() -> None:
    d = decode(TEXT.replace("\n", "\r\n").encode("gb18030"), PATH)
    assert d.text == TEXT and d.encoding == "GB18030"


def test_decode_gb18030_rare_characters() -> None:
    text = "title: 关于龑䶮同志春季防汛工作的通知\n"
    d = decode(text.encode("gb18030"), PATH)
    assert d.text == text and d.problems == []


def test_decode_gbk_name_characters() -> None:
    text = "title: 表彰王堃、李赟、张喆同志\n"
    d = decode(text.encode("gbk"), PATH)
    assert d.text == text and d.problems == []


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_decode_utf16_with_bom(codec: str) -> None:
    data = TEXT.encode(codec)
    if codec != "utf-16":
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    d = decode(data, PATH)
    assert (d.text, d.encoding, d.problems) == (TEXT, "UTF-16", [])


@pytest.mark.parametrize(
    "data",
    [TEXT.encode("utf-16") + b"\n", codecs.BOM_UTF16_LE + b"a\x00\x00\xd8b\x00"],
    ids=["odd-length", "lone-surrogate"],
)
def test_decode_damaged_utf16_refused(data: bytes) -> None:
    d = decode(data, PATH)
    assert d.encoding == "unknown"
    assert [p.code for p in d.problems] == ["GK001"]


def _random_bytes(seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(300))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("title: Café résumé à la crème\n".encode("latin-1"), id="latin-1"),
        pytest.param("title: お知らせです。よろしくお願いします\n".encode("shift_jis"), id="shift-jis"),
        pytest.param("title: 關於做好春季防汛工作的通知\n".encode("big5"), id="big5"),
        pytest.param(TEXT.encode("utf-16-le"), id="utf-16-without-bom"),
        pytest.param(_random_bytes(1), id="random-1"),
        pytest.param(_random_bytes(2), id="random-2"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", id="png"),
    ],
)
def test_decode_refuses_non_chinese_bytes(data: bytes) -> None:
    d = decode(data, PATH)
    assert d.encoding == "unknown" and d.text == ""
    (p,) = d.problems
    assert p.code == "GK001" and p.loc.path == PATH and p.loc.line >= 1
    assert "UTF-8" in p.message


def test_decode_refusal_names_the_line() -> None:
    data = TEXT.encode()
    cut = data.index(b"date")
    d = decode(data[:cut] + b"\xff" + data[cut:], PATH)
    assert [(p.code, p.loc.line) for p in d.problems] == [("GK001", 3)]


def test_decode_bidi_controls() -> None:
    d = decode("a: 1\nb: x\u202ey\nc: \u2066z\u2069\n".encode(), PATH)
    assert [(p.code, p.loc.line, p.value) for p in d.problems] == [
        ("GK008", 2, "U+202E"),
        ("GK008", 3, "U+2066"),
        ("GK008", 3, "U+2069"),
    ]


# --- front matter ------------------------------------------------------------------------


def test_split_front_matter_lines() -> None:
    fm = split_front_matter("---\ntitle: 通知\ndate: 2015-03-02\n---\n第一段。\n\n第二段。\n")
    assert fm is not None
    assert fm.yaml_text == "title: 通知\ndate: 2015-03-02\n"
    assert (fm.yaml_line, fm.body_line) == (2, 5)
    assert fm.body == "第一段。\n\n第二段。\n"


def test_split_front_matter_dots_and_trailing_blanks() -> None:
    fm = split_front_matter("--- \ntitle: 通知\n...\n正文\n")
    assert fm is not None and fm.body == "正文\n" and fm.body_line == 4


@pytest.mark.parametrize("text", ["title: 通知\n", "\n---\ntitle: x\n---\n", "---\ntitle: 通知\n", ""])
def test_split_front_matter_missing(text: str) -> None:
    assert split_front_matter(text) is None


def test_front_matter_line_offsets() -> None:
    fm = split_front_matter("---\ntitle: 通知\nnotice:\n  start: 2015-03-02\n  end: x\n---\n正文\n")
    assert fm is not None
    node, problems = parse_yaml(fm.yaml_text, PATH, fm.yaml_line)
    assert problems == []
    assert isinstance(node, RMap)
    notice = node.entries["notice"]
    assert isinstance(notice, RMap)
    assert node.key_locs["title"].line == 2
    assert notice.key_locs["end"].line == 5
    bad, problems = parse_yaml("a: 1\nb: [\n", PATH, 2)
    assert bad is None and problems[0].code == "GK002" and problems[0].loc.line >= 3


# --- parse_yaml ---------------------------------------------------------------------------


NESTED = """\
title: 通知
tables:
  - name: 支出表
    rows:
      - {code: "201", amount: 1.00}
      - code: "20101"
        amount: 2.00
"""


def test_nested_positions() -> None:
    node, problems = parse_yaml(NESTED, PATH)
    assert problems == []
    assert isinstance(node, RMap)
    tables = node.entries["tables"]
    assert isinstance(tables, RSeq)
    table = tables.items[0]
    assert isinstance(table, RMap)
    rows = table.entries["rows"]
    assert isinstance(rows, RSeq)
    first, second = rows.items
    assert isinstance(first, RMap) and isinstance(second, RMap)
    assert node.key_locs["tables"].line == 2
    assert table.key_locs["rows"].line == 4
    assert first.entries["amount"].loc.line == 5
    assert second.key_locs["amount"].line == 7
    assert second.entries["amount"].loc.line == 7
    assert (second.key_locs["code"].line, second.key_locs["code"].col) == (6, 9)
    assert all(loc.path == PATH for loc in node.key_locs.values())


@pytest.mark.parametrize(
    ("source", "text", "style"),
    [
        ("no", "no", None),
        ("yes", "yes", None),
        ("0102", "0102", None),
        ("1:30", "1:30", None),
        ("0x1F", "0x1F", None),
        ("1e3", "1e3", None),
        (".inf", ".inf", None),
        ("2015-02-29", "2015-02-29", None),
        ("546.00", "546.00", None),
        ("~", "~", None),
        ('"0102"', "0102", '"'),
        ("'no'", "no", "'"),
        ("|\n  第一行\n  第二行", "第一行\n第二行\n", "|"),
        (">-\n  第一行\n  第二行", "第一行 第二行", ">"),
    ],
)
def test_scalars_stay_text(source: str, text: str, style: str | None) -> None:
    node, problems = parse_yaml(f"v: {source}\n", PATH)
    assert problems == []
    assert isinstance(node, RMap)
    v = node.entries["v"]
    assert isinstance(v, RScalar)
    assert (v.text, v.style or None) == (text, style)  # plain: None (PyYAML) or "" (libyaml)


def test_null_scalars() -> None:
    node, _ = parse_yaml('a:\nb: ~\nc: null\nd: ""\n', PATH)
    assert isinstance(node, RMap)
    nulls = {k: v.is_null for k, v in node.entries.items() if isinstance(v, RScalar)}
    assert nulls == {"a": True, "b": True, "c": True, "d": False}


def test_duplicate_key_keeps_first_and_names_both_lines() -> None:
    node, problems = parse_yaml("a: 1\nb: 2\na: 3\n", PATH)
    assert isinstance(node, RMap)
    a = node.entries["a"]
    assert isinstance(a, RScalar) and a.text == "1"
    (p,) = problems
    assert (p.code, p.loc.line, p.field) == ("GK003", 3, "a")
    assert "第 1 行" in p.message


@pytest.mark.parametrize(
    "text",
    ["a: &x 1\nb: *x\n", "base: &b {k: v}\n<<: *b\n", "a: *undefined\n", "a: [&x 1, *x]\n"],
)
def test_anchors_and_aliases_refused(text: str) -> None:
    node, problems = parse_yaml(text, PATH)
    assert node is None
    assert [p.code for p in problems] == ["GK004"]


def test_anchor_characters_inside_text_are_fine() -> None:
    node, problems = parse_yaml('a: 张三&李四\nb: "*重要*"\nc: 5*3\n', PATH)
    assert problems == [] and isinstance(node, RMap)


@pytest.mark.parametrize("depth", [5, 30])
def test_moderate_nesting_accepted(depth: int) -> None:
    node, problems = parse_yaml("a: " + "[" * depth + "]" * depth + "\n", PATH)
    assert problems == [] and node is not None


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "a: " + "{b: " * 3000 + "1" + "}" * 3000 + "\n",
        "a:\n  " + "- " * 10_000 + "x\n",
        "".join("  " * i + f"k{i}:\n" for i in range(100)),
    ],
    ids=["flow-seq", "flow-map", "block-seq", "block-map"],
)
def test_deep_nesting_refused_without_recursion_error(text: str) -> None:
    node, problems = parse_yaml(text, PATH)
    assert node is None
    assert [p.code for p in problems] == ["GK005"]


def test_too_big_text_refused() -> None:
    text = "a: " + "x" * (5 * 1024 * 1024) + "\n"
    node, problems = parse_yaml(text, PATH)
    assert node is None and [p.code for p in problems] == ["GK005"]


def test_second_document_refused() -> None:
    node, problems = parse_yaml("a: 1\n---\nb: 2\n", PATH)
    assert node is None
    assert [(p.code, p.loc.line) for p in problems] == [("GK002", 2)]


def test_empty_and_comment_only() -> None:
    assert parse_yaml("", PATH) == (None, [])
    assert parse_yaml("# 注释\n", PATH) == (None, [])


def test_non_scalar_key_refused() -> None:
    node, problems = parse_yaml("? [a, b]\n: c\n", PATH)
    assert node is None and [p.code for p in problems] == ["GK103"]


# --- parse_money_text ------------------------------------------------------------------------

_FULL = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
money = st.decimals(
    min_value=Decimal("-999999999999999.99"),
    max_value=Decimal("999999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def _plain(d: Decimal, places: int) -> str:
    return f"{d:.{places}f}"


@contextmanager
def _no_float() -> Iterator[None]:
    real = builtins.float

    def boom(*args: object) -> float:
        raise AssertionError("float() used")

    builtins.float = boom  # type: ignore[misc]
    try:
        yield
    finally:
        builtins.float = real  # type: ignore[misc]


@settings(max_examples=150, deadline=None, database=None)
@given(
    d=money,
    thousands=st.booleans(),
    fullwidth=st.booleans(),
    yuan=st.booleans(),
    spaces=st.booleans(),
)
def test_money_roundtrip(d: Decimal, thousands: bool, fullwidth: bool, yuan: bool, spaces: bool) -> None:
    places = 2 if d != d.to_integral_value() else 0
    text = f"{d:,.{places}f}" if thousands else _plain(d, places)
    if fullwidth:
        text = text.translate(_FULL)
    if yuan:
        text += "元"
    if spaces:
        text = f"  {text} "
    with _no_float():
        value = parse_money_text(text)
    assert value == d
    assert isinstance(value, Decimal)


@settings(max_examples=60, deadline=None, database=None)
@given(d=money)
def test_money_keeps_every_digit(d: Decimal) -> None:
    # 17 significant digits (15 before the point, the most accepted): a binary
    # float would lose the cents.
    big = Decimal("123456789012345") + d % 1
    assert parse_money_text(_plain(big, 2)) == big


def test_money_over_fifteen_integer_digits_refused() -> None:
    assert parse_money_text("999999999999999.99") == Decimal("999999999999999.99")
    assert parse_money_text("1000000000000000") is None
    assert parse_money_text("1,000,000,000,000,000.00") is None


@settings(max_examples=80, deadline=None, database=None)
@given(whole=st.integers(min_value=0, max_value=10**12), frac=st.text("0123456789", min_size=3, max_size=8))
def test_money_three_or_more_decimals_refused(whole: int, frac: str) -> None:
    assert parse_money_text(f"{whole}.{frac}") is None
    assert parse_money_text(f"{whole:,}.{frac}") is None


@settings(max_examples=60, deadline=None, database=None)
@given(whole=st.integers(min_value=0, max_value=10**9), frac=st.text("0123456789", min_size=3, max_size=4))
def test_decimal_quantities_allow_four_places(whole: int, frac: str) -> None:
    assert parse_money_text(f"{whole}.{frac}", 4) == Decimal(f"{whole}.{frac}")


@pytest.mark.parametrize(
    "text",
    [
        "1,23.00",
        "1,2345.00",
        ",123.00",
        "1e3",
        "0x1F",
        ".inf",
        "nan",
        "1:30",
        "no",
        "",
        "元",
        "1.2.3",
        "+5",
        "５４６．００５",
        "546.",
        ".5",
    ],
)
def test_money_refused(text: str) -> None:
    assert parse_money_text(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0102", "102"),
        ("3,520,000.00", "3520000.00"),
        ("５４６．００", "546.00"),
        ("1，000.50", "1000.50"),
        ("546元", "546"),
    ],
)
def test_money_accepted(text: str, value: str) -> None:
    assert parse_money_text(text) == Decimal(value)


# --- parse_date_text ------------------------------------------------------------------------

_FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
FORMATS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}-{d.month}-{d.day}",
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year} 年 {d.month:02d} 月 {d.day} 日",
    lambda d: f"{d.year}年{d.month}月{d.day}",
]


@settings(max_examples=150, deadline=None, database=None)
@given(
    d=st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
    fmt=st.sampled_from(range(len(FORMATS))),
    fullwidth=st.booleans(),
)
def test_date_roundtrip(d: date, fmt: int, fullwidth: bool) -> None:
    text = FORMATS[fmt](d)
    if fullwidth:
        text = text.translate(_FULL_DIGITS)
    assert parse_date_text(text) == d


def _real(y: int, m: int, dd: int) -> bool:
    try:
        date(y, m, dd)
    except ValueError:
        return False
    return True


@settings(max_examples=150, deadline=None, database=None)
@given(y=st.integers(1000, 9999), m=st.integers(0, 99), dd=st.integers(0, 99))
def test_impossible_dates(y: int, m: int, dd: int) -> None:
    got = parse_date_text(f"{y}-{m:02d}-{dd:02d}")
    assert (got is not None) == _real(y, m, dd)
    if got is not None:
        assert (got.year, got.month, got.day) == (y, m, dd)


@pytest.mark.parametrize("text", ["2015-02-29", "2015-13-01", "2015-04-31", "2015-00-10", "2015-06-00", "2100-02-29"])
def test_named_impossible_dates(text: str) -> None:
    assert parse_date_text(text) is None


@pytest.mark.parametrize("text", ["2016-02-29", "2000-02-29", "２０１５－０５－１０"])
def test_leap_days_and_fullwidth(text: str) -> None:
    assert parse_date_text(text) is not None


@pytest.mark.parametrize(
    "text", ["15-05-10", "2015-05", "20150510", "2015-05-10T08:00", "2015-05-10 08:00", "May 10, 2015", "1:30"]
)
def test_other_date_forms_refused(text: str) -> None:
    assert parse_date_text(text) is None
