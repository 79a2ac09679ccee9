"""The last gate's speed over a real build, and the scanner on hostile files.

    PYTHONPATH=. python bench/gate_bench.py speed [--records 10000] [--site /tmp/gate-town] [--code DIR ...]
    PYTHONPATH=. python bench/gate_bench.py hostile [--code DIR ...] [--only NAME]

``speed`` makes a synthetic township (bench/synth.py, ``--records`` records,
seed 1) and builds it once (both skipped when ``--site`` already holds the
build), then runs the build's last gate (gongkai.emit.gate.leak_gate with the
site's public numbers and attachments, as gate_for(site) binds them) over
every file of build/, as the build does, and prints the files and bytes it
scanned, what it found, CPU and wall seconds and MB/s (bytes / wall of the
gate calls alone; reading the files is not counted).

``hostile`` writes files of at most 10 MB an attacker or a hurried clerk may
commit or publish (number soup, 450k YAML keys, one 10 MB line, deep nesting
in YAML and Markdown, a huge allow_numbers list, a catalogue of numbers ...)
and runs the real CLI on each, in a subprocess: ``gongkai check`` and
``gongkai build`` on a site holding the file, and the pre-commit hook
(``gongkai hooks run``) with the file staged.  Per file and call it prints
wall seconds, peak RSS of the child (resource.getrusage RUSAGE_CHILDREN
ru_maxrss, measured in a fresh wrapper process per call) and the exit code;
a call over 10 s or 500 MB is marked.

``--code DIR`` (repeatable) runs the same measurement with the gongkai
package found in DIR (e.g. an export of an older commit: ``git archive REV |
tar -x -C /tmp/old``), each in its own process, interleaved round by round,
and prints ratios against the first DIR, so that before/after figures come
from the same machine in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
TODAY = "2026-11-28"
MB = 2**20


# --- speed ---------------------------------------------------------------------------------


def ensure_site(site: Path, records: int) -> None:
    """The synthetic township, built once (by the code on PYTHONPATH)."""
    if (site / "build" / ".gongkai-build").exists():
        return
    if not (site / "content" / "site.yaml").exists():
        sys.path.insert(0, str(HERE))
        from synth import generate

        generate(site, records, seed=1)
    print(f"building {site} ({records} records) once ...", flush=True)
    subprocess.run([sys.executable, "-m", "gongkai", "build", str(site), "--today", TODAY, "-q"], check=True)


def gate_args(site: Path, cache: Path) -> dict[str, object]:
    """What gate_for(site) binds (public numbers, attachments, allow_unread),
    computed once and kept next to the site (loading 10,000 records is slow)."""
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    from datetime import date

    from gongkai.check.public import site_public_numbers
    from gongkai.plan.names import withdraw_names
    from gongkai.run.build import check

    result = check(site, date.fromisoformat(TODAY))
    assert result.site is not None
    s = withdraw_names(result.site)
    args = {
        "public": sorted(site_public_numbers(s)),
        "attachments": sorted(f"{r.url}{a['file']}" for r in s.published for a in r.attachments),
        "allow_unread": list(getattr(s.config, "allow_unread", ())),
    }
    cache.write_text(json.dumps(args, ensure_ascii=False), encoding="utf-8")
    return args


def speed_inner(site: Path, bound: dict[str, object]) -> dict[str, float]:
    """One pass of the last gate over every file of ``site``/build."""
    from gongkai.emit.gate import leak_gate

    public = frozenset(bound["public"])  # type: ignore[arg-type]
    attachments = frozenset(bound["attachments"])  # type: ignore[arg-type]
    allow = tuple(bound["allow_unread"])  # type: ignore[arg-type]
    out = site / "build"
    rels = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != ".gongkai-build")
    wall = cpu = 0.0
    size = problems = 0
    for rel in rels:
        data = (out / rel).read_bytes()
        w0, c0 = time.perf_counter(), time.process_time()
        found = leak_gate(rel, data, public, attachments, allow)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        size += len(data)
        problems += len(found)
    return {"files": len(rels), "bytes": size, "problems": problems, "wall": wall, "cpu": cpu}


def speed(args: argparse.Namespace) -> None:
    site = args.site.resolve()
    if args.inner:
        bound = json.loads((site / "gate-args.json").read_text(encoding="utf-8"))
        print(json.dumps(speed_inner(site, bound)))
        return
    ensure_site(site, args.records)
    gate_args(site, site / "gate-args.json")
    codes = [c.resolve() for c in args.code] or [Path.cwd()]
    results: dict[Path, list[dict[str, float]]] = {c: [] for c in codes}
    for rnd in range(args.rounds):
        for code in codes:
            r = _child(code, ["speed", "--inner", "--site", str(site)])
            results[code].append(r)
            print(
                f"round {rnd + 1} {code}: {r['files']} files, {r['bytes'] / MB:.1f} MB, {r['problems']} problems, "
                f"wall {r['wall']:.2f} s, CPU {r['cpu']:.2f} s, {r['bytes'] / MB / r['wall']:.1f} MB/s",
                flush=True,
            )
    print()
    print(
        f"{'code':40s} {'files':>7s} {'MB':>7s} {'problems':>8s} {'wall s':>7s} {'CPU s':>7s} "
        f"{'MB/s':>7s} {'ratio':>6s} {'MB/CPU s':>9s} {'ratio':>6s}"
    )
    base = base_cpu = 0.0
    for code in codes:
        best = min(results[code], key=lambda r: r["wall"])
        cpu = min(r["cpu"] for r in results[code])
        rate, rate_cpu = best["bytes"] / MB / best["wall"], best["bytes"] / MB / cpu
        base, base_cpu = base or rate, base_cpu or rate_cpu
        print(
            f"{str(code)[-40:]:40s} {best['files']:7d} {best['bytes'] / MB:7.1f} {best['problems']:8d} "
            f"{best['wall']:7.2f} {cpu:7.2f} {rate:7.1f} {rate / base:6.2f} {rate_cpu:9.1f} {rate_cpu / base_cpu:6.2f}"
        )
    print("(best of the rounds: the machine is shared; MB/CPU s = bytes over the process's CPU seconds in the gate)")


def _child(code: Path, argv: list[str]) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(code))
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *argv], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- hostile files ----------------------------------------------------------------------------

LIMIT_S = 10.0
LIMIT_MB = 500.0
SIZE = 10 * 10**6
CONTENT = 5 * 2**20 - 4096  # record files are refused above 5 MB (GK005): just under


def _soup(n: int) -> str:
    """Digits with separators of every kind a number may be written with."""
    import random

    rng = random.Random(5)
    seps = [" ", "-", ".", "/", " ", "\u3000", "\u00a0", "\t", "  ", "*", "", "", ""]
    out: list[str] = []
    size = 0
    while size < n:
        piece = "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 7))) + rng.choice(seps)
        out.append(piece)
        size += len(piece.encode())
    return "".join(out)[:n]


def _nested_yaml(depth: int) -> str:
    lines = [f"{'  ' * i}k{i}:" for i in range(depth)]
    return "title: 嵌套\n" + "\n".join(f"x:\n{line}" if i == 0 else line for i, line in enumerate(lines)) + " 1\n"


def hostile_files() -> dict[str, tuple[str, Callable[[], bytes]]]:
    """name -> (path in the site, its bytes when called).  Each at most 10 MB."""
    head = "---\ntitle: 通知\npublisher: town\ndate: 2024-03-01\ncategory: 工作动态\n---\n"

    def keys() -> bytes:
        text = "title: 键\npublisher: town\ndate: 2024-03-01\ncategory: 工作动态\n"
        return (text + "".join(f"k{i:06d}: 1\n" for i in range(450_000))).encode()

    return {
        "soup.md": ("content/notices/2024/soup.md", lambda: (head + _soup(CONTENT - 200)).encode()),
        "soup.txt (attachment)": ("content/notices/2024/soup.txt", lambda: _soup(SIZE).encode()),
        "keys450k.yaml": ("content/notices/2024/keys.yaml", keys),
        "line10mb.txt (attachment)": ("content/notices/2024/line.txt", lambda: ("公告" * (SIZE // 6)).encode()),
        "line5mb.md": ("content/notices/2024/line.md", lambda: (head + "公告" * (CONTENT // 6 - 40)).encode()),
        "line5mb-digits.md": (
            "content/notices/2024/line-digits.md",
            lambda: (head + "1234567890 " * (CONTENT // 11 - 10)).encode(),
        ),
        "nested.yaml": ("content/notices/2024/nested.yaml", lambda: _nested_yaml(2_000).encode()),
        "flow-nested.yaml": ("content/notices/2024/flow.yaml", lambda: ("title: a\nx: " + "[" * 200_000).encode()),
        "brackets.md": ("content/notices/2024/brackets.md", lambda: (head + "[" * (CONTENT - 100)).encode()),
        "quotes.md": ("content/notices/2024/quotes.md", lambda: (head + "> " * (CONTENT // 2 - 100)).encode()),
        "lists.md": (
            "content/notices/2024/lists.md",
            lambda: (head + "".join("  " * i + "- a\n" for i in range(2_000))).encode(),
        ),
        "emphasis.md": ("content/notices/2024/emphasis.md", lambda: (head + "*a" * (CONTENT // 2 - 100)).encode()),
        "allow_numbers.yaml": ("content/site.yaml", lambda: _site_yaml(allow=180_000)),
        "catalogue.csv": ("content/notices/2024/catalogue.csv", lambda: _catalogue(SIZE).encode()),
    }


def _catalogue(n: int) -> str:
    """A listing of numbers: 18-digit case numbers, 19-digit parcel codes, amounts."""
    import random

    rng = random.Random(9)
    rows = ["受理编号,地块编码,金额"]
    size = 0
    while size < n - 200:
        row = f"{rng.randrange(10**17, 10**18)},{rng.randrange(10**18, 10**19)},{rng.randrange(100, 99999)}.{rng.randrange(100):02d}"
        rows.append(row)
        size += len(row) + 1
    return "\n".join(rows) + "\n"


def hostile(args: argparse.Namespace) -> None:
    if args.inner:
        _hostile_inner(args)
        return
    codes = [c.resolve() for c in args.code] or [Path.cwd()]
    names = [n for n in hostile_files() if not args.only or args.only in n]
    calls = args.calls.split(",")
    rows: dict[tuple[str, str, Path], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="gate-hostile-") as tmp:
        for name in names:
            for call in calls:
                for code in codes:
                    r = _child(
                        code,
                        [
                            "hostile",
                            "--inner",
                            "--tmp",
                            tmp,
                            "--only",
                            name,
                            "--calls",
                            call,
                            "--timeout",
                            str(args.timeout),
                        ],
                    )
                    rows[(name, call, code)] = r
                    flag = " !" if r["wall"] > LIMIT_S or r["rss_mb"] > LIMIT_MB else ""
                    print(
                        f"{name:24s} {call:6s} {str(code)[-28:]:28s} {r['size'] / MB:5.1f} MB  "
                        f"{r['wall']:7.2f} s  {r['rss_mb']:7.1f} MB  exit {r['rc']:3d}  "
                        f"out {r['out_kb']:8.1f} KB{flag}  {r['said']}",
                        flush=True,
                    )
    print(f"(! = over {LIMIT_S:.0f} s or {LIMIT_MB:.0f} MB)")


def _site_yaml(allow: int = 0) -> bytes:
    text = (HERE.parent / "tests" / "sites" / "minimal" / "content" / "site.yaml").read_text(encoding="utf-8")
    if allow:
        import random

        rng = random.Random(3)
        text += "allow_numbers:\n" + "".join(
            f"  - number: '{rng.randrange(10**17, 10**18)}'\n    reason: 受理编号\n" for _ in range(allow)
        )
        text = text.encode()[:CONTENT].decode("utf-8", "ignore")
        text = text[: text.rfind("\n  - number")] + "\n"
    return text.encode()


def _hostile_inner(args: argparse.Namespace) -> None:
    """Runs one CLI call on one hostile file through a wrapper process and
    prints its wall time and the wrapper's RUSAGE_CHILDREN peak RSS."""
    name = args.only
    rel, make = hostile_files()[name]
    data = make()
    tmp = Path(args.tmp)
    site = tmp / f"site-{abs(hash((name, args.calls))) % 10**8}"
    if site.exists():
        import shutil

        shutil.rmtree(site)
    (site / "content").mkdir(parents=True)
    (site / "content" / "site.yaml").write_bytes(_site_yaml())
    target = site / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    if rel.endswith((".txt", ".csv")):  # an attachment: a notice that lists it
        (target.parent / "with-file.md").write_text(
            f"---\ntitle: 附件\npublisher: town\ndate: 2024-03-01\ncategory: 工作动态\nattachments:\n  - file: {target.name}\n"
            "    title: 附件\n---\n正文\n",
            encoding="utf-8",
        )
    env = dict(os.environ)
    if args.calls == "hook":
        subprocess.run(["git", "init", "-q"], cwd=site, check=True)
        subprocess.run(["git", "add", "-A"], cwd=site, check=True)
        cmd = [sys.executable, "-m", "gongkai", "hooks", "run"]
    else:
        cmd = [sys.executable, "-m", "gongkai", args.calls, str(site), "--today", TODAY]
    import resource

    w0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=site, env=env, capture_output=True, timeout=args.timeout)
        rc, out = done.returncode, len(done.stdout) + len(done.stderr)
        lines = (done.stderr + done.stdout).decode("utf-8", "replace").strip().splitlines()
        said = lines[0][:60] if lines else ""
    except subprocess.TimeoutExpired as exc:
        rc, out, said = -999, len(exc.stdout or b"") + len(exc.stderr or b""), "(timed out)"
    wall = time.perf_counter() - w0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"size": len(data), "wall": wall, "rss_mb": rss, "rc": rc, "out_kb": out / 1024, "said": said}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    sp = sub.add_parser("speed")
    sp.add_argument("--records", type=int, default=10_000)
    sp.add_argument("--site", type=Path, default=Path(tempfile.gettempdir()) / "gate-bench-town")
    sp.add_argument("--rounds", type=int, default=2)
    sp.add_argument("--code", type=Path, action="append", default=[])
    sp.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    hp = sub.add_parser("hostile")
    hp.add_argument("--code", type=Path, action="append", default=[])
    hp.add_argument("--only", default="")
    hp.add_argument("--calls", default="check,build,hook")
    hp.add_argument("--timeout", type=float, default=60.0)
    hp.add_argument("--tmp", default="")
    hp.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    speed(args) if args.what == "speed" else hostile(args)


if __name__ == "__main__":
    main()
