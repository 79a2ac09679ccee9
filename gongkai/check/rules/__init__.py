"""Domain rules, one module per record type (see README.md in this folder)."""

from __future__ import annotations

from collections.abc import Mapping

from gongkai.check.rules import (
    asset,
    budget,
    budget143,
    common,
    decision,
    fund,
    goods,
    homestead,
    institution,
    landtransfer,
    lists,
    names,
    procurement,
    proposal,
    regulation,
    subsidy,
    yishiyiyi,
)
from gongkai.check.rules.report_due import check_report_due
from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.model import Record, Site
from gongkai.core.tree import RMap

__all__ = ["check_record", "check_site"]


def check_record(
    rec: Record,
    config: SiteConfig,
    id_keys: Mapping[str, str] | None = None,
    total_row: RMap | None = None,
) -> list[Problem]:
    """Every rule that needs only this record.  For rosters: ``id_keys``, the
    ID numbers as the clerk masked them (see schema.kinds.Ctx), and
    ``total_row``, the 合计 row of a spreadsheet roster."""
    out = common.check(rec, config)
    if rec.type == "budget":
        out.extend(budget.check(rec, config))
        out.extend(budget143.check(rec))
    elif rec.type == "subsidy":
        out.extend(subsidy.check(rec, config, id_keys, total_row))
        out.extend(goods.check(rec, total_row))
        out.extend(names.check(rec, config))
    elif rec.type == "fund":
        out.extend(fund.check(rec, config))
    elif rec.type == "decision":
        out.extend(decision.check(rec, config))
    elif rec.type == "list":
        out.extend(lists.check(rec, config))
    elif rec.type == "proposal":
        out.extend(proposal.check(rec))
    elif rec.type in ("regulation", "notice"):
        out.extend(regulation.check(rec))
    elif rec.type == "yishiyiyi":
        out.extend(yishiyiyi.check(rec, config))
    elif rec.type == "procurement":
        out.extend(procurement.check(rec))
    elif rec.type == "asset":
        out.extend(asset.check(rec, config))
        out.extend(names.check(rec, config))
    elif rec.type == "landtransfer":
        out.extend(landtransfer.check(rec))
        out.extend(names.check(rec, config))
    elif rec.type == "homestead":
        out.extend(homestead.check(rec, config))
        out.extend(names.check(rec, config))
    elif rec.type == "institution":
        out.extend(institution.check(rec))
    return out


def check_site(site: Site, records: tuple[Record, ...]) -> list[Problem]:
    """Rules across records (decision chains, 解读 of regulations, last year's annual report)."""
    return [
        *decision.check_chains(records, site.config),
        *regulation.check_interpretations(records, site.today),
        *check_report_due(
            records, site.today, site.config.annual_report_due, "content/site.yaml", site.config.is_agency
        ),
        *homestead.check_households(records),
        *institution.check_departed(records, site.today),
    ]
