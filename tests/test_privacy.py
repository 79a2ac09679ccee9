"""Tests for gongkai.core.privacy: finding ID / card / mobile numbers and masking IDs.

Every test number is computed here (check characters, Luhn digits) from
arbitrary digits; none is copied from anywhere.  The check-character and Luhn
helpers below are written independently of the module under test.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.core.id_numbers import (
    ID_CHECK_CHARS,
    ID_WEIGHTS,
    card_prefix_ok,
    id_check_char,
    is_valid_id,
    luhn_ok,
    registration_check_ok,
)
from gongkai.core.masking import (
    MaskPolicy,
    check_masked_id,
    mask_id,
    normalise_digits,
    normalise_id_field,
    parse_policy,
)
from gongkai.core.privacy import Finding, find_pii
from gongkai.core.privacy_seen import find_cards, find_ids, find_mobiles, redact

# --- independent helpers -------------------------------------------------------


def check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2: weights are 2^(17-i) mod 11; the check value c makes
    sum + c ≡ 1 (mod 11), with 10 written as X."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body17))
    c = (12 - total % 11) % 11
    return "X" if c == 10 else str(c)


def make_id(region: str = "320823", born: str = "19900101", seq: str = "123") -> str:
    body = region + born + seq
    return body + check_char(body)


def luhn_digit(partial: str) -> str:
    """The digit that, appended to ``partial``, makes a Luhn-valid number."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # these get doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def make_card(partial: str) -> str:
    return partial + luhn_digit(partial)


def spaced(number: str, shape: tuple[int, ...], sep: str = " ") -> str:
    parts, pos = [], 0
    for n in shape:
        parts.append(number[pos : pos + n])
        pos += n
    assert pos == len(number)
    return sep.join(parts)


def _seq_with_check(region: str, born: str, want: str) -> str:
    """An ID whose check character is ``want``."""
    for n in range(1000):
        candidate = make_id(region, born, f"{n:03d}")
        if candidate[-1] == want:
            return candidate
    raise AssertionError("unreachable")


ID = make_id()  # 320823 19900101 123 + check
ID_X = _seq_with_check("320823", "19900101", "X")
ID15 = "320823900101123"  # old form: 1990-01-01
CARD16 = make_card("622202123456789")
CARD19 = make_card("621700123456789012")
MOBILE = "13812345678"

# --- checksums -------------------------------------------------------------


def test_weights_and_check_chars_follow_the_standard() -> None:
    assert tuple(pow(2, 17 - i, 11) for i in range(17)) == ID_WEIGHTS
    assert ID_CHECK_CHARS == "10X98765432"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
@settings(max_examples=200)
def test_check_char_matches_independent_formula(body: str) -> None:
    assert id_check_char(body) == check_char(body)


def test_valid_ids() -> None:
    assert is_valid_id(ID)
    assert is_valid_id(ID_X) and ID_X.endswith("X")
    assert is_valid_id(make_id(born="20000229"))  # leap year
    assert is_valid_id(make_id(born="19000101"))
    assert is_valid_id(make_id(born="20991231"))
    assert is_valid_id(ID15)
    assert is_valid_id("320823960229123")  # 15-digit IDs are 19YY: 1996-02-29
    assert not is_valid_id("320823000229123")  # 1900 is no leap year


@pytest.mark.parametrize(
    "born",
    ["19000229", "20230229", "19901301", "19900100", "19900132", "18991231", "21000101", "19900431"],
)
def test_ids_with_impossible_birth_dates_are_invalid(born: str) -> None:
    assert not is_valid_id(make_id(born=born))


def test_wrong_check_char_is_invalid() -> None:
    wrong = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    assert not is_valid_id(wrong)
    assert not is_valid_id("320823901301123")  # month 13
    assert not is_valid_id("32082319900101123")  # 17 chars


def test_luhn_and_prefixes() -> None:
    assert luhn_ok(CARD16) and luhn_ok(CARD19)
    assert not luhn_ok(CARD16[:-1] + str((int(CARD16[-1]) + 1) % 10))
    assert card_prefix_ok("6" + "2" * 15) and card_prefix_ok("6" + "2" * 18)
    assert card_prefix_ok("4" * 16) and card_prefix_ok("4" * 19) and not card_prefix_ok("4" * 18)
    assert card_prefix_ok("5" + "1" * 15) and not card_prefix_ok("5" + "1" * 17)
    assert card_prefix_ok("2221" + "0" * 12) and not card_prefix_ok("2015" + "0" * 12)
    assert card_prefix_ok("9558" + "0" * 15) and not card_prefix_ok("9132" + "0" * 14)
    assert not card_prefix_ok("1" * 16) and not card_prefix_ok("0527" + "0" * 12)


