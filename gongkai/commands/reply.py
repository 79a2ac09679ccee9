"""``gongkai reply NO``: the 政府信息公开申请答复书 of one register entry, as a PDF.

The content is checked first (a register that contradicts itself makes no
letter); the entry is found by its 登记编号; the letter (plan/reply.py) is
rendered with the theme's ``reply/reply.html`` and laid out on A4 by
WeasyPrint (emit/pdf.py).  The register is never published, and neither is
a reply: the PDF is written outside build/ and content/ (default
``<site>/答复书/``, which `gongkai new` puts in .gitignore, since a letter
may carry the applicant's name).
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from gongkai.core.errors import ContentError, GongkaiError
from gongkai.core.version import __version__
from gongkai.plan.reply import ReplyLetter, reply_letter
from gongkai.read.register import REGISTER, Application, read_register

__all__ = ["REPLY_DIR", "find_entry", "render_reply", "write_reply"]

REPLY_DIR = "答复书"


def render_reply(letter: ReplyLetter, template_dirs: list[Path]) -> str:
    """The letter as one self-contained HTML document (CSS inline)."""
    from gongkai.emit.render import template_env

    return template_env(template_dirs).get_template("reply/reply.html").render(r=letter, version=__version__)


def find_entry(root: Path, no: str) -> Application:
    """The register entry numbered ``no``; GongkaiError naming the numbers there are."""
    register, _ = read_register(root)  # its problems are reported by the check before
    for app in register.applications:
        if app.no == no.strip():
            return app
    known = "、".join(a.no for a in register.applications[-10:])
    raise GongkaiError(
        f"登记簿（{REGISTER}/）中没有编号为“{no}”的申请。"
        + (f"最近登记的编号：{known}" if known else "登记簿还没有任何申请。")
    )


def write_reply(
    site_dir: Path,
    no: str,
    today: date,
    out: Path | None = None,
    reply_date: date | None = None,
    applicant: str = "",
    html: bool = False,
) -> tuple[Path, ReplyLetter]:
    """Write the reply letter of entry ``no`` as a PDF (or, with ``html``,
    the HTML it is laid out from) and return its path.  The letter is dated
    ``reply_date``, else the entry's 答复日期, else ``today``."""
    from gongkai.emit.pdf import html_to_pdf
    from gongkai.emit.render import theme_dirs
    from gongkai.read.load import find_site_root
    from gongkai.run.build import check

    root = find_site_root(site_dir)
    checked = check(root, today)
    if checked.site is None or checked.errors:
        raise ContentError(list(checked.problems))
    config = checked.site.config
    app = find_entry(root, no)
    day = reply_date or app.replied or today
    letter = reply_letter(app, config, day, applicant, config.review_body, config.court)
    suffix = ".html" if html else ".pdf"
    target = (out or root / REPLY_DIR / f"政府信息公开申请答复书-{app.no}{suffix}").resolve()
    for inside, what in ((root / "build", "网站目录 build/"), (root / "content", "内容目录 content/")):
        inside = inside.resolve()
        if target == inside or inside in target.parents:
            raise GongkaiError(f"答复书不能写在{what}里：答复书不上网站。请换一个位置（--out）")
    text = render_reply(letter, theme_dirs(root, config.theme))
    data = text.encode("utf-8") if html else html_to_pdf(text)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, target)
    return target, letter
