"""索引号: ``<org code>/<year>-<NNNNN>``, fixed for a record once published.

A pure function of today's content cannot keep a number stable: a record
added later for an earlier date would shift every number after it.  So the
number is assigned once, the first time a build publishes the record, and
remembered in ``content/index-numbers.yaml`` — an append-only registry that
gongkai writes and the clerk keeps with the content (commits it, like a lock
file).  Rules:

- the year is the year of the record's date; NNNNN is the next free number
  of that year, new records taking them in (date, id) order;
- a number is never changed and never reused, even when its record is
  deleted or renamed (the renamed record gets a new number);
- drafts get no number; ``check`` never writes; a failed build never writes;
  a successful build appends the new lines and says so.

``number_site`` (read + assign, called by build/check) is the only reader of
the registry; ``save_registry`` (called after a successful build) the only
writer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

from gongkai.core.dataclass import dataclass
from gongkai.core.errors import Problem
from gongkai.core.schema.kinds import slug_problem
from gongkai.core.tree import RMap, RScalar
from gongkai.read.raw import decode, parse_yaml

REGISTRY = "content/index-numbers.yaml"


_NUMBER = re.compile(r"^(\d{4})-(\d{5})$")


_HEADER = """\
# 索引号登记表 —— 由 gongkai 自动维护，请勿手工修改，也不要删除。
# 每条信息第一次生成网站时，按发布年份依次编号；索引号 = 统一社会信用代码/年份-顺序号。
# 编好的号以后不再改变；信息删除后，它的号码也不再使用。
# 请把本文件和 content 目录一起备份（使用 git 的，请一并提交）。
"""


@dataclass(frozen=True)
class Registry:
    numbers: Mapping[str, tuple[int, int]]  # record id → (year, sequence)

    def next_seq(self, year: int) -> int:
        return max((s for y, s in self.numbers.values() if y == year), default=0) + 1


def format_no(org_code: str, year: int, seq: int) -> str:
    return f"{org_code}/{year}-{seq:05d}"


def read_registry(root: Path) -> tuple[Registry, list[Problem]]:
    """The registry of the site at ``root`` (empty when there is none yet)."""
    path = root / REGISTRY
    if not path.is_file():
        return Registry({}), []
    decoded = decode(path.read_bytes(), REGISTRY)
    problems = list(decoded.problems)
    if decoded.encoding == "unknown":
        return Registry({}), problems
    return _parse(decoded.text, problems)


def _parse(text: str, problems: list[Problem]) -> tuple[Registry, list[Problem]]:
    registry, ps = _parse_text(text)
    problems.extend(ps)
    return registry, problems


@functools.lru_cache(maxsize=2)
def _parse_text(text: str) -> tuple[Registry, tuple[Problem, ...]]:
    """Pure, so remembered: a build reads the registry twice, and the preview
    server at every save (10,000 lines take a third of a second)."""
    registry, problems = _parse_uncached(text, [])
    return registry, tuple(problems)


# A line as gongkai writes it; a key that is a YAML word or number is left to the YAML reader.
_LINE = re.compile(r"([a-z0-9-]*[a-z][a-z0-9-]*): (\d{4})-(\d{5})")
_YAML_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf"})


def _plain(text: str) -> Registry | None:
    """The registry as gongkai writes it (comment lines, then one
    ``id: YYYY-NNNNN`` a line, every id and number once), read without a
    YAML parser: the same Registry in a tenth of the time (a build reads it
    whole at every edit).  None for anything else, and for any line the
    YAML reader would report (it then says what is wrong)."""
    numbers: dict[str, tuple[int, int]] = {}
    owner: set[tuple[int, int]] = set()
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _LINE.fullmatch(line)
        if m is None:
            return None
        key, num = m.group(1), (int(m.group(2)), int(m.group(3)))
        if key in numbers or num in owner or num[1] == 0 or key in _YAML_WORDS or slug_problem(key):
            return None
        numbers[key] = num
        owner.add(num)
    return Registry(numbers) if numbers else None


def _parse_uncached(text: str, problems: list[Problem]) -> tuple[Registry, list[Problem]]:
    plain = _plain(text)
    if plain is not None:
        return plain, problems
    node, ps = parse_yaml(text, REGISTRY)
    problems.extend(ps)
    if node is None or (isinstance(node, RScalar) and node.is_null):
        return Registry({}), problems
    if not isinstance(node, RMap):
        problems.append(
            Problem(node.loc, "GK711", "索引号登记表应是“编号: 年份-顺序号”的列表", hint="yusuan-2015: 2015-00001")
        )
        return Registry({}), problems
    numbers: dict[str, tuple[int, int]] = {}
    owner: dict[tuple[int, int], str] = {}
    for key, value in node.entries.items():
        loc = node.key_locs[key]
        m = _NUMBER.match(value.text.strip()) if isinstance(value, RScalar) else None
        if slug_problem(key) or m is None or int(m.group(2)) == 0:
            problems.append(
                Problem(
                    loc,
                    "GK711",
                    "索引号登记表中的这一行无法识别",
                    key,
                    value.text if isinstance(value, RScalar) else "",
                    "记录编号: 年份-五位顺序号，如 yusuan-2015: 2015-00001（本文件由 gongkai 自动维护，请勿手改）",
                )
            )
            continue
        num = (int(m.group(1)), int(m.group(2)))
        if num in owner:
            problems.append(
                Problem(
                    loc,
                    "GK712",
                    f"索引号 {num[0]}-{num[1]:05d} 已登记给“{owner[num]}”，一个号码只能给一条信息",
                    key,
                    m.group(0),
                    "删除这一行后重新生成网站，gongkai 会给它另编一个号",
                )
            )
            continue
        owner[num] = key
        numbers[key] = num
    return Registry(numbers), problems
