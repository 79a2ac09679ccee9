"""A county portal of many townships (``county.yaml``).

Each township is an ordinary gongkai site, built on its own into
``build/<slug>/`` with a small index artefact ``township-index/<slug>.json``
(township.py); the county pages, combined catalogue, feed and one search
across all townships are merged from those artefacts alone (merge.py,
search.py).  A CI job matrix runs the township builds in parallel and one
merge job after them (docs/county-ci.md); ``gongkai build`` on a county
folder does both in one command (run.py) and gives the same bytes.

Dependencies: cli → county.run → county.{township, merge} → build, search, data.
"""

from __future__ import annotations

from gongkai.commands.county.config import COUNTY_FILE, CountyConfig, Township, is_county, load_county
from gongkai.commands.county.merge import MergeResult, merge
from gongkai.commands.county.run import CountyCheck, SummaryRow, build_county, check_county
from gongkai.commands.county.township import build_township, check_township

__all__ = [
    "COUNTY_FILE",
    "CountyCheck",
    "CountyConfig",
    "MergeResult",
    "SummaryRow",
    "Township",
    "build_county",
    "build_township",
    "check_county",
    "check_township",
    "is_county",
    "load_county",
    "merge",
]
