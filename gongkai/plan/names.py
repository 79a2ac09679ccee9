"""Names with a lifetime: where a roster's names appear, and until when.

个人信息保护法 §6 (minimum necessary) and §19 (kept no longer than the purpose
needs): a subsidy roster is published so that people can object during its
公示期.  Each record follows a names rule (core/schema/names.py: its own
``names:``, else site.yaml's ``names`` for its type and sub-kind):

- ``notice`` (the default): after ``notice.end`` plus a grace
  (``names_grace_days``, default 30, or the rule's ``grace_days``) the site
  shows the roster's totals and counts only;
- ``board``: the site never shows the names, only totals and counts; the
  sheet is printed for the board outside the published tree
  (commands/board.py) and the archive's frozen sheet, PDF and photos are
  not published (``Posting.board_only``);
- ``always``: the names stay, and the page says on what basis.

The frozen sheet in the archive (content/archive/) keeps what was posted, as
posted.  ``withdraw_names(site)`` is a plain function of the site and its
``today``: the record itself changes (rows removed, ``names_until`` or
``names_board`` and the per-village counts added), so every output that reads
the record changes with it; the rule comes from the record's file and
site.yaml, both in every output key (run/engine/keys.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from gongkai.check.rules.goods import item_totals
from gongkai.core.model import Posting, Record, Site
from gongkai.core.schema.names import NamesRule, resolve_names

__all__ = ["NAMES_GRACE_DAYS", "PERSON", "named", "names_rule", "names_shown", "names_until", "withdraw_names"]

NAMES_GRACE_DAYS = 30  # default of site.yaml's names_grace_days: days after notice.end the names stay online
PERSON = "（个人）"  # what stands for a person's name once it is off the site
# records naming persons outside a roster: the field of a party that may be a person (PARTY,
# core/schema/asset.py) and the list of persons, per type
_PARTIES = {"asset": ("counterparty", ""), "landtransfer": ("transferee", "households")}


def named(rec: Record) -> bool:
    """Whether ``rec`` names private persons: a roster, or a party or list of persons."""
    if "recipients" in rec.data:
        return True
    party, persons = _PARTIES.get(rec.type, ("", ""))
    return bool(party) and (rec.data[party]["kind"] == "person" or bool(persons and rec.data.get(persons)))


def names_rule(site: Site, rec: Record) -> NamesRule:
    """The rule ``rec``'s names follow on ``site``."""
    cfg = site.config
    return resolve_names(rec.data.get("names"), cfg.names, rec.type, rec.data.get("kind", ""), cfg.names_grace_days)


def names_until(rec: Record, grace: int = NAMES_GRACE_DAYS) -> date | None:
    """The last day the record's names may be on the site under ``notice``,
    or None when it has no names or no 公示期 (then the names follow the record)."""
    if not named(rec) or not rec.notice or not rec.notice.get("end"):
        return None
    return rec.notice["end"] + timedelta(days=grace)


def names_shown(rec: Record, today: date, grace: int = NAMES_GRACE_DAYS) -> bool:
    until = names_until(rec, grace)
    return until is None or today <= until


def withdraw_names(site: Site, grace: int | None = None, memo: dict[int, Any] | None = None) -> Site:
    """``site`` with the rows of every roster whose names may not be on the
    site on ``site.today`` removed (totals stay), the basis of rosters that
    are always public added, and the archived sheets of board-only rosters
    kept off the site.  ``grace``: overrides every rule's grace days (tests).
    ``memo`` (the preview server's, run/engine/memo.py): what the last call
    made of each record; the very same record under an equal rule on the
    same day gives the very same record again."""
    rules = {r.id: names_rule(site, r) for r in site.records if named(r)}
    if grace is not None:
        rules = {k: replace(v, grace=grace) for k, v in rules.items()}
    if memo is not None:
        records = _remembered(site, rules, memo)
    else:
        records = tuple(_withdrawn(r, rules[r.id], site.today) if r.id in rules else r for r in site.records)
    postings = tuple(_posting(p, rules) for p in site.postings)
    if all(a is b for a, b in zip(records, site.records, strict=True)) and postings == site.postings:
        return site
    return replace(site, records=records, postings=postings)


