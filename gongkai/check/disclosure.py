"""The disclosure class of a record under the 2019 条例: 主动公开 (§19-§20),
依申请公开 (§27: neither proactive nor withheld) and 不予公开 (§14 国家秘密等,
§15 第三方合法权益 with its consent / public-interest proviso, §16 内部事务、
过程性、执法案卷信息).  Pure: values in, problems out."""

from __future__ import annotations

from typing import Any

from gongkai.core.schema.kinds import Ctx
from gongkai.core.schema.types import GROUNDS

__all__ = ["check_disclosure"]

_CN = {"14": "十四", "15": "十五", "16": "十六"}


def check_disclosure(values: dict[str, Any], ctx: Ctx) -> None:
    """Report to ``ctx`` a disclosure class that contradicts its grounds."""
    disclosure = values.get("disclosure", "proactive")
    withheld = values.get("withheld")
    loc = ctx.locs.get("withheld") or ctx.locs.get("disclosure") or ctx.locs[""]
    if disclosure == "withheld" and not withheld:
        ctx.error(
            ctx.locs.get("disclosure", loc),
            "GK111",
            "不予公开的信息必须写明条例依据和理由",
            "withheld",
            disclosure,
            "withheld: {article: 15, ground: privacy, reason: 涉及个人隐私，公开会损害第三方合法权益}",
        )
        return
    if disclosure == "on_request" and withheld:
        art = withheld.get("article", "")
        ctx.error(
            loc,
            "GK114",
            f"依申请公开的信息不能引用条例第{_CN.get(art, art)}条：第十四、十五、十六条规定的是“不予公开”，"
            "属于这些情形的信息即使有人申请也不提供；“依申请公开”是既不主动公开、也不属于不予公开情形、"
            "按申请提供的信息（条例第二十七条）",
            "withheld",
            art,
            "属于不予公开情形的，写 disclosure: withheld；可以依申请提供的，删除 withheld:",
        )
        return
    if disclosure == "proactive" and withheld:
        ctx.error(
            loc,
            "GK111",
            "主动公开的信息不需要写不予公开依据",
            "withheld",
            hint="删除 withheld:，或写 disclosure: withheld",
        )
        return
    if not withheld:
        return
    art, ground = withheld["article"], withheld["ground"]
    if GROUNDS[ground][0] != art:
        ctx.error(
            loc,
            "GK114",
            f"“{GROUNDS[ground][1]}”是条例第{_CN[GROUNDS[ground][0]]}条的情形，不是第{_CN[art]}条的",
            "withheld.ground",
            ground,
            "、".join(f"{k}（{v}）" for k, (a, v) in GROUNDS.items() if a == art),
        )
    if art != "15":
        for key in ("consent", "public_interest"):
            if key in withheld:
                ctx.error(
                    loc,
                    "GK114",
                    "第三方意见和公共利益衡量只适用于条例第十五条",
                    f"withheld.{key}",
                    withheld[key],
                    f"删除 withheld.{key}",
                )
        return
    if withheld.get("consent") == "agreed":
        ctx.error(
            loc,
            "GK114",
            "第三方同意公开的，应当予以公开（条例第十五条）",
            "withheld.consent",
            "agreed",
            "改为 disclosure: proactive，或按第三十七条作区分处理后公开",
        )
    if withheld.get("public_interest") == "significant":
        ctx.error(
            loc,
            "GK114",
            "行政机关认为不公开会对公共利益造成重大影响的，应当予以公开（条例第十五条）",
            "withheld.public_interest",
            "significant",
            "改为 disclosure: proactive",
        )
