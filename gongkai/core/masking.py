"""Masked ID numbers: the site's masking policy (how many digits show), the
check that a roster's ID column is masked that way, and masking itself."""

from __future__ import annotations

import re
from types import MappingProxyType

from gongkai.core.dataclass import dataclass
from gongkai.core.privacy import _INVISIBLE, _TO_ASCII

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
    if not value.strip(_PLAIN_ID):
        return value  # already read so (a roster's usual ID): nothing to drop or map, 5x faster
    return _FIELD_DROP.sub("", value).translate(_FIELD_MAP)


_PLAIN_ID = "0123456789X*"  # characters normalise_id_field keeps as they are


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
    bad = sorted({c for c in v if c not in _PLAIN_ID}) if v.strip(_PLAIN_ID) else []
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
