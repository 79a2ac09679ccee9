"""The archive of posted sheets: entries, never overwritten, verified on every
build, shown on the site; and the field-by-field diff of corrections."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO, SITES
from linkcheck import broken_links, reachable
from PIL import Image

from gongkai import ContentError, build, check
from gongkai.commands.archive import archive_posting, write_entry
from gongkai.core.archive_format import MANIFEST, manifest_bytes, manifest_digest
from gongkai.core.errors import ArchiveError
from gongkai.plan.diff import diff_records
from gongkai.run.write import MARKER, read_marker

SHEETS = SITES / "sheets"
POSTED = date(2015, 5, 12)
TODAY = date(2015, 6, 30)


def _image(fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 120, 40)).save(buf, fmt, **kw)
    return buf.getvalue()


JPEG = _image("JPEG")
PNG = _image("PNG")


def tree(root: Path) -> dict[str, str]:
    """Every file's digest; the marker by the token of its tree (its binding
    names the folder, so it differs between two output folders)."""
    out = {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
    marker = read_marker(root)
    if marker is not None:
        out[MARKER] = marker.token
    return out


@pytest.fixture
def site(make_site, tmp_path: Path) -> Path:
    return make_site(base=SHEETS)


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    a, b = tmp_path / "IMG_0001.JPG", tmp_path / "公开栏 2.png"
    a.write_bytes(JPEG)
    b.write_bytes(PNG)
    return [a, b]


def entry_dir(site: Path, name: str = "butie-2015") -> Path:
    return site / "content" / "archive" / "2015" / "05-12" / name


def archived(site: Path, photos: list[Path] | None = None, **kw: object) -> Path:
    kw.setdefault("pdf", False)
    entry = archive_posting(site, "butie-2015", POSTED, "测试村公开栏", photos or [], **kw)  # type: ignore[arg-type]
    return entry.path


# --- creating entries ---------------------------------------------------------------------------------


def test_archive_freezes_sheet_source_photos_and_manifest(site: Path, photos: list[Path]) -> None:
    path = archived(site, photos)
    assert path == entry_dir(site)
    files = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    assert files == [
        "manifest.json",
        "photos/photo-1.jpg",
        "photos/photo-2.png",
        "qr.svg",
        "sheet.html",
        "source/content/subsidies/butie-2015.yaml",
    ]
    raw = (path / MANIFEST).read_bytes()
    m = json.loads(raw)
    assert m["record_id"] == "butie-2015" and m["posted"] == "2015-05-12" and m["place"] == "测试村公开栏"
    assert m["gongkai"] and m["paper"] == "A4 纵向" and m["sheet_pages"] == 1
    assert m["photos"] == {"photos/photo-1.jpg": "IMG_0001.JPG", "photos/photo-2.png": "公开栏 2.png"}
    for name, digest in m["files"].items():
        assert hashlib.sha256((path / name).read_bytes()).hexdigest() == digest
    assert set(m["files"]) == set(files) - {MANIFEST}
    assert m["digest"] == manifest_digest(m) and raw == manifest_bytes(m)
    sheet = (path / "sheet.html").read_text(encoding="utf-8")
    assert "<style>" in sheet and "static/print.css" not in sheet  # self-contained
    assert 'src="qr.svg"' in sheet and "href=" not in sheet  # no link into a site it no longer sits in
    assert "2015年5月12日张贴于测试村公开栏" in sheet
    assert (site / "content" / "archive" / ".gitattributes").read_text(encoding="utf-8").endswith("* -text\n")
    assert not list(site.glob(".gongkai-archive-*"))  # the temporary folder is gone


def test_archive_keeps_a_pdf_when_weasyprint_is_there(site: Path) -> None:
    from gongkai.emit.pdf import PdfUnavailable, check_pdf_support

    try:
        check_pdf_support()
    except PdfUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    path = archived(site, pdf=True)
    assert (path / "sheet.pdf").read_bytes().startswith(b"%PDF")
    assert "sheet.pdf" in json.loads((path / MANIFEST).read_bytes())["files"]


def test_an_entry_is_never_overwritten(site: Path, photos: list[Path]) -> None:
    first = archived(site, photos[:1])
    before = tree(first)
    # The record is corrected in place and posted again the same day, at another board.
    rec = site / "content" / "subsidies" / "butie-2015.yaml"
    rec.write_text(rec.read_text(encoding="utf-8").replace("王五", "王武"), encoding="utf-8")
    with pytest.raises(ArchiveError, match=r"已经存档过.*--again"):
        archive_posting(site, "butie-2015", POSTED, "测试镇公开栏", pdf=False)
    second = archive_posting(site, "butie-2015", POSTED, "测试镇公开栏", pdf=False, again=True).path
    third = archive_posting(site, "butie-2015", POSTED, "", pdf=False, again=True).path
    assert (first.name, second.name, third.name) == ("butie-2015", "butie-2015_2", "butie-2015_3")
    assert tree(first) == before
    assert "王武" in (second / "sheet.html").read_text(encoding="utf-8")
    assert "王五" in (first / "sheet.html").read_text(encoding="utf-8")
    check_ok(site)


def test_writer_never_replaces_an_existing_folder(tmp_path: Path) -> None:
    root = tmp_path / "site"
    taken = root / "content" / "archive" / "2015" / "05-12" / "x"
    taken.mkdir(parents=True)
    (taken / "keep.txt").write_bytes(b"precious")
    with pytest.raises(ArchiveError, match="已经存在"):
        write_entry(root, POSTED, "x", {"sheet.html": b"<p>1</p>"}, {"format": 1})
    assert (taken / "keep.txt").read_bytes() == b"precious" and sorted(p.name for p in taken.iterdir()) == ["keep.txt"]
    with pytest.raises(ArchiveError, match="不安全"):
        write_entry(root, POSTED, "x", {"../evil": b""}, {})


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("board.bmp", b"BM", "格式不支持"),
        ("fake.jpg", b"not a jpeg", "不是有效的 JPG"),
        ("missing.jpg", None, "找不到照片"),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_written(
    site: Path, tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    photo = tmp_path / name
    if data is not None:
        photo.write_bytes(data)
    with pytest.raises(ArchiveError, match=message):
        archived(site, [photo])
    assert not (site / "content" / "archive").exists()


def test_only_published_public_records_are_archived(site: Path) -> None:
    (site / "content" / "notices" / "neibu.md").write_text(
        "---\ntitle: 内部\npublisher: town\ndate: 2015-03-01\ncategory: 其他\ndisclosure: withheld\n"
        "withheld: {article: 16, ground: internal, reason: 内部事务信息}\n---\n内部\n",
        encoding="utf-8",
    )
    with pytest.raises(ArchiveError, match="不予公开"):
        archive_posting(site, "neibu", POSTED, pdf=False)
    with pytest.raises(ArchiveError, match="没有编号为“shichang-zhengqiu”"):  # published on 2015-06-01
        archive_posting(site, "shichang-zhengqiu", POSTED, pdf=False)
    with pytest.raises(ArchiveError, match="没有编号为“no-such”"):
        archive_posting(site, "no-such", POSTED, pdf=False)


def test_archive_copies_the_roster_spreadsheet_and_folder_defaults(site: Path) -> None:
    folder = site / "content" / "subsidies"
    (folder / "_defaults.yaml").write_text("publisher: town\n", encoding="utf-8")
    (folder / "名单.csv").write_text(
        "村（社区）,组,姓名,身份证号,数量,金额\n测试村,一组,赵六,320000********4567,2.00,210.00\n", encoding="utf-8"
    )
    (folder / "csv-2015.yaml").write_text(
        "title: 名单文件测试\ndate: 2015-05-11\nkind: farm_subsidy\nprogram: 耕地地力保护补贴\nrate: 105.00\n"
        "notice: {start: 2015-05-11, end: 2015-05-18}\nrecipients: 名单.csv\n"
        "totals: {households: 1, quantity: 2.00, amount: 210.00}\n",
        encoding="utf-8",
    )
    assert [p.format() for p in check(site, TODAY).errors] == []
    path = archive_posting(site, "csv-2015", POSTED, pdf=False).path
    sources = sorted(p.relative_to(path / "source").as_posix() for p in (path / "source").rglob("*") if p.is_file())
    assert sources == [
        "content/subsidies/_defaults.yaml",
        "content/subsidies/csv-2015.yaml",
        "content/subsidies/名单.csv",
    ]


# --- verification on every build ------------------------------------------------------------------------


def check_ok(site: Path) -> None:
    assert [p.format() for p in check(site, TODAY).problems if p.code.startswith("GK5")] == []


def codes(site: Path) -> list[tuple[str, str]]:
    with pytest.raises(ContentError) as exc:
        build(site, TODAY)
    return [(p.code, p.loc.path) for p in exc.value.problems if p.code.startswith("GK5")]


E = "content/archive/2015/05-12/butie-2015"


def test_a_tampered_file_fails_the_build_naming_it(site: Path, photos: list[Path]) -> None:
    path = archived(site, photos)
    check_ok(site)
    sheet = path / "sheet.html"
    sheet.write_bytes(sheet.read_bytes().replace("测试村公开栏".encode(), "别的公开栏".encode()))
    assert codes(site) == [("GK501", f"{E}/sheet.html")]


def test_one_flipped_byte_in_a_photo_is_found(site: Path, photos: list[Path]) -> None:
    path = archived(site, photos)
    photo = path / "photos" / "photo-1.jpg"
    data = bytearray(photo.read_bytes())
    data[20] ^= 1
    photo.write_bytes(bytes(data))
    assert codes(site) == [("GK501", f"{E}/photos/photo-1.jpg")]


def test_a_missing_file_fails_the_build_naming_it(site: Path, photos: list[Path]) -> None:
    path = archived(site, photos)
    (path / "photos" / "photo-2.png").unlink()
    assert codes(site) == [("GK502", f"{E}/photos/photo-2.png")]


def test_an_extra_file_fails_the_build_naming_it(site: Path, photos: list[Path]) -> None:
    path = archived(site, photos)
    (path / "photos" / "补拍.jpg").write_bytes(JPEG)
    (path / "Thumbs.db").write_bytes(b"windows explorer")  # left by the system, not archive content
    assert codes(site) == [("GK503", f"{E}/photos/补拍.jpg")]


def test_an_edited_manifest_fails_the_build(site: Path) -> None:
    path = archived(site)
    m = path / MANIFEST
    m.write_bytes(m.read_bytes().replace("测试村公开栏".encode(), "测试镇公开栏".encode()))
    assert codes(site) == [("GK501", f"{E}/{MANIFEST}")]
    m.write_bytes(m.read_bytes().replace(b"\n", b"\r\n"))  # even line ends count
    assert codes(site) == [("GK501", f"{E}/{MANIFEST}")]


def test_broken_or_missing_manifest(site: Path) -> None:
    path = archived(site)
    (path / MANIFEST).write_text("{", encoding="utf-8")
    assert codes(site) == [("GK504", f"{E}/{MANIFEST}")]
    (path / MANIFEST).unlink()
    assert codes(site) == [("GK504", E)]


def test_a_moved_entry_or_a_stray_file(site: Path) -> None:
    path = archived(site)
    moved = path.parent.parent / "05-13" / "butie-2015"
    moved.parent.mkdir()
    path.rename(moved)
    assert codes(site) == [("GK506", f"content/archive/2015/05-13/butie-2015/{MANIFEST}")]
    moved.rename(path)
    (site / "content" / "archive" / "说明.txt").write_text("x", encoding="utf-8")
    assert codes(site) == [("GK503", "content/archive/说明.txt")]


def test_a_deleted_record_is_reported(site: Path) -> None:
    archived(site)
    (site / "content" / "subsidies" / "butie-2015.yaml").unlink()
    assert codes(site) == [("GK505", f"{E}/{MANIFEST}")]


def test_cli_build_names_the_file_and_exits_1(site: Path) -> None:
    path = archived(site)
    (path / "qr.svg").write_bytes(b"<svg/>")
    r = run("build", str(site), "--today", "2015-06-30")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{E}/qr.svg: 错误 GK501" in r.stderr


# --- the site section ---------------------------------------------------------------------------------------


def test_build_shows_the_posting_by_date(site: Path, photos: list[Path]) -> None:
    archived(site, photos)
    archive_posting(site, "tongzhi", date(2015, 3, 18), "测试镇政府公开栏", pdf=False)
    build(site, TODAY)
    out = site / "build"
    index = (out / "postings" / "index.html").read_text(encoding="utf-8")
    assert index.index("2015年5月12日") < index.index("2015年3月18日")  # newest first
    day = (out / "postings" / "2015" / "05-12" / "index.html").read_text(encoding="utf-8")
    assert 'id="p-butie-2015"' in day and "测试村公开栏" in day
    assert 'href="../../../postings/2015/05-12/butie-2015/sheet.html"' in day
    assert 'src="../../../postings/2015/05-12/butie-2015/photos/photo-1.jpg"' in day
    for f in ("sheet.html", "qr.svg", "manifest.json", "photos/photo-1.jpg", "photos/photo-2.png"):
        assert (out / "postings" / "2015" / "05-12" / "butie-2015" / f).is_file(), f
    assert not (out / "postings" / "2015" / "05-12" / "butie-2015" / "source").exists()  # never published
    record = (out / "subsidies" / "butie-2015" / "index.html").read_text(encoding="utf-8")
    assert "张贴于测试村公开栏" in record and "../../postings/2015/05-12/index.html#p-butie-2015" in record
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "公开栏存档" in home
    assert broken_links(out) == []
    assert {p.resolve() for p in out.rglob("*.html")} - reachable(out) == set()


def test_postings_appear_from_their_day_on(site: Path) -> None:
    archived(site)
    build(site, date(2015, 5, 11))
    assert not (site / "build" / "postings" / "2015").exists()
    assert "暂无存档" in (site / "build" / "postings" / "index.html").read_text(encoding="utf-8")


def test_cli_archive_then_build(site: Path, photos: list[Path]) -> None:
    r = run(
        "archive", "butie-2015", "--posted", "2015-05-12", "--place", "测试村公开栏",
        "--photo", *map(str, photos), "--site", str(site), "--no-pdf",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "已存档：content/archive/2015/05-12/butie-2015/" in r.stdout and "照片 2 张" in r.stdout
    r = run("build", str(site), "--today", "2015-06-30")
    assert r.returncode == 0, r.stderr
    assert (site / "build" / "postings" / "2015" / "05-12" / "butie-2015" / "photos" / "photo-2.png").is_file()
    r = run("archive", "butie-2015", "--posted", "2015-02-30", "--site", str(site))
    assert r.returncode == 2 and "不是有效日期" in r.stderr


def test_build_with_an_archive_is_byte_reproducible(site: Path, photos: list[Path], tmp_path: Path) -> None:
    archived(site, photos)
    build(site, TODAY, out=tmp_path / "a")
    build(site, TODAY, out=tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gongkai", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=600,
    )


# --- corrections -------------------------------------------------------------------------------------------------


def test_diff_of_the_demo_correction_names_each_changed_field() -> None:
    site = check(REPO, date(2015, 9, 1)).site
    assert site is not None
    old, new = site.by_id["shouzai-jiuzhu-2015"], site.by_id["shouzai-jiuzhu-2015-gengzheng"]
    changes = {c.field: (c.old, c.new) for c in diff_records(old, new)}
    assert changes["发放名单 · 河口村一组 杨晓燕 · 数量"] == ("3", "4")
    assert changes["发放名单 · 河口村一组 杨晓燕 · 金额"] == ("900.00", "1,200.00")
    assert changes["合计 · 金额合计"] == ("41,550.00", "41,850.00")
    assert changes["公示期 · 开始日期"] == ("2015年7月28日", "2015年8月3日")
    assert not any("supersedes" in f or "被更正" in f for f in changes)
    assert not any(f.startswith("发放名单") and "杨晓燕" not in f for f in changes)  # other rows unchanged


def test_rows_are_matched_by_who_not_where(make_site) -> None:
    base = (SHEETS / "content" / "subsidies" / "butie-2015.yaml").read_text(encoding="utf-8")
    fixed = (
        base.replace("date: 2015-05-10\n", "date: 2015-05-12\nsupersedes: butie-2015\n", 1)
        .replace(
            "recipients:\n",
            'recipients:\n  - {village: 测试村, group: 三组, name: 赵六, id_number: "320000********4567", quantity: 1.00, amount: 105.00}\n',
        )
        .replace("households: 3, quantity: 10.30, amount: 1081.50", "households: 4, quantity: 11.30, amount: 1186.50")
    )
    site_dir = make_site({"subsidies/butie-2015-gengzheng.yaml": fixed}, base=SHEETS)
    site = check(site_dir, TODAY).site
    assert site is not None
    changes = diff_records(site.by_id["butie-2015"], site.by_id["butie-2015-gengzheng"])
    rows = [c for c in changes if c.field.startswith("发放名单")]
    assert len(rows) == 1 and rows[0].field == "发放名单 · 测试村三组 赵六" and rows[0].old == "（无）"
    assert "身份证号（已遮蔽）：32*************567" in rows[0].new  # as the site shows it
    build(site_dir, date(2015, 6, 1))  # inside the names grace after its 公示期: names still on the site
    page = (site_dir / "build" / "subsidies" / "butie-2015" / "index.html").read_text(encoding="utf-8")
    assert "更正前后对照" in page and "测试村三组 赵六" in page


def test_demo_record_pages_show_the_correction_table(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(REPO, date(2015, 9, 1), out=out)
    for rid in ("shouzai-jiuzhu-2015", "shouzai-jiuzhu-2015-gengzheng"):
        page = (out / "subsidies" / rid / "index.html").read_text(encoding="utf-8")
        assert "更正前后对照" in page and "杨晓燕" in page and "1,200.00" in page, rid


def test_demo_shows_its_posting(demo_build: Path) -> None:
    """The demo's roster as posted on 2015-05-12, verified and listed."""
    index = (demo_build / "postings" / "index.html").read_text(encoding="utf-8")
    assert "青石村村务公开栏" in index
    day = (demo_build / "postings" / "2015" / "05-12" / "index.html").read_text(encoding="utf-8")
    assert "青石镇2015年耕地地力保护补贴发放公示" in day
    assert "公开栏存档" in (demo_build / "index.html").read_text(encoding="utf-8")


