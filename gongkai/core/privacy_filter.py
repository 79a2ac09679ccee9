"""A C-speed pre-filter for the leak scanner: where can a number be at all?

Every number the detectors report (:func:`gongkai.core.privacy.find_pii` on
the text as written, :func:`gongkai.core.privacy_seen.find_pii_seen` on the
text as a reader sees it) is made of at least eleven *digit atoms* with
nothing between consecutive ones but *gap material*:

* digit atoms: a decimal digit of any script (ASCII, full-width, circled,
  mathematical ... everything ``seen_text`` turns into an ASCII digit), an
  HTML character reference (``&#51;`` ``&nbsp;``: it may stand for a digit)
  or a ``\\uXXXX`` escape;
* gap material: whitespace of any kind and length (a reader sees one
  space), the separators and invisible characters of privacy.py, ``. / ·``,
  Markdown emphasis ``* _ ~ `` ` and the inline tags a browser joins digits
  across (``<em>``, ``<span ...>``, also written as ``&lt;em&gt;``).

A check character (``X x Ｘ ｘ ×``) is not gap material: it only ever ends
a number (an ID ``...1237X`` run into a mobile is two numbers, each with
eleven digits of its own).
Anything else (a letter, a CJK character, a comma, a colon, a block tag, a
NUL) separates two digits for both detectors: the one reading the text as
written joins only digits, separators and invisibles (and references and
escapes of them); the one reading it as seen joins only across whitespace,
emphasis, inline tags and ``. / · - X``, and every other tag becomes a NUL
that no number crosses.  So a text in which no eleven digit atoms are
chained by gap material holds no number, and the detectors need not run:
:func:`may_hold_number` decides that with one compiled regex, which skips
text without digits at C speed (its first character is a plain character
set).  A digit inside a tag's attributes starts a chain of its own (the
regex tries every digit), so a number written inside an attribute is still
seen.
"""

from __future__ import annotations

import re

from gongkai.core.privacy import _INVISIBLE, _SEPARATORS, _X_CHARS
from gongkai.core.privacy_seen import _digit_table, _ranges

__all__ = ["CHAIN_BUDGET", "MARGIN", "MIN_DIGITS", "NumberSoup", "may_hold_number", "number_spans"]

# The shortest number any detector reports: a mobile (11 digits).
MIN_DIGITS = 11

_INLINE = "em|strong|b|i|u|span|mark|s|del|ins|sub|sup|a|font|small|code|br|wbr"  # privacy_seen._EMPHASIS


def _pattern(refs: bool = True, escapes: bool = True, tags: bool = True) -> re.Pattern[str]:
    """The chain regex; ``refs``/``escapes``/``tags``: whether the text may
    hold character references (``&``), ``\\uXXXX`` escapes or tags (``<``).
    A text without them cannot chain through them, and the regex without
    their alternatives is about twice as fast (nearly every page of a
    build has no ``&`` and no backslash)."""
    digits = sorted({*range(0x30, 0x3A), *range(0xFF10, 0xFF1A), *_digit_table()} - {ord(c) for c in _X_CHARS})
    digit_set = _ranges([c for c in digits if chr(c) not in _INVISIBLE])[1:-1]
    gap_chars = re.escape(_SEPARATORS + _INVISIBLE + "./\u00b7*_~`")
    # An inline tag: written (at most 4000 characters; privacy_seen removes
    # tags of at most 200) or escaped (``&lt;em class=&quot;x&quot;&gt;``,
    # which seen_text unescapes and then removes).
    name = rf"(?=/?(?i:{_INLINE})\b)"
    lt = r"&(?:(?i:lt);?|\#0*60;?|\#[xX]0*3[cC];?)"
    gt = r"(?:>|&(?i:gt);?|&\#0*62;?|&\#[xX]0*3[eE];?)"
    written = rf"<{name}[^>]{{0,4000}}+>"
    escaped = rf"{lt}{name}(?:[^&>]|&(?!(?i:gt)|\#0*62|\#[xX]0*3[eE])){{0,8000}}{gt}"
    tag = "|".join([written] * tags + [escaped] * refs)
    # An atom: its first character from one plain set (so that the regex
    # engine can skip to the next possible start at C speed), the rest of
    # a reference or an escape checked after it.
    specials = "&" * refs + "\\\\" * escapes  # the characters that start a reference or an escape
    starts = digit_set + specials
    tails = [r"(?<=&)\#?[0-9A-Za-z]++;?"] * refs + [r"(?<=\\)u[0-9A-Fa-f]{4}"] * escapes
    plain = f"(?<![{specials}])" if specials else ""
    rest = f"(?:{'|'.join([*tails, plain])})" if tails else ""
    atom = rf"[{starts}]{rest}"
    # A chain never starts right after a digit: the chain from that digit
    # holds this one and one atom more (so a long digit string is walked
    # once, not once per digit).
    first = rf"[{starts}](?<![{digit_set}].){rest}"
    gap = rf"(?:[\s{gap_chars}]|{tag})" if tag else rf"[\s{gap_chars}]"
    return re.compile(rf"{first}(?:{gap}*+{atom}){{{MIN_DIGITS - 1}}}(?:{gap}*+{atom})*+", re.S)


