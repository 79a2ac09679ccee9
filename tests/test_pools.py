"""The build's forked processes (run/engine/pools.py, early.py): the search
merge runs in a process forked before the site is loaded, the render pool
is forked afresh as it goes, the bytes are the one process's, and a process
that dies (killed, out of memory) stops the build with a clear Chinese
error: never a hang, never a traceback, never a half-made site published."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from synth import generate

TODAY = "2026-11-28"
RECORDS = 200  # ≈ 370 pages: rendered by the pool, and the search index merged beside them (500 records or 256 pages)

# Runs the real command line with one function of the pool replaced by one
# that kills its own process, as the kernel's out-of-memory killer would.
KILLER = """
import os, signal, sys
import gongkai.run.engine.pools as pools
def dies(*args):
    os.kill(os.getpid(), signal.SIGKILL)
setattr(pools, sys.argv[1], dies)
from gongkai.commands.cli import main
sys.argv = ["gongkai", *sys.argv[2:]]
main()
"""


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("town")
    generate(root, RECORDS)
    return root


def _build(site: Path, cache: Path, kill: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GONGKAI_CACHE_DIR=str(cache), PYTHONPATH=str(REPO))
    args = ["build", str(site), "--today", TODAY]
    cmd = [sys.executable, "-c", KILLER, kill, *args] if kill else [sys.executable, "-m", "gongkai", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)


def _start(site: Path, tmp_path: Path, stderr: int) -> subprocess.Popen[str]:
    """A cold build of ``site`` into ``tmp_path/out`` (its own cache), running."""
    env = dict(os.environ, GONGKAI_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "gongkai", "build", str(site), "--today", TODAY, "--out", str(tmp_path / "out")],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def _children_of(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += [int(c) for c in f.read().split()]
    return out


@pytest.mark.parametrize("kill", ["_worker_render", "_aside_write"])
def test_a_killed_worker_is_a_clear_error_and_the_old_site_stays(town: Path, tmp_path: Path, kill: str) -> None:
    cache = tmp_path / "cache"
    first = _build(town, cache)
    assert first.returncode == 0, first.stderr
    before = sorted(p.relative_to(town / "build").as_posix() for p in (town / "build").rglob("*"))
    beside = sorted(os.listdir(town))
    # a cold build (another cache: the pages are rendered and the index merged afresh) whose worker dies
    lost = _build(town, tmp_path / "cold-cache", kill=kill, timeout=240)
    assert lost.returncode == 1, lost.stderr
    assert "子进程意外退出" in lost.stderr
    assert "Traceback" not in lost.stderr
    assert sorted(p.relative_to(town / "build").as_posix() for p in (town / "build").rglob("*")) == before
    assert sorted(os.listdir(town)) == beside  # no half-made tree left beside it


def test_no_process_beside_the_pool_but_the_merge(town: Path, tmp_path: Path) -> None:
    """No process beside the render pool (or the check pool) but the search
    merge's, forked before the site is loaded: the build's tree has at most
    one child per core and that one while it runs."""
    import threading
    import time

    proc = _start(town, tmp_path, stderr=subprocess.PIPE)
    most = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal most
        while not stop.is_set():
            try:
                most = max(most, len(_children_of(proc.pid)))
            except OSError:
                pass
            time.sleep(0.02)

    t = threading.Thread(target=watch)
    t.start()
    try:
        _, err = proc.communicate(timeout=300)
    finally:
        stop.set()
        t.join()
    assert proc.returncode == 0, err
    assert 1 <= most <= (os.cpu_count() or 1) + 1 or (os.cpu_count() or 1) < 2


def test_the_merge_runs_in_a_process_forked_before_the_site_is_loaded(town: Path, tmp_path: Path) -> None:
    """The search merge reads its records from a spool in a process forked
    while the build held only its modules (before, the render pool's first
    task: a process forked once every record was loaded keeps a copy of every
    page the build writes to while it lives, ~160 MB at 10,000 records)."""
    import multiprocessing

    import gongkai.emit.search_state as search_state
    import gongkai.run.pipeline as pipeline
    from gongkai.run.build import build

    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: nothing is forked")
    merged = tmp_path / "merged"
    at_load: list[set[int]] = []
    real_load, real_doc = pipeline.load_site, search_state._search_doc

    def load(*args, **kwargs):  # type: ignore[no-untyped-def]
        at_load.append({p.pid for p in multiprocessing.active_children()})
        return real_load(*args, **kwargs)

    def doc(*args, **kwargs):  # type: ignore[no-untyped-def]
        merged.write_text(str(os.getpid()))
        return real_doc(*args, **kwargs)

    site = tmp_path / "town"
    shutil.copytree(town, site)
    mp = pytest.MonkeyPatch()
    mp.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    mp.setattr(pipeline, "load_site", load)
    mp.setattr(search_state, "_search_doc", doc)
    try:
        result = build(site, date.fromisoformat(TODAY), out=tmp_path / "out", workers=2)
    finally:
        mp.undo()
    assert result.search == "merged"
    pid = int(merged.read_text())
    assert pid != os.getpid()
    assert at_load and pid in at_load[0], "the merge ran in a process forked after the site was loaded"


def test_an_edit_that_splices_forks_no_early_process(town: Path, tmp_path: Path) -> None:
    """The merge's early process is forked only when no search state is kept
    for the output (a cold build): a one-record edit splices the index and
    pays no fork for a process it would close unused."""
    import gongkai.run.engine.engine as engine_mod
    from gongkai.run.build import build

    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: nothing is forked")
    site = tmp_path / "town"
    shutil.copytree(town, site)
    made: list[object] = []
    real = engine_mod.Early

    def counted() -> object:
        made.append(True)
        return real()

    mp = pytest.MonkeyPatch()
    mp.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    mp.setattr(engine_mod, "Early", counted)
    try:
        first = build(site, date.fromisoformat(TODAY), out=tmp_path / "out", workers=2)
        assert first.search == "merged" and len(made) == 1
        notice = site / json.loads((site / "synth.json").read_text("utf-8"))["edit_notice"]
        notice.write_text(notice.read_text("utf-8") + "\n补充说明。\n", "utf-8")
        second = build(site, date.fromisoformat(TODAY), out=tmp_path / "out", workers=2)
    finally:
        mp.undo()
    assert second.search.startswith("spliced"), second.search
    assert len(made) == 1, "an edit that splices forked the merge's process"


def test_a_build_stopped_mid_pages_leaves_no_merge_files_behind(town: Path, tmp_path: Path) -> None:
    """The merge's spool (every search file, names included) is removed when
    the build stops while the pages are made, not only when it reaches the
    search index."""
    import tempfile

    import gongkai.run.engine.engine as engine_mod
    from gongkai.run.build import build

    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: nothing is forked")
    site = tmp_path / "town"
    shutil.copytree(town, site)
    temp = tmp_path / "temp"
    temp.mkdir()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert any(p.name.startswith("gongkai-aside-") for p in temp.iterdir()), "no merge was started"
        raise OSError("disk gone")

    mp = pytest.MonkeyPatch()
    mp.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    mp.setattr(tempfile, "tempdir", str(temp))
    mp.setattr(engine_mod, "make_items", broken)
    try:
        with pytest.raises(OSError, match="disk gone"):
            build(site, date.fromisoformat(TODAY), out=tmp_path / "out", workers=2)
    finally:
        mp.undo()
    assert not list(temp.iterdir()), "a stopped build left the merge's files in the temp folder"
    assert not (tmp_path / "out").exists()


def test_the_render_pool_is_forked_afresh_and_the_bytes_stay(town: Path, tmp_path: Path) -> None:
    """The render pool's processes are ended and forked again every few
    chunks (each grows towards a copy of the records the longer it lives
    beside this one); the output is byte for byte the one process's."""
    import gongkai.run.engine.pools as pools
    from gongkai.run.build import build

    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: nothing is forked")
    forks: list[int] = []
    real = pools.Forked.close

    def close(self: pools.Forked) -> None:
        forks.append(self.forks)
        real(self)

    site = tmp_path / "town"
    shutil.copytree(town, site)
    mp = pytest.MonkeyPatch()
    mp.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    mp.setattr(pools, "_RENEW", 2)
    mp.setattr(pools.Forked, "close", close)
    try:
        build(site, date.fromisoformat(TODAY), out=tmp_path / "many", workers=2)
        build(site, date.fromisoformat(TODAY), out=tmp_path / "one", workers=1)
    finally:
        mp.undo()
    assert forks and max(forks) >= 3, forks
    many, one = _tree(tmp_path / "many"), _tree(tmp_path / "one")
    assert many.keys() == one.keys()
    assert [rel for rel in many if many[rel] != one[rel] and rel != ".gongkai-build"] == []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_workers_end_when_the_build_is_killed_outright(town: Path, tmp_path: Path) -> None:
    """kill -9 of the build (a cancelled CI job, a clerk ending it in the task
    manager) leaves no worker behind: a forked worker holds both ends of its
    task pipe, so without watching its parent it waited for a task for ever
    (two such orphans were found after the test suite had run)."""
    import signal
    import time

    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: no pool")
    proc = _start(town, tmp_path, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None and not workers:
        try:
            workers = _children_of(proc.pid)
        except OSError:
            pass
        time.sleep(0.01)
    if not workers:
        proc.wait()
        pytest.skip("the build ended before a worker could be seen")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    end = time.monotonic() + 15
    while time.monotonic() < end and any(_alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, f"workers {left} outlived the killed build"


def test_data_files_and_qr_codes_are_made_on_every_core(town: Path, tmp_path: Path) -> None:
    """A record's data files and QR code are made by the pool's processes
    beside the pages (before, by this process alone after the pages, one core
    idle); the output is byte for byte the one process's."""
    import gongkai.run.pipeline as pipeline
    from gongkai.run.build import build

    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: nothing is forked")
    calls = tmp_path / "calls"
    real = pipeline.record_data_files

    def watched(site, rec):  # type: ignore[no-untyped-def]
        with open(calls, "a") as f:
            f.write(f"{os.getpid()}\n")
        return real(site, rec)

    site = tmp_path / "town"
    shutil.copytree(town, site)
    mp = pytest.MonkeyPatch()
    mp.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    mp.setattr(pipeline, "record_data_files", watched)
    try:
        build(site, date.fromisoformat(TODAY), out=tmp_path / "many", workers=2)
        pids = [int(p) for p in calls.read_text().split()]
        assert len(pids) > RECORDS // 2
        assert {p for p in pids if p != os.getpid()}, "every data file was made by the build's own process"
        build(site, date.fromisoformat(TODAY), out=tmp_path / "one", workers=1)
    finally:
        mp.undo()
    many, one = _tree(tmp_path / "many"), _tree(tmp_path / "one")
    assert many.keys() == one.keys()
    assert [rel for rel in many if many[rel] != one[rel] and rel != ".gongkai-build"] == []


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_pool_ends_before_the_build_finishes(town: Path, tmp_path: Path) -> None:
    """Once every page is made and the search merge is done, the pool's
    processes (each a copy of the records) end, before the main process
    writes the index and finishes the build (before, the merge's process
    lived to the end, the peak of the build's memory)."""
    import multiprocessing

    from gongkai.run.build import build
    from gongkai.run.engine.engine import Made

    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: nothing is forked")
    alive: list[int] = []
    real = Made.search

    def watched(self: Made) -> None:  # every process but the merge's (early.py), which ends with its work
        alive.append(len([p for p in multiprocessing.active_children() if p.name != "gongkai-early"]))
        real(self)

    site = tmp_path / "town"
    shutil.copytree(town, site)
    mp = pytest.MonkeyPatch()
    mp.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    mp.setattr(Made, "search", watched)
    try:
        result = build(site, date.fromisoformat(TODAY), out=tmp_path / "out", workers=2)
    finally:
        mp.undo()
    assert result.search == "merged"
    assert alive == [0]


def test_an_unused_early_process_ends_when_closed() -> None:
    """A build that splices its search index never gives the early process
    a job: closing it must end it at once (it held a copy of the build's end
    of the pipe, so it never saw the end of file and the build waited for
    ever in join), and a job given it answers."""
    import functools
    import operator
    import time

    from gongkai.run.engine.early import Early

    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: nothing is forked")
    early = Early()
    t0 = time.monotonic()
    early.close()
    assert time.monotonic() - t0 < 5
    early = Early()
    early.run(functools.partial(operator.add, 2, 3))
    assert early.result() == 5
    early.close()


def test_a_refused_build_leaves_no_process_while_its_error_is_held(town: Path, tmp_path: Path) -> None:
    """A build that stops at a content error ends the processes it forked
    at once, not when the collector gets to it: the error's traceback keeps
    the build's frames (pytest.raises, a caller that logs it, the preview
    server), and the early process would wait meanwhile with a copy of every
    descriptor the caller had when it forked: in a test run, the browser
    driver's pipe, whose end the run then waited for at its close, for ever."""
    from gongkai.core.errors import ContentError
    from gongkai.run.build import build

    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: nothing is forked")
    site = tmp_path / "town"
    shutil.copytree(town, site)
    notice = site / json.loads((site / "synth.json").read_text(encoding="utf-8"))["edit_notice"]
    notice.write_text(notice.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        build(site, date(2026, 11, 28), out=tmp_path / "out", workers=2)
    assert refused.traceback  # the build's frames, still held
    import multiprocessing

    assert [p.name for p in multiprocessing.active_children()] == []
