"""What the county commands print, in Chinese: lines of text, no I/O."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from gongkai.commands.county.merge import MergeResult
from gongkai.commands.county.run import CountyCheck

__all__ = ["check_json", "check_lines", "merge_lines", "table", "township_lines"]


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A plain table that lines up in a terminal (CJK characters are two columns)."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def township_lines(index: dict[str, Any]) -> list[str]:
    name = index["name"]
    if index["status"] == "ok":
        site = index["site"]
        return [f"{name}：已生成，{site['records']} 条信息，{index['warnings']} 条警告。"]
    out = [f"{name}：生成失败——{index['reason']}"]
    out += [f"    {line}" for line in index["problems"]]
    out.append(
        f"    保留 {index['site']['built']} 生成的网站。"
        if index["site"]
        else "    此前没有生成成功过，县门户上暂无该乡镇网站。"
    )
    return out


def merge_lines(result: MergeResult) -> list[str]:
    ok = sum(1 for t in result.townships if t.state == "ok")
    out = [f"已生成县门户页面（{ok}/{len(result.townships)} 个乡镇为最新），输出到 {result.out}"]
    for t in result.townships:
        if t.state == "stale":
            out.append(f"  {t.name} 未更新：{t.reason}（显示 {t.site['built'] if t.site else ''} 的版本）")
        elif t.state == "missing":
            out.append(f"  {t.name} 暂无网站：{t.reason}")
    return out


def _summary_rows(result: CountyCheck) -> list[list[str]]:
    return [
        [
            f"{r.name}（{r.slug}）",
            "—" if r.records is None else str(r.records),
            str(r.warnings),
            str(r.errors),
            r.last_build or "—",
            str(r.overdue),
        ]
        for r in result.summary
    ]


def check_lines(result: CountyCheck) -> list[str]:
    names = {c.slug: c.name for c in result.checks}
    out = []
    for slug, p in result.problems():
        first, *rest = p.format().splitlines()
        out.append(f"[{names[slug]}] {first}")
        out.extend(rest)
    if out:
        out.append("")
    out += table(["乡镇", "记录", "警告", "错误", "最近生成", "逾期公开"], _summary_rows(result))
    bad = [r.name for r in result.summary if r.errors]
    out.append("")
    out.append(
        f"{len(bad)} 个乡镇有错误：{'、'.join(bad)}。" if bad else f"检查通过：{len(result.summary)} 个乡镇都没有错误。"
    )
    return out


def check_json(result: CountyCheck) -> str:
    doc = {
        "townships": [r.as_dict() for r in result.summary],
        "problems": [{"township": slug, **p.as_dict()} for slug, p in result.problems()],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)
