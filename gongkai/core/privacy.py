"""Personal data: finding ID, bank-card and mobile numbers, and masking IDs.

Recipients' names are published by law; their resident ID numbers, bank card
numbers and mobile numbers must never reach the site.  This module is the one
place that knows what those numbers look like.  Pure functions only: no I/O,
no clock, no mutable module state (tables are frozen, regexes compiled once).

Detection (:func:`find_pii`) works on any text -- YAML values, Markdown, and
the final scan over every output file (HTML, JSON, CSV, XML, JS):

1. One compiled regex finds *runs*: at least 11 digits (ASCII, full-width,
   HTML references such as ``&#51;`` ``&#x33;`` ``&#65299;``, or JSON/JS
   escapes ``\\uff13``) glued by invisible characters (U+200B/C/D, U+2060,
   U+FEFF, U+00AD, bidi marks; literally, as ``&zwj;`` ``&shy;`` ... or as
   ``\\u200b``) and by separator runs of at most three spaces / hyphens / en
   dashes (also ``&nbsp;`` ``\\u3000`` ...), optionally ending in a check
   character X.  Not separators: ``. , / : —``, tabs, line breaks.  A text
   without such a run costs one regex scan (a cheap look-ahead rejects short
   numbers such as dates and amounts before the full pattern is tried).
2. Each run is split into *groups* of digits at its separators.  Invisible
   characters, references and escapes never split a group, and a group is
   never split either: a 20-digit invoice number contains no card.
3. Groups are joined only in *shapes* the numbers are really written in
   (``_ID18_SHAPES`` ... below): 6-8-4, 6-4-4-4, 4-4-4-4-2, 3-3-4-4-4, 6-12
   for IDs; 6-6-3 for old IDs; 4-4-4-4(-1..3) and 6-(10..13) for cards;
   3-4-4 and 3-8 for mobiles, optionally after an 86 / 0086 group.  A card
   written in fours must be a whole chain of exactly four 4-digit groups, so
   20-digit accounts written in fours and lists of 4-digit numbers are never
   cut into cards.  So ``2015-05-10 2015-05-17`` (4-2-2-4-2-2), ``20150510
   20150517`` (8-8) and ``0527 8000 0001`` (4-4-4) are no candidates at all.
4. Only candidates get checksums: GB 11643 MOD 11-2 plus a real birth date for
   IDs, Luhn plus a plausible issuer prefix *and length* for cards
   (:func:`card_prefix_ok`: keeps all-digit credit codes 91..., dates 20...,
   landlines 0... and JS integers out), ``1[3-9]`` for mobiles.  Of all ways
   to read a run's groups as numbers, the one explaining most groups wins.
5. A group touching a letter or '_' (sha256 hex digests, ``MB0123456X``
   credit codes, ``T12:00`` timestamps) or continuing a decimal number
   (``0.1428571428571428``) is never part of a number.

Known limits: an 11-digit ``1[3-9]...`` integer with nothing around it is a
mobile (no checksum exists); four bare 4-digit numbers in a row that pass
Luhn with a card prefix are a card; numbers split by tags (``<span>``) or by
line breaks are not joined.

Masking: :class:`MaskPolicy` (site.yaml ``id_display: "2+3"``) says how many
leading and trailing characters of an ID stay visible; a policy that would
show a birth-date digit cannot be constructed.  Input ID fields must arrive
with the birth date hidden (:func:`check_masked_id`) and are re-masked for
display with :func:`mask_id`.
"""

from __future__ import annotations

import html
import html.entities
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "ID_CHECK_CHARS",
    "ID_WEIGHTS",
    "Finding",
    "Kind",
    "MaskPolicy",
    "card_prefix_ok",
    "check_masked_id",
    "find_cards",
    "find_ids",
    "find_mobiles",
    "find_pii",
    "find_pii_seen",
    "has_special_digits",
    "id_check_char",
    "is_valid_card",
    "is_valid_id",
    "is_valid_mobile",
    "luhn_ok",
    "mask_id",
    "normalise_digits",
    "normalise_id_field",
    "parse_policy",
    "redact",
    "registration_check_ok",
    "remove_emphasis",
    "seen_text",
]

Kind = Literal["id", "card", "phone"]

# --- characters --------------------------------------------------------------

_FULLWIDTH_DIGITS = "０１２３４５６７８９"
_X_CHARS = "Xx\uff38\uff58\u00d7"  # X x Ｘ ｘ and × (typed for X by some IMEs)
# Invisible characters that may sit between digits; they never split a group.
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width, word joiner, BOM, soft hyphen
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi marks
)
# Visible separators that may split a number into groups.  Deliberately not
# '.', ',', '/', ':', '—' (em dash), tabs or line breaks.
_SEPARATORS = (
    " \u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"  # spaces, incl. no-break, thin and ideographic
    "-\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"  # hyphens, en dash, minus
)
# Characters that make an adjacent digit group part of a word, not a number.
_WORD_CHARS = frozenset(
    "0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    + _FULLWIDTH_DIGITS
    + "".join(chr(c) for c in range(0xFF21, 0xFF3B))
    + "".join(chr(c) for c in range(0xFF41, 0xFF5B))
)
_DIGIT_CHARS = frozenset("0123456789" + _FULLWIDTH_DIGITS)

