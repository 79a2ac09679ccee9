"""Record types as data, and the field kinds that parse raw values.

Rule of this folder: pure functions and frozen tables only — no files, no
clock, no global state.
"""

from gongkai.core.schema.kinds import BAD, Ctx, Field, parse_date_text, parse_fields, parse_money_text
from gongkai.core.schema.types import COMMON, DISCLOSURE, RECORD_TYPES, TYPE_BY_FOLDER, RecordType

__all__ = [
    "BAD",
    "COMMON",
    "DISCLOSURE",
    "RECORD_TYPES",
    "TYPE_BY_FOLDER",
    "Ctx",
    "Field",
    "RecordType",
    "parse_date_text",
    "parse_fields",
    "parse_money_text",
]
