"""Notice sheets (公示单): golden HTML, roster pagination, PDFs and browser printing.

Golden files live in tests/golden/; regenerate them after an intended change
with ``GONGKAI_UPDATE_GOLDEN=1 python -m pytest tests/test_sheets.py``.

PDF tests skip (with the reason) only when WeasyPrint cannot run here and
the CI environment variable is unset; in CI they must run.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import subprocess
import sys
import time
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SITES, keep_names
from linkcheck import broken_links

from gongkai import GongkaiError, build, check
from gongkai.core.model import Site
from gongkai.plan.sheet_layout import METRICS, Paper, SheetRequest, lines_for, text_em
from gongkai.plan.sheets import make_sheet, plan_sheets

SHEETS = SITES / "sheets"
TODAY = date(2015, 6, 30)
GOLDEN = Path(__file__).resolve().parent / "golden"
ONE_OF_EACH = {
    "budget": "yusuan-2015",
    "subsidy": "butie-2015",
    "fund": "fupin-2015",
    "decision": "shichang-zhengqiu",
    "list": "shoufei",
    "notice": "tongzhi",
    "page": "zhinan",
}
FOLDED = {t: ONE_OF_EACH[t] for t in ("notice", "page")}  # no sheet page on the site
A4_PT = (595.28, 841.89)
A3_PT = (841.89, 1190.55)


LONG_NOTE = ("经村民小组会议讨论并报镇农业服务中心核实，" * 10)[:200]  # the longest a note may be


def roster_yaml(n: int, note_every: int = 0, long_note_at: int = 0) -> str:
    """A subsidy record with ``n`` recipients in five villages; every
    ``note_every``-th row carries a note (0: none), row ``long_note_at`` a
    200-character one."""
    rows, qty, amount = [], Decimal(0), Decimal(0)
    for i in range(1, n + 1):
        q = Decimal(i % 9 + 1) + Decimal("0.50")
        a = (q * Decimal("105.00")).quantize(Decimal("0.01"))
        qty += q
        amount += a
        village = ["东村", "西村", "南村", "北村", "中心村"][i * 5 // (n + 1)]
        note = f", note: 含土地流转面积{i}亩，已与承包户确认" if note_every and i % note_every == 0 else ""
        note = f", note: {LONG_NOTE}" if i == long_note_at else note
        rows.append(
            f'  - {{village: {village}, group: {i % 7 + 1}组, name: 村民{i:03d}, id_number: "320000********{i:03d}{i % 10}",'
            f" quantity: {q}, amount: {a}{note}}}"
        )
    return (
        "title: 测试镇2015年耕地地力保护补贴发放公示（全镇）\n"
        "publisher: town\ndate: 2015-05-10\nkind: farm_subsidy\nprogram: 耕地地力保护补贴\n"
        "rate: 105.00\nrate_unit: 元/亩\nquantity_unit: 亩\nnotice: {start: 2015-05-10, end: 2015-05-17}\n"
        "recipients:\n" + "\n".join(rows) + f"\ntotals: {{households: {n}, quantity: {qty}, amount: {amount}}}\n"
    )


@pytest.fixture(scope="module")
def sheets_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site with one record of each type and a 250-row roster, built once."""
    import shutil

    root = tmp_path_factory.mktemp("sheets") / "site"
    shutil.copytree(SHEETS, root)
    (root / "content" / "subsidies" / "big-250.yaml").write_text(
        roster_yaml(250, note_every=37, long_note_at=100), encoding="utf-8"
    )
    keep_names(root)  # these tests print the rows
    build(root, TODAY)
    # Notices and standing pages print from their record page (plan/print_fold.py);
    # their sheet page is made when asked for, as `gongkai print tongzhi zhinan` does.
    build(root, TODAY, out=root.parent / "printed", sheets=SheetRequest(tuple(FOLDED.values())))
    return root


def _site(root: Path) -> Site:
    site = check(root, TODAY).site
    assert site is not None
    return site


def need_pdf() -> None:
    from gongkai.emit.pdf import PdfUnavailable, check_pdf_support

    try:
        check_pdf_support()
    except PdfUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PDF 测试需要 WeasyPrint、Pango 和中文字体：{exc}")


