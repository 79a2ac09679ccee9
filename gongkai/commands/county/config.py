"""county.yaml → frozen CountyConfig.  Reads one file; problems are GK901.

::

    name: 测试县政务公开            # the portal's name (required)
    organization: 测试县人民政府     # optional, shown in the header
    base_path: /xxgk/              # where build/ is published on the portal (default /)
    townships:
      - slug: qingshi              # folder under build/ (a-z, 0-9, -)
        name: 青石镇
        path: towns/qingshi        # a site folder (holding content/), relative to county.yaml
      - slug: hexi
        name: 河西镇
        git: https://git.example.cn/hexi.git   # or a git repository, cloned into .gongkai-county/git/
        ref: main                  # optional branch or tag
"""

from __future__ import annotations

import re
from pathlib import Path

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import ContentError, Loc, Problem
from gongkai.read.raw import RMap, RNode, RScalar, RSeq, decode, parse_yaml

__all__ = ["COUNTY_FILE", "RESERVED", "CountyConfig", "Township", "is_county", "load_county"]

COUNTY_FILE = "county.yaml"
# Names the county pages use at the top of build/: no township may take them.
RESERVED = frozenset({"index.html", "catalogue", "feed.xml", "feeds", "search", "static", "status.json"})
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_TOP = {"name", "organization", "base_path", "townships"}
_TOWN = {"slug", "name", "path", "git", "ref"}


@dataclass(frozen=True)
class Township:
    slug: str
    name: str
    path: str = ""  # a site folder relative to the county folder, or
    git: str = ""  # a repository URL (any URL git understands)
    ref: str = ""


@dataclass(frozen=True)
class CountyConfig:
    root: Path
    name: str
    organization: str
    base_path: str
    townships: tuple[Township, ...]

    def township(self, slug: str) -> Township:
        for t in self.townships:
            if t.slug == slug:
                return t
        raise ContentError(
            [Problem(Loc(COUNTY_FILE), "GK901", f"county.yaml 中没有乡镇 {slug}", value=slug, hint=self._slugs())]
        )

    def _slugs(self) -> str:
        return "、".join(t.slug for t in self.townships)


def is_county(folder: Path) -> bool:
    return (folder / COUNTY_FILE).is_file()


def _text(node: RNode | None) -> str | None:
    if isinstance(node, RScalar) and not node.is_null:
        return node.text.strip()
    return None


def load_county(folder: Path) -> CountyConfig:
    """Parse ``folder/county.yaml``; raises ContentError with every problem."""
    path = folder / COUNTY_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError([Problem(Loc(COUNTY_FILE), "GK901", f"无法读取 county.yaml：{exc.strerror}")]) from exc
    decoded = decode(data, COUNTY_FILE)
    problems = list(decoded.problems)
    if not problems:
        node, problems = parse_yaml(decoded.text, COUNTY_FILE)
    if problems:
        raise ContentError(problems)

    def bad(loc: Loc, message: str, field: str = "", value: str = "", hint: str = "") -> None:
        problems.append(Problem(loc, "GK901", message, field, value, hint))

    if not isinstance(node, RMap):
        raise ContentError([Problem(Loc(COUNTY_FILE, 1), "GK901", "county.yaml 顶层应是“键: 值”结构")])
    for key in node.entries:
        if key not in _TOP:
            bad(node.key_locs[key], f"county.yaml 中有未知的键 {key}", key, hint="、".join(sorted(_TOP)))
    name = _text(node.entries.get("name"))
    if not name:
        bad(node.loc, "county.yaml 缺少 name（门户名称）", "name")
    base = _text(node.entries.get("base_path")) or "/"
    if not (base.startswith("/") and base.endswith("/")) or "//" in base or " " in base:
        bad(node.key_locs.get("base_path", node.loc), "base_path 应以 / 开头和结尾", "base_path", base, "如 /xxgk/")
    towns: list[Township] = []
    seq = node.entries.get("townships")
    if not isinstance(seq, RSeq) or not seq.items:
        bad(node.key_locs.get("townships", node.loc), "county.yaml 缺少 townships（乡镇列表）", "townships")
        seq = RSeq((), node.loc)
    seen: set[str] = set()
    for i, item in enumerate(seq.items):
        where = f"townships[{i + 1}]"
        if not isinstance(item, RMap):
            bad(item.loc, "每个乡镇应写成“键: 值”", where)
            continue
        for key in item.entries:
            if key not in _TOWN:
                bad(item.key_locs[key], f"未知的键 {key}", f"{where}.{key}", hint="、".join(sorted(_TOWN)))
        v = {k: _text(item.entries.get(k)) or "" for k in _TOWN}
        if not _SLUG.match(v["slug"]) or v["slug"] in RESERVED:
            bad(item.loc, "乡镇的 slug 无效", f"{where}.slug", v["slug"], "小写字母、数字和 -，如 qingshi")
        elif v["slug"] in seen:
            bad(item.loc, "乡镇的 slug 重复", f"{where}.slug", v["slug"])
        seen.add(v["slug"])
        if not v["name"]:
            bad(item.loc, "乡镇缺少 name", f"{where}.name")
        if bool(v["path"]) == bool(v["git"]):
            bad(item.loc, "每个乡镇要写 path（子目录）或 git（仓库地址）中的一个", where)
        elif v["path"] and (Path(v["path"]).is_absolute() or ".." in Path(v["path"]).parts):
            bad(item.loc, "path 应是 county.yaml 所在目录下的子目录", f"{where}.path", v["path"])
        towns.append(Township(v["slug"], v["name"], v["path"], v["git"], v["ref"]))
    if problems:
        raise ContentError(problems)
    assert name is not None
    org = _text(node.entries.get("organization")) or ""
    return CountyConfig(folder.resolve(), name, org, base, tuple(towns))
