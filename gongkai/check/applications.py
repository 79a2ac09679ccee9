"""Checks the annual report's data in content/applications/ (依申请公开
counts) against itself and the year before."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from gongkai.check.register import check_register, register_counts
from gongkai.check.rules.deadlines import WorkCalendar
from gongkai.check.validate import Validated
from gongkai.core.config import parse_holidays
from gongkai.core.errors import Loc, Problem, Severity
from gongkai.core.model import Site
from gongkai.read.applications import COLUMNS, FOLDER, AnnualData, _apps, _files, _parse_file, _row
from gongkai.read.register import REGISTER, Register, read_holidays, read_register


def _rules(data: AnnualData, stem: str, previous: AnnualData | None, publishers: Mapping[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    if str(data.year) != stem:
        problems.append(
            Problem(
                data.loc("year"),
                "GK702",
                f"文件名是 {stem}，但 year 写的是 {data.year}",
                "year",
                str(data.year),
                f"文件名与年度一致，如 {data.year}.yaml",
            )
        )
    received, carried, forward = data.apps("received"), data.apps("carried_over"), data.apps("carried_forward")
    total = data.results_total()
    for key, label in COLUMNS:
        left = received[key] + carried[key]
        right = total[key] + forward[key]
        if left != right:
            problems.append(
                Problem(
                    data.loc("applications.carried_forward"),
                    "GK701",
                    f"{label}：本年新收 {received[key]} + 上年结转 {carried[key]} = {left}，"
                    f"而办理结果总计 {total[key]} + 结转下年度 {forward[key]} = {right}，两者应相等",
                    "applications",
                    hint="核对各项办理结果和结转下年度的件数",
                )
            )
    stated = data.values.get("applications", {}).get("results", {}).get("total")
    if stated is not None:
        given = _row(stated)
        for key, label in COLUMNS:
            if given[key] != total[key]:
                problems.append(
                    Problem(
                        data.loc("applications.results.total"),
                        "GK704",
                        f"{label}：写的总计是 {given[key]}，各项办理结果相加是 {total[key]}",
                        "applications.results.total",
                        str(given[key]),
                        str(total[key]),
                    )
                )
    if previous is not None and "carried_over" in _apps(data):
        before = previous.apps("carried_forward")
        for key, label in COLUMNS:
            if carried[key] != before[key]:
                problems.append(
                    Problem(
                        data.loc("applications.carried_over"),
                        "GK703",
                        f"{label}：上年结转写的是 {carried[key]}，{previous.source} 中结转下年度是 {before[key]}",
                        "applications.carried_over",
                        str(carried[key]),
                        str(before[key]),
                        Severity.WARNING,
                    )
                )
    pub = data.values.get("publisher")
    if pub is not None and pub not in publishers and pub not in publishers.values():
        problems.append(
            Problem(
                data.loc("publisher"),
                "GK202",
                f"未知的公开主体“{pub}”",
                "publisher",
                pub,
                "site.yaml 中 publishers 的键之一：" + "、".join(publishers),
            )
        )
    return problems


def load_applications(root: Path, publishers: Mapping[str, str]) -> tuple[dict[int, AnnualData], list[Problem]]:
    """Every content/applications/*.yaml, parsed and checked; by year.  A
    year the register (register/YEAR.yaml) covers has its 依申请 counts from
    the register; counts typed as well must agree with it (GK725)."""
    by_year, problems, _ = _load(root, publishers)
    return by_year, problems


def _load(root: Path, publishers: Mapping[str, str]) -> tuple[dict[int, AnnualData], list[Problem], Register]:
    """load_applications, and the register it read."""
    register, problems = read_register(root)
    parsed: list[tuple[str, AnnualData]] = []
    for p in _files(root):
        rel = f"{FOLDER}/{p.name}"
        if not re.fullmatch(r"\d{4}", p.stem):
            problems.append(
                Problem(
                    Loc(rel),
                    "GK702",
                    "依申请公开数据文件应以年份命名",
                    hint="如 content/applications/2015.yaml",
                )
            )
            continue
        data, ps = _parse_file(p, rel)
        problems.extend(ps)
        if data is not None:
            parsed.append((p.stem, data))
    by_year = {int(stem): d for stem, d in parsed}
    for year in sorted(register.years & set(by_year)):
        by_year[year], ps = with_register(by_year[year], register, year)
        problems.extend(ps)
    parsed = [(stem, by_year[int(stem)]) for stem, _ in parsed]
    for stem, d in parsed:
        problems.extend(_rules(d, stem, by_year.get(int(stem) - 1), publishers))
    return by_year, problems, register


def _normative_issued(site: Site, by_year: Mapping[int, AnnualData]) -> list[Problem]:
    """GK705 (warning): part 二's 行政规范性文件 本年制发, typed by hand, against the agency's 规范性文件
    records of that year on the site.  Only for a year that has ended: during the year the count grows."""
    out: list[Problem] = []
    for year, data in sorted(by_year.items()):
        row = (data.values.get("proactive") or {}).get("normative_documents") or {}
        if year >= site.today.year or "issued" not in row:
            continue
        on_site = [
            r
            for r in site.records
            if r.type == "regulation" and r.date.year == year and r.is_public and site.config.is_agency(r.publisher)
        ]
        if int(row["issued"]) != len(on_site):
            shown = "、".join(r.doc_no or r.title for r in on_site[:3])
            out.append(
                Problem(
                    data.loc("proactive.normative_documents.issued"),
                    "GK705",
                    f"{year}年本年制发的行政规范性文件写的是 {row['issued']} 件，本网站{year}年发布的规范性文件有"
                    f" {len(on_site)} 件" + (f"（{shown}{' 等' if len(on_site) > 3 else ''}）" if on_site else ""),
                    "proactive.normative_documents.issued",
                    str(row["issued"]),
                    f"{len(on_site)}；网站上缺了的文件请补到 regulations/（条例第二十条第（一）项：行政规范性文件应当主动公开）",
                    severity=Severity.WARNING,
                )
            )
    return out


def check_applications(root: Path, checked: Validated) -> Validated:
    """``checked`` with the problems of content/applications/ added: the
    annual data, and the register's time limits on the build's date."""
    publishers = checked.site.config.publishers if checked.site is not None else {}
    by_year, problems, register = _load(root, publishers)  # the register is read once
    if checked.site is not None:
        problems.extend(_normative_issued(checked.site, by_year))
        extra, _ = parse_holidays(read_holidays(root)[0])  # validate() reports holidays.yaml's problems
        problems.extend(check_register(register.applications, checked.site.today, WorkCalendar(extra)))
    return Validated(checked.site, (*checked.problems, *problems), checked.public)


def with_register(data: AnnualData, register: Register, year: int) -> tuple[AnnualData, list[Problem]]:
    """``data`` with its 依申请 counts from the register, or the differences
    between the counts typed in it and the register's."""
    counts = register_counts(register.applications, year)
    if "applications" not in data.values:
        return replace(data, values={**data.values, "applications": counts}), []
    counted = replace(data, values={**data.values, "applications": counts})
    problems: list[Problem] = []
    cells = [("received", "本年新收"), ("carried_over", "上年结转"), ("carried_forward", "结转下年度")]
    pairs = [(f"applications.{k}", label, data.apps(k), counted.apps(k)) for k, label in cells]
    for (key, label, subs), (_, _, csubs) in zip(data.results(), counted.results(), strict=True):
        for (sub, sub_label, typed), (_, _, got) in zip(subs, csubs, strict=True):
            path = f"applications.results.{key}" + (f".{sub}" if sub else "")
            pairs.append((path, sub_label if sub else label, typed, got))
    for path, label, typed, got in pairs:
        for col, col_label in COLUMNS:
            if typed[col] != got[col]:
                problems.append(
                    Problem(
                        data.loc(path),
                        "GK725",
                        f"{label}（{col_label}）写的是 {typed[col]} 件，登记簿 {REGISTER}/{year}.yaml 统计是 {got[col]} 件",
                        path,
                        str(typed[col]),
                        f"{got[col]}；有登记簿的年份可以删去 applications: 这一部分，由 gongkai 从登记簿统计",
                    )
                )
    return data, problems
