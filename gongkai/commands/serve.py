"""``gongkai serve``: build, serve on 127.0.0.1, rebuild on change, reload pages.

Only this machine's browser is answered (serve_http.py: the Host header,
a bounded worker pool, timeouts), drafts only with ``--drafts``, and the
private folder the site is built into is removed when the server stops
(Ctrl+C or SIGTERM: the command turns both into the same stop).

There is no second build path: every rebuild calls :func:`gongkai.run.build.build`
into a private folder.  A broken file never stops the server: the last good
site stays served and every page shows the problem list as an overlay until
the file is fixed, then reloads by itself (server-sent events; no extra
dependency).  Changes are seen through watchdog's native observer, or by
polling for network drives and WSL where native events are missed.
"""

from __future__ import annotations

import http.server
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from gongkai.commands.serve_http import HardenedServer, allowed_host
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import ContentError, GongkaiError, OutputError, Problem
from gongkai.emit.render import MemoryBytecodeCache
from gongkai.run.build import BuildResult, build
from gongkai.run.engine.memo import ServerMemo
from gongkai.run.engine.pools import fixed_mmap_threshold, give_back
from gongkai.run.engine.store import BuildCache

__all__ = ["DevServer", "normalise_base_path"]

LIVE_PREFIX = "/__gongkai/"
SETTLE_MAX = 2.0  # seconds a stream of changes (a git checkout, a copied folder) may hold back a rebuild
LIVE_JS = """(function () {
  var root = document.createElement("div");
  root.id = "gk-dev-overlay";
  root.setAttribute("role", "alert");
  root.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:99999;" +
    "background:#fff3f3;color:#1a1a1a;border-top:4px solid #b00020;padding:12px 16px;font:16px/1.6 sans-serif;display:none";
  function show(state) {
    if (!state.problems.length) { root.style.display = "none"; return; }
    root.innerHTML = "";
    var h = document.createElement("strong");
    h.textContent = state.ok ? "预览提示：" : "内容有错误，下面显示的是上一次成功生成的网站。改正后页面会自动刷新。";
    root.appendChild(h);
    var ul = document.createElement("ul");
    state.problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p;
      li.style.whiteSpace = "pre-wrap";
      ul.appendChild(li);
    });
    root.appendChild(ul);
    root.style.display = "block";
  }
  function status() {
    fetch("/__gongkai/status").then(function (r) { return r.json(); }).then(show).catch(function () {});
  }
  document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(root); status(); });
  var site = null;
  function connect() {
    var es = new EventSource("/__gongkai/events");
    es.onmessage = function (e) {
      var state = JSON.parse(e.data);
      // reloaded only when the site it shows was made again differently: not for a rebuild that
      // changed nothing (an editor's swap or lock file, a file saved as it was)
      if (site !== null && state.site !== site && state.ok) { location.reload(); return; }
      site = state.site;
      show(state);
    };
    es.onerror = function () { es.close(); setTimeout(connect, 1000); };
  }
  connect();
})();
"""


def normalise_base_path(base: str) -> str:
    """``gongkai/`` or ``/gongkai`` → ``/gongkai/``; empty → ``/``."""
    parts = [p for p in base.strip().split("/") if p]
    return "/" + "".join(p + "/" for p in parts)


@dataclass
class _State:
    generation: int = 0  # rebuilds finished
    ok: bool = False
    built_once: bool = False
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    site: str = ""  # the token of the site served (the last good build's tree: manifest.tree_token)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def as_json(self) -> str:
        return json.dumps(
            {
                "generation": self.generation,
                "ok": self.ok,
                "problems": self.problems,
                "seconds": round(self.seconds, 3),
                "site": self.site,
            },
            ensure_ascii=False,
        )