# --- golden HTML ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rtype", sorted(ONE_OF_EACH))
def test_sheet_html_matches_golden(sheets_build: Path, rtype: str) -> None:
    out = sheets_build.parent / "printed" if rtype in FOLDED else sheets_build / "build"
    got = (out / "print" / ONE_OF_EACH[rtype] / "index.html").read_text(encoding="utf-8")
    got = re.sub(r'content="gongkai [^"]+"', 'content="gongkai VERSION"', got)  # a release is not a change
    golden = GOLDEN / f"sheet-{rtype}.html"
    if os.environ.get("GONGKAI_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got, encoding="utf-8", newline="\n")
    want = golden.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), str(golden), "built"))
        pytest.fail(f"sheet of {rtype} differs from {golden.name} (GONGKAI_UPDATE_GOLDEN=1 to accept):\n{diff}")


def test_every_public_record_has_a_sheet_and_a_qr_code(sheets_build: Path) -> None:
    """A sheet page and its QR code for every public record; a notice's or a
    standing page's sheet is its record page, printed (no page of its own)."""
    site = _site(sheets_build)
    out = sheets_build / "build"
    for rec in site.published:
        sheet = out / "print" / rec.id / "index.html"
        assert (out / "print" / rec.id / "qr.svg").read_bytes().startswith(b"<svg"), rec.id
        page = (out / rec.url / "index.html").read_text(encoding="utf-8")
        if rec.type in FOLDED:
            assert not sheet.exists(), rec.id
            assert f"print/{rec.id}/index.html" not in page and f'print/{rec.id}/"' not in page, rec.id
            assert 'record-print.css" media="print"' in page, rec.id
            assert f'<img src="../../print/{rec.id}/qr.svg"' in page, rec.id
        else:
            assert sheet.is_file(), rec.id
            assert f'href="../../print/{rec.id}/index.html"' in page, rec.id
    html = (out / "print" / "butie-2015" / "index.html").read_text(encoding="utf-8")
    assert "www.example.gov.cn/xxgk/ceshi/subsidies/butie-2015/" in html  # the address under the QR code
    assert "https://" not in html  # printed without a scheme; nothing external is loaded
    assert broken_links(out) == []


def test_sheet_layout_of_a_roster(sheets_build: Path) -> None:
    html = (sheets_build / "build" / "print" / "butie-2015" / "index.html").read_text(encoding="utf-8")
    for text in [
        "测试镇人民政府",  # organisation
        "测试村2015年耕地地力保护补贴发放公示",  # title
        "测政农〔2015〕7号",  # 文号
        "政策依据：某财农〔2015〕12号",  # basis
        '<th scope="col">身份证号</th>',
        "32*************23X",  # masked by the site policy, never more
        "合计（3 户）",
        "1,081.50",
        "公示期：</strong>2015年5月10日 至 2015年5月17日",
        "电话：0527-80000036",  # where objections go
        "地址：测试镇农业服务中心102室",
        "（盖章处）",
        "第 1 页 共 1 页",
        '<img src="qr.svg"',
        "@page { size: A4 portrait; margin: 0;",
    ]:
        assert text in html, text
    assert "320000" not in html  # the source form of the ID number never reaches a sheet


def test_sites_without_base_url_print_no_qr_code(demo_build: Path) -> None:
    html = (demo_build / "print" / "gengdi-2015" / "index.html").read_text(encoding="utf-8")
    assert "qr.svg" not in html and not (demo_build / "print" / "gengdi-2015" / "qr.svg").exists()
    assert "（盖章处）" in html


# --- pagination -----------------------------------------------------------------------------------


def test_roster_pages_hold_every_row_once_in_order(sheets_build: Path) -> None:
    site = _site(sheets_build)
    rec = site.by_id["big-250"]
    for paper in (Paper("A4"), Paper("A4", True), Paper("A3"), Paper("A3", True)):
        sheet = make_sheet(site, rec, paper)
        seqs = [r.seq for p in sheet.pages for r in p.rows]
        assert seqs == list(range(1, 251)), paper
        assert all(p.rows for p in sheet.pages)
        assert [p.first for p in sheet.pages] == [True] + [False] * (sheet.page_count - 1)
        assert [p.last for p in sheet.pages] == [False] * (sheet.page_count - 1) + [True]
    a4, a3 = make_sheet(site, rec, Paper("A4")), make_sheet(site, rec, Paper("A3"))
    assert 8 <= a4.page_count <= 14 and a3.page_count < a4.page_count


