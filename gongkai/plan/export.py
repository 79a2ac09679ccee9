"""What every data download shares: JSON bytes, money as text, CSV that
Excel opens and cannot mistake for formulas, absolute links."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from gongkai.core.model import Site

CURRENCY = "CNY"


# Common keys a public record's JSON never carries: the build-only flag and
# the reason for non-disclosure (a public record has none).
_NOT_EXPORTED = {"draft", "withheld", "disclosure", "body", "attachments"}


def _dumps(obj: Any) -> bytes:
    """``json.dumps(obj, ensure_ascii=False, indent=2)`` and a newline, byte
    for byte, made without the standard library's pure-Python encoder (with
    ``indent`` it never uses its C one): a cold build writes ~20,000 of these.
    A long list is encoded to UTF-8 every few thousand pieces, and an ``Each``
    makes its items one at a time: the 目录's JSON at 10,000 records held
    ~500,000 pieces, and 10,000 dicts, at once (a peak of 49 MiB for 5 MB)."""
    out: list[str] = []
    done: list[bytes] = []
    try:
        _encode(obj, "\n", out, done)
    except (_Unusual, RecursionError):  # what json.dumps refuses, it refuses with its own error
        return (json.dumps(obj, ensure_ascii=False, indent=2, default=_plain) + "\n").encode("utf-8")
    out.append("\n")
    done.append("".join(out).encode("utf-8"))
    return done[0] if len(done) == 1 else b"".join(done)


class Each(Sequence[Any]):
    """``make(item)`` of each of ``items``, made as it is encoded (``_dumps``)
    and dropped after: written as the list of them."""

    __slots__ = ("items", "make")

    def __init__(self, items: Sequence[Any], make: Callable[[Any], Any]) -> None:
        self.items, self.make = items, make

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Any]:
        return map(self.make, self.items)

    def __getitem__(self, i: Any) -> Any:
        return [self.make(x) for x in self.items[i]] if isinstance(i, slice) else self.make(self.items[i])


def _plain(o: Any) -> Any:
    if isinstance(o, Each):
        return list(o)
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


_FLUSH = 4096  # pieces of a list's encoding kept before they are encoded to UTF-8 (_dumps)


class _Unusual(Exception):
    """A value ``_encode`` leaves to the standard library (which may refuse it)."""


class Encoded(str):
    """JSON text made before (``encoded``), written by ``_dumps`` as it is: an
    item of a list, encoded at the indentation of that list's items."""

    __slots__ = ()


def encoded(o: Any, nl: str) -> Encoded:
    """``o`` as ``_dumps`` writes it where its lines start with ``nl`` (a
    newline and the indentation of the list's items it will be one of)."""
    out: list[str] = []
    done: list[bytes] = []
    try:
        _encode(o, nl, out, done)
    except (_Unusual, RecursionError):
        return Encoded(json.dumps(o, ensure_ascii=False, indent=2, default=_plain).replace("\n", nl))
    return Encoded(b"".join(done).decode("utf-8") + "".join(out))


def _encode(o: Any, nl: str, out: list[str], done: list[bytes]) -> None:
    # The order of json.encoder._make_iterencode: str, None, True, False, int, float, list/tuple, dict.
    if type(o) is Encoded:
        out.append(o)
    elif isinstance(o, str):
        out.append(_string(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, int):
        out.append(int.__repr__(o))
    elif isinstance(o, float):
        out.append(_float(o))
    elif isinstance(o, (list, tuple, Each)):
        if not o:
            out.append("[]")
            return
        inner = nl + "  "
        out.append("[")
        sep = inner
        for v in o:
            out.append(sep)
            _encode(v, inner, out, done)
            sep = "," + inner
            if len(out) > _FLUSH:
                done.append("".join(out).encode("utf-8"))
                out.clear()
        out.append(nl + "]")
    elif isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        inner = nl + "  "
        out.append("{")
        sep = inner
        for k, v in o.items():
            out.append(sep + _key(k) + ": ")
            _encode(v, inner, out, done)
            sep = "," + inner
        out.append(nl + "}")
    else:
        raise _Unusual


def _key(k: Any) -> str:
    if isinstance(k, str):
        return _string(k)
    if isinstance(k, float):
        return _string(_float(k))
    if k is True:
        return '"true"'
    if k is False:
        return '"false"'
    if k is None:
        return '"null"'
    if isinstance(k, int):
        return _string(int.__repr__(k))
    raise _Unusual


def _float(f: float) -> str:
    if f != f:
        return "NaN"
    if f == float("inf"):
        return "Infinity"
    if f == -float("inf"):
        return "-Infinity"
    return float.__repr__(f)


_string: Any = json.encoder.encode_basestring  # the C function where there is one


# --- values -----------------------------------------------------------------------------------


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def _url(site: Site, path: str) -> str:
    return site.config.base_url + path if site.config.base_url else ""


_FORMULA = tuple("=+-@\t\r")


_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def neutralise(text: str) -> str:
    """A CSV cell that a spreadsheet would run as a formula, made inert with a
    leading apostrophe (OWASP).  Plain numbers such as -5.00 stay numbers."""
    if text.startswith(_FORMULA) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def csv_bytes(header: list[str], rows: Iterable[list[Any]], bom: bool = True) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for row in rows:
        w.writerow([_cell(c) for c in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")
