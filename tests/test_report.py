"""The pages the disclosure rules require: 公开指南, 申请表, 政府信息公开工作年度报告."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO
from linkcheck import broken_links

from gongkai import build, check
from gongkai.read.applications import COLUMNS, GROUPS

YEAR_FILE = "content/applications/2015.yaml"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "gongkai", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", env=env
    )


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(REPO / "content", root / "content")
    return root


# --- tables ---------------------------------------------------------------------------------------


class Tables(HTMLParser):
    """Every <table> as rows of (is_header, text, colspan, rowspan) cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[bool, str, int, int]]]] = []
        self._cell: list[str] | None = None
        self._attrs: dict[str, str | None] = {}
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell, self._attrs, self._tag = [], dict(attrs), tag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            a = self._attrs
            self.tables[-1][-1].append(
                (tag == "th", "".join(self._cell).strip(), int(a.get("colspan") or 1), int(a.get("rowspan") or 1))
            )
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(text: str) -> list[list[list[tuple[bool, str, int, int]]]]:
    p = Tables()
    p.feed(text)
    return p.tables


def grid_width(rows: list[list[tuple[bool, str, int, int]]]) -> list[int]:
    """The number of grid columns each row fills, counting rowspans from above."""
    carry: dict[int, int] = {}
    widths = []
    for row in rows:
        col, filled = 0, 0
        cells = iter(row)
        pending = list(cells)
        while pending or carry.get(col, 0):
            if carry.get(col, 0):
                carry[col] -= 1
                col += 1
                filled += 1
                continue
            _, _, colspan, rowspan = pending.pop(0)
            for c in range(col, col + colspan):
                if rowspan > 1:
                    carry[c] = rowspan - 1
            col += colspan
            filled += colspan
        widths.append(filled)
    return widths


def numbers_by_label(table: list[list[tuple[bool, str, int, int]]]) -> dict[str, list[int]]:
    out = {}
    for row in table:
        values = [t for h, t, _, _ in row if not h]
        labels = [t for h, t, _, _ in row if h]
        if values and labels and all(v.isdigit() for v in values):
            out[labels[-1]] = [int(v) for v in values]
    return out


def check_report_adds_up(text: str) -> dict[str, list[int]]:
    ts = tables(text)
    assert len(ts) == 4, "section 二 (two tables), 三 and 四"
    for t in ts:
        widths = grid_width([r for r in t if r])
        assert len(set(widths)) == 1, widths  # a rectangular table: no cell too many or too few
    big = numbers_by_label(ts[2])
    for label, row in big.items():
        assert len(row) == len(COLUMNS) + 1, label
        assert sum(row[:-1]) == row[-1], f"{label}: 总计 column"
    results = [
        v
        for k, v in big.items()
        if k
        not in (
            "一、本年新收政府信息公开申请数量",
            "二、上年结转政府信息公开申请数量",
            "（七）总计",
            "四、结转下年度继续办理",
        )
    ]
    assert len(results) == 2 + sum(len(subs) for _, _, subs in GROUPS)
    total = big["（七）总计"]
    assert [sum(col) for col in zip(*results, strict=True)] == total
    for i in range(len(COLUMNS) + 1):
        assert (
            big["一、本年新收政府信息公开申请数量"][i] + big["二、上年结转政府信息公开申请数量"][i]
            == total[i] + big["四、结转下年度继续办理"][i]
        )
    (reviews,) = [[int(t) for _, t, _, _ in r] for r in ts[3] if r and not r[0][0]]
    for k in range(3):
        five = reviews[k * 5 : k * 5 + 5]
        assert sum(five[:4]) == five[4]
    return big


# --- 年度报告 -----------------------------------------------------------------------------------------


