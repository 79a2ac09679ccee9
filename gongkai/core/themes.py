"""Where the default theme is: a path, needed before anything is rendered
(the build's stamp covers the theme's files)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_theme_dir"]


def default_theme_dir() -> Path:
    """The default theme shipped with gongkai (inside the wheel, or in the
    source checkout for an editable install)."""
    here = Path(__file__).resolve().parent.parent  # the package folder (this file is in core/)
    for cand in (here / "themes" / "default", here.parent / "themes" / "default"):
        if (cand / "templates").is_dir():
            return cand
    raise FileNotFoundError("gongkai 的默认主题缺失，请重新安装 gongkai")  # pragma: no cover
