"""What a long command shows while it works, and how long each stage took.

:class:`StageProgress` is the ``progress`` callback a command passes to the
build (run/progress.py).  It always times the stages (``--verbose`` prints
them, ``build --format json`` gives them to CI); on a terminal it also keeps
one line up to date in place, in Chinese::

    检查 [##########          ] 512/1000 个文件，还需约 4 秒

and blanks it when the command ends, so only the summary stays on screen.
The line is click's progress bar (its rendering, cursor handling and TTY
test); off a terminal (CI, a pipe, a log file) nothing is written at all.
It is redrawn at most every :data:`REFRESH` seconds however often the build
reports, so watching costs next to nothing (bench/progress_bench.py).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import Any, TextIO

import click
from click._termui_impl import AFTER_BAR, BEFORE_BAR, ProgressBar  # click.progressbar's class

__all__ = ["LABELS", "StageProgress", "format_seconds", "stage_lines"]

# stage → (what the line says, what its count counts)
LABELS = {
    "start": ("准备", ""),  # from the command's start to the first stage (finding the site, the no-op test)
    "check": ("检查", "个文件"),
    "pages": ("生成", "个页面"),
    "search": ("搜索索引", ""),
    "write": ("写入", ""),
}
REFRESH = 0.1  # seconds between two redraws of the line
ETA_AFTER = 3.0  # seconds into a stage before the time left is estimated


def format_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} 秒" if seconds < 10 else f"{seconds:.0f} 秒"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} 分 {secs:02d} 秒"


class _Line(ProgressBar[Any]):
    """click's bar, blanked at the end instead of left on screen."""

    def render_finish(self) -> None:
        if self.hidden or not self._is_atty or self.max_width is None:
            return
        # Chinese text takes two columns a character; do not run into the next line.
        blank = " " * min(2 * self.max_width, shutil.get_terminal_size().columns - 1)
        self.file.write(BEFORE_BAR + blank + BEFORE_BAR + AFTER_BAR.rstrip("\n"))
        self.file.flush()


class StageProgress:
    """The progress callback of one command.  ``show``: draw the line on
    ``file`` (when it is a terminal).  ``close()`` ends the last stage and
    blanks the line; ``timings`` is then [(stage, seconds)] in order."""

    def __init__(self, show: bool, file: TextIO | None = None, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.timings: list[tuple[str, float]] = []
        self.stage = "start"
        self.began = self.started = clock()
        self.last = 0.0
        self.bar: _Line | None = None
        if show:
            file = file or click.get_text_stream("stderr")
            if file.isatty():
                self.bar = _Line(
                    None, length=1, file=file, width=20, show_eta=False, show_percent=False, item_show_func=str
                )

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        if stage != self.stage:
            self._end(now)
            self.stage, self.began, self.last = stage, now, 0.0
        elif now - self.last < REFRESH or self.bar is None:
            return
        if self.bar is not None:
            self.last = now
            self._draw(now, done, total)

    @property
    def total(self) -> float:
        return sum(s for _, s in self.timings)

    def close(self) -> None:
        if self.stage:
            self._end(self.clock())
            self.stage = ""
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None

    def _end(self, now: float) -> None:
        if self.stage != "start" or now - self.began > 0:
            self.timings.append((self.stage, now - self.began))

    def _draw(self, now: float, done: int, total: int) -> None:
        bar = self.bar
        assert bar is not None
        label, unit = LABELS.get(self.stage, (self.stage, ""))
        spent = now - self.began
        if total > 0:
            info = f"{done}/{total} {unit}"
            if spent >= ETA_AFTER and 0 < done < total:
                info += f"，还需约 {format_seconds(spent / done * (total - done))}"
            bar.bar_template, bar.length = "%(label)s [%(bar)s] %(info)s", total
        else:
            info = f"（已用 {format_seconds(spent)}）" if spent >= ETA_AFTER else "……"
            bar.bar_template, bar.length = "%(label)s%(info)s", 1
        bar.label, bar.pos, bar.finished, bar.current_item = label, min(done, max(total, 0)), False, info
        if not bar.entered:
            bar.entered = True
        bar.render_progress()


def stage_lines(timings: list[tuple[str, float]]) -> list[str]:
    """``--verbose``: one line per stage, then the whole."""
    lines = ["各阶段用时："]
    for stage, seconds in timings:
        lines.append(f"  {LABELS.get(stage, (stage, ''))[0]}：{seconds:.2f} 秒")
    lines.append(f"  合计：{sum(s for _, s in timings):.2f} 秒")
    return lines