_TO_ASCII = MappingProxyType(
    {ord(f): ord(a) for f, a in zip(_FULLWIDTH_DIGITS, "0123456789", strict=True)}
    | {0xFF38: ord("X"), 0xFF58: ord("x")}
)
# Atom classes: d = digit, x = check char, z = invisible, s = separator.
_CLASS = MappingProxyType(
    {ch: ("d", ch) for ch in "0123456789"}
    | {f: ("d", a) for f, a in zip(_FULLWIDTH_DIGITS, "0123456789", strict=True)}
    | {ch: ("x", "X") for ch in _X_CHARS}
    | {ch: ("z", "") for ch in _INVISIBLE}
    | {ch: ("s", "") for ch in _SEPARATORS}
)


def _entity_pattern(chars: str) -> str:
    """A regex matching every HTML character reference that ``html.unescape``
    turns into one of ``chars``: decimal and hex numeric references (leading
    zeros, with or without ';') and named references (HTML5 table)."""
    alts: list[str] = []
    codes = sorted({ord(c) for c in chars})
    dec = "|".join(str(c) for c in codes)
    alts.append(rf"&\#0*(?:{dec})(?:;|(?![0-9]))")
    hexes = "|".join(format(c, "x") for c in codes)
    alts.append(rf"&\#[xX]0*(?i:{hexes})(?:;|(?![0-9A-Fa-f]))")
    names = sorted(
        (name for name, value in html.entities.html5.items() if value in chars and len(value) == 1),
        key=lambda n: (-len(n), n),
    )
    if names:
        alts.append("&(?:" + "|".join(re.escape(n) for n in names) + ")")
    return "|".join(alts)


def _escape_pattern(chars: str) -> str:
    """A regex matching the JSON / JavaScript escapes ``\\uXXXX`` of ``chars``
    (``json.dumps`` writes every non-ASCII character that way by default)."""
    codes = "|".join(format(c, "04x") for c in sorted({ord(c) for c in chars}))
    return rf"\\u(?i:{codes})"


def _class_pattern(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in chars) + "]"


def _atom_pattern(chars: str) -> str:
    """One of ``chars``, literally, as an HTML reference or as a \\u escape."""
    return f"(?:{_class_pattern(chars)}|{_entity_pattern(chars)}|{_escape_pattern(chars)})"


_D = _atom_pattern("0123456789" + _FULLWIDTH_DIGITS)
_X = _atom_pattern(_X_CHARS)
_Z = _atom_pattern(_INVISIBLE)
_S = _atom_pattern(_SEPARATORS)
_NOT_WORD = "(?![0-9A-Za-z_\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])"
# Every character a run can consist of (references and escapes are made of
# & # ; \\ and ASCII letters and digits).  Used in a cheap look-ahead that
# rejects the many short numbers of a page (dates, amounts) before the real
# pattern is tried.
_RUN_CHARS = "[0-9A-Za-z&#;\\\\" + _FULLWIDTH_DIGITS + re.escape(_INVISIBLE + _SEPARATORS) + "]"
# A run: >= 11 digits, glued by invisibles and separator runs of <= 3 chars,
# optionally ending in a check char X (only if no letter/digit follows it).
# It never starts right after a digit (the run would have started there).
# The atom classes are disjoint, so the quantifiers can be possessive.  The
# leading one-character look-ahead lets the regex engine skip fast to the
# next possible start.  A run that starts inside a \\uXXXX escape is realigned
# afterwards (``_realign``).
# A run is cut after this many digits: number soup ("1 1 1 ..." over
# megabytes) costs linear time, and no real number is that long.
_MAX_RUN = 600
_RUN = re.compile(
    f"(?=[0-9{_FULLWIDTH_DIGITS}&\\\\])(?<![0-9{_FULLWIDTH_DIGITS}])(?={_RUN_CHARS}{{11}})"  # where
    f"{_D}(?:{_Z}*+(?:{_S}{_Z}*+){{0,3}}+{_D}){{10,{_MAX_RUN}}}+"  # >= 11 digits
    f"(?:{_Z}*+{_X}{_NOT_WORD})?"  # check char
)
# One atom inside a run.
_ATOM = re.compile(f"{_D}|{_Z}|{_S}|{_X}")

