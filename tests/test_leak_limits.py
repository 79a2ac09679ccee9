"""Issue 13, the rest: numbers in file names after '_' and letters, a record
named after a mobile, more text-like attachment types, and hostile files
refused with a clear Chinese problem instead of ground through for minutes
(number soup, a list of bare long numbers, 450,000 YAML keys, a list nested
2,000 deep, a huge allow_numbers).  Times are measured in bench/gate_bench.py;
these tests check the behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_leak import ID, MOBILE, TODAY, built_problems, notice

from gongkai import check
from gongkai.check.pii import scan_text_pii
from gongkai.check.scan import scan_file, scan_name, scan_text, visible_html
from gongkai.commands.hooks import check_blob
from gongkai.core.limits import markdown_problem
from gongkai.core.privacy import find_pii
from gongkai.core.privacy_filter import CHAIN_BUDGET, MAX_CHAINS, may_hold_number, number_spans
from gongkai.core.privacy_seen import find_pii_seen

# --- file names --------------------------------------------------------------------------


@pytest.mark.parametrize("name", [f"IMG_{MOBILE}.jpg", f"ID{ID}.pdf", f"scan_{ID}.pdf", f"附件/{MOBILE}/说明.txt"])
def test_numbers_after_underscores_and_letters_in_names(name: str) -> None:
    hits = scan_name(name)
    assert hits and hits[0].where == "文件名", hits
    assert check_blob(f"content/notices/{name}", b"hello")


def test_record_named_after_a_mobile_is_refused(make_site, tmp_path: Path) -> None:
    site = make_site({f"notices/{MOBILE}.md": notice([]).replace("attachments:\n\n", "")})
    found = built_problems(site, tmp_path)
    assert any(code in ("GK403", "GK404") for code, _ in found), found
    assert {p.code for p in check_blob(f"content/notices/{MOBILE}.md", notice([]).encode())} & {"GK403", "GK405"}


@pytest.mark.parametrize(
    "name,data",
    [
        ("备份.sql", f"INSERT INTO t VALUES ('张三', '{ID}');\n".encode()),
        ("说明.rtf", ("{\\rtf1\\ansi 张三 " + ID + "}").encode("gbk")),
        ("日志.log", f"2015-03-01 联系 {MOBILE}\n".encode()),
    ],
)
def test_more_text_like_attachments_are_read(make_site, tmp_path: Path, name: str, data: bytes) -> None:
    site = make_site({"notices/n.md": notice([name]), f"notices/{name}": data})
    found = built_problems(site, tmp_path)
    assert any(code == "GK404" and path.endswith(name) for code, path in found), found


# --- the pre-filter never hides a number --------------------------------------------------------

HIDDEN = [
    ID,
    f"{ID[:6]} {ID[6:14]} {ID[14:]}",
    f"{ID[:6]}<em>{ID[6:14]}</em>{ID[14:]}",
    f'{ID[:6]}<span class="x">{ID[6:]}',
    f"{ID[:6]}&lt;em&gt;{ID[6:]}",
    "".join(f"&#{ord(c)};" for c in ID),
    "".join(f"\\u{ord(c):04x}" for c in MOBILE),
    f"{ID[:6]}\u200b{ID[6:]}",
    f"{ID[:9]}\n\n\n\n{ID[9:]}",
    f"{MOBILE[:3]}*{MOBILE[3:]}*",
    MOBILE.translate(str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")),
    ID + MOBILE,
]


@pytest.mark.parametrize("text", HIDDEN)
def test_every_number_the_detectors_find_passes_the_pre_filter(text: str) -> None:
    assert find_pii(text) or find_pii_seen(text) or find_pii_seen(visible_html(text))
    assert may_hold_number(text)
    assert any(h.digits for h in scan_text(text, html=True))
    # far from the start of a long page: only its stretch is read
    page = "<p>公告正文。</p>\n" * 2000 + f"<p>{text}</p>" + "\n<p>完。</p>" * 2000
    assert any(h.digits for h in scan_text(page, html=True))


def test_text_without_chained_digits_is_skipped() -> None:
    page = "<p>2015年3月1日 金额 1,234.56 元 电话 0527-8621 第12号</p>\n" * 5000
    assert number_spans(page) == []
    assert scan_text(page, html=True) == []


def test_a_stretch_is_reported_on_its_own_line() -> None:
    text = "第一行\n" * 3000 + f"联系 {MOBILE}\n"
    hits = scan_text(text)
    assert [h.line for h in hits] == [3001]


# --- hostile files ----------------------------------------------------------------------------


def test_number_soup_is_refused_quickly_with_a_chinese_problem() -> None:
    soup = ("1 2-3.4 5/6 7 8 9 0 " * (CHAIN_BUDGET // 10)).encode()
    hits = scan_file("content/notices/soup.txt", soup)
    assert [h.kind for h in hits] == ["limit"] and "连在一起的数字过多" in hits[0].shown
    assert [p.code for p in check_blob("content/notices/soup.txt", soup)] == ["GK405"]
    problems = scan_text_pii(soup.decode(), "content/notices/soup.md", 5, "正文")
    assert [p.code for p in problems] == ["GK005"] and "数字过多" in problems[0].message


def test_number_soup_in_a_body_stops_check(make_site) -> None:
    soup = "13 8 1 2 3 4 5 6 7 8 9 " * (CHAIN_BUDGET // 10)
    site = make_site({"notices/soup.md": notice([], body=soup).replace("attachments:\n\n", "")})
    assert "GK005" in {p.code for p in check(site, TODAY).problems}


def test_a_list_of_bare_long_numbers_is_refused() -> None:
    rows = "".join(f"{10**17 + 7919 * i},{10**18 + 104729 * i}\n" for i in range(MAX_CHAINS + 10))
    hits = scan_text(rows)
    assert [h.kind for h in hits] == ["limit"] and "长数字过多" in hits[0].shown


def test_a_generated_catalogue_with_many_short_chains_is_read() -> None:
    rows = "".join(f"11320826MB0123456X/2024-{i:05d},通知,notices/tongzhi-2024-{i:05d}/\n" for i in range(30_000))
    assert len(number_spans(rows)) >= 1  # chains there are, and they are read, not refused
    assert scan_text(rows) == []


def test_a_mapping_with_450000_keys_is_refused_while_read(make_site) -> None:
    keys = "".join(f"k{i:06d}: 1\n" for i in range(450_000))
    site = make_site({"notices/keys.yaml": f"title: 键\npublisher: town\ndate: 2015-03-01\ncategory: 其他\n{keys}"})
    problems = check(site, TODAY).problems
    assert [p.code for p in problems] == ["GK005"], problems[:3]
    assert "10000" in problems[0].message


def test_unknown_keys_are_listed_at_most_fifty_times(make_site) -> None:
    keys = "".join(f"k{i:04d}: 1\n" for i in range(300))
    site = make_site({"notices/keys.yaml": f"title: 键\npublisher: town\ndate: 2015-03-01\ncategory: 其他\n{keys}"})
    unknown = [p for p in check(site, TODAY).problems if p.code == "GK101"]
    assert len(unknown) == 51
    assert "另有 250 个未知的键" in unknown[-1].message


def test_a_list_nested_2000_deep_is_refused_before_rendering(make_site, tmp_path: Path) -> None:
    body = "".join("  " * i + "- a\n" for i in range(2000))
    assert markdown_problem(body) is not None
    assert markdown_problem("- a\n    - b\n        - c\n") is None
    site = make_site({"notices/n.md": notice([], body=body).replace("attachments:\n\n", "")})
    assert "GK012" in {c for c, _ in built_problems(site, tmp_path)}


def test_allow_numbers_is_capped(make_site) -> None:
    site = make_site()
    cfg = site / "content" / "site.yaml"
    entries = "".join(f'  - {{number: "{10**17 + i}", reason: 受理编号}}\n' for i in range(1001))
    cfg.write_text(cfg.read_text(encoding="utf-8") + "allow_numbers:\n" + entries, encoding="utf-8")
    problems = check(site, TODAY).problems
    assert any(p.code == "GK005" and "最多 1000 项" in p.message for p in problems), problems[:3]


def test_headerless_csv_in_a_site_at_the_repository_top_is_scanned() -> None:
    """The control for the subfolder case in test_leak: at the top of the
    repository a headerless CSV fails to parse as a roster, and the hook used
    to check nothing else in it."""
    data = f"张三,{ID},{MOBILE}\n".encode()
    codes = {p.code for p in check_blob("content/subsidies/名单.csv", data, ("",))}
    assert codes & {"GK401", "GK403"}, codes


def test_the_chain_regex_chosen_for_a_text_finds_what_the_full_one_finds() -> None:
    """number_spans uses a chain regex without the alternatives a text
    cannot need (no '&', no '\\u', no '<'): on every placement of the
    personal corpus, alone and inside a page, the chains are the same."""
    from pii_corpus import personal

    from gongkai.core.privacy_filter import _chain, _pattern

    full = _pattern()
    for s in personal(4000, seed=77):
        for text in (s.text, f"公告 2015年 {s.text} 合计 105.00", f"<p>{s.text}</p>"):
            chosen = _chain(text)
            assert [m.span() for m in chosen.finditer(text)] == [m.span() for m in full.finditer(text)], text
