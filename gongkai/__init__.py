"""gongkai — 乡镇政务公开栏的静态网站生成器.

Public API::

    from gongkai import build, check, load_site
    result = build(Path("."), today=date(2015, 6, 1))

Each name is loaded when first used: importing the package imports next to
nothing, so that the command's own start (commands/start.py) can catch a
Ctrl+C from its first line; ``build`` does not import the pipeline when
there is nothing to build (run/build.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import gongkai.check  # noqa: F401  # the stage package first: importing it later would bind the name ``check`` to it

if TYPE_CHECKING:
    from gongkai.core.errors import ContentError, GongkaiError, OutputError, Problem, Severity, SiteNotFound
    from gongkai.core.version import __version__
    from gongkai.read.load import load_site
    from gongkai.run.build import build, check
    from gongkai.run.result import BuildResult

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

_WHERE = {
    "BuildResult": "gongkai.run.result",
    "ContentError": "gongkai.core.errors",
    "GongkaiError": "gongkai.core.errors",
    "OutputError": "gongkai.core.errors",
    "Problem": "gongkai.core.errors",
    "Severity": "gongkai.core.errors",
    "SiteNotFound": "gongkai.core.errors",
    "__version__": "gongkai.core.version",
    "build": "gongkai.run.build",
    "check": "gongkai.run.build",
    "load_site": "gongkai.read.load",
}

del check  # the name is the function (below), not the stage package bound by the import above


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value  # found here from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
