"""建议提案 (proposal records): the labels their page, print sheet and feed show."""

from __future__ import annotations

from typing import Any

from gongkai.core.model import Record
from gongkai.core.schema.types import PROPOSAL_KINDS, PROPOSAL_RESULTS, SATISFACTION

__all__ = ["proposal_labels", "proposal_summary"]


def proposal_labels(rec: Record) -> dict[str, Any]:
    d = rec.data
    kind = d["kind"]
    return {
        "kind": PROPOSAL_KINDS[kind],
        "who": "代表" if kind == "npc" else "委员",
        "result": PROPOSAL_RESULTS[d["result"]],
        "satisfaction": SATISFACTION.get(d.get("satisfaction", ""), ""),
        "days": (d["replied"] - d["assigned"]).days,
    }


def proposal_summary(rec: Record) -> str:
    """A line for feeds and lists: number, who, result."""
    d = rec.data
    lab = proposal_labels(rec)
    return f"{lab['kind']} {d['number']}（{d['proposer']}{lab['who']}），办理结果：{lab['result']}。"
