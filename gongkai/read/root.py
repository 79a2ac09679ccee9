"""Which folder is the site: the first thing every command asks, before
anything is read (so it imports nothing of the loader)."""

from __future__ import annotations

from pathlib import Path

from gongkai.core.errors import ContentError, Loc, Problem, SiteNotFound

__all__ = ["find_site_root"]


def find_site_root(path: Path) -> Path:
    """The site directory for ``path``: a directory holding content/site.yaml,
    or the content directory itself."""
    path = path.resolve()
    if (path / "content" / "site.yaml").is_file():
        return path
    if (path / "site.yaml").is_file() and path.name == "content":
        return path.parent
    if (path / "content").is_dir():
        raise ContentError(
            [
                Problem(
                    Loc("content/site.yaml"),
                    "GK011",
                    "缺少 site.yaml（网站名称、公开主体、联系方式）",
                    hint="从 gongkai new 生成的示例中复制一份 content/site.yaml 并修改",
                )
            ]
        )
    raise SiteNotFound(f"在 {path} 没有找到网站：应有 content/site.yaml。新建网站请运行：gongkai new 目录名")
