"""The only reader of content: files on disk → raw trees with positions.

``load_site(root)`` walks ``root/content``, decodes every record file, parses
its YAML (or Markdown front matter), applies folder ``_defaults.yaml`` and
reads roster spreadsheets named by subsidy records.  It returns everything,
problems included; it raises nothing for bad content.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import field, replace
from pathlib import Path
from typing import NamedTuple

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem, Severity
from gongkai.core.filestat import stat_key
from gongkai.core.model import Posting
from gongkai.core.schema.types import TYPE_BY_FOLDER
from gongkai.core.tree import RMap, RNode, RScalar
from gongkai.read.archive import read_archive
from gongkai.read.raw import MAX_BYTES, decode, parse_yaml, split_front_matter
from gongkai.read.root import find_site_root

__all__ = ["FileDigests", "LoadedSite", "SourceFile", "find_site_root", "load_site", "stat_key"]

RECORD_EXTS = (".yaml", ".yml", ".md")
# Folders and files in content/ that are not records but are expected there.
KNOWN_OTHER = {
    "archive",
    "applications",
    "catalogue.yaml",
    "holidays.yaml",
    "index-numbers.yaml",
    "site.yaml",
    "site.yml",
    "README.md",
}


@dataclass(frozen=True)
class SourceFile:
    relpath: str  # relative to the site root, with forward slashes
    type: str
    node: RNode | None
    body: str | None = None  # Markdown text after the front matter
    body_line: int = 0
    roster_total: RMap | None = None  # the 合计 row of a roster spreadsheet
    roster_failed: bool = False  # recipients names a file that could not be read
    problems: tuple[Problem, ...] = ()  # found while reading this file
    # other files this record was read from: (site-relative path, content digest or "" when missing)
    deps: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Pending:
    path: str  # the file's path as the OS takes it (a Path each would cost ~0.1 s per build at 10,000 records)
    rel: str
    type: str
    defaults: RMap | None
    defaults_digest: str = ""  # of the _defaults.yaml files that apply, outermost first


class RawFile(NamedTuple):
    """A record file read but not parsed.  ``digest`` covers everything its
    parse depends on apart from the files named in ``SourceFile.deps``: its
    path, type, bytes and the ``_defaults.yaml`` files above it.  (A tuple:
    one is made for every record file of every build, 10,000 an edit, and a
    frozen dataclass takes five times as long to make.)"""

    rel: str
    type: str
    digest: str
    data: bytes | None  # None when it could not be read (see problems), or was not read (see readable)
    problems: tuple[Problem, ...] = ()
    pending: _Pending | None = None
    readable: bool = True  # False when reading it failed


# path → (stat_key, content digest) of files read before: see RecordFiles
FileDigests = dict[str, tuple[tuple[int, ...], str]]


def _file_digest(item: _Pending, content: str) -> str:
    """What a record's parse depends on, but for the files it names (rosters)."""
    return digest_bytes(f"{item.rel}\0{item.type}\0{item.defaults_digest}\0{content}".encode())


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class RecordFiles:
    """The record files of a site, read and parsed one at a time as they are
    iterated: a validator that turns each into a record before taking the
    next never holds every raw tree at once (at 10,000 records they would
    take more memory than the finished site)."""

    def __init__(
        self,
        root: Path,
        pending: list[_Pending],
        digests: FileDigests | None = None,
        stats: Mapping[str, tuple[int, ...]] | None = None,
    ) -> None:
        """``digests``: path → (stat_key, digest) of files read before (the
        preview server keeps it in memory, the engine's cache between
        commands), so an unchanged file need not be read again just to learn
        that it is unchanged.  ``stats``: full path → stat_key of the files
        as the build's stamp took them just before (store.BuildStamp), so
        that a file the stamp shows unchanged need not be stat'ed again
        (10,000 stats an edit).  A file changed since the stamp then counts
        as it was when stamped (its digest, its cached record), as the
        stamp says; the next build sees the change."""
        self._root = root
        self._pending = tuple(pending)
        self._digests = digests
        self._stats = stats

    def __len__(self) -> int:
        return len(self._pending)

    def __iter__(self) -> Iterator[SourceFile]:
        for raw in self.raw():
            sf = self.parse(raw)
            if sf is not None:
                yield sf

    def raw(self, quick: bool = False) -> Iterator[RawFile]:
        """Every record file, read (not parsed), in a stable order.  With
        ``quick``, a file whose size and mtime match ``digests`` is not read
        (its ``data`` is None; ``parse`` reads it when asked)."""
        for i in range(len(self._pending)):
            yield self.raw_at(i, quick)

    def raw_at(self, index: int, quick: bool = False) -> RawFile:
        """The ``index``-th record file, read (not parsed)."""
        item = self._pending[index]
        memo = self._digests
        st = None
        if memo is not None:
            known = memo.get(item.rel)
            if quick and known is not None and self._stats is not None and self._stats.get(item.path) == known[0]:
                return RawFile(item.rel, item.type, _file_digest(item, known[1]), None, (), item)
            try:
                st = os.stat(item.path)
            except OSError:
                st = None
            if quick and st is not None and known is not None and known[0] == stat_key(st):
                return RawFile(item.rel, item.type, _file_digest(item, known[1]), None, (), item)
        problems: list[Problem] = []
        data = _read_bytes(Path(item.path), item.rel, problems)
        content = digest_bytes(data) if data is not None else ""
        if memo is not None and st is not None and data is not None:
            _remember(memo, item.rel, st, data, content)
        digest = _file_digest(item, content)
        return RawFile(item.rel, item.type, digest, data, tuple(problems), item, readable=data is not None)

    def parse(self, raw: RawFile) -> SourceFile | None:
        """The parsed file (None when there is nothing to report: never for a
        file with problems)."""
        if raw.data is None and raw.readable:  # not read by raw(quick=True)
            raw = self.raw_at(self._pending.index(raw.pending))
        problems = list(raw.problems)
        item = raw.pending
        assert item is not None
        sf = None
        if raw.data is not None:
            sf = _load_record(self._root, Path(item.path), item.rel, item.type, item.defaults, problems, raw.data)
        if sf is not None:
            return replace(sf, problems=tuple(problems))
        if problems:
            return SourceFile(item.rel, item.type, None, problems=tuple(problems))
        return None

    def dep_digest(self, rel: str) -> str:
        """The content digest of another file a record was read from ("" when
        it is missing or unreadable), to tell whether a cached record is current."""
        path, memo = self._root / rel, self._digests
        try:
            st = os.stat(path) if memo is not None else None
            if st is not None and memo is not None:
                known = memo.get(rel)
                if known is not None and known[0] == stat_key(st):
                    return known[1]
            data = path.read_bytes()
        except OSError:
            return ""
        content = digest_bytes(data)
        if memo is not None and st is not None:
            _remember(memo, rel, st, data, content)
        return content


