"""The register of 依申请公开 applications: content/applications/register/YEAR.yaml.

One entry per application, in the file of the year it was received:

    applications:
      - no: 2015-03                 # 登记编号, unique across the register
        received: 2015-05-06        # 收到申请的日期 (条例第三十一条)
        applicant: 自然人            # 申请人类型: a column of the annual report
        request: 申请公开2014年河口村道路硬化工程的资金使用情况
        correction_asked: …         # 一次性告知补正的日期 (第三十条)
        corrected: …                # 收到补正后申请的日期: the time limit starts again
        third_party_asked: …        # 书面征求第三方意见的日期 (第三十二条)
        third_party_replied: …      # 第三方答复或期满的日期: the days between are not counted
        extended: …                 # 告知延长答复期限的日期 (第三十三条第二款)
        replied: 2015-05-20         # 答复日期
        result: 予以公开             # 办理结果: a row of the annual report's table
        reply: 已主动公开            # 答复形式 (条例第三十六条 (一)–(七), 第三十七条; core/reply_forms.py)
        reply_text: …               # what that form must say: the reason, the way to obtain it …

The register is not published: only its counts are (the annual report's
table); it stays with the clerk's content.  ``gongkai reply`` prints the
答复书 of one entry from it (commands/reply.py).  Nothing here names the
applicant: the register's 申请人类型 is what the report needs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.core.reply_forms import FORMS, form_aliases
from gongkai.core.schema.kinds import BAD, Ctx, Date, Field, Kind, ListOf, Struct, Text, parse_fields
from gongkai.core.tree import RMap, RNode, RScalar, node_kind
from gongkai.read.applications import COLUMNS, FOLDER, GROUPS, _short
from gongkai.read.raw import decode, parse_yaml

__all__ = ["REGISTER", "RESULTS", "Application", "Register", "read_holidays", "read_register"]

REGISTER = f"{FOLDER}/register"

# result key ("group" or "group.sub") → its name in the report's table
RESULTS: dict[str, str] = {}
_RESULT_ALIASES: dict[str, str] = {}
for _key, _label, _subs in GROUPS:
    if not _subs:
        RESULTS[_key] = _short(_label)
        _RESULT_ALIASES.update({_key: _key, _short(_label): _key, _label: _key})
    for _sub, _sub_label in _subs:
        k = f"{_key}.{_sub}"
        RESULTS[k] = f"{_short(_label)}：{_short(_sub_label)}"
        for alias in (
            k,
            _short(_sub_label),
            f"{_short(_label)}：{_short(_sub_label)}",
            f"{_short(_label)}/{_short(_sub_label)}",
        ):
            _RESULT_ALIASES.setdefault(alias, k)
_APPLICANTS = {label: key for key, label in COLUMNS} | {key: key for key, _ in COLUMNS}


@dataclass(frozen=True)
class _Choice(Kind):
    """One of a fixed set, written as its key or one of its Chinese names."""

    aliases: dict[str, str]
    names: dict[str, str]
    label: str = "取值"

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        if not isinstance(node, RScalar):
            ctx.error(node.loc, "GK103", f"{self.label}应是单个值，这里写成了{node_kind(node)}", path)
            return BAD
        t = node.text.strip().replace("/", "：").replace(":", "：")
        key = self.aliases.get(t) or self.aliases.get(node.text.strip())
        if key is None:
            ctx.error(
                node.loc,
                "GK107",
                f"{self.label}不在允许的范围内",
                path,
                node.text.strip(),
                "、".join(self.names.values()),
            )
            return BAD
        return key


ENTRY = Struct(
    {
        "no": Field(Text("登记编号", 50), True, "登记编号"),
        "received": Field(Date("收到申请的日期"), True, "收到申请的日期"),
        "applicant": Field(_Choice(_APPLICANTS, dict(COLUMNS), "申请人类型"), True, "申请人类型"),
        "request": Field(Text("申请内容", 500), True, "申请内容"),
        "correction_asked": Field(Date("告知补正的日期"), False, "告知补正的日期（第三十条）"),
        "corrected": Field(Date("收到补正申请的日期"), False, "收到补正申请的日期"),
        "third_party_asked": Field(Date("征求第三方意见的日期"), False, "征求第三方意见的日期（第三十二条）"),
        "third_party_replied": Field(Date("第三方答复的日期"), False, "第三方答复或答复期满的日期"),
        "extended": Field(Date("告知延期的日期"), False, "告知延长答复期限的日期（第三十三条）"),
        "replied": Field(Date("答复日期"), False, "答复日期"),
        "result": Field(_Choice(_RESULT_ALIASES, RESULTS, "办理结果"), False, "办理结果"),
        "note": Field(Text("备注", 500), False, "备注"),
        "reply": Field(
            _Choice(form_aliases(), {k: f.name for k, f in FORMS.items()}, "答复形式"),
            False,
            "答复形式（条例第三十六条、第三十七条）",
        ),
        "reply_text": Field(Text("答复说明", 2000), False, "答复说明：不予公开的理由、获取信息的方式和途径等"),
    },
    "申请登记",
)


@dataclass(frozen=True)
class Application:
    no: str
    received: date
    applicant: str  # a key of COLUMNS
    request: str
    correction_asked: date | None
    corrected: date | None
    third_party_asked: date | None
    third_party_replied: date | None
    extended: date | None
    replied: date | None
    result: str  # a key of RESULTS, or "" while open
    loc: Loc
    locs: dict[str, Loc]
    reply: str = ""  # a key of core/reply_forms.FORMS, or "" when not written
    reply_text: str = ""

    def at(self, name: str) -> Loc:
        return self.locs.get(name, self.loc)


@dataclass(frozen=True)
class Register:
    applications: tuple[Application, ...]
    years: frozenset[int]  # the years it has a file for: it covers their counts


def read_register(root: Path) -> tuple[Register, list[Problem]]:
    """Every entry of content/applications/register/YEAR.yaml, parsed."""
    folder = root / REGISTER
    if not folder.is_dir():
        return Register((), frozenset()), []
    problems: list[Problem] = []
    out: list[Application] = []
    years: set[int] = set()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml")):
        rel = f"{REGISTER}/{path.name}"
        if not (path.stem.isdigit() and len(path.stem) == 4):
            problems.append(
                Problem(Loc(rel), "GK702", "登记簿文件应以年份命名", hint="如 content/applications/register/2015.yaml")
            )
            continue
        years.add(int(path.stem))
        decoded = decode(path.read_bytes(), rel)
        problems.extend(decoded.problems)
        if decoded.encoding == "unknown":
            continue
        node, ps = parse_yaml(decoded.text, rel)
        problems.extend(ps)
        if node is None:
            continue
        if not isinstance(node, RMap):
            problems.append(
                Problem(node.loc, "GK007", f"登记簿顶层应是“applications: [每件申请]”，这里是{node_kind(node)}")
            )
            continue
        ctx = Ctx(rel)
        values = parse_fields({"applications": Field(ListOf(ENTRY, "申请登记"), True, "申请登记")}, node, ctx, "")
        problems.extend(ctx.problems)
        if values is BAD:
            continue
        for i, e in enumerate(values["applications"], start=1):
            prefix = f"applications[{i}]"
            locs = {k.removeprefix(prefix + "."): v for k, v in ctx.locs.items() if k.startswith(prefix + ".")}
            dates = ("correction_asked", "corrected", "third_party_asked", "third_party_replied", "extended", "replied")
            out.append(
                Application(
                    **{k: e[k] for k in ("no", "received", "applicant", "request")},
                    **{k: e.get(k) for k in dates},
                    result=e.get("result", ""),
                    reply=e.get("reply", ""),
                    reply_text=e.get("reply_text", ""),
                    loc=ctx.locs.get(prefix, Loc(rel, 1)),
                    locs=locs,
                )
            )
    return Register(tuple(out), frozenset(years)), problems


def read_holidays(root: Path) -> tuple[RNode | None, list[Problem]]:
    """content/holidays.yaml, for the register's working days (as load.py reads it)."""
    path = root / "content" / "holidays.yaml"
    if not path.is_file():
        return None, []
    decoded = decode(path.read_bytes(), "content/holidays.yaml")
    if decoded.encoding == "unknown":
        return None, []  # load.py reports it
    node, _ = parse_yaml(decoded.text, "content/holidays.yaml")
    return node, []
