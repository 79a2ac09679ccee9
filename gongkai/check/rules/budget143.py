"""budget: what 财预〔2016〕143号 (《地方预决算公开操作规程》) asks of a
published budget beyond its sums (those are in budget.py):

- GK370 (warning): the set of tables a 部门预算 (8), 部门决算 (9) or a
  township's 政府预决算 must publish, when ``kind`` says which it is;
- GK371 (warning): 支出 by 功能分类 shown down to 项 (7-digit codes);
- GK372 (warning): the “三公” total changed from last year with no reason;
- GK373 (warning): the “三公” counts (团组/人数, 购置数/保有量, 批次/人次)
  contradict each other or the amounts;
- GK374 (error): the “三公” 公务接待费 / 公务用车运行维护费 differ from the
  经济分类 lines 30217 / 30231 of the 基本支出 (and 项目支出) tables.

The 20-day publication limit is GK603 (check/rules/deadlines.py).
Tables are recognised by name: the 规程 fixes the names, and published
tables keep them up to 部门/单位 prefixes and quotes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from gongkai.core.errors import Problem, Severity
from gongkai.core.formats import money as _fmt
from gongkai.core.model import Record

__all__ = ["REQUIRED_TABLES", "check", "required_tables"]

_QUOTES = str.maketrans("", "", "“”\"'‘’「」 \u3000")


def _norm(name: str) -> str:
    return name.translate(_QUOTES)


def _has(*words: str, no: tuple[str, ...] = ()) -> Callable[[str], bool]:
    return lambda n: all(w in n for w in words) and not any(w in n for w in no)


def _either(*preds: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda n: any(p(n) for p in preds)


_FUND = ("一般公共预算", "政府性基金", "国有资本经营")

# (kind, stage) -> [(the table's name in the 规程, does a published name match it)]
REQUIRED_TABLES: dict[tuple[str, str], list[tuple[str, Callable[[str], bool]]]] = {
    ("department", "budget"): [
        ("部门收支总表", _has("收支总表", no=("财政拨款",))),
        ("部门收入总表", _has("收入总表")),
        ("部门支出总表", _has("支出总表")),
        ("财政拨款收支总表", _has("财政拨款收支总表")),
        ("一般公共预算支出表", _has("一般公共预算", "支出", no=("基本支出", "三公", "总表"))),
        ("一般公共预算基本支出表", _has("一般公共预算", "基本支出")),
        ("一般公共预算“三公”经费支出表", _has("三公")),
        ("政府性基金预算支出表", _has("政府性基金", "支出")),
    ],
    ("department", "final"): [
        ("收入支出决算总表", _has("收入支出决算总表", no=("财政拨款",))),
        ("收入决算表", _has("收入决算表", no=("收入支出",))),
        ("支出决算表", _has("支出决算表", no=("收入支出", "基本支出", "三公", *_FUND))),
        ("财政拨款收入支出决算总表", _has("财政拨款收入支出决算总表")),
        ("一般公共预算财政拨款支出决算表", _has("一般公共预算", "支出决算表", no=("基本支出", "三公"))),
        ("一般公共预算财政拨款基本支出决算表", _has("一般公共预算", "基本支出")),
        ("一般公共预算财政拨款“三公”经费支出决算表", _has("三公")),
        ("政府性基金预算财政拨款收入支出决算表", _has("政府性基金")),
        ("国有资本经营预算财政拨款支出决算表", _has("国有资本经营")),
    ],
}
# A township's 政府预决算: the 规程's 本级 tables that exist at township level
# (no 对下转移支付, no 债务 of its own, 社会保险基金 kept by the county).
_GOV: list[tuple[str, Callable[[str], bool]]] = [
    ("一般公共预算收入表", _either(_has("一般公共预算", "收入"), _has("一般公共预算", "收支"))),
    (
        "一般公共预算支出表",
        _either(_has("一般公共预算", "支出", no=("基本支出", "三公")), _has("一般公共预算", "收支")),
    ),
    ("一般公共预算基本支出表", _has("一般公共预算", "基本支出")),
    ("政府性基金预算收入表", _either(_has("政府性基金", "收入"), _has("政府性基金", "收支"))),
    ("政府性基金预算支出表", _either(_has("政府性基金", "支出"), _has("政府性基金", "收支"))),
    ("国有资本经营预算收入表", _either(_has("国有资本经营", "收入"), _has("国有资本经营", "收支"))),
    ("国有资本经营预算支出表", _either(_has("国有资本经营", "支出"), _has("国有资本经营", "收支"))),
]
REQUIRED_TABLES[("government", "budget")] = _GOV
REQUIRED_TABLES[("government", "final")] = [(label[:-1] + "决算表", match) for label, match in _GOV]


def required_tables(kind: str, stage: str, names: list[str]) -> list[tuple[str, bool]]:
    """Each table the 规程 requires of this kind and stage, and whether one of
    ``names`` is it."""
    normal = [_norm(n) for n in names]
    return [(label, any(match(n) for n in normal)) for label, match in REQUIRED_TABLES.get((kind, stage), [])]


def _warn(rec: Record, code: str, path: str, message: str, value: str = "", hint: str = "") -> Problem:
    return Problem(rec.loc(path), code, message, path, value, hint, Severity.WARNING)


def check(rec: Record) -> list[Problem]:
    d = rec.data
    out: list[Problem] = []
    kind = d.get("kind")
    tables: tuple[dict[str, Any], ...] = d["tables"]
    if kind:
        missing = [
            label for label, present in required_tables(kind, d["stage"], [t["name"] for t in tables]) if not present
        ]
        if missing:
            which = "部门预算" if kind == "department" else "政府预决算"
            if kind == "department" and d["stage"] == "final":
                which = "部门决算"
            out.append(
                _warn(
                    rec,
                    "GK370",
                    "tables",
                    f"{which}应公开的表缺少 {len(missing)} 张：{'、'.join(missing)}",
                    hint="按财预〔2016〕143号公开全套表格；没有数据的表也要列出（rows: []），并在 explanation 中说明原因",
                )
            )
        for t, table in enumerate(tables, start=1):
            out.extend(_to_item(rec, f"tables[{t}]", table))
    tp = d.get("three_public")
    if tp:
        out.extend(_three_public(rec, tp))
        out.extend(_economic_lines(rec, tp, tables, d))
    return out


def _to_item(rec: Record, tp: str, table: dict[str, Any]) -> list[Problem]:
    """GK371: a 功能分类 支出 table whose 类/款 rows have no 项 below them."""
    name = _norm(table["name"])
    if "支出" not in name or any(w in name for w in ("基本支出", "三公", "总表")):
        return []
    codes = [r["code"] for r in table["rows"] if r["code"].startswith("2")]
    short = [c for c in codes if len(c) < 7 and not any(o != c and o.startswith(c) for o in codes)]
    if not short:
        return []
    return [
        _warn(
            rec,
            "GK371",
            f"{tp}.rows",
            f"表格“{table['name']}”的支出只列到类或款级（{'、'.join(short[:5])}{' 等' if len(short) > 5 else ''}）",
            short[0],
            "支出按功能分类应公开到项级科目（7 位编码）",
        )
    ]


def _three_public(rec: Record, tp: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    total = tp["overseas"] + tp["vehicles"]["purchase"] + tp["vehicles"]["operation"] + tp["reception"]
    last = tp.get("last_year")
    if last is not None and last != total and not tp.get("change_reason"):
        up = "增加" if total > last else "减少"
        out.append(
            _warn(
                rec,
                "GK372",
                "three_public.change_reason",
                f"“三公”经费合计 {_fmt(total)} 比上年 {_fmt(last)} {up} {_fmt(abs(total - last))}，没有说明增减变化原因",
                hint="写 change_reason: 增减变化的原因",
            )
        )
    v = tp["vehicles"]
    # (count field, its amount, what the count is, what the amount is)
    pairs = [
        (
            "three_public.overseas_groups",
            tp.get("overseas_groups"),
            tp["overseas"],
            "因公出国（境）团组数",
            "因公出国（境）费",
        ),
        (
            "three_public.reception_batches",
            tp.get("reception_batches"),
            tp["reception"],
            "国内公务接待批次",
            "公务接待费",
        ),
        ("three_public.vehicles.bought", v.get("bought"), v["purchase"], "公务用车购置数", "公务用车购置费"),
        ("three_public.vehicles.count", v.get("count"), v["operation"], "公务用车保有量", "公务用车运行维护费"),
    ]
    for path, n, amount, what, money in pairs:
        if n is None:
            continue
        if n == 0 and amount > 0:
            out.append(
                _warn(rec, "GK373", path, f"{what}为 0，{money}却有 {_fmt(amount)}", "0", f"核对{what}或{money}")
            )
        elif n > 0 and amount == 0 and path != "three_public.vehicles.count":
            out.append(_warn(rec, "GK373", path, f"{what}为 {n}，{money}却为 0", str(n), f"核对{what}或{money}"))
    for path, small, big, a, b in (
        (
            "three_public.overseas_people",
            tp.get("overseas_groups"),
            tp.get("overseas_people"),
            "团组数",
            "出国（境）人数",
        ),
        (
            "three_public.reception_people",
            tp.get("reception_batches"),
            tp.get("reception_people"),
            "接待批次",
            "接待人次",
        ),
    ):
        if small is not None and big is not None and big < small:
            out.append(
                _warn(
                    rec, "GK373", path, f"{b}（{big}）少于{a}（{small}）", str(big), f"每个{a[:2]}至少 1 人，核对两个数"
                )
            )
        elif small is not None and small > 0 and big is None:
            out.append(_warn(rec, "GK373", path, f"写了{a}，没有写{b}", "", f"写上{b}（{path.split('.')[-1]}）"))
    return out


def _economic_lines(
    rec: Record, tp: dict[str, Any], tables: tuple[dict[str, Any], ...], d: dict[str, Any]
) -> list[Problem]:
    """GK374: 30217 / 30231 in the 基本支出 (plus 项目支出) tables = the “三公” figures."""
    rounding: Decimal = d.get("rounding", Decimal("0.01") if d.get("unit") == "万元" else Decimal(0))
    out: list[Problem] = []
    for code, amount, label, path in (
        ("30217", tp["reception"], "公务接待费", "three_public.reception"),
        ("30231", tp["vehicles"]["operation"], "公务用车运行维护费", "three_public.vehicles.operation"),
    ):
        found: list[tuple[str, Decimal]] = []
        for table in tables:
            name = _norm(table["name"])
            if "基本支出" not in name and "项目支出" not in name:
                continue
            for row in table["rows"]:
                if row["code"] == code and row.get("amount") is not None:
                    found.append((table["name"], row["amount"]))
        if not found:
            continue
        lines = sum((a for _, a in found), Decimal(0))
        if abs(lines - amount) > rounding * len(found):
            where = "、".join(f"“{n}”" for n, _ in found)
            out.append(
                Problem(
                    rec.loc(path),
                    "GK374",
                    f"“三公”经费的{label} {_fmt(amount)} 与{where}中经济分类 {code} {label}（{_fmt(lines)}）不一致",
                    path,
                    _fmt(amount),
                    f"{_fmt(lines)}；两处是同一笔钱，核对哪一处写错（项目支出中的{label}要列在项目支出表的 {code} 行）",
                )
            )
    return out