def _remember(memo: FileDigests, rel: str, st: os.stat_result, data: bytes, content: str) -> None:
    """Keep ``content`` (the digest of ``data``) for the file of ``st``.  A file
    changed less than two seconds ago may change again within the same
    timestamp tick: only older ones are remembered (as git does)."""
    if len(data) == st.st_size and time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > 2_000_000_000:
        memo[rel] = (stat_key(st), content)
    else:
        memo.pop(rel, None)


@dataclass(frozen=True)
class LoadedSite:
    root: Path
    config_path: str
    config_node: RNode | None
    files: RecordFiles
    assets: frozenset[str]  # every non-record file in content/, relative to the root
    problems: tuple[Problem, ...] = field(default=())
    holidays_node: RNode | None = None  # content/holidays.yaml, when present
    postings: tuple[Posting, ...] = ()  # content/archive/ entries whose files verified (archive.py)
    config_digest: str = ""  # of site.yaml and holidays.yaml: what every record's validation reads
    standard_node: RNode | None = None  # content/catalogue.yaml (标准目录), when present


def _rel(root: Path, p: Path) -> str:
    return p.relative_to(root).as_posix()


def _read_bytes(path: Path, rel: str, problems: list[Problem]) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            problems.append(
                Problem(
                    Loc(rel),
                    "GK005",
                    f"文件过大（{size // 1024 // 1024} MB，上限 {MAX_BYTES // 1024 // 1024} MB）",
                    hint="把大名单拆成几个文件，或改用 .xlsx/.csv 名单文件",
                )
            )
            return None
        return path.read_bytes()
    except OSError as exc:
        problems.append(Problem(Loc(rel), "GK001", f"文件无法读取：{exc.strerror}"))
        return None


def _read(path: Path, rel: str, problems: list[Problem], data: bytes | None = None) -> str | None:
    if data is None:
        data = _read_bytes(path, rel, problems)
        if data is None:
            return None
    decoded = decode(data, rel)
    problems.extend(decoded.problems)
    if decoded.encoding == "unknown":
        return None
    return decoded.text