def test_roster_html_has_one_section_per_page_with_the_header_row(sheets_build: Path) -> None:
    site = _site(sheets_build)
    sheet = make_sheet(site, site.by_id["big-250"])
    html = (sheets_build / "build" / "print" / "big-250" / "index.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section class="sheet-page".*?</section>', html, re.S)
    assert len(sections) == sheet.page_count
    y = sheet.page_count
    for x, sec in enumerate(sections, start=1):
        assert sec.count("<thead>") == 1 and "身份证号" in sec
        assert f"第 {x} 页 共 {y} 页" in sec
        assert ("合计（250 户）" in sec) == (x == y)  # totals on the last page only
        assert ("（盖章处）" in sec) == (x == y)


def test_a_note_too_long_for_its_cell_goes_below_the_table(sheets_build: Path) -> None:
    site = _site(sheets_build)
    for paper in (Paper("A4"), Paper("A3", True)):
        sheet = make_sheet(site, site.by_id["big-250"], paper)
        rows = {r.seq: r for p in sheet.pages for r in p.rows}
        mark, _, text = rows[100].footnote.partition("：")
        assert text == LONG_NOTE and f"见{mark}" in rows[100].cells
        assert max(r.lines for r in rows.values()) <= 3
        marks = [r.footnote.partition("：")[0] for r in rows.values() if r.footnote]
        assert marks == [f"注{k}" for k in range(1, len(marks) + 1)]
    html = (sheets_build / "build" / "print" / "big-250" / "index.html").read_text(encoding="utf-8")
    section = next(s for s in html.split("<section")[1:] if "村民100" in s)
    assert f"：{LONG_NOTE}</p>" in section  # on the same page as its row


def test_long_cells_wrap_and_take_more_room() -> None:
    assert text_em("张三") == 2.0 and text_em("1,234.50") < 5
    assert lines_for("含土地流转面积，已与承包户确认", 4.0) == 4
    assert lines_for("张三", 3.0) == 1


def test_print_request_sets_paper_and_refuses_unknown_ids(sheets_build: Path) -> None:
    site = _site(sheets_build)
    pages = {p.url: p for p in plan_sheets(site, SheetRequest(("big-250",), Paper("A3", True)))}
    assert pages["print/big-250/"].full_context()["sheet"].paper == Paper("A3", True)
    assert pages["print/butie-2015/"].full_context()["sheet"].paper == Paper("A4")
    assert pages["print/fupin-2015/"].full_context()["sheet"].paper == Paper("A4", True)  # wide project table
    with pytest.raises(GongkaiError, match="没有编号为“no-such”的已发布信息"):
        plan_sheets(site, SheetRequest(("no-such",)))
    with pytest.raises(ValueError):
        Paper("A5")


# --- PDF -----------------------------------------------------------------------------------------------


def _pdf(site_root: Path, rid: str, paper: Paper) -> tuple[bytes, int]:
    from gongkai.emit.pdf import print_css, sheet_pdf
    from gongkai.emit.render import Renderer, theme_dirs

    site = _site(site_root)
    dirs = theme_dirs(site_root, "default")
    return sheet_pdf(site, Renderer(site, dirs), print_css(dirs), rid, paper), make_sheet(
        site, site.by_id[rid], paper
    ).page_count


@pytest.mark.parametrize(
    ("paper", "size"), [(Paper("A4"), A4_PT), (Paper("A3"), A3_PT), (Paper("A4", True), A4_PT[::-1])]
)
def test_250_row_roster_pdf_repeats_the_header_on_every_page(
    sheets_build: Path, paper: Paper, size: tuple[float, float]
) -> None:
    need_pdf()
    import io

    import pypdf

    t0 = time.perf_counter()
    data, expected = _pdf(sheets_build, "big-250", paper)
    seconds = time.perf_counter() - t0
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == expected, f"{paper.label}: PDF has {len(reader.pages)} pages, sheet planned {expected}"
    print(f"\n{paper.label}: {expected} pages, {seconds:.1f} s, {len(data) // 1024} KB")
    seen: list[int] = []
    for x, page in enumerate(reader.pages, start=1):
        box = page.mediabox
        assert abs(float(box.width) - size[0]) < 1 and abs(float(box.height) - size[1]) < 1, (x, box)
        text = page.extract_text().replace(" ", "")
        for head in ("序号", "姓名", "身份证号", "金额"):
            assert head in text, (x, head)
        assert f"第{x}页共{expected}页" in text, x
        assert ("合计（250户）" in text) == (x == expected), x
        seen += [int(n) for n in re.findall(r"村民(\d{3})", text)]
    assert seen == list(range(1, 251))  # every row once, in order, across the pages


def test_print_command_writes_pdfs_on_a3(make_site, tmp_path: Path) -> None:
    need_pdf()
    import pypdf

    site = make_site(base=SHEETS)
    r = _run("print", "butie-2015", "shoufei", "--size", "A3", "--pdf", "--site", str(site), "--today", "2015-06-10")
    assert r.returncode == 0, r.stderr
    for rid in ("butie-2015", "shoufei"):
        pdf = site / "build" / "print" / f"{rid}.pdf"
        assert str(pdf) in r.stdout
        box = pypdf.PdfReader(pdf).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 1191)
    html = (site / "build" / "print" / "butie-2015" / "index.html").read_text(encoding="utf-8")
    assert "@page { size: A3 portrait;" in html