_CHAINS: dict[tuple[bool, bool, bool], re.Pattern[str]] = {}


def _chain(text: str = "&\\u<") -> re.Pattern[str]:
    """The chain regex for ``text``: without the alternatives it cannot need."""
    key = ("&" in text, "\\u" in text, "<" in text)
    pattern = _CHAINS.get(key)
    if pattern is None:
        pattern = _CHAINS[key] = _pattern(*key)
    return pattern


def may_hold_number(text: str) -> bool:
    """False only when ``text`` cannot hold a number either detector
    reports (no eleven digit atoms chained by gap material)."""
    return _chain(text).search(text) is not None


# Context the detectors read around a number: a label up to 20 characters
# before it, a word touching it up to 64 characters either side, a '+'
# before a country code.  Every number lies inside its chain, so this much
# text either side gives the detectors all they look at.  (Kept small: a
# page's footer with the office's phones is then the same stretch on every
# page, and scan.py reads it once.)
MARGIN = 128


# The detectors read long chains of digits slowly (about 150 KB/s: pure
# Python, every grouping tried at every digit), short ones (a number, a
# date range, an index number) fast.  A text whose chains hold more than
# CHAIN_BUDGET characters beyond the first LONG_CHAIN of each ("number
# soup", a 10 MB line of digits) is refused rather than read for minutes.
# A real page, table or catalogue has short chains broken by words, commas
# and cell borders; none of them counts.
LONG_CHAIN = 1000
# A chain holding an unbroken group of 15+ digits costs the detectors some
# 50 microseconds (every grouping is a candidate ID or card, checksummed);
# a 10 MB list of 440,000 bare case and parcel numbers would take them over
# a minute.  Such chains are counted; other chains (dates, phones, index
# numbers: a 10,000-record site's catalogue.csv has 20,000) are cheap and
# not.
MAX_CHAINS = 20_000
_LONG_GROUP = re.compile("[0-9\uff10-\uff19]{15}")
CHAIN_BUDGET = 200_000


class NumberSoup(ValueError):
    """A text with more chained digits than the detectors can read in time."""

    def __init__(self, chained: int, chains: int = 0) -> None:
        super().__init__(chained, chains)
        self.chained = chained
        self.chains = chains

    def message(self) -> str:
        """Chinese, for a Problem."""
        if self.chains:
            return (
                f"其中 15 位以上的长数字过多（超过 {MAX_CHAINS} 个），"
                "无法在限定时间内检查其中是否有身份证号、银行卡号或手机号"
            )
        return (
            f"连在一起的数字过多（长数字串共约 {self.chained // 1000} 千个字符，上限 {CHAIN_BUDGET // 1000} 千），"
            "无法在限定时间内检查其中是否有身份证号、银行卡号或手机号"
        )


def number_spans(text: str, margin: int = MARGIN, budget: int = CHAIN_BUDGET) -> list[tuple[int, int]]:
    """The stretches of ``text`` the detectors must read: every chain of
    eleven or more digit atoms with ``margin`` characters either side,
    overlapping stretches merged; the whole text when it is short; none
    when nothing in it can be a number.  Raises NumberSoup when the chains
    hold more than ``budget`` characters."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    chained = 0
    count = 0
    chain = _chain(text)
    for m in chain.finditer(text):
        chained += max(0, m.end() - m.start() - LONG_CHAIN)
        if _LONG_GROUP.search(text, m.start(), m.end()) is not None:
            count += 1
            if count > MAX_CHAINS:
                raise NumberSoup(chained, count)
        if chained > budget:
            raise NumberSoup(
                chained + sum(max(0, x.end() - x.start() - LONG_CHAIN) for x in chain.finditer(text, m.end()))
            )
        if n <= 4 * margin:
            return [(0, n)]
        lo, hi = max(0, m.start() - margin), min(n, m.end() + margin)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans
