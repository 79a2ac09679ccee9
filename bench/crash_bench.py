"""Crash safety, measured: kill -9 a build at random moments and look at what
a reader of ``build/`` would see.

    python bench/crash_bench.py                      # 1,000 records, 210 trials
    python bench/crash_bench.py --records 300 --trials 30   # a quick look

A synthetic township (bench/synth.py) is built once in each of its states:

    A      the site as generated
    one    A with one notice's body changed
    many   A with 300 record files changed

and the exact tree each state must publish is recorded (every file's path
and SHA-256).  Then every trial starts from a finished build of one state,
changes the content to another state and starts ``gongkai build``, kills
its whole process group with SIGKILL at a random moment of its expected
duration, and classifies ``build/``:

    old     exactly the previous state's tree
    new     exactly the new state's tree
    absent  no build/ at all (only when the trial started without one)
    mixed   anything else: files of both, missing or extra files, a temp file

After each kill the build is run again to completion ("recovery") and its
tree must be exactly the new state's; anything else counts as stale.
Kinds of trial, in turn: cold (no cache: the user cache folder is emptied;
every other cold trial also starts without build/), one-file edit,
300-file edit; each edit is undone by the next trial of its kind, so both
directions are tried.  Leftover temporary folders beside build/ after a
recovery are counted too (the writer must clean them without help).

Figures: trials per kind and outcome, and the kill moments' spread.  The
bench fails (exit 1) if any trial is mixed or stale.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from synth import TODAY, generate  # noqa: E402

from gongkai.run.spare import spare_of  # noqa: E402


def tree(out: Path) -> dict[str, str] | None:
    """Every file under ``out`` with the SHA-256 of its bytes; None if absent."""
    if not out.is_dir():
        return None
    got: dict[str, str] = {}
    for dirpath, _dirs, files in os.walk(out):
        for name in files:
            p = Path(dirpath, name)
            got[p.relative_to(out).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return got


class Site:
    """The synthetic site, its states, and builds of it."""

    def __init__(self, work: Path, n: int, many: int) -> None:
        self.root = work / "site"
        self.cache = work / "cache"
        self.out = self.root / "build"
        self.outlived = 0  # 10 ms waits for a killed build's other processes to be gone (group_gone)
        manifest = generate(self.root, n)
        self.notice = self.root / manifest["edit_notice"]
        files = sorted(p for p in (self.root / "content").rglob("*") if p.suffix in (".yaml", ".md") and p.is_file())
        files = [p for p in files if not p.name.startswith("_") and p != self.notice and "archive" not in p.parts]
        self.many = random.Random(7).sample(files, min(many, len(files)))
        self.orig = {p: p.read_bytes() for p in [self.notice, *self.many]}
        # this checkout's gongkai, whatever the current folder (PYTHONSAFEPATH: `python -m` would put it first)
        self.env = {
            **os.environ,
            "GONGKAI_CACHE_DIR": str(self.cache),
            "PYTHONHASHSEED": "0",
            "PYTHONPATH": str(HERE.parent),
            "PYTHONSAFEPATH": "1",
        }
        self.state = "A"

    def set_state(self, state: str) -> None:
        for p, data in self.orig.items():
            p.write_bytes(data)
        if state == "one":
            self.notice.write_bytes(self.orig[self.notice] + "\n本文已按村民意见更正一处文字。\n".encode())
        elif state == "many":
            for p in self.many:  # a title changed: the page, lists, search, data and feeds change with it
                text = self.orig[p].decode("utf-8")
                p.write_text(text.replace("\ntitle: ", "\ntitle: 更正：", 1), encoding="utf-8")
        self.state = state

    def cmd(self) -> list[str]:
        return [sys.executable, "-m", "gongkai", "build", str(self.root), "--today", TODAY.isoformat()]

    def build(self) -> float:
        t0 = time.perf_counter()
        r = subprocess.run(self.cmd(), env=self.env, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise SystemExit(f"build failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        return time.perf_counter() - t0

    def killed_build(self, after: float) -> bool:
        """Start a build and SIGKILL its process group ``after`` seconds in.
        True if it was killed, False if it finished first."""
        p = subprocess.Popen(
            self.cmd(), env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            p.wait(timeout=after)
            return False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            self.group_gone(p.pid)
            return True

    def group_gone(self, pgid: int) -> None:
        """Wait until every process of the killed build is gone, not only the
        build itself: a forked child in the middle of a system call (linking a
        file) dies when the call returns, and until the system has reaped it
        the next build rightly takes the tree it was making for a live one's
        (swap.clean_stale) and leaves it.  A kill is over when its processes are."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            self.outlived += 1
            time.sleep(0.01)

    def clear_cache(self) -> None:
        shutil.rmtree(self.cache, ignore_errors=True)

    def leftovers(self) -> list[str]:
        """Folders or files beside build/ that a build left behind; not the
        spare tree the writer keeps there on purpose (run/spare.py: the next
        edit's tree, never published, matched file by file before use)."""
        spare = spare_of(self.out).name
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.name.startswith(("build.", ".build", "build-", ".gk")) and p.name != spare
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--trials", type=int, default=210)
    ap.add_argument("--many", type=int, default=300, help="files changed by the large edit")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one, removed)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = args.work or Path(tempfile.mkdtemp(prefix="gk-crash-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(Site(work, args.records, args.many), args.trials, rng)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def run(site: Site, trials: int, rng: random.Random) -> None:
    # The tree each state must publish, and how long each kind of build takes.
    expected: dict[str, dict[str, str]] = {}
    took: dict[str, float] = {}
    for state in ("A", "one", "many"):
        site.set_state(state)
        site.clear_cache()
        shutil.rmtree(site.out, ignore_errors=True)
        took["cold"] = site.build()
        t = tree(site.out)
        assert t is not None
        expected[state] = t
    site.set_state("A")
    site.build()
    for kind in ("one", "many"):
        site.set_state(kind)
        took[kind] = site.build()
        site.set_state("A")
        site.build()
    assert tree(site.out) == expected["A"]
    print(
        f"{len(expected['A'])} files per tree; build times: " + ", ".join(f"{k} {v:.1f} s" for k, v in took.items()),
        flush=True,
    )

    outcomes: Counter[tuple[str, str]] = Counter()
    stale: Counter[str] = Counter()
    left: Counter[str] = Counter()
    finished: Counter[str] = Counter()
    moments: dict[str, list[float]] = {"cold": [], "one": [], "many": []}
    kinds = ["cold", "one", "many"]
    t_start = time.perf_counter()
    for i in range(trials):
        kind = kinds[i % 3]
        old = site.state
        if kind == "cold":
            new = rng.choice([s for s in expected if s != old])
            site.clear_cache()
            if (i // 3) % 2:
                shutil.rmtree(site.out, ignore_errors=True)
        else:
            new = kind if old == "A" else "A"
            if old not in ("A", kind):  # coming from another kind's state: first go back to A, finished
                site.set_state("A")
                site.build()
                old = "A"
                new = kind
        before = tree(site.out)
        site.set_state(new)
        after = rng.uniform(0.02, 1.05) * took[kind if kind != "cold" else "cold"]
        moments[kind].append(after / took[kind])
        if not site.killed_build(after):
            finished[kind] += 1
        seen = tree(site.out)
        if seen is None:
            verdict = "absent" if before is None else "mixed"
        elif seen == expected[old] and before is not None:
            verdict = "old"
        elif seen == expected[new]:
            verdict = "new"
        else:
            verdict = "mixed"
            extra = sorted(set(seen) - set(expected[new]) - set(expected[old]))[:3]
            print(f"  trial {i} ({kind}, {old}→{new}, killed at {after:.2f} s): mixed; extra {extra}", flush=True)
        outcomes[(kind, verdict)] += 1
        t0 = time.perf_counter()
        site.build()  # recovery
        if kind != "cold":  # the same build, run whole: how long this kind takes now (the load varies)
            took[kind] = 0.5 * took[kind] + 0.5 * (time.perf_counter() - t0)
        if tree(site.out) != expected[new]:
            stale[kind] += 1
            print(f"  trial {i} ({kind}, {old}→{new}): stale after recovery", flush=True)
        for name in site.leftovers():
            left[name] += 1
        if (i + 1) % 15 == 0:
            print(f"  {i + 1}/{trials} trials, {time.perf_counter() - t_start:.0f} s", flush=True)
            table(i + 1, outcomes, stale, finished)
    print()
    bad = table(trials, outcomes, stale, finished)
    print(f"waited {site.outlived * 0.01:.2f} s in all for killed builds' other processes to be gone")
    if left:
        print(f"left beside build/ after a recovery: {dict(left)}")
    if bad or left:
        sys.exit(1)


def table(trials: int, outcomes: Counter[tuple[str, str]], stale: Counter[str], finished: Counter[str]) -> int:
    """The outcomes so far (printed as the bench goes: a long run cut short still says what it saw)."""
    kinds = ["cold", "one", "many"]
    print(f"{trials} trials of kill -9 at a random moment (2 %–105 % of the build's time); build/ as seen right after:")
    print(f"{'kind':<6} {'trials':>6} {'old':>5} {'new':>5} {'absent':>6} {'mixed':>5} {'stale':>5} {'done':>5}")
    bad = 0
    for kind in kinds:
        n = sum(v for (k, _), v in outcomes.items() if k == kind)
        row = [outcomes[(kind, v)] for v in ("old", "new", "absent", "mixed")]
        bad += row[3] + stale[kind]
        print(f"{kind:<6} {n:>6} {row[0]:>5} {row[1]:>5} {row[2]:>6} {row[3]:>5} {stale[kind]:>5} {finished[kind]:>5}")
    print("(done: the build finished before the kill; stale: recovery did not give the new tree)")
    killed = trials - sum(finished.values())
    print(f"killed {killed} of {trials}; mixed or stale: {bad}", flush=True)
    return bad


if __name__ == "__main__":
    main()