def load_site(
    root: Path, digests: FileDigests | None = None, stats: Mapping[str, tuple[int, ...]] | None = None
) -> LoadedSite:
    """``digests`` and ``stats``: see RecordFiles."""
    content = root / "content"
    problems: list[Problem] = []
    config_rel = "content/site.yaml"
    config_node: RNode | None = None
    config_hash = hashlib.blake2b(digest_size=20)
    text = _read(content / "site.yaml", config_rel, problems)
    config_hash.update((text or "").encode("utf-8", "surrogatepass") + b"\0")
    if text is not None:
        config_node, ps = parse_yaml(text, config_rel)
        problems.extend(ps)

    pending: list[_Pending] = []
    assets: set[str] = set()
    for entry in sorted(content.iterdir(), key=lambda p: p.name):
        rel = _rel(root, entry)
        if entry.is_symlink():
            problems.append(_symlink(rel))
            continue
        if entry.name.startswith(".") or entry.name in KNOWN_OTHER:
            if entry.is_dir() and entry.name in ("archive", "applications"):
                assets.update(_walk_assets(root, entry, problems))
            continue
        rtype = TYPE_BY_FOLDER.get(entry.name)
        if rtype is None or not entry.is_dir():
            folders = "、".join(TYPE_BY_FOLDER)
            problems.append(
                Problem(
                    Loc(rel),
                    "GK010",
                    "无法识别的文件或目录，已忽略",
                    hint=f"记录应放在这些目录中：{folders}",
                    severity=Severity.WARNING,
                )
            )
            continue
        pending.extend(_load_folder(root, entry, rtype.name, None, "", problems, assets))
    holidays_node: RNode | None = None
    if (content / "holidays.yaml").is_file():
        text = _read(content / "holidays.yaml", "content/holidays.yaml", problems)
        config_hash.update((text or "").encode("utf-8", "surrogatepass"))
        if text is not None:
            holidays_node, ps = parse_yaml(text, "content/holidays.yaml")
            problems.extend(ps)
    standard_node: RNode | None = None
    if (content / "catalogue.yaml").is_file():
        text = _read(content / "catalogue.yaml", "content/catalogue.yaml", problems)
        if text is not None:
            standard_node, ps = parse_yaml(text, "content/catalogue.yaml")
            problems.extend(ps)
    postings, archive_problems = read_archive(root, assets)  # reads and hashes content/archive/
    problems.extend(archive_problems)
    return LoadedSite(
        root,
        config_rel,
        config_node,
        RecordFiles(root, pending, digests, stats),
        frozenset(assets),
        tuple(problems),
        holidays_node,
        postings,
        config_hash.hexdigest(),
        standard_node,
    )


def _symlink(rel: str) -> Problem:
    return Problem(
        Loc(rel),
        "GK009",
        "内容目录中不允许符号链接（快捷方式）",
        hint="把文件本身复制到这里",
    )


def _walk_assets(root: Path, folder: Path, problems: list[Problem]) -> set[str]:
    out: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames + dirnames):
            p = Path(dirpath) / name
            if p.is_symlink():
                problems.append(_symlink(_rel(root, p)))
                if name in dirnames:
                    dirnames.remove(name)
            elif name in filenames:
                out.add(_rel(root, p))
    return out


def _load_folder(
    root: Path,
    folder: Path,
    type_name: str,
    defaults: RMap | None,
    defaults_digest: str,
    problems: list[Problem],
    assets: set[str],
) -> list[_Pending]:
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for name in ("_defaults.yaml", "_defaults.yml"):
        d = folder / name
        if d.is_file() and not d.is_symlink():
            text = _read(d, _rel(root, d), problems)
            defaults_digest = digest_bytes(
                f"{defaults_digest}\0{_rel(root, d)}\0{text}".encode("utf-8", "surrogatepass")
            )
            if text is not None:
                node, ps = parse_yaml(text, _rel(root, d))
                problems.extend(ps)
                if isinstance(node, RMap):
                    defaults = _merge(node, defaults)
                elif node is not None:
                    problems.append(Problem(node.loc, "GK007", "_defaults.yaml 顶层应是“键: 值”结构"))
    out: list[_Pending] = []
    base = _rel(root, folder)
    prefix = os.path.join(folder, "")
    for e in entries:  # os.DirEntry: its type comes with the listing, no stat per file
        name = e.name
        rel = f"{base}/{name}"
        if e.is_symlink():
            problems.append(_symlink(rel))
        elif e.is_dir():
            if not name.startswith("."):
                out.extend(_load_folder(root, folder / name, type_name, defaults, defaults_digest, problems, assets))
        elif name.startswith((".", "_defaults.", "~$")):
            continue
        elif os.path.splitext(name)[1].lower() in RECORD_EXTS:
            out.append(_Pending(prefix + name, rel, type_name, defaults, defaults_digest))
        else:
            assets.add(rel)
    return out


