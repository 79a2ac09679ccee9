"""gongkai — 乡镇政务公开栏的静态网站生成器.

Public API::

    from gongkai import build, check, load_site
    result = build(Path("."), today=date(2015, 6, 1))

``load_site`` is loaded when first used, and ``build`` does not import the
pipeline when there is nothing to build (run/build.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gongkai.check  # noqa: F401  # the stage package first: importing it later would bind the name ``check`` to it
from gongkai.core.errors import ContentError, GongkaiError, OutputError, Problem, Severity, SiteNotFound
from gongkai.core.version import __version__
from gongkai.run.build import build, check  # light: the pipeline is imported when a build has work
from gongkai.run.result import BuildResult

if TYPE_CHECKING:
    from gongkai.read.load import load_site

__all__ = [
    "BuildResult",
    "ContentError",
    "GongkaiError",
    "OutputError",
    "Problem",
    "Severity",
    "SiteNotFound",
    "__version__",
    "build",
    "check",
    "load_site",
]


def __getattr__(name: str) -> Any:
    if name == "load_site":
        from gongkai.read.load import load_site

        return load_site
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
