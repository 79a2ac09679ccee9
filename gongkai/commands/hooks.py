"""A git pre-commit hook that stops personal data before it enters history.

A full ID number once committed stays in the repository's history even if
every build refuses it, so the same checks run on what is staged.  The hook
reads the staged blobs (not the working tree): what is checked is exactly
what would be committed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from gongkai.check.pii import masked_id_problems, record_pii, scan_pii, scan_text_pii
from gongkai.check.scan import Hit, hit_problem, scan_file
from gongkai.core.config import MAX_ALLOW_NUMBERS
from gongkai.core.errors import GongkaiError, Loc, Problem
from gongkai.core.privacy_seen import find_pii_seen
from gongkai.core.tree import RMap, RNode, RScalar, RSeq
from gongkai.read.raw import decode, parse_yaml, split_front_matter

__all__ = [
    "HOOK",
    "archive_changes",
    "check_blob",
    "check_staged",
    "hook_script",
    "init_repo_with_hook",
    "install_hook",
    "site_dirs",
]


MARK = "# installed by gongkai"
_HOOK = """#!/bin/sh
{mark}: refuses commits that would publish ID, bank card or phone numbers.
PY={python}
if [ -x "$PY" ] && "$PY" -c 'import gongkai' >/dev/null 2>&1; then exec "$PY" -m gongkai hooks run; fi
for p in python3 python; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import gongkai' >/dev/null 2>&1; then exec "$p" -m gongkai hooks run; fi
done
if git diff --cached --name-only | grep -E -q '(^|/)(content/|themes/|site\\.ya?ml$)'; then
  echo "提交前检查无法运行：找不到 gongkai（安装时位于 $PY）。" >&2
  echo "本次提交包含网站内容，为防止个人信息进入版本历史，已拒绝提交。" >&2
  echo "请重新安装：pip install gongkai，然后在网站目录运行 python -m gongkai hooks install，再提交。" >&2
  exit 1
fi
echo "提示：找不到 gongkai，提交前检查未运行（本次提交不含网站内容，已放行）。请重新安装后运行 python -m gongkai hooks install。" >&2
exit 0
"""


def hook_script(python: str) -> str:
    """The pre-commit hook, calling gongkai through ``python`` (the absolute
    path of the interpreter that installed it: a Git GUI's PATH may differ)."""
    quoted = "'" + python.replace("'", "'\\''") + "'"
    return _HOOK.format(mark=MARK, python=quoted)


HOOK = hook_script(sys.executable)

# Record files and rosters get the record checks (phones allowed in contact
# fields, masked ID fields) on top of the scanner's.
RECORD_SUFFIXES = (".yaml", ".yml", ".md")
ROSTER_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")


def _git(repo: Path, *args: str) -> bytes:
    try:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True).stdout
    except FileNotFoundError as exc:
        raise GongkaiError("没有找到 git，请先安装 Git（Windows 请安装 Git for Windows）") from exc
    except subprocess.CalledProcessError as exc:
        msg = exc.stderr.decode("utf-8", "replace").strip()
        raise GongkaiError(f"git 命令失败：{msg}") from exc


def install_hook(repo: Path) -> Path:
    """Write .git/hooks/pre-commit (keeping a hook that is not ours)."""
    hooks_dir = Path(_git(repo, "rev-parse", "--git-path", "hooks").decode().strip())
    if not hooks_dir.is_absolute():
        hooks_dir = repo / hooks_dir
    hooks_dir.mkdir(parents=True, exist_ok=True)
    hook = hooks_dir / "pre-commit"
    if hook.exists() and MARK not in hook.read_text(encoding="utf-8", errors="replace"):
        raise GongkaiError(f"{hook} 已有其他的 pre-commit 钩子；请手动在其中加入一行：gongkai hooks run")
    hook.write_text(hook_script(sys.executable), encoding="utf-8", newline="\n")
    hook.chmod(0o755)
    return hook


def init_repo_with_hook(directory: Path) -> Path | None:
    """For ``gongkai new``: make ``directory`` a git repository (unless it is
    inside one already) and install the hook.  None when git is missing."""
    if shutil.which("git") is None:
        return None
    inside = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=directory, capture_output=True).returncode == 0
    if not inside:
        _git(directory, "init", "-q")
    return install_hook(directory)


def check_staged(repo: Path) -> list[Problem]:
    """Every personal-data problem in the files staged for commit (added,
    copied, modified, renamed: every one, whatever its name or folder)."""
    names = _git(repo, "diff", "--cached", "--name-only", "--diff-filter=ACMRT", "-z").split(b"\0")
    indexed = _git(repo, "ls-files", "-z").split(b"\0")
    sites = site_dirs(n.decode("utf-8", "surrogateescape") for n in indexed if n)
    allow = frozenset(d for site in sites for d in _staged_allowlist(repo, site))
    problems: list[Problem] = []
    for raw_name in names:
        if not raw_name:
            continue
        rel = raw_name.decode("utf-8", "surrogateescape")
        data = _git(repo, "show", f":{rel}")
        problems.extend(check_blob(rel, data, sites, allow))
    return problems


def _staged_allowlist(repo: Path, site: str) -> frozenset[str]:
    """The digits of the staged site.yaml's ``allow_numbers``."""
    try:
        data = _git(repo, "show", f":{site}content/site.yaml")
    except GongkaiError:
        return frozenset()
    node, _ = parse_yaml(decode(data, "site.yaml").text, "site.yaml")
    if not isinstance(node, RMap) or "allow_numbers" not in node.entries:
        return frozenset()
    texts = _texts(node.entries["allow_numbers"])[: 2 * MAX_ALLOW_NUMBERS]  # more: refused by check (GK005)
    return frozenset(f.digits for t in texts for f in find_pii_seen(t))


