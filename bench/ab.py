"""What the A/B bench scripts share (edit_bench, serve_bench, check_bench):
two or more checkouts of gongkai, each timed on its own copy of a site, and
the environment a checkout's child process runs in; and the edits the
one-checkout scripts make (edit_parts, serve_saves)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

__all__ = ["EDITS", "code_env", "code_site_args", "edited"]

EDITS = ("notice", "roster", "title")


def code_site_args(doc: str | None, site_help: str, runs: int = 3) -> tuple[dict[str, Path], dict[str, Path], int]:
    """``--code NAME=DIR`` and ``--site NAME=SITE`` (repeatable) and ``--runs``:
    (checkouts by name, sites by name, runs), folders resolved."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", action="append", required=True, help="NAME=checkout folder")
    ap.add_argument("--site", action="append", required=True, help=f"NAME=site folder ({site_help})")
    ap.add_argument("--runs", type=int, default=runs)
    args = ap.parse_args()
    codes = {k: Path(v).resolve() for k, v in (c.split("=", 1) for c in args.code)}
    sites = {k: Path(v).resolve() for k, v in (s.split("=", 1) for s in args.site)}
    missing = sorted(set(codes) - set(sites))
    if missing:
        ap.error(f"no --site for {', '.join(missing)}")
    return codes, sites, args.runs


def code_env(code: Path) -> dict[str, str]:
    """The environment of a child running checkout ``code``: its package first,
    and bytecode written as a clerk's Python would (a sandbox that turns it off
    would make every run compile every module)."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def edited(kind: str, original: bytes, tag: str) -> bytes:
    """A file synth.json names (``edit_roster`` for ``roster``, else
    ``edit_notice``) as an edit of ``kind`` leaves it: ``notice``, a sentence
    appended to its body; ``roster``, one row's note changed; ``title``, its
    title changed (its list pages, archive month and 目录 show it too).
    ``tag`` makes each edit's text differ from the last."""
    if kind == "notice":
        return original + f"\n补充说明{tag}。\n".encode()
    if kind == "roster":
        return original.replace("村组核定".encode(), f"复核{tag}".encode(), 1)
    if kind == "title":
        return original.replace(b"title: ", f"title: 改{tag} ".encode(), 1)
    raise ValueError(kind)
