"""Field kinds: how one raw YAML value becomes a typed value.

Each kind is a small object with ``parse(node, ctx, path) -> value``.  A bad
value is reported to ``ctx`` (a Problem with file, line, field, value and the
expected form) and :data:`BAD` is returned; parsing goes on so that every
problem of a file is found in one run.  No I/O, no clock.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import field
from decimal import Decimal, InvalidOperation
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.dates import parse_date_text
from gongkai.core.errors import Loc, Problem, Severity
from gongkai.core.tree import RMap, RNode, RScalar, RSeq, node_kind

__all__ = [
    "BAD",
    "Bool",
    "Ctx",
    "Date",
    "Dec",
    "Enum",
    "Field",
    "IdNumber",
    "Int",
    "ListOf",
    "Money",
    "Slug",
    "Struct",
    "Text",
    "parse_date_text",
    "parse_money_text",
]


class _Bad:
    def __repr__(self) -> str:
        return "BAD"

    def __bool__(self) -> bool:
        return False


BAD: Any = _Bad()


@dataclass
class Ctx:
    """Collects the problems of one record and the position of every field."""

    path: str
    id_policy: Any = None  # privacy.MaskPolicy: how ID numbers are shown
    # field path → the ID as the clerk masked it; kept only while validating
    # (to tell two people apart whose display forms coincide), never published
    id_keys: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    locs: dict[str, Loc] = field(default_factory=dict)

    def error(
        self,
        loc: Loc,
        code: str,
        message: str,
        fieldpath: str = "",
        value: str = "",
        hint: str = "",
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.problems.append(Problem(loc, code, message, fieldpath, value, hint, severity))


def _scalar(node: RNode, ctx: Ctx, path: str, label: str) -> RScalar | None:
    if isinstance(node, RScalar):
        return node
    ctx.error(
        node.loc,
        "GK103",
        f"{label}应是单个值，这里写成了{node_kind(node)}",
        path,
        hint="在冒号后直接写值；多行文字用 |",
    )
    return None


class Kind:
    label = "值"
    expected = ""

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Kind):
    label: str = "文字"
    max_len: int = 20000
    expected: str = "文字"

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        s = _scalar(node, ctx, path, self.label)
        if s is None:
            return BAD
        text = s.text.strip() if s.style not in ("|", ">") else s.text.rstrip() + "\n"
        if not text.strip():
            ctx.error(s.loc, "GK109", f"{self.label}不能为空", path, hint="填写内容，或删除这一行")
            return BAD
        if len(text) > self.max_len:
            ctx.error(s.loc, "GK103", f"{self.label}过长（超过 {self.max_len} 字）", path)
            return BAD
        return text


@dataclass(frozen=True)
class Date(Kind):
    label: str = "日期"
    expected: str = "YYYY-MM-DD 格式的真实日期，如 2015-05-10"

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        s = _scalar(node, ctx, path, self.label)
        if s is None:
            return BAD
        d = parse_date_text(s.text)
        if d is None or not (1949 <= d.year <= 2100):
            ctx.error(s.loc, "GK104", f"{self.label}不是有效日期", path, s.text, self.expected)
            return BAD
        return d


_MONEY = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def parse_money_text(text: str, places: int = 2) -> Decimal | None:
    """Exact decimal from what the clerk wrote: ``546``, ``546.00``,
    ``"3,520,000.00"``, full-width digits, a trailing 元.  None when it is not
    a number with at most ``places`` decimals.  Never goes through float."""
    t = (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip().replace(" ", "")
    if t.endswith("元"):
        t = t[:-1]
    t = t.replace("，", ",")
    if not _MONEY.match(t):
        return None
    whole, _, frac = t.partition(".")
    if len(frac) > places or len(whole.replace(",", "").lstrip("-")) > 15:
        return None
    try:
        return Decimal(t.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only numbers
        return None


@dataclass(frozen=True)
class Money(Kind):
    label: str = "金额"
    places: int = 2
    allow_negative: bool = False
    expected: str = '最多两位小数的数字，如 546.00 或 "3,520,000.00"'

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        s = _scalar(node, ctx, path, self.label)
        if s is None:
            return BAD
        v = parse_money_text(s.text, self.places)
        if v is None or (v < 0 and not self.allow_negative):
            code = "GK105" if self.places == 2 else "GK106"
            ctx.error(s.loc, code, f"{self.label}格式无效", path, s.text, self.expected)
            return BAD
        return v


def Dec(label: str, places: int = 4) -> Money:
    return Money(label, places, False, f"数字，最多 {places} 位小数，如 5.20")


@dataclass(frozen=True)
class Int(Kind):
    label: str = "整数"
    minimum: int = 0
    maximum: int = 10**9
    expected: str = "整数，如 12"

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        s = _scalar(node, ctx, path, self.label)
        if s is None:
            return BAD
        t = unicodedata.normalize("NFKC", s.text).strip().replace(",", "")
        if not re.fullmatch(r"-?\d{1,15}", t) or not (self.minimum <= int(t) <= self.maximum):
            ctx.error(
                s.loc,
                "GK106",
                f"{self.label}应是 {self.minimum}–{self.maximum} 之间的整数",
                path,
                s.text,
                self.expected,
            )
            return BAD
        return int(t)


@dataclass(frozen=True)
class Enum(Kind):
    choices: Mapping[str, str] = field(default_factory=dict)  # value → Chinese label
    label: str = "取值"

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        s = _scalar(node, ctx, path, self.label)
        if s is None:
            return BAD
        t = s.text.strip()
        if t in self.choices:
            return t
        # Accept the Chinese label too: a clerk may write 预算 for budget.
        for key, zh in self.choices.items():
            if t == zh:
                return key
        ctx.error(s.loc, "GK107", f"{self.label}不在允许的范围内", path, t, self.options)
        return BAD

    @property
    def options(self) -> str:
        return "、".join(k if k == v else f"{k}（{v}）" for k, v in self.choices.items())


@dataclass(frozen=True)
class Bool(Kind):
    label: str = "是/否"

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        s = _scalar(node, ctx, path, self.label)
        if s is None:
            return BAD
        t = s.text.strip().lower()
        if t in ("true", "yes", "是"):
            return True
        if t in ("false", "no", "否"):
            return False
        ctx.error(s.loc, "GK110", f"{self.label}应写 true 或 false", path, s.text, "true 或 false")
        return BAD


_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_RESERVED = {
    "con", "prn", "aux", "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
    "index", "page", "feed", "static", "search", "print", "data",
}  # fmt: skip


def slug_problem(value: str) -> str | None:
    """Why ``value`` cannot be a record id (None when it can)."""
    if not _SLUG.match(value) or len(value) > 80:
        return "只能用小写英文字母、数字和连字符“-”，不超过 80 个字符，如 gengdi-2015"
    if value in _RESERVED:
        return f"“{value}”是保留名称（Windows 设备名或网站目录名），请换一个"
    return None


@dataclass(frozen=True)
class Slug(Kind):
    label: str = "编号"

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        s = _scalar(node, ctx, path, self.label)
        if s is None:
            return BAD
        why = slug_problem(s.text.strip())
        if why:
            ctx.error(s.loc, "GK108", f"{self.label}格式无效", path, s.text, why)
            return BAD
        return s.text.strip()


@dataclass(frozen=True)
class ListOf(Kind):
    item: Kind
    label: str = "列表"
    min_items: int = 0
    max_items: int = 0  # 0: no cap

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        if not isinstance(node, RSeq):
            if isinstance(node, RScalar) and node.is_null and self.min_items == 0:
                return ()
            ctx.error(
                node.loc,
                "GK103",
                f"{self.label}应是列表，这里写成了{node_kind(node)}",
                path,
                hint="每一项另起一行，以“- ”开头",
            )
            return BAD
        if len(node.items) < self.min_items:
            ctx.error(node.loc, "GK109", f"{self.label}至少要有 {self.min_items} 项", path)
            return BAD
        if self.max_items and len(node.items) > self.max_items:
            ctx.error(
                node.loc,
                "GK005",
                f"{self.label}最多 {self.max_items} 项，这里有 {len(node.items)} 项",
                path,
                hint="只列出确实需要公开、又像个人号码的号码",
            )
            return BAD
        out = []
        ok = True
        for i, item in enumerate(node.items):
            p = f"{path}[{i + 1}]"
            ctx.locs[p] = item.loc
            v = self.item.parse(item, ctx, p)
            ok = ok and v is not BAD
            out.append(v)
        return tuple(out) if ok else BAD


@dataclass(frozen=True)
class Field:
    kind: Kind
    required: bool = False
    label: str = ""


@dataclass(frozen=True)
class Struct(Kind):
    fields: Mapping[str, Field]
    label: str = "结构"
    check: Callable[[dict[str, Any], RMap, Ctx, str], None] | None = None

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        if not isinstance(node, RMap):
            ctx.error(
                node.loc,
                "GK103",
                f"{self.label}应是“键: 值”结构，这里写成了{node_kind(node)}",
                path,
                hint="、".join(self.fields),
            )
            return BAD
        return parse_fields(self.fields, node, ctx, path, self.check)


def _choices(spec: Field) -> str:
    """The values a missing or empty enumerated field may hold."""
    return f"可选：{spec.kind.options}" if isinstance(spec.kind, Enum) else ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_DIGITS_HEAD = re.compile(r"^-?\d{1,3}$")
_DIGITS_TAIL = re.compile(r"^\d{3}(\.\d+)?$")


def split_numbers(node: RMap, fields: Mapping[str, Field]) -> dict[str, tuple[str, str]]:
    """Keys that are the rest of a number broken at its thousands commas:
    in ``{amount: 4,970.70}`` the comma ends the value, so YAML reads a
    value ``4`` and a key ``970.70`` without value.  Maps each such key to
    (the field it belongs to, the number as written)."""
    if node.entries.keys() <= fields.keys():
        return {}  # every key a field's: none is the rest of a broken number (nearly every roster row)
    groups: list[tuple[str, list[str], list[str]]] = []  # (field, pieces of the number, keys)
    open_group = False
    for key, value in node.entries.items():
        blank = isinstance(value, RScalar) and value.is_null
        if open_group and key not in fields and blank and _DIGITS_TAIL.match(key):
            groups[-1][1].append(key)
            groups[-1][2].append(key)
            open_group = "." not in key
            continue
        open_group = False
        if key in fields and isinstance(value, RScalar) and value.style is None and _DIGITS_HEAD.match(value.text):
            groups.append((key, [value.text], []))
            open_group = True
    return {k: (first, ",".join(pieces)) for first, pieces, keys in groups for k in keys}


def parse_fields(
    fields: Mapping[str, Field],
    node: RMap,
    ctx: Ctx,
    path: str,
    check: Callable[[dict[str, Any], RMap, Ctx, str], None] | None = None,
) -> Any:
    out: dict[str, Any] = {}
    ok = True
    unknown = 0
    broken = split_numbers(node, fields)
    told: set[str] = set()
    for key, value in node.entries.items():
        p = _join(path, key)
        kloc = node.key_locs[key]
        spec = fields.get(key)
        if key in broken:
            ok = False
            first, whole = broken[key]
            if first not in told:
                told.add(first)
                ctx.error(
                    kloc,
                    "GK119",
                    f"带千分位逗号的数字没有加引号：在 {{ }} 中逗号把 {whole} 断开了，“{key}”被当成了一个键",
                    _join(path, first),
                    whole,
                    f'给这个数字加上引号：{first}: "{whole}"，或去掉逗号：{first}: {whole.replace(",", "")}',
                )
            continue
        if spec is None:
            unknown += 1
            ok = False
            if unknown > MAX_UNKNOWN_KEYS:  # a hostile file: 450,000 keys would take minutes and gigabytes to list
                continue
            close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
            hint = f"是不是“{close[0]}”？" if close else "可用的键：" + "、".join(fields)
            from gongkai.core.limits import shown_key

            ctx.error(kloc, "GK101", f"未知的键“{shown_key(key)}”", shown_key(p), hint=hint)
            continue
        ctx.locs[p] = value.loc if isinstance(value, RScalar) else kloc
        if isinstance(value, RScalar) and (value.is_null or not value.text.strip()):
            if spec.required:
                ctx.error(
                    kloc,
                    "GK102",
                    f"必填项“{key}”（{spec.label}）没有填写",
                    p,
                    hint=_choices(spec) or spec.kind.expected or spec.label,
                )
                ok = False
            continue
        v = spec.kind.parse(value, ctx, p)
        if v is BAD:
            ok = False
            continue
        out[key] = v
    if unknown > MAX_UNKNOWN_KEYS:
        ctx.error(
            node.loc,
            "GK101",
            f"另有 {unknown - MAX_UNKNOWN_KEYS} 个未知的键未逐一列出（共 {unknown} 个）",
            path,
            hint="可用的键：" + "、".join(fields),
        )
    for key, spec in fields.items():
        if spec.required and key not in node.entries:
            ctx.error(
                node.loc,
                "GK102",
                f"缺少必填项“{key}”（{spec.label}）",
                _join(path, key),
                hint=f"添加一行 {key}: …" + (f"（{_choices(spec)}）" if _choices(spec) else ""),
            )
            ok = False
    if ok and check is not None:
        n_before = len(ctx.problems)
        check(out, node, ctx, path)
        ok = not any(p.is_error for p in ctx.problems[n_before:])
    return out if ok else BAD


# Unknown keys listed one by one in a mapping; the rest are counted.
MAX_UNKNOWN_KEYS = 50


@functools.cache
def _id_functions() -> tuple[Callable[[str], str], Callable[[str], str | None], Any, Callable[[str], str]]:
    """core.masking's functions, imported when first needed (it compiles the
    privacy detectors' patterns), then once, not at each of a township's
    hundreds of thousands of ID cells."""
    from gongkai.core.idmask import star_masks
    from gongkai.core.masking import check_masked_id, mask_id, normalise_id_field

    return star_masks, check_masked_id, mask_id, normalise_id_field


@dataclass(frozen=True)
class IdNumber(Kind):
    """A resident ID number as published: it must arrive with the eight
    birth-date digits hidden; the value kept is its display form under the
    site's masking policy (``Ctx.id_policy``), so no later stage ever sees
    more than the public may."""

    label: str = "身份证号"
    expected: str = "遮蔽出生日期的身份证号，如 320823********1234"

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        star_masks, check_masked_id, mask_id, normalise_id_field = _id_functions()
        s = _scalar(node, ctx, path, self.label)
        if s is None:
            return BAD
        text = star_masks(s.text)  # 320826××××××××2730 means 320826********2730
        why = check_masked_id(text)
        if why:
            # Never echo the value: it may be a full ID number.
            ctx.error(s.loc, "GK113", f"{self.label}{why}", path, "", self.expected)
            return BAD
        ctx.id_keys[path] = normalise_id_field(text)
        return mask_id(text, ctx.id_policy) if ctx.id_policy else text
