"""A git pre-commit hook that stops personal data before it enters history.

A full ID number once committed stays in the repository's history even if
every build refuses it, so the same checks run on what is staged.  The hook
reads the staged blobs (not the working tree): what is checked is exactly
what would be committed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath

from gongkai.check.pii import masked_id_problems, record_pii, scan_pii, scan_text_pii
from gongkai.core.errors import GongkaiError, Loc, Problem
from gongkai.read.raw import decode, parse_yaml, split_front_matter

__all__ = ["HOOK", "archive_changes", "check_blob", "check_staged", "init_repo_with_hook", "install_hook"]

MARK = "# installed by gongkai"
HOOK = f"""#!/bin/sh
{MARK}: refuses commits that would publish ID, bank card or phone numbers.
if command -v gongkai >/dev/null 2>&1; then exec gongkai hooks run; fi
if command -v python3 >/dev/null 2>&1; then exec python3 -m gongkai hooks run; fi
exec python -m gongkai hooks run
"""

RECORD_SUFFIXES = (".yaml", ".yml", ".md")
ROSTER_SUFFIXES = (".xlsx", ".xlsm", ".csv")
TEXT_SUFFIXES = (".txt", ".json", ".html", ".htm", ".xml", ".js", ".csv", ".tsv")


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
    hook.write_text(HOOK, encoding="utf-8", newline="\n")
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
    """Every personal-data problem in the files staged for commit."""
    names = _git(repo, "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z").split(b"\0")
    problems: list[Problem] = []
    for raw_name in names:
        if not raw_name:
            continue
        rel = raw_name.decode("utf-8", "surrogateescape")
        data = _git(repo, "show", f":{rel}")
        problems.extend(check_blob(rel, data))
    return problems


def check_blob(rel: str, data: bytes) -> list[Problem]:
    suffix = PurePosixPath(rel).suffix.lower()
    in_content = rel.startswith("content/") and "/archive/" not in rel
    if in_content and suffix in ROSTER_SUFFIXES:
        from gongkai.read.roster import read_roster

        roster, _problems = read_roster(data, PurePosixPath(rel).name, rel)
        return (
            masked_id_problems(roster.rows, "recipients") + scan_pii(roster.rows, path="recipients") if roster else []
        )
    if suffix not in RECORD_SUFFIXES + TEXT_SUFFIXES:
        return []
    decoded = decode(data, rel)
    if decoded.encoding == "unknown":
        return []
    if in_content and suffix in RECORD_SUFFIXES:
        body, body_line, text, first = None, 0, decoded.text, 1
        if suffix == ".md":
            fm = split_front_matter(decoded.text)
            if fm is None:
                return scan_text_pii(decoded.text, rel, 1, "正文")
            body, body_line, text, first = fm.body, fm.body_line, fm.yaml_text, fm.yaml_line
        node, _ = parse_yaml(text, rel, first)
        if node is None:  # unparsable YAML: scan it as text
            return scan_text_pii(decoded.text, rel, 1, "")
        contact = ("contact",) if PurePosixPath(rel).name in ("site.yaml", "site.yml") else ("objection",)
        found = masked_id_problems(node, "")
        if contact == ("contact",):
            return found + scan_pii(node, contact=contact)
        return found + record_pii(node, rel, body, body_line)
    return scan_text_pii(decoded.text, rel, 1, "")


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