# --- checksums ----------------------------------------------------------------

ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 (ISO 7064 MOD 11-2) check character for 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("需要 17 位数字")
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _valid_date(year: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = 29 if month == 2 and leap else _DAYS_IN_MONTH[month - 1]
    return day <= last


# Province-level codes of GB/T 2260 (the first two digits of every ID).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


def registration_check_ok(digits: str) -> bool:
    """Whether 15 digits carry the check digit of a 工商注册号 (GS15-2006:
    ISO 7064 MOD 11,10).  Old 15-digit IDs went out of use in 2013; a
    15-digit number with this check digit is read as a registration number."""
    if len(digits) != 15 or not digits.isascii() or not digits.isdigit():
        return False
    p = 10
    for ch in digits[:14]:
        s = (p + int(ch)) % 10 or 10
        p = (2 * s) % 11
    return (p + int(digits[14])) % 10 == 1


def is_valid_id(value: str) -> bool:
    """True for an 18-character ID (17 digits + check char, birth date
    1900-2099 that exists) or a 15-digit old ID (birth date 19YYMMDD that
    exists).  ``value`` must already be normalised (ASCII, upper-case X)."""
    if len(value) == 18:
        body, check = value[:17], value[17]
        if not (body.isascii() and body.isdigit()) or body[:2] not in _PROVINCES:
            return False
        year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
        if not 1900 <= year <= 2099 or not _valid_date(year, month, day):
            return False
        return id_check_char(body) == check
    if len(value) == 15:
        if not (value.isascii() and value.isdigit()) or value[:2] not in _PROVINCES:
            return False
        if registration_check_ok(value):
            return False
        return _valid_date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
    return False


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by bank card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_prefix_ok(digits: str) -> bool:
    """Whether a digit string has the issuer prefix and length of a card
    issued or used in China.  This is what keeps Luhn's 1-in-10 chance away
    from honest numbers: all-digit credit codes (91..., 12..., 18 digits),
    dates (19..../20....), landlines (0...), JS integers (9007199254740991).

    * 62 (UnionPay), 60 (BOC 601382, Discover 6011...): 16-19 digits
    * 4 (Visa, co-branded debit such as CCB 436742): 16 or 19
    * 51-55, 2221-2720 (Mastercard): 16
    * 3528-3589 (JCB): 16-19
    * 94, 95 (older domestic debit cards such as 9558, 95599): 19
    """
    n = len(digits)
    if not 16 <= n <= 19:
        return False
    p2 = digits[:2]
    if p2 in ("62", "60"):
        return True
    if digits[0] == "4":
        return n in (16, 19)
    if "51" <= p2 <= "55" or "2221" <= digits[:4] <= "2720":
        return n == 16
    if "3528" <= digits[:4] <= "3589":
        return True
    if p2 in ("94", "95"):
        return n == 19
    return False


def is_valid_card(digits: str) -> bool:
    return digits.isascii() and digits.isdigit() and card_prefix_ok(digits) and luhn_ok(digits)


def is_valid_mobile(digits: str) -> bool:
    """11 digits ``1[3-9]xxxxxxxxx`` (no country prefix)."""
    return _MOBILE.fullmatch(digits) is not None


# --- findings -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One personal number found in a text.  ``start``/``end`` are offsets
    into the original text (covering entities, separators and a ``+86``
    prefix); ``digits`` is the normalised number (ASCII, upper-case X, for a
    mobile the 11 digits without country prefix)."""

    kind: Kind
    start: int
    end: int
    digits: str

    def display(self) -> str:
        """A masked form that is safe to print in an error message."""
        d = self.digits
        if self.kind == "id":
            return d[:2] + "*" * (len(d) - 4) + d[-2:]
        if self.kind == "card":
            middle = "*" * (len(d) - 8)
            masked = " ".join(middle[i : i + 4] for i in range(0, len(middle), 4))
            return f"{d[:4]} {masked} {d[-4:]}"
        return d[:3] + "****" + d[-4:]

    @property
    def label(self) -> str:
        """The Chinese name of the kind, for messages."""
        return {"id": "身份证号", "card": "银行卡号", "phone": "手机号"}[self.kind]


@dataclass(frozen=True, slots=True)
class _Group:
    digits: str  # ASCII digits, plus a trailing "X" if the run ended in one
    start: int
    end: int
    tainted: bool  # touches a letter or continues a decimal number


# Shapes in which groups are joined, tried in this order at each group
# (more groups first; at equal groups id before card before phone).  A
# one-group shape means an unbroken group of that length.  "86" / "0086"
# shapes are mobiles with a country prefix group.
_ID18_SHAPES = ((3, 3, 4, 4, 4), (4, 4, 4, 4, 2), (6, 4, 4, 4), (6, 8, 4), (6, 12), (18,))
_ID15_SHAPES = ((6, 6, 3), (15,))
_CARD_SHAPES = (
    (4, 4, 4, 4, 1),
    (4, 4, 4, 4, 2),
    (4, 4, 4, 4, 3),
    (4, 4, 4, 4),
    (6, 10),
    (6, 11),
    (6, 12),
    (6, 13),
    (16,),
    (17,),
    (18,),
    (19,),
)
_PHONE_SHAPES = ((3, 4, 4), (3, 8), (11,))
_PREFIXED_PHONE_SHAPES = ((2, 3, 4, 4), (4, 3, 4, 4), (2, 3, 8), (4, 3, 8), (2, 11), (4, 11), (13,), (15,))


_Row = tuple[Kind | Literal["prefixed"], tuple[int, ...]]
_Table = MappingProxyType[int, tuple[_Row, ...]]


def _shape_table(phones: bool) -> _Table:
    """Shapes by the length of their first group, in trial order."""
    rows: list[_Row] = []
    rows += [("id", s) for s in _ID18_SHAPES + _ID15_SHAPES]
    rows += [("card", s) for s in _CARD_SHAPES]
    if phones:
        rows += [("phone", s) for s in _PHONE_SHAPES]
        rows += [("prefixed", s) for s in _PREFIXED_PHONE_SHAPES]
    order = {"id": 0, "card": 1, "phone": 2, "prefixed": 2}
    rows.sort(key=lambda r: (-len(r[1]), order[r[0]]))
    by_first: dict[int, tuple[_Row, ...]] = {}
    for row in rows:
        by_first[row[1][0]] = (*by_first.get(row[1][0], ()), row)
    return MappingProxyType(by_first)


_TABLE_WITH_PHONES = _shape_table(True)
_TABLE_NO_PHONES = _shape_table(False)


# Runs without references, escapes or invisibles (nearly all of them) are
# split by one C-level regex instead of atom by atom.
_COMPLEX = re.compile("[&\\\\" + re.escape(_INVISIBLE) + "]")
_PLAIN_GROUP = re.compile(f"[0-9{_FULLWIDTH_DIGITS}]+(?:{_class_pattern(_X_CHARS)})?")
_GROUP_MAP = MappingProxyType(dict(_TO_ASCII) | {ord(c): ord("X") for c in _X_CHARS})


def _groups(text: str, start: int, end: int) -> list[_Group]:
    """Split the run ``text[start:end]`` into digit groups at separators."""
    if _COMPLEX.search(text, start, end) is None:
        groups = [
            _Group(m.group().translate(_GROUP_MAP), m.start(), m.end(), False)
            for m in _PLAIN_GROUP.finditer(text, start, end)
        ]
    else:
        groups = _atom_groups(text, start, end)
    if groups and _continues_left(text, start):
        g = groups[0]
        groups[0] = _Group(g.digits, g.start, g.end, True)
    if groups and _continues_right(text, end):
        g = groups[-1]
        groups[-1] = _Group(g.digits, g.start, g.end, True)
    return groups


def _atom_groups(text: str, start: int, end: int) -> list[_Group]:
    out: list[tuple[list[str], int, int]] = []
    cur: list[str] = []
    cur_start = cur_end = start
    gap = False
    for m in _ATOM.finditer(text, start, end):
        kind, value = _CLASS[_decode_atom(m.group())]
        if kind == "d" or kind == "x":
            if gap and cur:
                out.append((cur, cur_start, cur_end))
                cur = []
            if not cur:
                cur_start = m.start()
            cur.append(value)
            cur_end = m.end()
            gap = False
        elif kind == "s":
            gap = True
    if cur:
        out.append((cur, cur_start, cur_end))
    return [_Group("".join(ds), s, e, False) for ds, s, e in out]


def _decode_atom(atom: str) -> str:
    if atom[0] == "&":
        return html.unescape(atom)
    if atom[0] == "\\":
        return chr(int(atom[2:], 16))
    return atom


_ESCAPE_BEFORE = re.compile(r"\\u[0-9A-Fa-f]{4}")
_LEGACY_ENTITIES = MappingProxyType(
    {name: value for name, value in html.entities.html5.items() if not name.endswith(";")}
)


def _char_before(text: str, start: int) -> str:
    """The character shown right before ``start``: an escape (``\\uXXXX``,
    ``\\n``) or a legacy reference without ';' (``&nbsp``) counts as what it
    stands for."""
    before = text[start - 1]
    if before in _WORD_CHARS:
        if before in "nrtbf" and start >= 2 and text[start - 2] == "\\":
            return "\n"  # a JSON / JS escape such as \n: a control character
        if start >= 6 and _ESCAPE_BEFORE.fullmatch(text, start - 6, start):
            return chr(int(text[start - 4 : start], 16))
        amp = text.rfind("&", max(0, start - 9), start)
        if amp >= 0 and text[amp + 1 : start] in _LEGACY_ENTITIES:
            return _LEGACY_ENTITIES[text[amp + 1 : start]]
    return before


def _realign(text: str, start: int) -> int:
    """Where a run found at ``start`` really starts.  The regex may start a
    run at the hex digits of a ``\\uXXXX`` escape (``\\u3000`` + digits);
    the run then starts at the escape if it stands for a run character (a
    space, an invisible or a digit), else right after it."""
    for e in range(max(0, start - 5), start - 1):
        if text.startswith("\\u", e) and _ESCAPE_BEFORE.fullmatch(text, e, e + 6):
            return e if chr(int(text[e + 2 : e + 6], 16)) in _CLASS else e + 6
    return start


# How far a word around a run is looked at for other digits.
_WORD_LOOK = 64


def _mixed_word(text: str, lo: int, hi: int, step: int) -> bool:
    """Whether the word that continues from ``lo`` in direction ``step``
    (letters, digits, '_') holds a digit: then the run is part of a code
    (a hex digest, a credit code ``91320826MA1W...``), not a number written
    after a prefix such as ``IMG_`` or ``ID``."""
    i = lo
    for _ in range(_WORD_LOOK):
        if not 0 <= i < hi:
            return False
        ch = text[i]
        if ch in _DIGIT_CHARS:
            return True
        if ch not in _WORD_CHARS:
            return False
        i += step
    return True  # a very long word: a code, not a label


def _continues_left(text: str, start: int) -> bool:
    if start == 0:
        return False
    before = _char_before(text, start)
    if before in _WORD_CHARS:
        # ``\n`` escapes and legacy entities are resolved by _char_before
        return text[start - 1] == before and _mixed_word(text, start - 1, len(text), -1)
    return before == "." and start >= 2 and text[start - 2] in _DIGIT_CHARS


def _continues_right(text: str, end: int) -> bool:
    if end >= len(text):
        return False
    after = text[end]
    if after in _WORD_CHARS:
        return _mixed_word(text, end, len(text), 1)
    return after == "." and end + 1 < len(text) and text[end + 1] in _DIGIT_CHARS


def _candidates_at(
    text: str, groups: list[_Group], lens: tuple[int, ...], i: int, table: _Table
) -> Iterator[tuple[Finding, int]]:
    """Every number (with the count of groups it takes) that starts at group
    ``i``, in ``table`` order.  ``lens`` are the group lengths, -1 for a
    tainted group, so that no shape matches it."""
    for kind, shape in table.get(lens[i], ()):
        k = len(shape)
        if lens[i : i + k] != shape:
            continue
        part = groups[i : i + k]
        value = "".join(g.digits for g in part)
        if "X" in value[:-1] or (value[-1] == "X" and kind != "id"):
            continue
        start, end = part[0].start, part[-1].end
        if kind == "id":
            if not is_valid_id(value):
                continue
        elif kind == "card":
            # A card written in fours is a whole chain of exactly four groups
            # of 4: 20-digit account numbers written in fours ("3205 0161 6836
            # 0000 0123") and lists of 4-digit numbers are never cut into cards.
            if shape[0] == 4 and ((i > 0 and lens[i - 1] == 4) or (i + 4 < len(lens) and lens[i + 4] == 4)):
                continue
            if not is_valid_card(value):
                continue
        elif kind == "phone":
            if not is_valid_mobile(value):
                continue
        else:  # "prefixed": country code 86 / 0086, then the mobile
            head = part[0].digits if k > 1 else value[:-11]
            if head not in ("86", "0086") or not is_valid_mobile(value[len(head) :]):
                continue
            value = value[len(head) :]
            kind = "phone"
            start = _plus_before(text, start)
        yield Finding(kind, start, end, value), k


def _segment(text: str, groups: list[_Group], table: _Table) -> list[Finding]:
    """The numbers in one run: of all ways to read the groups as numbers and
    leftovers, the one that leaves the fewest groups unexplained (so "6222
    0212 3456 7894 138 1234 5678" is a card and a mobile even if the card's
    digits + "138" happen to pass Luhn too); at a tie the earlier, then the
    first shape in ``table`` wins."""
    n = len(groups)
    lens = tuple(-1 if g.tainted else len(g.digits) for g in groups)
    covered = [0] * (n + 1)
    choice: list[tuple[Finding, int] | None] = [None] * (n + 1)
    for i in range(n - 1, -1, -1):
        covered[i] = covered[i + 1]
        for finding, k in _candidates_at(text, groups, lens, i, table):
            c = k + covered[i + k]
            if c > covered[i] or (choice[i] is None and c == covered[i]):
                covered[i] = c
                choice[i] = (finding, k)
    out: list[Finding] = []
    i = 0
    while i < n:
        picked = choice[i]
        if picked is None:
            i += 1
        else:
            out.append(picked[0])
            i += picked[1]
    return out


_PLUS = re.compile(r"(?:[+\uff0b]|\\u(?i:002b|ff0b)|&\#0*(?:43|65291);|&\#[xX]0*(?i:2b|ff0b);|&plus;)\Z")


def _plus_before(text: str, start: int) -> int:
    """Extend a country-code prefix's span over a '+' written right before it
    (also as ``＋``, ``&#43;``, ``&plus;`` or ``\\u002b``)."""
    m = _PLUS.search(text, max(0, start - 12), start)
    return m.start() if m else start


def find_pii(text: str, *, phones: bool = True) -> list[Finding]:
    """Every unmasked ID, bank card and (unless ``phones=False``) mobile
    number in ``text``, in text order, non-overlapping."""
    table = _TABLE_WITH_PHONES if phones else _TABLE_NO_PHONES
    found: list[Finding] = []
    for run in _RUN.finditer(text):
        start = _realign(text, run.start())
        if start < run.end():
            found += _segment(text, _groups(text, start, run.end()), table)
    return [f for f in found if not _by_context(text, f.start)] if found else found


# --- what a reader sees --------------------------------------------------------------


def _digit_table() -> dict[int, int]:
    import unicodedata

    table: dict[int, int] = {}
    ranges = [range(0x80, 0x3000), range(0xFF10, 0xFF1A), range(0x1D7CE, 0x1D800)]
    for r in ranges:
        for cp in r:
            ch = chr(cp)
            d = unicodedata.digit(ch, None)
            if d is not None and d < 10:
                table[cp] = 48 + d
    for cp in (0xFF38, 0xFF58, 0xD7):  # Ｘ ｘ ×
        table[cp] = ord("X")
    for ch in _INVISIBLE:
        table[ord(ch)] = None  # type: ignore[assignment]
    return table


_SEEN_DIGITS: dict[int, int] | None = None
_SEEN_SPECIAL: re.Pattern[str] | None = None
_EMPHASIS = re.compile(
    r"([0-9])(?:[*_~`]{1,3}|</?(?:em|strong|b|i|u|span|mark|s|del|ins|sub|sup|a|font|small|code)\b[^>]{0,200}>)++"
    r"(?=[0-9])"
)
_SPACES = re.compile(r"\s+")
# Eleven digits close together (gaps of at most three characters, no NUL):
# only there can a number hide.  Most of a page has none.
_DENSE = re.compile(r"[0-9](?:[^0-9\0]{0,3}+[0-9]){10}")
_LOOSE = re.compile(r"[0-9]{1,64}+(?:(?:X| ?[.\-/·] ?| )[0-9]{1,64}+){0,64}+(?:X(?![0-9A-Za-z]))?")
_LOOSE_GROUP = re.compile(r"[0-9]+X?")
_WINDOW = 120


def _ranges(codes: list[int]) -> str:
    """A character class of ``codes`` written as ranges (fast to search)."""
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        a, b = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        parts.append(a if i == j else f"{a}-{b}")
        i = j + 1
    return "[" + "".join(parts) + "]"


_OTHER_DIGITS: re.Pattern[str] | None = None


def has_special_digits(text: str) -> bool:
    """Whether ``text`` holds digits other than ASCII and full-width ones
    (circled, mathematical, other scripts)."""
    global _OTHER_DIGITS
    if _OTHER_DIGITS is None:
        plain = {ord(c) for c in _FULLWIDTH_DIGITS + _X_CHARS + _INVISIBLE}
        _OTHER_DIGITS = re.compile(_ranges(sorted(set(_digit_table()) - plain)))
    return _OTHER_DIGITS.search(text) is not None


def remove_emphasis(text: str) -> str:
    """``text`` without emphasis marks and inline tags between two digits."""
    if "*" in text or "<" in text or "_" in text or "~" in text or "`" in text:
        return _EMPHASIS.sub(r"\1", text)
    return text


def seen_text(text: str) -> str:
    """``text`` as a reader sees it, for :func:`find_pii_seen`: every kind
    of decimal digit (full-width, circled, mathematical ...) made ASCII,
    invisible characters and emphasis between digits dropped, and every run
    of whitespace (line breaks, tabs, NBSP, ideographic spaces) one space.
    A NUL marks where a reader sees separate things (table cells, block
    elements): no number is joined across it."""
    global _SEEN_DIGITS, _SEEN_SPECIAL
    if _SEEN_DIGITS is None or _SEEN_SPECIAL is None:
        _SEEN_DIGITS = _digit_table()
        _SEEN_SPECIAL = re.compile(_ranges(sorted(_SEEN_DIGITS)))
    if _SEEN_SPECIAL.search(text):
        text = text.translate(_SEEN_DIGITS)
    return _SPACES.sub(" ", remove_emphasis(text))


def find_pii_seen(text: str, *, phones: bool = True) -> list[Finding]:
    """Numbers a reader sees whole though they are written split: across
    line breaks, tabs, long space runs, emphasis, dots or slashes, in any
    grouping, or run into another number.  Offsets are into
    :func:`seen_text` of ``text``.  Only checksummed joins are made: an ID
    (region, date and MOD 11-2) from groups in any grouping or at either end
    of a long digit string; a card (prefix + Luhn) from groups of 3+ digits;
    a mobile from space-split groups of 3+ digits.  Only the stretches
    around eleven close digits are looked at."""
    seen = seen_text(text)
    out: list[Finding] = []
    have: set[str] = set()
    done = 0
    for dense in _DENSE.finditer(seen):
        if dense.start() < done:
            continue
        lo = seen.rfind("\0", max(0, dense.start() - _WINDOW), dense.start()) + 1 or max(0, dense.start() - _WINDOW)
        hi = seen.find("\0", dense.end(), dense.end() + _WINDOW)
        hi = hi if hi >= 0 else min(len(seen), dense.end() + _WINDOW)
        lo = max(lo, done)
        done = hi
        part = seen[lo:hi]
        for f in find_pii(part, phones=phones):
            if f.digits not in have:
                have.add(f.digits)
                out.append(Finding(f.kind, f.start + lo, f.end + lo, f.digits))
        for m in _LOOSE.finditer(part):
            if m.end() - m.start() < 11:
                continue
            if _continues_left(part, m.start()) or _continues_right(part, m.end()):
                continue
            groups = [(g.group(), g.start(), g.end()) for g in _LOOSE_GROUP.finditer(part, m.start(), m.end())]
            for f in _loose_numbers(part, m.group(), groups, phones):
                if f.digits not in have and not _by_context(part, f.start):
                    have.add(f.digits)
                    out.append(Finding(f.kind, f.start + lo, f.end + lo, f.digits))
    return out


def _loose_numbers(seen: str, run: str, groups: list[tuple[str, int, int]], phones: bool) -> Iterator[Finding]:
    n = len(groups)
    for i in range(n):
        acc = ""
        spaced = True
        for j in range(i, n):
            g, _, end = groups[j]
            if "X" in acc:
                break
            acc += g
            if j > i:
                gap = seen[groups[j - 1][2] : groups[j][1]]
                spaced = spaced and gap == " "
            if len(acc) > 19:
                break
            if j == i:
                # an ID run into the next number: "...1237X13812345678"
                if len(g) == 18 and g[-1] == "X" and j + 1 < n and is_valid_id(g):
                    yield Finding("id", groups[i][1], end, g)
                    nxt = groups[j + 1][0]
                    if phones and groups[j + 1][1] == end and is_valid_mobile(nxt):
                        yield Finding("phone", end, groups[j + 1][2], nxt)
                continue
            start = groups[i][1]
            if any(len(groups[k][0]) < 3 for k in range(i, j + 1)):
                break  # "105.00 506.10": amounts, not a number cut in pieces
            lens = tuple(len(groups[k][0]) for k in range(i, j + 1))
            if len(acc) == 18 and is_valid_id(acc):
                yield Finding("id", start, end, acc)
            elif len(acc) == 15 and (lens == (6, 6, 3) or (spaced and min(lens) >= 6)) and is_valid_id(acc):
                yield Finding("id", start, end, acc)  # no checksum: only as written or split in two halves
            elif 16 <= len(acc) <= 19 and is_valid_card(acc):
                yield Finding("card", start, end, acc)
            elif phones and len(acc) == 11 and (spaced or lens == (3, 4, 4)) and is_valid_mobile(acc):
                yield Finding("phone", start, end, acc)
    for g, start, end in groups:
        if len(g) > 18 and "X" not in g[:-1]:
            if is_valid_id(g[:18]):
                yield Finding("id", start, start + 18, g[:18])
            if is_valid_id(g[-18:]):
                yield Finding("id", end - 18, end, g[-18:])
        if len(g) >= 22 and "X" not in g:
            # two numbers run together, one of them a mobile: both must check
            yield from _pair(g[:-11], g[-11:], start, end, phones)
            yield from _pair(g[11:], g[:11], start, end, phones)


def _pair(other: str, mob: str, start: int, end: int, phones: bool) -> Iterator[Finding]:
    if not is_valid_mobile(mob):
        return
    if len(other) == 18 and is_valid_id(other):
        kind: Kind = "id"
    elif len(other) == 15 and is_valid_id(other):
        kind = "id"
    elif 16 <= len(other) <= 19 and is_valid_card(other):
        kind = "card"
    elif len(other) == 11 and is_valid_mobile(other):
        kind = "phone"
    else:
        return
    if kind != "phone" or phones:
        yield Finding(kind, start, end, other)
    if phones:
        yield Finding("phone", start, end, mob)


# Words right before a number that say it is not a person's: registration,
# case, parcel and order numbers, and a unit's bank account.
_CONTEXT = re.compile(
    "(?:注册号|受理编号|受理号|办件编号|办件号|业务编号|申请编号|地块编码|地块代码|宗地代码|宗地编码|"
    "不动产单元号|不动产单元代码|承包方编码|承包方代码|承包合同编号|合同编号|订单号|订单编号|交易流水号|流水号|"
    "(?:单位|对公|企业|公司|机关|财政|专户|基本户|集体)(?:银行)?(?:账号|帐号|账户))"
    "[ \u00a0\u3000]*[:：]?[ \u00a0\u3000]*\\Z"
)


def _by_context(text: str, start: int) -> bool:
    return _CONTEXT.search(text, max(0, start - 20), start) is not None


def find_ids(text: str) -> list[Finding]:
    """Unmasked resident ID numbers (18-character and 15-digit)."""
    return [f for f in find_pii(text) if f.kind == "id"]


def find_cards(text: str) -> list[Finding]:
    """Bank card numbers."""
    return [f for f in find_pii(text) if f.kind == "card"]


def find_mobiles(text: str) -> list[Finding]:
    """Mobile phone numbers (with or without +86)."""
    return [f for f in find_pii(text) if f.kind == "phone"]


def redact(text: str, findings: Iterable[Finding] | None = None, *, phones: bool = True) -> str:
    """``text`` with every finding replaced by its masked display form, e.g.
    for quoting an offending value in a Problem."""
    items = sorted(find_pii(text, phones=phones) if findings is None else findings, key=lambda f: f.start)
    parts: list[str] = []
    pos = 0
    for f in items:
        if f.start < pos:
            continue
        parts.append(text[pos : f.start])
        parts.append(f.display())
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


# --- normalisation -----------------------------------------------------------------


def normalise_digits(text: str) -> str:
    """Full-width digits (and Ｘ ｘ) to ASCII; everything else unchanged, so
    offsets into the result are offsets into ``text``."""
    return text.translate(_TO_ASCII)


_FIELD_DROP = re.compile(f"[\\s{re.escape(_INVISIBLE)}]+")
_FIELD_MAP = MappingProxyType(
    dict(_TO_ASCII) | {0xFF0A: ord("*"), ord("x"): ord("X"), 0xFF58: ord("X"), 0xD7: ord("X")}
)


def normalise_id_field(value: str) -> str:
    """How an ID field is read: whitespace and invisible characters removed,
    full-width digits, Ｘ and ＊ made ASCII, x upper-cased."""
    return _FIELD_DROP.sub("", value).translate(_FIELD_MAP)


# --- masking --------------------------------------------------------------------

_MASK = "*"
_BIRTH_18 = (6, 14)  # slice of the birth date, positions 7-14
_BIRTH_15 = (6, 12)  # positions 7-12
_MIN_HIDDEN = 8


@dataclass(frozen=True, slots=True)
class MaskPolicy:
    """How a resident ID is displayed: the first ``head`` and last ``tail``
    characters stay visible, the rest become ``*`` (length preserved).

    A policy that would reveal any birth-date digit (positions 7-14 of an
    18-character ID) or hide fewer than 8 characters cannot be constructed."""

    head: int
    tail: int

    def __post_init__(self) -> None:
        problem = _policy_problem(self.head, self.tail)
        if problem:
            raise ValueError(problem)

    def __str__(self) -> str:
        return f"{self.head}+{self.tail}"

    def visible(self, length: int) -> tuple[int, int]:
        """(head, tail) actually shown for an ID of ``length`` (18 or 15).
        For 15-digit IDs the tail is shortened so that the birth date
        (positions 7-12) and at least 8 characters stay hidden."""
        if length == 18:
            return self.head, self.tail
        head = min(self.head, _BIRTH_15[0])
        tail = max(0, min(self.tail, length - _BIRTH_15[1], length - _MIN_HIDDEN - head))
        return head, tail


def _policy_problem(head: int, tail: int) -> str | None:
    if not isinstance(head, int) or not isinstance(tail, int) or head < 0 or tail < 0:
        return "显示位数必须是不小于 0 的整数"
    shown = f"“{head}+{tail}”"
    if head > _BIRTH_18[0]:
        return f"{shown}会露出出生日期：前面最多显示 {_BIRTH_18[0]} 位（第 7–14 位是出生日期，必须遮蔽）"
    if tail > 18 - _BIRTH_18[1]:
        return f"{shown}会露出出生日期：后面最多显示 {18 - _BIRTH_18[1]} 位（第 7–14 位是出生日期，必须遮蔽）"
    if 18 - head - tail < _MIN_HIDDEN:
        return f"{shown}遮蔽的位数太少：至少要遮蔽 {_MIN_HIDDEN} 位"
    return None


_POLICY = re.compile(r"\s*([0-9]{1,3})\s*\+\s*([0-9]{1,3})\s*")


def parse_policy(spec: str) -> MaskPolicy:
    """Parse site.yaml ``id_display`` such as ``"2+3"`` (show the first 2
    and the last 3 characters).  Raises ValueError with a Chinese message."""
    m = _POLICY.fullmatch(normalise_digits(spec).replace("\uff0b", "+")) if isinstance(spec, str) else None
    if m is None:
        raise ValueError(f"“{spec}”无法识别：应写成“前几位+后几位”，如 “2+3” 表示显示前 2 位和后 3 位")
    return MaskPolicy(int(m.group(1)), int(m.group(2)))


def _id_shape_problem(v: str) -> str | None:
    """Why a normalised ID field is not an ID shape (length, characters)."""
    if not v:
        return "为空"
    if len(v) not in (15, 18):
        return f"应为 18 位（旧证 15 位），实际为 {len(v)} 位"
    bad = sorted({c for c in v if c not in "0123456789X*"})
    if bad:
        shown = "、".join(f"“{c}”" for c in bad[:3])
        return f"含有不允许的字符 {shown}：只能是数字、最后一位的 X 和遮蔽用的 *"
    if "X" in v[:-1] or (len(v) == 15 and v.endswith("X")):
        return "中的 X 只能是 18 位号码的最后一位；遮蔽请用 *"
    return None


def check_masked_id(value: str) -> str | None:
    """None if an input ID field is acceptable: 18 (or 15) characters of
    digits / final X / mask, with every birth-date digit (positions 7-14, or
    7-12 for 15-digit IDs) written as ``*`` or ``＊``.  Otherwise a Chinese
    reason that never repeats the value and reads after “身份证号”."""
    v = normalise_id_field(value)
    problem = _id_shape_problem(v)
    if problem:
        return problem
    lo, hi = _BIRTH_18 if len(v) == 18 else _BIRTH_15
    if v[lo:hi] != _MASK * (hi - lo):
        return f"未遮蔽出生日期：第 {lo + 1}–{hi} 位必须全部写成 *，如 320823********1234"
    return None


def mask_id(value: str, policy: MaskPolicy) -> str:
    """The display form of an ID under ``policy``: length kept, everything but
    the first ``head`` and last ``tail`` characters replaced by ``*``.  Works
    on full and already-masked IDs (``320823********1234`` under 2+3 gives
    ``32*************234``).  Raises ValueError if ``value`` is not an ID
    shape at all."""
    v = normalise_id_field(value)
    problem = _id_shape_problem(v)
    if problem:
        raise ValueError(f"身份证号{problem}")
    head, tail = policy.visible(len(v))
    return v[:head] + _MASK * (len(v) - head - tail) + v[len(v) - tail :]