def test_report_2015_on_the_demo_adds_up(demo_copy: Path) -> None:
    r = run("report", "2015", str(demo_copy))
    assert r.returncode == 0, r.stderr
    assert "各表已核对相加一致" in r.stdout
    path = demo_copy / "content" / "notices" / "niandu-baogao-2015.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "青石镇人民政府2015年政府信息公开工作年度报告"')
    for part in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert f"\n## {part}\n" in text
    big = check_report_adds_up(text)
    assert big["一、本年新收政府信息公开申请数量"][-1] == 9
    # 主动公开 counts come from the site's public records of 2015
    site = check(demo_copy, date(2016, 12, 31)).site
    assert site is not None
    public_2015 = [r for r in site.published if r.date.year == 2015 and r.id != "niandu-baogao-2015"]
    # the 人大主席团's report, the 村委会's 一事一议 plan and their 集体资产 disposals are shown on the
    # site, but are not the 镇政府's information (条例第二条)
    others = [r for r in public_2015 if not site.config.is_agency(r.publisher)]
    assert sorted(r.publisher for r in others) == ["hekou", "liuying", "renda", "sangyuan"]
    public_2015 = [r for r in public_2015 if site.config.is_agency(r.publisher)]
    assert f"主动公开政府信息{len(public_2015)}条" in text
    assert "本网站另发布人大主席团、村（居）民委员会的信息4条，不属于本机关的政府信息" in text
    (by_type,) = [t for t in tables(text) if any("合计" in c[1] for row in t for c in row)]
    assert int(by_type[-1][-1][1]) == len(public_2015)
    # … and it is a record and a page like any other, once its date has come.
    out = demo_copy / "out"
    build(demo_copy, date(2016, 2, 1), out=out)
    page = out / "notices" / "niandu-baogao-2015" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "索引号" in html and "/2016-" in html
    check_report_adds_up(html)
    assert (out / "data" / "niandu-baogao-2015.json").is_file()
    published = (out / "catalogue" / "2016" / "index.html").read_text(encoding="utf-8")  # the 目录 of 2016
    assert "niandu-baogao-2015" in published
    assert broken_links(out) == []
    # before its date it is not published
    build(demo_copy, date(2016, 1, 24), out=out)
    assert not page.exists()


def test_report_is_deterministic_and_never_overwrites_silently(demo_copy: Path) -> None:
    assert run("report", "2015", str(demo_copy), "--today", "2016-01-10").returncode == 0
    path = demo_copy / "content" / "notices" / "niandu-baogao-2015.md"
    first = path.read_bytes()
    path.write_text(first.decode("utf-8") + "\n信息员补充的一段话。\n", encoding="utf-8")
    r = run("report", "2015", str(demo_copy), "--today", "2016-01-10")
    assert r.returncode == 1 and "已存在" in r.stderr and "Traceback" not in r.stderr
    assert "信息员补充的一段话" in path.read_text(encoding="utf-8")
    r = run("report", "2015", str(demo_copy), "--today", "2016-01-10", "--force", "--date", "2016-01-25")
    assert r.returncode == 0, r.stderr
    assert path.read_bytes() == first


def test_demo_2014_report_is_published_and_adds_up(demo_build: Path) -> None:
    html = (demo_build / "notices" / "niandu-baogao-2014" / "index.html").read_text(encoding="utf-8")
    check_report_adds_up(html)
    guide = (demo_build / "pages" / "guide" / "index.html").read_text(encoding="utf-8")
    assert "apply/index.html" in guide  # the demo's own guide links the form


def test_report_without_data_file_explains(demo_copy: Path) -> None:
    r = run("report", "2013", str(demo_copy))
    assert r.returncode == 1
    assert "content/applications/2013.yaml" in r.stderr and "Traceback" not in r.stderr


def test_blank_part_six_is_asked_for_never_filled_with_a_fact(demo_copy: Path) -> None:
    # 第六部分留空：不得替信息员写“本年度未收取信息处理费”，而是要求填写
    p = demo_copy / YEAR_FILE
    text = p.read_text(encoding="utf-8")
    p.write_text(text[: text.index("other_matters:")], encoding="utf-8")
    r = run("report", "2015", str(demo_copy))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "其他需要报告的事项" in r.stderr and "109号" in r.stderr
    assert not (demo_copy / "content" / "notices" / "niandu-baogao-2015.md").exists()


