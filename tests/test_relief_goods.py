"""救灾物资 (issue #17): a relief roster of goods, each row with its items.

The demo's roster (content/subsidies/jiuzai-wuzi-2015.yaml) on a day inside
its 公示期: the goods are columns with per-item totals on the page, the print
sheet, the CSV and JSON, and in search; after the grace the names leave every
output but the per-item totals stay, even when the clerk wrote none.  The
errors of single files are fixtures of tests/test_invalid.py (GK360-GK364)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from search_oracle import reference_search

from gongkai import build

RID = "jiuzai-wuzi-2015"
ROSTER = yaml.safe_load((REPO / f"content/subsidies/{RID}.yaml").read_text(encoding="utf-8"))
GOODS = [(g["name"], g["unit"]) for g in ROSTER["goods"]]
NAMES = [r["name"] for r in ROSTER["recipients"]]
INSIDE = ROSTER["notice"]["start"] + timedelta(days=2)
AFTER = date(2026, 12, 5)  # past the grace of every demo roster (some share these households)


def _sums() -> dict[str, Decimal]:
    """Per item, the sum of the demo's rows, from the YAML itself."""
    out = {name: Decimal(0) for name, _unit in GOODS}
    for r in ROSTER["recipients"]:
        for it in r["items"]:
            out[it["name"]] += Decimal(str(it["quantity"]))
    return out


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def inside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("goods") / "build"
    build(REPO, INSIDE, out=out)
    return out


def test_page_shows_goods_as_columns_with_totals(inside: Path) -> None:
    page = (inside / f"subsidies/{RID}/index.html").read_text(encoding="utf-8")
    head = re.search(r"<thead>.*?</thead>", page[page.index('id="h-roster"') :], re.S).group(0)
    cols = re.findall(r"<th[^>]*>(.*?)</th>", head)
    assert [c for c in cols if "（" in c and c.split("（")[0] in dict(GOODS)] == [f"{n}（{u}）" for n, u in GOODS]
    assert "金额（元）" not in cols  # goods only: no money columns
    foot = _text(re.search(r"<tfoot>.*?</tfoot>", page, re.S).group(0)).split()
    sums = _sums()
    assert foot[: 2 + len(GOODS)] == [f"合计（{len(NAMES)}", "户）", *(str(sums[n]) for n, _u in GOODS)]
    for name, unit in GOODS:
        assert f"<dt>{name}合计</dt><dd>{sums[name]} {unit}</dd>" in page
    assert "<dt>物资来源</dt><dd>上级调拨和社会捐赠。" in page
    assert all(n in page for n in NAMES)


def test_sheet_prints_goods_columns_and_totals(inside: Path) -> None:
    sheet = _text((inside / f"print/{RID}/index.html").read_text(encoding="utf-8"))
    sums = _sums()
    assert "物资来源：上级调拨和社会捐赠" in sheet
    assert "物资合计：" + "，".join(f"{n} {sums[n]} {u}" for n, u in GOODS) in sheet
    for n, u in GOODS:
        assert f"{n} （{u}）" in sheet or f"{n}（{u}）" in sheet
    assert "金额（元）" not in sheet


def test_csv_and_json_carry_the_goods(inside: Path) -> None:
    rows = list(csv.reader(io.StringIO((inside / f"data/{RID}.csv").read_text(encoding="utf-8-sig"))))
    head = rows[0]
    idx = [head.index(f"{n}（{u}）") for n, u in GOODS]
    for r, src in zip(rows[1:], ROSTER["recipients"], strict=True):
        got = {GOODS[k][0]: r[i] for k, i in enumerate(idx) if r[i]}
        assert got == {it["name"]: str(it["quantity"]) for it in src["items"]}
    data = json.loads((inside / f"data/{RID}.json").read_text(encoding="utf-8"))
    assert data["goods_source"] == "mixed"
    assert [(g["name"], g["unit"]) for g in data["goods"]] == GOODS
    assert data["recipients"][0]["items"][0] == {"name": "棉被", "quantity": "3"}


def test_search_finds_the_roster_by_item_and_name(inside: Path) -> None:
    def read(p: str) -> bytes:
        return (inside / "search/index" / p).read_bytes()

    assert f"subsidies/{RID}/" in {h.url for h in reference_search(read, "帐篷", exhaustive=True).hits}
    assert f"subsidies/{RID}/" in {h.url for h in reference_search(read, "孙福海", exhaustive=True).hits}


def test_feed_says_the_goods(inside: Path) -> None:
    feed = (inside / "subsidies/feed.xml").read_text(encoding="utf-8")
    assert "棉被" in feed or ROSTER["summary"] in feed


def test_after_the_grace_no_name_but_the_totals_per_item(tmp_path: Path) -> None:
    # without totals.goods in the file: the per-item totals are the rows', computed before they go
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    f = root / f"content/subsidies/{RID}.yaml"
    text = f.read_text(encoding="utf-8")
    text = re.sub(r"  goods:\n(    - .*\n)+", "", text)
    assert "quantity: 34}" not in text
    f.write_text(text, encoding="utf-8")
    out = tmp_path / "build"
    build(root, AFTER, out=out)
    page = (out / f"subsidies/{RID}/index.html").read_text(encoding="utf-8")
    data = json.loads((out / f"data/{RID}.json").read_text(encoding="utf-8"))
    sums = _sums()
    assert not data["recipients"]
    assert {g["name"]: Decimal(g["quantity"]) for g in data["totals"]["goods"]} == sums
    for name, unit in GOODS:
        assert f"<dt>{name}合计</dt><dd>{sums[name]} {unit}</dd>" in page
    own = set(NAMES)
    for p in out.rglob("*"):
        if p.is_file() and p.suffix in (".html", ".json", ".csv", ".xml", ".txt") and "postings" not in p.parts:
            text = p.read_text(encoding="utf-8", errors="replace")
            if p.suffix == ".json":
                text += json.dumps(json.loads(text), ensure_ascii=False) if text.lstrip()[:1] in "[{" else ""
            assert not [n for n in own if n in text], p