def site_dirs(paths: Iterable[str]) -> tuple[str, ...]:
    """Site folders (``""`` for the repository's top, else ending in '/'),
    each holding content/site.yaml, deepest first: a site may sit in a
    subfolder of the repository."""
    found = set()
    for p in paths:
        for name in ("content/site.yaml", "content/site.yml"):
            if p == name or p.endswith("/" + name):
                found.add(p[: -len(name)])
    return tuple(sorted(found, key=len, reverse=True)) or ("",)


def check_blob(
    rel: str, data: bytes, sites: tuple[str, ...] = ("",), allow: frozenset[str] = frozenset()
) -> list[Problem]:
    """What the build's last gate would refuse in this file (the same
    scanner, gongkai/scan.py), plus the record checks for content files."""
    site = next((d for d in sites if rel.startswith(d)), None)
    local = rel[len(site) :] if site is not None else rel
    in_content = site is not None and local.startswith("content/")
    suffix = PurePosixPath(rel).suffix.lower()
    problems, contact = _record_checks(rel, data, in_content, suffix, allow) if in_content else ([], frozenset())
    contact |= allow
    seen = {p.value for p in problems}
    for hit in scan_file(rel, data):
        if hit.kind in ("unread", "gps") and not in_content:
            continue  # fonts, images of the code: the build reads them only as attachments
        if hit.shown in seen or hit.digits in contact:
            continue
        seen.add(hit.shown)
        problems.append(hook_problem(hit, rel))
    return problems


def hook_problem(hit: Hit, rel: str) -> Problem:
    code = {"id": "GK401", "card": "GK402", "phone": "GK403"}.get(hit.kind, "GK405" if hit.kind != "gps" else "GK406")
    return hit_problem(hit, rel, code, "要提交的文件中")


def _record_checks(
    rel: str, data: bytes, in_content: bool, suffix: str, allow: frozenset[str]
) -> tuple[list[Problem], frozenset[str]]:
    """The record checks, and the numbers written in contact fields
    (``objection``, site.yaml ``contact``, ``allow_numbers``): published on purpose."""
    none: frozenset[str] = frozenset()
    if in_content and suffix in ROSTER_SUFFIXES:
        from gongkai.read.roster import read_roster

        roster, _problems = read_roster(data, PurePosixPath(rel).name, rel)
        if roster is None:
            return [], none
        return masked_id_problems(roster.rows, "recipients") + scan_pii(roster.rows, path="recipients"), none
    if suffix not in RECORD_SUFFIXES or "/archive/" in rel:
        return [], none
    decoded = decode(data, rel)
    if decoded.encoding == "unknown":
        return [], none
    body, body_line, text, first = None, 0, decoded.text, 1
    if suffix == ".md":
        fm = split_front_matter(decoded.text)
        if fm is None:
            return scan_text_pii(decoded.text, rel, 1, "正文", allow), none
        body, body_line, text, first = fm.body, fm.body_line, fm.yaml_text, fm.yaml_line
    node, _ = parse_yaml(text, rel, first)
    if node is None:  # unparsable YAML: scan it as text
        return scan_text_pii(decoded.text, rel, 1, "", allow), none
    site_yaml = PurePosixPath(rel).name in ("site.yaml", "site.yml")
    keys = ("contact", "allow_numbers") if site_yaml else ("objection",)
    contact = frozenset(
        f.digits
        for key in keys
        if isinstance(node, RMap) and key in node.entries
        for t in _texts(node.entries[key])[: 2 * MAX_ALLOW_NUMBERS]
        for f in find_pii_seen(t)
    )
    found = masked_id_problems(node, "")
    if site_yaml:
        return found + scan_pii(node, contact=("contact",)), contact
    return found + record_pii(node, rel, body, body_line, allow), contact


def _texts(node: RNode) -> list[str]:
    if isinstance(node, RScalar):
        return [node.text]
    if isinstance(node, RSeq):
        return [t for item in node.items for t in _texts(item)]
    return [t for value in node.entries.values() for t in _texts(value)]


def archive_changes(repo: Path) -> list[Problem]:
    """The staged changes to content/archive/ other than new files (GK508).

    The archive is append-only: git is the witness that an entry was not
    rewritten after it was committed.  This is the first line only (anyone
    can commit with ``--no-verify``); branch protection on the server, which
    refuses rewritten history, is the second (docs/publishing.md)."""
    out = _git(repo, "diff", "--cached", "--name-status", "--no-renames", "-z", "--diff-filter=DMT")
    fields = out.split(b"\0")
    problems = []
    for status, raw_name in zip(fields[0::2], fields[1::2], strict=False):
        rel = raw_name.decode("utf-8", "surrogateescape")
        if not ("/" + rel).count("/content/archive/") or PurePosixPath(rel).name == ".gitattributes":
            continue
        what = "删除" if status == b"D" else "修改"
        problems.append(
            Problem(
                Loc(rel),
                "GK508",
                f"提交中{what}了公开栏存档的文件：存档只能新增，不能修改或删除",
                hint="撤销这处改动：git restore --staged --worktree -- 文件名；内容有误请另写更正记录，再重新存档",
            )
        )
    return problems
