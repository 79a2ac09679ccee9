"""The preview server: rebuild on change, survive a broken file, reload pages."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from gongkai.commands.serve import DevServer, normalise_base_path

NOTICE = "---\ntitle: {title}\npublisher: town\ndate: 2015-01-05\ncategory: 工作动态\n---\n正文\n"


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


def wait_for(cond: Callable[[], bool], seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture(params=[False, True], ids=["native", "poll"])
def server(request: pytest.FixtureRequest, make_site) -> Iterator[DevServer]:
    site = make_site()
    s = DevServer(
        site,
        port=0,
        base_path="/county/town/",
        today=date(2015, 3, 1),
        poll=request.param,
        debounce=0.05,
        log=lambda m: None,
    )
    s.start()
    yield s
    s.stop()


def status(s: DevServer) -> dict:
    return json.loads(get(s.url.split("/county/")[0] + "/__gongkai/status"))


def test_base_paths() -> None:
    assert normalise_base_path("") == "/"
    assert normalise_base_path("gongkai") == "/gongkai/"
    assert normalise_base_path("/xxgk/qingshi") == "/xxgk/qingshi/"


def test_edit_is_served_and_broken_file_shows_errors(server: DevServer) -> None:
    page = server.url + "notices/hello/index.html"
    assert "测试镇政务公开网站开通" in get(page)
    assert "/__gongkai/live.js" in get(server.url)  # injected for live reload
    notice = server.root / "content" / "notices" / "hello.md"
    gen = status(server)["generation"]
    notice.write_text(NOTICE.format(title="改过的标题"), encoding="utf-8")
    wait_for(lambda: status(server)["generation"] > gen)
    assert "改过的标题" in get(page)

    gen = status(server)["generation"]
    notice.write_text("---\ntitle: 坏\npublisher: town\ndate: 2015-02-30\ncategory: 工作动态\n---\n", encoding="utf-8")
    wait_for(lambda: status(server)["generation"] > gen)
    st = status(server)
    assert st["ok"] is False
    assert any("content/notices/hello.md:4" in p and "GK104" in p for p in st["problems"])
    assert "改过的标题" in get(page)  # the last good site is still served

    gen = st["generation"]
    notice.write_text(NOTICE.format(title="修好了"), encoding="utf-8")
    wait_for(lambda: status(server)["generation"] > gen and status(server)["ok"])
    assert "修好了" in get(page)
    assert status(server)["problems"] == []


def test_a_rebuild_that_changes_nothing_keeps_the_site(server: DevServer) -> None:
    """An editor's swap file, or a file saved as it was, makes the server
    rebuild (its stamp changed) but not the site: the token the page
    reloads by stays, so the page is not reloaded for nothing."""
    notice = server.root / "content" / "notices" / "hello.md"
    first = status(server)
    assert first["ok"] and first["site"]
    for change in (
        lambda: (notice.parent / ".hello.md.swp").write_bytes(b"b0VIM 9.0"),
        lambda: notice.write_bytes(notice.read_bytes()),
    ):
        gen = status(server)["generation"]
        change()
        wait_for(lambda gen=gen: status(server)["generation"] > gen)
        assert status(server)["site"] == first["site"]
    gen = status(server)["generation"]
    notice.write_text(NOTICE.format(title="真的改了"), encoding="utf-8")
    wait_for(lambda: status(server)["generation"] > gen and "真的改了" in get(server.url + "notices/hello/index.html"))
    assert status(server)["site"] not in ("", first["site"])


def test_outside_the_base_path(server: DevServer) -> None:
    root = server.url.split("/county/")[0]
    with pytest.raises(urllib.error.HTTPError) as exc:
        get(root + "/other/index.html")
    assert exc.value.code == 404
    assert "测试镇" in get(root + "/")  # redirected to the base path


def test_browser_reloads_only_when_the_site_changed(make_site, chromium_page) -> None:
    site = make_site()
    notice = site / "content" / "notices" / "hello.md"
    s = DevServer(site, port=0, today=date(2015, 3, 1), debounce=0.05, log=lambda m: None)
    s.start()
    try:
        page = chromium_page
        page.goto(s.url + "notices/hello/index.html")
        page.wait_for_function("document.body !== null")
        page.evaluate("window.__stayed = true")
        gen = status(s)["generation"]
        (notice.parent / ".hello.md.swp").write_bytes(b"b0VIM 9.0")  # an editor's swap file: nothing to show
        wait_for(lambda: status(s)["generation"] > gen)
        page.wait_for_timeout(1000)  # the event reaches the page
        assert page.evaluate("window.__stayed === true")  # not reloaded
        notice.write_text(NOTICE.format(title="浏览器里看到的新标题"), encoding="utf-8")
        page.wait_for_selector("text=浏览器里看到的新标题", timeout=20000)  # reloaded by itself
        assert page.evaluate("window.__stayed === undefined")
    finally:
        s.stop()


def test_browser_reloads_after_a_fix(make_site, chromium_page) -> None:
    site = make_site()
    notice = site / "content" / "notices" / "hello.md"
    notice.write_text("---\ntitle: 坏\n---\n", encoding="utf-8")  # broken from the start
    s = DevServer(site, port=0, today=date(2015, 3, 1), debounce=0.05, log=lambda m: None)
    s.start()
    try:
        page = chromium_page
        page.goto(s.url)
        page.wait_for_selector("text=内容有错误")
        assert "GK102" in page.content()
        notice.write_text(NOTICE.format(title="浏览器里看到的标题"), encoding="utf-8")
        page.wait_for_selector("text=浏览器里看到的标题", timeout=20000)  # reloaded by itself
    finally:
        s.stop()


class _ScriptedWaits:
    """Stands in for the server's stop event in ``_settle``: each wait of
    ``debounce`` seconds "passes" at once, the editor's writes made during
    it given by ``writes`` (one bool per wait) and set on the dirty flag."""

    def __init__(self, server: DevServer, writes: list[bool]) -> None:
        self.server, self.writes, self.waits = server, writes, 0

    def wait(self, timeout: float) -> bool:
        assert timeout == self.server.debounce
        if self.waits < len(self.writes) and self.writes[self.waits]:
            self.server._dirty.set()
        self.waits += 1
        return False

    def is_set(self) -> bool:
        return False


@pytest.mark.parametrize(
    ("writes", "waits", "dirty_after"),
    [
        ([False], 1, False),  # one save: rebuilt one quiet window after it
        ([True, True, False], 3, False),  # a save in several writes: after the last of them
        ([True] * 1000, None, True),  # writes without end: rebuilt at the limit, and again after
    ],
)
def test_a_save_is_rebuilt_once_the_files_are_quiet(
    make_site, monkeypatch: pytest.MonkeyPatch, writes: list[bool], waits: int | None, dirty_after: bool
) -> None:
    import gongkai.commands.serve as serve

    s = DevServer(make_site(), port=0, today=date(2015, 3, 1), debounce=0.1, log=lambda m: None)
    try:
        clock = iter(range(10_000))  # each look a quiet window later: the limit is SETTLE_MAX / debounce looks
        monkeypatch.setattr(serve.time, "monotonic", lambda: next(clock) * s.debounce)
        scripted = _ScriptedWaits(s, writes)
        monkeypatch.setattr(s, "_stop", scripted)
        s._dirty.set()
        s._settle()
        assert scripted.waits == (waits if waits is not None else round(serve.SETTLE_MAX / s.debounce))
        assert s._dirty.is_set() is dirty_after
    finally:
        monkeypatch.undo()
        s.stop()
