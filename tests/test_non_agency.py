"""村委会 and 人大主席团 are not the agency (issue #17): their records stay on
the site but are listed apart from the agency's 公开目录, without its 索引号;
no 索引号 of the agency's own records ever changes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from gongkai import build
from gongkai.read.registry import REGISTRY, format_no, read_registry

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 5)
RENDA = "renda-yusuan-baogao-2015"  # publisher renda: 青石镇人民代表大会主席团, numbered 2015-00003 before


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A copy of the demo built on TODAY, and its registry as it was before the build."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(REPO / "content", root / "content")
    before = (root / REGISTRY).read_bytes()
    build(root, TODAY, out=root / "build")
    return root, before


def test_the_registry_is_kept_and_no_number_of_the_agency_moves(demo: tuple[Path, bytes]) -> None:
    root, before = demo
    assert (root / REGISTRY).read_bytes() == before  # the reserved line of the 人大 record stays, nothing appended
    registry, _ = read_registry(root)
    assert RENDA in registry.numbers
    shown = 0
    for f in (root / "build/data").glob("*.json"):
        data = json.loads(f.read_text(encoding="utf-8"))
        if "index_no" not in data or "id" not in data:
            continue
        if data["id"] == RENDA or data["id"] not in registry.numbers:  # not the agency's: no 索引号 (村委会, 人大)
            assert data["index_no"] == "", data["id"]
        else:
            assert data["index_no"] == format_no("11320826MB0123456X", *registry.numbers[data["id"]]), data["id"]
            shown += 1
    assert shown >= 20


def test_the_renda_record_stays_on_the_site_without_the_agencys_index_no(demo: tuple[Path, bytes]) -> None:
    root, _ = demo
    out = root / "build"
    page = (out / f"notices/{RENDA}/index.html").read_text(encoding="utf-8")
    assert "索引号" not in page and "11320826MB0123456X/2015-00003" not in page
    assert RENDA in (out / "notices/index.html").read_text(encoding="utf-8")
    data = json.loads((out / f"data/{RENDA}.json").read_text(encoding="utf-8"))
    schema = json.loads((out / "data/schema/notice.schema.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []


def test_the_agencys_catalogue_leaves_them_out_and_lists_them_apart(demo: tuple[Path, bytes]) -> None:
    root, _ = demo
    out = root / "build"
    doc = json.loads((out / "data/catalogue.json").read_text(encoding="utf-8"))
    entries = doc["records"]
    assert entries and doc["count"] == len(entries) and all(e["id"] != RENDA for e in entries)
    assert all(e["index_no"] for e in entries if e["id"])
    rows = list(csv.reader(io.StringIO((out / "data/catalogue.csv").read_text(encoding="utf-8-sig"))))
    assert not any("人民代表大会主席团" in cell for row in rows for cell in row)
    catalogue = (out / "catalogue/index.html").read_text(encoding="utf-8")
    years = [p.read_text(encoding="utf-8") for p in (out / "catalogue").glob("[0-9]*/index.html")]
    assert years and not any("人民代表大会主席团" in y.split("<table", 1)[1] for y in years)  # in no year's table
    assert 'href="others/"' in catalogue or "catalogue/others/" in catalogue
    others = (out / "catalogue/others/index.html").read_text(encoding="utf-8")
    assert "青石镇人民代表大会主席团（共 1 条）" in others and f"notices/{RENDA}/" in others
    assert "《政府信息公开条例》第二条" in others and "第三十条" in others
    assert "索引号</th>" not in others


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    return root


NOTICE = "---\ntitle: {title}\npublisher: {publisher}\ndate: {day}\ncategory: 工作动态\n---\n\n{title}。\n"


def test_a_new_village_record_gets_no_number_and_a_reserved_number_is_never_reused(tmp_path: Path) -> None:
    root = _site(tmp_path)
    notices = root / "content/notices"
    registry = root / REGISTRY
    # a village record numbered before the change: its number is the last of 2017 in the registry
    registry.write_text(registry.read_text(encoding="utf-8") + "cunwu-2017: 2017-00001\n", encoding="utf-8")
    for rid, publisher in (("cunwu-2017", "hekou"), ("cunwu-2017-b", "qingshi"), ("zhen-2017", "town")):
        text = NOTICE.format(title=f"{rid} 通知", publisher=publisher, day="2017-03-01")
        (notices / f"{rid}.md").write_text(text, encoding="utf-8")
    result = build(root, TODAY, out=root / "build")
    assert list(result.registered) == ["zhen-2017"]
    numbers, _ = read_registry(root)
    assert numbers.numbers["zhen-2017"] == (2017, 2)  # not 00001: it stays reserved
    assert "cunwu-2017-b" not in numbers.numbers
    out = root / "build"
    assert json.loads((out / "data/cunwu-2017.json").read_text(encoding="utf-8"))["index_no"] == ""
    assert "11320826MB0123456X/2017-00002" in (out / "notices/zhen-2017/index.html").read_text(encoding="utf-8")
    others = (out / "catalogue/others/index.html").read_text(encoding="utf-8")
    assert (
        "河口村村民委员会（共 2 条）" in others
    )  # and the demo's 集体鱼塘 (assets/) and "青石村村民委员会（共 1 条）" in others
    # the groups follow site.yaml's order of publishers: 人大 first, then 青石村, then 河口村
    assert others.index("人民代表大会主席团") < others.index("青石村村民委员会") < others.index("河口村村民委员会")


@pytest.mark.parametrize(
    "name",
    ["青石镇人大", "柳溪乡人大", "河口村村委", "东街社区居委", "青石村一组村民小组", "河口村股份经济合作社"],
)
def test_the_usual_short_names_are_not_the_agency_either(name: str) -> None:
    # Clerks write publishers as they are called: 镇人大, 村委, 居委, a 村民小组 or the village's
    # 经济合作社 (the 集体经济组织 that lets collective assets). None is an 行政机关 (条例第二条), but only the
    # full names were recognised, so "青石镇人大" took the 镇's 索引号 and counted in its annual report.
    from gongkai.core.config import Contact, SiteConfig

    publishers = {"x": name, "town": "青石镇人民政府", "finance": "青石镇财政所"}
    config = SiteConfig(
        "青石镇政务公开",
        "青石镇人民政府",
        "11320826MB0123456X",
        publishers,
        Contact(hotline="1", report_phone="2", address="地址"),
    )
    assert not config.is_agency("x")
    assert config.is_agency("town") and config.is_agency("finance")
