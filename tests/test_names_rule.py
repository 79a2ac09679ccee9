"""Where names may appear (issue #17): the names rule per record type and
sub-kind (site.yaml ``names``) and per record (a record's ``names``):
board only, board and site during the 公示期 (+ grace), always (with a basis).

Every test greps the whole output tree (pages, search index, data, feeds,
sheets, archive) for the recipients' names, as test_names.py does."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from PIL import Image

from gongkai import build
from gongkai.core.errors import ContentError

REPO = Path(__file__).resolve().parent.parent
RELIEF = "shouzai-jiuzhu-2015"  # kind: relief, notice 2015-07-28 … 2015-08-07
RELIEF_DOC = yaml.safe_load((REPO / f"content/subsidies/{RELIEF}.yaml").read_text(encoding="utf-8"))
ZHENGDI = "zhengdi-s245-2015"  # kind: land_compensation, notice 2015-09-15 … 2015-10-16
ZHENGDI_DOC = yaml.safe_load((REPO / f"content/subsidies/{ZHENGDI}.yaml").read_text(encoding="utf-8"))
GENGDI = "gengdi-2015"  # kind: farm_subsidy, notice 2015-05-12 … 2015-05-19, archived 2015-05-12
GENGDI_DOC = yaml.safe_load((REPO / f"content/subsidies/{GENGDI}.yaml").read_text(encoding="utf-8"))
INSIDE_RELIEF = date(2015, 7, 30)
TODAY = date(2026, 12, 5)


def _own_names(doc: dict, record: str) -> list[str]:
    """The roster's names that no other file of the demo holds (names are
    common: a 赵小兵 of one roster may be in another one too)."""
    others = "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in (REPO / "content").rglob("*")
        if p.is_file() and p.suffix in (".yaml", ".md", ".csv", ".html") and not p.name.startswith(record.split("-")[0])
    )
    names = sorted({r["name"] for r in doc["recipients"]} - {""})
    return [n for n in names if n not in others]


RELIEF_NAMES = _own_names(RELIEF_DOC, RELIEF)
ZHENGDI_NAMES = _own_names(ZHENGDI_DOC, ZHENGDI)
GENGDI_NAMES = sorted({r["name"] for r in GENGDI_DOC["recipients"]})


def _texts(out: Path) -> dict[str, str]:
    """Every output file as a reader (or a search) sees it: JSON also with
    its \\u escapes decoded."""
    texts = {}
    for p in sorted(out.rglob("*")):
        if p.is_file():
            text = p.read_bytes().decode("utf-8", "replace")
            if p.suffix == ".json":
                try:
                    text += json.dumps(json.loads(text), ensure_ascii=False)
                except ValueError:
                    pass
            texts[p.relative_to(out).as_posix()] = text
    return texts


def _holding(out: Path, needles: list[str]) -> dict[str, list[str]]:
    return {k: [n for n in needles if n in t] for k, t in _texts(out).items() if any(n in t for n in needles)}


def _site(tmp_path: Path, site_yaml: str = "", records: dict[str, str] | None = None) -> Path:
    """A copy of the demo with ``site_yaml`` appended to its site.yaml and
    ``records`` (id → lines added after ``kind:``) edited into its rosters."""
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    sy = root / "content/site.yaml"
    sy.write_text(sy.read_text(encoding="utf-8") + "\n" + site_yaml, encoding="utf-8")
    for rid, lines in (records or {}).items():
        p = root / f"content/subsidies/{rid}.yaml"
        text = p.read_text(encoding="utf-8")
        head, kind, tail = text.partition("\nkind: ")
        p.write_text(head + "\n" + lines + kind + tail, encoding="utf-8")
    return root


def test_the_demo_rosters_have_names_of_their_own() -> None:
    # the greps below would prove nothing without them
    assert len(RELIEF_NAMES) >= 10 and len(ZHENGDI_NAMES) >= 5


# --- board only -----------------------------------------------------------------------------------

BOARD = "names:\n  subsidy.relief: board\n"


@pytest.mark.parametrize("today", [INSIDE_RELIEF, TODAY])
def test_board_only_names_are_in_no_published_file_even_during_the_notice(tmp_path: Path, today: date) -> None:
    root = _site(tmp_path, BOARD)
    out = root / "build"
    build(root, today, out=out)
    assert _holding(out, RELIEF_NAMES) == {}
    page = (out / f"subsidies/{RELIEF}/index.html").read_text(encoding="utf-8")
    assert f"{len(RELIEF_DOC['recipients'])} 户" in page and "只在村（社区）公开栏张贴" in page
    assert "东湖村" in page  # the per-village counts stay
    data = json.loads((out / f"data/{RELIEF}.json").read_text(encoding="utf-8"))
    assert data["recipients"] == [] and data["totals"]["households"] == len(RELIEF_DOC["recipients"])
    assert not (out / f"print/{RELIEF}").exists()
    assert f"print/{RELIEF}/" not in page


def test_gongkai_print_writes_the_board_sheet_beside_build_not_into_it(tmp_path: Path) -> None:
    root = _site(tmp_path, BOARD)
    r = subprocess.run(
        [sys.executable, "-m", "gongkai", "print", RELIEF, "fupin-2015", "--site", str(root), "--today", "2015-07-30"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    sheet = (root / f"board/{RELIEF}/index.html").read_text(encoding="utf-8")
    assert all(n in sheet for n in RELIEF_NAMES)
    assert "只在公开栏张贴" in sheet and "不要上传到网站" in sheet
    assert str(root / "board" / RELIEF / "index.html") in r.stdout and "不会发布" in r.stdout
    # the build the command made for the other sheet has no board name, nor the board sheet
    assert (root / "build/print/fupin-2015/index.html").is_file()
    assert _holding(root / "build", RELIEF_NAMES) == {}
    assert not (root / "build" / "board").exists()


def test_the_board_sheet_is_not_printed_into_the_output_folder(tmp_path: Path) -> None:
    root = _site(tmp_path, BOARD)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "gongkai",
            "print",
            RELIEF,
            "--site",
            str(root),
            "--out",
            str(root),
            "--today",
            "2015-07-30",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert r.returncode == 1 and "不能写进要发布的网站" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (root / "board").exists()


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


def test_the_archive_keeps_the_board_sheet_and_the_site_shows_only_its_manifest(tmp_path: Path) -> None:
    from gongkai.commands.archive import archive_posting

    root = _site(tmp_path, BOARD)
    photo = tmp_path / "board.png"
    photo.write_bytes(_png())
    entry = archive_posting(root, RELIEF, date(2015, 7, 29), "东湖村村务公开栏", [photo], pdf=False)
    assert entry.board_only
    kept = (entry.path / "sheet.html").read_text(encoding="utf-8")
    assert all(n in kept for n in RELIEF_NAMES)  # the archive keeps the sheet as posted
    out = root / "build"
    for today in (INSIDE_RELIEF, TODAY):
        build(root, today, out=out)
        assert _holding(out, RELIEF_NAMES) == {}
        published = sorted(p.name for p in (out / f"postings/2015/07-29/{RELIEF}").iterdir())
        assert published == ["manifest.json"]  # no sheet, PDF or photo of the board
        day = (out / "postings/2015/07-29/index.html").read_text(encoding="utf-8")
        assert "这份名单只在公开栏张贴" in day and entry.code in day
        assert "sheet.html" not in day and "photo-1" not in day
        page = (out / f"subsidies/{RELIEF}/index.html").read_text(encoding="utf-8")
        assert "东湖村村务公开栏" in page and f"{RELIEF}/sheet.html" not in page
    # the same posting of a roster on the site keeps its sheet and photo on the site
    (root / "content/site.yaml").write_text(
        (root / "content/site.yaml").read_text(encoding="utf-8").replace(BOARD, ""), encoding="utf-8"
    )
    build(root, TODAY, out=out)
    assert {"sheet.html", "manifest.json", "photos"} <= {
        p.name for p in (out / f"postings/2015/07-29/{RELIEF}").iterdir()
    }


def test_a_record_makes_itself_board_only_and_its_old_archive_leaves_the_site(tmp_path: Path) -> None:
    root = _site(tmp_path, records={GENGDI: "names: 只在公开栏"})
    out = root / "build"
    build(root, date(2015, 5, 14), out=out)  # inside the notice
    assert _holding(out, GENGDI_NAMES) == {}
    assert sorted(p.name for p in (out / f"postings/2015/05-12/{GENGDI}").iterdir()) == ["manifest.json"]
    assert "sheet.html" in {p.name for p in (root / f"content/archive/2015/05-12/{GENGDI}").iterdir()}


# --- board and site during the 公示期, grace per type and per record ------------------------------


def test_grace_days_per_type_and_per_record(tmp_path: Path) -> None:
    root = _site(
        tmp_path,
        "names:\n  subsidy: {where: notice, grace_days: 0}\n  subsidy.relief: {where: notice, grace_days: 5}\n",
        records={ZHENGDI: "names: {where: notice, grace_days: 2}"},
    )
    out = root / "build"
    relief_end, zhengdi_end = RELIEF_DOC["notice"]["end"], ZHENGDI_DOC["notice"]["end"]

    def shown(rid: str, day: date, names: list[str]) -> bool:
        build(root, day, out=out)
        page = (out / f"subsidies/{rid}/index.html").read_text(encoding="utf-8")
        return all(n in page for n in names)

    assert shown(RELIEF, relief_end + timedelta(days=5), RELIEF_NAMES)
    assert not shown(RELIEF, relief_end + timedelta(days=6), RELIEF_NAMES)
    assert shown(ZHENGDI, zhengdi_end + timedelta(days=2), ZHENGDI_NAMES)  # the record's own grace
    assert not shown(ZHENGDI, zhengdi_end + timedelta(days=3), ZHENGDI_NAMES)
    assert _holding(out, ZHENGDI_NAMES) == {}
    # the type's 0 days: the farm roster's names are gone the day after its notice, but for the archive
    build(root, GENGDI_DOC["notice"]["end"] + timedelta(days=1), out=out)
    assert all(k.startswith("postings/") for k in _holding(out, GENGDI_NAMES))


# --- always -------------------------------------------------------------------------------------

ALWAYS = (
    "names:\n  subsidy.land_compensation:\n    where: always\n"
    "    reason: 《中华人民共和国土地管理法实施条例》第三十二条，征地补偿安置费用的发放情况应当长期公开（本地规定）\n"
)


def test_always_keeps_the_names_on_pages_search_and_data_and_says_why(tmp_path: Path) -> None:
    root = _site(tmp_path, ALWAYS)
    out = root / "build"
    build(root, TODAY, out=out)
    holding = _holding(out, ZHENGDI_NAMES)
    for rel in (f"subsidies/{ZHENGDI}/index.html", f"data/{ZHENGDI}.json", f"data/{ZHENGDI}.csv"):
        assert sorted(holding[rel]) == ZHENGDI_NAMES, rel
    assert any(k.startswith("search/") for k in holding)
    page = (out / f"subsidies/{ZHENGDI}/index.html").read_text(encoding="utf-8")
    assert "本名单长期公开，依据：《中华人民共和国土地管理法实施条例》第三十二条" in page
    assert (out / f"print/{ZHENGDI}/index.html").is_file()
    # the rule of the type does not reach other kinds
    assert _holding(out, RELIEF_NAMES) == {}


# --- the incremental build equals the full build --------------------------------------------------


def test_changing_the_rule_rebuilds_what_showed_the_names(tmp_path: Path) -> None:
    root = _site(tmp_path)
    inc = root / "build"
    build(root, INSIDE_RELIEF, out=inc)
    assert all(n in (inc / f"subsidies/{RELIEF}/index.html").read_text(encoding="utf-8") for n in RELIEF_NAMES)
    sy = root / "content/site.yaml"
    base = sy.read_text(encoding="utf-8")
    for added in (BOARD, "", ALWAYS):
        sy.write_text(base + "\n" + added, encoding="utf-8")
        build(root, INSIDE_RELIEF if added != ALWAYS else TODAY, out=inc)
        full = tmp_path / f"full{len(added)}"
        build(root, INSIDE_RELIEF if added != ALWAYS else TODAY, out=full)
        a, b = _texts(inc), _texts(full)
        assert sorted(a) == sorted(b)
        assert [k for k in a if a[k] != b[k] and k != ".gongkai-build"] == []
    # and a record's own rule, edited in its file: the always-public roster and the archived farm roster
    for rid in (ZHENGDI, GENGDI):
        rec = root / f"content/subsidies/{rid}.yaml"
        rec.write_text(rec.read_text(encoding="utf-8").replace("\nkind: ", "\nnames: board\nkind: ", 1), "utf-8")
    build(root, TODAY, out=inc)
    full = tmp_path / "full-records"
    build(root, TODAY, out=full)
    a, b = _texts(inc), _texts(full)
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k] and k != ".gongkai-build"] == []
    assert _holding(inc, ZHENGDI_NAMES) == {} and _holding(inc, GENGDI_NAMES) == {}


# --- mistakes, in Chinese, at their line ----------------------------------------------------------


def _problems(root: Path) -> list[tuple[str, int, str]]:
    with pytest.raises(ContentError) as exc:
        build(root, TODAY, out=root / "build")
    return [(p.loc.path, p.loc.line, p.code) for p in exc.value.problems if p.code in ("GK101", "GK407", "GK408")]


def _line(root: Path, rel: str, text: str) -> int:
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line and not line.lstrip().startswith("#"))


def test_site_yaml_mistakes_are_reported_at_their_line(tmp_path: Path) -> None:
    root = _site(
        tmp_path,
        "names:\n  subsidy.relief:\n    where: board\n    grace_days: 3\n"
        "  subsidy: always\n  fund: board\n  subsidy.land_compensation: {where: always, reason: 法律规定}\n",
    )
    sy = "content/site.yaml"
    assert sorted(_problems(root)) == sorted(
        [
            (sy, _line(root, sy, "grace_days: 3"), "GK408"),
            (sy, _line(root, sy, "subsidy: always"), "GK407"),
            (sy, _line(root, sy, "fund: board"), "GK101"),
            (sy, _line(root, sy, "reason: 法律规定"), "GK407"),
        ]
    )


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("names: always", "GK407"),
        ("names: {where: always, reason: 上级要求长期公开}", "GK407"),
        ("names: {where: board, grace_days: 3}", "GK408"),
        ("names: {where: everywhere}", "GK107"),
    ],
)
def test_record_mistakes_are_reported_at_their_line(tmp_path: Path, line: str, code: str) -> None:
    root = _site(tmp_path, records={ZHENGDI: line})
    rel = f"content/subsidies/{ZHENGDI}.yaml"
    with pytest.raises(ContentError) as exc:
        build(root, TODAY, out=root / "build")
    found = [(p.loc.path, p.loc.line, p.code) for p in exc.value.problems]
    assert (rel, _line(root, rel, "names:"), code) in found, found
    message = next(p for p in exc.value.problems if p.code == code)
    assert re.search(r"[\u4e00-\u9fff]", message.message)


def test_a_written_basis_makes_always_valid_in_a_record(tmp_path: Path) -> None:
    root = _site(
        tmp_path, records={ZHENGDI: "names: {where: 一直公开, reason: 《某省征地补偿办法》第十条要求长期公开}"}
    )
    build(root, TODAY, out=root / "build")
    assert all(n in (root / f"build/subsidies/{ZHENGDI}/index.html").read_text(encoding="utf-8") for n in ZHENGDI_NAMES)
    data = json.loads((root / f"build/data/{ZHENGDI}.json").read_text(encoding="utf-8"))
    assert data["names"] == {"where": "always", "reason": "《某省征地补偿办法》第十条要求长期公开"}


def test_a_name_in_the_summary_or_body_is_warned_about(tmp_path: Path) -> None:
    # the demo's correction once named the household in its summary and body: those stay on the
    # site, in feeds and in search long after the roster's names came off
    root = _site(tmp_path, BOARD)
    rel = "content/subsidies/shouzai-jiuzhu-2015-gengzheng.yaml"
    p = root / rel
    p.write_text(
        p.read_text(encoding="utf-8").replace("河口村一组一户的救助人数", "河口村一组杨晓燕户救助人数"), "utf-8"
    )
    result = build(root, TODAY, out=root / "build")
    found = [(w.loc.path, w.loc.line, w.field) for w in result.warnings if w.code == "GK409"]
    assert found == [(rel, _line(root, rel, "summary:"), "summary"), (rel, _line(root, rel, "body:"), "body")]
    assert "杨晓燕" in next(w.message for w in result.warnings if w.code == "GK409")
    # a roster always public is not warned about
    p2 = root / "content/site.yaml"
    p2.write_text(p2.read_text(encoding="utf-8").replace(BOARD, ""), encoding="utf-8")
    rec = p.read_text(encoding="utf-8").replace(
        "\nkind: ", "\nnames: {where: always, reason: 《某省救灾救助办法》第九条}\nkind: ", 1
    )
    p.write_text(rec, encoding="utf-8")
    assert not [w for w in build(root, TODAY, out=root / "build").warnings if w.code == "GK409"]


def test_a_correction_does_not_list_every_row_as_new_when_the_first_roster_came_off(tmp_path: Path) -> None:
    # the first roster's names are off the site (notice end 08-07 + 0), its correction's are not (end 08-13):
    # the comparison showed each of its rows as added, old side "（无）"
    root = _site(tmp_path, "names:\n  subsidy.relief: {where: notice, grace_days: 0}\n")
    out = root / "build"
    build(root, date(2015, 8, 10), out=out)
    page = (out / f"subsidies/{RELIEF}/index.html").read_text(encoding="utf-8")
    assert "更正前后对照" in page and "发放名单 · " not in page
    assert "合计" in page  # the totals still compare


def test_the_pages_of_each_choice_are_valid_html(tmp_path: Path) -> None:
    """The W3C checker over what only these choices make: a board-only roster's
    page and archive day, an always-public page, the board sheet."""
    from test_html_valid import vnu

    root = _site(tmp_path, BOARD + ALWAYS.removeprefix("names:\n"), records={GENGDI: "names: board"})
    out = root / "build"
    build(root, date(2015, 10, 1), out=out)
    from gongkai.commands.board import checked_site, print_board

    site, _ = checked_site(root, date(2015, 10, 1))
    print_board(site, [GENGDI], None, False, out)
    files = [
        out / f"subsidies/{RELIEF}/index.html",
        out / f"subsidies/{GENGDI}/index.html",
        out / f"subsidies/{ZHENGDI}/index.html",
        out / "postings/2015/05-12/index.html",
        root / f"board/{GENGDI}/index.html",
    ]
    assert "只在村（社区）公开栏张贴" in files[0].read_text(encoding="utf-8")
    assert "本名单长期公开" in files[2].read_text(encoding="utf-8")
    found = [f"{m['url']}:{m.get('lastLine', '')}: {m['type']} {m['message']}" for m in vnu(files)]
    assert found == [], "\n".join(found[:20])


def test_a_two_character_name_inside_common_words_is_not_a_name() -> None:
    # found on the synthetic 10,000-record township: a recipient 金发 and the title
    # "城乡居民最低生活保障金发放公示" (保障金 + 发放) gave a warning no clerk can act on
    from gongkai.check.rules.names import _found

    assert _found("2017年城乡居民最低生活保障金发放公示", {"金发"}) == []
    assert _found("现将救助资金发放情况公示", {"金发"}) == []
    # standing as a word of its own it is still found, and longer names are never excused
    assert _found("更正河口村一组金发户的救助金额", {"金发"}) == ["金发"]
    assert _found("金发、李明两户", {"金发", "李明"}) == ["金发", "李明"]
    assert _found("保障金发放给王金发", {"王金发"}) == ["王金发"]
