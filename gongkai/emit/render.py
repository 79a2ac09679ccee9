"""The Jinja environment, Markdown, and turning a Page into bytes.

Autoescape is on for every template and undefined names fail loudly.
Markdown from clerks is converted, then sanitised with an allowlist (nh3),
so nothing pasted into a record can run script in a reader's browser.
"""

from __future__ import annotations

import hashlib
import posixpath
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.meta
import nh3
from jinja2 import nodes
from markupsafe import Markup

from gongkai.core.formats import cn_date, money, number
from gongkai.core.model import Site
from gongkai.core.themes import default_theme_dir
from gongkai.core.version import __version__
from gongkai.plan.data import downloads
from gongkai.plan.feeds import record_jsonld
from gongkai.plan.pages import Page, sections

__all__ = ["MemoryBytecodeCache", "Renderer", "default_theme_dir", "relative_url", "template_env", "theme_dirs"]


def theme_dirs(root: Path, theme: str) -> list[Path]:
    """Theme folders, most specific first: the site's own ``themes/<theme>``
    (any single template or static file there wins), then the default."""
    dirs: list[Path] = []
    own = root / "themes" / theme
    if own.is_dir():
        dirs.append(own.resolve())
    default = default_theme_dir()
    if default not in dirs:
        dirs.append(default)
    return dirs


def relative_url(from_url: str, to: str) -> str:
    """Link from the page at ``from_url`` to ``to`` (both site-relative).

    Directory URLs get an explicit ``index.html`` so links also work when
    the site is opened from disk, where no server maps ``x/`` to
    ``x/index.html``.  A fragment (``#r-3``) is kept.
    """
    to, hash_, frag = to.partition("#")
    if to == "" or to.endswith("/"):
        to += "index.html"
    depth = from_url.count("/")
    rel = "../" * depth + to
    rel = posixpath.normpath(rel) if depth else to
    return rel + (hash_ + frag if hash_ else "")


_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"caption", "colgroup", "col"}


def _markdown() -> Any:
    """Python-Markdown with tables, sane lists and fenced code.  The
    extensions are given as instances: a name is looked up among every
    installed distribution's entry points (importlib.metadata and the email
    package).  Fenced code is imported with Pygments hidden: it imports
    codehilite, which imports Pygments (and with it importlib.metadata) only
    to highlight code when the codehilite extension is on, which it never is
    here; a code block is the same either way.  ~20 ms of every edit that
    renders Markdown."""
    import markdown
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    hide = "pygments" not in sys.modules
    if hide:
        sys.modules["pygments"] = None  # type: ignore[assignment]  # an import of it fails: codehilite goes without
    try:
        from markdown.extensions.fenced_code import FencedCodeExtension
    finally:
        if hide:
            del sys.modules["pygments"]
    return markdown.Markdown(
        extensions=[TableExtension(), SaneListExtension(), FencedCodeExtension()], output_format="html"
    )


