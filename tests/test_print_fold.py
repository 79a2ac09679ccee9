"""A notice's record page prints as its notice sheet (公示单): no second page
``print/<id>/`` per notice or standing page (plan/print_fold.py), the record
page carries the sheet's head and closing block and ``static/record-print.css``
prints it, in real Chromium, as the sheet page prints."""

from __future__ import annotations

import re
import shutil
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from conftest import SITES

from gongkai import build, check
from gongkai.core.chain import posting_code
from gongkai.core.model import Site
from gongkai.plan.print_fold import FOLDED_TYPES
from gongkai.plan.sheet_layout import METRICS, SheetRequest
from gongkai.plan.sheets import plan_sheets

TODAY = date(2015, 6, 30)
THEME = Path(__file__).resolve().parent.parent / "themes" / "default"
RID = "huiyi"
PARAGRAPH = (
    "测试镇召开政务公开工作会议，部署全年政务公开工作，要求各村按时更新公开栏，做到内容真实、更新及时、群众看得懂。"
)
NOTICE = (
    "---\ntitle: 测试镇关于2015年度村级公益事业建设项目实施情况的公示\npublisher: town\ndate: 2015-06-20\n"
    "doc_no: 测政发〔2015〕21号\ncategory: 工作动态\nnotice: {start: 2015-06-20, end: 2015-06-30}\n"
    "objection: {phone: 0527-80000099, address: 测试镇党政办公室（镇政府二楼）}\n---\n"
    + "\n\n".join(f"{PARAGRAPH * 2}（第{i}段）" for i in range(1, 7))
    + "\n\n## 项目明细\n\n| 项目 | 村 | 金额（元） |\n|---|---|---|\n"
    + "\n".join(f"| 道路硬化{i} | 东村 | {i * 1000}.00 |" for i in range(1, 9))
    + "\n\n- 监督电话：0527-80000099\n- 监督信箱：镇政府一楼\n"
)