class DevServer:
    """A preview server for one site.  ``start()`` returns at once; ``stop()``
    shuts everything down.  ``today`` is fixed for the server's life unless
    None (then the clock is read at every rebuild)."""

    def __init__(
        self,
        site: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        base_path: str = "/",
        today: date | None = None,
        drafts: bool = False,
        poll: bool = False,
        debounce: float = 0.1,
        log: Callable[[str], None] = print,
    ) -> None:
        from gongkai.read.load import find_site_root

        self.root = find_site_root(site)
        self.base = normalise_base_path(base_path)
        self.today = today
        self.drafts = drafts
        self.poll = poll
        self.debounce = debounce
        self.log = log
        self.state = _State()
        # Validated records and the output manifest stay in memory between
        # rebuilds: an edit re-reads and re-makes only what it touches.
        self.cache = BuildCache(self.root, manifests_on_disk=False)
        fixed_mmap_threshold()  # this process builds again and again
        self.cache.templates = MemoryBytecodeCache()
        self.cache.file_digests = {}
        self.cache.server_memo = ServerMemo()  # page keys, withdrawn records, summaries (run/engine/memo.py)
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._observer: Any = None
        self.host = host
        self._httpd = HardenedServer((host, port), self._handler())
        # made only once the port is ours: nothing is left behind when it is taken
        self._tmp = Path(tempfile.mkdtemp(prefix="gongkai-serve-"))
        self.out = self._tmp / "site"
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = str(self._httpd.server_address[0]), self._httpd.server_address[1]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}{self.base}"

    # --- building -----------------------------------------------------------------

    def rebuild(self) -> None:
        started = time.perf_counter()
        found: list[Problem] = []
        result, other = None, ""
        try:
            try:
                result = self._build()
            except OutputError:
                # The private output is trusted as the server left it: a file deleted there by hand (or a
                # disk error) must not fail every later rebuild. Forget it and make every file once.
                self.cache.forget_manifest(self.out)
                result = self._build()
            ok, found = True, list(result.warnings)
        except ContentError as exc:
            ok, found = False, list(exc.problems)
        except GongkaiError as exc:
            ok, other = False, str(exc)
        except Exception as exc:  # a bug must not kill the preview either
            ok, other = False, f"内部错误：{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        found.sort(key=Problem.sort_key)
        problems = [p.format() for p in found] if ok or found or not other else [other]
        with self.state.changed:
            self.state.generation += 1
            self.state.ok = ok
            self.state.built_once = self.state.built_once or ok
            self.state.problems = problems
            self.state.seconds = seconds
            if ok and result is not None:
                self.state.site = result.token or f"build-{self.state.generation}"
            self.state.changed.notify_all()
        for line in rebuild_lines(result, found, problems, seconds):
            self.log(line)
        # Return to the system what the rebuild freed: glibc keeps the freed blocks of a thread's heap
        # (a rebuild's pages, its plan), so a server that rebuilt a 10,000-record site would hold the
        # peak of every rebuild for good.
        give_back()

    def _build(self) -> BuildResult:
        return build(self.root, self.today or date.today(), out=self.out, drafts=self.drafts, cache=self.cache)

    def _watch_loop(self) -> None:
        while not self._stop.is_set():
            if not self._dirty.wait(timeout=0.5):
                continue
            self._settle()
            if not self._stop.is_set():
                self.rebuild()

    def _settle(self) -> None:
        """Wait until the files have been quiet for ``debounce`` seconds (an
        editor's save is a few writes in a row), at most SETTLE_MAX: a save
        is rebuilt ``debounce`` after its last write, not a fixed time after
        its first.  A change that comes after this returns (or while waiting
        at the limit) leaves ``_dirty`` set: the loop rebuilds again."""
        deadline = time.monotonic() + SETTLE_MAX
        while True:
            self._dirty.clear()
            if self._stop.wait(self.debounce) or not self._dirty.is_set() or time.monotonic() >= deadline:
                return

    def _start_observer(self) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        server = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                path = str(event.src_path)
                if event.event_type in ("opened", "closed_no_write") or "/.git/" in path:
                    return
                server._dirty.set()

        def start(cls: Any) -> Any:
            observer = cls(timeout=0.5) if cls is PollingObserver else cls()
            for folder in (self.root / "content", self.root / "themes"):
                if folder.is_dir():
                    observer.schedule(Handler(), str(folder), recursive=True)
            observer.start()
            return observer

        if self.poll:
            self._observer = start(PollingObserver)
            return
        try:
            self._observer = start(Observer)
        except OSError:  # no inotify watches left, a network drive …
            self.log("文件监视不可用，改为定时检查（--poll）")
            self._observer = start(PollingObserver)

    # --- serving -------------------------------------------------------------------

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(server.out), **kwargs)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def list_directory(self, path: Any) -> None:  # never a listing of the private folder
                self.send_error(404)
                return None

            def _host_ok(self) -> bool:
                """Refuse a Host that is not this machine (DNS rebinding)."""
                bound, port = server._httpd.server_address[:2]
                if allowed_host(self.headers.get("Host"), (server.host, str(bound)), port):
                    return True
                self._send(
                    421, "<p>预览只接受本机地址（127.0.0.1 或 localhost）的访问。</p>", "text/html; charset=utf-8"
                )
                return False

            def do_HEAD(self) -> None:
                if self._host_ok():
                    super().do_HEAD()

            def do_GET(self) -> None:
                if not self._host_ok():
                    return None
                path = urlsplit(self.path).path
                if path.startswith(LIVE_PREFIX):
                    return self._live(path[len(LIVE_PREFIX) :])
                if not path.startswith(server.base):
                    if path in ("/", server.base.rstrip("/")):
                        self.send_response(302)
                        self.send_header("Location", server.base)
                        self.end_headers()
                        return None
                    msg = f"<p>不在预览路径下，请打开 <a href='{server.base}'>{server.base}</a></p>"
                    return self._send(404, msg, "text/html; charset=utf-8")
                if not server.state.built_once:
                    return self._send(200, _error_page(server.state), "text/html; charset=utf-8")
                rel = unquote(path[len(server.base) :])
                target = (server.out / rel).resolve()
                if not target.is_relative_to(server.out.resolve()):
                    self.send_error(403)
                    return None
                if target.is_dir():
                    if not path.endswith("/"):
                        self.send_response(301)
                        self.send_header("Location", path + "/")
                        self.end_headers()
                        return None
                    target = target / "index.html"
                if target.suffix == ".html" and target.is_file():
                    html = target.read_bytes()
                    inject = f'<script src="{LIVE_PREFIX}live.js"></script>'.encode()
                    html = html.replace(b"</body>", inject + b"</body>", 1)
                    return self._send(200, html, "text/html; charset=utf-8")
                self.path = "/" + rel
                return super().do_GET()

            def _send(self, code: int, body: bytes | str, ctype: str) -> None:
                data = body.encode("utf-8") if isinstance(body, str) else body
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def _live(self, what: str) -> None:
                if what == "live.js":
                    return self._send(200, LIVE_JS, "text/javascript; charset=utf-8")
                if what == "status":
                    return self._send(200, server.state.as_json(), "application/json; charset=utf-8")
                if what != "events":
                    self.send_error(404)
                    return None
                if not server._httpd.streams.acquire(blocking=False):  # pages first: the page retries
                    self.send_error(503)
                    return None
                try:
                    self._events()
                finally:
                    server._httpd.streams.release()
                return None

            def _events(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                seen = -1
                try:
                    while not server._stop.is_set():
                        with server.state.changed:
                            if server.state.generation == seen:
                                server.state.changed.wait(timeout=15)
                            payload = server.state.as_json()
                            seen = server.state.generation
                        self.wfile.write(f"data: {payload}\n\n".encode())
                        self.wfile.flush()
                except OSError:  # gone, or too slow to read (timed out)
                    pass

        return Handler

    # --- life cycle ----------------------------------------------------------------

    def start(self) -> None:
        self.rebuild()
        self._start_observer()
        for target in (self._watch_loop, self._httpd.serve_forever):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        with self.state.changed:
            self.state.changed.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        self._httpd.shutdown()
        self._httpd.server_close()
        for t in self._threads:  # a rebuild under way ends before its folder goes
            t.join(timeout=30)
        shutil.rmtree(self._tmp, ignore_errors=True)
        from gongkai.run.engine.search import SearchKeeper

        SearchKeeper(
            self.cache.folder, self.out, transient=True
        ).forget()  # its index's state, kept in the site's cache


MAX_LOGGED = 200  # problems printed in the terminal, as gongkai check does


def rebuild_lines(result: BuildResult | None, found: list[Problem], problems: list[str], seconds: float) -> list[str]:
    """What the terminal shows after a rebuild: on failure the problem list
    as ``gongkai check`` prints it (file:line, code, message), then one line;
    on success the warnings, then one line with the rebuild's time."""
    lines = problems[:MAX_LOGGED]
    if len(problems) > MAX_LOGGED:
        lines.append(f"……另有 {len(problems) - MAX_LOGGED} 处问题未列出；先改正上面这些再检查。")
    warned = sum(1 for p in found if not p.is_error)
    if result is None:
        errors = sum(1 for p in found if p.is_error) or 1
        return [*lines, f"生成失败：{errors} 处错误、{warned} 条警告，仍显示上一次的网站（用时 {seconds:.2f} 秒）"]
    done = (
        "内容没有变化"
        if result.unchanged
        else f"更新 {len(result.made)} 个页面（共 {result.pages} 个页面、{result.files} 个文件）"
    )
    note = f"，{warned} 条警告" if warned else ""
    return [*lines, f"已重新生成：{done}{note}，用时 {seconds:.2f} 秒"]


def _error_page(state: _State) -> str:
    import html

    items = "".join(f"<li><pre>{html.escape(p)}</pre></li>" for p in state.problems)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>内容有错误</title>'
        f'<script src="{LIVE_PREFIX}live.js"></script></head>'
        '<body style="font:18px/1.6 sans-serif;margin:2rem"><h1>内容有错误，网站还未生成</h1>'
        f"<p>请按下面的提示修改，保存后本页会自动刷新。</p><ol>{items}</ol></body></html>"
    )
