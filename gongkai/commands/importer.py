"""``gongkai import``: a spreadsheet roster (xlsx, CSV, text) → YAML
``recipients:`` rows, checked for personal data as in a build."""

from __future__ import annotations

from pathlib import Path

from gongkai.check.pii import masked_id_problems, scan_pii
from gongkai.core.errors import Loc, Problem
from gongkai.read.roster import read_roster
from gongkai.read.roster_yaml import roster_to_yaml

__all__ = ["import_roster"]


def import_roster(path: Path, goods: tuple[tuple[str, str], ...] = ()) -> tuple[str | None, list[Problem]]:
    """A spreadsheet roster → YAML ``recipients:`` rows for ``gongkai import``.

    ``goods``: the 救灾物资 the record declares, as (name, unit): their columns
    become each row's ``items``, as in a build (read/roster_goods.py).
    Personal data are checked as in a build: full ID numbers, bank cards and
    phone numbers are refused, so the YAML never carries them."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(Loc(path.name), "GK205", f"名单文件无法读取：{exc.strerror}")]
    roster, problems = read_roster(data, path.name, path.name, goods)
    if roster is not None:
        problems = [
            *problems,
            *masked_id_problems(roster.rows, "recipients"),
            *scan_pii(roster.rows, path="recipients"),
        ]
    if roster is None or any(p.is_error for p in problems):
        return None, problems
    text = roster_to_yaml(roster)
    if goods:  # the declaration the record needs for these items, as the clerk passed it
        declared = "\n".join(f"#   - {{name: {name}, unit: {unit}}}" for name, unit in goods)
        text = f"# 记录中须声明这些物资：\n# goods:\n{declared}\n{text}"
    return text, problems


def parse_goods(values: tuple[str, ...]) -> tuple[tuple[str, str], ...] | str:
    """``--goods 棉被:床`` options → ((name, unit), …), or the message for the
    first one that is not ``名称:单位``."""
    out: list[tuple[str, str]] = []
    for v in values:
        name, sep, unit = v.replace("：", ":").partition(":")
        name, unit = name.strip(), unit.strip()
        if not sep or not name or not unit or ":" in unit:
            return f"“{v}”应写成 名称:单位，如 --goods 棉被:床"
        if any(name == n for n, _ in out):
            return f"物资“{name}”写了两次"
        out.append((name, unit))
    return tuple(out)
