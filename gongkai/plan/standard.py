"""The 标准目录 (国办发〔2019〕54号) as published: one page (standard/) and
data/standard.csv / .json, from the status the check stage judged
(check/standard.py).  One row per 事项 with its ten standard fields, its
standing on the build's date, the newest record and the count of records
published past their legal time limit."""

from __future__ import annotations

from datetime import date
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.model import Site
from gongkai.core.standard import STATES, Area, ItemStatus
from gongkai.plan.export import _dumps, csv_bytes

__all__ = ["STANDARD_COLUMNS", "StandardRow", "standard_files", "standard_rows"]


@dataclass(frozen=True)
class StandardRow:
    area: str
    id: str
    name: str
    elements: str
    basis: str
    deadline: str
    subject: str
    channels: str
    audience: str
    mode: str
    level: str
    cycle: str
    applies: bool
    reason: str
    state: str
    state_label: str
    count: int
    latest_title: str
    latest_path: str  # the newest record's page, relative to the site root
    latest_date: date | None
    due: date | None
    late: int


STANDARD_COLUMNS: list[tuple[str, str]] = [
    ("领域", "area"),
    ("事项编号", "id"),
    ("事项", "name"),
    ("公开内容（要素）", "elements"),
    ("公开依据", "basis"),
    ("公开时限", "deadline"),
    ("公开主体", "subject"),
    ("公开渠道和载体", "channels"),
    ("公开对象", "audience"),
    ("公开方式", "mode"),
    ("公开层级", "level"),
    ("更新周期", "cycle"),
    ("状态", "state_label"),
    ("不适用的原因", "reason"),
    ("已公开信息条数", "count"),
    ("最近一次公开", "latest_title"),
    ("最近发布日期", "latest_date"),
    ("下次应公开日期", "due"),
    ("超过法定时限公开的条数", "late"),
]


def _row(site: Site, s: ItemStatus) -> StandardRow:
    item = s.item
    rec = site.by_id.get(s.latest[0]) if s.latest else None
    return StandardRow(
        **{
            k: getattr(item, k)
            for k in ("area", "id", "name", "elements", "basis", "deadline", "level", "applies", "reason")
        },
        subject=site.config.publishers.get(item.subject, item.subject),
        channels="、".join(item.channels),
        audience=item.audience_label,
        mode=item.mode_label,
        cycle=item.cycle_label,
        state=s.state,
        state_label=s.label,
        count=s.count,
        latest_title=s.latest[1] if s.latest else "",
        latest_path=rec.url if rec is not None else "",
        latest_date=s.latest[2] if s.latest else None,
        due=s.due if item.applies else None,
        late=s.late,
    )


def standard_rows(site: Site) -> tuple[StandardRow, ...]:
    if site.standard is None:
        return ()
    return tuple(_row(site, s) for s in site.standard.items)


def _cell(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    if v is None:
        return ""
    return v


def _na_row(area: Area) -> StandardRow:
    """A 领域 marked ``applies: false`` without 事项 of its own: one row saying so, with the reason."""
    blank = dict.fromkeys(("id", "name", "elements", "basis", "deadline", "subject", "channels"), "")
    blank |= dict.fromkeys(("audience", "mode", "level", "cycle", "latest_title", "latest_path"), "")
    return StandardRow(
        area=area.name,
        **blank,
        applies=False,
        reason=area.reason,
        state="na",
        state_label=STATES["na"],
        count=0,
        latest_date=None,
        due=None,
        late=0,
    )


def _data_rows(site: Site) -> list[StandardRow]:
    """The rows of the data files in the file's order of 领域: the 事项 of each, and a row for a 领域 that does
    not apply and lists no 事项 (54号 asks for what does not apply to be marked; the page shows it, so must the
    CSV an inspector reads)."""
    assert site.standard is not None
    rows = standard_rows(site)
    out: list[StandardRow] = []
    for area in site.standard.areas:
        mine = [r for r in rows if r.area == area.name]
        out.extend(mine if mine or area.applies else [_na_row(area)])
    out.extend(r for r in rows if r.area not in {a.name for a in site.standard.areas})
    return out


def standard_files(site: Site) -> list[tuple[str, bytes]]:
    """data/standard.csv and .json; none when the site has no 标准目录."""
    if site.standard is None:
        return []
    rows = _data_rows(site)
    header = [h for h, _ in STANDARD_COLUMNS]
    table = [[_cell(getattr(r, key)) for _, key in STANDARD_COLUMNS] for r in rows]
    doc = {
        "title": f"{site.config.organization}政务公开标准目录",
        "basis": "国务院办公厅关于全面推进基层政务公开标准化规范化工作的指导意见（国办发〔2019〕54号）",
        "date": site.today.isoformat(),
        "items": [
            {key: _cell(getattr(r, key)) for _, key in STANDARD_COLUMNS} | {"state": r.state, "page": r.latest_path}
            for r in rows
        ],
        "unassigned": [{"id": i, "title": t} for i, t in site.standard.unassigned],
    }
    return [("data/standard.csv", csv_bytes(header, table)), ("data/standard.json", _dumps(doc))]
