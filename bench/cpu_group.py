"""The CPU a command used, every process it started counted: a Linux control
group (cgroup) per run.

GNU time and getrusage(RUSAGE_CHILDREN) count only descendants that were
waited for; a forked worker that is killed without being reaped, or a
process that outlives the command, is missed.  A cgroup counts every task
that was ever in it, so the figure is the machine's own bill for the run.

    group = CpuGroup.create("build-1")        # None where cgroups are not writable
    proc = subprocess.Popen(cmd, preexec_fn=group.join if group else None)
    proc.wait()
    tail = group.drain()                      # waits for stragglers, seconds waited
    cpu_s = group.cpu_seconds()
    group.remove()

cgroup v1 (``cpuacct.usage``, nanoseconds) is tried first, then v2
(``cpu.stat`` usage_usec).  Both need the right to make a folder under the
hierarchy (root, or a delegated subtree); without it the bench falls back to
GNU time and says so.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

V1 = Path("/sys/fs/cgroup/cpuacct")
V2_CANDIDATES = (Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup"))


class CpuGroup:
    def __init__(self, path: Path, v1: bool) -> None:
        self.path, self.v1 = path, v1

    @classmethod
    def create(cls, name: str) -> CpuGroup | None:
        leaf = f"gongkai-bench-{os.getpid()}-{name}"
        if (V1 / "cpuacct.usage").is_file():
            try:
                (V1 / leaf).mkdir()
                return cls(V1 / leaf, True)
            except OSError:
                pass
        for root in V2_CANDIDATES:
            if (root / "cgroup.procs").is_file() and not (root / "cpuacct.usage").exists():
                try:
                    (root / leaf).mkdir()
                except OSError:
                    continue
                if (root / leaf / "cpu.stat").is_file():
                    return cls(root / leaf, False)
                (root / leaf).rmdir()
        return None

    def join(self) -> None:
        """Put the calling process in the group (called in the child between
        fork and exec); everything it starts is then in it too."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def members(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def drain(self, limit: float = 120.0) -> float:
        """Wait until no process is left in the group (a detached straggler
        still doing work is waited for, up to ``limit`` seconds; then killed).
        Returns the seconds waited."""
        t0 = time.perf_counter()
        while self.members():
            if time.perf_counter() - t0 > limit:
                for pid in self.members():
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
            time.sleep(0.05)
        return time.perf_counter() - t0

    def cpu_seconds(self) -> float:
        if self.v1:
            return int((self.path / "cpuacct.usage").read_text()) / 1e9
        for line in (self.path / "cpu.stat").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                return int(value) / 1e6
        return float("nan")

    def remove(self) -> None:
        try:
            self.path.rmdir()
        except OSError:
            pass