# --- plain detection --------------------------------------------------------------


def one(text: str) -> Finding:
    found = find_pii(text)
    assert len(found) == 1, found
    return found[0]


def test_plain_numbers_are_found_with_offsets() -> None:
    for number, kind in [(ID, "id"), (ID_X, "id"), (ID15, "id"), (CARD16, "card"), (CARD19, "card"), (MOBILE, "phone")]:
        text = f"张三，号码{number}，已核实。"
        f = one(text)
        assert (f.kind, f.digits) == (kind, number)
        assert text[f.start : f.end] == number


def test_number_at_start_and_end_of_text() -> None:
    assert one(ID).digits == ID
    assert one(ID + "\n").digits == ID
    assert one(MOBILE).digits == MOBILE


def test_lower_case_and_full_width_check_char() -> None:
    for x in ("x", "Ｘ", "ｘ", "&#88;", "&#x78;"):
        text = "身份证" + ID_X[:-1] + x + "。"
        f = one(text)
        assert f.digits == ID_X and f.end == len(text) - 1


def test_kind_specific_finders() -> None:
    text = f"{ID}、{CARD16}、{MOBILE}"
    assert [f.digits for f in find_ids(text)] == [ID]
    assert [f.digits for f in find_cards(text)] == [CARD16]
    assert [f.digits for f in find_mobiles(text)] == [MOBILE]
    assert [f.kind for f in find_pii(text, phones=False)] == ["id", "card"]


def test_mobile_country_prefixes() -> None:
    for text in (
        f"+86{MOBILE}",
        f"+86 {MOBILE}",
        f"86-{MOBILE}",
        f"0086 {MOBILE}",
        f"+86 {spaced(MOBILE, (3, 4, 4))}",
        f"＋86 {spaced(MOBILE, (3, 8), '-')}",
        "8613812345678",
    ):
        f = one("电话：" + text + "。")
        assert f.kind == "phone" and f.digits == MOBILE
        assert f.start == 3 and f.end == 3 + len(text), text


def test_mobiles_need_a_mobile_prefix() -> None:
    assert find_pii("12812345678") == []
    assert find_pii("10012345678") == []
    for second in "3456789":
        assert one(f"1{second}012345678").kind == "phone"


# --- obfuscations --------------------------------------------------------------

_FW = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        pytest.param(ID.translate(_FW), ID, id="full-width ID"),
        pytest.param(ID_X[:-1].translate(_FW) + "Ｘ", ID_X, id="full-width ID with Ｘ"),
        pytest.param(CARD16.translate(_FW), CARD16, id="full-width card"),
        pytest.param(MOBILE.translate(_FW), MOBILE, id="full-width mobile"),
        pytest.param(ID[:9] + ID[9:].translate(_FW), ID, id="mixed width"),
        pytest.param(spaced(ID, (6, 8, 4)), ID, id="ID 6-8-4"),
        pytest.param(spaced(ID, (6, 4, 4, 4)), ID, id="ID 6-4-4-4"),
        pytest.param(spaced(ID, (4, 4, 4, 4, 2)), ID, id="ID 4-4-4-4-2"),
        pytest.param(spaced(ID, (3, 3, 4, 4, 4)), ID, id="ID 3-3-4-4-4"),
        pytest.param(spaced(ID, (6, 12)), ID, id="ID 6-12"),
        pytest.param(spaced(ID, (6, 8, 4), "-"), ID, id="ID hyphens"),
        pytest.param(spaced(ID, (6, 8, 4), "–"), ID, id="ID en dashes"),
        pytest.param(spaced(ID, (6, 8, 4), " - "), ID, id="ID spaced hyphens"),
        pytest.param(spaced(ID, (6, 8, 4), "\u00a0"), ID, id="ID no-break spaces"),
        pytest.param(spaced(ID, (6, 8, 4), "\u3000"), ID, id="ID ideographic spaces"),
        pytest.param(spaced(ID15, (6, 6, 3)), ID15, id="ID15 6-6-3"),
        pytest.param(spaced(CARD16, (4, 4, 4, 4)), CARD16, id="card 4-4-4-4"),
        pytest.param(spaced(CARD19, (4, 4, 4, 4, 3)), CARD19, id="card 4-4-4-4-3"),
        pytest.param(spaced(CARD19, (6, 13)), CARD19, id="card 6-13"),
        pytest.param(spaced(CARD16, (4, 4, 4, 4), "-"), CARD16, id="card hyphens"),
        pytest.param(spaced(MOBILE, (3, 4, 4)), MOBILE, id="mobile 3-4-4"),
        pytest.param(spaced(MOBILE, (3, 4, 4), "-"), MOBILE, id="mobile 3-4-4 hyphens"),
        pytest.param(spaced(MOBILE, (3, 8)), MOBILE, id="mobile 3-8"),
    ],
)
def test_obfuscated_numbers_are_found(written: str, digits: str) -> None:
    text = f"申请人：王五，{written}；联系地址：某村。"
    f = one(text)
    assert f.digits == digits
    assert text[f.start : f.end] == written


