"""Every HTML file of the built demo passes the W3C Nu HTML Checker (vnu.jar,
the checker behind validator.w3.org/nu): no error and no warning.  One JVM
run over all files of two builds (records on notice; everything published)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from theme_tools import ALL, NOW, vnu_command

from gongkai import build


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    www = tmp_path_factory.mktemp("vnu")
    build(REPO, NOW, out=www / "now")
    build(REPO, ALL, out=www / "all")
    return [www / "now", www / "all"]


def vnu(files: list[Path]) -> list[dict]:
    """vnu's messages (JSON format) about ``files``."""
    proc = subprocess.run(
        [*vnu_command(), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(proc.stdout or proc.stderr)["messages"]


def test_the_checker_runs_and_finds_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="zh-CN"><title>x</title><p id=a id=a><div></span>', encoding="utf-8")
    assert any(m["type"] == "error" for m in vnu([bad]))


def test_every_page_of_the_demo_is_valid_html(builds: list[Path]) -> None:
    files = sorted(p for out in builds for p in out.rglob("*.html"))
    assert len(files) > 100
    found = [
        f"{m['url'].split('/vnu', 1)[-1]}:{m.get('lastLine', '')}: {m['type']}/{m.get('subType', '')} {m['message']}"
        for m in vnu(files)
    ]
    assert found == [], "\n".join(found[:40])
