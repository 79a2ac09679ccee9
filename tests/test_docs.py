"""docs/content-format.md cannot drift from the code.

- The key tables between ``<!-- fields:NAME -->`` markers equal what
  gongkai.commands.schemadoc renders from the schema now.
- Every example marked ``# 示例：content/…`` is a real file: all of them
  together, written into a copy of the minimal site, pass ``check`` with no
  error and no warning.
- Every GK code it names is documented in docs/errors.md, every link into
  errors.md and within the page lands on a heading, and every command and
  option of the CLI is described.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path, PurePosixPath

import click
import pytest

from gongkai import check
from gongkai.commands import schemadoc as doc
from gongkai.commands.cli import main as cli_main
from gongkai.core.config import SITE_FIELDS
from gongkai.core.schema import RECORD_TYPES, Field
from gongkai.core.schema.kinds import Date, ListOf, Money, Struct, Text
from gongkai.core.schema.types import COMMON

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "content-format.md"
ERRORS = REPO / "docs" / "errors.md"
# Late enough for every example to be published, early enough that the
# working-day calendar knows every year the examples use.
TODAY = date(2016, 12, 31)

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
_ANY_FENCE = re.compile(r"^( *)```.*?^\1```", re.M | re.S)
_EXAMPLE = re.compile(r"^# 示例：(content/\S+)$")


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped,
    spaces to hyphens (CJK characters kept)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _headings(text: str) -> list[str]:
    text = _ANY_FENCE.sub("", text)
    return [m.group(1) for m in re.finditer(r"^#{1,6} +(.+?) *$", text, re.M)]


def full_examples(text: str) -> dict[str, str]:
    """content path → file text, for every fenced block marked as a full example."""
    out: dict[str, str] = {}
    for m in _FENCE.finditer(text):
        lang, body = m.group(1), m.group(2)
        lines = body.split("\n")
        if lang == "yaml":
            first = lines[0]
        elif lang in ("markdown", "md") and lines[0] == "---" and len(lines) > 1:
            first = lines[1]
        else:
            continue
        mark = _EXAMPLE.match(first)
        if mark:
            assert mark.group(1) not in out, f"两个示例都是 {mark.group(1)}"
            out[mark.group(1)] = body
    return out


# --- generated tables -------------------------------------------------------------------------------


def test_marked_sections_equal_what_the_schema_gives_now() -> None:
    text = _text()
    assert set(doc.sections(text)) == set(doc.SECTIONS), "每个自动生成的表格在文中出现且只出现一次"
    for name, body in doc.sections(text).items():
        assert body == doc.render_section(name), (
            f"docs/content-format.md 中 {name} 的表格已过时；运行 python -m gongkai.commands.schemadoc docs/content-format.md"
        )
    assert doc.update(text) == text


def test_every_record_type_and_site_yaml_has_a_table() -> None:
    names = set(doc.SECTIONS)
    assert {f"fields:{t}" for t in RECORD_TYPES} | {"fields:common", "fields:site"} <= names


def test_field_table_nests_structs_and_lists_with_dotted_names() -> None:
    fields = {
        "title": Field(Text("标题", 20), True, "标题"),
        "notice": Field(Struct({"start": Field(Date("开始日期"), True, "开始日期")}, "公示期"), False, "公示期"),
        "rows": Field(
            ListOf(
                Struct(
                    {
                        "amount": Field(Money("金额"), True, "金额"),
                        "period": Field(Struct({"end": Field(Date(), True, "结束")}, "期限"), False, "期限"),
                    },
                    "行",
                ),
                "行",
                1,
            ),
            True,
            "行",
        ),
    }
    table = doc.field_table(fields, {"rows[].amount": "数量 × 标准"})
    lines = table.splitlines()
    assert lines[0] == "| 键 | 中文名 | 是否必填 | 写法/取值 | 说明 |"
    keys = [line.split(" | ")[0].removeprefix("| ") for line in lines[2:]]
    assert keys == [
        "`title`",
        "`notice`",
        "`notice.start`",
        "`rows`",
        "`rows[].amount`",
        "`rows[].period`",
        "`rows[].period.end`",
    ]
    by_key = {r.key: r for r in doc.field_rows(fields)}
    assert by_key["title"].required == "**必填**"
    assert by_key["notice"].required == "可不填"
    assert by_key["notice.start"].required == "写了 `notice` 时必填"
    assert by_key["rows[].amount"].required == "**必填**"
    assert by_key["rows[].period.end"].required == "写了 `rows[].period` 时必填"
    assert "至少 1 项" in by_key["rows"].form
    assert "| 数量 × 标准 |" in table


def test_real_tables_carry_the_nested_keys_clerks_write() -> None:
    rows = {t: {r.key for r in doc.field_rows(rt.fields)} for t, rt in RECORD_TYPES.items()}
    assert {"recipients[].amount", "recipients[].id_number", "totals.households"} <= rows["subsidy"]
    assert {"tables[].rows[].code", "three_public.vehicles.operation"} <= rows["budget"]
    assert {"projects[].period.start", "projects[].beneficiaries.people"} <= rows["fund"]
    assert {"notice.start", "withheld.article", "attachments[].file"} <= {r.key for r in doc.field_rows(COMMON)}


def test_notes_name_keys_that_exist() -> None:
    tables = {"common": COMMON, "site": SITE_FIELDS, **{t: rt.fields for t, rt in RECORD_TYPES.items()}}
    assert set(doc.NOTES) == set(tables)
    for name, notes in doc.NOTES.items():
        keys = {r.key for r in doc.field_rows(tables[name])}
        assert set(notes) <= keys, f"NOTES[{name!r}] 中有格式定义里没有的键：{sorted(set(notes) - keys)}"


def test_update_refuses_an_unknown_marker() -> None:
    with pytest.raises(KeyError):
        doc.update("<!-- fields:nope -->\nx\n<!-- /fields:nope -->\n")


def test_regenerate_command_rewrites_stale_sections(tmp_path: Path) -> None:
    copy = tmp_path / "content-format.md"
    shutil.copy(DOC, copy)
    original = copy.read_text(encoding="utf-8")
    stale = re.sub(r"(<!-- fields:subsidy -->\n).*?(<!-- /fields:subsidy -->)", r"\1旧表格\n\2", original, flags=re.S)
    assert stale != original
    copy.write_text(stale, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "gongkai.commands.schemadoc", str(copy)], capture_output=True, text=True, cwd=REPO
    )
    assert run.returncode == 0, run.stderr
    assert copy.read_text(encoding="utf-8") == original


# --- examples --------------------------------------------------------------------------------------------


def test_examples_cover_every_record_type_and_site_yaml() -> None:
    examples = full_examples(_text())
    folders = {PurePosixPath(p).parts[1] for p in examples if len(PurePosixPath(p).parts) > 2}
    assert {t.folder for t in RECORD_TYPES.values()} <= folders
    assert "content/site.yaml" in examples


def test_full_examples_pass_check(make_site) -> None:
    examples = full_examples(_text())
    root = make_site({path.removeprefix("content/"): body for path, body in examples.items()})
    result = check(root, TODAY, drafts=True)
    # GK605 (no annual report for the examples' year, 2015) is about the site's age, not the text of an example
    problems = [p.format() for p in result.problems if p.code != "GK605"]
    assert not problems, "文中的示例没有通过检查：\n" + "\n".join(problems)
    assert result.site is not None
    ids = {r.id for r in result.site.records}
    folders = {t.folder for t in RECORD_TYPES.values()}
    for path in examples:
        parts = PurePosixPath(path).parts
        if len(parts) > 2 and parts[1] in folders and not parts[-1].startswith("_defaults."):
            assert PurePosixPath(path).stem in ids, f"{path} 没有作为记录读入"


# --- links, error codes, commands ---------------------------------------------------------------------------


def test_error_codes_are_documented_and_links_land_on_their_headings() -> None:
    text = _text()
    anchors = {}
    for heading in _headings(ERRORS.read_text(encoding="utf-8")):
        m = re.match(r"(GK\d{3}) ", heading)
        if m:
            anchors[m.group(1)] = _slug(heading)
    used = set(re.findall(r"GK\d{3}", text))
    assert used, "文中应引用错误代码"
    assert used <= set(anchors), f"errors.md 中没有这些代码：{sorted(used - set(anchors))}"
    links = re.findall(r"\[(GK\d{3})\]\(errors\.md#([^)]+)\)", text)
    assert links
    for code, anchor in links:
        assert anchor == anchors[code], f"{code} 的链接应为 errors.md#{anchors[code]}"
    assert not re.search(r"\]\(errors\.md#(?!gk\d{3}-)", text)


def test_links_within_the_page_and_to_other_docs_resolve() -> None:
    text = _text()
    slugs = {_slug(h) for h in _headings(text)}
    for anchor in re.findall(r"\]\(#([^)]+)\)", text):
        assert anchor in slugs, f"页内链接 #{anchor} 找不到对应的标题"
    for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", text):
        assert (DOC.parent / target).is_file(), target


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix} {name}"))
        else:
            out.append((f"{prefix} {name}", cmd))
    return out


def test_every_command_and_option_is_described() -> None:
    text = _text()
    commands = _commands(cli_main, "gongkai")
    assert len(commands) >= 10
    for name, cmd in commands:
        assert f"{name}" in text, f"没有说明命令 {name}"
        section = text.split(f"### {name.split()[0]} {name.split()[1]}", 1)[-1].split("\n### ", 1)[0]
        for param in cmd.params:
            if isinstance(param, click.Option):
                longs = [o for o in param.opts if o.startswith("--")]
                assert any(o in section for o in longs), f"{name} 的选项 {longs} 没有说明"
    assert "--version" in text


# --- the legal basis of each rule ---------------------------------------------------------------------

# Rules that come from law or policy: each entry in errors.md says where (issue #17). Format and
# integrity rules (GK0xx, the rest of GK1xx, GK2xx, GK5xx, GK9xx) have none to give. GK113 (the ID number's
# birth date masked) and GK123 (a roster column of bank accounts, phones, addresses or illnesses) are privacy
# rules like GK401–GK403, and their entries said "依法不得公开" without saying which law.
_BASED = re.compile(r"GK(?:111|113|114|123|[34678]\d\d)")
# A basis names a document (《…》, a 文号 〔year〕, an article 第…条) or says the rule is local or gongkai's own.
_CITES = re.compile(r"《|〔|第[一二三四五六七八九十百零]+条|地方|gongkai 的规则")


def _entries(text: str) -> dict[str, str]:
    """GK code → the text of its ``### GKxxx`` entry (up to the next heading of any level)."""
    text = _ANY_FENCE.sub("", text)
    parts = re.split(r"^(#{1,6} .*)$", text, flags=re.M)
    out: dict[str, str] = {}
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        m = re.match(r"### (GK\d{3}) ", heading)
        if m:
            out[m.group(1)] = body
    return out


