"""Raw files × schema → frozen records; then the rules across records.

``validate(loaded, today, drafts)`` returns the Site (or None when the
configuration itself is unusable) and every problem found.  It raises
nothing for bad content: the caller decides whether errors stop the build.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import PurePosixPath

from gongkai.check.disclosure import check_disclosure
from gongkai.check.pii import allowed_digits, record_pii, scan_pii
from gongkai.check.postings import check_postings, visible_postings
from gongkai.check.public import record_public_numbers
from gongkai.check.rules import check_record, check_site
from gongkai.check.rules.deadlines import WorkCalendar
from gongkai.check.rules.deadlines import check as check_deadlines
from gongkai.check.rules.notice_workdays import check_workday_minima
from gongkai.check.standard import judge_standard
from gongkai.core.config import SiteConfig, parse_holidays, parse_site_config
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.core.locs import pack_locs
from gongkai.core.model import Record, Site
from gongkai.core.schema.kinds import BAD, Ctx, parse_fields, slug_problem
from gongkai.core.schema.types import COMMON, RECORD_TYPES
from gongkai.core.standard import parse_standard
from gongkai.core.tree import RMap, RScalar
from gongkai.read.load import LoadedSite, SourceFile, digest_bytes

__all__ = ["CheckFiles", "CheckedFile", "Validated", "check_each", "check_file", "file_key", "validate"]


@dataclass(frozen=True)
class Validated:
    site: Site | None
    problems: tuple[Problem, ...]
    # the numbers the site's records publish on purpose (check/public.site_public_numbers
    # but for site.yaml's): made of each record's part, kept with it in the cache
    public: frozenset[str] | None = None

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
    public: tuple[str, ...] = ()  # the record's part of Validated.public (public.record_public_numbers)


# Checks every record file of a loaded site: the engine's version takes the
# unchanged ones from its cache and checks the others on every core.
CheckFiles = Callable[[LoadedSite, SiteConfig, WorkCalendar], list[CheckedFile]]


def file_key(salt: str, loaded: LoadedSite, raw_digest: str) -> str:
    """The digest a record is known by: its file, site.yaml and ``salt``."""
    return digest_bytes(f"{salt}\0{loaded.config_digest}\0{raw_digest}".encode())


def check_each(loaded: LoadedSite, config: SiteConfig, calendar: WorkCalendar) -> list[CheckedFile]:
    """Every record file parsed and checked, in order, one by one."""
    files = loaded.files
    return [check_file(files.parse(raw), file_key("", loaded, raw.digest), config, calendar) for raw in files.raw()]


def record_digest(key: str, deps: tuple[tuple[str, str], ...]) -> str:
    """What a record is known by downstream (page keys, the search): its
    file's key and every file it reads (a roster spreadsheet): an edit of
    the spreadsheet alone must change it."""
    if not deps:
        return key
    return digest_bytes("\0".join([key, *(f"{rel}\0{digest}" for rel, digest in deps)]).encode())


def check_file(sf: SourceFile | None, key: str, config: SiteConfig, calendar: WorkCalendar) -> CheckedFile:
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
        problems.extend(check_workday_minima(rec, config, calendar))
        locs = pack_locs({k: v for k, v in rec.locs.items() if _cross_loc(k)})
        rec = replace(rec, digest=record_digest(key, sf.deps), locs=locs)
        return CheckedFile(rec, tuple(problems), sf.deps, record_public_numbers(rec))
    return CheckedFile(rec, tuple(problems), sf.deps)


def _cross_loc(path: str) -> bool:
    """Positions the rules across records still need (after the per-record
    rules, one position per roster cell is no longer worth its memory)."""
    return "[" not in path or path.startswith("attachments[") or path in _KEPT_LOCS


def validate(loaded: LoadedSite, today: date, drafts: bool = False, check_files: CheckFiles = check_each) -> Validated:
    """``check_files``: how the record files are checked (the engine's takes
    unchanged ones from its cache); by default each afresh, in order."""
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
    checked_files = check_files(loaded, config, calendar)
    for checked in checked_files:
        problems.extend(checked.problems)
    records = [checked.record for checked in checked_files if checked.record is not None]
    parts = {id(checked.record): checked.public for checked in checked_files if checked.public}

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
        if not rec.supersedes and not rec.attachments and _LINKS.isdisjoint(rec.data):
            continue  # most records: nothing to look up (10,000 of them every build)
        for name in ("supersedes", "follows", *_REG_LINKS):
            target_id = rec.supersedes if name == "supersedes" else rec.data.get(name, "")
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
            elif name in _REG_LINKS and target.type != "regulation":
                problems.append(
                    Problem(
                        rec.loc(name),
                        "GK203",
                        f"{name} 应指向一条规范性文件记录，“{target_id}”是{target.rtype.label}",
                        name,
                        target_id,
                        "regulations/ 中规范性文件的编号",
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
    catalogue, grace, ps = parse_standard(loaded.standard_node)
    problems.extend(ps)
    standard, ps = judge_standard(catalogue, grace, site_records, today, calendar)
    problems.extend(ps)
    site = Site(config, site_records, today, str(loaded.root), postings=postings, standard=standard)
    problems.extend(check_postings(loaded.postings, seen))
    problems.extend(check_site(site, tuple(unique)))
    public = frozenset(n for r in site_records if id(r) in parts for n in parts[id(r)])
    return Validated(site, tuple(problems), public)


# A notice's 解读 and a regulation's replacement name another regulation (rules/regulation.py).
_REG_LINKS = ("interprets", "repealed_by", "amended_by")
_LINKS = frozenset(("follows", *_REG_LINKS))  # the links in a record's data

# Positions kept past the rules of one file besides those of top-level fields (see _cross_loc):
# the record, and where its roster came from (archive.py).
_KEPT_LOCS = ("", "recipients[1]")


def _body_limits(sf: SourceFile, node: RMap) -> list[Problem]:
    """A body that would make the Markdown renderer work for minutes."""
    from gongkai.core.limits import markdown_problem

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


def _publisher_choices(config: SiteConfig, missing: bool = False) -> str:
    keys = "site.yaml 中 publishers 的键之一：" + "、".join(config.publishers)
    return f"添加一行 publisher: {next(iter(config.publishers), '…')}（{keys}）" if missing else keys


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
    values = parse_fields(rtype.all_fields, node, ctx, "", rtype.check)
    # A missing or empty publisher: name the choices, as GK202 does for an unknown one.
    ctx.problems = [
        replace(p, hint=_publisher_choices(config, missing=p.hint.startswith("添加")))
        if p.code == "GK102" and p.field == "publisher"
        else p
        for p in ctx.problems
    ]
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
                    _publisher_choices(config),
                )
        check_disclosure(values, ctx)
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
