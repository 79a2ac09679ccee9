"""Recall and false alarms of the leak scanner, and the last gate's speed.

    PYTHONPATH=. python bench/pii_bench.py [--personal 52800] [--non-personal 24000] [--gate-mb 40]

Runs the labelled corpus of tests/pii_corpus.py through the scanner the
build's last gate and the hook use (gongkai.check.scan.scan_text over the file's
text, as HTML) and prints, per format and placement, how many personal
numbers were found, and per non-personal format how many were refused.
Then times gongkai.run.build.leak_gate over generated roster pages.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pii_corpus import NON_PERSONAL, PLACEMENTS, non_personal, personal

from gongkai.check.scan import scan_file


def file_name(placement: str) -> str:
    """The file a placement is published in: the scanner reads each by its type."""
    if "csv" in placement:
        return "data/list.csv"
    if "markdown" in placement:
        return "content/notice.md"
    if "json" in placement:
        return "data/list.json"
    return "page.html"


def found(text: str, digits: str, placement: str = "") -> bool:
    hits = scan_file(file_name(placement), text.encode("utf-8"), name=False)
    return any(h.digits.upper() == digits.upper() for h in hits)


def refused(text: str, placement: str = "") -> bool:
    return any(h.digits for h in scan_file(file_name(placement), text.encode("utf-8"), name=False))


def _false_alarms(n: int, seed: int, placement: str) -> tuple[Counter[str], Counter[str]]:
    cnt: Counter[str] = Counter()
    bad: Counter[str] = Counter()
    for s in non_personal(n, seed=seed, placement=placement):
        cnt[s.fmt] += 1
        if refused(s.text, placement):
            bad[s.fmt] += 1
    return cnt, bad


def _print_false_alarms(title: str, cnt: Counter[str], bad: Counter[str]) -> None:
    print(f"{title}: {sum(cnt.values())}")
    for f in NON_PERSONAL:
        print(f"  {f:10s} {bad[f]:5d}/{cnt[f]:5d}  {100 * bad[f] / cnt[f]:6.2f} % false alarms")
    print(
        f"  overall    {sum(bad.values()):5d}/{sum(cnt.values()):5d}  {100 * sum(bad.values()) / sum(cnt.values()):6.3f} %"
    )


def roster_page(rng: random.Random, rows: int) -> bytes:
    head = "<!doctype html><html lang=zh-CN><head><title>耕地地力保护补贴公示</title></head><body><table>"
    body = []
    for i in range(rows):
        masked = f"32{'*' * 13}{rng.randrange(1000):03d}"
        amount = f"{rng.randrange(10, 5000)}.{rng.randrange(100):02d}"
        body.append(
            f"<tr><td>{i + 1}</td><td>东湖村</td><td>二组</td><td>张某{i}</td><td>{masked}</td>"
            f"<td>{rng.randrange(1, 30)}.{rng.randrange(100):02d}</td><td>{amount}</td></tr>"
        )
    foot = "</table><p>监督电话：0527-86210036</p></body></html>"
    return (head + "\n".join(body) + foot).encode("utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--personal", type=int, default=52_800)
    ap.add_argument("--non-personal", type=int, default=24_000, help="spread over the 6 placements as published")
    ap.add_argument("--gate-mb", type=float, default=40.0)
    args = ap.parse_args()

    total: Counter[tuple[str, str]] = Counter()
    hit: Counter[tuple[str, str]] = Counter()
    misses: dict[tuple[str, str], str] = {}
    for s in personal(args.personal):
        key = (s.fmt, s.placement)
        total[key] += 1
        if found(s.text, s.digits, s.placement):
            hit[key] += 1
        else:
            misses.setdefault(key, s.text)
    fmts = sorted({f for f, _ in total})
    print(f"personal numbers: {sum(total.values())} in {len(PLACEMENTS)} placements")
    print("recall by format:")
    for f in fmts:
        t = sum(v for (ff, _), v in total.items() if ff == f)
        h = sum(v for (ff, _), v in hit.items() if ff == f)
        print(f"  {f:8s} {h:6d}/{t:6d}  {100 * h / t:7.3f} %")
    t_all, h_all = sum(total.values()), sum(hit.values())
    print(f"  overall  {h_all:6d}/{t_all:6d}  {100 * h_all / t_all:7.3f} %")
    print("placements below 100 %:")
    for key in sorted(total):
        if hit[key] < total[key]:
            print(f"  {key[0]:8s} {key[1]:22s} {hit[key]:5d}/{total[key]:5d}  e.g. {misses[key][:70]!r}")

    # As numbers are published: with what names them, as a label, a sentence,
    # a JSON key, a CSV / Markdown / HTML table's column header.
    realistic = {
        "labelled": "after their label (受理编号：…)",
        "sentence": "in a sentence (受理编号为…)",
        "json field": "as a JSON field named for them",
        "csv": "in a CSV under a column header that names them",
        "markdown table": "in a Markdown table under such a header",
        "column": "in an HTML table, under such a header",
    }
    per = args.non_personal // len(realistic)
    all_cnt: Counter[str] = Counter()
    all_bad: Counter[str] = Counter()
    for seed, (placement, kind) in enumerate(realistic.items(), start=31):
        cnt, bad = _false_alarms(per, seed, placement)
        all_cnt.update(cnt)
        all_bad.update(bad)
        _print_false_alarms(f"non-personal numbers {kind}", cnt, bad)
    _print_false_alarms("non-personal numbers as published, all placements above", all_cnt, all_bad)
    cnt, bad = _false_alarms(per, 99, "bare")
    _print_false_alarms(
        "stress, not part of the target: bare in a table cell with no header at all "
        "(nothing tells them from a personal number; a label or allow_numbers does)",
        cnt,
        bad,
    )

    from gongkai.emit.gate import leak_gate

    rng = random.Random(7)
    pages = []
    size = 0
    while size < args.gate_mb * 2**20:
        p = roster_page(rng, 200)
        pages.append(p)
        size += len(p)
    t0 = time.perf_counter()
    for i, p in enumerate(pages):
        assert leak_gate(f"r/{i}/index.html", p) == []
    dt = time.perf_counter() - t0
    print(f"last gate: {size / 2**20:.1f} MB of roster pages in {dt:.2f} s = {size / 2**20 / dt:.1f} MB/s")


if __name__ == "__main__":
    main()