@pytest.mark.parametrize("zw", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
@pytest.mark.parametrize("number", [ID, ID_X, CARD16, MOBILE])
def test_zero_width_characters_between_digits(zw: str, number: str) -> None:
    written = zw.join(number)
    f = one(f"备注{written}备注")
    assert f.digits == number and f.end - f.start == len(written)
    # between groups too, next to separators
    written = spaced(number, (4, 4, 4, 4) if number == CARD16 else (3, 4, 4) if number == MOBILE else (6, 8, 4))
    written = written.replace(" ", zw + " " + zw)
    assert one(written).digits == number


@pytest.mark.parametrize(
    "encode",
    [
        lambda c: f"&#{ord(c)};",
        lambda c: f"&#x{ord(c):x};",
        lambda c: f"&#X{ord(c):X};",
        lambda c: f"&#000{ord(c)};",
        lambda c: f"&#{ord(c.translate(_FW))};",
        lambda c: f"&#x{ord(c.translate(_FW)):x};",
    ],
    ids=["decimal", "hex", "HEX", "leading zeros", "full-width decimal", "full-width hex"],
)
def test_html_numeric_entities(encode: Callable[[str], str]) -> None:
    for number in (ID, CARD16, MOBILE):
        written = "".join(encode(c) if i % 2 else c for i, c in enumerate(number))
        assert html.unescape(written).translate(str.maketrans("０１２３４５６７８９", "0123456789")) == number
        f = one(f"<td>{written}</td>")
        assert f.digits == number and f.start == 4 and f.end == 4 + len(written)
        assert one("".join(encode(c) for c in number)).digits == number


def test_numeric_entities_without_semicolon_follow_html_unescape() -> None:
    written = "&#51" + ID[1:]  # "&#51" + "2082..." would be one big code point
    assert html.unescape(written) != ID and find_pii(written) == []
    written = "&#51&#50;" + ID[2:6] + "&#49;" + ID[7:]
    assert html.unescape(written) == ID
    assert one(written).digits == ID


@pytest.mark.parametrize(
    "entity",
    ["&nbsp;", "&nbsp", "&#160;", "&#xA0;", "&ensp;", "&emsp;", "&thinsp;", "&ndash;", "&#45;", "&minus;", "&hyphen;"],
)
def test_separator_entities(entity: str) -> None:
    assert one(spaced(ID, (6, 8, 4), entity)).digits == ID
    assert one(spaced(CARD16, (4, 4, 4, 4), entity)).digits == CARD16


@pytest.mark.parametrize(
    "entity", ["&zwj;", "&zwnj;", "&ZeroWidthSpace;", "&NoBreak;", "&shy;", "&shy", "&#8203;", "&#xFEFF;"]
)
def test_invisible_entities(entity: str) -> None:
    written = ID[:5] + entity + ID[5:11] + entity + entity + ID[11:]
    assert one(written).digits == ID


def test_json_and_javascript_escapes() -> None:
    for number in (ID, ID_X, CARD16, MOBILE):
        for written in (
            number.translate(_FW),
            "\u200b".join(number),
            spaced(
                number, (4, 4, 4, 4) if number == CARD16 else (3, 4, 4) if number == MOBILE else (6, 8, 4), "\u3000"
            ),
        ):
            for text in (
                json.dumps({"v": written}),
                json.dumps({"v": "年" + written + "月"}),
                json.dumps([1, "\n" + written]),
            ):
                f = one(text)
                assert f.digits == number
                assert json.loads('"' + text[f.start : f.end] + '"').translate(
                    str.maketrans("０１２３４５６７８９", "0123456789", "\u200b\u3000")
                ) in (number, number[:-1] + "X")


def test_escape_before_a_number_is_not_a_letter() -> None:
    assert one("\\u5e74" + ID).start == 6  # 年 written as an escape
    assert one("\\u3000" + ID).start == 6  # an escaped space before the number
    assert one("\\n" + ID).start == 2
    assert one("&nbsp" + ID).start == 5
    assert find_pii("\\u0041" + ID)  # "A" + ID: a letter prefix no longer hides a number
    assert one("&para" + ID).start == 5  # html.unescape: "¶" + ID
    assert html.unescape("&alpha" + ID).startswith("&alpha")  # not a legacy name: letters
    assert find_pii("&alpha" + ID)  # letters before: still a number


def test_multiplication_sign_typed_for_x() -> None:
    assert one(ID_X[:-1] + "×").digits == ID_X
    assert check_masked_id("320823********123×") is None


def test_everything_at_once() -> None:
    written = (
        "&#51;２\u200b0823&nbsp;"  # 320823
        + "１９&#x39;0\u00ad0101 "  # 19900101
        + ID[14:17].translate(_FW)
        + "&zwj;"
        + ID[17]
    )
    f = one(f"<p>身份证号：{written}。</p>")
    assert f.digits == ID
    assert f.display() == "32**************" + ID[-2:]


# --- what must not be flagged -------------------------------------------------------------

HONEST = [
    "2015-05-10",
    "2015-05-10 2015-05-17",
    "2015-05-10 - 2015-05-17",
    "2015-05-10—2015-05-17",
    "20150510 20150517",
    "20150510-20150517",
    "2015年5月10日至2015年5月17日",
    "2015-05-10T12:00:00+08:00 2015-05-17T12:00:00+08:00",
    "20150510120000",
    "3,520,000.00",
    "546.00 元，3520000.00 元，12,345,678.90 元",
    "201 20101 2010101 2010102 2130101",
    "青财农〔2015〕12号",
    "0527-80000000",
    "0527 8000 0001",
    "0527-8000-0001 转 123",
    "(0527)80000000、025-80000001、010 8000 0001",
    "+86 527 8000 0001",
    "+86 10 8000 0001",
    "0527 6000 0001 0527 6000 0002",
    "11320826MB0123456X",
    "91320826MA1W2X3Y4Z",
    "913208261234567890",  # an all-digit credit code: no card prefix at 18 digits
    "513208265012345678",
    '{"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}',
    '{"sha256": "12345678901234567890123456789012345678901234567890123456789abcde"}',
    '{"sha256": "abcde12345678901234567890123456789012345678901234567890123456789"}',
    "24322000000012345678",  # 20-digit e-invoice number
    "3205 0161 6836 0000 0123",  # 20-digit account in fours
    "1998 1999 2000 2001 2002",
    "0.14285714285714285",
    "9007199254740991 9223372036854775807 4503599627370496",
    "32**************34 320823********1234 6222 **** **** 1234 138****5678",
    "第 1 页，共 12 页；共 138 户",
]


@pytest.mark.parametrize("text", HONEST)
def test_honest_content_is_not_flagged(text: str) -> None:
    assert find_pii(text) == []
    assert find_pii(f"<td>{text}</td>\n") == []


def test_twenty_digit_run_is_not_searched_for_substrings() -> None:
    assert find_pii("1" + CARD16 + "234") == []
    assert find_pii(ID + "7") == []
    assert find_pii("9" + MOBILE) == []


def test_numbers_touching_codes_or_decimals_are_ignored() -> None:
    for text in (f"a1{CARD16}", f"{CARD16}b2", f"0.{CARD16}", f"{CARD16}.5", f"{ID_X}y", f"x9_{MOBILE}"):
        assert find_pii(text) == [], text


def test_numbers_after_a_word_prefix_are_found() -> None:
    # IMG_..., ID..., scan_...: a label or a file name prefix hides nothing
    for text in (f"a{CARD16}", f"{CARD16}b", f"ID{ID}", f"{MOBILE}_x", f"IMG_{MOBILE}.jpg", f"scan_{ID_X}.pdf"):
        assert find_pii(text), text
    # but not punctuation, including a full stop that ends a sentence or a URL
    for text in (f"/records/{ID}.html", f"{CARD16}.", f"({MOBILE})", f'"{ID}"', f"{ID},{MOBILE}"):
        assert find_pii(text), text


def test_only_real_groupings_are_joined() -> None:
    # the same digits, in shapes that nobody writes these numbers in
    assert find_pii(spaced(ID, (2, 4, 4, 4, 4))) == []
    assert find_pii(spaced(ID, (8, 10))) == []
    assert find_pii(spaced(CARD16, (8, 8))) == []
    assert find_pii(spaced(MOBILE, (4, 4, 3))) == []
    # more than three separator characters end a run
    assert find_pii(spaced(ID, (6, 8, 4), "    ")) == []
    # a card in fours is a whole chain of four groups
    assert find_pii("2015 " + spaced(CARD16, (4, 4, 4, 4))) == []
    assert find_pii(spaced(CARD16, (4, 4, 4, 4)) + " 2015") == []


def test_several_numbers_in_one_run() -> None:
    text = f"{spaced(ID, (6, 8, 4))} {MOBILE} {spaced(CARD16, (4, 4, 4, 4))} {spaced(MOBILE, (3, 4, 4))}"
    assert [(f.kind, f.digits) for f in find_pii(text)] == [
        ("id", ID),
        ("phone", MOBILE),
        ("card", CARD16),
        ("phone", MOBILE),
    ]
    assert [f.kind for f in find_pii(text, phones=False)] == ["id", "card"]


def test_display_forms() -> None:
    assert one(ID).display() == ID[:2] + "*" * 14 + ID[-2:]
    assert one(ID15).display() == ID15[:2] + "*" * 11 + ID15[-2:]
    assert one(CARD16).display() == f"{CARD16[:4]} **** **** {CARD16[-4:]}"
    assert one(CARD19).display() == f"{CARD19[:4]} **** **** *** {CARD19[-4:]}"
    assert one(MOBILE).display() == "138****5678"
    for f in find_pii(f"{ID} {CARD19} {MOBILE}"):
        assert find_pii(f.display()) == []


def test_redact() -> None:
    text = f"张三 {spaced(ID, (6, 8, 4))}，电话 +86 {MOBILE}。"
    out = redact(text)
    assert out == f"张三 {ID[:2]}{'*' * 14}{ID[-2:]}，电话 138****5678。"
    assert find_pii(out) == []
    assert redact("没有个人信息") == "没有个人信息"


def test_normalise_digits() -> None:
    assert normalise_digits("２０１５年５月１０日 Ｘｘ") == "2015年5月10日 Xx"
    assert len(normalise_digits(ID.translate(_FW))) == len(ID)


def test_fast_path_and_no_crash_on_odd_text() -> None:
    assert find_pii("") == []
    assert find_pii("无数字的中文内容" * 1000) == []
    assert find_pii("&" * 50 + "&#" * 50 + "&#x" * 50 + "1 " * 50 + "-" * 50) == []


@pytest.mark.parametrize("unit", ["1", "1 ", "2015-05-10 ", "6222 ", "1\u200b", "&#49;", "\\u3000", "1&nbsp;-"])
def test_time_is_linear_on_pathological_text(unit: str) -> None:
    small, big = unit * 2_000, unit * 20_000
    t0 = time.perf_counter()
    find_pii(small)
    t1 = time.perf_counter()
    find_pii(big)
    t2 = time.perf_counter()
    assert t2 - t1 < 30 * (t1 - t0) + 0.5  # 10x the text; quadratic would be 100x


# --- hypothesis: every realistic obfuscation is found --------------------------------------

HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
chinese = st.text(alphabet=HAN + "，。：；、（）“”《》", min_size=1, max_size=12)

born18 = st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
born15 = st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)).map(lambda d: d.strftime("%y%m%d"))
digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def digit_string(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split()
regions = st.builds(lambda p, r: p + r, st.sampled_from(PROVINCES), digit_string(4))
ids18 = st.builds(make_id, regions, born18, digit_string(3))
# 15-digit IDs that do not carry a 工商注册号 check digit (those are read as registration numbers)
ids15 = st.builds(lambda r, b, s: r + b + s, regions, born15, digit_string(3)).filter(
    lambda v: not registration_check_ok(v)
)

_CARD_PREFIXES = [
    ("62", (16, 17, 18, 19)),
    ("60", (16, 17, 18, 19)),
    ("4", (16, 19)),
    ("51", (16,)),
    ("55", (16,)),
    ("2221", (16,)),
    ("2720", (16,)),
    ("3528", (16, 17, 18, 19)),
    ("3589", (16, 17, 18, 19)),
    ("95", (19,)),
]


@st.composite
def cards(draw: st.DrawFn) -> str:
    prefix, lengths = draw(st.sampled_from(_CARD_PREFIXES))
    n = draw(st.sampled_from(lengths))
    return make_card(prefix + draw(digit_string(n - 1 - len(prefix))))


mobiles = st.builds(lambda a, b: "1" + a + b, st.sampled_from("3456789"), digit_string(9))

SHAPES = {
    18: [(18,), (6, 8, 4), (6, 4, 4, 4), (4, 4, 4, 4, 2), (6, 12), (3, 3, 4, 4, 4)],
    15: [(15,), (6, 6, 3)],
    11: [(11,), (3, 4, 4), (3, 8)],
}


def card_shapes(n: int) -> list[tuple[int, ...]]:
    return [(n,), (4, 4, 4, 4) + ((n - 16,) if n > 16 else ()), (6, n - 6)]


SEPARATORS = [" ", "-", "–", "\u00a0", "\u3000", "&nbsp;", "&ensp;", "&#160;", " - ", "  ", "&ndash;"]
INVISIBLES = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "&zwj;",
    "&#8203;",
    "&shy;",
    "&ZeroWidthSpace;",
]


