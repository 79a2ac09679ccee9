"""Where a roster's names may appear, and for how long: the ``names`` rule.

Three choices (docs/names.md):

- ``board`` 只在公开栏: the printed sheet (``gongkai print``, written outside
  the published tree) and the board archive hold the names; the site, its
  search and its data never do, not even during the 公示期: totals and
  counts only.
- ``notice`` 公开栏和网站（公示期内）: the default; the names are on the site
  until ``notice.end`` + ``grace_days`` (site.yaml ``names_grace_days``).
- ``always`` 一直公开: where a law or a document of a higher authority
  requires it; ``reason`` must name it (a title in 《》), so that it is a
  deliberate choice.

The rule is written per record (the record's ``names:``), per record type and
sub-kind in site.yaml (``names: {subsidy: …, subsidy.relief: …}``); the most
specific one wins.  Plain values, no files: config.py and the schema parse
with these kinds; plan/names.py applies the resolved rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.schema.kinds import BAD, Ctx, Enum, Field, Int, Struct, Text
from gongkai.core.tree import RMap, RNode, RScalar

__all__ = ["NAMES", "WHERE", "NamesRule", "NamesStruct", "check_names", "resolve_names"]

WHERE = {"board": "只在公开栏", "notice": "公开栏和网站（公示期内）", "always": "一直公开"}
# shorter ways a clerk writes the same
_WHERE_ALIASES = {"公开栏": "board", "公开栏和网站": "notice", "公示期内": "notice", "公示期": "notice"}
# a basis is a law, a regulation or a document: its title in 《》
_TITLE = re.compile(r"《[^《》]{2,}》")


@dataclass(frozen=True)
class WhereEnum(Enum):
    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        if isinstance(node, RScalar):
            t = node.text.strip().replace("(", "（").replace(")", "）")
            if t in _WHERE_ALIASES:
                return _WHERE_ALIASES[t]
            if t in WHERE.values():
                return next(k for k, v in WHERE.items() if v == t)
        return super().parse(node, ctx, path)


def check_names(v: dict[str, Any], node: RMap, ctx: Ctx, path: str) -> None:
    """A ``names`` rule that contradicts itself: ``always`` without a basis
    (GK407), grace days where there is no 公示期 rule to extend (GK408)."""
    where = v["where"]
    loc = node.key_locs.get("where", node.loc)
    if where == "always":
        reason = v.get("reason", "")
        if not _TITLE.search(reason):
            ctx.error(
                node.key_locs.get("reason", loc),
                "GK407",
                "名单“一直公开”必须写明依据：哪一部法律、法规或上级文件要求名单长期公开"
                + ("（reason 中没有用书名号《》写出文件名称）" if reason else "（缺少 reason）"),
                f"{path}.reason" if path else "reason",
                reason,
                "reason: 《某某省农村低收入人口常态化帮扶办法》第二十条要求长期公开",
            )
    if "grace_days" in v and where != "notice":
        ctx.error(
            node.key_locs["grace_days"],
            "GK408",
            f"宽限天数只用于“{WHERE['notice']}”：{WHERE[where]}的名单"
            + ("从不上网站" if where == "board" else "一直在网站上")
            + "，没有撤下的日子",
            f"{path}.grace_days" if path else "grace_days",
            str(v["grace_days"]),
            "删除 grace_days，或写 where: notice",
        )


_FIELDS = {
    "where": Field(WhereEnum(WHERE, "名单公开范围"), True, "公开范围"),
    "grace_days": Field(Int("名单宽限天数", 0, 3650), False, "公示期结束后在网站上再保留的天数（只用于 notice）"),
    "reason": Field(Text("一直公开的依据", 500), False, "依据（一直公开时必填，写明《》文件名称和条款）"),
}


@dataclass(frozen=True)
class NamesStruct(Struct):
    """``names: board`` or ``names: {where: always, reason: …}``."""

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        if isinstance(node, RScalar):
            where = self.fields["where"].kind.parse(node, ctx, path)
            if where is BAD:
                return BAD
            value = {"where": where}
            n_before = len(ctx.problems)
            check_names(value, RMap({}, {}, node.loc), ctx, path)
            return BAD if len(ctx.problems) > n_before else value
        return super().parse(node, ctx, path)


NAMES = NamesStruct(_FIELDS, "名单公开范围", check_names)


@dataclass(frozen=True)
class NamesRule:
    """The rule a record's names follow, resolved."""

    where: str = "notice"  # a key of WHERE
    grace: int = 30  # days after notice.end (only for "notice")
    reason: str = ""  # the basis of "always"
    source: str = "default"  # "record", "site.yaml names.<key>" or "default"


def resolve_names(
    own: Mapping[str, Any] | None,
    table: Mapping[str, Mapping[str, Any]],
    rtype: str,
    kind: str,
    grace: int,
) -> NamesRule:
    """The rule of a record of type ``rtype`` (sub-kind ``kind``) whose own
    ``names`` is ``own``: the record's own, else site.yaml's ``type.kind``,
    else ``type``, else ``notice`` with ``grace`` (``names_grace_days``).
    Grace days are taken from the first of these that gives them."""
    chain = [("record", own)] if own else []
    chain += [(f"site.yaml names.{k}", table[k]) for k in (f"{rtype}.{kind}", rtype) if k in table]
    if not chain:
        return NamesRule("notice", grace)
    source, first = chain[0]
    days = next((r["grace_days"] for _, r in chain if "grace_days" in r), grace)
    return NamesRule(first["where"], days, first.get("reason", ""), source)
