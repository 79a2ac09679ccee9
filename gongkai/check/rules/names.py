"""A roster's names written outside the roster (title, summary, body, tags).

The names rule (core/schema/names.py) takes the rows off the site after the
公示期, or keeps them off it (board only); a name written into the summary or
the body would stay: 杨晓燕 in "更正河口村一组杨晓燕户救助人数" is on every page,
feed and search result of the record for ever.  The same for the persons of
an asset or landtransfer record (person_names).  A warning, not an error: a
two-character name can be an ordinary word too.
"""

from __future__ import annotations

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record
from gongkai.core.schema.names import WHERE, resolve_names

__all__ = ["check", "person_names"]

_FIELDS = {"title": "标题", "summary": "摘要", "body": "正文", "tags": "标签"}


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    rule = resolve_names(rec.data.get("names"), config.names, rec.type, rec.data.get("kind", ""), 0)
    if rule.where == "always":
        return []
    names = {n for n in person_names(rec) if 2 <= len(n) <= 4}
    if not names:
        return []
    out: list[Problem] = []
    texts = {"title": rec.title, "summary": rec.summary, "body": rec.body, "tags": " ".join(rec.tags)}
    for key, text in texts.items():
        found = _found(text or "", names)
        if not found:
            continue
        shown = "、".join(found[:5]) + ("等" if len(found) > 5 else "")
        when = "从不在网站上显示" if rule.where == "board" else "公示期过后从网站撤下"
        out.append(
            Problem(
                rec.loc(key),
                "GK409",
                f"{_FIELDS[key]}中写有名单里的姓名“{shown}”：名单（{WHERE[rule.where]}）{when}，"
                f"{_FIELDS[key]}却一直在网站、搜索和数据下载中",
                key,
                found[0],
                "不写姓名，改写为“河口村一组一户”这样的说法",
                Severity.WARNING,
            )
        )
    return out


def person_names(rec: Record) -> set[str]:
    """The names of private persons ``rec`` lists: a roster's rows, a person who
    leases or buys collective assets (asset), the households and a person who
    takes their land (landtransfer)."""
    d = rec.data
    found = [r["name"] for r in d.get("recipients", ())] + [h["name"] for h in d.get("households", ())]
    for party in ("counterparty", "transferee"):
        if party in d and d[party]["kind"] == "person":
            found.append(d[party]["name"])
    return {n.strip() for n in found}


def _found(text: str, names: set[str]) -> list[str]:
    """The names in ``text``, in the order they first appear."""
    out: dict[str, None] = {}
    for i in range(len(text) - 1):
        for k in (2, 3, 4):
            piece = text[i : i + k]
            if piece in names:
                out[piece] = None
    return list(out)
