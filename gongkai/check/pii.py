"""Personal data as Problems: the privacy detectors run over raw content.

Used by the validator (every record file and site.yaml), by ``gongkai import``
and by the git pre-commit hook, so that all three refuse the same things with
the same messages.  Pure: raw trees and text in, problems out.
"""

from __future__ import annotations

import functools

from gongkai.core.errors import Loc, Problem
from gongkai.core.idmask import star_masks
from gongkai.core.masking import check_masked_id
from gongkai.core.privacy import Finding, find_pii
from gongkai.core.privacy_context import field_label, label_delimited
from gongkai.core.privacy_filter import MIN_DIGITS, NumberSoup, number_spans
from gongkai.core.privacy_seen import find_pii_seen
from gongkai.core.tree import RMap, RNode, RScalar, RSeq

__all__ = ["allowed_digits", "masked_id_problems", "record_pii", "scan_pii", "scan_text_pii"]

_PII = {
    "id": ("GK401", "发现未遮蔽的身份证号", "身份证号必须遮住第 7–14 位出生日期，如 320826********123X"),
    "card": ("GK402", "发现银行卡号", "银行卡号一律不得公开，请删除"),
    "phone": (
        "GK403",
        "发现手机号码",
        "公示名单和正文中不得出现个人手机号；联系电话请写在 objection 或 site.yaml 的 contact 中",
    ),
}


def _pii_problem(kind: str, loc: Loc, fieldpath: str, shown: str) -> Problem:
    code, message, hint = _PII[kind]
    return Problem(loc, code, message, fieldpath, shown, hint)


def record_pii(
    node: RNode, relpath: str, body: str | None, body_line: int, allow: frozenset[str] = frozenset()
) -> list[Problem]:
    """Personal data in one record file: its fields (phones allowed only in
    ``objection``) and its Markdown body.  ``allow``: numbers of site.yaml's
    ``allow_numbers`` (digits), which are not personal."""
    out = scan_pii(node, contact=("objection",), allow=allow)
    if body:
        out.extend(scan_text_pii(body, relpath, body_line, "正文", allow))
    return out


def scan_pii(
    node: RNode, contact: tuple[str, ...] = (), path: str = "", allow: frozenset[str] = frozenset()
) -> list[Problem]:
    """Unmasked ID numbers and bank card numbers in any value, and mobile
    numbers outside contact fields, of a raw tree (YAML or a roster file)."""
    out: list[Problem] = []
    if isinstance(node, RScalar):
        if path.endswith("id_number"):
            return out  # checked, without echoing it, by the IdNumber kind
        if path.startswith("allow_numbers"):
            return out  # site.yaml's list of numbers that are not personal
        label = _label(path.rpartition(".")[2])
        if len(node.text) + (len(label) + 1 if label is not None else 0) < MIN_DIGITS:
            # Too short for a number (each of its MIN_DIGITS digits is at
            # least one character of what _find reads): a roster's names,
            # villages and amounts, millions of cells in a township.
            return out
        phones = not any(path == c or path.startswith(c + ".") for c in contact)
        try:
            found = _find(node.text, phones, allow, label)
        except NumberSoup as soup:
            return [_soup_problem(node.loc, path, soup)]
        for f in found:
            out.append(_pii_problem(f.kind, _loc_in(node, f), path, f.display()))
    elif isinstance(node, RSeq):
        for i, item in enumerate(node.items, start=1):
            if isinstance(item, RMap) and all(_nothing_in(k, v) for k, v in item.entries.items()):
                continue  # a roster row of names, amounts and masked IDs: no path made for it
            out.extend(scan_pii(item, contact, f"{path}[{i}]", allow))
    else:
        for key, value in node.entries.items():
            if not _nothing_in(key, value):
                out.extend(scan_pii(value, contact, f"{path}.{key}" if path else key, allow))
    return out


def _nothing_in(key: str, value: RNode) -> bool:
    """Whether scan_pii of ``value`` under ``key`` (at any path) finds
    nothing, told from the key and value alone: an ID field (the path ends
    with the key, and "id_number" holds no dot), or a scalar too short for
    a number with its field's label (the path's last part is the key's)."""
    if not isinstance(value, RScalar):
        return False
    if key.endswith("id_number"):
        return True
    label = _label(key.rpartition(".")[2])
    return len(value.text) + (len(label) + 1 if label is not None else 0) < MIN_DIGITS


