"""宅基地审批 (homestead) and 机构概况 (institution) records: their CSV tables,
feed lines and search text.  The applicants' names follow the names rule:
plan/names.py has removed the rows of a batch past its 公示期 before any of
these run, so what they make from the rows is what the site may show."""

from __future__ import annotations

from gongkai.core.formats import number
from gongkai.core.model import Record
from gongkai.core.schema.homestead import APPLY_KINDS, OLD_PLOT
from gongkai.plan.export import csv_bytes

__all__ = [
    "HOMESTEAD_COLUMNS",
    "homestead_csv",
    "homestead_row_cells",
    "homestead_summary",
    "institution_csv",
    "institution_search_parts",
    "institution_summary",
]

# the search cells of a batch's row, as its page heads them (search_docs.SearchDoc.columns)
HOMESTEAD_COLUMNS = (
    ("村", ""),
    ("组", ""),
    ("申请人", ""),
    ("申请类型", ""),
    ("批准面积", "平方米"),
    ("原宅基地", ""),
    ("批准书编号", ""),
)


def homestead_row_cells(r: dict) -> tuple[object, ...]:
    """One row's cells in HOMESTEAD_COLUMNS order."""
    return (
        r["village"], r.get("group"), r["name"], APPLY_KINDS[r["kind"]], number(r["area"]),
        OLD_PLOT[r["old_plot"]], r["permit_no"],
    )  # fmt: skip


def homestead_csv(rec: Record) -> bytes:
    d = rec.data
    return csv_bytes(
        [
            "序号", "村（社区）", "组", "申请人", "申请类型", "批准面积（平方米）", "占用农用地",
            "农用地转用批准文号", "原宅基地处置", "批准书编号", "批准日期", "村（组）公示开始", "村（组）公示结束", "备注",
        ],
        (
            [
                n, r["village"], r.get("group"), r["name"], APPLY_KINDS[r["kind"]], number(r["area"]),
                "是" if r["farmland"] else "否", r.get("conversion"), OLD_PLOT[r["old_plot"]], r["permit_no"],
                r["approved_on"], *_notice(r.get("village_notice") or d.get("village_notice")), r.get("note"),
            ]
            for n, r in enumerate(d["recipients"], start=1)
        ),
    )  # fmt: skip


def _notice(n: dict | None) -> tuple[object, object]:
    return (n["start"], n["end"]) if n else (None, None)


def homestead_summary(rec: Record) -> str:
    t = rec.data["totals"]
    return f"{rec.data['batch']}，批准 {t['households']} 户，面积合计 {number(t['area'])} 平方米。"


def institution_csv(rec: Record) -> bytes:
    """The 领导 (姓名, 职务, 分工): the table a reader most often wants."""
    return csv_bytes(
        ["序号", "机构名称", "姓名", "职务", "分工", "任职日期"],
        (
            [n, rec.data["name"], p["name"], p["post"], p.get("duties"), p.get("since")]
            for n, p in enumerate(rec.data["leaders"], start=1)
        ),
    )


def institution_summary(rec: Record) -> str:
    d = rec.data
    return f"{d['name']}：领导 {len(d['leaders'])} 人，内设机构 {len(d.get('units', ()))} 个；办公电话 {d['phone']}。"


def institution_search_parts(rec: Record) -> list[str]:
    """The text a villager searches a 机构 by: its name, functions, leaders and units."""
    d = rec.data
    parts = [d["name"], d["functions"], d["address"], d["hours"], d["phone"]]
    parts += [" ".join(v for v in (p["name"], p["post"], p.get("duties", "")) if v) for p in d["leaders"]]
    parts += [" ".join(v for v in (u["name"], u["duties"], u.get("head", "")) if v) for u in d.get("units", ())]
    return parts
