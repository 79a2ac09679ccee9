"""The forms of a reply to a 政府信息公开申请, as the 2019 条例 lists them.

《中华人民共和国政府信息公开条例》（2019年修订）第三十六条: "对政府信息公开申请，
行政机关根据下列情况分别作出答复" — seven forms, (一) to (七); 第三十七条 adds
the partly disclosed reply (区分处理).  Each form here carries the words of
its item (the 法律依据 printed on the reply), what the clerk must write for it
(``needs``: the way to obtain the information, the reason, the other
agency …) and the register results (read/applications.GROUPS) it may be
counted as in the annual report.

The 救济途径 (条例第五十一条) come with the time limits of the laws in force
on the day of the reply: 行政复议 within 60 days (《行政复议法》第九条, from
1 January 2024 第二十条 of the 2023 revision), 行政诉讼 within 6 months
(《行政诉讼法》第四十六条 as amended in 2014, in force from 1 May 2015;
before it 3 months, 第三十九条).
"""

from __future__ import annotations

from datetime import date

from gongkai.core.dataclass import dataclass

__all__ = ["ARTICLE_36", "FORMS", "LAW", "WITHHELD_GROUNDS", "ReplyForm", "form_aliases", "remedies"]

LAW = "《中华人民共和国政府信息公开条例》"
ARTICLE_36 = "对政府信息公开申请，行政机关根据下列情况分别作出答复："


@dataclass(frozen=True)
class ReplyForm:
    key: str
    item: str  # "第三十六条第（一）项"
    name: str  # 答复形式 as the reply names it
    law_text: str  # the words of the item
    needs: str  # what ``reply_text`` must say ("" when it may be left out)
    results: tuple[str, ...]  # register results (read/register.RESULTS keys or their group) it fits


FORMS: dict[str, ReplyForm] = {
    f.key: f
    for f in (
        ReplyForm(
            "proactive",
            "第三十六条第（一）项",
            "已主动公开，告知获取方式和途径",
            "（一）所申请公开信息已经主动公开的，告知申请人获取该政府信息的方式、途径；",
            "获取该信息的方式和途径（如网址、公开栏地点）",
            ("disclosed",),
        ),
        ReplyForm(
            "disclosed",
            "第三十六条第（二）项",
            "予以公开",
            "（二）所申请公开信息可以公开的，向申请人提供该政府信息，或者告知申请人获取该政府信息的方式、途径和时间；",
            "",
            ("disclosed",),
        ),
        ReplyForm(
            "partly",
            "第三十七条",
            "部分公开",
            "第三十七条　申请公开的信息中含有不应当公开或者不属于政府信息的内容，但是能够作区分处理的，"
            "行政机关应当向申请人提供可以公开的政府信息内容，并对不予公开的内容说明理由。",
            "不予公开部分的内容和理由",
            ("partly_disclosed",),
        ),
        ReplyForm(
            "withheld",
            "第三十六条第（三）项",
            "不予公开",
            "（三）行政机关依据本条例的规定决定不予公开的，告知申请人不予公开并说明理由；",
            "不予公开的理由",
            ("withheld",),
        ),
        ReplyForm(
            "not_exist",
            "第三十六条第（四）项",
            "信息不存在",
            "（四）经检索没有所申请公开信息的，告知申请人该政府信息不存在；",
            "",
            ("unavailable.not_held",),
        ),
        ReplyForm(
            "not_ours",
            "第三十六条第（五）项",
            "不属于本机关负责公开",
            "（五）所申请公开信息不属于本行政机关负责公开的，告知申请人并说明理由；"
            "能够确定负责公开该政府信息的行政机关的，告知申请人该行政机关的名称、联系方式；",
            "理由，以及负责公开的行政机关的名称、联系方式（能确定时）",
            ("unavailable.not_held",),
        ),
        ReplyForm(
            "repeated",
            "第三十六条第（六）项",
            "重复申请，不予重复处理",
            "（六）行政机关已就申请人提出的政府信息公开申请作出答复、申请人重复申请公开相同政府信息的，"
            "告知申请人不予重复处理；",
            "",
            ("not_processed.repeated",),
        ),
        ReplyForm(
            "special_law",
            "第三十六条第（七）项",
            "依照有关法律、行政法规的规定办理",
            "（七）所申请公开信息属于工商、不动产登记资料等信息，有关法律、行政法规对信息的获取有特别规定的，"
            "告知申请人依照有关法律、行政法规的规定办理。",
            "信息的种类和对获取有特别规定的法律、行政法规（如《不动产登记暂行条例》）",
            ("withheld.inquiry",),
        ),
    )
}

# The article behind each 不予公开 result (read/applications.GROUPS "withheld" subs).
WITHHELD_GROUNDS: dict[str, str] = {
    "state_secret": "第十四条（国家秘密）",
    "prohibited": "第十四条（法律、行政法规禁止公开）",
    "security": "第十四条（公开后可能危及国家安全、公共安全、经济安全、社会稳定）",
    "third_party": "第十五条（涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害）",
    "internal": "第十六条第一款（内部事务信息）",
    "process": "第十六条第二款（过程性信息）",
    "enforcement_file": "第十六条第二款（行政执法案卷信息）",
}


def form_aliases() -> dict[str, str]:
    """What a clerk may write for a form → its key: the key, its name, its
    item ("第三十六条第（一）项", "（一）", "36.1"; "第三十七条", "37")."""
    out: dict[str, str] = {}
    for f in FORMS.values():
        out |= {f.key: f.key, f.name: f.key, f.item: f.key}
        if f.item.startswith("第三十六条"):
            numeral = f.item.removeprefix("第三十六条第").removesuffix("项")  # "（一）"
            out[numeral] = f.key
            out[f"36.{'一二三四五六七'.index(numeral[1]) + 1}"] = f.key
    out |= {"37": "partly", "已主动公开": "proactive", "重复申请": "repeated"}
    return out


def remedies(replied: date, review_body: str, court: str) -> tuple[str, list[str]]:
    """(the 救济途径 sentence, the articles it rests on) for a reply dated ``replied``."""
    review_article = "《中华人民共和国行政复议法》" + ("第二十条" if replied >= date(2024, 1, 1) else "第九条")
    if replied >= date(2015, 5, 1):
        months, litigation_article = "六个月", "《中华人民共和国行政诉讼法》第四十六条第一款"
    else:
        months, litigation_article = "三个月", "《中华人民共和国行政诉讼法》第三十九条"
    sentence = (
        f"如对本答复不服，可以自收到本答复书之日起六十日内向{review_body or '上一级行政机关'}申请行政复议，"
        f"也可以自收到本答复书之日起{months}内向{court or '人民法院'}提起行政诉讼。"
    )
    return sentence, [f"{LAW}第五十一条", review_article, litigation_article]
