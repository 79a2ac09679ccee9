"""The county portal column (#17, 国办发〔2017〕47号): ``gongkai pack --portal``
with its import manifest, the footer's slots (党政机关网站标识, 主办单位, 找错)
and the generated 网站地图 page."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import DEMO_TODAY, REPO
from linkcheck import broken_links

from gongkai import ContentError, GongkaiError, build
from gongkai.commands.pack import SUMS, pack, verify
from gongkai.commands.portal import FORMAT, MANIFEST
from gongkai.run.write import MARKER

COLUMN = "https://www.anping.gov.cn/xxgk/qingshi/"


def _demo(tmp: Path, extra: str = "", base_url: str = COLUMN) -> Path:
    """A copy of the demo whose site.yaml has ``base_url`` and ``extra``."""
    root = tmp / "qingshi"
    shutil.copytree(REPO / "content", root / "content")
    site_yaml = root / "content" / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8").replace('base_url: ""', f'base_url: "{base_url}"')
    if extra:  # in place of the demo's own slots
        text = re.sub(r"\nconac:\n  url: .*\nerror_report_url: .*\n", "\n", text)
        assert "conac" not in text
    site_yaml.write_text(text + extra, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def column(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the build of the demo as a column of the county portal, its zip)."""
    tmp = tmp_path_factory.mktemp("portal")
    root = _demo(tmp)
    out = root / "build"
    build(root, DEMO_TODAY, out=out)
    z = tmp / "column.zip"
    pack(out, z, portal=True)
    return out, z


def _manifest(z: Path) -> dict:
    with zipfile.ZipFile(z) as zf:
        return json.loads(zf.read(MANIFEST))


def test_manifest_lists_every_file_with_its_checksum(column: tuple[Path, Path]) -> None:
    out, z = column
    doc = _manifest(z)
    assert doc["format"] == FORMAT
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != MARKER)
    assert sorted(f["path"] for f in doc["files"]) == files
    for f in doc["files"]:
        data = (out / f["path"]).read_bytes()
        assert f["bytes"] == len(data)
        assert f["sha256"] == hashlib.sha256(data).hexdigest()
    media = {f["path"]: f["media_type"] for f in doc["files"]}
    assert media["index.html"] == "text/html; charset=utf-8"
    assert media["data/catalogue.csv"] == "text/csv; charset=utf-8"
    with zipfile.ZipFile(z) as zf:
        assert sorted(zf.namelist()) == sorted([*files, SUMS, MANIFEST])
        sums = zf.read(SUMS).decode("utf-8")
        manifest_sha = hashlib.sha256(zf.read(MANIFEST)).hexdigest()
    assert f"{manifest_sha}  {MANIFEST}\n" in sums  # sha256sum -c checks the manifest too
    assert verify(z) == []


