"""The disclosure model of the 2019 条例: 主动公开 / 依申请公开 / 不予公开 (§14-§16).

An article-14 record (国家秘密等) is in no public output of a build unless the
site opts in, and then as its title and ground only."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from gongkai import build, check
from gongkai.commands.report import compute_report
from gongkai.read.applications import AnnualData

TODAY = date(2015, 6, 1)

SECRET = """---
title: 青石镇某某专项工作密级文件汇编
publisher: town
date: 2015-03-01
category: 其他
doc_no: 测密〔2015〕7号
summary: 机密摘要文字不得出现
tags: [密级标签]
disclosure: withheld
withheld:
  article: 14
  ground: state_secret
  reason: 属于依法确定的国家秘密甲乙丙
---
绝密正文内容第一段不得出现在任何输出中。
"""

PRIVATE = """---
title: 特困供养核查表
publisher: town
date: 2015-03-02
category: 其他
disclosure: withheld
withheld: {article: 15, ground: privacy, reason: 涉及个人隐私, consent: refused, public_interest: not_significant}
---
逐人核查。
"""


def _every_output(out: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file())


def _built(make_site, tmp_path: Path, opt_in: bool) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    root = make_site({"notices/secret.md": SECRET, "notices/private.md": PRIVATE})
    if opt_in:
        cfg = root / "content" / "site.yaml"
        cfg.write_text(cfg.read_text(encoding="utf-8") + "catalogue_article14: true\n", encoding="utf-8")
    out = tmp_path / ("in" if opt_in else "out")
    build(root, TODAY, out=out)
    return root, out


def test_article14_is_in_no_output_file_by_default(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, out = _built(make_site, tmp_path, opt_in=False)
    blob = _every_output(out)
    for text in ("密级文件汇编", "测密", "机密摘要", "密级标签", "甲乙丙", "绝密正文", "secret", "国家秘密"):
        assert text.encode() not in blob, text
    # the article-15 record is listed with its ground, as before
    cat = json.loads((out / "data" / "catalogue.json").read_text(encoding="utf-8"))
    assert [e["title"] for e in cat["records"] if e["disclosure"] == "withheld"] == ["特困供养核查表"]
    assert cat["count"] == len(cat["records"])
    (entry,) = [e for e in cat["records"] if e["disclosure"] == "withheld"]
    assert "第十五条（涉及个人隐私）" in entry["reason"] and entry["channel"] == "不予公开"
    html = (out / "catalogue" / entry["date"][:4] / "index.html").read_text(encoding="utf-8")  # the page of its year
    assert entry["reason"] in html and "特困供养核查表" in html and "免予公开" not in html


def test_article14_opt_in_lists_title_and_ground_only(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, out = _built(make_site, tmp_path, opt_in=True)
    blob = _every_output(out).decode("utf-8", "replace")
    assert "青石镇某某专项工作密级文件汇编" in blob
    for text in ("测密", "机密摘要", "密级标签", "甲乙丙", "绝密正文", "notices/secret", "2015-03-01"):
        assert text not in blob, text
    cat = json.loads((out / "data" / "catalogue.json").read_text(encoding="utf-8"))
    (entry,) = [e for e in cat["records"] if e["title"].endswith("密级文件汇编")]
    assert entry["reason"] == "依据《中华人民共和国政府信息公开条例》第十四条（依法确定为国家秘密）不予公开"
    assert entry["index_no"] == entry["id"] == entry["date"] == entry["publisher_name"] == entry["doc_no"] == ""
    # on the 目录's first page, apart: the page of its year would show its year
    assert "青石镇某某专项工作密级文件汇编" in (out / "catalogue" / "index.html").read_text(encoding="utf-8")
    years = [p for p in (out / "catalogue").glob("[0-9]*/index.html")]
    assert years and not any("密级文件汇编" in p.read_text(encoding="utf-8") for p in years)
    # the CSV row: title and ground, nothing else but the class
    csv_text = (out / "data" / "catalogue.csv").read_text(encoding="utf-8-sig")
    (row,) = [line for line in csv_text.splitlines() if "密级文件汇编" in line]
    cells = row.split(",")
    assert [c for c in cells if c] == ["青石镇某某专项工作密级文件汇编", "不予公开", entry["reason"]]
    # the catalogue JSON still validates against its published schema
    import jsonschema

    schema = json.loads((out / "data" / "schema" / "catalogue.schema.json").read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(cat))


def test_annual_report_counts_article14_only_when_listed(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for opt_in, expected in ((False, 1), (True, 2)):
        root, _ = _built(make_site, tmp_path, opt_in)
        site = check(root, TODAY).site
        assert site is not None
        report = compute_report(site, AnnualData("content/applications/2015.yaml", {"year": 2015}, {}))
        assert report.withheld == expected


def _problems(make_site, text: str):  # type: ignore[no-untyped-def]
    root = make_site({"notices/x.yaml": text})
    return check(root, TODAY).problems


BASE = "title: 某通知\npublisher: town\ndate: 2015-03-02\ncategory: 其他\n"


def test_on_request_citing_article_14_explains_the_difference(make_site) -> None:  # type: ignore[no-untyped-def]
    ps = _problems(
        make_site, BASE + "disclosure: on_request\nwithheld: {article: 14, ground: state_secret, reason: 密}\n"
    )
    (p,) = [p for p in ps if p.is_error]
    assert p.code == "GK114" and "不予公开" in p.message and "依申请公开" in p.message and "第二十七条" in p.message


def test_on_request_needs_no_ground(make_site) -> None:  # type: ignore[no-untyped-def]
    assert not [p for p in _problems(make_site, BASE + "disclosure: on_request\n") if p.is_error]


def test_old_wording_is_refused_with_the_2019_term(make_site) -> None:  # type: ignore[no-untyped-def]
    (p,) = [p for p in _problems(make_site, BASE + "disclosure: exempt\n") if p.is_error]
    assert p.code == "GK107" and "不予公开" in p.message and "withheld" in p.hint
    assert not [p for p in _problems(make_site, BASE + "disclosure: public\n") if p.is_error]


def test_article15_proviso_and_ground_must_match_article(make_site) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "{article: 15, ground: privacy, reason: r, consent: agreed}": "第三方同意公开",
        "{article: 15, ground: privacy, reason: r, public_interest: significant}": "公共利益",
        "{article: 16, ground: privacy, reason: r}": "第十五条的情形",
        "{article: 16, ground: internal, reason: r, consent: refused}": "只适用于条例第十五条",
    }
    for withheld, words in cases.items():
        errors = [p for p in _problems(make_site, BASE + f"disclosure: withheld\nwithheld: {withheld}\n") if p.is_error]
        assert [p.code for p in errors] == ["GK114"], withheld
        assert words in errors[0].message, (withheld, errors[0].message)
    ok = "{article: 15, ground: 涉及个人隐私, reason: r, consent: refused, public_interest: not_significant}"
    assert not [p for p in _problems(make_site, BASE + f"disclosure: withheld\nwithheld: {ok}\n") if p.is_error]


CONSULT = """title: 集贸市场改造方案（征求意见稿）
publisher: town
date: 2015-04-01
stage: consultation
consultation:
  opens: 2015-04-01
  closes: 2015-04-21
"""


def test_short_consultation_with_published_reason_is_a_warning(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # 《重大行政决策程序暂行条例》第十五条：一般不少于30日，确需缩短的应当说明理由
    root = make_site({"decisions/c.yaml": CONSULT})
    (p,) = [p for p in check(root, TODAY).problems if p.code == "GK334"]
    assert p.is_error and "shortened" in p.hint
    reason = "汛期前必须完工，经镇长办公会议研究缩短征求意见期限"
    root = make_site({"decisions/c.yaml": CONSULT + f"  shortened: {reason}\n"})
    (p,) = [p for p in check(root, TODAY).problems if p.code == "GK334"]
    assert not p.is_error
    out = tmp_path / "out"
    build(root, TODAY, out=out)
    assert reason in (out / "decisions" / "c" / "index.html").read_text(encoding="utf-8")
