"""homestead (宅基地审批): the province's area standard, 一户一宅, 农用地转用, the 村（组）
公示 before approval, dates in order, totals, and who approves.

依据: 土地管理法 第六十二条 (2019修正): 一户只能拥有一处宅基地, its area within the
standard the 省、自治区、直辖市 sets (site.yaml ``homestead_cap_m2``); approved by the
乡（镇）人民政府 from 2020-01-01 (before: 乡（镇）审核, 县级人民政府批准); where it takes
农用地, the 农用地转用 is approved under 第四十四条.  农经发〔2019〕6号: the application is
made public (公示) in the 村民小组 before the 村 and the 镇 review it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem, Severity
from gongkai.core.formats import number
from gongkai.core.model import Record
from gongkai.core.schema.homestead import APPLY_KINDS, APPROVERS, OLD_PLOT, TOWN_APPROVES_FROM

__all__ = ["check", "check_households"]

_TOWN_FROM = date.fromisoformat(TOWN_APPROVES_FROM)


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    out: list[Problem] = []
    rows = rec.data["recipients"]
    for i, r in enumerate(rows, start=1):
        out.extend(_row(rec, config, i, r))
    out.extend(_totals(rec, rows))
    return out


def _row(rec: Record, config: SiteConfig, i: int, r: dict[str, Any]) -> list[Problem]:
    p = f"recipients[{i}]"
    out: list[Problem] = []
    who = f"第 {i} 户（{r['village']}{r.get('group', '')}）"
    cap = config.homestead_cap_m2
    if cap is not None and r["area"] > cap:
        out.append(
            Problem(
                rec.loc(f"{p}.area"),
                "GK385",
                f"{who}批准面积超过本省规定的宅基地面积标准 {number(cap)} 平方米",
                f"{p}.area",
                number(r["area"]),
                f"不超过 {number(cap)} 平方米（site.yaml 的 homestead_cap_m2，按省级规定填写）",
            )
        )
    if r["farmland"] and not r.get("conversion"):
        out.append(
            Problem(
                rec.loc(f"{p}.farmland"),
                "GK387",
                f"{who}占用农用地，没有写农用地转用审批的文号",
                f"{p}.conversion",
                hint="conversion: 农用地转用批准文件的文号（土地管理法第四十四条、第六十二条）",
            )
        )
    approved = r["approved_on"]
    notice = r.get("village_notice") or rec.data.get("village_notice")
    if notice is None:
        out.append(
            Problem(
                rec.loc(p),
                "GK389",
                f"{who}没有写批准前在村民小组的公示",
                f"{p}.village_notice",
                hint="village_notice: {start: …, end: …}（整批相同时写在记录的 village_notice 中）",
                severity=Severity.WARNING,
            )
        )
    elif notice["end"] > approved:
        where = f"{p}.village_notice" if r.get("village_notice") else "village_notice"
        out.append(
            Problem(
                rec.loc(f"{where}.end"),
                "GK388",
                f"{who}的村（组）公示在批准日期 {approved.isoformat()} 之后才结束：公示应在审查、批准之前",
                f"{where}.end",
                notice["end"].isoformat(),
                f"不晚于 {approved.isoformat()}",
            )
        )
    if approved > rec.date:
        out.append(
            Problem(
                rec.loc(f"{p}.approved_on"),
                "GK388",
                f"{who}的批准日期晚于这份结果的发布日期 {rec.date.isoformat()}",
                f"{p}.approved_on",
                approved.isoformat(),
                f"不晚于 {rec.date.isoformat()}（先批准，后公布结果）",
            )
        )
    approver = rec.data.get("approver", "town")
    if approver == "town" and approved < _TOWN_FROM:
        out.append(
            Problem(
                rec.loc("approver") if "approver" in rec.data else rec.loc(f"{p}.approved_on"),
                "GK391",
                f"{who}批准于 {approved.isoformat()}：2020年1月1日修正后的土地管理法施行前，宅基地由乡（镇）审核、"
                f"{APPROVERS['county']}批准",
                "approver",
                APPROVERS[approver],
                "approver: county（试点地区已授权乡镇审批的，请在 basis 中写明依据）",
                Severity.WARNING,
            )
        )
    return out


def _totals(rec: Record, rows: Iterable[dict[str, Any]]) -> list[Problem]:
    rows = list(rows)
    t = rec.data["totals"]
    area = sum((r["area"] for r in rows), Decimal(0))
    out: list[Problem] = []
    if t["households"] != len(rows):
        out.append(
            Problem(
                rec.loc("totals.households"), "GK390", "合计户数与批准名单的行数不符", "totals.households",
                str(t["households"]), f"{len(rows)} 户",
            )
        )  # fmt: skip
    if t["area"] != area:
        out.append(
            Problem(
                rec.loc("totals.area"), "GK390", "批准面积合计与名单各户面积之和不符", "totals.area",
                number(t["area"]), f"{number(area)} 平方米",
            )
        )  # fmt: skip
    return out


def check_households(records: Iterable[Record]) -> list[Problem]:
    """一户一宅 across the site: a household (村, 组, 姓名) approved again, the later
    approval neither giving back the old plot nor building on it (a warning: two
    households can share a name)."""
    seen: dict[tuple[str, str, str], tuple[Record, dict[str, Any]]] = {}
    rows = [
        (r["approved_on"], rec.date, rec.id, i, rec, r)
        for rec in records
        if rec.type == "homestead" and not rec.draft
        for i, r in enumerate(rec.data["recipients"], start=1)
    ]
    out: list[Problem] = []
    for _, _, _, i, rec, r in sorted(rows, key=lambda t: t[:4]):
        key = (r["village"], r.get("group", ""), r["name"].strip())
        if key not in seen:
            seen[key] = (rec, r)
            continue
        first_rec, first = seen[key]
        if r["old_plot"] == "withdrawn" or (r["old_plot"] == "same_site" and r["kind"] != "new"):
            seen[key] = (rec, r)
            continue
        out.append(
            Problem(
                rec.loc(f"recipients[{i}].old_plot"),
                "GK386",
                f"第 {i} 户（{r['village']}{r.get('group', '')}）在 {first['approved_on'].isoformat()} 已批准过宅基地"
                f"（{first_rec.id}，批准书 {first['permit_no']}），这次{APPLY_KINDS[r['kind']]}"
                f"写的是“{OLD_PLOT[r['old_plot']]}”：一户只能拥有一处宅基地",
                f"recipients[{i}].old_plot",
                OLD_PLOT[r["old_plot"]],
                "已批准的宅基地交回的写 old_plot: withdrawn；同名的另一户，请在 note 中说明",
                Severity.WARNING,
            )
        )
    return out
