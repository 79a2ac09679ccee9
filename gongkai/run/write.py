"""The only writer of output.

Every build, full or incremental, writes a complete new tree into a
temporary sibling of the output folder (files that did not change are
hard-linked from the previous tree, not written again) and makes it
visible in one step: on Linux the two folders are exchanged by one atomic
``renameat2(RENAME_EXCHANGE)``; elsewhere by two renames, and a build cut
off between them is put right by the next one.  A reader of the folder (a
web server, ``gongkai pack``, a sync to a host) sees the old site or the
new one, never a mix, and no temporary file is ever inside it.

The marker file ``.gongkai-build`` names the tree (a digest of every file's
path and bytes) and binds it to its folder and site: a marker copied into
another folder (``cp -r build/. webroot/``) authorises nothing there.
gongkai replaces a folder only when it holds a marker bound to it and no
file that gongkai did not write; anything else is refused with a message.
Writing one path twice is refused (two pages claiming one URL is a bug,
never a silent overwrite).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, Protocol

from gongkai.core.errors import ContentError, OutputError, Problem
from gongkai.run import spare, walk
from gongkai.run.manifest import MARKER, Manifest, Marker, binding, file_digest, read_marker, tree_token
from gongkai.run.renew import Renew
from gongkai.run.swap import clean_stale as _clean_stale
from gongkai.run.swap import exchange as _exchange

__all__ = ["MARKER", "Manifest", "Marker", "Output", "binding", "file_digest", "read_marker", "tree_token"]

_digest = file_digest


class Ahead(Protocol):
    """The output's check run ahead (run/engine/ahead.py: WalkAhead)."""

    files: Any
    folders: Any

    def result(self) -> tuple[int, walk.Known] | None: ...

    def links(self) -> tuple[str, int, walk.Folders] | None: ...


