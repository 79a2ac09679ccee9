"""Mask characters as clerks type them in ID numbers.

Office exports and hand-typed rosters hide the birth date with ``*``, but
also with ``×`` (the multiplication sign an input method offers for "x"),
``x``/``X`` or their full-width forms: ``320826××××××××2730``.  An ID
number's only letter is a final check digit ``X``, so any of these signs
*before* the last character can only be a mask; they become ``*`` before the
ID is checked, so the masking rules apply to what the clerk meant.
"""

from __future__ import annotations

import re

__all__ = ["star_masks"]

_MASK_SIGNS = "*＊×✕✖xXｘＸ"
_SIGNS_BEFORE_LAST = re.compile(f"[{_MASK_SIGNS}](?=.)", re.S)
_OTHER_SIGNS_BEFORE_LAST = re.compile(f"[{_MASK_SIGNS[1:]}](?=.)", re.S)  # the signs but * itself


def star_masks(value: str) -> str:
    """``value`` with every mask sign but a final one written as ``*``."""
    stripped = value.strip()
    if _OTHER_SIGNS_BEFORE_LAST.search(stripped) is None:
        return stripped  # masked with * already (the usual roster): nothing to replace, no new string
    return _SIGNS_BEFORE_LAST.sub("*", stripped)
