"""A roster's names written outside the roster (title, summary, body, tags).

The names rule (core/schema/names.py) takes the rows off the site after the
公示期, or keeps them off it (board only); a name written into the summary or
the body would stay: 杨晓燕 in "更正河口村一组杨晓燕户救助人数" is on every page,
feed and search result of the record for ever.  The same for the persons of
an asset or landtransfer record (person_names).  A warning, not an error: a
two-character name can be an ordinary word too.

A two-character name is not reported where it straddles a common word of
notices: 金发 in "最低生活保障金发放" is 保障金 + 发放, not the recipient 金发
(a clerk cannot rewrite that title, and the warning would teach them to
ignore the rule).  It is still reported where it stands as a word of its
own ("金发户", "金发、李明").
"""

from __future__ import annotations

from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem, Severity
from gongkai.core.model import Record
from gongkai.core.schema.names import WHERE, resolve_names

__all__ = ["check", "person_names"]

_FIELDS = {"title": "标题", "summary": "摘要", "body": "正文", "tags": "标签"}


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    rule = resolve_names(rec.data.get("names"), config.names, rec.type, rec.data.get("kind", ""), 0)
    if rule.where == "always":
        return []
    names = {n for n in person_names(rec) if 2 <= len(n) <= 4}
    if not names:
        return []
    out: list[Problem] = []
    texts = {"title": rec.title, "summary": rec.summary, "body": rec.body, "tags": " ".join(rec.tags)}
    for key, text in texts.items():
        found = _found(text or "", names)
        if not found:
            continue
        shown = "、".join(found[:5]) + ("等" if len(found) > 5 else "")
        when = "从不在网站上显示" if rule.where == "board" else "公示期过后从网站撤下"
        out.append(
            Problem(
                rec.loc(key),
                "GK409",
                f"{_FIELDS[key]}中写有名单里的姓名“{shown}”：名单（{WHERE[rule.where]}）{when}，"
                f"{_FIELDS[key]}却一直在网站、搜索和数据下载中",
                key,
                found[0],
                "不写姓名，改写为“河口村一组一户”这样的说法",
                Severity.WARNING,
            )
        )
    return out


def person_names(rec: Record) -> set[str]:
    """The names of private persons ``rec`` lists: a roster's rows, a person who
    leases or buys collective assets (asset), the households and a person who
    takes their land (landtransfer)."""
    d = rec.data
    found = [r["name"] for r in d.get("recipients", ())] + [h["name"] for h in d.get("households", ())]
    for party in ("counterparty", "transferee"):
        if party in d and d[party]["kind"] == "person":
            found.append(d[party]["name"])
    return {n.strip() for n in found}


# Two-character words of disclosure notices that a two-character name can be
# the middle of: a hit whose first character ends one of them, or whose last
# character begins one, straddles that word.
_WORDS = frozenset(
    """
    发放 发展 资金 补贴 补助 补偿 公示 保障 救助 救济 救灾 慰问 物资 名单 人员 金额 标准 家庭 生活 困难 低保 特困
    残疾 养老 医疗 教育 住房 危房 改造 耕地 地力 保护 种粮 农机 购置 社区 村民 农户 集体 经济 收入 支出 预算 决算
    项目 工程 建设 道路 桥梁 水利 卫生 文化 安全 生产 社会 公共 服务 管理 财政 民政 政府 人民 情况 办法 规定 文件
    申请 审核 审批 决定 通知 公告 意见 反映 监督 电话 办公 期间 异议 根据 全镇 各村 安置 征地 拆迁 移民 扶贫 产业
    合作 贷款 贴息 光伏 春节 金融 基金 资助 奖励 奖补 到户 到人 兑现 发给 领取 享受 对象 户数 人数 合计 总计 年度
    """.split()
)


def _found(text: str, names: set[str]) -> list[str]:
    """The names in ``text``, in the order they first appear."""
    out: dict[str, None] = {}
    for i in range(len(text) - 1):
        for k in (2, 3, 4):
            piece = text[i : i + k]
            if piece in names and not (k == 2 and _straddles(text, i)):
                out[piece] = None
    return list(out)


def _straddles(text: str, i: int) -> bool:
    """Whether the two characters at ``i`` are the end of one common word and
    the start of the next (保障金|发放), not a word of their own."""
    return (i > 0 and text[i - 1 : i + 1] in _WORDS) or text[i + 1 : i + 3] in _WORDS
