"""Open data: JSON/CSV per record, the catalogue, Fiscal Data Packages, JSON Schemas, 索引号."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO

from gongkai import ContentError, build, check
from gongkai.core.privacy_seen import find_cards, find_ids
from gongkai.plan.export import neutralise
from gongkai.read.registry import REGISTRY

LATER = date(2016, 12, 31)  # every demo record published
MONEY = re.compile(r"^-?\d+\.\d{2}$")
MASKED_ID = re.compile(r"^\d{0,6}\*{8,}[\dX]{0,4}$")


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with its rosters' names kept on the site until LATER (these
    tests check the rows' format; test_names.py checks their withdrawal)."""
    root = tmp_path_factory.mktemp("data-site")
    shutil.copytree(REPO / "content", root / "content")
    site_yaml = root / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "\nnames_grace_days: 3650\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_root: Path) -> Path:
    out = tmp_path_factory.mktemp("data") / "out"
    build(demo_root, LATER, out=out)
    return out


@pytest.fixture(scope="module")
def demo_site(demo_root: Path):  # type: ignore[no-untyped-def]
    site = check(demo_root, LATER).site
    assert site is not None
    return site


def load_json(p: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(p.read_text(encoding="utf-8"))


def validator(out: Path, name: str) -> jsonschema.Draft202012Validator:
    schema = load_json(out / "data" / "schema" / f"{name}.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def read_csv(p: Path) -> list[list[str]]:
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    assert b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


# --- per record --------------------------------------------------------------------------------


def test_every_public_record_has_json_valid_against_its_schema(demo: Path, demo_site) -> None:  # type: ignore[no-untyped-def]
    public = [r for r in demo_site.published if not r.draft]
    assert len(public) >= 20
    for rec in public:
        doc = load_json(demo / "data" / f"{rec.id}.json")
        errors = sorted(validator(demo, rec.type).iter_errors(doc), key=str)
        assert not errors, (rec.id, [e.message for e in errors[:3]])
        assert doc["index_no"] == demo_site.index_no(rec)
        assert doc["title"] == rec.title and doc["date"] == rec.date.isoformat()


def test_tabular_records_have_csv_matching_their_rows(demo: Path, demo_site) -> None:  # type: ignore[no-untyped-def]
    expected = {"budget": lambda d: sum(len(t["rows"]) for t in d["tables"]), "subsidy": lambda d: len(d["recipients"])}
    expected |= {"fund": lambda d: len(d["projects"]), "list": lambda d: len(d["items"])}
    expected["yishiyiyi"] = lambda d: len(d["spending"])
    expected |= {"homestead": lambda d: len(d["recipients"]), "institution": lambda d: len(d["leaders"])}
    seen = set()
    for rec in demo_site.published:
        p = demo / "data" / f"{rec.id}.csv"
        if rec.type not in expected:
            assert not p.exists(), rec.id
            continue
        rows = read_csv(p)
        assert len(rows) - 1 == expected[rec.type](rec.data), rec.id
        seen.add(rec.type)
    assert seen == set(expected)


def test_money_is_text_with_two_decimals_and_ids_are_masked(demo: Path, demo_site) -> None:  # type: ignore[no-untyped-def]
    roster = load_json(demo / "data" / "gengdi-2015.json")
    assert roster["totals"]["amount"] == f"{demo_site.by_id['gengdi-2015'].data['totals']['amount']:.2f}"
    for row in roster["recipients"]:
        assert MONEY.match(row["amount"]), row
        assert MASKED_ID.match(row["id_number"]), row["id_number"]
        assert isinstance(row["quantity"], str)
    budget = load_json(demo / "data" / "yusuan-2015.json")
    amounts = [r["amount"] for t in budget["tables"] for r in t["rows"]]
    assert amounts and all(MONEY.match(a) for a in amounts)
    assert budget["tables"][-1]["total"] == "0.00"  # an empty table keeps a total of 0.00
    fund = load_json(demo / "data" / "fupin-2015.json")
    assert all(MONEY.match(s["amount"]) for s in fund["sources"])


def test_no_unmasked_number_in_any_download(demo: Path) -> None:
    for p in (demo / "data").rglob("*"):
        if p.is_file():
            text = p.read_text(encoding="utf-8-sig")
            assert find_ids(text) == [], p
            assert find_cards(text) == [], p


def test_roster_rows_map_onto_360giving(demo: Path) -> None:
    doc = load_json(demo / "data" / "gengdi-2015.json")
    assert doc["currency"] == "CNY"
    assert doc["award_date"] == doc["date"]
    assert doc["funding_organisation"]["identifier"] == "11320826MB0123456X"
    ids = [r["identifier"] for r in doc["recipients"]]
    assert len(set(ids)) == len(ids)
    assert ids[0] == doc["index_no"] + "/0001"
    rows = read_csv(demo / "data" / "gengdi-2015.csv")
    assert rows[0][-1] == "标识符" and rows[1][-1] == ids[0]


def test_record_page_links_its_downloads(demo: Path) -> None:
    page = demo / "budgets" / "yusuan-2015" / "index.html"
    html = page.read_text(encoding="utf-8")
    for href in (
        "../../data/yusuan-2015.json",
        "../../data/yusuan-2015.csv",
        "../../data/yusuan-2015/datapackage.json",
    ):
        assert f'href="{href}"' in html
        assert (page.parent / href).resolve().is_file()
    notice = (demo / "notices" / "banshi-dibao" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../data/banshi-dibao.json"' in notice and "banshi-dibao.csv" not in notice


# --- fiscal data package -----------------------------------------------------------------------


def test_budget_fiscal_data_package_adds_up(demo: Path, demo_site) -> None:  # type: ignore[no-untyped-def]
    for rec in (r for r in demo_site.published if r.type == "budget"):
        folder = demo / "data" / rec.id
        pkg = load_json(folder / "datapackage.json")
        assert pkg["profile"] == "fiscal-data-package"
        res = pkg["resources"][0]
        raw = (folder / res["path"]).read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(raw, newline="")))
        assert list(rows[0]) == [f["name"] for f in res["schema"]["fields"]]
        model = pkg["model"]
        assert model["measures"]["amount"]["currency"] == "CNY"
        sources = {a["source"] for d in model["dimensions"].values() for a in d["attributes"].values()}
        assert sources | {"amount"} == {f["name"] for f in res["schema"]["fields"]}
        for t in rec.data["tables"]:
            leaves = [Decimal(r["amount"]) for r in rows if r["table"] == t["name"]]
            assert sum(leaves, Decimal(0)) == t["total"], (rec.id, t["name"])
            for r in (r for r in rows if r["table"] == t["name"]):
                assert r["level1_code"] and len(r["level1_code"]) == 3
                assert r["phase"] == ("approved" if rec.data["stage"] == "budget" else "executed")


# --- catalogue ---------------------------------------------------------------------------------------


def test_catalogue_lists_everything_with_class_and_reason(demo: Path, demo_site) -> None:  # type: ignore[no-untyped-def]
    doc = load_json(demo / "data" / "catalogue.json")
    errors = list(validator(demo, "catalogue").iter_errors(doc))
    assert not errors, errors[:3]
    by_id = {e["id"]: e for e in doc["records"]}
    # the agency's records: a 村委会's or the 人大主席团's are listed apart (tests/test_non_agency.py)
    agency = [r for r in demo_site.records if demo_site.config.is_agency(r.publisher)]
    assert set(by_id) == {r.id for r in agency} and len(agency) < len(demo_site.records)
    for rec in agency:
        e = by_id[rec.id]
        assert e["index_no"] == demo_site.index_no(rec)
        if rec.is_public:
            assert e["path"] == rec.url and e["reason"] == ""
        else:
            assert e["path"] == ""
            assert e["channel"] in ("依申请提供", "不予公开")
            assert not rec.withheld or rec.withheld["reason"] in e["reason"]
    rows = read_csv(demo / "data" / "catalogue.csv")
    assert rows[0][:8] == ["索引号", "名称", "公开主体", "发布日期", "文号", "信息类别", "公开方式", "公开渠道"]
    assert len(rows) - 1 == len(doc["records"])
    html = (demo / "catalogue" / "2015" / "index.html").read_text(encoding="utf-8")  # the 目录 of 2015
    for head in ("索引号", "公开渠道", "不予公开依据"):
        assert f'<th scope="col">{head}</th>' in html
    assert demo_site.index_no(demo_site.by_id["gengdi-2015"]) in html


def test_non_public_records_have_only_catalogue_metadata(demo: Path, demo_site) -> None:  # type: ignore[no-untyped-def]
    hidden = [r for r in demo_site.records if not r.is_public]
    assert hidden
    data_text = "".join(p.read_text(encoding="utf-8-sig") for p in (demo / "data").rglob("*") if p.is_file())
    feeds = "".join(p.read_text(encoding="utf-8") for p in demo.rglob("feed.xml"))
    for rec in hidden:
        assert not (demo / "data" / f"{rec.id}.json").exists()
        assert not (demo / "data" / f"{rec.id}.csv").exists()
        assert rec.title in data_text  # listed in the catalogue …
        for line in (rec.body + "\n" + rec.summary).splitlines():
            if len(line.strip()) > 12:
                assert line.strip() not in data_text and line.strip() not in feeds  # … but nothing more
        assert rec.title not in feeds


def test_future_and_draft_records_leave_no_data(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = make_site(
        {
            "notices/later.md": "---\ntitle: 明年才发布的信息\npublisher: town\ndate: 2016-01-01\ncategory: 其他\n---\n秘密的未来正文\n",
            "notices/wip.md": "---\ntitle: 草稿中的信息\npublisher: town\ndate: 2015-01-02\ncategory: 其他\ndraft: true\n---\n草稿正文\n",
        }
    )
    out = tmp_path / "out"
    build(site, date(2015, 6, 1), out=out)
    everything = "".join(
        p.read_text(encoding="utf-8-sig") for p in out.rglob("*") if p.suffix in (".json", ".csv", ".xml")
    )
    for text in ("明年才发布的信息", "秘密的未来正文", "草稿中的信息", "草稿正文"):
        assert text not in everything
    assert "later:" not in (site / REGISTRY).read_text(encoding="utf-8")
    # A preview with drafts shows the draft but never numbers it or exports it.
    build(site, date(2015, 6, 1), out=tmp_path / "preview", drafts=True)
    assert "wip" not in (site / REGISTRY).read_text(encoding="utf-8")
    assert not (tmp_path / "preview" / "data" / "wip.json").exists()


def test_json_schemas_are_published_and_valid(demo: Path) -> None:
    names = {p.name for p in (demo / "data" / "schema").iterdir()}
    assert names == {
        f"{t}.schema.json"
        for t in (
            "budget",
            "subsidy",
            "fund",
            "decision",
            "list",
            "regulation",
            "yishiyiyi",
            "procurement",
            "asset",
            "landtransfer",
            "proposal",
            "homestead",
            "institution",
            "notice",
            "page",
            "catalogue",
        )
    }
    for p in (demo / "data" / "schema").iterdir():
        jsonschema.Draft202012Validator.check_schema(load_json(p))
    # The schema is strict: an unmasked ID, a float amount or a leaked key fails.
    v = validator(demo, "subsidy")
    doc = load_json(demo / "data" / "gengdi-2015.json")
    for mutate in (
        lambda d: d["recipients"][0].update(id_number="320826198001012730"),
        lambda d: d["recipients"][0].update(amount=193.2),
        lambda d: d.update(withheld={"article": "15", "reason": "x"}),
        lambda d: d.update(draft=True),
    ):
        bad = json.loads(json.dumps(doc))
        mutate(bad)
        assert list(v.iter_errors(bad)), mutate


def test_csv_cells_cannot_run_as_formulas(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+86") == "'+86"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("\t=1") == "'\t=1"
    assert neutralise("-5.00") == "-5.00" and neutralise("张三") == "张三"
    site = make_site(
        {
            "subsidies/x.yaml": """title: 名单
publisher: town
date: 2015-03-01
kind: other
program: "=HYPERLINK(\\"http://evil\\",\\"点我\\")"
basis: 某财〔2015〕1号
notice: {start: 2015-03-01, end: 2015-03-20}
recipients:
  - {village: "@村", group: "+一组", name: 张三, amount: 10.00, note: "-1+1"}
totals: {households: 1, amount: 10.00}
"""
        }
    )
    build(site, date(2015, 3, 5), out=tmp_path / "out")
    rows = read_csv(tmp_path / "out" / "data" / "x.csv")
    assert rows[1][1:4] == ["'@村", "'+一组", "张三"] and rows[1][8] == "'-1+1"
    assert rows[1][7] == "10.00"


# --- 索引号 ---------------------------------------------------------------------------------------------


def notice(title: str, day: str) -> str:
    return f"---\ntitle: {title}\npublisher: town\ndate: {day}\ncategory: 其他\n---\n正文\n"


def numbers(site: Path) -> dict[str, str]:
    s = check(site, LATER).site
    assert s is not None
    return {r.id: s.index_no(r) for r in s.records}


def test_index_number_format_and_registry(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = make_site({"notices/b.md": notice("乙", "2015-03-01"), "notices/a.md": notice("甲", "2015-03-01")})
    assert not (site / REGISTRY).exists()
    check(site, LATER)
    assert not (site / REGISTRY).exists(), "check never writes"
    result = build(site, LATER, out=tmp_path / "out")
    assert set(result.registered) == {"a", "b", "hello"}
    got = numbers(site)
    assert got == {
        "hello": "11000000MB0000000X/2015-00001",  # 2015-01-05
        "a": "11000000MB0000000X/2015-00002",  # same day as b: by id
        "b": "11000000MB0000000X/2015-00003",
    }
    page = (tmp_path / "out" / "notices" / "a" / "index.html").read_text(encoding="utf-8")
    assert "11000000MB0000000X/2015-00002" in page
    assert build(site, LATER, out=tmp_path / "out").registered == ()


def test_a_record_added_later_for_an_earlier_date_does_not_renumber_others(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = make_site({"notices/march.md": notice("三月", "2015-03-01"), "notices/may.md": notice("五月", "2015-05-01")})
    build(site, date(2015, 6, 1), out=tmp_path / "out")
    before = numbers(site)
    registry = (site / REGISTRY).read_bytes()
    (site / "content" / "notices" / "feb.md").write_text(notice("二月补录", "2015-02-01"), encoding="utf-8")
    (site / "content" / "notices" / "old.md").write_text(notice("去年补录", "2014-12-01"), encoding="utf-8")
    build(site, date(2015, 6, 1), out=tmp_path / "out")
    after = numbers(site)
    assert {k: after[k] for k in before} == before
    assert after["feb"].endswith("/2015-00004")  # the next free number of its year
    assert after["old"].endswith("/2014-00001")
    assert (site / REGISTRY).read_bytes().startswith(registry), "append-only"
    # Deleting a record never frees its number.
    (site / "content" / "notices" / "may.md").unlink()
    (site / "content" / "notices" / "june.md").write_text(notice("六月", "2015-06-01"), encoding="utf-8")
    build(site, date(2015, 6, 1), out=tmp_path / "out")
    assert numbers(site)["june"].endswith("/2015-00005")


def test_failed_build_registers_nothing(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = make_site({"notices/ok.md": notice("好", "2015-03-01"), "notices/bad.md": notice("坏", "2015-02-30")})
    with pytest.raises(ContentError):
        build(site, LATER, out=tmp_path / "out")
    assert not (site / REGISTRY).exists()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("hello: 2015-1\n", "GK711"),
        ("Hello World: 2015-00001\n", "GK711"),
        ("hello: 2015-00001\nother: 2015-00001\n", "GK712"),
        ("- hello\n", "GK711"),
    ],
)
def test_broken_registry_is_a_content_error(make_site, text: str, code: str) -> None:  # type: ignore[no-untyped-def]
    site = make_site({"index-numbers.yaml": text})
    problems = [p for p in check(site, LATER).problems if p.is_error]
    assert [p.code for p in problems] == [code]
    assert problems[0].loc.path == REGISTRY and problems[0].loc.line >= 1


def test_demo_registry_covers_every_demo_record(demo_site) -> None:  # type: ignore[no-untyped-def]
    """The committed registry already numbers every demo record, so building
    the demo (tests do) never rewrites content/index-numbers.yaml."""
    from gongkai.read.registry import read_registry

    registry, problems = read_registry(REPO)
    assert problems == []
    # a 村委会's record is not numbered by the agency (check/numbering.py): nothing to register
    agency = demo_site.config.is_agency
    missing = sorted(r.id for r in demo_site.records if r.id not in registry.numbers and agency(r.publisher))
    assert missing == [], f"run a build and commit {REGISTRY}: {missing}"


def test_registry_survives_a_copy_of_the_site(tmp_path: Path) -> None:
    """Numbers travel with the content folder (USB stick, another PC)."""
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "content", copy / "content")
    assert numbers(copy) == numbers(REPO)


def test_every_json_download_is_what_the_standard_library_writes(demo: Path) -> None:
    """plan/export.py writes JSON without the standard library's slow
    indenting encoder: every JSON file of the build must still be exactly
    ``json.dumps(..., ensure_ascii=False, indent=2)`` of what it holds."""
    files = sorted((demo / "data").rglob("*.json"))
    assert len(files) > 20
    for path in files:
        blob = path.read_bytes()
        assert blob == (json.dumps(json.loads(blob), ensure_ascii=False, indent=2) + "\n").encode(), path


def test_json_bytes_match_the_standard_library_on_any_value() -> None:
    """Nested values of every JSON type (and the odd keys and floats json
    accepts) give the standard library's bytes; what it refuses, ours refuses."""
    import random

    from gongkai.plan.export import _dumps, encoded

    rnd = random.Random(18)
    leaves = [None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e300, float("nan"), float("inf"), "", '中"\\\n\t\x01\u2028']

    def value(depth: int) -> object:
        kind = rnd.randrange(4 if depth < 4 else 1)
        if kind == 0:
            return rnd.choice(leaves)
        if kind == 1:
            return [value(depth + 1) for _ in range(rnd.randrange(4))]
        if kind == 2:
            return tuple(value(depth + 1) for _ in range(rnd.randrange(3)))
        keys = ["k", "键", 1, 2.5, True, None, ""]
        return {rnd.choice(keys): value(depth + 1) for _ in range(rnd.randrange(4))}

    for _ in range(2000):
        v = value(0)
        assert _dumps(v) == (json.dumps(v, ensure_ascii=False, indent=2) + "\n").encode(), v
        # encoded before, as an item of a list one level down (the 目录's rows: catalogue.catalogue_rows)
        doc = {"records": [v, v]}
        assert _dumps({"records": [encoded(v, "\n    ")] * 2}) == _dumps(doc), v
    for bad in ({"x": Decimal("1.50")}, [{(1, 2): 3}], {"d": date(2026, 1, 1)}):
        with pytest.raises(TypeError):
            _dumps(bad)


def test_long_json_is_written_piece_by_piece_with_the_same_bytes() -> None:
    """A long list is encoded to UTF-8 a few thousand pieces at a time, at
    any depth, and an Each makes its items as they are written: the bytes
    are json.dumps's, and the 目录 of 10,000 records no longer needs every
    piece and every dict at once (its peak was ~7× its size)."""
    import tracemalloc

    from gongkai.plan.export import Each, _dumps

    def item(i: int) -> dict[str, object]:
        return {
            "id": f"tongzhi-{i}",
            "名称": "关于发放耕地地力保护补贴的公示" * 3,
            "n": [i, [i / 3, None, True]],
            "x": {},
        }

    def plain(v: object) -> bytes:
        return (json.dumps(v, ensure_ascii=False, indent=2) + "\n").encode()

    nested = {"a": [[item(i) for i in range(k)] for k in (0, 1, 700, 2500)], "b": [item(i) for i in range(6000)]}
    assert _dumps(nested) == plain(nested)
    made: list[int] = []

    def counted(i: int) -> dict[str, object]:
        made.append(i)
        return item(i)

    lazy = {"count": 20000, "records": Each(range(20000), counted), "none": Each((), item)}
    tracemalloc.start()
    try:
        blob = _dumps(lazy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert made == list(range(20000))
    assert blob == plain({"count": 20000, "records": [item(i) for i in range(20000)], "none": []})
    assert peak < 3 * len(blob), (peak, len(blob))
    assert len(Each([1, 2, 3], str)) == 3 and Each([1, 2, 3], str)[1:] == ["2", "3"]
    with pytest.raises(TypeError):  # what the standard library refuses, with an Each in it
        _dumps({"records": Each([1], str), "bad": Decimal("1")})


def test_the_catalogues_csv_is_its_rows_as_the_csv_writer_writes_them(demo: Path) -> None:
    """data/catalogue.csv is joined from rows made one entry at a time (so an
    edit makes only its own again): the bytes of writing the whole table at once."""
    from gongkai.plan.catalogue import CATALOGUE_COLUMNS
    from gongkai.plan.export import csv_bytes

    records = json.loads((demo / "data" / "catalogue.json").read_text(encoding="utf-8"))["records"]
    assert len(records) > 30
    table = [[e["date"] if k == "date" else e[k] for _, k in CATALOGUE_COLUMNS] for e in records]
    assert (demo / "data" / "catalogue.csv").read_bytes() == csv_bytes([h for h, _ in CATALOGUE_COLUMNS], table)
