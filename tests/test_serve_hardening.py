"""The preview server against a hostile web page and slow clients: bound to
127.0.0.1, Host checked (DNS rebinding), no directory listings, a bounded
pool with timeouts, its private folder gone after SIGTERM and SIGINT,
drafts only when asked for."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO

from gongkai.commands.cli import main as cli_main
from gongkai.commands.serve import DevServer
from gongkai.commands.serve_http import WORKERS, allowed_host

DRAFT = "---\ntitle: 还没定的草稿\npublisher: town\ndate: 2015-01-06\ncategory: 工作动态\ndraft: true\n---\n草稿正文\n"
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def server(make_site) -> Iterator[DevServer]:
    s = DevServer(make_site({"notices/draft.md": DRAFT}), port=0, today=date(2015, 3, 1), log=lambda m: None)
    s.start()
    yield s
    s.stop()


def request(s: DevServer, path: str, host: str | None) -> tuple[int, bytes]:
    """A GET with exactly this Host header (None: none at all)."""
    port = s._httpd.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        head = (
            f"GET {path} HTTP/1.1\r\n" + (f"Host: {host}\r\n" if host is not None else "") + "Connection: close\r\n\r\n"
        )
        c.sendall(head.encode())
        data = b""
        while chunk := c.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def test_binds_127_0_0_1_by_default(make_site) -> None:
    s = DevServer(make_site(), port=0, today=date(2015, 3, 1), log=lambda m: None)
    try:
        assert s._httpd.server_address[0] == "127.0.0.1"
    finally:
        s.stop()
    (option,) = [p for p in cli_main.commands["serve"].params if p.name == "host"]
    assert option.default == "127.0.0.1"


def test_a_foreign_host_header_is_refused(server: DevServer) -> None:
    port = server._httpd.server_address[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "localhost", f"LOCALHOST:{port}"):
        status, body = request(server, "/", host)
        assert status == 200 and "测试镇" in body.decode("utf-8"), host
    # a page of evil.example whose name now points at 127.0.0.1 (DNS rebinding)
    for host in (
        f"evil.example:{port}",
        "evil.example",
        f"localhost.evil.example:{port}",
        f"localhost:{port + 1}",
        None,
    ):
        for path in ("/", "/__gongkai/status", "/notices/hello/index.html"):
            status, body = request(server, path, host)
            assert status == 421 and "测试镇" not in body.decode("utf-8") and b"problems" not in body, (host, path)


def test_allowed_host_parses_ports_and_brackets() -> None:
    assert allowed_host("192.168.1.5:8000", ("192.168.1.5",), 8000)
    assert not allowed_host("192.168.1.5:8000", ("127.0.0.1",), 8000)
    assert not allowed_host("[::1]x:8000", (), 8000)
    assert not allowed_host("", ("127.0.0.1",), 8000)


def test_no_directory_listings(server: DevServer) -> None:
    static = server.out / "static"
    assert static.is_dir() and not (static / "index.html").exists()
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(server.url + "static/", timeout=10)
    assert exc.value.code == 404
    assert "Directory listing" not in exc.value.read().decode("utf-8", "replace")
    some = next(p for p in static.rglob("*") if p.is_file())
    with urllib.request.urlopen(server.url + some.relative_to(server.out).as_posix(), timeout=10) as r:
        assert r.status == 200  # files are still served


def test_idle_and_slow_clients_cannot_hang_it(server: DevServer) -> None:
    server._httpd.idle, server._httpd.request_timeout = 2.0, 2.0
    port = server._httpd.server_address[1]
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(500)]
    # slow clients: a request begun and never finished, more than there are workers
    slow = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(WORKERS + 4)]
    for c in slow:
        c.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
    try:
        time.sleep(0.5)
        assert threading.active_count() <= before + WORKERS  # not a thread per socket
        started = time.monotonic()
        with urllib.request.urlopen(server.url, timeout=30) as r:  # served despite them all
            assert r.status == 200
        assert time.monotonic() - started < 10
        time.sleep(3)
        for c in idle[-50:] + slow:  # each closed by the server (timed out)
            c.settimeout(10)
            try:
                assert c.recv(1024) == b""
            except ConnectionResetError:
                pass
    finally:
        for c in idle + slow:
            c.close()
    assert threading.active_count() <= before + WORKERS


def test_live_streams_take_at_most_half_the_workers(server: DevServer) -> None:
    port = server._httpd.server_address[1]
    streams = []
    for _ in range(WORKERS):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/__gongkai/events", headers={"Host": "localhost"})
        streams.append(c)
    try:
        codes = sorted(c.getresponse().status for c in streams)
        assert codes.count(200) == WORKERS // 2 and codes.count(503) == WORKERS - WORKERS // 2
        with urllib.request.urlopen(server.url, timeout=10) as r:
            assert r.status == 200
    finally:
        for c in streams:
            c.close()


def test_drafts_only_with_drafts(server: DevServer, make_site) -> None:
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(server.url + "notices/draft/index.html", timeout=10)
    assert exc.value.code == 404
    assert "还没定的草稿" not in urllib.request.urlopen(server.url, timeout=10).read().decode("utf-8")
    s = DevServer(server.root, port=0, today=date(2015, 3, 1), drafts=True, log=lambda m: None)
    s.start()
    try:
        assert "草稿正文" in urllib.request.urlopen(s.url + "notices/draft/index.html", timeout=10).read().decode()
    finally:
        s.stop()
    options = {o for p in cli_main.commands["serve"].params for o in getattr(p, "opts", ())}
    assert "--drafts" in options and "--no-drafts" not in options


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_private_folder_removed_on_signal(make_site, tmp_path: Path, sig: signal.Signals) -> None:
    site = make_site({"notices/draft.md": DRAFT})
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gongkai", "serve", str(site), "--port", "0", "--drafts", "--today", "2015-03-01"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**ENV, "TMPDIR": str(tmp)},
        text=True,
        encoding="utf-8",
    )
    try:
        assert proc.stdout is not None
        url = ""
        for line in proc.stdout:
            if line.startswith("预览地址："):
                url = re.split(r"[：　]", line)[1]
                break
        assert url, "the server did not start"
        (folder,) = tmp.glob("gongkai-serve-*")
        assert any(folder.rglob("draft/index.html"))  # drafts built into it
        with urllib.request.urlopen(url + "notices/draft/index.html", timeout=10) as r:
            assert r.status == 200
        proc.send_signal(sig)
        rest = proc.communicate(timeout=60)[0]
        assert proc.returncode == 0, rest
        assert "已停止预览" in rest and "Traceback" not in rest
        assert not folder.exists() and list(tmp.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_status_over_an_allowed_host_still_works(server: DevServer) -> None:
    status, body = request(server, "/__gongkai/status", f"127.0.0.1:{server._httpd.server_address[1]}")
    assert status == 200 and json.loads(body)["ok"] is True


HOSTILE_HEAD = "---\ntitle: 通知\npublisher: town\ndate: 2015-01-05\ncategory: 工作动态\n---\n"
HOSTILE = {
    # Python-Markdown took 16 s on 8 KB of '[' and did not finish 1 MB of '[', '*a' or '<a' in 400 s:
    # the server hung with it (#13)
    "brackets.md": HOSTILE_HEAD + "[" * 1_000_000,
    "emphasis.md": HOSTILE_HEAD + "*a" * 500_000,
    "tags.md": HOSTILE_HEAD + "<a" * 500_000,
    # number soup: digits in every spacing (the detectors read long chains slowly)
    "soup.md": HOSTILE_HEAD + ("1234 5678-90.12 " * 250_000),
    "nested.yaml": "title: 嵌套\nx:\n"
    + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(2_000))
    + "  " * 2_001
    + "1\n",
}


def test_hostile_files_never_hang_the_server(server: DevServer) -> None:
    """Each hostile file (at most 1 MB here) makes the next rebuild fail with
    a Chinese problem, quickly; the last good site is served all along and
    the server answers; removing the file brings it back."""

    def status() -> dict:
        with urllib.request.urlopen(server.url + "__gongkai/status", timeout=10) as r:
            return json.loads(r.read())

    def wait(cond, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
        end = time.monotonic() + seconds  # a hang detector, not a timing: the rebuild takes a second or two
        while time.monotonic() < end:
            if cond():
                return
            time.sleep(0.05)
        raise AssertionError("the server did not finish the rebuild")

    page = server.url + "notices/hello/index.html"
    folder = server.root / "content" / "notices"
    for name, text in HOSTILE.items():
        gen = status()["generation"]
        (folder / name).write_text(text, encoding="utf-8")
        wait(lambda gen=gen: status()["generation"] > gen)
        st = status()
        assert st["ok"] is False, name
        assert any(f"content/notices/{name}" in p and re.search(r"GK\d{3}", p) for p in st["problems"]), (name, st)
        with urllib.request.urlopen(page, timeout=10) as r:
            assert "测试镇政务公开网站开通" in r.read().decode("utf-8")
        gen = st["generation"]
        (folder / name).unlink()
        wait(lambda gen=gen: status()["generation"] > gen and status()["ok"])
