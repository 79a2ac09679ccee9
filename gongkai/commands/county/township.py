"""One township of a county: fetch its content, build its site into
``build/<slug>/``, and describe the result in a small index artefact,
``township-index/<slug>.json``.

This is the whole of a CI matrix job: it reads only its own township's
content and writes only ``build/<slug>/`` and its index.  The merge
(merge.py) later reads those two artefacts and nothing else.

A build that fails leaves ``build/<slug>/`` as the last good build left it
(the writer swaps a finished site in, or nothing), and the index keeps the
description of that site under ``site`` with ``status: failed`` and the
reason, so the county page can say that the township is stale and why.

The index (``FORMAT`` 1, JSON, keys sorted, no clock and no absolute path:
the same build on another machine writes the same bytes)::

    slug, name, status ("ok" | "failed"), attempted (the build's today),
    reason (why it failed, in Chinese), problems (the first lines of it),
    errors, warnings, overdue (GK601-GK603 warnings: late disclosures),
    site: null, or the last good build:
        built, organization, records (published), catalogue (entries),
        types {label: count}, latest (newest record date),
        catalogue_file, standard (null or {summary, page}), feed,
        type_feeds [[folder, label]] (notices/feed.xml: 通知公告),
        search {path, shards, docs},
        trigrams (the township's trigram Bloom filter, county/trigrams.py)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

from gongkai.commands.county.config import CountyConfig, Township
from gongkai.commands.county.trigrams import township_bloom
from gongkai.core.dataclass import dataclass
from gongkai.core.errors import CODES, ContentError, GongkaiError, Loc, Problem
from gongkai.emit.search_text import INDEX_DIR as SEARCH_DIR
from gongkai.read.load import find_site_root
from gongkai.run.build import build as build_site
from gongkai.run.build import check as check_site

__all__ = [
    "FORMAT",
    "INDEX_FOLDER",
    "OVERDUE",
    "STANDARD_FILE",
    "TownshipCheck",
    "build_township",
    "check_township",
    "read_index",
    "record_failure",
    "site_folder",
]

FORMAT = 1
INDEX_FOLDER = "township-index"
GIT_CACHE = Path(".gongkai-county") / "git"
OVERDUE = ("GK601", "GK602", "GK603")  # disclosed later than the law allows
# The 标准目录 (国办发〔2019〕54号 standard catalogue) as a township build
# publishes it: a JSON file whose "summary" object ({label: number}) the
# county shows, and the page it links to.  Absent: the county says so.
STANDARD_FILE = "data/standard-catalogue.json"
STANDARD_PAGE = "standard/index.html"
MAX_LINES = 5  # problem lines kept in the index for the county page


def index_path(county: Path, slug: str) -> Path:
    return county / INDEX_FOLDER / f"{slug}.json"


def read_index(county: Path, slug: str) -> dict[str, Any] | None:
    try:
        data = json.loads(index_path(county, slug).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT and data.get("slug") == slug else None


def _write_index(county: Path, index: dict[str, Any]) -> None:
    path = index_path(county, index["slug"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def _fetch_problem(t: Township, message: str) -> ContentError:
    return ContentError(
        [
            Problem(
                Loc("county.yaml"),
                "GK902",
                f"{t.name}的内容无法获取：{message}",
                "git" if t.git else "path",
                t.git or t.path,
                "检查 county.yaml 中的地址，以及本机能否访问该仓库",
            )
        ]
    )


def _git(*args: str, cwd: Path | None = None) -> None:
    try:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=600)
    except FileNotFoundError as exc:
        raise OSError("没有找到 git 命令") from exc
    except subprocess.CalledProcessError as exc:
        lines = (exc.stderr or "").strip().splitlines()
        fatal = [ln.removeprefix("fatal: ") for ln in lines if ln.startswith("fatal: ")]
        raise OSError((fatal or lines[-1:] or [f"git {args[0]} 失败"])[0]) from exc
    except subprocess.TimeoutExpired as exc:
        raise OSError(f"git {args[0]} 超时") from exc


def site_folder(county: CountyConfig, t: Township) -> Path:
    """The township's site folder: its subfolder, or its git repository
    cloned (first time) or brought up to date (later) in the cache."""
    if t.path:
        folder = county.root / t.path
        if not (folder / "content" / "site.yaml").is_file():
            raise _fetch_problem(t, f"{t.path} 下没有 content/site.yaml")
        return folder
    folder = county.root / GIT_CACHE / t.slug
    ref = t.ref or "HEAD"
    try:
        if not (folder / ".git").is_dir():
            if folder.exists():
                shutil.rmtree(folder)
            folder.parent.mkdir(parents=True, exist_ok=True)
            _git("clone", "--quiet", "--depth", "1", *(["--branch", t.ref] if t.ref else []), t.git, str(folder))
        else:
            _git("fetch", "--quiet", "--depth", "1", t.git, ref, cwd=folder)
            _git("reset", "--quiet", "--hard", "FETCH_HEAD", cwd=folder)
    except OSError as exc:
        raise _fetch_problem(t, str(exc.args[0]) if exc.args else str(exc)) from exc
    if not (folder / "content" / "site.yaml").is_file():
        raise _fetch_problem(t, "仓库中没有 content/site.yaml")
    return folder


def _describe(out: Path, today: date) -> dict[str, Any]:
    """What the county needs to know about a built site, read from the
    site's own output files (never from its content)."""
    cat = json.loads((out / "data" / "catalogue.json").read_text(encoding="utf-8"))
    meta = json.loads((out / SEARCH_DIR / "meta.json").read_text(encoding="utf-8"))
    types: dict[str, int] = {}
    for r in cat["records"]:
        types[r["type_label"]] = types.get(r["type_label"], 0) + 1
    standard = None
    if (out / STANDARD_FILE).is_file():
        try:
            summary = json.loads((out / STANDARD_FILE).read_text(encoding="utf-8")).get("summary") or {}
        except (ValueError, AttributeError):
            summary = {}
        standard = {
            "summary": {str(k): v for k, v in summary.items() if isinstance(v, int | str)},
            "page": STANDARD_PAGE if (out / STANDARD_PAGE).is_file() else "",
        }
    return {
        "built": today.isoformat(),
        "organization": cat.get("organization", ""),
        "records": meta["docs"],
        "catalogue": cat["count"],
        "types": dict(sorted(types.items())),
        "latest": max((r["date"] for r in cat["records"]), default=""),
        "catalogue_file": "data/catalogue.json",
        "standard": standard,
        "feed": "feed.xml" if (out / "feed.xml").is_file() else "",
        "type_feeds": _type_feeds(out),
        "search": {"path": SEARCH_DIR + "/", "shards": meta["shards"], "docs": meta["docs"]},
        "trigrams": township_bloom(out / SEARCH_DIR),
    }