def _remembered(site: Site, rules: dict[str, NamesRule], memo: dict[int, Any]) -> tuple[Record, ...]:
    today, last, out = site.today, dict(memo), []
    memo.clear()
    for r in site.records:
        rule = rules.get(r.id)
        if rule is None:
            out.append(r)
            continue
        hit = last.get(id(r))
        if hit is None or hit[0] is not r or hit[1] != rule or hit[2] != today:
            hit = (r, rule, today, _withdrawn(r, rule, today))
        memo[id(r)] = hit
        out.append(hit[3])
    return tuple(out)


def _posting(p: Posting, rules: dict[str, NamesRule]) -> Posting:
    rule = rules.get(p.record_id)
    return replace(p, board_only=True) if rule is not None and rule.where == "board" else p


def roster_measure(rtype: str) -> str:
    """What a roster's village totals add up: a 宅基地 batch counts m², a roster money."""
    return "area" if rtype == "homestead" else "amount"


def village_totals(rows: Iterable[Mapping[str, Any]], measure: str = "amount") -> tuple[dict[str, Any], ...]:
    """Households and ``measure`` of each village of a roster, in order of first
    appearance: what the site shows once the names are withdrawn."""
    villages: dict[str, dict[str, Any]] = {}
    for row in rows:
        v = villages.setdefault(row["village"], {"village": row["village"], "households": 0, measure: 0})
        v["households"] += 1
        v[measure] += row[measure]
    return tuple(villages.values())


def _withdrawn(rec: Record, rule: NamesRule, today: date) -> Record:
    if rule.where == "always":
        return _with_data(rec, {**rec.data, "names_basis": rule.reason})
    if rule.where == "notice" and names_shown(rec, today, rule.grace):
        return rec
    data = _roster_withdrawn(rec) if "recipients" in rec.data else _parties_withdrawn(rec)
    if rule.where == "board":
        data["names_board"] = True
    else:
        data["names_until"] = names_until(rec, rule.grace)
    return _with_data(rec, data)


def _with_data(rec: Record, data: dict[str, Any]) -> Record:
    """``dataclasses.replace(rec, data=data)``, 8x faster (every edit withdraws
    the names of thousands of rosters at 10,000 records): a Record is made of
    its fields alone, with no ``__post_init__`` to run again
    (tests/test_names.py checks both)."""
    new = object.__new__(type(rec))
    fields = new.__dict__
    fields.update(rec.__dict__)
    fields["data"] = data
    return new


def _parties_withdrawn(rec: Record) -> dict[str, Any]:
    """A record's data without the names of persons: a person party's name
    becomes PERSON, a list of persons is emptied (its count and totals stay)."""
    party, persons = _PARTIES[rec.type]
    data = dict(rec.data)
    if data[party]["kind"] == "person":
        data[party] = {**data[party], "name": PERSON}
    if persons and data.get(persons):
        data[persons] = ()
    return data


def _roster_withdrawn(rec: Record) -> dict[str, Any]:
    rows = rec.data["recipients"]
    # the engine's lazily read rows (run/engine/store.Rows) carry these totals
    known = getattr(rows, "village_totals", None)
    totals = tuple(dict(v) for v in known) if known is not None else village_totals(rows, roster_measure(rec.type))
    data: dict[str, Any] = {**rec.data, "recipients": (), "villages": totals}
    if rec.data.get("goods"):  # in-kind relief: the per-item totals stay, computed before the rows go
        goods = tuple({"name": g["name"], "quantity": g["quantity"]} for g in item_totals(rec.data))
        data["totals"] = {**rec.data["totals"], "goods": goods}
    return data
