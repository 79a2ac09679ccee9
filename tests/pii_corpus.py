"""A labelled corpus of personal and non-personal numbers, for the leak
scanner's recall and false-alarm figures (bench/pii_bench.py) and tests.

Personal numbers (18- and 15-digit IDs, bank cards, mobiles) are generated
with real structure (province codes, real dates, MOD 11-2, Luhn, issuer
prefixes) and written in many *placements*: the ways a careless or hostile
writer gets a number onto a page (full-width, entities, emphasis, line
breaks, dots, file names, ...).  Non-personal numbers are the formats a
township publishes that look like them: 工商注册号 (GS15 check digit),
受理/办件编号, 地块编码, 承包方编码, order numbers, unit accounts, credit
codes, invoice numbers, landlines, dates and amounts; each with the label it
is published under and bare.

Deterministic: the same seed gives the same corpus.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from gongkai.core.id_numbers import id_check_char, luhn_ok

PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split()
HAN = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
WORDS = ["户主", "联系人", "申请人", "收款人", "经办人", "家属", "本人"]


@dataclass(frozen=True, slots=True)
class Sample:
    fmt: str  # id18 / id15 / card / mobile, or a non-personal format
    placement: str
    text: str
    personal: bool
    digits: str  # the number as the scanner reports it ("" for non-personal)
    whole: bool = True  # a browser displays it whole (recall target applies)


def region(rng: random.Random) -> str:
    return rng.choice(PROVINCES) + f"{rng.randrange(1, 100):02d}{rng.randrange(1, 100):02d}"


def birth(rng: random.Random, lo: int = 1930, hi: int = 2024) -> str:
    y = rng.randrange(lo, hi + 1)
    m = rng.randrange(1, 13)
    d = rng.randrange(1, 29)
    return f"{y:04d}{m:02d}{d:02d}"


def id18(rng: random.Random) -> str:
    first = region(rng) + birth(rng) + f"{rng.randrange(1000):03d}"
    return first + id_check_char(first)


def gs15_ok(d: str) -> bool:
    p = 10
    for ch in d[:14]:
        s = (p + int(ch)) % 10 or 10
        p = (2 * s) % 11
    return (p + int(d[14])) % 10 == 1


def id15(rng: random.Random) -> str:
    while True:
        v = region(rng) + birth(rng, 1930, 1999)[2:] + f"{rng.randrange(1000):03d}"
        if not gs15_ok(v):  # those are registration numbers (documented)
            return v


def luhn_complete(stem: str) -> str:
    return next(stem + d for d in "0123456789" if luhn_ok(stem + d))


CARD_BINS = [("622202", 19), ("621700", 19), ("622848", 19), ("623052", 19), ("622588", 16), ("625800", 16)]
CARD_BINS += [("436742", 16), ("427020", 16), ("518710", 16), ("601382", 19), ("955880", 19)]


def card(rng: random.Random) -> str:
    prefix, n = rng.choice(CARD_BINS)
    body = "".join(rng.choice("0123456789") for _ in range(n - len(prefix) - 1))
    return luhn_complete(prefix + body)


def mobile(rng: random.Random) -> str:
    return rng.choice("13 14 15 16 17 18 19".split()) + "".join(rng.choice("0123456789") for _ in range(9))


GENERATORS: dict[str, Callable[[random.Random], str]] = {"id18": id18, "id15": id15, "card": card, "mobile": mobile}

_FW = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}
_CIRCLED = {ord(str(i)): 0x2460 + i - 1 for i in range(1, 10)} | {ord("0"): 0x24EA}
_MATH = {ord(str(i)): 0x1D7CE + i for i in range(10)}


def _groups(n: str, shape: tuple[int, ...]) -> list[str]:
    out, pos = [], 0
    for k in shape:
        out.append(n[pos : pos + k])
        pos += k
    if pos < len(n):
        out[-1] += n[pos:]
    return out


def _shape(fmt: str, n: str) -> tuple[int, ...]:
    if fmt == "id18":
        return (6, 8, 4)
    if fmt == "id15":
        return (6, 6, 3)
    if fmt == "card":
        return (4, 4, 4, 4) if len(n) == 16 else (6, len(n) - 6)
    return (3, 4, 4)


def _split(n: str, sep: str, fmt: str) -> str:
    return sep.join(_groups(n, _shape(fmt, n)))


def _mid(n: str, a: str, b: str = "") -> str:
    k = len(n) // 2
    return n[:k] + a + n[k:] + b


# placement name -> (function(number, fmt, rng) -> text, displayed whole by a browser)
PLACEMENTS: dict[str, Callable[[str, str, random.Random], str]] = {
    "plain": lambda n, f, r: f"{r.choice(WORDS)}{r.choice(HAN)}某，号码{n}。",
    "table cell": lambda n, f, r: f"<tr><td>{r.choice(HAN)}某</td><td>{n}</td></tr>",
    "quoted json": lambda n, f, r: f'{{"name": "某", "note": "{n}"}}',
    "full-width": lambda n, f, r: f"号码：{n.translate(_FW)}",
    "spaces": lambda n, f, r: f"号码 {_split(n, ' ', f)} 。",
    "hyphens": lambda n, f, r: f"号码 {_split(n, '-', f)}",
    "nbsp entity": lambda n, f, r: f"号码 {_split(n, '&nbsp;', f)}",
    "decimal entities": lambda n, f, r: "".join(f"&#{ord(c)};" for c in n),
    "hex entities": lambda n, f, r: "".join(f"&#x{ord(c):x};" for c in n),
    "json escapes": lambda n, f, r: '"' + "".join(f"\\u{ord(c) + 0xFEE0:04x}" if c.isdigit() else c for c in n) + '"',
    "zero-width": lambda n, f, r: "\u200b".join(n),
    "soft hyphen entity": lambda n, f, r: "&shy;".join(_groups(n, _shape(f, n))),
    "em split": lambda n, f, r: f"<p>号码 {_mid(n, '<em>', '</em>')}</p>",
    "span split": lambda n, f, r: f'<p>号码 {n[:3]}<span class="x">{n[3:]}</span></p>',
    "strong split": lambda n, f, r: f"<p>{n[:6]}<strong>{n[6:]}</strong></p>",
    "markdown emphasis": lambda n, f, r: f"号码 {_mid(n, '*', '*')}",
    "markdown strong": lambda n, f, r: f"号码 {_mid(n, '**', '**')}",
    "line break": lambda n, f, r: f"号码 {_mid(n, chr(10))}",
    "crlf in html": lambda n, f, r: f"<p>号码 {_mid(n, chr(13) + chr(10))}</p>",
    "tab": lambda n, f, r: f"号码\t{_mid(n, chr(9))}",
    "four spaces": lambda n, f, r: f"号码 {_split(n, '    ', f)}",
    "nbsp run": lambda n, f, r: f"号码 {_split(n, chr(0xA0) * 4, f)}",
    "ideographic spaces": lambda n, f, r: f"号码 {_split(n, chr(0x3000) * 2, f)}",
    "dots": lambda n, f, r: f"号码 {_split(n, '.', f)}",
    "slashes": lambda n, f, r: f"号码 {_split(n, '/', f)}",
    "circled digits": lambda n, f, r: n.translate(_CIRCLED),
    "mathematical digits": lambda n, f, r: n.translate(_MATH),
    "file name IMG_": lambda n, f, r: f"files/IMG_{n}.jpg",
    "file name scan_": lambda n, f, r: f"scan_{n}.pdf",
    "letter prefix ID": lambda n, f, r: f"ID{n}",
    "run into mobile": lambda n, f, r: n + mobile(r),
    "after a mobile": lambda n, f, r: f"{mobile(r)}、{n}",
    "url path": lambda n, f, r: f'<a href="/people/{n}.html">详情</a>',
    "br split": lambda n, f, r: f"<p>号码 {_mid(n, '<br>')}</p>",
    "split among amounts": lambda n, f, r: f"<p>{_amounts(r)} {_split(n, ' ', f)} {_amounts(r)}</p>",
    "emphasis among amounts": lambda n, f, r: f"{_amounts(r)} {_mid(n, '**', '**')} {_amounts(r)}",
    "csv row": lambda n, f, r: (
        f"序号,姓名,证件号码,金额\n{r.randrange(1, 99)},{r.choice(HAN)}某,{n},{_amounts(r, 1)}\n"
    ),
    "markdown table row": lambda n, f, r: f"| 序号 | 姓名 | 号码 |\n|---|---|---|\n| 1 | {r.choice(HAN)}某 | {n} |\n",
    "csv under a code header": lambda n, f, r: f"受理编号,姓名,号码\n2015-{r.randrange(1, 99)},{r.choice(HAN)}某,{n}\n",
}


def _amounts(r: random.Random, k: int = 0) -> str:
    """Amounts as a roster prints them, many in a row: a page dense with digits."""
    return " ".join(f"{r.randrange(1, 99999)}.{r.randrange(100):02d}" for _ in range(k or r.randrange(20, 90)))


def personal(count: int, seed: int = 13) -> Iterator[Sample]:
    """``count`` personal numbers, spread evenly over formats and placements."""
    rng = random.Random(seed)
    fmts = list(GENERATORS)
    places = list(PLACEMENTS)
    for i in range(count):
        fmt = fmts[i % len(fmts)]
        place = places[(i // len(fmts)) % len(places)]
        n = GENERATORS[fmt](rng)
        text = PLACEMENTS[place](n, fmt, rng)
        yield Sample(fmt, place, text, True, n)


# --- non-personal ------------------------------------------------------------------------


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def registration15(rng: random.Random) -> str:
    while True:
        v = region(rng) + "0" + _digits(rng, 7)
        stem = v[:14]
        for d in "0123456789":
            if gs15_ok(stem + d):
                return stem + d


def case_number(rng: random.Random) -> str:  # 受理/办件编号: 区划 + YYYYMMDD + 4
    return region(rng) + birth(rng, 2015, 2026) + _digits(rng, 4)


def parcel19(rng: random.Random) -> str:
    prov = rng.choice(["41", "42", "43", "44", "45", "46", "62"])
    return (
        prov
        + _digits(rng, 4)
        + f"{rng.randrange(1, 40):03d}{rng.randrange(1, 300):03d}{rng.randrange(1, 30):02d}{rng.randrange(1, 3000):05d}"
    )


def contractor(rng: random.Random) -> str:  # 承包方编码: 14-digit village/group code + 4
    return (
        region(rng)
        + f"{rng.randrange(1, 40):03d}{rng.randrange(1, 300):03d}{rng.randrange(1, 30):02d}"
        + _digits(rng, 4)
    )


def order_number(rng: random.Random) -> str:
    return (
        birth(rng, 2018, 2026)
        + f"{rng.randrange(24):02d}{rng.randrange(60):02d}{rng.randrange(60):02d}"
        + _digits(rng, rng.choice([4, 5, 6]))
    )


def unit_account(rng: random.Random) -> str:
    return rng.choice(["3205", "1001", "4100", "6222", "3220"]) + _digits(rng, rng.choice([15, 16, 17, 18]))


def credit_code(rng: random.Random) -> str:
    return rng.choice(["11", "12", "51", "52", "91"]) + region(rng) + _digits(rng, 10)


def invoice(rng: random.Random) -> str:
    return f"{rng.randrange(15, 27)}" + region(rng)[:2] + _digits(rng, 16)


def landline(rng: random.Random) -> str:
    return f"0{rng.randrange(10, 999)}-{_digits(rng, 8)}"


def date_range(rng: random.Random) -> str:
    a, b = birth(rng, 2015, 2026), birth(rng, 2015, 2026)
    return f"{a[:4]}.{a[4:6]}.{a[6:]}-{b[:4]}.{b[4:6]}.{b[6:]}"


def amounts(rng: random.Random) -> str:
    return " ".join(f"{rng.randrange(1, 99999)}.{rng.randrange(100):02d}" for _ in range(rng.randrange(3, 8)))


NON_PERSONAL: dict[str, tuple[Callable[[random.Random], str], str]] = {
    "工商注册号": (registration15, "注册号"),
    "受理编号": (case_number, "受理编号"),
    "办件编号": (case_number, "办件编号"),
    "地块编码": (parcel19, "地块编码"),
    "承包方编码": (contractor, "承包方编码"),
    "订单号": (order_number, "订单号"),
    "单位账号": (unit_account, "单位账号"),
    "统一社会信用代码": (credit_code, "统一社会信用代码"),
    "发票号码": (invoice, "发票号码"),
    "固定电话": (landline, "联系电话"),
    "日期区间": (date_range, "公示期"),
    "金额": (amounts, "金额（元）"),
}


def non_personal(count: int, seed: int = 31, labelled: bool = True, placement: str = "") -> Iterator[Sample]:
    """``count`` non-personal numbers, as published: ``placement`` "labelled"
    (after their label, 受理编号：…), "sentence" (受理编号为…), "json field",
    "csv" or "markdown table" (under a header that names them), "column"
    (an HTML table cell under such a header, as a roster or a list prints
    them) or "bare" (a table
    cell with no header at all: nothing tells it from a personal number);
    ``labelled`` chooses between the first and the last."""
    placement = placement or ("labelled" if labelled else "bare")
    rng = random.Random(seed)
    fmts = list(NON_PERSONAL)
    for i in range(count):
        fmt = fmts[i % len(fmts)]
        make, label = NON_PERSONAL[fmt]
        v = make(rng)
        if placement == "labelled":
            text = f"<p>{label}：{v}</p>"
        elif placement == "sentence":
            text = f"{label}为{v}。"
        elif placement == "json field":
            text = f'{{"序号": {i + 1}, "{label}": "{v}", "项目": "第{i % 9 + 1}组"}}'
        elif placement == "csv":
            text = f"序号,{label},项目\n{i + 1},{v},第{i % 9 + 1}组\n"
        elif placement == "markdown table":
            text = f"| 序号 | {label} | 项目 |\n|---|---|---|\n| {i + 1} | {v} | 第{i % 9 + 1}组 |\n"
        elif placement == "column":
            text = (
                f"<table><thead><tr><th>序号</th><th>{label}</th><th>项目</th></tr></thead>"
                f"<tbody><tr><td>{i + 1}</td><td>{v}</td><td>第{i % 9 + 1}组</td></tr></tbody></table>"
            )
        else:
            text = f"<td>{v}</td>"
        yield Sample(fmt, placement, text, False, "")
