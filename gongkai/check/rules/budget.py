"""budget: 类/款/项 codes, parents equal the sum of their children, totals."""

from __future__ import annotations

import re
from decimal import Decimal

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.formats import money as _fmt
from gongkai.core.model import Record

__all__ = ["check"]

_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    out: list[Problem] = []
    for t, table in enumerate(rec.data["tables"], start=1):
        tp = f"tables[{t}]"
        rows = table["rows"]
        if not rows:
            if "explanation" not in table:
                out.append(
                    Problem(
                        rec.loc(f"{tp}.rows"),
                        "GK305",
                        f"表格“{table['name']}”没有数据行，需要写明原因",
                        f"{tp}.explanation",
                        hint="explanation: 本镇无政府性基金预算支出",
                    )
                )
            if table["total"] != 0:
                out.append(
                    Problem(
                        rec.loc(f"{tp}.total"),
                        "GK304",
                        "表格没有数据行，合计应为 0",
                        f"{tp}.total",
                        _fmt(table["total"]),
                        "0",
                    )
                )
            continue
        amounts: dict[str, Decimal] = {}
        where: dict[str, int] = {}
        ok_codes = True
        for r, row in enumerate(rows, start=1):
            code = row["code"].strip()
            if not _CODE.match(code):
                out.append(
                    Problem(
                        rec.loc(f"{tp}.rows[{r}].code"),
                        "GK301",
                        "科目编码应是 3 位（类）、5 位（款）或 7 位（项）数字",
                        f"{tp}.rows[{r}].code",
                        code,
                        '如 201、20101、2010101（加引号写成 "201"）',
                    )
                )
                ok_codes = False
                continue
            if code in amounts:
                out.append(
                    Problem(
                        rec.loc(f"{tp}.rows[{r}].code"),
                        "GK306",
                        f"科目编码 {code} 在表中出现了两次（第 {where[code]} 行已有）",
                        f"{tp}.rows[{r}].code",
                        code,
                    )
                )
                ok_codes = False
                continue
            amounts[code] = row["amount"]
            where[code] = r
        if not ok_codes:
            continue
        children: dict[str, list[str]] = {}
        for code in amounts:
            if len(code) > 3:
                parent = code[:-2]
                if parent not in amounts:
                    r = where[code]
                    level = "类（3 位）" if len(parent) == 3 else "款（5 位）"
                    out.append(
                        Problem(
                            rec.loc(f"{tp}.rows[{r}].code"),
                            "GK302",
                            f"科目 {code} 的上级{level}科目 {parent} 不在表中",
                            f"{tp}.rows[{r}].code",
                            code,
                            f"在表中加上科目 {parent} 这一行",
                        )
                    )
                    continue
                children.setdefault(parent, []).append(code)
        for parent, kids in children.items():
            total = sum((amounts[k] for k in kids), Decimal(0))
            if total != amounts[parent]:
                r = where[parent]
                out.append(
                    Problem(
                        rec.loc(f"{tp}.rows[{r}].amount"),
                        "GK303",
                        f"科目 {parent} 的金额不等于其下级科目之和（{'、'.join(kids)}）",
                        f"{tp}.rows[{r}].amount",
                        _fmt(amounts[parent]),
                        f"{_fmt(total)}（下级合计），差额 {_fmt(amounts[parent] - total)}",
                    )
                )
        top = sum((v for c, v in amounts.items() if len(c) == 3), Decimal(0))
        if top != table["total"]:
            out.append(
                Problem(
                    rec.loc(f"{tp}.total"),
                    "GK304",
                    f"表格“{table['name']}”的合计不等于各类（3 位科目）金额之和",
                    f"{tp}.total",
                    _fmt(table["total"]),
                    f"{_fmt(top)}，差额 {_fmt(table['total'] - top)}",
                )
            )
    return out