# --- clear messages instead of tracebacks -----------------------------------------------------------------


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gongkai", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
        timeout=600,
    )


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ("raise ImportError('No module named weasyprint')", 'pip install "gongkai[pdf]"'),
        ("raise OSError(\"cannot load library 'libpango-1.0-0'\")", "Pango"),
    ],
)
def test_missing_weasyprint_or_pango_is_a_clear_message(make_site, tmp_path: Path, failure: str, message: str) -> None:
    fake = tmp_path / "fake"
    (fake / "weasyprint").mkdir(parents=True)
    (fake / "weasyprint" / "__init__.py").write_text(failure + "\n", encoding="utf-8")
    site = make_site(base=SHEETS)
    r = _run(
        "print", "butie-2015", "--pdf", "--site", str(site), "--today", "2015-06-10", env={"PYTHONPATH": str(fake)}
    )
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and message in r.stderr
    assert "Ctrl+P" in r.stderr  # the browser still prints the HTML sheet
    assert not (site / "build").exists()  # nothing half-made


def test_missing_chinese_font_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("weasyprint")
    from gongkai.emit import pdf

    monkeypatch.setattr(pdf, "find_cjk_fonts", lambda: ())
    try:
        pdf._weasyprint()
    except pdf.PdfUnavailable as exc:
        pytest.skip(str(exc))
    with pytest.raises(pdf.PdfUnavailable, match=r"没有找到中文字体.*fonts-noto-cjk"):
        pdf.html_to_pdf("<p>测试</p>")


def test_print_unknown_id_exits_1_in_chinese(make_site) -> None:
    r = _run("print", "no-such", "--site", str(make_site(base=SHEETS)), "--today", "2015-06-30")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "没有编号为“no-such”的已发布信息" in r.stderr


def test_sheets_are_byte_reproducible(make_site, tmp_path: Path) -> None:
    import hashlib

    site = make_site(base=SHEETS)
    digests = []
    for name in ("a", "b"):
        build(site, TODAY, out=tmp_path / name)
        digests.append(
            {
                p.relative_to(tmp_path / name).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((tmp_path / name / "print").rglob("*"))
                if p.is_file()
            }
        )
    assert digests[0] == digests[1] and any(k.endswith("qr.svg") for k in digests[0])


# --- the browser (Ctrl+P) -----------------------------------------------------------------------------------


