"""Checks the annual report's data in content/applications/ (依申请公开
counts) against itself and the year before."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from gongkai.check.validate import Validated
from gongkai.core.errors import Loc, Problem, Severity
from gongkai.read.applications import COLUMNS, FOLDER, AnnualData, _apps, _files, _parse_file, _row


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
    """Every content/applications/*.yaml, parsed and checked; by year."""
    problems: list[Problem] = []
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
    for stem, d in parsed:
        problems.extend(_rules(d, stem, by_year.get(int(stem) - 1), publishers))
    return by_year, problems


def check_applications(root: Path, checked: Validated) -> Validated:
    """``checked`` with the problems of content/applications/ added."""
    publishers = checked.site.config.publishers if checked.site is not None else {}
    _, problems = load_applications(root, publishers)
    return Validated(checked.site, (*checked.problems, *problems))
