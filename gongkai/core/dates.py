"""Dates as clerks write them, read without the schema.

The schema's date kind (core/schema/kinds.py) and the command line's date
options (``--today``, ``--date``) read dates by this one function; it lives
apart from the schema so that a command with nothing to build does not
import every record type to read its ``--today``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

__all__ = ["parse_date_text"]

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_date_text(text: str) -> date | None:
    """``2015-05-10``, ``2015/5/10``, ``2015年5月10日`` (full-width digits too)
    → date; None when it is not a real date."""
    m = _DATE.match(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
