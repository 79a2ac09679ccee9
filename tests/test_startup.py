"""What a command loads before it works: the library versions in the build's
stamp are read without importlib.metadata (and the email parser it brings),
yet say what importlib.metadata says; the collector is left as it was."""

from __future__ import annotations

import gc
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai.run.engine import store

ROOT = Path(__file__).resolve().parents[1]


def _fresh_library_versions() -> tuple[tuple[str, str], ...]:
    store.library_versions.cache_clear()
    try:
        return store.library_versions()
    finally:
        store.library_versions.cache_clear()


def test_library_versions_are_importlib_metadatas() -> None:
    found = dict(_fresh_library_versions())
    assert found.pop("python") == sys.version
    for name in store.OUTPUT_LIBRARIES:
        try:
            want = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            want = "-"
        assert found[name] == want, name
    assert found["jinja2"] != "-" and found["markdown"] != "-"  # installed: read, not defaulted


def _dist(folder: Path, dirname: str, version: str) -> None:
    d = folder / dirname
    d.mkdir(parents=True)
    meta = "PKG-INFO" if dirname.endswith(".egg-info") else "METADATA"
    (d / meta).write_text(
        f"Metadata-Version: 2.1\nName: x\nVersion: {version}\n\nVersion: 0.0 (the body, not a header)\n",
        encoding="utf-8",
    )


def test_an_upgrade_earlier_on_the_path_is_the_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first folder on sys.path that holds the library wins, as for
    importlib.metadata (and the import system); spelling of the name as wheels
    write it (PEP 503 normalised) matches."""
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(second, "Jinja2-1.0.dist-info", "1.0")
    _dist(first, "jinja2-9.9.9.dist-info", "9.9.9")
    _dist(first, "chinese_calendar-7.0.egg-info", "7.0")
    monkeypatch.setattr(sys, "path", [str(first), str(second), *sys.path])
    found = dict(_fresh_library_versions())
    assert found["jinja2"] == importlib.metadata.version("jinja2") == "9.9.9"
    assert found["chinese-calendar"] == importlib.metadata.version("chinese-calendar") == "7.0"


def test_two_copies_in_one_folder_are_left_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "site"
    _dist(folder, "segno-8.0.dist-info", "8.0")
    _dist(folder, "segno-8.1.dist-info", "8.1")
    monkeypatch.setattr(sys, "path", [str(folder), *sys.path])
    assert dict(_fresh_library_versions())["segno"] == importlib.metadata.version("segno")


def test_the_stamp_does_not_import_importlib_metadata() -> None:
    """~15 ms of every command (the no-op, a roster edit): importlib.metadata
    and the email package it imports."""
    code = (
        "import sys\nfrom gongkai.run.engine.store import library_versions\nlibrary_versions()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('importlib.metadata', 'email'))))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


def test_the_command_leaves_the_collector_on() -> None:
    """``python -m gongkai`` imports with the collector off, then turns it on."""
    code = (  # the command ends by os._exit after the atexit handlers (cli.run): look from one
        "import atexit, gc, runpy, sys\nsys.argv = ['gongkai', '--version']\n"
        "atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count()))\n"
        "runpy.run_module('gongkai', run_name='__main__')"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert r.stdout.split()[-2:] == ["True", "0"]


def test_build_leaves_the_collector_as_it_was(tmp_path: Path) -> None:
    from gongkai.core.heap import settled

    assert gc.isenabled()
    with settled():
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        with settled():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_records_stay_frozen_from_checking_to_the_end_of_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No collection walks the records between checking and the end of the
    build (at 10,000 records each full one took 0.15-0.2 s of an edit), and
    nothing stays frozen after it (the preview server builds again and again)."""
    import shutil
    from datetime import date

    from conftest import REPO

    from gongkai.run import pipeline
    from gongkai.run.build import build

    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    seen: dict[str, int] = {}

    def spy(name: str, f):  # type: ignore[no-untyped-def]
        def w(*a, **k):  # type: ignore[no-untyped-def]
            seen[name] = gc.get_freeze_count()
            return f(*a, **k)

        return w

    for name in ("withdraw_names", "theme_dirs", "gate_for", "save_registry", "_result"):
        monkeypatch.setattr(pipeline, name, spy(name, getattr(pipeline, name)))
    build(root, date(2015, 5, 14))
    assert set(seen) == {"withdraw_names", "theme_dirs", "gate_for", "save_registry", "_result"}
    assert all(n > 1000 for n in seen.values()), seen
    assert gc.get_freeze_count() == 0

    from gongkai.core import heap

    assert not heap.is_frozen()  # the mirror of it (core/heap.py) agrees


MARKDOWN = """# 标题

1. 第一项
2. 第二项

* 甲
* 乙

| 项目 | 金额 |
| --- | ---: |
| 道路 | 1,200.00 |

```python
print("代码块")
```

~~~
plain fence
~~~

正文 **加粗** 与 `行内代码`。
"""


def test_markdown_without_pygments_renders_as_with_it() -> None:
    """Markdown's fenced code imported with Pygments hidden (emit/render.py),
    the extensions given as instances: the HTML is what the named
    extensions, with Pygments importable, make."""
    import markdown

    from gongkai.emit.render import _markdown

    reference = markdown.Markdown(extensions=["tables", "sane_lists", "fenced_code"], output_format="html")
    assert _markdown().convert(MARKDOWN) == reference.convert(MARKDOWN)
    assert 'class="language-python"' in reference.reset().convert(MARKDOWN)