# --- personal data never enters the archive (issue 13) -----------------------------------------------


def test_photo_metadata_is_stripped_keeping_orientation(site: Path, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010E] = "户主 500230201708036181 卡 6222021234567890128 电话 13812345678"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (31.0, 30.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}
    photo = tmp_path / "门前.jpg"
    photo.write_bytes(_image("JPEG", exif=exif, comment=b"13812345678"))
    path = archived(site, [photo])
    stored = (path / "photos" / "photo-1.jpg").read_bytes()
    assert b"13812345678" not in stored and b"500230" not in stored
    with Image.open(io.BytesIO(stored)) as im:
        tags = im.getexif()
        assert dict(tags) == {0x0112: 6}
        assert 0x8825 not in tags and im.size == (16, 12)
    build(site, TODAY, out=tmp_path / "out")  # the gate finds nothing in it


@pytest.mark.parametrize("where", ["place", "photo name"])
def test_personal_number_in_place_or_photo_name_is_refused_before_writing(
    site: Path, tmp_path: Path, where: str
) -> None:
    photo = tmp_path / ("IMG_13812345678.jpg" if where == "photo name" else "a.jpg")
    photo.write_bytes(JPEG)
    place = "测试村 50023020170803618X 家门口" if where == "place" else "测试村公开栏"
    before = tree(site / "content")
    with pytest.raises(ArchiveError) as exc:
        archive_posting(site, "butie-2015", POSTED, place, [photo], pdf=False)
    assert "不能存档" in str(exc.value) and "13812345678" not in str(exc.value)
    assert tree(site / "content") == before