@functools.lru_cache(maxsize=4096)
def _label(last: str) -> str | None:
    """field_label of a path by its last part (all field_label reads): the
    same few field names come back for every row of every roster."""
    return field_label(last)


def _loc_in(node: RScalar, f: Finding) -> Loc:
    """Where ``f`` was written: in a value over several lines (a ``body: |``),
    its own line, found by the same occurrence of its text in the source."""
    if node.src is None:
        return node.loc
    text = node.text
    needle = text[f.start : f.end] if f.end > f.start else f.digits[:6]
    nth = text.count(needle, 0, f.start) if needle else 0
    at = -1
    for _ in range(nth + 1):
        at = node.src.find(needle, at + 1)
        if at < 0:
            return node.loc
    return Loc(node.loc.path, node.loc.line + node.src.count("\n", 0, at))


def scan_text_pii(
    text: str, relpath: str, first_line: int, fieldpath: str, allow: frozenset[str] = frozenset()
) -> list[Problem]:
    """The same check over free text (a Markdown body), with line numbers."""
    text = label_delimited(text)  # a Markdown table's headers label its cells (no line added)
    try:
        found = _find(text, True, allow)
    except NumberSoup as soup:
        return [_soup_problem(Loc(relpath, first_line), fieldpath, soup)]
    return [
        _pii_problem(f.kind, Loc(relpath, first_line + text.count("\n", 0, f.start)), fieldpath, f.display())
        for f in found
    ]


def _find(text: str, phones: bool, allow: frozenset[str] = frozenset(), label: str | None = None) -> list[Finding]:
    """Numbers as written, then those a reader sees whole though they are
    written split (line breaks, emphasis, dots ...), at the position of
    their first digits.  Only the stretches where digits are chained closely
    enough to make a number are read (privacy_filter.number_spans); raises
    NumberSoup when there are too many to read in time.  ``label``: the
    field's name says its value is not a person's (承包方编码), as a label
    written before it would."""
    if label is not None:
        shift = len(label) + 1
        return [
            Finding(f.kind, max(0, f.start - shift), max(0, f.end - shift), f.digits)
            for f in _find(f"{label}：{text}", phones, allow)
        ]
    found: list[Finding] = []
    seen: list[tuple[int, str, Finding]] = []
    for lo, hi in number_spans(text):
        part = text[lo:hi] if (lo, hi) != (0, len(text)) else text
        raw = find_pii(part, phones=phones)
        found += [Finding(f.kind, f.start + lo, f.end + lo, f.digits) for f in raw] if lo else raw
        seen += [(lo, part, f) for f in find_pii_seen(part, phones=phones)]
    have = {f.digits for f in found}
    for lo, part, f in seen:
        if f.digits not in have:
            have.add(f.digits)
            at = max(0, part.find(f.digits[:6])) + lo
            found.append(Finding(f.kind, at, at, f.digits))
    return [f for f in found if f.digits not in allow] if allow else found


def _soup_problem(loc: Loc, fieldpath: str, soup: NumberSoup) -> Problem:
    return Problem(loc, "GK005", soup.message(), fieldpath, hint="删除多余的数字；大量数据请放在名单表格或附件中")


def allowed_digits(numbers: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """The digits of site.yaml's ``allow_numbers`` as the detectors report them."""
    return frozenset(f.digits for number, _reason in numbers for f in find_pii_seen(number))


def masked_id_problems(node: RNode, path: str) -> list[Problem]:
    """id_number fields that do not hide the birth date."""
    out: list[Problem] = []
    if isinstance(node, RScalar):
        if path.endswith("id_number") and node.text.strip():
            why = check_masked_id(star_masks(node.text))
            if why:
                out.append(
                    Problem(
                        node.loc, "GK113", f"身份证号{why}", path, "", "遮蔽出生日期的身份证号，如 320823********1234"
                    )
                )
    elif isinstance(node, RSeq):
        for i, item in enumerate(node.items, start=1):
            out.extend(masked_id_problems(item, f"{path}[{i}]"))
    elif isinstance(node, RMap):
        for key, value in node.entries.items():
            out.extend(masked_id_problems(value, f"{path}.{key}" if path else key))
    return out