def test_manifest_describes_the_column_and_its_pages(column: tuple[Path, Path]) -> None:
    out, z = column
    doc = _manifest(z)
    catalogue = json.loads((out / "data" / "catalogue.json").read_text(encoding="utf-8"))
    col = doc["column"]
    assert col["url"] == COLUMN
    assert (col["title"], col["organization"], col["org_code"]) == (
        "青石镇政务公开",
        "青石镇人民政府",
        "11320826MB0123456X",
    )
    assert col["as_of"] == DEMO_TODAY.isoformat()
    for key in ("entry", "sitemap", "feed", "catalogue"):
        assert (out / col[key]).is_file(), key
    pages = {p["path"]: p for p in doc["pages"]}
    assert set(pages) == {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    # every record page: its 索引号, 发布日期, 文号 and 栏目 as the catalogue has them
    records = [r for r in catalogue["records"] if r["path"]]
    assert len(records) > 5
    for r in records:
        p = pages[f"{r['path']}index.html"]
        assert (p["title"], p["index_no"], p["date"], p["doc_no"]) == (
            r["title"],
            r["index_no"],
            r["date"],
            r["doc_no"],
        )
        assert p["section"] == r["type_label"] or r["type"] == "page"
        assert p["url"] == COLUMN + r["path"]
    # the withheld record has no page and so no entry
    withheld = [r for r in catalogue["records"] if not r["path"]]
    assert withheld and not any(p.get("index_no") == withheld[0]["index_no"] for p in doc["pages"])
    roster = pages["subsidies/gengdi-2015/index.html"]
    assert roster["section"] == "补贴补偿公示" and roster["section_path"] == "subsidies/"
    assert pages["index.html"]["url"] == COLUMN and pages["index.html"]["title"] == "青石镇政务公开"
    assert pages["sitemap/index.html"]["title"] == "网站地图"
    assert {"title": "补贴补偿公示", "path": "subsidies/"} in doc["sections"]
    # the addresses are those of the build's own sitemap.xml
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    for p in pages.values():
        if p["path"].endswith("index.html") and not p["path"].startswith("print/"):
            assert f"<loc>{p['url']}</loc>" in sitemap, p["path"]


def test_same_build_same_portal_zip(column: tuple[Path, Path], tmp_path: Path) -> None:
    out, z = column
    again = tmp_path / "again.zip"
    pack(out, again, portal=True)
    assert again.read_bytes() == z.read_bytes()


def test_a_changed_file_is_found_by_the_manifest(column: tuple[Path, Path], tmp_path: Path) -> None:
    _, z = column
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(z) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == SUMS:  # someone who also fixed SHA256SUMS
                data = b"".join(line for line in data.splitlines(keepends=True) if not line.endswith(b"  index.html\n"))
            if info.filename != "index.html":
                dst.writestr(info, data)
    problems = verify(bad)
    assert f"{MANIFEST} 列出的文件缺少：index.html" in problems


def test_refused_without_the_column_address(demo_build: Path, tmp_path: Path) -> None:
    """The demo has no base_url: no sitemap, no addresses for the portal."""
    with pytest.raises(GongkaiError, match="base_url"):
        pack(demo_build, tmp_path / "x.zip", portal=True)
    assert not (tmp_path / "x.zip").exists()
    pack(demo_build, tmp_path / "plain.zip")  # a plain zip is still made
    with zipfile.ZipFile(tmp_path / "plain.zip") as zf:
        assert MANIFEST not in zf.namelist()


def test_cli_pack_portal(tmp_path: Path) -> None:
    root = _demo(tmp_path, base_url="")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, "-m", "gongkai"]
    subprocess.run([*cmd, "build", str(root), "--today", "2015-05-14", "-q"], check=True, env=env)
    r = subprocess.run([*cmd, "pack", str(root), "--portal"], capture_output=True, text=True, encoding="utf-8", env=env)
    assert r.returncode == 1 and "base_url" in r.stderr and "Traceback" not in r.stderr
    assert not (root / "build.zip").exists()
    site_yaml = root / "content" / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text(encoding="utf-8").replace('base_url: ""', 'base_url: "https://x.gov.cn/a/b"'), "utf-8"
    )
    subprocess.run([*cmd, "build", str(root), "--today", "2015-05-14", "-q"], check=True, env=env)
    r = subprocess.run([*cmd, "pack", str(root), "--portal"], capture_output=True, text=True, encoding="utf-8", env=env)
    assert r.returncode == 0, r.stderr
    assert MANIFEST in r.stdout
    assert _manifest(root / "build.zip")["column"]["url"] == "https://x.gov.cn/a/b/"
    assert verify(root / "build.zip") == []


# --- the footer's slots and the 网站地图 -------------------------------------------------------------

SLOTS = """
host: 安平县人民政府办公室
conac:
  url: https://bszs.conac.cn/sitename?method=show&id=ABC
  image: static/dzjg.png
error_report_url: https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=3208260001
"""


def _png() -> bytes:
    """A small red PNG, as a 标识 image is."""
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (55, 67), (200, 16, 16)).save(buf, format="PNG")
    return buf.getvalue()