def test_rules_from_law_or_policy_say_their_basis() -> None:
    entries = _entries(ERRORS.read_text(encoding="utf-8"))
    based = sorted(code for code in entries if _BASED.fullmatch(code))
    assert {"GK111", "GK113", "GK114", "GK123", "GK314", "GK401", "GK601", "GK722", "GK802"} <= set(based)
    missing, vague, misplaced, long_ = [], [], [], []
    for code in based:
        paragraphs = re.split(r"\n\s*\n", entries[code].strip())
        basis = [p for p in paragraphs if p.startswith("**依据**：")]
        if len(basis) != 1:
            missing.append(code)
            continue
        if not _CITES.search(basis[0]):
            vague.append(code)
        meaning = next((i for i, p in enumerate(paragraphs) if p.startswith("**含义**")), None)
        if meaning is None or paragraphs.index(basis[0]) < meaning:
            misplaced.append(code)
        if basis[0].count("\n") > 2:
            long_.append(code)
    assert not missing, f"errors.md 中这些条目没有（或不止一段）**依据**：{missing}"
    assert not vague, f"这些条目的**依据**没有写出文件、条款，也没有说明是地方规定或 gongkai 的规则：{vague}"
    assert not misplaced, f"这些条目的**依据**不在**含义**之后：{misplaced}"
    assert not long_, f"这些条目的**依据**超过三行：{long_}"


def test_the_readme_publishes_through_the_county_portal_first() -> None:
    # 国办发〔2017〕47号: a 乡镇 publishes as a column of the county portal, not on a site of its own, and
    # docs/publishing.md makes that the default path; README's 发布网站, the part a new clerk reads, still put
    # 网站空间 / nginx first and handed the portal a bare build/ without `gongkai pack --portal`.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## 发布网站") :].split("\n## ", 1)[0].split("\n---", 1)[0]
    bullets = ("\n" + section).split("\n- **")[1:]  # each bullet with its continuation lines
    assert "县政府门户" in bullets[0] and "pack --portal" in bullets[0] and "47号" in section, bullets
