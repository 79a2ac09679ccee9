"""``gongkai reply``: the 政府信息公开申请答复书 of a register entry (#17), in the
forms of 条例第三十六条 (一)–(七) and 第三十七条, as a real A4 PDF.

The golden HTML lives in tests/golden/; regenerate it after an intended
change with ``GONGKAI_UPDATE_GOLDEN=1 python -m pytest tests/test_reply.py``.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pypdf
import pytest
from conftest import REPO

from gongkai import check
from gongkai.commands.reply import write_reply
from gongkai.core.errors import GongkaiError
from gongkai.core.reply_forms import FORMS, remedies

GOLDEN = Path(__file__).resolve().parent / "golden"
REG = "content/applications/register/2015.yaml"
TODAY = "2016-01-20"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "gongkai", *args], capture_output=True, text=True, encoding="utf-8", env=env, cwd=cwd
    )


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(REPO / "content", root / "content")
    return root


def _text(pdf: Path) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages).replace("\n", "")


def _add_entry(root: Path, entry: str) -> None:
    p = root / REG
    p.write_text(p.read_text(encoding="utf-8") + entry, encoding="utf-8")


# --- the demo's letters ----------------------------------------------------------------------------


def test_reply_html_matches_golden(demo: Path, tmp_path: Path) -> None:
    path, _ = write_reply(demo, "2015-05", date(2016, 1, 20), tmp_path / "r.html", html=True)
    got = path.read_text(encoding="utf-8")
    golden = GOLDEN / "reply-withheld.html"
    if os.environ.get("GONGKAI_UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8", newline="\n")
    want = golden.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), str(golden), "made"))
        pytest.fail(f"reply differs from {golden.name} (GONGKAI_UPDATE_GOLDEN=1 to accept):\n{diff}")


def test_withheld_reply_is_an_a4_pdf_filled_from_the_register(demo: Path) -> None:
    r = run("reply", "2015-05", "--site", str(demo), "--today", TODAY)
    assert r.returncode == 0, r.stderr
    pdf = demo / "答复书" / "政府信息公开申请答复书-2015-05.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-") and str(pdf) in r.stdout
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = _text(pdf)
    for words in (
        "政府信息公开申请答复书",
        "青石镇人民政府",
        "登记编号：2015-05",
        "2015年6月1日收到您提出的政府信息公开申请",  # 收到日期
        "“申请公开邻居家庭的低保审批材料”",  # 申请内容 as registered
        "2015年6月4日书面征求第三方意见",  # the third party (条例第三十二条)
        "该户不同意公开",  # reply_text: the reason
        "第十五条、第三十六条第（三）项",  # the ground from the result, and the form
        "六十日内向安平县人民政府申请行政复议",  # site.yaml remedy.review
        "六个月内向安平县人民法院提起行政诉讼",  # site.yaml remedy.court
        "2015年6月26日",  # dated the register's 答复日期
        "申请人类型：自然人",
        "《中华人民共和国行政复议法》第九条",  # the law in force in 2015
        "《中华人民共和国行政诉讼法》第四十六条第一款",
    ):
        assert words in text, words


def test_the_letter_prints_with_chinese_glyphs(demo: Path, tmp_path: Path) -> None:
    """Rendered by pdftoppm: ink on the page, in the top part (the title) too."""
    if not shutil.which("pdftoppm"):
        pytest.skip("no pdftoppm")
    pdf, _ = write_reply(demo, "2015-08", date(2016, 1, 20), tmp_path / "r.pdf")
    subprocess.run(["pdftoppm", "-r", "60", "-gray", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    [pgm] = list(tmp_path.glob("p*.pgm"))
    data = pgm.read_bytes()
    header_end = data.index(b"255\n") + 4
    pixels = data[header_end:]
    width = int(data.split(b"\n")[1].split()[0])
    top = pixels[: width * (len(pixels) // width // 5)]
    assert (width, len(pixels) // width) == (496, 702) or (width, len(pixels) // width) == (497, 702)  # A4 at 60 dpi
    assert sum(1 for b in pixels if b < 160) > 5000  # lines of text, not an empty page (a letter: ~15000)
    assert sum(1 for b in top if b < 160) > 500  # the heading in the top fifth
    assert "部分公开" in _text(pdf) and "第三十七条" in _text(pdf)


def test_name_is_printed_only_when_given(demo: Path, tmp_path: Path) -> None:
    pdf, letter = write_reply(demo, "2015-06", date(2016, 1, 20), tmp_path / "a.pdf", applicant="张三")
    text = _text(pdf)
    assert "登记编号：2015-06张三：本机关于" in text  # addressed to the applicant, before the letter
    assert "张三" not in (demo / REG).read_text(encoding="utf-8")  # never written back into the register
    pdf, letter = write_reply(demo, "2015-06", date(2016, 1, 20), tmp_path / "b.pdf")
    assert letter.applicant == "" and "张三" not in _text(pdf)
    assert "现告知您该政府信息不存在" in _text(pdf)


# --- every form as the article lists it ------------------------------------------------------------

ENTRY = """  - no: 2016-{n:02d}
    received: 2016-01-04
    applicant: 自然人
    request: 申请公开某项信息
    replied: 2016-01-15
    result: {result}
    reply: {reply}
{text}"""

CASES = {
    "proactive": ("予以公开", "（一）", "现告知您获取该政府信息的方式、途径：见本镇政务公开网站通知公告栏目。"),
    "disclosed": (
        "予以公开",
        "36.2",
        "属于可以公开的政府信息。根据《中华人民共和国政府信息公开条例》第三十六条第（二）项",
    ),
    "partly": ("部分公开", "第三十七条", "对不予公开的内容说明理由如下：见本镇政务公开网站通知公告栏目。"),
    "withheld": ("不予公开：属于三类内部事务信息", "不予公开", "第十六条第一款"),
    "not_exist": ("无法提供：本机关不掌握相关政府信息", "信息不存在", "现告知您该政府信息不存在"),
    "not_ours": ("无法提供：本机关不掌握相关政府信息", "（五）", "不属于本机关负责公开"),
    "repeated": ("不予处理：重复申请", "重复申请", "对您的重复申请不予重复处理"),
    "special_law": ("不予公开：属于行政查询事项", "36.7", "请您依照有关法律、行政法规的规定办理"),
}


def test_the_forms_are_the_seven_of_article_36_and_article_37() -> None:
    assert set(CASES) == set(FORMS)
    items = sorted(f.item for f in FORMS.values())
    assert items == sorted([*(f"第三十六条第（{n}）项" for n in "一二三四五六七"), "第三十七条"])


@pytest.mark.parametrize("key", list(CASES))
def test_each_form_gives_its_letter(demo: Path, tmp_path: Path, key: str) -> None:
    result, reply, expect = CASES[key]
    _add_entry(
        demo, ENTRY.format(n=1, result=result, reply=reply, text="    reply_text: 见本镇政务公开网站通知公告栏目\n")
    )
    path, letter = write_reply(demo, "2016-01", date(2016, 1, 20), tmp_path / "r.html", html=True)
    html = path.read_text(encoding="utf-8")
    form = FORMS[key]
    assert letter.form is form
    assert expect in html
    assert form.item in html  # the article cited
    assert form.law_text.removeprefix("第三十七条　") in html  # and its words, under 法律依据


# --- refusals --------------------------------------------------------------------------------------


def test_unknown_entry_is_refused_in_chinese(demo: Path) -> None:
    r = run("reply", "2099-01", "--site", str(demo), "--today", TODAY)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "没有编号为“2099-01”的申请" in r.stderr
    assert not (demo / "答复书").exists()


def test_entry_without_a_form_is_refused(demo: Path) -> None:
    """2015-09 says 予以公开: (一) or (二)? The clerk must say which."""
    r = run("reply", "2015-09", "--site", str(demo), "--today", TODAY)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "没有写答复形式" in r.stderr and "reply:" in r.stderr
    _add_entry(demo, "  - no: 2016-01\n    received: 2016-01-04\n    applicant: 自然人\n    request: 某项信息\n")
    r = run("reply", "2016-01", "--site", str(demo), "--today", TODAY)
    assert r.returncode == 1 and "还没有办理结果" in r.stderr
    assert not (demo / "答复书").exists()


def test_a_form_without_what_it_must_say_is_refused(demo: Path) -> None:
    _add_entry(demo, ENTRY.format(n=1, result="部分公开", reply="部分公开", text=""))
    r = run("reply", "2016-01", "--site", str(demo), "--today", TODAY)
    assert r.returncode == 1 and "不予公开部分的内容和理由" in r.stderr and "reply_text" in r.stderr


def test_a_form_that_contradicts_the_result_is_a_register_error(demo: Path) -> None:
    _add_entry(demo, ENTRY.format(n=1, result="予以公开", reply="不予公开", text="    reply_text: 理由\n"))
    problems = [p for p in check(demo, date(2016, 1, 20)).problems if p.code == "GK721"]
    assert len(problems) == 1 and problems[0].field == "reply"
    assert "与办理结果“予以公开”不符" in problems[0].message
    assert problems[0].loc.path == REG and problems[0].loc.line > 60
    r = run("reply", "2016-01", "--site", str(demo), "--today", TODAY)
    assert r.returncode == 1 and "GK721" in r.stdout + r.stderr


def test_an_unknown_form_is_refused_with_its_line(demo: Path) -> None:
    _add_entry(demo, ENTRY.format(n=1, result="予以公开", reply="同意公开", text=""))
    [p] = [p for p in check(demo, date(2016, 1, 20)).problems if p.field.endswith("reply")]
    assert p.code == "GK107" and "答复形式" in p.message and "已主动公开" in p.hint


def test_the_reply_is_never_written_into_the_site(demo: Path, tmp_path: Path) -> None:
    for out in (demo / "build" / "r.pdf", demo / "content" / "x" / "r.pdf"):
        r = run("reply", "2015-05", "--site", str(demo), "--today", TODAY, "--out", str(out))
        assert r.returncode == 1 and "答复书不能写在" in r.stderr, out
        assert not out.exists()
    assert run("build", str(demo), "--today", TODAY, "-q").returncode == 0
    assert run("reply", "2015-05", "--site", str(demo), "--today", TODAY).returncode == 0
    assert run("build", str(demo), "--today", TODAY, "-q").returncode == 0
    for p in (demo / "build").rglob("*"):  # neither the reply nor its reason is published
        assert "答复书-2015-05" not in p.name
        if p.is_file() and p.suffix in (".html", ".json", ".csv", ".xml", ".js", ".txt"):
            assert "该户不同意公开" not in p.read_text(encoding="utf-8", errors="replace"), p


def test_new_sites_keep_replies_out_of_git(tmp_path: Path) -> None:
    from gongkai.commands.new import create_site

    create_site(tmp_path / "new", date(2027, 6, 15))
    assert "/答复书/" in (tmp_path / "new" / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_bad_date_refused(demo: Path) -> None:
    with pytest.raises(GongkaiError, match="早于收到申请的日期"):
        write_reply(demo, "2015-05", date(2016, 1, 20), demo.parent / "x.pdf", reply_date=date(2015, 5, 1))


# --- the 救济途径 follow the law in force on the day of the reply ------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "review", "litigation"),
    [
        (date(2015, 4, 30), "三个月", "第九条", "第三十九条"),  # before the 2014 amendment took effect
        (date(2015, 5, 1), "六个月", "第九条", "第四十六条第一款"),
        (date(2023, 12, 31), "六个月", "第九条", "第四十六条第一款"),
        (date(2024, 1, 1), "六个月", "第二十条", "第四十六条第一款"),  # the 2023 行政复议法
    ],
)
def test_remedies_follow_the_law_of_the_day(day: date, months: str, review: str, litigation: str) -> None:
    sentence, basis = remedies(day, "", "")
    assert "六十日内向上一级行政机关申请行政复议" in sentence
    assert f"{months}内向人民法院提起行政诉讼" in sentence
    assert basis[0].endswith("第五十一条")
    assert basis[1].endswith(review) and basis[2].endswith(litigation)