@pytest.fixture(scope="module")
def folded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sheets fixture site with a two-page notice (公示期, 文号, objections),
    built as the site (``build/``) and as ``gongkai print huiyi`` makes it (``printed/``)."""
    root = tmp_path_factory.mktemp("fold") / "site"
    shutil.copytree(SITES / "sheets", root)
    (root / "content" / "notices" / f"{RID}.md").write_text(NOTICE, encoding="utf-8")
    build(root, TODAY)
    build(root, TODAY, out=root.parent / "printed", sheets=SheetRequest((RID,)))
    return root


def _site(root: Path) -> Site:
    site = check(root, TODAY).site
    assert site is not None
    return site


def test_record_print_css_uses_the_a4_sheet_metrics() -> None:
    """The folded print stylesheet carries sheet_layout.METRICS["A4"], as the
    sheet page writes them into its own <style>."""
    css = (THEME / "static" / "record-print.css").read_text(encoding="utf-8")
    m = METRICS["A4"]
    for want in [
        "size: A4 portrait;",
        f"margin: {m.margin:g}mm {m.margin:g}mm {m.margin + 6:g}mm;",
        f"font-size: {m.body_pt:g}pt;\n    line-height: {m.body_lh:g}mm;",
        f"font-size: {m.title_pt:g}pt; line-height: {m.title_lh:g}mm;",
        f"font-size: {m.table_pt:g}pt;",
        f"line-height: {m.table_lh:g}mm;",
        f"font-size: {m.small_pt:g}pt;",
        "@bottom-center",
    ]:
        assert want in css, want
    assert "rem" not in re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # 大字版 must not change the printed sheet


def test_plan_sheets_makes_no_sheet_page_for_notices_unless_asked(folded_site: Path) -> None:
    site = _site(folded_site)
    urls = {p.url for p in plan_sheets(site)}
    for rec in site.published:
        assert (f"print/{rec.id}/" in urls) == (rec.type not in FOLDED_TYPES), rec.id
    assert {"notice", "page"} <= {r.type for r in site.published}
    asked = {p.url for p in plan_sheets(site, SheetRequest((RID, "zhinan")))}
    assert {f"print/{RID}/", "print/zhinan/"} <= asked  # `gongkai print` still makes them


def test_the_notice_page_carries_the_sheet_head_and_close(folded_site: Path) -> None:
    site = _site(folded_site)
    rec = site.by_id[RID]
    out = folded_site / "build"
    page = (out / rec.url / "index.html").read_text(encoding="utf-8")
    sheet = (folded_site.parent / "printed" / "print" / RID / "index.html").read_text(encoding="utf-8")
    assert not (out / "print" / RID / "index.html").exists()
    assert (out / "print" / RID / "qr.svg").is_file()  # the printed page's QR code
    code = posting_code(rec)
    for text in [
        f'<strong class="code">{code}</strong>',  # 核验码: the same as on the sheet and in the archive
        "公示期：</strong>2015年6月20日 至 2015年6月30日",
        "电话：0527-80000099　地址：测试镇党政办公室（镇政府二楼）",
        "（盖章处）",
        "www.example.gov.cn/xxgk/ceshi/notices/huiyi/",
        '<p class="doc-no">测政发〔2015〕21号</p>',
    ]:
        assert text in page, text
        assert text in sheet, text
    assert "打印公示单：本页打印出来就是公示单" in page and "data-gk-print" in page
    # on screen the sheet's parts are hidden: the page shows them its own way
    assert re.search(r'<div class="sheet-part" hidden>\s*<footer class="sheet-close">', page)


def _pdf_text(chromium, url: str, path: Path, large: bool = False) -> tuple[list[str], list[tuple[float, float]]]:
    import pypdf

    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    if large:  # 大字版 switched on, as a reader leaves it
        page.add_init_script("localStorage.setItem('gk-large', '1')")
    page.goto(url)
    if large:
        assert page.evaluate("document.documentElement.classList.contains('gk-large')")
    page.pdf(path=str(path), prefer_css_page_size=True)
    context.close()
    reader = pypdf.PdfReader(path)
    # Chromium's PDF maps some glyphs to CJK radicals (⻚ for 页): compare after NFKC
    texts = [unicodedata.normalize("NFKC", p.extract_text()).replace(" ", "") for p in reader.pages]
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    return texts, sizes


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_chromium_prints_the_notice_page_as_its_sheet(chromium, folded_site: Path, tmp_path: Path, large: bool) -> None:
    """Ctrl+P on the record page gives the sheet `gongkai print` makes: A4, as
    many pages with the same lines, plus the 索引号 under the title; no
    navigation, footer, search box or 公开栏 block (and the same with 大字版)."""
    rec = _site(folded_site).by_id[RID]
    got, got_sizes = _pdf_text(
        chromium, (folded_site / "build" / rec.url / "index.html").as_uri(), tmp_path / "r.pdf", large
    )
    want, _ = _pdf_text(
        chromium, (folded_site.parent / "printed" / "print" / RID / "index.html").as_uri(), tmp_path / "s.pdf"
    )
    assert len(got) == len(want) >= 2  # the test notice is long enough for two pages
    for w, h in got_sizes:
        assert abs(w - 595.28) < 2 and abs(h - 841.89) < 2
    index_line = re.compile(r"索引号:[^\n]*\n")
    assert index_line.search(got[0])
    # The same lines; a heading may move to the next page with what follows it
    # (style.css keeps h2 with its table: the sheet page leaves it at the foot).
    lines = sorted("\n".join(index_line.sub("", t) for t in got).splitlines())
    assert lines == sorted("\n".join(want).splitlines())
    assert got[0].splitlines()[:4] == want[0].splitlines()[:4]  # 第1页共2页, organisation, title
    everything = "".join(got)
    for absent in ["首页", "网站地图", "搜索", "打印公示单", "数据下载", "意见反映", "发布机构"]:
        assert absent not in everything, absent


def test_on_screen_the_sheet_parts_are_hidden_and_the_print_button_shown(chromium, folded_site: Path) -> None:
    """On screen the page is the record page (no second organisation line, no
    seal); with JavaScript the 打印公示单 button appears, without it only the
    Ctrl+P instructions."""
    url = (folded_site / "build" / "notices" / RID / "index.html").as_uri()
    for js in (True, False):
        context = chromium.new_context(locale="zh-CN", java_script_enabled=js)
        page = context.new_page()
        page.goto(url)
        assert not page.locator(".sheet-close").is_visible() and not page.locator(".sheet-org").is_visible()
        assert page.get_by_text("打印公示单：本页打印出来就是公示单").is_visible()
        assert page.locator("[data-gk-print]").is_visible() == js
        context.close()