def encodings(c: str) -> list[str]:
    fw = c.translate(_FW)
    return [c, c, fw, f"&#{ord(c)};", f"&#x{ord(c):x};", f"&#{ord(fw)};", f"&#X{ord(fw):X};"]


@st.composite
def obfuscated(draw: st.DrawFn, number: str, shape: tuple[int, ...]) -> str:
    out: list[str] = []
    pos = 0
    for gi, n in enumerate(shape):
        if gi:
            out.append(draw(st.sampled_from(SEPARATORS)))
        for _ in range(n):
            if pos and draw(st.integers(0, 5)) == 0:
                out.append(draw(st.sampled_from(INVISIBLES)))
            c = number[pos]
            if c == "X":
                out.append(draw(st.sampled_from(["X", "x", "Ｘ", "ｘ", "&#88;", "&#x58;"])))
            else:
                out.append(draw(st.sampled_from(encodings(c))))
            pos += 1
    return "".join(out)


@st.composite
def pii_in_text(draw: st.DrawFn) -> tuple[str, str, int, int]:
    kind = draw(st.sampled_from(["id18", "id15", "card", "mobile"]))
    if kind == "id18":
        number = draw(ids18)
        shape = draw(st.sampled_from(SHAPES[18]))
    elif kind == "id15":
        number = draw(ids15)
        shape = draw(st.sampled_from(SHAPES[15]))
    elif kind == "card":
        number = draw(cards())
        shape = draw(st.sampled_from(card_shapes(len(number))))
    else:
        number = draw(mobiles)
        shape = draw(st.sampled_from(SHAPES[11]))
    written = draw(obfuscated(number, shape))
    if kind == "mobile":
        if shape == (11,):
            prefix = draw(st.sampled_from(["", "86", "+86", "+86 ", "86-", "0086 ", "＋86-"]))
        else:
            prefix = draw(st.sampled_from(["", "+86 ", "86 ", "+86-"]))
        written = prefix + written
    before = draw(st.lists(st.one_of(chinese, honest_item), max_size=3))
    after = draw(st.lists(st.one_of(chinese, honest_item), max_size=3))
    head = "，".join(before) + draw(chinese) + draw(st.sampled_from(["", "：", " ", "（", "\n", "<td>", '"']))
    tail = draw(st.sampled_from(["", "。", " ", "）", "\n", "</td>", '"', ",", "."])) + draw(chinese) + "，".join(after)
    encode = draw(st.sampled_from([as_is, as_json, as_ascii_json]))
    head, written, tail = encode(head), encode(written), encode(tail)
    return head + written + tail, number, len(head), len(head) + len(written)


