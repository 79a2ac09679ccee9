"""Raw content: text decoding and YAML parsed into an untyped tree with positions.

YAML is parsed with PyYAML's composer only (libyaml when present), never its
constructor: every scalar stays the text the clerk wrote, so ``no`` is not
False, ``0102`` is not 66 and ``1:30`` is not 90.  Values are typed later by
the schema, which knows what each field means.  Every node keeps its
:class:`~gongkai.core.errors.Loc`, so any later problem can name file and line.

Pure functions: text in, tree and problems out.  No file access here.
"""

from __future__ import annotations

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Loc


@dataclass(frozen=True, slots=True)
class RScalar:
    text: str
    loc: Loc
    style: str | None = None  # None: plain; '"', "'", '|', '>': quoted or block
    # A value written over several lines: the source lines from ``loc.line`` on,
    # so that something found inside it can be reported at its own line.
    src: str | None = None

    @property
    def is_null(self) -> bool:
        return self.style is None and self.text in ("", "~", "null", "Null", "NULL")


@dataclass(frozen=True, slots=True)
class RMap:
    entries: dict[str, RNode]
    key_locs: dict[str, Loc]
    loc: Loc


@dataclass(frozen=True, slots=True)
class RSeq:
    items: tuple[RNode, ...]
    loc: Loc


RNode = RScalar | RMap | RSeq


def node_kind(node: RNode) -> str:
    if isinstance(node, RMap):
        return "键值结构"
    if isinstance(node, RSeq):
        return "列表"
    return "单个值"
