"""How numbers and dates are shown, the same on pages, sheets, data and search."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

__all__ = ["cn_date", "money", "number"]


def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{d:,.2f}"


def number(value: Any) -> str:
    """A quantity or rate as written: 5.20 stays 5.20; 105.00 stays 105.00."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def cn_date(value: date | None) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"