def _merge(node: RMap, base: RMap | None) -> RMap:
    """Keys of ``node`` over keys of ``base`` (one level: defaults are flat)."""
    if base is None:
        return node
    entries = {**base.entries, **node.entries}
    key_locs = {**base.key_locs, **node.key_locs}
    return RMap(entries, key_locs, node.loc)


def _load_record(
    root: Path,
    path: Path,
    rel: str,
    type_name: str,
    defaults: RMap | None,
    problems: list[Problem],
    data: bytes | None = None,
) -> SourceFile | None:
    text = _read(path, rel, problems, data)
    if text is None:
        return None
    body: str | None = None
    body_line = 0
    if path.suffix.lower() == ".md":
        fm = split_front_matter(text)
        if fm is None:
            problems.append(
                Problem(
                    Loc(rel, 1),
                    "GK006",
                    "Markdown 文件开头缺少 front matter，或没有用 --- 结束",
                    hint="文件第一行写 ---，接着写 title: 等信息，再写一行 --- ，下面是正文",
                )
            )
            return None
        node, ps = parse_yaml(fm.yaml_text, rel, fm.yaml_line)
        body, body_line = fm.body, fm.body_line
    else:
        node, ps = parse_yaml(text, rel)
    problems.extend(ps)
    if node is None and not ps:
        problems.append(Problem(Loc(rel, 1), "GK109", "文件是空的", hint="填写记录内容，或删除这个文件"))
        return None
    if node is None:
        return None
    if not isinstance(node, RMap):
        problems.append(Problem(node.loc, "GK007", "文件顶层应是“键: 值”结构", hint="title: 标题（每行一个键）"))
        return None
    if defaults is not None:
        node = RMap(
            {**{k: v for k, v in defaults.entries.items() if k not in node.entries}, **node.entries},
            {**defaults.key_locs, **node.key_locs},
            node.loc,
        )
    roster_total = None
    roster_failed = False
    deps: list[tuple[str, str]] = []
    recipients = node.entries.get("recipients")
    if type_name == "subsidy" and isinstance(recipients, RScalar) and not recipients.is_null:
        rows, roster_total = _load_roster(root, path, recipients, node.entries.get("goods"), problems, deps)
        if rows is not None:
            node = RMap({**node.entries, "recipients": rows}, node.key_locs, node.loc)
        else:
            roster_failed = True
    return SourceFile(rel, type_name, node, body, body_line, roster_total, roster_failed, deps=tuple(deps))


def _load_roster(
    root: Path,
    record_path: Path,
    ref: RScalar,
    goods: RNode | None,
    problems: list[Problem],
    deps: list[tuple[str, str]],
) -> tuple[RNode | None, RMap | None]:
    """``goods``: the record's ``goods:`` as written; its items name the roster's goods columns."""
    name = ref.text.strip()
    target = record_path.parent / name
    if "/" not in name and "\\" not in name:
        # A roster that is missing now may be added later: that too must
        # make a cached record stale.
        deps.append((_rel(root, target), ""))
    if "/" in name or "\\" in name or not target.is_file() or target.is_symlink():
        elsewhere = "/" in name or "\\" in name
        problems.append(
            Problem(
                ref.loc,
                "GK205",
                "名单文件要与本记录放在同一目录下，这里写了路径" if elsewhere else "名单文件不存在",
                "recipients",
                name,
                "与本记录放在同一目录下的 .xlsx、.csv 或 .txt 文件名（只写文件名），如 名单.xlsx",
            )
        )
        return None, None
    from gongkai.read.roster import read_roster
    from gongkai.read.roster_goods import goods_of

    try:
        data = target.read_bytes()
    except OSError as exc:
        problems.append(Problem(ref.loc, "GK205", f"名单文件无法读取：{exc.strerror}", "recipients", name))
        return None, None
    deps[-1] = (deps[-1][0], digest_bytes(data))
    roster, ps = read_roster(data, target.name, _rel(root, target), goods_of(goods))
    problems.extend(ps)
    if roster is None:
        return None, None
    return roster.rows, roster.total
