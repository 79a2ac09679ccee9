"""regulation (行政规范性文件): its 有效性, and the 政策解读 that goes with it.

- 有效性 (国办发〔2018〕37号《关于加强行政规范性文件制定和监督管理工作的通知》:
  规范性文件可以明确有效期, 定期清理, 清理结果向社会公布): the period runs
  forward (GK112); a repealed or amended document names what replaced it or
  says why (GK351); one past its ``valid_until`` but still marked 有效 is a
  warning (GK352), judged on the build's ``today``.
- 解读 (国办发〔2016〕80号《〈关于全面推进政务公开工作的意见〉实施细则》:
  政策性文件与解读方案、解读材料同步组织、同步审签、同步部署): a document
  without a 政策解读 notice published within ``INTERPRETATION_DAYS`` of it is
  a warning (GK353); how many days count as 同步 is local practice.  A notice
  that names the document it interprets must be in the 政策解读 栏目 (GK354);
  its target must exist and be a regulation (GK203, validate.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record

__all__ = ["INTERPRETATION_DAYS", "check", "check_interpretations"]

# 同步 (国办发〔2016〕80号) read as: the 解读 on the same day or within this many days after (local practice)
INTERPRETATION_DAYS = 5


def check(rec: Record) -> list[Problem]:
    """The rules of one regulation, or of one notice's ``interprets``."""
    if rec.type == "notice":
        return _check_notice(rec)
    out: list[Problem] = []
    d = rec.data
    start, until, status = d["valid_from"], d.get("valid_until"), d["validity"]
    if until is not None and until < start:
        out.append(
            Problem(
                rec.loc("valid_until"),
                "GK112",
                "有效期截止日期早于施行日期",
                "valid_until",
                until.isoformat(),
                f"不早于施行日期 {start.isoformat()}",
            )
        )
    for state, key, what in (("repealed", "repealed_by", "废止"), ("amended", "amended_by", "修改")):
        if status == state and not d.get(key) and not d.get("validity_reason"):
            out.append(
                Problem(
                    rec.loc("validity"),
                    "GK351",
                    f"文件已{what}，但没有写明由哪个文件{what}，也没有写明原因",
                    "validity",
                    status,
                    f"{key}: {what}它的规范性文件编号，或 validity_reason: {what}的原因和依据",
                )
            )
        if d.get(key) and status != state:
            out.append(
                Problem(
                    rec.loc(key),
                    "GK351",
                    f"写了 {key}，但有效性不是“已{what}”",
                    key,
                    d[key],
                    f"validity: {state}（已{what}），或删除 {key}",
                )
            )
    if status == "expired" and until is None and not d.get("validity_reason"):
        out.append(
            Problem(
                rec.loc("validity"),
                "GK351",
                "文件已失效，但没有写明有效期截止日期或失效原因",
                "validity",
                status,
                "valid_until: 有效期截止日期，或 validity_reason: 失效的原因",
            )
        )
    return out


def _check_notice(rec: Record) -> list[Problem]:
    target = rec.data.get("interprets")
    if target and rec.data["category"] != "政策解读":
        return [
            Problem(
                rec.loc("interprets"),
                "GK354",
                f"只有“政策解读”栏目的通知公告才能写 interprets，这条是“{rec.data['category']}”",
                "interprets",
                target,
                "category: 政策解读，或删除 interprets",
            )
        ]
    return []


def check_interpretations(records: tuple[Record, ...], today: date) -> list[Problem]:
    """Across records: each regulation's 解读 (GK353), and 有效性 on ``today`` (GK352)."""
    out: list[Problem] = []
    readings: dict[str, list[Record]] = {}
    for r in records:
        if r.type == "notice" and r.data.get("interprets") and not r.draft and r.date <= today:
            readings.setdefault(r.data["interprets"], []).append(r)
    for rec in records:
        if rec.type != "regulation" or rec.draft or rec.date > today:
            continue
        d = rec.data
        until = d.get("valid_until")
        if d["validity"] == "valid" and until is not None and until < today:
            out.append(
                Problem(
                    rec.loc("validity"),
                    "GK352",
                    f"文件的有效期已于 {until.isoformat()} 届满，有效性仍写着“有效”",
                    "validity",
                    "valid",
                    "validity: expired（已失效）；已延续的写新的 valid_until；被新文件替代的写 repealed 和 repealed_by",
                    Severity.WARNING,
                )
            )
        due = rec.date + timedelta(days=INTERPRETATION_DAYS)
        if today <= due or rec.disclosure != "proactive":
            continue
        dates = sorted(r.date for r in readings.get(rec.id, ()))
        if dates and dates[0] <= due:
            continue
        late = f"解读在 {dates[0].isoformat()} 才发布，" if dates else "没有政策解读，"
        out.append(
            Problem(
                rec.loc(""),
                "GK353",
                f"规范性文件{late}应与文件同步发布（{INTERPRETATION_DAYS} 日内）",
                "interprets",
                rec.id,
                f"在 notices/ 中发布一条 category: 政策解读、interprets: {rec.id} 的解读，发布日期不晚于 {due.isoformat()}",
                Severity.WARNING,
            )
        )
    return out
