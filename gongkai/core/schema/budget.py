"""The budget record type, declared as data, and the shape its tables take
as published: codes copied with spaces or from separate 类/款/项 columns,
blank and ``-`` cells, several amount columns, labelled rows without code.

Parsing normalises every row to ``code`` (digits, or "" for a labelled row
such as 本年收入合计), ``name``, ``amount`` (the table's main column) and,
for a table with ``columns``, ``amounts`` (one per column); the sums are
checked in check/rules/budget.py.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.schema.kinds import (
    BAD,
    Bool,
    Ctx,
    Date,
    Dec,
    Enum,
    Field,
    Int,
    ListOf,
    Money,
    Struct,
    Text,
    _scalar,
    parse_money_text,
)
from gongkai.core.tree import RMap

__all__ = ["BUDGET", "STAGES", "is_percent", "main_column", "stage_label"]

KINDS = {"government": "政府预决算", "department": "部门预决算"}
STAGES = {"budget": "预算", "adjustment": "预算调整", "execution": "执行情况", "final": "决算"}
DASHES = frozenset({"-", "--", "—", "——", "–", "－", "/"})


def stage_label(stage: str) -> str:
    return STAGES.get(stage, stage)


def is_percent(column: str) -> bool:
    """A column of ratios (为预算%, 增长%): not summed."""
    return "%" in column or "％" in column or "百分比" in column or "比率" in column


def main_column(columns: tuple[str, ...]) -> int:
    """The column a row's ``amount`` is: the last one that is an amount
    (决算数 after 预算数 and 调整预算数; 调整后预算数 after 调整数)."""
    amounts = [i for i, c in enumerate(columns) if not is_percent(c)]
    return amounts[-1] if amounts else 0


@dataclass(frozen=True)
class BudgetAmount(Money):
    """An amount as a published table prints it: negatives allowed (which
    rows may have them is a rule of its own), and a blank or a dash read as
    None (zero only where the table says so, see ``blank_as_zero``)."""

    label: str = "金额"
    allow_negative: bool = True
    expected: str = '最多两位小数的数字，如 546.00、"3,520,000.00" 或 -12.50；空白或“-”见 blank_as_zero'

    def parse(self, node: Any, ctx: Ctx, path: str) -> Any:
        s = _scalar(node, ctx, path, self.label)
        if s is None:
            return BAD
        text = unicodedata.normalize("NFKC", s.text).strip()
        if not text or s.is_null or text in DASHES or s.text.strip() in DASHES:
            return None
        v = parse_money_text(text, self.places)
        if v is None:
            ctx.error(s.loc, "GK105", f"{self.label}格式无效", path, s.text, self.expected)
            return BAD
        return v


_CODE_SEPARATORS = re.compile(r"[\s\-.·、/]+")


def normalise_code(text: str) -> str:
    """``"201 03 01"``, ``201-03-01``, full-width digits → ``2010301``."""
    return _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def _row(out: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    parts = [out.get(k) for k in ("class", "section", "item")]
    if "code" in out:
        out["code"] = normalise_code(out["code"])
    elif any(parts):
        cls, section, item = (normalise_code(p) if p else "" for p in parts)
        # A 款 or 项 typed as 3 in a spreadsheet column is 03.
        out["code"] = cls + (section.zfill(2) if section else "") + (item.zfill(2) if item else "")
        if item and not section:
            ctx.error(
                node.loc,
                "GK301",
                "只写了类和项、没有写款，无法得出科目编码",
                f"{path}.section",
                f"{cls} {item}",
                "写上款（section），或直接写 code: 7 位编码",
            )
    else:
        out["code"] = ""  # a labelled row: 本年收入合计, 上年结转 ...
    for k in ("class", "section", "item"):
        out.pop(k, None)
    if "amount" not in out and "amounts" not in out:
        out["amount"] = None  # blank: zero or an error, as the table says


def _table(out: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    columns: tuple[str, ...] = out.get("columns", ())
    rows: list[dict[str, Any]] = [dict(r) for r in out.get("rows", ())]
    main = main_column(columns)
    blanks: list[str] = []
    for r, row in enumerate(rows, start=1):
        rp = f"{path}.rows[{r}]"
        if columns:
            amounts = row.get("amounts")
            if amounts is None:
                ctx.error(
                    ctx.locs.get(rp, node.loc),
                    "GK308",
                    f"这张表有 {len(columns)} 列金额（{'、'.join(columns)}），这一行应写 amounts",
                    f"{rp}.amounts",
                    hint=f"amounts: [{', '.join('…' for _ in columns)}]，按 columns 的顺序",
                )
                continue
            if len(amounts) != len(columns):
                ctx.error(
                    ctx.locs.get(f"{rp}.amounts", node.loc),
                    "GK308",
                    f"这一行写了 {len(amounts)} 个金额，表头有 {len(columns)} 列（{'、'.join(columns)}）",
                    f"{rp}.amounts",
                    hint='每列一个数，空白写 "" 或 "-"',
                )
                continue
            for i, v in enumerate(amounts, start=1):
                if v is None:
                    blanks.append(f"{rp}.amounts[{i}]")
        elif "amounts" in row:
            ctx.error(
                ctx.locs.get(f"{rp}.amounts", node.loc),
                "GK308",
                "写了 amounts（多列金额），但表上没有 columns（各列的名称）",
                f"{rp}.amounts",
                hint="在表上写 columns: [预算数, 调整预算数, 决算数]，或这一行改写 amount",
            )
            continue
        elif row.get("amount") is None:
            blanks.append(f"{rp}.amount")
    if blanks:
        if out.get("blank_as_zero"):
            for row in rows:
                if columns and row.get("amounts") is not None:
                    row["amounts"] = tuple(Decimal(0) if v is None else v for v in row["amounts"])
                elif row.get("amount") is None:
                    row["amount"] = Decimal(0)
        else:
            ctx.error(
                ctx.locs.get(blanks[0], node.loc),
                "GK102",
                f"表格“{out.get('name', '')}”有 {len(blanks)} 处金额空白或写“-”",
                blanks[0],
                hint="填写金额；表中空白或“-”就是 0 的，在这张表上写一行 blank_as_zero: true",
            )
            return
    for row in rows:
        if columns and isinstance(row.get("amounts"), tuple) and len(row["amounts"]) == len(columns):
            row["amount"] = row["amounts"][main]
    out["rows"] = tuple(rows)
    if columns and "totals" in out:
        totals = out["totals"]
        if len(totals) != len(columns):
            ctx.error(
                ctx.locs.get(f"{path}.totals", node.loc),
                "GK308",
                f"totals 写了 {len(totals)} 个数，表头有 {len(columns)} 列",
                f"{path}.totals",
            )
            return
        out["totals"] = tuple(Decimal(0) if v is None else v for v in totals)
        out.setdefault("total", out["totals"][main])
    if "total" not in out:
        labelled = [r for r in rows if not r["code"] and "合计" in r["name"] and r.get("amount") is not None]
        if labelled:
            out["total"] = labelled[0]["amount"]
            if columns:
                out.setdefault("totals", labelled[0]["amounts"])
        else:
            ctx.error(
                node.loc,
                "GK102",
                "缺少必填项“total”（合计）",
                f"{path}.total",
                hint="添加一行 total: 合计金额，或在表中写一行 {name: 本年支出合计, amount: …}",
            )


BUDGET_ROW = Struct(
    {
        "code": Field(Text("科目编码", 20), False, "科目编码"),
        "class": Field(Text("类", 10), False, "类"),
        "section": Field(Text("款", 10), False, "款"),
        "item": Field(Text("项", 10), False, "项"),
        "name": Field(Text("科目名称", 100), True, "科目名称"),
        "amount": Field(BudgetAmount("金额"), False, "金额"),
        "amounts": Field(ListOf(BudgetAmount("金额"), "各列金额"), False, "各列金额"),
    },
    "表格行",
    _row,
)

BUDGET_TABLE = Struct(
    {
        "name": Field(Text("表名", 100), True, "表名"),
        "columns": Field(ListOf(Text("列名", 30), "金额列", 1), False, "金额列"),
        "blank_as_zero": Field(Bool("空白按 0"), False, "空白按 0"),
        "rows": Field(ListOf(BUDGET_ROW, "表格行"), True, "表格行"),
        "total": Field(BudgetAmount("合计"), False, "合计"),
        "totals": Field(ListOf(BudgetAmount("合计"), "各列合计"), False, "各列合计"),
        "explanation": Field(Text("说明", 2000), False, "说明"),
    },
    "表格",
    _table,
)

BUDGET = {
    "fiscal_year": Field(Int("预决算年度", 1990, 2100), True, "年度"),
    "stage": Field(Enum(STAGES, "预算/决算"), True, "阶段"),
    "kind": Field(Enum(KINDS, "政府/部门预决算"), False, "政府或部门预决算"),
    "approved": Field(Date("批准日期"), False, "批准日期"),
    "unit": Field(Enum({"元": "元", "万元": "万元"}, "金额单位"), False, "金额单位"),
    "rounding": Field(Dec("舍入单位", 4), False, "舍入单位"),
    "tables": Field(ListOf(BUDGET_TABLE, "表格", 1), True, "表格"),
    "three_public": Field(
        Struct(
            {
                "overseas": Field(Money("因公出国（境）费"), True, "因公出国（境）费"),
                "vehicles": Field(
                    Struct(
                        {
                            "purchase": Field(Money("公务用车购置费"), True, "购置费"),
                            "operation": Field(Money("公务用车运行维护费"), True, "运行维护费"),
                            "bought": Field(Int("公务用车购置数", 0, 100000), False, "购置数（辆）"),
                            "count": Field(Int("公务用车保有量", 0, 100000), False, "保有量（辆）"),
                        },
                        "公务用车购置及运行费",
                    ),
                    True,
                    "公务用车购置及运行费",
                ),
                "reception": Field(Money("公务接待费"), True, "公务接待费"),
                "overseas_groups": Field(Int("因公出国（境）团组数", 0, 100000), False, "出国（境）团组数"),
                "overseas_people": Field(Int("因公出国（境）人数", 0, 1000000), False, "出国（境）人数"),
                "reception_batches": Field(Int("国内公务接待批次", 0, 1000000), False, "公务接待批次"),
                "reception_people": Field(Int("国内公务接待人次", 0, 10000000), False, "公务接待人次"),
                "last_year": Field(Money("上年“三公”经费合计"), False, "上年合计"),
                "change_reason": Field(Text("增减变化原因", 2000), False, "增减变化原因"),
            },
            "“三公”经费",
        ),
        False,
        "“三公”经费",
    ),
}