def test_footer_slots_are_rendered_when_set(tmp_path: Path) -> None:
    root = _demo(tmp_path, SLOTS)
    (root / "themes" / "default" / "static").mkdir(parents=True)
    png = _png()
    (root / "themes" / "default" / "static" / "dzjg.png").write_bytes(png)
    out = tmp_path / "out"
    build(root, DEMO_TODAY, out=out)
    for rel in ("index.html", "subsidies/gengdi-2015/index.html", "sitemap/index.html"):
        html = (out / rel).read_text(encoding="utf-8")
        assert "主办单位：安平县人民政府办公室　信息提供：青石镇人民政府" in html
        assert (
            '<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=3208260001" rel="external">我要找错</a>'
            in html
        )
        assert 'href="https://bszs.conac.cn/sitename?method=show&amp;id=ABC" rel="external"><img src="' in html
        assert 'alt="党政机关网站标识"' in html
    assert (out / "static" / "dzjg.png").read_bytes() == png
    assert broken_links(out) == []


def test_a_missing_mark_image_is_refused(tmp_path: Path) -> None:
    root = _demo(tmp_path, SLOTS)  # names static/dzjg.png, not there
    with pytest.raises(ContentError) as exc:
        build(root, DEMO_TODAY, out=tmp_path / "out")
    [p] = exc.value.problems
    assert (p.code, p.field, p.loc.path) == ("GK107", "conac.image", "content/site.yaml")
    assert "themes/default/static/dzjg.png" in p.hint
    assert not (tmp_path / "out").exists()


def test_footer_without_slots(demo_build: Path) -> None:
    """The demo sets a 找错 link and a 标识 without image; no host."""
    html = (demo_build / "index.html").read_text(encoding="utf-8")
    assert "主办单位：青石镇人民政府</p>" in html and "信息提供" not in html
    assert ">党政机关网站标识</a>" in html and "<img" not in html.split('class="site-footer"')[1]
    assert 'href="sitemap/index.html">网站地图</a>' in html


def test_minimal_site_has_no_error_link_or_mark(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    build(make_site(), DEMO_TODAY, out=out)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "我要找错" not in html and "党政机关网站标识" not in html
    assert "网站地图" in html  # always: the page is generated


@pytest.mark.parametrize(
    ("yaml", "field"),
    [
        ("error_report_url: zfwzgl.www.gov.cn/jiucuo\n", "error_report_url"),
        ("conac:\n  url: bszs.conac.cn/x\n", "conac.url"),
        ("conac:\n  url: https://bszs.conac.cn/x\n  image: ../../etc/dzjg.png\n", "conac.image"),
        ("conac:\n  url: https://bszs.conac.cn/x\n  image: https://example.com/dzjg.png\n", "conac.image"),
    ],
)
def test_bad_slot_values_are_refused(make_site, yaml: str, field: str) -> None:  # type: ignore[no-untyped-def]
    root = make_site()
    site_yaml = root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + yaml, encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        build(root, DEMO_TODAY, out=root / "build")
    [p] = [p for p in exc.value.problems if p.field == field]
    assert p.code == "GK107" and p.loc.line > 10


def test_sitemap_page_lists_every_section(demo_build: Path) -> None:
    html = (demo_build / "sitemap" / "index.html").read_text(encoding="utf-8")
    nav = (demo_build / "index.html").read_text(encoding="utf-8").split('class="site-nav"')[1].split("</nav>")[0]
    hrefs = [h.split('"')[0] for h in nav.split('href="')[1:]]
    assert len(hrefs) > 8
    for href in hrefs:  # every section of the navigation, linked from the sitemap page
        assert f'href="../{href}"' in html, href
    for u in ("pages/guide/", "apply/", "data/", "search/", "pages/jiandu/"):
        assert f'href="../{u}index.html"' in html, u
    assert "（1 条）" in html  # section counts


def test_link_checker_lets_only_marked_links_leave(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text('<a href="https://x.gov.cn/" rel="external">找错</a><a href="https://y.gov.cn/">y</a>', "utf-8")
    assert broken_links(tmp_path) == ["index.html: absolute link https://y.gov.cn/"]
