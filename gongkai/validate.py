"""Raw files × schema → frozen records; then the rules across records.

``validate(loaded, today, drafts)`` returns the Site (or None when the
configuration itself is unusable) and every problem found.  It raises
nothing for bad content: the caller decides whether errors stop the build.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import PurePosixPath
from typing import Any, Protocol

from .archive import check_postings, visible_postings
from .cache import code_digest
from .config import SiteConfig, parse_holidays, parse_site_config
from .errors import Loc, Problem
from .load import LoadedSite, SourceFile, digest_bytes
from .model import Record, Site
from .pii import allowed_digits, record_pii, scan_pii
from .raw import RMap, RScalar
from .rules import check_record, check_site
from .rules.deadlines import WorkCalendar
from .rules.deadlines import check as check_deadlines
from .schema.kinds import BAD, Ctx, parse_fields, slug_problem
from .schema.types import COMMON, RECORD_TYPES

__all__ = ["CheckedFile", "RecordCache", "Validated", "validate"]


@dataclass(frozen=True)
class Validated:
    site: Site | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


@dataclass(frozen=True)
class CheckedFile:
    """One record file after every check that needs only that file: what a
    RecordCache keeps, keyed by the digest of everything it was made from."""

    record: Record | None  # None when the file has errors
    problems: tuple[Problem, ...]
    deps: tuple[tuple[str, str], ...] = ()  # other files read: (path, digest)


class RecordCache(Protocol):
    def get(self, key: str) -> CheckedFile | None: ...
    def put(self, key: str, value: CheckedFile, blob: bytes | None = None) -> None: ...
    def detach(self, key: str, value: CheckedFile) -> CheckedFile: ...
    def used(self, key: str) -> None: ...


# Below this many files to check afresh, one process does it all.
PARALLEL_FILES = 400


def _check_files(
    loaded: LoadedSite,
    config: SiteConfig,
    calendar: WorkCalendar,
    cache: RecordCache | None,
    problems: list[Problem],
) -> list[CheckedFile]:
    """Every record file checked, in order: from ``cache`` when unchanged,
    else parsed and checked (on every core for many files).  Their problems
    go to ``problems``."""
    base = f"{code_digest()}\0{loaded.config_digest}"
    files = loaded.files
    out: list[CheckedFile | None] = []
    todo: list[int] = []
    for i, raw in enumerate(files.raw(quick=True)):  # one by one: each raw tree is dropped once it is a record
        key = digest_bytes(f"{base}\0{raw.digest}".encode())
        hit = cache.get(key) if cache is not None else None
        if hit is not None and all(files.dep_digest(rel) == d for rel, d in hit.deps):
            cache.used(key)  # type: ignore[union-attr]
            out.append(hit)
            continue
        todo.append(i)
        out.append(None)
    workers = min(os.cpu_count() or 1, 4)
    if len(todo) >= PARALLEL_FILES and workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        results = _check_in_pool(files, todo, base, config, calendar, workers, cache)
    else:
        results = (_check_one(files, i, base, config, calendar, False, cache) for i in todo)
    for i, (key, checked, blob, readable) in zip(todo, results, strict=True):
        if isinstance(checked, bytes):
            checked = pickle.loads(checked)
        if cache is not None:
            if readable:  # not a file that could not be read
                cache.put(key, checked, blob)
            cache.used(key)
        out[i] = checked
    done = [c for c in out if c is not None]
    for c in done:
        problems.extend(c.problems)
    return done


def _check_one(
    files: Any,
    index: int,
    base: str,
    config: SiteConfig,
    calendar: WorkCalendar,
    pickled: bool,
    cache: RecordCache | None,
) -> tuple[str, CheckedFile | bytes, bytes | None, bool]:
    """(key, checked file or its pickle, the pickle, whether the file could be read)."""
    raw = files.raw_at(index)
    key = digest_bytes(f"{base}\0{raw.digest}".encode())
    checked = _check_file(files.parse(raw), key, config, calendar)
    if cache is not None and raw.readable:
        checked = cache.detach(key, checked)
    if pickled:
        blob = pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL)
        return key, blob, blob, raw.readable
    return key, checked, None, raw.readable


_pool_args: tuple[Any, ...] | None = None  # set in forked workers only


def _pool_init(*args: Any) -> None:
    global _pool_args
    _pool_args = args


def _pool_check(indexes: list[int]) -> list[tuple[str, bytes, bytes, bool]]:
    assert _pool_args is not None
    files, base, config, calendar, cache = _pool_args
    return [_check_one(files, i, base, config, calendar, True, cache) for i in indexes]  # type: ignore[misc]


def _check_in_pool(
    files: Any,
    todo: list[int],
    base: str,
    config: SiteConfig,
    calendar: WorkCalendar,
    workers: int,
    cache: RecordCache | None,
) -> Iterator[tuple[str, CheckedFile | bytes, bytes | None, bool]]:
    """Check files in forked processes (they inherit the site; only the
    finished, pickled results come back, and those are what the cache stores)."""
    chunks = [todo[i : i + 32] for i in range(0, len(todo), 32)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_pool_init, initargs=(files, base, config, calendar, cache)) as pool:
        for chunk in pool.imap(_pool_check, chunks):
            yield from chunk


def _check_file(sf: SourceFile | None, key: str, config: SiteConfig, calendar: WorkCalendar) -> CheckedFile:
    """Parse, type and check one file with the rules that need only it."""
    if sf is None:
        return CheckedFile(None, ())
    problems: list[Problem] = list(sf.problems)
    if sf.node is None:
        return CheckedFile(None, tuple(problems), sf.deps)
    rec, keys = _record(sf, config, problems)
    if rec is not None:
        problems.extend(check_record(rec, config, keys, sf.roster_total))
        problems.extend(check_deadlines(rec, calendar))
        rec = replace(rec, digest=key, locs={k: v for k, v in rec.locs.items() if _cross_loc(k)})
    return CheckedFile(rec, tuple(problems), sf.deps)


def _cross_loc(path: str) -> bool:
    """Positions the rules across records still need (after the per-record
    rules, one position per roster cell is no longer worth its memory)."""
    return "[" not in path or path.startswith("attachments[") or path in _KEPT_LOCS


def validate(loaded: LoadedSite, today: date, drafts: bool = False, cache: RecordCache | None = None) -> Validated:
    """``cache``: validated records of unchanged files from earlier builds
    (see cache.RecordStore); without one every file is checked afresh."""
    problems: list[Problem] = list(loaded.problems)
    if loaded.config_node is not None:
        problems.extend(scan_pii(loaded.config_node, contact=("contact",)))
    config = None
    if loaded.config_node is not None or not any(p.loc.path == loaded.config_path for p in problems):
        config, ps = parse_site_config(loaded.config_node, loaded.config_path)  # else: unreadable, reported
        problems.extend(ps)
    if config is None:
        # Without site.yaml no record can be checked, but every file that cannot
        # even be read or parsed is still reported in this same run.
        problems.extend(p for sf in loaded.files for p in sf.problems)
        return Validated(None, tuple(problems))

    extra_years, ps = parse_holidays(loaded.holidays_node)
    problems.extend(ps)
    calendar = WorkCalendar(extra_years)
    records = [
        checked.record
        for checked in _check_files(loaded, config, calendar, cache, problems)
        if checked.record is not None
    ]

    # ids are unique across the whole site, drafts and future records included:
    # a URL once published must never change owner.
    seen: dict[str, Record] = {}
    unique: list[Record] = []
    for rec in records:
        other = seen.get(rec.id)
        if other is not None:
            problems.append(
                Problem(
                    rec.loc("id") if "id" in rec.locs else Loc(rec.source, 1),
                    "GK201",
                    f"编号“{rec.id}”与 {other.source} 重复",
                    "id",
                    rec.id,
                    "每条记录的编号（文件名或 id:）在全站唯一，请改名或加 id: 另起编号",
                )
            )
            continue
        seen[rec.id] = rec
        unique.append(rec)

    for rec in unique:
        for name in ("supersedes", "follows"):
            target_id = rec.supersedes if name == "supersedes" else rec.data.get("follows", "")
            if not target_id:
                continue
            target = seen.get(target_id)
            if target is rec:
                problems.append(
                    Problem(rec.loc(name), "GK203", "记录不能引用它自己", name, target_id, "另一条记录的编号")
                )
            elif target is None:
                problems.append(
                    Problem(
                        rec.loc(name),
                        "GK203",
                        f"引用的记录“{target_id}”不存在",
                        name,
                        target_id,
                        "已有记录的编号（文件名，不含扩展名）",
                    )
                )
            elif name == "supersedes" and target.type != rec.type:
                problems.append(
                    Problem(
                        rec.loc(name),
                        "GK203",
                        f"更正记录应与被更正记录同类（这里是{rec.rtype.label}，被更正的是{target.rtype.label}）",
                        name,
                        target_id,
                    )
                )
            elif name == "follows" and target.type != "decision":
                problems.append(
                    Problem(
                        rec.loc(name),
                        "GK203",
                        f"follows 应指向上一阶段的重大决策记录，“{target_id}”是{target.rtype.label}",
                        name,
                        target_id,
                    )
                )
        for i, att in enumerate(rec.attachments):
            rel = str(PurePosixPath(rec.source).parent / att["file"])
            if "/" in att["file"] or "\\" in att["file"] or rel not in loaded.assets:
                problems.append(
                    Problem(
                        rec.loc(f"attachments[{i + 1}]"),
                        "GK204",
                        "附件不存在",
                        f"attachments[{i + 1}]",
                        att["file"],
                        "与记录文件放在同一目录下的文件名",
                    )
                )

    site_records = tuple(r for r in unique if r.date <= today and (drafts or not r.draft))
    postings = visible_postings(loaded.postings, site_records, today)
    site = Site(config, site_records, today, str(loaded.root), postings=postings)
    problems.extend(check_postings(loaded.postings, seen))
    problems.extend(check_site(site, tuple(unique)))
    return Validated(site, tuple(problems))


# Positions kept past the rules of one file besides those of top-level fields (see _cross_loc):
# the record, and where its roster came from (archive.py).
_KEPT_LOCS = ("", "recipients[1]")


def _body_limits(sf: SourceFile, node: RMap) -> list[Problem]:
    """A body that would make the Markdown renderer work for minutes."""
    from .limits import markdown_problem

    scalar = node.entries.get("body")
    if sf.body is not None:
        text, loc = sf.body, Loc(sf.relpath, sf.body_line)
    elif isinstance(scalar, RScalar):
        text, loc = scalar.text, scalar.loc
    else:
        return []
    why = markdown_problem(text)
    if why is None:
        return []
    return [Problem(loc, "GK012", why, "body", hint="删除多余的符号；大量数据请放在名单表格或附件中")]


def _record(sf: SourceFile, config: SiteConfig, problems: list[Problem]) -> tuple[Record | None, dict[str, str]]:
    node = sf.node
    assert isinstance(node, RMap)
    rtype = RECORD_TYPES[sf.type]
    problems.extend(record_pii(node, sf.relpath, sf.body, sf.body_line, allowed_digits(config.allow_numbers)))
    problems.extend(_body_limits(sf, node))
    ctx = Ctx(sf.relpath, config.id_policy)
    ctx.locs[""] = node.loc
    if sf.body is not None and "body" in node.entries:
        ctx.error(
            node.key_locs["body"],
            "GK101",
            "Markdown 文件的正文写在 front matter 下面，不要再写 body:",
            "body",
            hint="删除 body: 这一项",
        )
    values = parse_fields(rtype.all_fields, node, ctx, "")
    if sf.roster_failed:  # the roster file's own problems say why; not "should be a list"
        ctx.problems = [p for p in ctx.problems if p.field != "recipients"]
    stem = PurePosixPath(sf.relpath).stem
    if values is not BAD and "id" not in values:
        why = slug_problem(stem)
        if why:
            ctx.error(
                Loc(sf.relpath, 1),
                "GK108",
                "文件名不能直接作为编号",
                "id",
                stem,
                f"{why}；或在文件中加一行 id: 英文编号",
            )
            values = BAD
    if values is not BAD:
        pub = values["publisher"]
        if pub not in config.publishers:
            # A clerk may write the publisher's full name instead of its key.
            keys = [k for k, v in config.publishers.items() if v == pub]
            if keys:
                values["publisher"] = keys[0]
            else:
                ctx.error(
                    ctx.locs["publisher"],
                    "GK202",
                    f"未知的公开主体“{pub}”",
                    "publisher",
                    pub,
                    "site.yaml 中 publishers 的键之一：" + "、".join(config.publishers),
                )
        disclosure = values.get("disclosure", "public")
        if disclosure != "public" and "exemption" not in values:
            ctx.error(
                ctx.locs["disclosure"],
                "GK111",
                "依申请公开或免予公开的信息必须写明理由",
                "exemption",
                disclosure,
                "exemption: {article: 15, reason: 涉及个人隐私}",
            )
        elif disclosure == "public" and "exemption" in values:
            ctx.error(
                ctx.locs["exemption"],
                "GK111",
                "主动公开的信息不需要写不公开理由",
                "exemption",
                hint="删除 exemption，或把 disclosure 改为 on_request / exempt",
            )
    problems.extend(ctx.problems)
    if values is BAD or any(p.is_error for p in ctx.problems):
        return None, {}
    common = {k: values[k] for k in COMMON if k in values and k not in ("id", "body")}
    data = {k: v for k, v in values.items() if k not in COMMON}
    rec = Record(
        id=values.get("id", stem),
        type=sf.type,
        source=sf.relpath,
        body=sf.body if sf.body is not None else values.get("body", ""),
        data=data,
        locs=ctx.locs,
        **common,
    )
    return rec, ctx.id_keys
