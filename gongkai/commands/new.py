"""``gongkai new``: a new township site that builds at once.

Its examples are dated around the day it is made, so that the new site,
built that day, shows what a clerk's site will: a roster and a fund notice
in their 公示期 (正在公示, with the days left), a decision open for comment,
a budget and a list already published.  The examples are stored with 2025
dates (``scaffold_site/``); each of those dates has its place relative to
"today" in ``_OFFSETS``, and a year written alone (titles, 文号, fiscal
year, file names) becomes the year of its file's ``date``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from gongkai.core.errors import OutputError

__all__ = ["create_site"]

SCAFFOLD = Path(__file__).resolve().parent / "scaffold_site"
_YEAR = "2025"  # the year the examples are written in

# Each date of the examples → days from today.  Chosen so that every
# example passes the checks on the day the site is made: notice periods of
# at least the minimum (7 days for a roster, 10 for a fund), a 30-day
# consultation, a fund published within 15 working days of its allocation.
_OFFSETS = {
    "2025-01-01": -90,  # the guide
    "2025-01-10": -28,  # the power list (within a month: after 31 January no example is of last year, GK605)
    "2025-02-05": -25,  # the budget approved
    "2025-02-20": -20,  # ... and published
    "2025-03-18": -3,  # a notice
    "2025-03-25": -10,  # the fund allocated
    "2025-04-08": -1,  # ... published, its notice from today-1
    "2025-04-18": 9,  # ... to today+9
    "2025-04-15": 5,  # its project starts
    "2025-09-30": 150,  # ... and ends
    "2025-05-10": -2,  # the roster published, its notice from today-2
    "2025-05-17": 5,  # ... to today+5
    "2025-03-05": -60,  # a 代表建议 assigned
    "2025-04-28": -3,  # ... answered within three months
    "2025-04-30": -1,  # ... and the answer published
    "2025-07-20": -2,  # the relief goods roster published, its notice from today-2
    "2025-07-30": 8,  # ... to today+8 (10 days)
    "2025-06-01": -5,  # the decision's draft, open for comment
    "2025-07-01": 25,  # ... for 30 days
    "2025-02-12": -40,  # an application received
    "2025-02-26": -30,  # ... answered within 20 working days
    "2025-04-16": -3,  # an application still open, its limit weeks away
    "2025-04-14": 1830,  # a lease of collective assets, a land transfer: five years from its start
    "2025-08-01": -30,  # the 宅基地 applications made public in their 村民小组
    "2025-08-08": -23,  # ... for a week
    "2025-08-20": -12,  # ... approved by the 镇
    "2025-08-25": -2,  # ... the result published, its notice from today-2
    "2025-09-01": 5,  # ... to today+5
}
_DATE_OR_YEAR = re.compile(r"2025-\d\d-\d\d|2025")
_MAIN_DATE = re.compile(r"(?m)^date:\s*(2025-\d\d-\d\d)")


def create_site(directory: Path, today: date | None = None) -> list[Path]:
    """Copy the example site into ``directory`` (which must be new or empty),
    its examples dated around ``today`` (default: the system date)."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise OutputError(f"目录 {directory} 已存在且不是空的；为免覆盖已有文件，请换一个新目录名")
    today = today or date.today()
    created: list[Path] = []
    for src in sorted(SCAFFOLD.rglob("*")):
        if not src.is_file() or "__pycache__" in src.parts:
            continue
        rel = src.relative_to(SCAFFOLD)
        data = src.read_bytes()
        year = _YEAR
        if src.suffix in (".yaml", ".md") and rel.parts[0] == "content":
            text = data.decode("utf-8")
            main = _MAIN_DATE.search(text)
            year = str(_moved(main.group(1), today).year) if main else str(today.year)
            data = _DATE_OR_YEAR.sub(partial(_redate, today, year), text).encode("utf-8")
        dst = directory / rel.parent / rel.name.replace(_YEAR, year)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        created.append(dst)
    return created


def _redate(today: date, year: str, m: re.Match[str]) -> str:
    """A date of the examples moved to its place around today; a year alone, its file's year."""
    return _moved(m.group(0), today).isoformat() if "-" in m.group(0) else year


def _moved(text: str, today: date) -> date:
    return today + timedelta(days=_OFFSETS[text])
