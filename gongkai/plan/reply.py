"""One register entry → the 政府信息公开申请答复书 (the reply letter).  Pure.

The letter follows 条例第三十六条 (and 第三十七条 for a partly disclosed
reply): which form the reply takes comes from the entry's ``reply`` or,
when it is not written, from its ``result`` where that names one form only.
What the clerk must write for the form (``reply_text``: the reason, the way
to obtain the information …) and, for 不予公开, the ground (the entry's
result: 第十四、十五、十六条) are required; a letter that would leave them out
is refused (``ReplyRefused``, in Chinese).

The register does not name applicants (read/register.py): the letter has a
blank for the name unless one is given for this printing only.
"""

from __future__ import annotations

from datetime import date

from gongkai.core.config import SiteConfig
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import GongkaiError
from gongkai.core.formats import cn_date
from gongkai.core.reply_forms import ARTICLE_36, FORMS, LAW, WITHHELD_GROUNDS, ReplyForm, remedies
from gongkai.read.applications import COLUMNS
from gongkai.read.register import RESULTS, Application

__all__ = ["ReplyLetter", "ReplyRefused", "reply_form", "reply_letter"]

# results that name one form (a 予以公开 may be (一) or (二); 本机关不掌握 may be (四) or (五))
_BY_RESULT = {"partly_disclosed": "partly", "withheld.inquiry": "special_law", "not_processed.repeated": "repeated"}


class ReplyRefused(GongkaiError):
    """The entry cannot be made into a reply letter (the message says why)."""


@dataclass(frozen=True)
class ReplyLetter:
    title: str
    organization: str
    no: str
    applicant: str  # the name given for this printing, or "" for a blank
    applicant_type: str
    received: str
    request: str
    opening: str  # 收到申请 … 现答复如下
    answer: str  # the form's paragraph
    remedy: str  # 救济途径
    form: ReplyForm
    date: str
    basis: tuple[tuple[str, str], ...]  # (citation, text of the article) printed under the letter
    record: tuple[tuple[str, str], ...]  # 登记信息: (label, value)
    contact: tuple[tuple[str, str], ...]


def reply_form(app: Application) -> ReplyForm:
    """The §36/§37 form of the entry's reply; ReplyRefused when it has none."""
    key = app.reply or _BY_RESULT.get(app.result, "")
    if not key and app.result.startswith("withheld."):
        key = "withheld"
    if not key:
        names = "、".join(f"“{f.name}”" for f in FORMS.values())
        found = f"办理结果是“{RESULTS[app.result]}”，对应的答复形式不止一种" if app.result else "还没有办理结果"
        raise ReplyRefused(
            f"申请“{app.no}”没有写答复形式（{found}），无法生成答复书。"
            f"请在登记簿中这一件下加一行 reply: 答复形式（可写：{names}；条例第三十六条、第三十七条）"
        )
    return FORMS[key]


def _sentence(text: str) -> str:
    return text.strip().rstrip("。；;.") + "。"


