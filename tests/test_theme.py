"""A site replaces one template and one CSS file of the default theme
(docs/theme.md): both replacements are in effect, everything else still
comes from the default theme."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from linkcheck import broken_links

from gongkai import build
from gongkai.emit.render import default_theme_dir

DEFAULT = default_theme_dir()
NOTICE_TEMPLATE = """{% extends "record/base.html" %}
{% block record_after %}
  <p class="town-note">本镇自定义：通知公告页的附加说明。</p>
{% endblock %}
"""
CSS = "/* 青石镇自己的样式表 */\nbody { color: #000; }\n"


def test_a_site_replaces_one_template_and_one_css_file(make_site, tmp_path: Path) -> None:
    site = make_site()
    theme = site / "themes" / "default"
    # base.html: a copy of the default's with the town's banner in the header.
    base = (DEFAULT / "templates" / "base.html").read_text(encoding="utf-8")
    marker = '<header class="site-header">'
    assert marker in base
    (theme / "templates" / "record").mkdir(parents=True)
    (theme / "templates" / "base.html").write_text(
        base.replace(marker, marker + '\n  <p class="town-banner">青石镇欢迎您</p>'), encoding="utf-8"
    )
    # One record template and the style sheet.
    (theme / "templates" / "record" / "notice.html").write_text(NOTICE_TEMPLATE, encoding="utf-8")
    (theme / "static").mkdir()
    (theme / "static" / "style.css").write_text(CSS, encoding="utf-8")

    out = tmp_path / "out"
    build(site, date(2015, 3, 1), out=out)
    pages = sorted(out.rglob("index.html"))
    assert pages
    for p in pages:
        html = p.read_text(encoding="utf-8")
        if "/print/" in p.as_posix():
            continue  # notice sheets have their own template and print.css
        assert 'class="town-banner"' in html, p  # the site's base.html, on every page
    notice = (out / "notices" / "hello" / "index.html").read_text(encoding="utf-8")
    assert 'class="town-note"' in notice  # the site's record/notice.html ...
    assert 'class="meta"' in notice  # ... extending the default record/base.html
    assert (out / "static" / "style.css").read_text(encoding="utf-8") == CSS
    # Everything else is the default theme's.
    for name in ("site.js", "search.js", "print.css"):
        assert (out / "static" / name).read_bytes() == (DEFAULT / "static" / name).read_bytes(), name
    listing = (out / "notices" / "index.html").read_text(encoding="utf-8")
    assert 'class="records"' in listing and "town-note" not in listing
    assert 'id="gk-text-size"' in listing
    assert broken_links(out) == []


def test_without_overrides_the_default_theme_is_used(make_site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_site(), date(2015, 3, 1), out=out)
    assert (out / "static" / "style.css").read_bytes() == (DEFAULT / "static" / "style.css").read_bytes()
    assert "town-banner" not in (out / "index.html").read_text(encoding="utf-8")


def test_roster_without_groups_has_no_empty_group_column(make_site, tmp_path: Path) -> None:
    """A roster whose rows name no 组 shows no 组 column on the web page
    (the print sheet drops it too); one with groups keeps it."""
    import re

    src = (Path(__file__).resolve().parent.parent / "content/subsidies/zhengdi-s245-2015.yaml").read_text("utf-8")
    site = make_site({"subsidies/a.yaml": re.sub(r" group: [^,]+,", "", src), "subsidies/b.yaml": src})
    out = tmp_path / "out"
    build(site, date(2015, 10, 1), out=out)
    without = (out / "subsidies/a/index.html").read_text("utf-8")
    with_groups = (out / "subsidies/b/index.html").read_text("utf-8")
    assert '<th scope="col">组</th>' not in without and 'colspan="4"' in without
    assert '<th scope="col">组</th>' in with_groups and 'colspan="5"' in with_groups


def test_a_page_is_encoded_a_batch_of_pieces_at_a_time() -> None:
    """Renderer.render encodes what a template yields in batches: the same
    bytes as joining it all, for any count of pieces about a batch's edge;
    a list page of 10,000 records (~150,000 pieces) no longer holds every
    piece and the whole page as text at once."""
    import tracemalloc

    from gongkai.emit import render

    size = render._BATCH
    for n in (0, 1, size - 1, size, size + 1, 3 * size + 5):
        pieces = [f"<td>第{i}行</td>" if i % 3 else "\n" for i in range(n)]
        assert render._encoded(iter(pieces)) == "".join(pieces).encode("utf-8"), n
    n = 40 * size
    expected = len("".join(f"<tr><td>张{i}</td></tr>" for i in range(n)).encode())
    tracemalloc.start()
    try:
        blob = render._encoded(f"<tr><td>张{i}</td></tr>" for i in range(n))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(blob) == expected
    assert peak < 3 * expected, (peak, expected)
