"""landtransfer (土地经营权流转): the term within the 承包期, farming use only, the households'
written 委托 when the collective lets their land, the households adding up, 备案 and the review
of 社会资本.

依据 (docs/errors.md GK380–GK384):
- 农村土地承包法 第三十八条: 不得改变土地所有权的性质和土地的农业用途 (第二项); 流转期限不得
  超过承包期的剩余期限 (第三项); 第三十六条 向发包方备案; 第四十五条 工商企业等社会资本:
  资格审查、项目审核和风险防范.
- 《农村土地经营权流转管理办法》(农业农村部令2021年第1号) 第八条: 委托流转 needs the 承包方's
  written 委托书, without it no one may decide the 流转; 第二十一条: 发包方 备案, reported to the
  乡（镇）.
"""

from __future__ import annotations

from decimal import Decimal

from gongkai.core.errors import Problem, Severity
from gongkai.core.formats import number
from gongkai.core.model import Record
from gongkai.core.schema.landtransfer import USES

__all__ = ["NON_FARM_WORDS", "check"]

# uses of land that are never farming (办法 and 土地管理法: 建窑、建坟、建房、挖砂、采石、采矿、取土 …)
NON_FARM_WORDS = (
    "厂房", "工业", "住宅", "商品房", "别墅", "房地产", "建房", "建窑", "建坟", "挖砂", "采砂",
    "采石", "采矿", "取土", "停车场", "物流园", "商业",
)  # fmt: skip


def check(rec: Record) -> list[Problem]:
    return [*_term(rec), *_use(rec), *_entrusted(rec), *_households(rec), *_procedure(rec)]


def _term(rec: Record) -> list[Problem]:
    d = rec.data
    end, until = d["term"]["end"], d["contract_ends"]
    if end <= until:
        return []
    return [
        Problem(
            rec.loc("term.end"),
            "GK380",
            f"流转期限截止日期晚于土地承包期届满日期 {until.isoformat()}",
            "term.end",
            end.isoformat(),
            f"不晚于 {until.isoformat()}（农村土地承包法第三十八条第三项）；已延包的，把 contract_ends 改为延包后的届满日期",
        )
    ]


def _use(rec: Record) -> list[Problem]:
    d = rec.data
    words = [w for w in NON_FARM_WORDS if w in d.get("use_detail", "")]
    if d["use"] != "non_agricultural" and not words:
        return []
    where, value = ("use", USES[d["use"]]) if d["use"] == "non_agricultural" else ("use_detail", d["use_detail"])
    return [
        Problem(
            rec.loc(where),
            "GK381",
            "流转的承包地不得改变农业用途" + (f"（具体用途中有“{'、'.join(words)}”）" if words else ""),
            where,
            value,
            "农村土地承包法第三十八条第二项；用于非农建设须依法办理农用地转用，不能以土地流转的方式进行",
        )
    ]


def _entrusted(rec: Record) -> list[Problem]:
    d = rec.data
    if d["transferor"] != "collective":
        return []
    given, count = d.get("entrusted"), d["household_count"]
    if given is not None and given >= count:
        return []
    return [
        Problem(
            rec.loc("entrusted" if given is not None else "transferor"),
            "GK382",
            f"村集体经济组织代为流转 {count} 户的承包地，"
            + ("没有写出具书面委托书的户数" if given is None else f"只有 {given} 户出具了书面委托书"),
            "entrusted",
            "" if given is None else str(given),
            f"entrusted: {count}；没有书面委托的农户，其承包地不能由村集体决定流转（《农村土地经营权流转管理办法》第八条）",
        )
    ]


def _households(rec: Record) -> list[Problem]:
    d = rec.data
    rows = d.get("households") or ()
    if not rows:
        return []
    out: list[Problem] = []
    if len(rows) != d["household_count"]:
        out.append(
            Problem(
                rec.loc("household_count"),
                "GK383",
                f"流出农户列了 {len(rows)} 户，户数却写 {d['household_count']}",
                "household_count",
                str(d["household_count"]),
                str(len(rows)),
            )
        )
    total = sum((r["area"] for r in rows), Decimal(0))
    if total != d["area"]:
        out.append(
            Problem(
                rec.loc("area"),
                "GK383",
                "流出农户的面积合计不等于流转面积",
                "area",
                number(d["area"]),
                f"各户合计 {number(total)} 亩",
            )
        )
    return out


def _procedure(rec: Record) -> list[Problem]:
    d = rec.data
    out: list[Problem] = []
    if "filed" not in d:
        out.append(
            Problem(
                rec.loc(""),
                "GK384",
                "土地流转合同没有写备案日期",
                "filed",
                hint="filed: 向发包方备案并报乡（镇）农村土地承包管理部门的日期（农村土地承包法第三十六条；"
                "《农村土地经营权流转管理办法》第二十一条）",
                severity=Severity.WARNING,
            )
        )
    if d.get("social_capital") and "review" not in d:
        out.append(
            Problem(
                rec.loc("social_capital"),
                "GK384",
                "工商企业等社会资本流转土地经营权，没有写资格审查、项目审核",
                "review",
                hint="review: {by: 审查审核的机关, date: 通过日期}（农村土地承包法第四十五条，按本省、县的审查审核办法）",
                severity=Severity.WARNING,
            )
        )
    return out
