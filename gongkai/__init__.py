"""gongkai — 乡镇政务公开栏的静态网站生成器.

Public API::

    from gongkai import build, check, load_site
    result = build(Path("."), today=date(2015, 6, 1))
"""

from __future__ import annotations

from gongkai.core.errors import ContentError, GongkaiError, OutputError, Problem, Severity, SiteNotFound
from gongkai.core.version import __version__
from gongkai.read.load import load_site
from gongkai.run.build import BuildResult, build, check

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
