"""The last gate: every file a build publishes is scanned for unmasked ID,
bank card and phone numbers before the new site is swapped in."""

from __future__ import annotations

from gongkai.core.errors import Loc, Problem
from gongkai.core.privacy import find_pii

__all__ = ["TEXT_SUFFIXES", "leak_gate"]

# Files the last gate reads as text.  Images and PDFs are attachments a clerk
# chose to publish; their text cannot be read reliably, so they are not scanned.
TEXT_SUFFIXES = (".html", ".htm", ".json", ".csv", ".xml", ".js", ".txt", ".md", ".css", ".svg", ".yaml", ".yml")


def leak_gate(rel: str, data: bytes) -> list[Problem]:
    """The last gate: an unmasked ID or bank card number in any output file
    stops the build before the new site is swapped in."""
    if not rel.lower().endswith(TEXT_SUFFIXES):
        return []
    text = data.decode("utf-8", errors="replace")
    return [
        Problem(
            Loc(f"build/{rel}", text.count("\n", 0, f.start) + 1),
            "GK404",
            f"生成的文件中出现了未遮蔽的{f.label}，已停止发布",
            value=f.display(),
            hint="检查对应记录和主题模板，去掉或遮蔽该号码；原来的网站保持不变",
        )
        for f in find_pii(text, phones=False)
    ]
