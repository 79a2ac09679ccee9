"""``gongkai import``: a spreadsheet roster (xlsx, CSV, text) → YAML
``recipients:`` rows, checked for personal data as in a build."""

from __future__ import annotations

from pathlib import Path

from gongkai.check.pii import masked_id_problems, scan_pii
from gongkai.core.errors import Loc, Problem
from gongkai.read.roster import read_roster
from gongkai.read.roster_yaml import roster_to_yaml

__all__ = ["import_roster"]


def import_roster(path: Path) -> tuple[str | None, list[Problem]]:
    """A spreadsheet roster → YAML ``recipients:`` rows for ``gongkai import``.

    Personal data are checked as in a build: full ID numbers, bank cards and
    phone numbers are refused, so the YAML never carries them."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(Loc(path.name), "GK205", f"名单文件无法读取：{exc.strerror}")]
    roster, problems = read_roster(data, path.name, path.name)
    if roster is not None:
        problems = [
            *problems,
            *masked_id_problems(roster.rows, "recipients"),
            *scan_pii(roster.rows, path="recipients"),
        ]
    if roster is None or any(p.is_error for p in problems):
        return None, problems
    return roster_to_yaml(roster), problems
