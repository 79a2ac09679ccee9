"""The only writer of output.

A build is written into a temporary sibling of the output directory and
swapped in only when complete: a failed or killed build leaves the previous
site as it was.  Writing one path twice is refused (two pages claiming one
URL is a bug, never a silent overwrite).  A directory that gongkai did not
make is never replaced.

Given the manifest of the previous build into the same folder, a build
writes only what changed.  A file whose bytes are the same is left alone.
When few files changed, the new ones are held in memory until the build is
complete, then each replaces its old copy by a rename (in place: seconds
saved at 10,000 records); otherwise the new tree is made beside the old one
with the unchanged files hard-linked from it, and swapped in as above.  The
marker file carries the token of the build that made the folder; an update
in place first replaces the token, so a build cut off halfway leaves a
folder that no manifest matches and the next build is a full one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType

from .errors import ContentError, OutputError, Problem

__all__ = ["MARKER", "Manifest", "Output", "read_token"]

MARKER = ".gongkai-build"
# Most bytes an update in place holds in memory before it writes a new tree instead.
BUFFER_BYTES = 64 * 1024 * 1024
BUFFER_FILES = 4000


@dataclass
class Manifest:
    """What a build wrote: the marker token of the folder, every file as
    (digest of its bytes, size, mtime_ns), and the key of every group of
    files made together (a page, a record's data files…)."""

    token: str = ""
    files: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    groups: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


def read_token(out: Path) -> str:
    try:
        lines = (out / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return lines[1] if len(lines) > 1 else ""


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Output:
    """``with Output(out) as w: w.write("a/index.html", data)``"""

    def __init__(
        self,
        out: Path,
        protect: tuple[Path, ...] = (),
        guard: Callable[[str, bytes], list[Problem]] | None = None,
        previous: Manifest | None = None,
        verify: bool = True,
    ) -> None:
        """``protect``: folders the output must neither replace, contain nor
        lie inside (the content and theme folders).  ``guard``: called with
        every file written; any problem it returns stops the swap, so the
        previous site stays (the last gate against leaking personal data).
        ``previous``: the manifest of the last build into ``out``; used only
        when the folder's marker token still matches it.  ``verify``: check
        that each file left alone is still as that build wrote it (size and
        mtime); off only for a folder nobody else writes (the preview's)."""
        self.verify = verify
        self.guard = guard
        self.leaks: list[Problem] = []
        self._made: set[Path] = set()
        self.out = out.resolve()
        self._out_prefix = str(self.out) + os.sep
        for p in protect:
            p = p.resolve()
            if self.out == p or self.out in p.parents or p in self.out.parents:
                raise OutputError(f"输出目录 {self.out} 会覆盖网站内容，请换一个目录")
        if self.out.exists() and not self.out.is_dir():
            raise OutputError(f"输出位置 {self.out} 是一个文件，不是目录")
        if self.out.is_dir() and any(self.out.iterdir()) and not (self.out / MARKER).exists():
            raise OutputError(
                f"输出目录 {self.out} 里已有不是 gongkai 生成的文件，为免误删，拒绝覆盖。请指定一个空目录或新目录"
            )
        self.written: set[str] = set()
        self.tmp: Path | None = None
        self.bytes = 0
        if previous is not None and (not previous.token or read_token(self.out) != previous.token):
            previous = None
        self.previous = previous
        self.manifest = Manifest()
        self.changed: dict[str, bytes] = {}  # held for an update in place
        self._held = 0
        self.kept = 0  # files left as the previous build made them

    def __enter__(self) -> Output:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(self.out)
        if self.previous is None:
            self._new_tree()
        return self

    def _new_tree(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-{os.getpid()}-", dir=self.out.parent))
        (self.tmp / MARKER).write_text("gongkai\n", encoding="utf-8")  # its token once complete
        for rel, data in self.changed.items():  # held so far
            self._put(rel, data)
        self.changed = {}

    def _put(self, rel: str, data: bytes) -> None:
        assert self.tmp is not None
        target = self.tmp.joinpath(*rel.split("/"))
        if target.parent not in self._made:  # one mkdir per folder, not per file
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        target.write_bytes(data)

    def _register(self, rel: str) -> str:
        parts = rel.split("/")
        if "\\" in rel or "" in parts or "." in parts or ".." in parts:  # absolute, empty or not normal
            p = PurePosixPath(rel)
            if p.is_absolute() or ".." in p.parts or not p.parts:
                raise OutputError(f"不安全的输出路径：{rel}")
            rel = p.as_posix()
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
        try:
            st = os.stat(self._out_prefix + rel)
        except OSError:
            return None
        return entry if (st.st_size, st.st_mtime_ns) == entry[1:] else None

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
        if old is not None and old[0] == digest:  # the same bytes passed the guard then
            self.manifest.files[rel] = old
            self.kept += 1
            return
        if found is not None:
            self.leaks.extend(found)
        elif self.guard is not None:
            self.leaks.extend(self.guard(rel, data))
        self.manifest.files[rel] = (digest, len(data), 0)  # mtime once written
        if self.tmp is not None:
            self._put(rel, data)
            return
        self.changed[rel] = data
        self._held += len(data)
        if self._held > BUFFER_BYTES or len(self.changed) > BUFFER_FILES:
            self._new_tree()

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
        rels = tuple(rels)
        if not all(self._intact(r) is not None for r in rels):
            return False
        for r in rels:
            self.keep(r)
        return True

    def files(self) -> list[tuple[str, Path]]:
        """Every written file (relative path, path in the temporary tree)."""
        assert self.tmp is not None
        return sorted((p.relative_to(self.tmp).as_posix(), p) for p in self.tmp.rglob("*") if p.is_file())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None or self.leaks:
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
            self.changed = {}
            if exc_type is None:
                raise ContentError(self.leaks)
            return
        try:
            if self.tmp is None:
                self._update_in_place()
                return
            if self.previous is not None:
                self._link_kept()
            self._stamp(self.tmp)
            (self.tmp / MARKER).write_text(f"gongkai\n{self._token()}\n", encoding="utf-8")
            self._swap()
        except OSError as exc:
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
            raise OutputError(
                f"写入输出目录 {self.out} 时出错：{exc.strerror or exc}（{exc.filename or ''}）。"
                "请检查磁盘空间和文件是否被其他程序占用；下次生成会重新写出整个网站"
            ) from exc

    def _token(self) -> str:
        """Names the tree by its files' contents (so the same build gives the same marker)."""
        h = hashlib.blake2b(digest_size=16)
        for rel in sorted(self.manifest.files):
            h.update(f"{rel}\0{self.manifest.files[rel][0]}\n".encode())
        self.manifest.token = h.hexdigest()
        return self.manifest.token

    def _stamp(self, tree: Path) -> None:
        """Fill in the mtime of every file written (the next build checks it)."""
        files = self.manifest.files
        for rel, (digest, size, mtime) in files.items():
            if mtime == 0:
                st = os.stat(tree.joinpath(*rel.split("/")))
                files[rel] = (digest, size, st.st_mtime_ns)

    def _link_kept(self) -> None:
        """Hard-link the unchanged files of the previous build into the new tree."""
        assert self.tmp is not None
        for rel, (_, _, mtime) in self.manifest.files.items():
            if mtime == 0:
                continue
            src = self.out.joinpath(*rel.split("/"))
            target = self.tmp.joinpath(*rel.split("/"))
            if target.parent not in self._made:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(target.parent)
            try:
                os.link(src, target)
            except OSError:
                shutil.copy2(src, target)

    def _update_in_place(self) -> None:
        assert self.previous is not None
        marker = self.out / MARKER
        _replace_bytes(marker, b"gongkai\nupdating\n")  # no manifest matches a half-updated folder
        made: set[Path] = set()
        for rel, data in self.changed.items():
            target = self.out.joinpath(*rel.split("/"))
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            _replace_bytes(target, data)
        gone = [rel for rel in self.previous.files if rel not in self.manifest.files]
        for rel in gone:
            target = self.out.joinpath(*rel.split("/"))
            try:
                target.unlink()
            except FileNotFoundError:
                pass
            parent = target.parent
            while parent != self.out:
                try:
                    parent.rmdir()  # only when empty
                except OSError:
                    break
                parent = parent.parent
        self.changed = {}
        self._stamp(self.out)
        _replace_bytes(marker, f"gongkai\n{self._token()}\n".encode())

    def _swap(self) -> None:
        assert self.tmp is not None
        old: Path | None = None
        if self.out.exists():
            old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.replace(self.out, old)
        try:
            os.replace(self.tmp, self.out)
        except OSError:
            if old is not None:
                os.replace(old, self.out)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _replace_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` by a rename: a reader sees the old file or the new one."""
    tmp = target.with_name(f".{target.name}.gk-{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _clean_stale(out: Path, alive: Callable[[int], bool] | None = None) -> None:
    """Remove temporary trees left by builds that were killed."""
    alive = alive or _pid_alive
    for p in out.parent.glob(f".{out.name}.*-*"):
        parts = p.name.split("-")
        if len(parts) < 2 or not parts[1].isdigit() or not (p / MARKER).exists():
            continue
        if (".tmp" in p.name and not alive(int(parts[1]))) or ".old" in p.name:
            if ".old" in p.name and not out.exists():
                os.replace(p, out)  # a swap was cut off between its two renames
                continue
            shutil.rmtree(p, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True