def as_is(text: str) -> str:
    return text


def as_json(text: str) -> str:
    """The text as it appears inside a JSON string (escaping is per character,
    so pieces can be encoded separately and joined)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def as_ascii_json(text: str) -> str:
    return json.dumps(text)[1:-1]


# --- hypothesis: honest content is never flagged ----------------------------------------

dates = st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31))


@st.composite
def date_text(draw: st.DrawFn) -> str:
    d = draw(dates)
    fmt = draw(
        st.sampled_from(
            ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT12:00:00+08:00", "%Y年%m月"]
        )
    )
    if draw(st.booleans()):
        return f"{d.year}年{d.month}月{d.day}日"
    return d.strftime(fmt)


@st.composite
def date_range(draw: st.DrawFn) -> str:
    a, b = draw(date_text()), draw(date_text())
    return a + draw(st.sampled_from([" ", " - ", "-", "至", "—", "～", " 至 "])) + b


@st.composite
def amount(draw: st.DrawFn) -> str:
    yuan = draw(st.integers(0, 99_999_999_999))
    fen = draw(st.integers(0, 99))
    if draw(st.booleans()):
        text = draw(st.sampled_from([f"{yuan:,}.{fen:02d}", f"{yuan}.{fen:02d}"]))
        return text + draw(st.sampled_from(["", "元", " 元", "万元"]))
    # a whole number carries its unit; written without thousands separators
    # it has at most 10 digits (a bare 11-digit 1[3-9]... is read as a mobile)
    whole = draw(st.sampled_from([f"{yuan:,}", f"{yuan % 10_000_000_000}"]))
    return whole + draw(st.sampled_from(["元", " 元", "万元"]))


@st.composite
def landline(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(["010", "020", "021", "025", "0527", "0523", "0517", "0571"]))
    local = draw(st.sampled_from("2345678")) + draw(digit_string(7))
    fmt = draw(st.integers(0, 5))
    if fmt == 0:
        return f"{area}-{local}"
    if fmt == 1:
        return f"{area} {local[:4]} {local[4:]}"
    if fmt == 2:
        return f"({area}){local}"
    if fmt == 3:
        return f"{area}-{local[:4]}-{local[4:]}"
    if fmt == 4:
        return f"+86 {area[1:]} {local[:4]} {local[4:]}"
    return f"{area}-{local}（转 {draw(digit_string(3))}）"


@st.composite
def budget_code(draw: st.DrawFn) -> str:
    cls = draw(st.sampled_from([*range(101, 111), *range(201, 235)]))
    n = draw(st.sampled_from([0, 1, 2]))
    return str(cls) + "".join(f"{draw(st.integers(1, 99)):02d}" for _ in range(n))


@st.composite
def doc_number(draw: st.DrawFn) -> str:
    org = draw(st.sampled_from(["青财农", "青政发", "青农", "县财预", "镇办"]))
    return f"{org}〔{draw(st.integers(1990, 2099))}〕{draw(st.integers(1, 300))}号"


USCC_CHECK = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def credit_code(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["11", "12", "51", "52", "53", "91", "92", "93"]))
    letters = st.sampled_from("ABCDEFGHJKLMNPQRTUWXY")
    return (
        head + draw(digit_string(6)) + "M" + draw(letters) + draw(digit_string(7)) + draw(st.sampled_from(USCC_CHECK))
    )


hex_digest = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64).map(lambda h: f'"sha256": "{h}"')


@st.composite
def masked(draw: st.DrawFn) -> str:
    number = draw(st.one_of(ids18, cards(), mobiles))
    if len(number) == 18:
        text = mask_id(number, draw(st.sampled_from([MaskPolicy(2, 3), MaskPolicy(6, 4), MaskPolicy(1, 1)])))
    elif len(number) == 11:
        text = number[:3] + "****" + number[-4:]
    else:
        text = number[:4] + " **** **** " + number[-4:]
    return f"<td>{text}</td>"  # a masked number sits in its own cell


long_run = st.integers(20, 40).flatmap(digit_string)

honest_item = st.one_of(
    date_text(),
    date_range(),
    amount(),
    landline(),
    budget_code(),
    doc_number(),
    credit_code(),
    hex_digest,
    masked(),
    long_run,
    st.integers(1, 999).map(lambda n: f"共 {n} 户"),
)

honest_text = st.builds(
    lambda parts, encode: encode("".join(a + b for a, b in parts)),
    st.lists(
        st.tuples(
            st.one_of(honest_item, chinese),
            st.sampled_from([" ", "，", "、", "\n", "　", " - ", "：", "</td><td>", ","]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([as_is, as_json, as_ascii_json]),
)


@given(pii_in_text())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_obfuscated_number_in_text_is_found(case: tuple[str, str, int, int]) -> None:
    text, number, start, end = case
    hits = [f for f in find_pii(text) if f.digits == number]
    assert hits, (text, number)
    f = hits[0]
    assert (f.start, f.end) == (start, end)
    assert f.kind == ("phone" if len(number) == 11 else "id" if is_valid_id(number) else "card")


@given(honest_text)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_honest_text_is_never_flagged(text: str) -> None:
    assert find_pii(text) == [], text


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_findings_are_ordered_and_in_bounds(text: str) -> None:
    found = find_pii(text)
    pos = 0
    for f in found:
        assert pos <= f.start < f.end <= len(text)
        pos = f.end


# --- masking policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "head", "tail"),
    [("2+3", 2, 3), (" 2 + 3 ", 2, 3), ("２＋３", 2, 3), ("6+4", 6, 4), ("0+0", 0, 0), ("1+1", 1, 1), ("3+0", 3, 0)],
)
def test_parse_policy_accepts(spec: str, head: int, tail: int) -> None:
    assert parse_policy(spec) == MaskPolicy(head, tail)


@pytest.mark.parametrize("spec", ["7+0", "2+5", "10+2", "8+8", "6+5"])
def test_parse_policy_rejects_policies_that_reveal_the_birth_date(spec: str) -> None:
    with pytest.raises(ValueError, match="出生日期"):
        parse_policy(spec)


@pytest.mark.parametrize("spec", ["", "2", "2+", "+3", "2-3", "2+3+4", "-1+3", "a+b", "前2后3", "2.5+1"])
def test_parse_policy_rejects_nonsense_in_chinese(spec: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_policy(spec)
    assert re.search("[\u4e00-\u9fff]", str(info.value))


def test_policy_cannot_be_built_invalid() -> None:
    with pytest.raises(ValueError):
        MaskPolicy(7, 3)
    with pytest.raises(ValueError):
        MaskPolicy(-1, 3)
    assert str(MaskPolicy(2, 3)) == "2+3"


@given(st.integers(0, 20), st.integers(0, 20))
def test_every_accepted_policy_hides_the_birth_date_and_eight_characters(head: int, tail: int) -> None:
    try:
        policy = MaskPolicy(head, tail)
    except ValueError:
        assert head > 6 or tail > 4
        return
    for length, (lo, hi) in ((18, (6, 14)), (15, (6, 12))):
        h, t = policy.visible(length)
        assert h <= lo and length - t >= hi and length - h - t >= (8 if length == 18 else min(8, length - h))


# --- mask_id / check_masked_id ------------------------------------------------------------------

P23 = parse_policy("2+3")


def test_mask_id_examples() -> None:
    assert mask_id("320823********1234", P23) == "32*************234"
    assert mask_id(ID, P23) == "32" + "*" * 13 + ID[-3:]
    assert mask_id("32**************34", P23) == "32**************34"
    assert mask_id(" ３２０８２３＊＊＊＊＊＊＊＊１２３ｘ ", P23) == "32*************23X"
    assert mask_id("320823******123", P23) == "32**********123"
    assert mask_id("320823******123", parse_policy("6+4")) == "320823********3"
    assert mask_id(ID, parse_policy("0+0")) == "*" * 18


@pytest.mark.parametrize("bad", ["", "12345", "3208231990010112345", "32082319900101123A", "3208X3********1234"])
def test_mask_id_rejects_non_ids(bad: str) -> None:
    with pytest.raises(ValueError, match="身份证号"):
        mask_id(bad, P23)


@given(st.one_of(ids18, ids15), st.sampled_from(["2+3", "6+4", "0+0", "1+1", "3+2", "6+0", "0+4"]))
def test_mask_id_hides_birth_date_and_keeps_length(number: str, spec: str) -> None:
    out = mask_id(number, parse_policy(spec))
    assert len(out) == len(number)
    lo, hi = (6, 14) if len(number) == 18 else (6, 12)
    assert set(out[lo:hi]) == {"*"} and out.count("*") >= min(8, len(number) - 7)
    assert check_masked_id(out) is None
    assert find_pii(out) == []
    assert mask_id(out, parse_policy(spec)) == out  # idempotent


@pytest.mark.parametrize(
    "value",
    [
        "320823********1234",
        "320823********123X",
        "320823********123x",
        "３２０８２３＊＊＊＊＊＊＊＊１２３４",
        "320823 ******** 1234",
        "32**************34",
        "******************",
        "320823******123",
    ],
)
def test_check_masked_id_accepts(value: str) -> None:
    assert check_masked_id(value) is None


@pytest.mark.parametrize(
    ("value", "word"),
    [
        (ID, "出生日期"),
        (ID15, "出生日期"),
        ("3208231990****1234", "出生日期"),
        ("320823*******11234", "出生日期"),
        ("320823xxxxxxxx1234", "X"),
        ("320823########1234", "字符"),
        ("320823********12345", "18 位"),
        ("3208********1234", "18 位"),
        ("", "为空"),
        ("320823******12X", "X"),
    ],
)
def test_check_masked_id_rejects(value: str, word: str) -> None:
    why = check_masked_id(value)
    assert why is not None and word in why
    assert ID not in why and "19900101" not in why  # never echoes the number


def test_normalise_id_field() -> None:
    assert normalise_id_field(" ３２０８２３\u200b＊＊＊＊＊＊＊＊１２３ｘ\n") == "320823********123X"
    assert normalise_id_field("320823　********　123×") == "320823********123X"
