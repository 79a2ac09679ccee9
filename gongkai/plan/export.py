"""What every data download shares: JSON bytes, money as text, CSV that
Excel opens and cannot mistake for formulas, absolute links."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from gongkai.core.model import Site

CURRENCY = "CNY"


# Common keys a public record's JSON never carries: the build-only flag and
# the reason for non-disclosure (a public record has none).
_NOT_EXPORTED = {"draft", "withheld", "disclosure", "body", "attachments"}


def _dumps(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- values -----------------------------------------------------------------------------------


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def _url(site: Site, path: str) -> str:
    return site.config.base_url + path if site.config.base_url else ""


_FORMULA = tuple("=+-@\t\r")


_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def neutralise(text: str) -> str:
    """A CSV cell that a spreadsheet would run as a formula, made inert with a
    leading apostrophe (OWASP).  Plain numbers such as -5.00 stay numbers."""
    if text.startswith(_FORMULA) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def csv_bytes(header: list[str], rows: Iterable[list[Any]], bom: bool = True) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for row in rows:
        w.writerow([_cell(c) for c in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")
