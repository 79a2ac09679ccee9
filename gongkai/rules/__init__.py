"""Domain rules, one module per record type (see README.md in this folder)."""

from __future__ import annotations

from collections.abc import Callable

from ..config import SiteConfig
from ..errors import Problem
from ..model import Record, Site
from . import budget, common, decision, fund, lists, subsidy

__all__ = ["check_record", "check_site"]

_BY_TYPE: dict[str, Callable[[Record, SiteConfig], list[Problem]]] = {
    "budget": budget.check,
    "subsidy": subsidy.check,
    "fund": fund.check,
    "decision": decision.check,
    "list": lists.check,
}


def check_record(rec: Record, config: SiteConfig) -> list[Problem]:
    """Every rule that needs only this record."""
    out = common.check(rec, config)
    rule = _BY_TYPE.get(rec.type)
    if rule is not None:
        out.extend(rule(rec, config))
    return out


def check_site(site: Site, records: tuple[Record, ...]) -> list[Problem]:
    """Rules across records (decision chains)."""
    return decision.check_chains(records, site.config)