def _type_feeds(out: Path) -> list[list[str]]:
    """[folder, label] of the site's per-type feeds (``notices/feed.xml``:
    the label is its title after the site name, ``通知公告``)."""
    found = []
    for feed in sorted(out.glob("*/feed.xml")):
        title = ET.parse(feed).getroot().findtext("{http://www.w3.org/2005/Atom}title") or ""
        found.append([feed.parent.name, title.rsplit("：", 1)[-1]])
    return found


def _reason(exc: BaseException, county: Path) -> tuple[str, list[str]]:
    if isinstance(exc, ContentError):
        errors = [p for p in exc.problems if p.is_error] or list(exc.problems)
        # where and which rule only: a message may quote the content (a
        # name in a roster), and the county page is public
        lines = [f"{p.loc} {p.code} {CODES.get(p.code, '')}".rstrip() for p in errors[:MAX_LINES]]
        if any(p.code == "GK902" for p in errors):
            return errors[0].message, lines
        return f"内容有 {len(errors)} 处错误，未能生成", lines
    if isinstance(exc, GongkaiError):
        text = str(exc).replace(str(county), ".")
        return text, [text]
    # nothing of the exception's text: it may quote the content
    return f"生成时出现内部错误或进程意外退出（{type(exc).__name__}）", []


def _blank(t: Township, today: date) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "slug": t.slug,
        "name": t.name,
        "attempted": today.isoformat(),
        "status": "ok",
        "reason": "",
        "problems": [],
        "errors": 0,
        "warnings": 0,
        "overdue": 0,
        "site": None,
    }


def build_township(county: CountyConfig, slug: str, today: date, workers: int | None = None) -> dict[str, Any]:
    """Build one township into ``build/<slug>/`` and write its index.
    Never raises for the township's own failures: they go into the index.
    ``workers``: processes its build may use (townships built side by side
    share the cores rather than each taking all of them)."""
    t = county.township(slug)
    out = county.root / "build" / slug
    index = _blank(t, today)
    try:
        result = build_site(site_folder(county, t), today, out=out, workers=workers)
        index["warnings"] = len(result.warnings)
        index["overdue"] = sum(1 for p in result.warnings if p.code in OVERDUE)
        index["site"] = _describe(out, today)
    except Exception as exc:  # one township's failure must not stop the county
        return record_failure(county, slug, today, exc)
    _write_index(county.root, index)
    return index


def record_failure(county: CountyConfig, slug: str, today: date, exc: BaseException) -> dict[str, Any]:
    """Write the index of a failed build: why, and the last good site (the
    writer left ``build/<slug>/`` as that build made it)."""
    t = county.township(slug)
    index = _blank(t, today)
    previous = read_index(county.root, slug)
    index["status"] = "failed"
    index["reason"], index["problems"] = _reason(exc, county.root)
    if isinstance(exc, ContentError):
        index["errors"] = sum(1 for p in exc.problems if p.is_error)
        index["warnings"] = sum(1 for p in exc.problems if not p.is_error)
        index["overdue"] = sum(1 for p in exc.problems if p.code in OVERDUE)
    else:
        index["errors"] = 1
    if previous is not None and previous.get("site") and (county.root / "build" / slug / "index.html").is_file():
        index["site"] = previous["site"]
    _write_index(county.root, index)
    return index


@dataclass(frozen=True)
class TownshipCheck:
    slug: str
    name: str
    problems: tuple[Problem, ...]
    records: int | None  # None: the content could not be read at all


def check_township(county: CountyConfig, slug: str, today: date, workers: int | None = None) -> TownshipCheck:
    """``gongkai check`` of one township (content fetched as for a build)."""
    t = county.township(slug)
    try:
        checked = check_site(find_site_root(site_folder(county, t)), today, workers=workers)
    except ContentError as exc:
        return TownshipCheck(t.slug, t.name, tuple(exc.problems), None)
    except GongkaiError as exc:
        return TownshipCheck(t.slug, t.name, (Problem(Loc(t.path or t.git), "GK902", str(exc)),), None)
    n = len(checked.site.records) if checked.site is not None else None
    return TownshipCheck(t.slug, t.name, tuple(checked.problems), n)
