"""政府信息公开工作年度报告: content/applications/YEAR.yaml + the year's records.

The report follows the national format (国务院办公厅政府信息与政务公开办公室,
《中华人民共和国政府信息公开工作年度报告格式》, 国办公开办函〔2019〕60号,
revised by 国办公开办函〔2021〕30号) in six parts:

一、总体情况            counts from the records of the year + the clerk's text
二、主动公开政府信息情况  the fixed table (规章 … 行政事业性收费) + counts by type
三、收到和处理政府信息公开申请情况  the big table, from the YAML, with
                        新收 + 上年结转 = 办理结果总计 + 结转下年度 enforced per column
四、政府信息公开行政复议、行政诉讼情况
五、存在的主要问题及改进情况
六、其他需要报告的事项

``check_applications`` validates every YAML file at each build and check
(errors GK7xx in the usual style).  ``gongkai report YEAR`` (``write_report``)
writes the report as a notice record, content/notices/niandu-baogao-YEAR.md —
a record with a 索引号, a page, a feed entry and a JSON download like any
other — and never replaces an existing file unless told to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc, Problem
from gongkai.core.schema.kinds import BAD, Ctx, Date, Field, Int, Money, Struct, Text, parse_fields
from gongkai.core.tree import RMap, RNode, node_kind
from gongkai.read.raw import decode, parse_yaml

FOLDER = "content/applications"


COLUMNS: list[tuple[str, str]] = [
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("nonprofit", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other", "其他"),
]


GROUPS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("disclosed", "（一）予以公开", []),
    ("partly_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", []),
    (
        "withheld",
        "（三）不予公开",
        [
            ("state_secret", "1.属于国家秘密"),
            ("prohibited", "2.其他法律行政法规禁止公开"),
            ("security", "3.危及“三安全一稳定”"),
            ("third_party", "4.保护第三方合法权益"),
            ("internal", "5.属于三类内部事务信息"),
            ("process", "6.属于四类过程性信息"),
            ("enforcement_file", "7.属于行政执法案卷"),
            ("inquiry", "8.属于行政查询事项"),
        ],
    ),
    (
        "unavailable",
        "（四）无法提供",
        [
            ("not_held", "1.本机关不掌握相关政府信息"),
            ("needs_creation", "2.没有现成信息需要另行制作"),
            ("unclear", "3.补正后申请内容仍不明确"),
        ],
    ),
    (
        "not_processed",
        "（五）不予处理",
        [
            ("complaint", "1.信访举报投诉类申请"),
            ("repeated", "2.重复申请"),
            ("publication", "3.要求提供公开出版物"),
            ("excessive", "4.无正当理由大量反复申请"),
            ("confirmation", "5.要求行政机关确认或重新出具已获取信息"),
        ],
    ),
    (
        "other",
        "（六）其他处理",
        [
            ("no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            ("no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            ("other", "3.其他"),
        ],
    ),
]


REVIEW_COLUMNS: list[tuple[str, str]] = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
]


REVIEW_KINDS: list[tuple[str, str]] = [
    ("review", "行政复议"),
    ("litigation", "行政诉讼（未经复议直接起诉）"),
    ("litigation_after_review", "行政诉讼（复议后起诉）"),
]


def _short(label: str) -> str:
    """The short Chinese name a clerk may use as a key: 予以公开, 属于国家秘密."""
    label = re.sub(r"^（[一二三四五六七]）|^\d\.", "", label)
    return label.split("（")[0]


@dataclass(frozen=True)
class Aliased(Struct):
    """A Struct whose keys may also be written as their Chinese names."""

    aliases: Mapping[str, str] = field(default_factory=dict)

    def parse(self, node: RNode, ctx: Ctx, path: str) -> Any:
        if isinstance(node, RMap):
            entries: dict[str, RNode] = {}
            locs: dict[str, Loc] = {}
            for key, value in node.entries.items():
                k = self.aliases.get(key.strip(), key)
                if k in entries:
                    ctx.error(node.key_locs[key], "GK003", f"“{key}”与前面的“{k}”是同一项，重复了", f"{path}.{k}")
                    return BAD
                entries[k] = value
                locs[k] = node.key_locs[key]
            node = RMap(entries, locs, node.loc)
        return super().parse(node, ctx, path)


def _aliases(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, label in pairs:
        out[label] = key
        out[_short(label)] = key
    return out


def _count(label: str) -> Int:
    return Int(label, 0, 1_000_000)


ROW = Aliased(
    {k: Field(_count(label), False, label) for k, label in COLUMNS},
    "申请人情况（自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他）",
    aliases=_aliases(COLUMNS),
)


def _group_kind(label: str, subs: list[tuple[str, str]]) -> Any:
    if not subs:
        return ROW
    return Aliased({k: Field(ROW, False, sub) for k, sub in subs}, _short(label), aliases=_aliases(subs))


RESULTS = Aliased(
    {
        **{k: Field(_group_kind(label, subs), False, _short(label)) for k, label, subs in GROUPS},
        "total": Field(ROW, False, "办理结果总计（可不填；填了会核对）"),
    },
    "本年度办理结果",
    aliases={**_aliases((k, label) for k, label, _ in GROUPS), "总计": "total"},
)


APPLICATIONS = Aliased(
    {
        "received": Field(ROW, False, "本年新收政府信息公开申请数量"),
        "carried_over": Field(ROW, False, "上年结转政府信息公开申请数量"),
        "results": Field(RESULTS, False, "本年度办理结果"),
        "carried_forward": Field(ROW, False, "结转下年度继续办理"),
    },
    "收到和处理政府信息公开申请情况",
    aliases={
        "本年新收": "received",
        "上年结转": "carried_over",
        "办理结果": "results",
        "结转下年度": "carried_forward",
    },
)


REVIEW_ROW = Aliased(
    {k: Field(_count(label), False, label) for k, label in REVIEW_COLUMNS},
    "行政复议、行政诉讼结果",
    aliases=_aliases(REVIEW_COLUMNS),
)


DOCS_ROW = Struct(
    {
        "issued": Field(_count("本年制发件数"), False, "本年制发件数"),
        "repealed": Field(_count("本年废止件数"), False, "本年废止件数"),
        "in_force": Field(_count("现行有效件数"), False, "现行有效件数"),
    },
    "件数",
)


PROACTIVE = Struct(
    {
        "regulations": Field(DOCS_ROW, False, "规章"),
        "normative_documents": Field(DOCS_ROW, False, "行政规范性文件"),
        "licensing": Field(_count("行政许可本年处理决定数量"), False, "行政许可"),
        "penalties": Field(_count("行政处罚本年处理决定数量"), False, "行政处罚"),
        "enforcement": Field(_count("行政强制本年处理决定数量"), False, "行政强制"),
        "fees": Field(Money("行政事业性收费本年收费金额（万元）"), False, "行政事业性收费（万元）"),
    },
    "主动公开政府信息情况",
)


FIELDS: dict[str, Field] = {
    "year": Field(Int("年度", 1990, 2100), True, "年度"),
    "title": Field(Text("报告标题", 200), False, "报告标题"),
    "publisher": Field(Text("公开主体", 100), False, "公开主体"),
    "date": Field(Date("报告发布日期"), False, "报告发布日期"),
    "doc_no": Field(Text("文号", 100), False, "文号"),
    "overview": Field(Text("总体情况", 20000), False, "一、总体情况"),
    "proactive": Field(PROACTIVE, False, "二、主动公开政府信息情况"),
    "applications": Field(APPLICATIONS, False, "三、收到和处理政府信息公开申请情况"),
    "reviews": Field(
        Struct({k: Field(REVIEW_ROW, False, label) for k, label in REVIEW_KINDS}, "行政复议、行政诉讼情况"),
        False,
        "四、行政复议、行政诉讼情况",
    ),
    "problems": Field(Text("存在的主要问题及改进情况", 20000), False, "五、存在的主要问题及改进情况"),
    "other_matters": Field(Text("其他需要报告的事项", 20000), False, "六、其他需要报告的事项"),
}


Counts = dict[str, int]  # column → count


def _row(value: Mapping[str, int] | None) -> Counts:
    return {k: int((value or {}).get(k, 0)) for k, _ in COLUMNS}


def _add(*rows: Counts) -> Counts:
    return {k: sum(r[k] for r in rows) for k, _ in COLUMNS}


@dataclass(frozen=True)
class AnnualData:
    """One parsed content/applications/YEAR.yaml."""

    source: str
    values: dict[str, Any]
    locs: dict[str, Loc]

    @property
    def year(self) -> int:
        return int(self.values["year"])

    def apps(self, key: str) -> Counts:
        return _row(self.values.get("applications", {}).get(key))

    def results(self) -> list[tuple[str, str, list[tuple[str, str, Counts]]]]:
        """(key, label, [(sub key, sub label, counts)]) in the fixed order;
        a group without sub-reasons has one sub-row with key ''."""
        res = self.values.get("applications", {}).get("results", {})
        out = []
        for key, label, subs in GROUPS:
            if subs:
                got = res.get(key, {})
                out.append((key, label, [(k, sub, _row(got.get(k))) for k, sub in subs]))
            else:
                out.append((key, label, [("", label, _row(res.get(key)))]))
        return out

    def results_total(self) -> Counts:
        return _add(*(c for _, _, rows in self.results() for _, _, c in rows))

    def loc(self, path: str) -> Loc:
        while path:
            if path in self.locs:
                return self.locs[path]
            path = path.rpartition(".")[0]
        return self.locs.get("", Loc(self.source, 1))


def _files(root: Path) -> list[Path]:
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml"))


def _parse_file(path: Path, rel: str) -> tuple[AnnualData | None, list[Problem]]:
    decoded = decode(path.read_bytes(), rel)
    problems = list(decoded.problems)
    if decoded.encoding == "unknown":
        return None, problems
    node, ps = parse_yaml(decoded.text, rel)
    problems.extend(ps)
    if node is None:
        if not ps:
            problems.append(Problem(Loc(rel, 1), "GK109", "文件是空的", hint="填写 year: 等内容，或删除这个文件"))
        return None, problems
    if not isinstance(node, RMap):
        problems.append(Problem(node.loc, "GK007", f"文件顶层应是“键: 值”结构，这里是{node_kind(node)}"))
        return None, problems
    ctx = Ctx(rel)
    ctx.locs[""] = node.loc
    values = parse_fields(FIELDS, node, ctx, "")
    problems.extend(ctx.problems)
    if values is BAD:
        return None, problems
    return AnnualData(rel, values, ctx.locs), problems


def _apps(data: AnnualData) -> dict[str, Any]:
    return data.values.get("applications", {})
