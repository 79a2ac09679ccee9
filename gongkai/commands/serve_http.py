"""The preview server's HTTP side, hardened: what a web page in the clerk's
browser (DNS rebinding) or a slow or hostile client can do to it.

- Only requests whose ``Host`` names this machine are answered
  (``localhost``, ``127.0.0.1``, ``[::1]``, or the address it is bound to, on
  its port): a page on another site whose name was re-pointed at 127.0.0.1
  cannot read the preview.
- A fixed pool of worker threads handles the requests, and a connection gets
  a worker only once it has sent something: idle sockets cost no thread and
  are closed after :data:`IDLE` seconds, at most :data:`MAX_WAITING` wait at
  once, and every read or write of a request times out after
  :data:`TIMEOUT` seconds.  A slow client holds one worker for at most that.
- Live-reload streams (server-sent events, held open) may take only half of
  the workers, so pages are always served.
"""

from __future__ import annotations

import http.server
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["IDLE", "MAX_WAITING", "TIMEOUT", "WORKERS", "HardenedServer", "allowed_host"]

WORKERS = 16  # threads that handle requests
TIMEOUT = 10.0  # seconds a read or write of one request may block
IDLE = 5.0  # seconds a connection may stay silent before its first byte
MAX_WAITING = 256  # connections accepted but silent; beyond that the oldest is dropped

LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def allowed_host(header: str | None, bound: tuple[str, ...], port: int) -> bool:
    """Whether a request's ``Host`` header names this server: a local name
    or one of the ``bound`` names (the address given and the one bound), and
    this port when it says one."""
    if not header:
        return False
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:8000
        name, _, rest = header[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
        if rest and not rest.startswith(":"):
            return False
    else:
        name, _, port_text = header.partition(":")
    if port_text and port_text != str(port):
        return False
    return name in LOCAL_NAMES or name in {b.strip("[]").lower() for b in bound}


class HardenedServer(http.server.HTTPServer):
    """An HTTP server with a bounded worker pool (see the module's text)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, handler)
        self.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="gongkai-serve")
        self.streams = threading.BoundedSemaphore(WORKERS // 2)  # live-reload streams held open
        self.request_timeout, self.idle = TIMEOUT, IDLE
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    def serve_forever(self, poll_interval: float = 0.25) -> None:
        """Accept connections; hand each to a worker once it is readable."""
        self._stopped.clear()
        waiting: dict[socket.socket, float] = {}  # connection → when it is dropped
        sel = selectors.DefaultSelector()
        sel.register(self.socket, selectors.EVENT_READ, None)
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=poll_interval):
                    if key.data is None:
                        self._accept(sel, waiting)
                    else:
                        conn = key.fileobj
                        assert isinstance(conn, socket.socket)
                        sel.unregister(conn)
                        del waiting[conn]
                        self.pool.submit(self._handle, conn, key.data)
                now = time.monotonic()
                for conn in [c for c, until in waiting.items() if until < now]:
                    sel.unregister(conn)
                    del waiting[conn]
                    self.shutdown_request(conn)
        finally:
            for conn in waiting:
                self.shutdown_request(conn)
            sel.close()
            self._stopped.set()

    def _accept(self, sel: selectors.BaseSelector, waiting: dict[socket.socket, float]) -> None:
        try:
            conn, addr = self.socket.accept()
        except OSError:
            return
        if len(waiting) >= MAX_WAITING:  # the oldest silent one makes room
            oldest = min(waiting, key=waiting.__getitem__)
            sel.unregister(oldest)
            del waiting[oldest]
            self.shutdown_request(oldest)
        conn.setblocking(False)
        waiting[conn] = time.monotonic() + self.idle
        sel.register(conn, selectors.EVENT_READ, addr)

    def _handle(self, conn: socket.socket, addr: Any) -> None:
        try:
            conn.setblocking(True)
            conn.settimeout(self.request_timeout)
            self.finish_request(conn, addr)
        except Exception:  # a broken or timed-out connection: drop it, keep serving
            pass
        finally:
            self.shutdown_request(conn)

    def shutdown(self) -> None:
        self._stop.set()
        self._stopped.wait(timeout=10)

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)