@pytest.mark.parametrize("paper", [Paper("A4"), Paper("A3", True)])
def test_chromium_prints_the_roster_on_the_planned_pages(
    chromium, sheets_build: Path, tmp_path: Path, paper: Paper
) -> None:
    """What a clerk gets from Ctrl+P: Chromium breaks the roster exactly where
    the sheet says, no page's rows reach its page number, and the header row
    is on every page."""
    import pypdf

    out = tmp_path / "out"
    build(sheets_build, TODAY, out=out, sheets=SheetRequest(("big-250",), paper))
    site = _site(sheets_build)
    expected = make_sheet(site, site.by_id["big-250"], paper).page_count
    page = chromium.new_page()
    page.goto((out / "print" / "big-250" / "index.html").as_uri())
    page.emulate_media(media="print")
    gaps = page.evaluate(
        """() => [...document.querySelectorAll('.sheet-page')].map(s => {
             const foot = s.querySelector('.page-foot').getBoundingClientRect().top;
             const last = [...s.children].filter(c => !c.classList.contains('page-foot')).pop();
             return (foot - last.getBoundingClientRect().bottom) / 96 * 25.4;
           })"""
    )
    assert len(gaps) == expected and min(gaps) > 0, gaps  # mm between the content and the page number
    pdf = tmp_path / "chrome.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    page.close()
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == expected
    w, h = (paper.width_mm * 72 / 25.4, paper.height_mm * 72 / 25.4)
    for x, pg in enumerate(reader.pages, start=1):
        assert abs(float(pg.mediabox.width) - w) < 2 and abs(float(pg.mediabox.height) - h) < 2
        # Chromium's PDF maps some glyphs to CJK radicals (⻚ for 页): compare loosely.
        text = unicodedata.normalize("NFKC", pg.extract_text()).replace(" ", "")
        assert "身份证号" in text and re.search(f"第{x}.共{expected}.", text), x


def test_metrics_are_readable_at_arms_length() -> None:
    for m in METRICS.values():
        assert m.table_pt >= 13 and m.body_pt >= 15 and m.title_pt >= 22


# --- paper used (#16) -----------------------------------------------------------------------------


def _pdf_pages(pdf: bytes, tmp_path: Path) -> list[list[tuple[str, float, float]]]:
    """Words of each page of ``pdf`` with their top and bottom (pt), read back by pdftotext."""
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page)
        pages.append([(w, float(top), float(bottom)) for top, bottom, w in words])
    return pages


@pytest.mark.parametrize("n", [12, 30, 240, 250])
def test_roster_sheets_fill_the_paper(make_site, tmp_path: Path, n: int) -> None:
    """A4 portrait, read back from WeasyPrint's PDF: a page holds at least 90 %
    of the rows its printable area has room for (from the type size and row
    height of the print metrics); the last page of a roster of several pages
    holds at least as many rows as the totals row and the closing block are
    tall; a 12-household roster is one sheet (it was 6 + 6 rows on two)."""
    need_pdf()
    from gongkai.emit.pdf import print_css, sheet_pdf
    from gongkai.emit.render import Renderer, theme_dirs

    root = keep_names(make_site({"subsidies/big.yaml": roster_yaml(n)}, base=SHEETS))
    site = _site(root)
    paper = Paper("A4")
    dirs = theme_dirs(root, "default")
    pages = _pdf_pages(sheet_pdf(site, Renderer(site, dirs), print_css(dirs), "big", paper), tmp_path)
    rows = [sum(1 for w, _t, _b in words if re.fullmatch(r"村民\d{3}", w)) for words in pages]
    assert sum(rows) == n
    assert rows == [len(p.rows) for p in make_sheet(site, site.by_id["big"], paper).pages]  # as planned
    m = METRICS["A4"]
    row_mm = m.table_lh + 2 * m.cell_pad_v + 0.3  # one line of table type, its padding and rule
    printable = paper.height_mm - 2 * m.margin - m.foot_h - m.running_h - row_mm  # less the header row
    holds = int(printable // row_mm)
    pt = 72 / 25.4
    if n == 12:
        assert rows == [12]
    if n >= 240:
        assert max(rows) >= 0.9 * holds, (rows, holds)
    if len(rows) > 1:
        last = pages[-1]
        totals_top = next(t for w, t, _b in last if w.startswith("合计"))
        foot_top = next(t for w, t, _b in last if w.startswith("第"))
        close_bottom = max(b for _w, _t, b in last if b < foot_top)
        close_rows = math.ceil((close_bottom - totals_top) / pt / row_mm)
        assert rows[-1] >= close_rows, (rows, close_rows)
