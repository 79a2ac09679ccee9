"""gongkai — 乡镇政务公开栏的静态网站生成器.

Public API::

    from gongkai import build, check, load_site
    result = build(Path("."), today=date(2015, 6, 1))
"""

from __future__ import annotations

__version__ = "0.1.0"

from .build import BuildResult, build, check
from .errors import (
    ContentError,
    GongkaiError,
    OutputError,
    Problem,
    Severity,
    SiteNotFound,
)
from .load import load_site

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