class Markdown:
    """One python-markdown instance per build, reset between documents."""

    def __init__(self) -> None:
        self._md: Any = None

    def __call__(self, text: str) -> Markup:
        if not text:
            return Markup("")
        if self._md is None:
            # made when first needed: an edit that renders no Markdown (a roster
            # cell) neither imports python-markdown nor compiles its patterns
            self._md = _markdown()
        html = self._md.reset().convert(text)
        clean = nh3.clean(
            html,
            tags=_ALLOWED_TAGS,
            url_schemes={"http", "https", "mailto", "tel"},
            link_rel="noopener noreferrer",
        )
        # Wide tables scroll in their own box on narrow phones; the box takes
        # keyboard focus so it can be scrolled with the arrow keys.
        clean = clean.replace(
            "<table>", '<div class="table-wrap" tabindex="0" role="group" aria-label="表格"><table>'
        ).replace("</table>", "</table></div>")
        return Markup(clean)


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory from one build to the next (the
    preview server's); Jinja keys them by the template's source, so an
    edited template is compiled again."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self.store.clear()


def template_env(dirs: list[Path], bytecode: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """The Jinja environment over the ``templates/`` of theme ``dirs`` (a
    site's theme first): autoescaped, strict about undefined names.  Pages,
    sheets and the 答复书 are all rendered in one."""
    return jinja2.Environment(
        # A template is read once per environment (one build): not its file's
        # modification time asked again at every page (~1 CPU s of a cold
        # 10,000-record build), and no template changed halfway through a build.
        auto_reload=False,
        bytecode_cache=bytecode,
        loader=jinja2.FileSystemLoader([str(d / "templates") for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class Renderer:
    """Renders pages of one site with one theme."""

    def __init__(
        self,
        site: Site,
        dirs: list[Path],
        bytecode: jinja2.BytecodeCache | None = None,
        references: dict[str, list[str] | None] | None = None,
    ) -> None:
        """``bytecode``: compiled templates from earlier builds; ``references``:
        digest of a template's source → the templates it names (see
        template_digest), likewise kept from earlier builds."""
        self.site = site
        self._digests: dict[str, str] = {}
        self._refs = references if references is not None else {}
        self.env = template_env(dirs, bytecode)
        md = Markdown()
        nav = [s for s in sections(site) if s.url not in ("archive/", "postings/")]
        publishers = site.config.publishers
        # Nothing the environment holds may hold the site: a Jinja environment is a
        # cycle (its templates name it), so whatever it holds lives until Python's
        # full collection, and the preview server would keep each build's site
        # (all its records' derived data) alive for several rebuilds.
        self.env.filters.update(
            markdown=md,
            money=money,
            number=number,
            cn_date=cn_date,
            publisher=lambda key: publishers.get(key, key),
        )
        # What a template may read besides its page's context: the site's
        # configuration, the day, the navigation (all in every page's key)
        # and functions of their arguments alone.  Never the site itself: a
        # page's key is made from its context, so a template must see nothing
        # the context does not declare (pages.py puts in what each one shows).
        config = site.config
        self.env.globals.update(
            config=config,
            today=site.today,
            version=__version__,
            nav_sections=lambda: nav,
            downloads=downloads,
            record_jsonld=lambda record, url, index_no="": record_jsonld(config, record, url, index_no),
        )

    def template_digest(self, name: str) -> str:
        """Digest of template ``name`` and every template it extends, includes
        or imports, as this theme resolves them: what a page made from it
        depends on in the theme.  A template naming another by a variable
        cannot be followed: then every template of the theme counts."""
        hit = self._digests.get(name)
        if hit is None:
            hit = self._digests[name] = self._closure_digest(name)
        return hit

    def _closure_digest(self, name: str) -> str:
        seen: dict[str, str] = {}
        todo = [name]
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            source, _, _ = self.env.loader.get_source(self.env, n)  # type: ignore[union-attr]
            seen[n] = source
            key = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
            if key not in self._refs:
                self._refs[key] = self._references(source)
            refs = self._refs[key]
            if refs is None:
                return self._all_templates_digest()
            todo.extend(refs)
        h = hashlib.blake2b(digest_size=20)
        for n in sorted(seen):
            h.update(f"{n}\0{seen[n]}\0".encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def _references(self, source: str) -> list[str] | None:
        """Templates ``source`` extends, includes or imports; one named as
        ``"folder/" ~ value ~ ".html"`` stands for every template of that
        folder.  None when a name cannot be told."""
        out: list[str] = []
        ast = self.env.parse(source)
        for node in ast.find_all((nodes.Extends, nodes.FromImport, nodes.Import, nodes.Include)):
            t = node.template  # type: ignore[attr-defined]  # every node kind searched for has it
            if isinstance(t, nodes.Concat) and t.nodes and isinstance(t.nodes[0], nodes.Const):
                prefix = t.nodes[0].value
                if not isinstance(prefix, str) or "/" not in prefix:
                    return None
                out.extend(x for x in self.env.list_templates() if x.startswith(prefix))
                continue
            names = list(jinja2.meta.find_referenced_templates(jinja2.nodes.Template([node])))
            if None in names:
                return None
            out.extend(n for n in names if n is not None)
        return out

    def _all_templates_digest(self) -> str:
        h = hashlib.blake2b(digest_size=20)
        for n in sorted(self.env.list_templates()):
            source, _, _ = self.env.loader.get_source(self.env, n)  # type: ignore[union-attr]
            h.update(f"{n}\0{source}\0".encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def render(self, page: Page) -> bytes:
        template = self.env.get_template(page.template)

        def url(to: str) -> str:
            return relative_url(page.url, to)

        context = template.new_context(
            {"page": page, "url": url, "root": relative_url(page.url, "")[: -len("index.html")] or "./"}
            | page.full_context()
        )
        try:  # Template.render, but encoded a batch of pieces at a time (_encoded)
            return _encoded(template.root_render_func(context))
        except Exception:
            self.env.handle_exception()  # raises, with the template's lines in the traceback
            raise  # not reached


_BATCH = 8192  # pieces of a page joined and encoded at a time (_encoded)


def _encoded(pieces: Iterator[str]) -> bytes:
    """The UTF-8 bytes of the pieces a template yields.  A page is joined
    and encoded a few thousand pieces at a time: a list of 10,000 records
    (开放数据, 公开目录) yields ~150,000 pieces, which Template.render kept
    all at once beside the whole page as text (~25 MiB above its bytes, the
    preview server's peak on a title edit at 10,000 records).  A page of
    fewer pieces is one join and one encoding, as before."""
    batch = list(islice(pieces, _BATCH))
    if len(batch) < _BATCH:
        return "".join(batch).encode("utf-8")
    done = []
    while batch:
        done.append("".join(batch).encode("utf-8"))
        batch = list(islice(pieces, _BATCH))
    return b"".join(done)
