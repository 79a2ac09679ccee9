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
from collections.abc import Iterator
from types import MappingProxyType
from typing import Literal

from gongkai.core.dataclass import dataclass
from gongkai.core.id_numbers import is_valid_card, is_valid_id, is_valid_mobile

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
        return text[start - 1] == before and (_mixed_word(text, start - 1, len(text), -1) or _in_uuid(text, start))
    return before == "." and start >= 2 and text[start - 2] in _DIGIT_CHARS


def _continues_right(text: str, end: int) -> bool:
    if end >= len(text):
        return False
    after = text[end]
    if after in _WORD_CHARS:
        return _mixed_word(text, end, len(text), 1) or _in_uuid(text, end)
    return after == "." and end + 1 < len(text) and text[end + 1] in _DIGIT_CHARS


# A UUID (a feed entry's id, a file's name): its last group of 12 hex digits
# is sometimes a letter and 11 decimal digits, which the letter does not make
# a prefix of (as ``ID`` or ``IMG_`` are).
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Za-z])")


def _in_uuid(text: str, at: int) -> bool:
    """Whether position ``at`` is inside (or at an edge of) a UUID."""
    return any(m.start() <= at <= m.end() for m in _UUID.finditer(text, max(0, at - 37), at + 37))


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


# Words right before a number that say it is not a person's: registration,
# case, parcel and order numbers, and a unit's bank account.
# (also the column headers that label a table's cells: check/scan.py)
NOT_PERSONAL_LABEL = (
    "(?:注册号|受理编号|受理号|办件编号|办件号|业务编号|申请编号|地块编码|地块代码|宗地代码|宗地编码|"
    "不动产单元号|不动产单元代码|承包方编码|承包方代码|承包合同编号|合同编号|订单号|订单编号|交易流水号|流水号|"
    "(?:单位|对公|企业|公司|机关|财政|专户|基本户|集体)(?:银行)?(?:账号|帐号|账户))"
)
# The label, then what joins it to its number: a colon, 为/是 in a sentence,
# or a JSON or CSV key's quotes ("地块编码": "…").
_CONTEXT = re.compile(NOT_PERSONAL_LABEL + "[\"'”]?[ \u00a0\u3000]*(?:[:：=]|为|是)?[ \u00a0\u3000]*[\"'“]?\\Z")


def _by_context(text: str, start: int) -> bool:
    return _CONTEXT.search(text, max(0, start - 20), start) is not None
