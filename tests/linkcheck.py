"""Link checking over a built site (used by several tests)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []  # (tag, attr, value)
        self.ids: set[str] = set()
        self.external: set[str] = set()  # hrefs of <a rel="external">: links out of the site on purpose

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and "external" in (dict(attrs).get("rel") or "").split():
            self.external.add(dict(attrs).get("href") or "")
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src", "action", "data-index", "data-root"):
                self.refs.append((tag, name, value))
            if name == "id":
                self.ids.add(value)


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def is_external(url: str) -> bool:
    s = urlsplit(url)
    return bool(s.scheme) or url.startswith("//")


def broken_links(out: Path) -> list[str]:
    """Every relative href/src/action of every HTML page must resolve to a
    file in ``out`` (and a #fragment to an id on that page); nothing may be
    absolute (no leading /, no scheme other than tel:/mailto:) except an
    https link marked as leaving the site (``<a rel="external">``: the
    footer's 找错 and 党政机关网站标识 links of site.yaml)."""
    problems: list[str] = []
    pages = sorted(out.rglob("*.html"))
    ids = {p: parse(p).ids for p in pages}
    for page in pages:
        links = parse(page)
        for tag, attr, url in links.refs:
            if attr in ("data-index", "data-root"):
                continue
            if url.startswith(("tel:", "mailto:")):
                continue
            if tag == "a" and url in links.external and url.startswith(("https://", "http://")):
                continue
            if is_external(url) or url.startswith("/"):
                problems.append(f"{page.relative_to(out)}: absolute link {url}")
                continue
            s = urlsplit(url)
            target = (page.parent / unquote(s.path)).resolve() if s.path else page
            if not target.is_relative_to(out.resolve()):
                problems.append(f"{page.relative_to(out)}: link leaves the site {url}")
            elif target.is_dir() or not target.is_file():
                problems.append(f"{page.relative_to(out)}: broken {tag}@{attr} {url}")
            elif s.fragment and target.suffix == ".html" and s.fragment not in ids.get(target, set()):
                problems.append(f"{page.relative_to(out)}: missing anchor {url}")
    return problems


def reachable(out: Path, start: str = "index.html") -> set[Path]:
    """Pages reachable from ``start`` by following relative links on disk
    (what a reader does from file://)."""
    seen: set[Path] = set()
    todo = [(out / start).resolve()]
    while todo:
        page = todo.pop()
        if page in seen or not page.is_file() or page.suffix != ".html":
            continue
        seen.add(page)
        for _tag, attr, url in parse(page).refs:
            if attr not in ("href", "action") or is_external(url):
                continue
            path = urlsplit(url).path
            if path:
                todo.append((page.parent / unquote(path)).resolve())
    return seen
