"""list: fee items carry their standard."""

from __future__ import annotations

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.model import Record

__all__ = ["check"]


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    out: list[Problem] = []
    if rec.data["kind"] != "fee":
        return out
    for i, item in enumerate(rec.data["items"], start=1):
        if not item.get("standard"):
            out.append(
                Problem(
                    rec.loc(f"items[{i}]"),
                    "GK341",
                    f"收费事项“{item['name']}”没有写收费标准",
                    f"items[{i}].standard",
                    hint="standard: 收费标准，如 每件 10 元",
                )
            )
    return out
