"""Names with a lifetime (issue #17): a roster's names leave the site after
its 公示期 plus a grace; totals stay; the archived sheet keeps them as posted."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml

from gongkai import build
from gongkai.plan.names import NAMES_GRACE_DAYS

REPO = Path(__file__).resolve().parent.parent
ROSTER = yaml.safe_load((REPO / "content/subsidies/gengdi-2015.yaml").read_text(encoding="utf-8"))
NAMES = sorted({r["name"] for r in ROSTER["recipients"]})
IDS = sorted({r["id_number"] for r in ROSTER["recipients"]})
LAST_SHOWN = ROSTER["notice"]["end"] + timedelta(days=NAMES_GRACE_DAYS)


def _texts(out: Path) -> dict[str, str]:
    """Every output file as text a reader (or a search) would see: JSON also
    with its \\u escapes decoded."""
    texts = {}
    for p in sorted(out.rglob("*")):
        if not p.is_file():
            continue
        raw = p.read_bytes()
        text = raw.decode("utf-8", "replace")
        if p.suffix == ".json":
            try:
                text += json.dumps(json.loads(text), ensure_ascii=False)
            except ValueError:
                pass
        texts[p.relative_to(out).as_posix()] = text
    return texts


def _holding(texts: dict[str, str], needles: list[str]) -> dict[str, list[str]]:
    return {k: [n for n in needles if n in t] for k, t in texts.items() if any(n in t for n in needles)}


@pytest.fixture(scope="module")
def after(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("after") / "build"
    build(REPO, date.today() if date.today() > LAST_SHOWN else date(2026, 12, 5), out=out)
    return out


def test_names_are_only_in_the_archive_after_the_grace(after: Path) -> None:
    texts = _texts(after)
    holding = _holding(texts, NAMES + IDS)
    assert holding, "the archived sheet must keep the names"
    assert all(k.startswith("postings/") for k in holding), sorted(k for k in holding if not k.startswith("postings/"))
    sheet = texts["postings/2015/05-12/gengdi-2015/sheet.html"]
    assert all(n in sheet for n in NAMES)
    # the sheet masks IDs its own way (32*************730): those stay on the sheet only too
    sheet_ids = sorted(set(re.findall(r"\d{2}\*{8,}\d{2}[\dX]", sheet)))
    assert sheet_ids
    assert all(k.startswith("postings/") for k in _holding(texts, sheet_ids))


def test_totals_stay_after_the_grace(after: Path) -> None:
    page = (after / "subsidies/gengdi-2015/index.html").read_text(encoding="utf-8")
    households = len(ROSTER["recipients"])
    assert f"{households} 户" in page
    assert "显示至 " + LAST_SHOWN.isoformat() in page
    data = json.loads((after / "data/gengdi-2015.json").read_text(encoding="utf-8"))
    assert data["totals"]["households"] == households
    assert not data["recipients"]
    schema = json.loads((after / "data/schema/subsidy.schema.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []


@pytest.mark.parametrize("today", [date(2015, 5, 14), LAST_SHOWN])
def test_names_are_complete_inside_the_notice_and_grace(tmp_path: Path, today: date) -> None:
    out = tmp_path / "build"
    build(REPO, today, out=out)
    texts = _texts(out)
    for rel in ("subsidies/gengdi-2015/index.html", "data/gengdi-2015.json", "data/gengdi-2015.csv"):
        assert all(n in texts[rel] for n in NAMES), rel
    search = "".join(t for k, t in texts.items() if k.startswith("search/"))
    assert all(n in search for n in NAMES)


def test_an_incremental_build_withdraws_names_when_today_passes_the_date(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    build(REPO, LAST_SHOWN, out=inc)
    result = build(REPO, LAST_SHOWN + timedelta(days=1), out=inc)
    assert "subsidies/gengdi-2015/" in " ".join(result.made)
    full = tmp_path / "full"
    build(REPO, LAST_SHOWN + timedelta(days=1), out=full)
    a, b = _texts(inc), _texts(full)
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k] and k != ".gongkai-build"] == []  # the marker names its own tree
    assert all(k.startswith("postings/") for k in _holding(a, NAMES))


def test_site_yaml_sets_the_grace(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    site_yaml = root / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "\nnames_grace_days: 0\n", encoding="utf-8")
    day_after = ROSTER["notice"]["end"] + timedelta(days=1)
    out = tmp_path / "build"
    build(root, day_after, out=out)
    assert all(k.startswith("postings/") for k in _holding(_texts(out), NAMES))
    build(root, ROSTER["notice"]["end"], out=out)
    assert all(n in (out / "subsidies/gengdi-2015/index.html").read_text(encoding="utf-8") for n in NAMES)


def test_no_empty_sheet_is_offered_for_a_roster_whose_names_came_off(after: Path, tmp_path: Path) -> None:
    # the print sheet would be a table without rows: there is none, the page says where the posted one is
    assert not (after / "print/gengdi-2015").exists()
    page = (after / "subsidies/gengdi-2015/index.html").read_text(encoding="utf-8")
    assert "不再提供打印" in page and "print/gengdi-2015/" not in page
    assert (after / "print/fupin-2015/index.html").is_file()  # a fund notice has no names to withdraw
    # asked for by name, the print command says why, in Chinese, and writes nothing
    import subprocess
    import sys

    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    r = subprocess.run(
        [sys.executable, "-m", "gongkai", "print", "gengdi-2015", "--site", str(site), "--today", "2026-12-05"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert r.returncode == 1 and "公开栏存档" in r.stderr and "Traceback" not in r.stderr, r.stdout + r.stderr


def test_the_sheet_is_printable_with_all_names_inside_the_notice(tmp_path: Path) -> None:
    out = tmp_path / "build"
    build(REPO, date(2015, 5, 14), out=out)
    sheet = (out / "print/gengdi-2015/index.html").read_text(encoding="utf-8")
    assert all(n in sheet for n in NAMES)


def test_a_withdrawn_record_is_the_record_with_its_data_replaced() -> None:
    """names._with_data (the fast dataclasses.replace of every withdrawn roster)
    gives what replace gives, field for field, positions and digest included;
    it relies on a Record being its fields alone, with no __post_init__."""
    import dataclasses

    from gongkai.check.validate import validate
    from gongkai.core.model import Record
    from gongkai.plan.names import _with_data
    from gongkai.read.load import load_site

    assert not hasattr(Record, "__post_init__") and not hasattr(Record, "__slots__")
    site = validate(load_site(REPO, None), date(2026, 12, 5)).site
    assert site is not None
    rosters = [r for r in site.records if "recipients" in r.data]
    assert rosters
    for rec in rosters:
        data = {**rec.data, "recipients": (), "names_until": date(2015, 6, 1)}
        fast, slow = _with_data(rec, data), dataclasses.replace(rec, data=data)
        assert type(fast) is Record and fast == slow and fast.data is data
        assert vars(fast) == vars(slow)  # locs and digest too (not compared by ==)
        assert rec.data is not data and "names_until" not in rec.data  # the original is untouched