def test_rendering_markdown_imports_neither_pygments_nor_importlib_metadata() -> None:
    """~20 ms of every edit that renders a notice's body."""
    code = (
        "import sys\nfrom gongkai.emit.render import Markdown\nhtml = Markdown()(sys.argv[1])\n"
        "assert '<pre><code' in html, html\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pygments', 'importlib.metadata', 'email'))))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code, MARKDOWN], env=env, capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


# --- the command's exit (cli.run) --------------------------------------------------------------------


def _gongkai(*args: str, code: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m gongkai ARGS`` (or ``code`` run before it, in the same process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    prelude = code or ""
    script = f"import runpy, sys\nsys.argv = ['gongkai', *{list(args)!r}]\n{prelude}\nrunpy.run_module('gongkai', run_name='__main__')\n"
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=cwd, timeout=300)


def test_the_exit_keeps_every_exit_code_and_all_the_output(tmp_path: Path) -> None:
    """os._exit skips Python's flush of stdout: everything printed arrives,
    and each exit code is the ordinary exit's (0, 1 for bad content, 2 for a
    usage error)."""
    import shutil

    assert _gongkai("--version").stdout.startswith("gongkai ")
    usage = _gongkai("build", "--no-such-option")
    assert usage.returncode == 2 and "用法错误" in usage.stderr
    site = tmp_path / "broken"
    shutil.copytree(ROOT / "tests" / "sites" / "minimal", site)
    bad = next((site / "content").rglob("*.yaml"))
    bad.write_text(bad.read_text(encoding="utf-8") + "\n: [unclosed\n", encoding="utf-8")
    checked = _gongkai("check", str(site), "--format", "json")
    assert checked.returncode == 1
    import json

    assert json.loads(checked.stdout)  # the whole JSON, flushed
    # a message given to sys.exit is printed, and the code is 1
    said = _gongkai("--version", code="import gongkai.commands.cli as c\nc.main = lambda: sys.exit('停止')")
    assert said.returncode == 1 and "停止" in said.stderr


def test_the_exit_runs_atexit_handlers_and_waits_for_a_running_thread() -> None:
    """What tempfile and multiprocessing clean at exit is cleaned; a thread
    that is not a daemon ends its work (the ordinary exit then)."""
    code = (
        "import atexit, threading, time\n"
        "atexit.register(lambda: print('清理', flush=True))\n"
        "def slow():\n    time.sleep(0.3)\n    print('线程完成', flush=True)\n"
        "threading.Thread(target=slow).start()\n"
    )
    r = _gongkai("--version", code=code)
    assert r.returncode == 0
    assert r.stdout.splitlines()[-2:] == ["线程完成", "清理"]
    # printed by a handler without a flush: the exit flushes after the handlers
    r = _gongkai("--version", code="import atexit\natexit.register(lambda: print('清理'))\n")
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == "清理"


# A finder that interrupts the import of one module, as a Ctrl+C would.
_CTRL_C_AT = """
import sys
class _CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {name!r}:
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, _CtrlC())
"""


@pytest.mark.parametrize("module", ["gongkai.commands.cli", "gongkai.run.build", "click", "jinja2"])
def test_ctrl_c_while_the_command_starts_is_cancelled_not_a_traceback(module: str, tmp_path: Path) -> None:
    """Before click runs, a Ctrl+C printed Python's traceback; now it says
    what click says (已取消。) and exits with 1, by ``python -m gongkai`` and
    by the console script's entry alike (jinja2: the build's own imports,
    where click already caught it)."""
    import shutil

    shutil.copytree(ROOT / "tests" / "sites" / "minimal", tmp_path, dirs_exist_ok=True)
    by_module = _gongkai("build", str(tmp_path), code=_CTRL_C_AT.format(name=module))
    entry = subprocess.run(
        [
            sys.executable,
            "-c",
            _CTRL_C_AT.format(name=module)
            + f"sys.argv = ['gongkai', 'build', {str(tmp_path)!r}]\n"
            + "from gongkai.commands.start import run\nrun()\n",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    for r in (by_module, entry):
        assert r.returncode == 1, r.stderr
        assert "Traceback" not in r.stderr and r.stderr.strip().splitlines()[-1] == "已取消。"


def test_the_console_script_starts_where_a_ctrl_c_is_caught() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '\ngongkai = "gongkai.commands.start:run"\n' in text
    assert (
        (ROOT / "gongkai" / "__main__.py")
        .read_text(encoding="utf-8")
        .startswith("from gongkai.commands.start import run\n")
    )


def test_importing_the_package_imports_next_to_nothing_and_its_names_are_the_api() -> None:
    """Ctrl+C is caught from the command's first line (commands/start.py):
    before it, only the package; the public names are loaded when asked for,
    and ``check`` stays the function, whatever of the stage package is imported."""
    code = (
        "import sys\nimport gongkai\n"
        "print(sorted(m for m in sys.modules if m.startswith('gongkai')))\n"
        "import gongkai.check.validate\nfrom gongkai import check, build, load_site, BuildResult, __version__\n"
        "from gongkai.run import build as b\nfrom gongkai.read.load import load_site as ls\n"
        "print(check is b.check, build is b.build, load_site is ls, gongkai.check is check)\n"
        "print(sorted(set(gongkai.__all__) - set(dir(gongkai))))\n"
        "try:\n    gongkai.nothing\nexcept AttributeError as e:\n    print('AttributeError')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert r.stdout.splitlines() == [
        "['gongkai', 'gongkai.check']",
        "True True True True",
        "[]",
        "AttributeError",
    ]