def test_the_docs_do_not_promise_a_default_part_six() -> None:
    # docs/open-data.md told clerks that a blank part 六 becomes "本年度未收取信息处理费……", a fact nobody entered;
    # the command refuses a blank part 六 (test above), and the clerk's docs must say the same.
    text = (REPO / "docs/open-data.md").read_text(encoding="utf-8")
    [line] = [ln for ln in text.splitlines() if ln.startswith("other_matters:")]
    assert "不写则" not in line and "必填" in line, line


def test_article_50_4_review_results_are_asked_for(demo_copy: Path) -> None:
    # 条例第五十条第（四）项：人民政府的年度报告还要写工作考核、社会评议和责任追究结果
    break_yaml(demo_copy, "工作考核、社会评议和责任追究结果：", "")
    p = demo_copy / YEAR_FILE
    text = p.read_text(encoding="utf-8")
    for word in ("考核", "评议", "追究"):
        text = text.replace(word, "")
    p.write_text(text, encoding="utf-8")
    r = run("report", "2015", str(demo_copy))
    assert r.returncode == 1 and "第五十条第（四）项" in r.stderr and "Traceback" not in r.stderr


def break_yaml(root: Path, old: str, new: str) -> None:
    p = root / YEAR_FILE
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new), encoding="utf-8")


def test_unbalanced_applications_stop_the_build_with_file_and_line(demo_copy: Path) -> None:
    break_yaml(demo_copy, "carried_forward: {自然人: 1}", "carried_forward: {自然人: 2}")
    r = run("check", str(demo_copy), "--today", "2015-05-14")
    assert r.returncode == 1
    line = next(
        i
        for i, t in enumerate((demo_copy / YEAR_FILE).read_text(encoding="utf-8").splitlines(), 1)
        if "carried_forward" in t
    )
    assert (
        f"{YEAR_FILE}:{line}: 错误 GK701 自然人：本年新收 7 + 上年结转 0 = 7，而办理结果总计 6 + 结转下年度 2 = 8"
        in r.stdout
    )
    assert run("report", "2015", str(demo_copy)).returncode == 1
    assert not (demo_copy / "content" / "notices" / "niandu-baogao-2015.md").exists()


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("year: 2015", "year: 2016", "GK702"),
        ("carried_over: {}", "carried_over: {自然人: 1}", "GK701"),  # and GK703: 2014 carried 0 forward
        ("received: {自然人: 7,", "received: {自然人: 7, 农民: 1,", "GK101"),
        ("received: {自然人: 7,", "received: {自然人: 七,", "GK106"),
        ("    unavailable:", "    total: {自然人: 5, 商业企业: 1, 法律服务机构: 1}\n    unavailable:", "GK704"),
        ("publisher: town", "publisher: 县政府", "GK202"),
    ],
)
def test_applications_errors(demo_copy: Path, old: str, new: str, code: str) -> None:
    break_yaml(demo_copy, old, new)
    problems = check(demo_copy, date(2015, 5, 14)).problems
    mine = [p for p in problems if p.loc.path == YEAR_FILE]
    assert code in {p.code for p in mine if p.is_error}, [p.format() for p in mine]
    assert all(p.loc.line > 0 for p in mine)
    if code == "GK701":
        assert any(p.code == "GK703" and not p.is_error for p in mine)


def test_english_and_chinese_keys_are_the_same(demo_copy: Path) -> None:
    break_yaml(
        demo_copy,
        "received: {自然人: 7, 商业企业: 1, 法律服务机构: 1}",
        "received: {natural: 7, business: 1, legal: 1}",
    )
    assert [p.format() for p in check(demo_copy, date(2015, 5, 14)).problems if p.is_error] == []
    break_yaml(demo_copy, "received: {natural: 7,", "received: {natural: 7, 自然人: 1,")
    assert "GK003" in {p.code for p in check(demo_copy, date(2015, 5, 14)).problems}


# --- 公开指南 and 申请表 -------------------------------------------------------------------------------


