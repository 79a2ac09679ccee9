"""The last gate: every file a build publishes is read by content (check/scan.py)
for unmasked ID, bank card and personal mobile numbers before the new site
is swapped in."""

from __future__ import annotations

import functools
from collections.abc import Callable

from gongkai.check.public import site_public_numbers
from gongkai.check.scan import gate_problems
from gongkai.core.errors import Problem
from gongkai.core.model import Site

__all__ = ["gate_for", "leak_gate"]


def leak_gate(
    rel: str,
    data: bytes,
    public: frozenset[str] = frozenset(),
    attachments: frozenset[str] = frozenset(),
    allow_unread: tuple[str, ...] = (),
) -> list[Problem]:
    """An unmasked ID, bank card or personal mobile number in ``data`` (the
    output file ``rel``) stops the build.  ``public``: numbers published on
    purpose (contact phones, the site's allowlist)."""
    return gate_problems(rel, data, public, allow_unread, attachments)


def gate_for(site: Site, records: frozenset[str] | None = None) -> Callable[[str, bytes], list[Problem]]:
    """The gate for ``site``: its public numbers and attachments known.
    ``records``: the numbers its records publish, when the checker knows
    them (check/validate.Validated.public; site_public_numbers)."""
    attachments = frozenset(f"{r.url}{a['file']}" for r in site.published for a in r.attachments)
    return functools.partial(
        leak_gate,
        public=site_public_numbers(site, records),
        attachments=attachments,
        allow_unread=tuple(getattr(site.config, "allow_unread", ())),
    )
