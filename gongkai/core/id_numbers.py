"""What a personal number is: the checks of a resident ID (region, date of
birth, GB 11643 check digit), a bank card (issuer prefix and length, Luhn)
and a mobile number; see privacy.py for where they are looked for."""

from __future__ import annotations

import re

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