def test_guide_is_generated_from_site_yaml(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = make_site()
    cfg = site / "content" / "site.yaml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8").replace(
            "  address: 测试省测试县测试镇人民路1号",
            "  address: 测试省测试县测试镇人民路1号\n  office_hours: 周一至周五 8:30-17:30\n  email: xxgk@example.gov.cn",
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build(site, date(2015, 6, 1), out=out)
    html = (out / "pages" / "guide" / "index.html").read_text(encoding="utf-8")
    for text in (
        "测试镇人民政府政府信息公开指南",
        "测试省测试县测试镇人民路1号",
        "0527-80000000",
        "周一至周五 8:30-17:30",
        "xxgk@example.gov.cn",
        "20 个工作日",
    ):
        assert text in html, text
    assert 'href="../../apply/index.html"' in html and 'href="../../catalogue/index.html"' in html
    form = (out / "apply" / "index.html").read_text(encoding="utf-8")
    for text in (
        "政府信息公开申请表",
        "受理机关：测试镇人民政府",
        "姓　　名",
        "联系电话",
        "所需信息的名称或内容描述",
        "获取方式",
        "申请人签名",
    ):
        assert text in form, text
    assert broken_links(out) == []


def test_the_guide_states_a_working_day_minimum_in_working_days(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # site.yaml may count a 公示 minimum in 工作日 ("5个工作日", and GK314 counts it so); the generated guide
    # printed every minimum with "天", telling the public 5 calendar days where the rule is 5 working days.
    site = make_site()
    cfg = site / "content" / "site.yaml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8") + "notice_min_days:\n  farm_subsidy: 5个工作日\n  relief: 10\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build(site, date(2015, 6, 1), out=out)
    html = (out / "pages" / "guide" / "index.html").read_text(encoding="utf-8")
    assert "涉农补贴 5 个工作日" in html and "救灾救助 10 天" in html, html[html.find("公示期不少于") :][:200]


def test_demo_guide_follows_the_2019_regulation() -> None:
    text = (REPO / "content" / "pages" / "guide.md").read_text(encoding="utf-8")
    for old in ("特殊需要", "15个工作日内予以答复", "成本费"):
        assert old not in text, old
    for new in ("20个工作日", "国办函〔2020〕109号", "第三十六条", "告知申请人该政府信息不存在", "不予重复处理"):
        assert new in text, new


def test_own_guide_page_wins(demo_build: Path) -> None:
    html = (demo_build / "pages" / "guide" / "index.html").read_text(encoding="utf-8")
    assert "青石镇人民政府信息公开指南" in html  # content/pages/guide.md, not the generated one
    assert "政府信息公开申请表" in html


def test_application_form_prints_on_one_a4_sheet(demo_build: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    pdfinfo = shutil.which("pdfinfo")
    if not chromium or not pdfinfo:
        pytest.skip("needs chromium and pdfinfo (poppler-utils)")
    pdf = tmp_path / "form.pdf"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            (demo_build / "apply" / "index.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    info = subprocess.run([pdfinfo, str(pdf)], check=True, capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Pages"].strip() == "1", info
    assert "(A4)" in fields["Page size"], info


def _gk605(root: Path, today: date) -> list[str]:
    return [p.message for p in check(root, today).problems if p.code == "GK605"]


def test_a_late_annual_report_is_warned_about_once(demo_copy: Path) -> None:
    # the demo published in 2015 and has no 2015 report: due 01-31 (site.yaml default)
    assert _gk605(demo_copy, date(2016, 1, 31)) == []
    [msg] = _gk605(demo_copy, date(2016, 2, 1))
    assert "2015年度" in msg and "2016-01-31" in msg
    # a county that sets 3月31日 for its townships
    site_yaml = demo_copy / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "annual_report_due: 03-31\n", encoding="utf-8")
    assert _gk605(demo_copy, date(2016, 3, 31)) == [] and len(_gk605(demo_copy, date(2016, 4, 1))) == 1
    # once made (even dated later, as a record on its way), no warning
    assert run("report", "2015", str(demo_copy), "--today", "2016-04-01", "--date", "2016-04-05").returncode == 0
    assert _gk605(demo_copy, date(2016, 4, 1)) == []


def test_a_wrong_report_due_date_is_an_error_with_its_line(demo_copy: Path) -> None:
    site_yaml = demo_copy / "content/site.yaml"
    text = site_yaml.read_text(encoding="utf-8") + "annual_report_due: 02-30\n"
    site_yaml.write_text(text, encoding="utf-8")
    [p] = [p for p in check(demo_copy, date(2016, 4, 1)).problems if p.field == "annual_report_due"]
    assert p.code == "GK104" and p.is_error and p.loc.line == len(text.splitlines())


def test_a_village_committee_is_not_the_agency(demo_copy: Path) -> None:
    from gongkai.core.config import NON_AGENCY

    site = check(demo_copy, date(2016, 12, 31)).site
    assert site is not None
    cfg = site.config
    assert cfg.is_agency("town") and cfg.is_agency("finance") and cfg.is_agency("青石镇民政办公室")
    assert not cfg.is_agency("qingshi") and not cfg.is_agency("renda") and not cfg.is_agency("东湖社区居委会")
    assert "村民委员会" in NON_AGENCY
    # a site whose only records of last year are a village committee's owes no report for them
    notices = demo_copy / "content" / "notices"
    for f in notices.glob("*.md"):
        f.unlink()
    (notices / "cunwu.md").write_text(
        "---\ntitle: 青石村2016年村务公开\npublisher: qingshi\ndate: 2016-03-01\ncategory: 工作动态\n---\n村务。\n",
        encoding="utf-8",
    )
    for folder in ("budgets", "subsidies", "funds", "decisions", "lists"):
        for f in (demo_copy / "content" / folder).glob("*.yaml"):
            f.unlink()
    assert _gk605(demo_copy, date(2017, 2, 1)) == []
    (notices / "zhengfu.md").write_text(
        "---\ntitle: 镇政府2016年工作动态\npublisher: town\ndate: 2016-03-02\ncategory: 工作动态\n---\n政务。\n",
        encoding="utf-8",
    )
    assert len(_gk605(demo_copy, date(2017, 2, 1))) == 1


def test_the_typed_count_of_normative_documents_issued_is_checked_against_the_site(demo_copy: Path) -> None:
    # Part 二's 行政规范性文件 row is typed by hand, while the site publishes each 规范性文件 as a record. The
    # demo's 2014 data said 本年制发 0 next to 青政发〔2014〕8号 on its own site, and a new township's report said
    # 0 after it had published one: the report contradicted the site it is published on.
    from gongkai import check

    def gk705(today: date) -> list[tuple[str, int, str]]:
        v = check(demo_copy, today)
        return [(p.loc.path, p.loc.line, p.value) for p in v.problems if p.code == "GK705"]

    assert gk705(date(2016, 2, 1)) == []  # the demo's 2014 and 2015 rows agree with its regulations
    break_yaml(demo_copy, "normative_documents: {issued: 1,", "normative_documents: {issued: 0,")
    [(path, line, value)] = gk705(date(2016, 2, 1))
    assert (path, value) == (YEAR_FILE, "0") and line > 1
    assert gk705(date(2015, 12, 1)) == []  # a year still running: its count is not final


def test_report_command_shows_the_warning_its_own_count_raises(demo_copy: Path) -> None:
    # gongkai report printed only its success line: a clerk publishing the report never saw GK705 saying
    # that the count typed into part 二 contradicts the site (the check knew; the command dropped it).
    r = run("report", "2015", str(demo_copy), "--today", "2016-02-01")
    assert r.returncode == 0, r.stderr
    assert "GK705" not in r.stderr
    break_yaml(demo_copy, "normative_documents: {issued: 1,", "normative_documents: {issued: 0,")
    r = run("report", "2015", str(demo_copy), "--today", "2016-02-01", "--force")
    assert r.returncode == 0, r.stderr
    assert "GK705" in r.stderr and YEAR_FILE in r.stderr and "请核对后再发布报告" in r.stderr
    assert "已生成 2015 年年度报告" in r.stdout
