"""The one-command county build and check: every township in its own
process (as many at once as there are cores), then the merge.

The CI path runs the same two steps as separate jobs: ``gongkai county
township`` per matrix entry (township.build_township) and ``gongkai county
merge`` once (merge.merge); see docs/county-ci.md.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from gongkai.commands.county.config import CountyConfig, load_county
from gongkai.commands.county.merge import MergeResult, merge
from gongkai.commands.county.township import (
    OVERDUE,
    TownshipCheck,
    build_township,
    check_township,
    read_index,
    record_failure,
)
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import GongkaiError, Problem

__all__ = ["CountyCheck", "SummaryRow", "build_county", "check_county"]

T = TypeVar("T")


def _parallel(
    fn: Callable[[CountyConfig, str, date, int | None], T], county: CountyConfig, today: date, jobs: int | None
) -> list[T | BaseException]:
    """``fn(county, slug, today, workers)`` for every township in county order, in
    processes (forked where the platform allows: nothing is pickled but the
    config and the results).  A process that dies (out of memory, killed)
    gives its exception in place of a result; the others go on."""
    slugs = [t.slug for t in county.townships]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(slugs)))
    if jobs == 1:
        return [fn(county, s, today, None) for s in slugs]
    workers = max(1, (os.cpu_count() or 1) // jobs)  # townships side by side share the cores
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    out: list[T | BaseException] = []
    with ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
        for future in [pool.submit(fn, county, s, today, workers) for s in slugs]:
            try:
                out.append(future.result())
            except Exception as exc:
                out.append(exc)
    return out


def build_county(folder: Path, today: date, jobs: int | None = None) -> tuple[list[dict[str, Any]], MergeResult]:
    """Build every township into ``build/<slug>/`` (a failure leaves that
    township's last good site and says why), then make the county pages."""
    county = load_county(folder)
    done = _parallel(build_township, county, today, jobs)
    indexes = [
        record_failure(county, t.slug, today, r) if isinstance(r, BaseException) else r
        for t, r in zip(county.townships, done, strict=True)
    ]
    return indexes, merge(county, today)


@dataclass(frozen=True)
class SummaryRow:
    slug: str
    name: str
    records: int | None
    warnings: int
    errors: int
    last_build: str  # the day of the last good build, "" if none known
    overdue: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "township": self.slug,
            "name": self.name,
            "records": self.records,
            "warnings": self.warnings,
            "errors": self.errors,
            "last_build": self.last_build,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class CountyCheck:
    checks: tuple[TownshipCheck, ...]
    summary: tuple[SummaryRow, ...]

    @property
    def failed(self) -> bool:
        return any(r.errors for r in self.summary)

    def problems(self) -> list[tuple[str, Problem]]:
        return [(c.slug, p) for c in self.checks for p in sorted(c.problems, key=Problem.sort_key)]


def _row(county: CountyConfig, c: TownshipCheck) -> SummaryRow:
    index = read_index(county.root, c.slug)
    site = index.get("site") if index else None
    return SummaryRow(
        c.slug,
        c.name,
        c.records,
        sum(1 for p in c.problems if not p.is_error),
        sum(1 for p in c.problems if p.is_error),
        site["built"] if site else "",
        sum(1 for p in c.problems if p.code in OVERDUE),
    )


def check_county(folder: Path, today: date, jobs: int | None = None) -> CountyCheck:
    county = load_county(folder)
    checks: list[TownshipCheck] = []
    for t, r in zip(county.townships, _parallel(check_township, county, today, jobs), strict=True):
        if isinstance(r, BaseException):
            raise GongkaiError(f"检查{t.name}时进程意外退出（{type(r).__name__}），可能是内存不足") from r
        checks.append(r)
    return CountyCheck(tuple(checks), tuple(_row(county, c) for c in checks))
