"""Shared fixtures: fixture sites on disk and one demo build per session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from gongkai import build

# Build caches of the test sites go to a folder of this test run, not the
# user's cache directory (inherited by the CLI processes the tests start).
# Each process of the run (the xdist controller and every worker) makes its
# own and removes it when its session ends: a worker is ended by os._exit,
# which runs no atexit handler (the handler is for a run that stops early).
TEST_CACHE = tempfile.mkdtemp(prefix="gongkai-test-cache-")
os.environ["GONGKAI_CACHE_DIR"] = TEST_CACHE
atexit.register(shutil.rmtree, TEST_CACHE, True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(TEST_CACHE, ignore_errors=True)


REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
MINIMAL = SITES / "minimal"
# The demo township as of a day when the farm-subsidy roster is on notice.
DEMO_TODAY = date(2015, 5, 14)


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """make_site({"notices/x.md": "..."}) → a copy of the minimal site with
    these files added (paths relative to content/; bytes written as is)."""

    def make(files: dict[str, str | bytes] | None = None, base: Path = MINIMAL) -> Path:
        root = tmp_path / "site"
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(base, root, ignore=shutil.ignore_patterns("build", ".build*"))
        for rel, text in (files or {}).items():
            p = root / "content" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                p.write_bytes(text)
            else:
                p.write_text(text, encoding="utf-8")
        return root

    return make


def keep_names(root: Path) -> Path:
    """``root``'s site.yaml keeps rosters' names on the site for ten years
    after their 公示期 (plan/names.py), for tests of the rows themselves."""
    site_yaml = root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "\nnames_grace_days: 3650\n", encoding="utf-8")
    return root


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A copy of the demo's content of this test's own, to edit and build."""
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    return root


@pytest.fixture(scope="session")
def demo_with_names(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo whose rosters keep their names on the site."""
    root = tmp_path_factory.mktemp("demo-names")
    shutil.copytree(REPO / "content", root / "content")
    return keep_names(root)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo township built once for the whole session (read-only)."""
    out = tmp_path_factory.mktemp("demo") / "build"
    build(REPO, DEMO_TODAY, out=out)
    return out


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium driven by Playwright.  Skipped on a developer
    machine without it; in CI (CI=true) a missing browser is a failure."""
    import os

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs /usr/bin/chromium (apt-get install chromium)")
        pytest.skip("headless Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def chromium_page(chromium):
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()
