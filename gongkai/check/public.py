"""The numbers a site publishes on purpose: the office's contact phones
(site.yaml ``contact``), the site's allowlist (``allow_numbers``) and each
record's ``objection`` phone.  The build's last gate (emit/gate.py) lets them
through; each record's part is found when the record is checked and kept
with it in the cache (validate.CheckedFile.public), so an edit reads only its own."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gongkai.core.privacy_seen import find_pii_seen

__all__ = ["public_numbers", "record_public_numbers", "site_public_numbers"]


def public_numbers(texts: Iterable[str]) -> frozenset[str]:
    """The numbers in ``texts`` that are published on purpose: the
    office's contact phones (site.yaml ``contact``, a record's
    ``objection``) and the site's allowlist."""
    out: set[str] = set()
    # Each text once: every notice of a site repeats the office's objection
    # phone (10,000 records, ~3,500 texts, a handful distinct: 0.1 s an edit).
    for t in set(texts):
        out.update(f.digits for f in find_pii_seen(t))
    return frozenset(out)


def site_public_numbers(site: object, records: frozenset[str] | None = None) -> frozenset[str]:
    """:func:`public_numbers` of a built site (a :class:`gongkai.core.model.Site`).
    ``records``: the union of its records' :func:`record_public_numbers`
    when known (validate.Validated.public: each kept with its record in the
    cache), else read from the records here."""
    config = getattr(site, "config", None)
    texts: list[str] = [str(v) for v in vars(getattr(config, "contact", None) or object()).values()]
    texts += [number for number, _reason in getattr(config, "allow_numbers", ()) or ()]
    if records is not None:
        return public_numbers(texts) | records
    for rec in getattr(site, "records", ()):
        if rec.objection:
            texts += [str(v) for v in rec.objection.values()]
    return public_numbers(texts)


def record_public_numbers(rec: Any) -> tuple[str, ...]:
    """A record's part of :func:`site_public_numbers`: the numbers of its
    ``objection`` (the office's phone), sorted."""
    if not rec.objection:
        return ()
    return tuple(sorted(public_numbers(str(v) for v in rec.objection.values())))
