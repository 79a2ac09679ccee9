"""A decision's page lists every published stage of its chain, whichever
stage the page is: the result's page once showed only the consultation and
said the decision was "尚未公布" (the walk down the chain stopped at the
stages the walk up had passed)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from gongkai import build

REPO = Path(__file__).resolve().parent.parent
STAGES = ("jimao-shichang-zhengqiu", "jimao-shichang-jueding", "jimao-shichang-jieguo")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chain")
    shutil.copytree(REPO / "content", root / "content")
    build(root, date(2016, 2, 1), out=root / "build")  # all three stages of the demo's 集贸市场 decision are out
    return root / "build"


def _timeline(out: Path, rid: str) -> str:
    html = (out / "decisions" / rid / "index.html").read_text(encoding="utf-8")
    m = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)
    assert m, f"{rid}: no timeline"
    return m.group(1)


@pytest.mark.parametrize("rid", STAGES)
def test_every_stage_page_shows_the_whole_chain(built: Path, rid: str) -> None:
    timeline = _timeline(built, rid)
    labels = re.findall(r'<span class="stage-label">([^<]+)</span>', timeline)
    assert labels == ["征求意见", "作出决策", "执行结果"], labels
    assert "尚未公布" not in timeline
    assert timeline.count("（本页）") == 1