class Output(Renew):
    """``with Output(out) as w: w.write("a/index.html", data)``"""

    def __init__(
        self,
        out: Path,
        protect: tuple[Path, ...] = (),
        guard: Callable[[str, bytes], list[Problem]] | None = None,
        previous: Manifest | None = None,
        verify: bool = True,
        site: Path | None = None,
        ahead: Ahead | None = None,
    ) -> None:
        """``protect``: folders the output must neither replace, contain nor
        lie inside (the content and theme folders).  ``guard``: called with
        every file written; any problem it returns stops the swap, so the
        previous site stays (the last gate against leaking personal data).
        ``previous``: the manifest of the last build into ``out``; used only
        when the folder's marker is bound to it and names its tree.
        ``verify``: check that each file left alone is still as that build
        wrote it (size and mtime); off only for a folder nobody else writes
        (the preview's): such a private output is not checked for foreign
        files (its spare is, before each use).  ``site``: the site folder, bound into the marker.
        ``ahead``: the same check of the output by its folders' notes, run
        beside the build since it started (run/engine/ahead.py), taken when
        it was of ``previous``'s files and notes."""
        self._ahead = ahead
        self.verify = verify
        self.private = not verify
        self.guard = guard
        self.leaks: list[Problem] = []
        self._made: set[str] = {""}  # folders of the new tree made so far (relative; "" is its root)
        self._tmp_prefix = ""
        self.out = out.resolve()
        self._out_prefix = str(self.out) + os.sep
        self.binding = binding(self.out, site)
        for p in protect:
            p = p.resolve()
            if self.out == p or self.out in p.parents or p in self.out.parents:
                raise OutputError(f"输出目录 {self.out} 会覆盖网站内容，请换一个目录")
        if self.out.exists() and not self.out.is_dir():
            raise OutputError(f"输出位置 {self.out} 是一个文件，不是目录")
        marker = read_marker(self.out)
        # A marker bound to this folder and site; or one from before markers
        # were bound (no binding line), in the site's own build/ folder.
        legacy = (
            marker is not None and not marker.binding and site is not None and self.out == (site / "build").resolve()
        )
        self.ours = marker is not None and (marker.binding == self.binding or legacy)
        if self.out.is_dir() and not self.ours and any(self.out.iterdir()):
            raise OutputError(
                f"输出目录 {self.out} 里已有不是 gongkai 为本网站生成的文件（或是从别处复制来的标记文件 {MARKER}），"
                "为免误删，拒绝覆盖。请指定一个空目录或新目录"
            )
        if previous is not None and (not previous.token or marker is None or marker.token != previous.token):
            previous = None
        if not self.ours or legacy:
            previous = None
        self.previous = previous
        self.written: set[str] = set()
        self.tmp: Path | None = None
        self.bytes = 0
        self.manifest = Manifest()
        self.kept = 0  # files left as the previous build made them
        self._seen: dict[str, walk.Seen | None] = {}  # the output's files as walked on entry (run/walk.py)
        self._intact_rels: set[str] | None = None  # _intact_set's answer
        self._noted: walk.Folders = {}  # the output's folders as checked on entry (walk.known)
        self._probe = 0  # ctime_ns of this build's first file, written before any folder was checked
        # the tree the last build replaced, made into this build's (run/spare.py)
        self.spare = spare.spare_of(self.out)
        self.keep_spare = self.private or spare.keeps_spare(self.out, site)
        self._had: dict[str, tuple[str, int, int]] = {}  # the files the spare taken holds (_take_spare)
        self._spare_probe = 0  # what the spare's folder notes were taken after (_take_spare)
        self._ahead_taken = False  # the output's check is the one ``ahead`` made (_foreign_files)

    def __enter__(self) -> Output:
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            _clean_stale(self.out)
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-{os.getpid()}-", dir=self.out.parent))
            self._tmp_prefix = str(self.tmp) + "/"
            (self.tmp / MARKER).write_text("gongkai\n\n" + self.binding + "\n", encoding="utf-8")
            self._probe = os.stat(self.tmp / MARKER).st_ctime_ns  # before any folder is checked (walk.known)
            if self.previous is not None and not self.private:
                self._foreign_files()
        except OSError as exc:
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
            raise _output_error(self.out, exc) from exc
        except BaseException:  # refused (files gongkai did not write), or stopped: no temporary tree left
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return self

    def _foreign_files(self) -> None:
        """Refuse to replace a folder holding files gongkai did not write
        there (a portal's page, another program's folder, a symlink).  The
        output is checked by its folders' notes (walk.known: a stat of each
        folder and file, a listing only of the folders changed since the
        last build), or, when anything there is not as that build left it,
        walked whole (walk.scan) to name what is foreign.  Either way what
        ``keep`` and the spare check each file by is kept: no second stat."""
        assert self.previous is not None
        known = self.previous.files
        ahead = self._ahead
        if ahead is not None and ahead.files is known and ahead.folders is self.previous.folders and self.verify:
            got = ahead.result()
            if got is not None:  # its probe was written before it stat'ed any folder: older than this tree's marker
                self._probe, (self._seen, self._noted, _) = got
                self._ahead_taken = True
                return
        checked = walk.known(str(self.out), known, self.previous.folders, frozenset({MARKER}), stat=self.verify)
        if checked is not None:  # exactly the last build's files: no folder to list but those changed since
            self._seen, self._noted, _ = checked
            return
        self._seen = walk.scan(str(self.out), stat=self.verify)
        foreign = [rel for rel in self._seen if rel not in known and rel != MARKER]
        if foreign:
            shown = "、".join(sorted(foreign)[:5]) + (f" 等 {len(foreign)} 个文件" if len(foreign) > 5 else "")
            raise OutputError(
                f"输出目录 {self.out} 里有不是 gongkai 生成的文件：{shown}。为免误删，拒绝覆盖。"
                "请把这些文件移到别处（网站目录每次生成都会整体替换），或换一个输出目录"
            )

    def _target(self, rel: str) -> str:
        """The path of ``rel`` in the new tree, its folder made (one mkdir per
        folder, not per file; strings, not Path objects: thousands per build)."""
        head, _, _ = rel.rpartition("/")
        if head not in self._made:
            missing = [head]
            up = head.rpartition("/")[0]
            while up and up not in self._made:
                missing.append(up)
                up = up.rpartition("/")[0]
            for d in reversed(missing):
                try:
                    os.mkdir(self._tmp_prefix + d)
                except FileExistsError:
                    pass
                self._made.add(d)
        return self._tmp_prefix + rel

    def _put(self, rel: str, data: bytes) -> None:
        with open(self._target(rel), "wb") as f:
            f.write(data)

    def _register(self, rel: str) -> str:
        # the split only for a path that may not be normal: without an empty, leading or trailing
        # "/", a "//", a "\\" or a part starting with ".", no part is "", "." or ".."
        if not rel or rel[0] in "/." or rel[-1] == "/" or "//" in rel or "/." in rel or "\\" in rel:
            parts = rel.split("/")
            if "\\" in rel or "" in parts or "." in parts or ".." in parts:  # absolute, empty or not normal
                p = PurePosixPath(rel)
                if p.is_absolute() or ".." in p.parts or not p.parts:
                    raise OutputError(f"不安全的输出路径：{rel}")
                rel = p.as_posix()
        if rel == MARKER:
            raise OutputError(f"不安全的输出路径：{rel}")
        key = rel.lower()  # one path on case-insensitive disks too
        if key in self.written:
            raise OutputError(f"两个页面写到了同一个位置：{rel}")
        self.written.add(key)
        return rel

    def _intact(self, rel: str) -> tuple[str, int, int] | None:
        """The previous build's entry for ``rel`` if the file is still as it left it."""
        if self.previous is None:
            return None
        entry = self.previous.files.get(rel)
        if entry is None:
            return None
        if not self.verify:
            return entry
        seen = self._seen.get(rel)  # a regular file when the output was walked (None: anything else)
        if seen is None or (seen[0], seen[1]) != entry[1:]:
            return None
        return entry

    def intact(self, rel: str) -> bool:
        """Whether the previous build's ``rel`` is still as it left it."""
        return self._intact(rel) is not None

    def write(self, rel: str, data: bytes, found: list[Problem] | None = None) -> None:
        """``found``: what the guard found in ``data``, when it has already looked."""
        try:
            self._write(rel, data, found)
        except OSError as exc:
            raise OutputError(
                f"写入输出文件 {rel} 时出错：{exc.strerror or exc}。请检查磁盘空间和输出目录的权限；原来的网站保持不变"
            ) from exc

    def _write(self, rel: str, data: bytes, found: list[Problem] | None) -> None:
        rel = self._register(rel)
        self.bytes += len(data)
        digest = _digest(data)
        old = self._intact(rel)
        if old is not None and old[0] == digest:  # the same bytes passed the guard then: linked at the end
            self.manifest.files[rel] = old
            self.kept += 1
            return
        if found is not None:
            self.leaks.extend(found)
        elif self.guard is not None:
            self.leaks.extend(self.guard(rel, data))
        self.manifest.files[rel] = (digest, len(data), 0)  # mtime once written
        self._put(rel, data)

    def copy(self, rel: str, src: Path) -> None:
        self.write(rel, src.read_bytes())

    def keep(self, rel: str) -> bool:
        """Leave ``rel`` as the previous build wrote it (its producer's inputs
        did not change).  False when it is no longer there intact: then the
        caller must make it."""
        old = self._intact(rel)
        if old is None:
            return False
        rel = self._register(rel)
        self.manifest.files[rel] = old
        self.bytes += old[1]
        self.kept += 1
        return True

    def keep_all(self, rels: Iterable[str]) -> bool:
        """``keep`` every one of ``rels``, or none when any is not intact."""
        if self.previous is None:
            return False
        known, seen, verify = self.previous.files, self._seen, self.verify
        entries: list[tuple[str, tuple[str, int, int]]] = []
        for r in rels:  # _intact, inline: tens of thousands of files per edit
            old = known.get(r)
            if old is None:
                return False
            if verify:
                st = seen.get(r)
                if st is None or st[0] != old[1] or st[1] != old[2]:
                    return False
            entries.append((r, old))
        # _register, inline: the previous build registered these paths (its manifest is sealed),
        # so only a second file at the same place is to be refused
        written, files, size = self.written, self.manifest.files, 0
        for r, old in entries:
            key = r.lower()
            if key in written or r == MARKER:
                self._register(r)  # raises, with the path
            written.add(key)
            files[r] = old
            size += old[1]
        self.bytes += size
        self.kept += len(entries)
        return True

    def keep_groups(self, groups: list[tuple[str, ...]]) -> list[bool]:
        """``keep_all`` of each of ``groups`` in turn, the same answers and the
        same manifest, in a few passes over all their files at once (C loops
        over sets and maps: at 10,000 records an edit keeps ~31,000 groups of
        ~37,000 files, ~0.1 s as calls one by one) when every file is intact
        and none is registered yet, nor twice, nor the marker; else one by one."""
        if self.previous is None:
            return [False] * len(groups)
        flat = [rel for rels in groups for rel in rels]
        lowered = list(map(str.lower, flat))
        entries: list[Any] = list(map(self.previous.files.get, flat))
        if (
            None in entries
            or (self.verify and not self._intact_set().issuperset(flat))
            or MARKER in flat
            or not self.written.isdisjoint(lowered)
            or len(set(lowered)) != len(lowered)
        ):
            return [self.keep_all(rels) for rels in groups]
        self.written.update(lowered)
        self.manifest.files.update(zip(flat, entries, strict=True))
        self.bytes += sum(entry[1] for entry in entries)
        self.kept += len(flat)
        return [True] * len(groups)

    def _intact_set(self) -> set[str]:
        """The previous build's files still as it left them (``_intact``), found once."""
        assert self.previous is not None
        if self._intact_rels is None:
            seen = self._seen.get
            self._intact_rels = {
                rel
                for rel, entry in self.previous.files.items()
                if (st := seen(rel)) is not None and st[0] == entry[1] and st[1] == entry[2]
            }
        return self._intact_rels

    def files(self) -> list[tuple[str, Path]]:
        """Every file written so far (relative path, path in the temporary tree)."""
        assert self.tmp is not None
        return sorted(
            (p.relative_to(self.tmp).as_posix(), p) for p in self.tmp.rglob("*") if p.is_file() and p.name != MARKER
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.tmp is not None
        if exc_type is not None or self.leaks:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if exc_type is None:
                raise ContentError(self.leaks)
            return
        tree = self.tmp
        whole = False  # every folder of the new tree made (or listed and put right) by this build
        try:
            work, checked = self._take_spare()
            if work is not None:
                tree = work
                if checked is not None:  # the spare holds the names of the tree it was
                    had = self._had
                    notes, listed = checked
                    if self.private and listed:
                        # the preview's: a folder never noted (its first check, or one the server
                        # changed last) is taken by its names, as its whole walk always was; one
                        # changed since its note, file by file
                        noted = self.previous.spare_folders if self.previous is not None else {}
                        listed = {f: inodes for f, inodes in listed.items() if f in noted}
                    touched = spare.by_difference(
                        str(work),
                        had,
                        self.manifest.files,
                        str(self.tmp),
                        self._link,
                        spare.replaced(str(work), str(self.out), listed, self._seen, self.private, self._kept_inode)
                        if listed
                        else (),
                    )
                    if os.path.lexists(work / ".gitignore") and ".gitignore" not in self.manifest.files:
                        os.unlink(work / ".gitignore")  # the spare's own (_retire)
                    self.manifest.folders = walk.noted(
                        {f: n for f, n in notes.items() if f and f not in touched}, self._spare_probe
                    )
                else:
                    spare.assemble(str(work), self.manifest.files, str(self.tmp), self._kept_inode, MARKER, self._link)
                    whole = True
            else:
                self._link_kept()
                whole = True
            self._stamp(tree)
            self.manifest.token = tree_token((rel, e[0]) for rel, e in self.manifest.files.items())
            _replace_bytes(tree / MARKER, f"gongkai\n{self.manifest.token}\n{self.binding}\n".encode())
            if whole:
                self.manifest.folders = self._made_notes(tree)
            old = self._swap(tree)
        except (OSError, OutputError) as exc:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if tree is not self.tmp:
                shutil.rmtree(tree, ignore_errors=True)
            if isinstance(exc, OutputError):
                raise
            raise _output_error(self.out, exc) from exc
        self._retire(old, used_spare=tree is not self.tmp)

    def _swap(self, tree: Path) -> Path | None:
        """Make ``tree`` the output folder in one step; where the old tree now is."""
        if not self.out.exists():
            os.replace(tree, self.out)
            return None
        if _exchange(tree, self.out):  # ``tree`` now holds the old tree
            return tree
        old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old)
        os.replace(self.out, old)
        try:
            os.replace(tree, self.out)
        except OSError:
            os.replace(old, self.out)
            raise
        return old


def _output_error(out: Path, exc: OSError) -> OutputError:
    return OutputError(
        f"写入输出目录 {out} 时出错：{exc.strerror or exc}（{exc.filename or ''}）。"
        "请检查磁盘空间、目录权限，以及文件是否被其他程序占用；原来的网站保持不变，问题解决后重新生成即可"
    )


def _replace_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` by a rename: a reader sees the old file or the new one."""
    tmp = target.with_name(f".{target.name}.gk-{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
