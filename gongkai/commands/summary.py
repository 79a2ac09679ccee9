"""What ``gongkai build`` says when it is done: the summary lines a clerk
reads, or one JSON document (``--format json``) for CI dashboards and the
bench, with the time of every stage."""

from __future__ import annotations

import json
from collections.abc import Sequence

from gongkai.commands.progress import LABELS
from gongkai.core.errors import Problem
from gongkai.run.build import BuildResult

__all__ = ["build_json", "build_summary"]


def build_summary(result: BuildResult) -> list[str]:
    """The lines on standard output after a build."""
    lines = []
    if result.unchanged:
        lines.append(f"内容和模板都没有变化，网站无需重新生成：{result.out}")
    elif result.kept:  # an earlier build's unchanged files were left as they were
        lines.append(
            f"已更新 {len(result.made)} 个页面（网站共 {result.pages} 个页面、{result.files} 个文件，"
            f"{result.bytes / 1024 / 1024:.1f} MB；其余未变，保持原样），输出到 {result.out}"
        )
    else:
        lines.append(
            f"已生成 {result.pages} 个页面，共 {result.files} 个文件（{result.bytes / 1024 / 1024:.1f} MB），"
            f"输出到 {result.out}"
        )
    if result.registered:
        lines.append(
            f"已为 {len(result.registered)} 条新发布的信息编制索引号，记录在 content/index-numbers.yaml"
            "（请与内容一起保存；使用 git 的请一并提交）。"
        )
    return lines


def build_json(
    result: BuildResult | None, timings: Sequence[tuple[str, float]], problems: Sequence[Problem] = ()
) -> str:
    """``result`` None: the build failed on ``problems``."""
    doc: dict[str, object] = {"ok": result is not None}
    if result is not None:
        doc |= {
            "out": str(result.out),
            "unchanged": result.unchanged,
            "pages": result.pages,
            "files": result.files,
            "bytes": result.bytes,
            "rendered": len(result.made),
            "kept": result.kept,
            "registered": list(result.registered),
            "warnings": [p.as_dict() for p in sorted(result.warnings, key=Problem.sort_key)],
        }
    else:
        doc["problems"] = [p.as_dict() for p in sorted(problems, key=Problem.sort_key)]
    doc["stages"] = [
        {"stage": stage, "label": LABELS.get(stage, (stage, ""))[0], "seconds": round(seconds, 4)}
        for stage, seconds in timings
    ]
    doc["seconds"] = round(sum(s for _, s in timings), 4)
    return json.dumps(doc, ensure_ascii=False, indent=2)
