"""The only writer of output.

A build is written into a temporary sibling of the output directory and
swapped in only when complete: a failed or killed build leaves the previous
site as it was.  Writing one path twice is refused (two pages claiming one
URL is a bug, never a silent overwrite).  A directory that gongkai did not
make is never replaced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from types import TracebackType

from .errors import ContentError, OutputError, Problem

__all__ = ["MARKER", "Output"]

MARKER = ".gongkai-build"


class Output:
    """``with Output(out) as w: w.write("a/index.html", data)``"""

    def __init__(
        self,
        out: Path,
        protect: tuple[Path, ...] = (),
        guard: Callable[[str, bytes], list[Problem]] | None = None,
    ) -> None:
        """``protect``: folders the output must neither replace, contain nor
        lie inside (the content and theme folders).  ``guard``: called with
        every file written; any problem it returns stops the swap, so the
        previous site stays (the last gate against leaking personal data)."""
        self.guard = guard
        self.leaks: list[Problem] = []
        self._made: set[Path] = set()
        self.out = out.resolve()
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

    def __enter__(self) -> Output:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(self.out)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-{os.getpid()}-", dir=self.out.parent))
        (self.tmp / MARKER).write_text("gongkai\n", encoding="utf-8")
        return self

    def _target(self, rel: str) -> Path:
        assert self.tmp is not None
        p = PurePosixPath(rel)
        if p.is_absolute() or ".." in p.parts or not p.parts:
            raise OutputError(f"不安全的输出路径：{rel}")
        key = p.as_posix().lower()  # one path on case-insensitive disks too
        if key in self.written:
            raise OutputError(f"两个页面写到了同一个位置：{rel}")
        self.written.add(key)
        target = self.tmp.joinpath(*p.parts)
        if target.parent not in self._made:  # one mkdir per folder, not per file
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        return target

    def write(self, rel: str, data: bytes) -> None:
        target = self._target(rel)
        if self.guard is not None:
            self.leaks.extend(self.guard(rel, data))
        target.write_bytes(data)
        self.bytes += len(data)

    def copy(self, rel: str, src: Path) -> None:
        target = self._target(rel)
        if self.guard is not None:
            self.leaks.extend(self.guard(rel, src.read_bytes()))
        shutil.copyfile(src, target)

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
        assert self.tmp is not None
        if exc_type is not None or self.leaks:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if exc_type is None:
                raise ContentError(self.leaks)
            return
        self._swap()

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
