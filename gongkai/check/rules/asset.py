"""asset (集体资产资源处置): price against the 底价, the term's cap, the reason for a 协议,
the meeting that decided it, the order of meeting and contract, the 公示.

依据 (docs/errors.md GK357, GK375–GK379):
- 村民委员会组织法 第二十四条第一款第八项: 以借贷、租赁或者其他方式处分村集体财产 is decided by
  the 村民会议 (or the 村民代表会议 it authorised) before it is done; 第二十二条 its quorum and
  majority (check/rules/meeting.py); 第三十条 the 村务公开.
- 农村土地承包法 第五十二条: land let to a unit or person outside the 集体经济组织 needs two thirds
  of the members (or 村民代表).
- 民法典 第七百零五条: 租赁期限不得超过二十年 (the rest is void); a local cap in site.yaml
  (``asset_term_cap``) for 出租 and 发包 alike.
- 评估价/底价 and the 公开 methods (公开竞价、招标、拍卖、公开协商): the 农村集体资产 rules of the
  provinces (地方规定) ask for a stated reason when the price falls below the 底价 or a 协议 is used.
"""

from __future__ import annotations

from datetime import date

from gongkai.check.rules.common import no_notice
from gongkai.check.rules.meeting import check_meeting
from gongkai.core.config import SiteConfig
from gongkai.core.errors import Problem
from gongkai.core.formats import money as _fmt
from gongkai.core.model import Record
from gongkai.core.schema.asset import DISPOSALS, METHODS

__all__ = ["add_years", "check"]

LEASE_CAP = 20  # 民法典 第七百零五条


def add_years(d: date, years: int) -> date:
    """``d`` moved by whole years (29 February → 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def check(rec: Record, config: SiteConfig) -> list[Problem]:
    d = rec.data
    outsider = (
        d["disposal"] == "contract" and d["asset_kind"] == "resource" and d["counterparty"].get("member") is False
    )
    two_thirds = "集体的土地等资源发包给本集体经济组织以外的单位或个人" if outsider else ""
    return [
        *_price(rec),
        *_term(rec, config.asset_term_cap),
        *_method(rec),
        *check_meeting(rec, two_thirds),
        *_order(rec),
        *no_notice(rec, "GK378", "集体资产资源处置结果没有写公示期", "在村务公开栏公示（村民委员会组织法第三十条）"),
    ]


def _price(rec: Record) -> list[Problem]:
    d = rec.data
    if d.get("below_reason"):
        return []
    for key, label in (("reserve", "底价"), ("appraised", "评估价")):
        floor = d.get(key)
        if floor is not None and d["price"] < floor:
            return [
                Problem(
                    rec.loc("price"),
                    "GK375",
                    f"成交价低于{label} {_fmt(floor)} 元，没有写明原因",
                    "price",
                    _fmt(d["price"]),
                    "核对成交价；确实低于的，在 below_reason 中写明原因和决定程序"
                    "（如：两次流拍后经村民代表会议同意降低底价）",
                )
            ]
    return []


def _term(rec: Record, local_cap: int | None) -> list[Problem]:
    d = rec.data
    term = d.get("term")
    if term is None or d["disposal"] not in ("lease", "contract"):
        return []
    caps = []
    if d["disposal"] == "lease":
        caps.append((LEASE_CAP, "民法典第七百零五条：租赁期限不得超过二十年，超过部分无效"))
    if local_cap is not None:
        caps.append((local_cap, f"本地规定的最长年限（site.yaml 的 asset_term_cap：{local_cap} 年）"))
    if not caps:
        return []
    years, basis = min(caps)
    latest = add_years(term["start"], years)
    if term["end"] <= latest:
        return []
    return [
        Problem(
            rec.loc("term.end"),
            "GK376",
            f"{DISPOSALS[d['disposal']]}期限超过 {years} 年",
            "term.end",
            f"{term['start'].isoformat()} 至 {term['end'].isoformat()}",
            f"截止日期不晚于 {latest.isoformat()}（{basis}）",
        )
    ]


def _method(rec: Record) -> list[Problem]:
    d = rec.data
    if d["method"] != "agreement" or d.get("method_reason"):
        return []
    return [
        Problem(
            rec.loc("method"),
            "GK377",
            f"以{METHODS['agreement']}方式处置集体资产资源，没有写明不公开竞价的原因",
            "method_reason",
            METHODS["agreement"],
            "在 method_reason 中写明原因（如：公开竞价两次无人报名，经村民代表会议同意协议出租）",
        )
    ]


def _order(rec: Record) -> list[Problem]:
    d = rec.data
    signed, decided = d.get("signed"), d["meeting"]["date"]
    if signed is None or signed >= decided:
        return []
    return [
        Problem(
            rec.loc("signed"),
            "GK379",
            "合同签订日期早于村民会议（村民代表会议）的决定日期：处置集体财产须先经会议讨论决定",
            "signed",
            signed.isoformat(),
            f"不早于会议日期 {decided.isoformat()}（村民委员会组织法第二十四条）；日期写错的改正，"
            "先签后议的须按规定重新履行民主程序",
        )
    ]
