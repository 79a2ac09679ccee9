"""Record pages that print as their notice sheet (公示单).

A sheet whose type has no layout of its own (``print/notice.html`` and
``print/page.html`` are empty: the sheet is the head, the record's text and
the closing block) is not made as a second page of the site: the record page
carries the sheet's head and closing block, hidden on screen, and
``static/record-print.css`` (``media="print"``) prints the page as that sheet
(A4, the type sizes of ``sheet_layout.METRICS["A4"]``).  Sheets with their own
layout (rosters, budgets, funds, tables of facts) keep their page at
``print/<id>/``.  ``gongkai print ID`` and the archive still make the sheet
page itself for any record (plan/sheets.py, commands/archive.py).

Pure: no files, no clock.  Imported by plan/pages.py and plan/sheets.py, so it
imports neither.
"""

from __future__ import annotations

from typing import Any

from gongkai.core.chain import posting_code
from gongkai.core.model import Record, Site

FOLDED_TYPES = frozenset({"notice", "page"})  # print/<type>.html is empty: the sheet is a flowing text


def folded(record: Record) -> bool:
    """Does ``record``'s page print as its sheet (no sheet page on the site)?"""
    return record.type in FOLDED_TYPES


def record_link(site: Site, record: Record) -> str:
    """The full address of the record's page, or "" without ``base_url``."""
    base = site.config.base_url.strip()
    if not base:
        return ""
    return base.rstrip("/") + "/" + record.url


def qr_url(record: Record) -> str:
    """Where the record's QR code is written (beside its sheet, as always)."""
    return f"print/{record.id}/qr.svg"


def print_context(link: str, record: Record) -> dict[str, Any]:
    """What a folded record page adds to print as the sheet: the 核验码 and
    the QR code (only with ``base_url``, as on the sheet)."""
    return {
        "print_sheet": True,
        "code": posting_code(record),  # 核验码: the same as on the sheet page and in the archive
        "qr_link": link.split("://", 1)[-1],
        "qr_site_url": qr_url(record) if link else "",
    }