def _answer(app: Application, form: ReplyForm) -> tuple[str, list[tuple[str, str]]]:
    """The form's paragraph and the articles it rests on (beyond the form's own)."""
    text = app.reply_text.strip()
    if form.needs and not text:
        raise ReplyRefused(
            f"申请“{app.no}”的答复形式是“{form.name}”（条例{form.item}），答复书要写明{form.needs}。"
            "请在登记簿中这一件下加一行 reply_text: …"
        )
    cite = f"{LAW}{form.item}"
    extra: list[tuple[str, str]] = []
    if form.key == "proactive":
        body = f"经审查，您申请公开的信息本机关已经主动公开。根据{cite}的规定，现告知您获取该政府信息的方式、途径：{_sentence(text)}"
    elif form.key == "disclosed":
        how = _sentence(text) if text else "现向您提供该政府信息（见附件）。"
        body = f"经审查，您申请公开的信息属于可以公开的政府信息。根据{cite}的规定，{how}"
    elif form.key == "partly":
        body = (
            "经审查，您申请公开的信息中含有不应当公开或者不属于政府信息的内容，但是能够作区分处理。"
            f"根据{cite}的规定，现向您提供可以公开的政府信息内容（见附件）；对不予公开的内容说明理由如下：{_sentence(text)}"
        )
    elif form.key == "withheld":
        group, _, sub = app.result.partition(".")
        ground = WITHHELD_GROUNDS.get(sub) if group == "withheld" else None
        if ground is None:
            raise ReplyRefused(
                f"申请“{app.no}”的答复形式是“不予公开”，但办理结果没有写明不予公开的依据。"
                "请把 result 写成具体情形，如 不予公开：保护第三方合法权益（条例第十四条、第十五条、第十六条）"
            )
        article = ground.split("（")[0]
        body = (
            f"经审查，本机关决定对您申请公开的信息不予公开。理由：{_sentence(text)}依据：{LAW}{article}、{form.item}。"
        )
        extra.append((f"{LAW}{ground}", ""))
    elif form.key == "not_exist":
        found = _sentence(text) if text else ""
        body = f"经检索，本机关没有您所申请公开的信息。{found}根据{cite}的规定，现告知您该政府信息不存在。"
    elif form.key == "not_ours":
        body = f"经审查，您申请公开的信息不属于本机关负责公开。{_sentence(text)}根据{cite}的规定，特此告知。"
    elif form.key == "repeated":
        earlier = f"（{text.rstrip('。')}）" if text else ""
        body = (
            f"本机关已就您提出的政府信息公开申请作出答复{earlier}，您本次申请公开的是相同的政府信息。"
            f"根据{cite}的规定，对您的重复申请不予重复处理。"
        )
    else:  # special_law
        body = (
            f"您申请公开的信息属于{text.rstrip('。')}，有关法律、行政法规对信息的获取有特别规定。"
            f"根据{cite}的规定，请您依照有关法律、行政法规的规定办理。"
        )
    return body, extra


def reply_letter(
    app: Application, config: SiteConfig, day: date, applicant: str = "", review_body: str = "", court: str = ""
) -> ReplyLetter:
    """The reply letter of ``app`` dated ``day``; ReplyRefused when the entry
    has no reply form or lacks what the form must say."""
    form = reply_form(app)
    if day < app.received:
        raise ReplyRefused(f"答复日期 {day.isoformat()} 早于收到申请的日期 {app.received.isoformat()}")
    answer, extra = _answer(app, form)
    opening = f"本机关于{cn_date(app.received)}收到您提出的政府信息公开申请"
    if app.corrected:
        opening += f"，并于{cn_date(app.corrected)}收到您补正后的申请"
    opening += f"，申请公开：“{app.request.strip()}”。"
    if app.third_party_asked:
        opening += (
            f"因涉及第三方合法权益，本机关已于{cn_date(app.third_party_asked)}书面征求第三方意见（条例第三十二条）。"
        )
    if app.extended:
        opening += f"本机关已于{cn_date(app.extended)}告知您延长答复期限（条例第三十三条第二款）。"
    opening += "现答复如下："
    remedy, remedy_basis = remedies(day, review_body, court)
    law = form.law_text.removeprefix("第三十七条　") if form.key == "partly" else f"{ARTICLE_36}……{form.law_text}"
    basis = [(f"{LAW}{form.item}", law), *extra]
    basis.append(("救济途径", "；".join(remedy_basis) + "。"))
    c = config.contact
    contact = [("联系电话", c.hotline), ("地址", c.address)]
    if c.office_hours:
        contact.append(("办公时间", c.office_hours))
    return ReplyLetter(
        title="政府信息公开申请答复书",
        organization=config.organization,
        no=app.no,
        applicant=applicant.strip(),
        applicant_type=dict(COLUMNS).get(app.applicant, app.applicant),
        received=cn_date(app.received),
        request=app.request.strip(),
        opening=opening,
        answer=answer,
        remedy=remedy,
        form=form,
        date=cn_date(day),
        basis=tuple(basis),
        record=(
            ("登记编号", app.no),
            ("申请人类型", dict(COLUMNS).get(app.applicant, app.applicant)),
            ("收到申请", cn_date(app.received)),
            ("答复形式", f"{form.name}（条例{form.item}）"),
            ("答复日期", cn_date(day)),
        ),
        contact=tuple(contact),
    )
