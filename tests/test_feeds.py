"""Atom feeds (feedparser, no bozo), the sitemap (sitemaps.org XSD), JSON-LD on record pages."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from conftest import REPO
from lxml import etree

from gongkai import build, check
from gongkai.core.schema.types import RECORD_TYPES

LATER = date(2016, 12, 31)
BASE = "https://www.example.gov.cn/xxgk/qingshi/"
XSD = Path(__file__).resolve().parent / "sitemap.xsd"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("feeds") / "out"
    build(REPO, LATER, out=out)
    return out


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with base_url set (a column of a county portal)."""
    root = tmp_path_factory.mktemp("hosted") / "site"
    shutil.copytree(REPO / "content", root / "content")
    cfg = root / "content" / "site.yaml"
    text = cfg.read_text(encoding="utf-8")
    assert 'base_url: ""' in text
    cfg.write_text(text.replace('base_url: ""', f'base_url: "{BASE}"'), encoding="utf-8")
    build(root, LATER, out=root / "build")
    return root / "build"


def feeds(out: Path) -> list[Path]:
    return sorted(out.rglob("feed.xml"))


def page_for(out: Path, feed: Path, href: str) -> Path:
    """The file a (relative) feed link points at."""
    target = (feed.parent / urlsplit(href).path).resolve()
    return target / "index.html" if href.endswith("/") else target


# --- Atom -----------------------------------------------------------------------------------------


def test_site_and_type_feeds_parse_without_bozo(demo: Path) -> None:
    paths = {p.relative_to(demo).as_posix() for p in feeds(demo)}
    assert paths == {"feed.xml"} | {f"{t.folder}/feed.xml" for t in RECORD_TYPES.values() if t.name != "page"}
    for p in feeds(demo):
        f = feedparser.parse(p.read_bytes())
        assert f.bozo == 0, (p, f.get("bozo_exception"))
        assert f.version == "atom10"
        assert f.feed.title and f.feed.id and f.feed.updated


def test_feed_entries_are_the_public_records_newest_first(demo: Path) -> None:
    site = check(REPO, LATER).site
    assert site is not None
    public = [r for r in site.published if not r.draft]
    f = feedparser.parse((demo / "feed.xml").read_bytes())
    assert [e.title for e in f.entries] == [r.title for r in public][:50]
    hidden = {r.title for r in site.records if not r.is_public}
    for p in feeds(demo):
        for e in feedparser.parse(p.read_bytes()).entries:
            assert e.title not in hidden
            assert e.id.startswith("urn:uuid:")
            assert e.summary and e.author
    subsidies = feedparser.parse((demo / "subsidies" / "feed.xml").read_bytes())
    assert {e.title for e in subsidies.entries} == {r.title for r in public if r.type == "subsidy"}


def test_feed_links_resolve_to_pages_of_the_build(demo: Path) -> None:
    for p in feeds(demo):
        raw = p.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"]+)"', raw):
            assert not urlsplit(href).scheme, href  # relative without base_url
            assert page_for(demo, p, href).is_file(), (p, href)


def test_feed_times_come_from_record_dates_not_the_clock(demo: Path) -> None:
    site = check(REPO, LATER).site
    assert site is not None
    newest = max(r.date for r in site.published)
    f = feedparser.parse((demo / "feed.xml").read_bytes())
    assert f.feed.updated == f"{newest.isoformat()}T00:00:00+08:00"
    for e in f.entries:
        assert e.updated.endswith("T00:00:00+08:00")


def test_entry_ids_do_not_change_with_base_url(demo: Path, hosted: Path) -> None:
    a = feedparser.parse((demo / "feed.xml").read_bytes())
    b = feedparser.parse((hosted / "feed.xml").read_bytes())
    assert [e.id for e in a.entries] == [e.id for e in b.entries]
    assert b.feed.id == BASE + "feed.xml"
    for e in b.entries:
        assert e.link.startswith(BASE)


def test_hosted_feeds_also_parse_without_bozo(hosted: Path) -> None:
    for p in feeds(hosted):
        assert feedparser.parse(p.read_bytes()).bozo == 0, p


# --- sitemap ------------------------------------------------------------------------------------------


def test_no_sitemap_without_base_url(demo: Path) -> None:
    assert not (demo / "sitemap.xml").exists()


def test_sitemap_is_valid_and_lists_every_page(hosted: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.parse(str(hosted / "sitemap.xml"))
    schema.assertValid(doc)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = doc.xpath("//s:loc/text()", namespaces=ns)
    assert len(locs) == len(set(locs))
    pages = set()
    for p in hosted.rglob("index.html"):
        rel = p.parent.relative_to(hosted).as_posix()
        pages.add(BASE if rel == "." else f"{BASE}{rel}/")
    assert set(locs) == pages
    lastmods = dict(
        zip(locs, [u.findtext("s:lastmod", namespaces=ns) for u in doc.xpath("//s:url", namespaces=ns)], strict=True)
    )
    assert lastmods[BASE + "subsidies/gengdi-2015/"] == "2015-05-12"
    # a corrected record's page changes when the correction is published
    assert (
        lastmods[BASE + "subsidies/shouzai-jiuzhu-2015/"] == lastmods[BASE + "subsidies/shouzai-jiuzhu-2015-gengzheng/"]
    )


# --- JSON-LD -------------------------------------------------------------------------------------------


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        if self._in:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.blocks[-1] += data


def jsonld(page: Path) -> list[dict]:  # type: ignore[type-arg]
    p = _Scripts()
    p.feed(page.read_text(encoding="utf-8"))
    return [json.loads(b) for b in p.blocks]


def test_programmes_are_government_services_with_datasets(demo: Path) -> None:
    page = demo / "subsidies" / "gengdi-2015" / "index.html"
    (doc,) = jsonld(page)
    assert doc["@context"] == "https://schema.org"
    types = {g["@type"]: g for g in doc["@graph"]}
    assert set(types) == {"GovernmentService", "Dataset"}
    assert types["GovernmentService"]["name"] == "耕地地力保护补贴"
    assert types["GovernmentService"]["provider"]["@type"] == "GovernmentOrganization"
    ds = types["Dataset"]
    assert ds["identifier"].startswith("11320826MB0123456X/2015-")
    for d in ds["distribution"]:
        assert d["@type"] == "DataDownload"
        assert (page.parent / d["contentUrl"]).resolve().is_file(), d
    fund = {g["@type"] for g in jsonld(demo / "funds" / "fupin-2015" / "index.html")[0]["@graph"]}
    assert fund == {"GovernmentService", "Dataset"}
    budget = {g["@type"] for g in jsonld(demo / "budgets" / "yusuan-2015" / "index.html")[0]["@graph"]}
    assert budget == {"Dataset"}
    assert jsonld(demo / "notices" / "banshi-dibao" / "index.html") == []


def test_jsonld_cannot_close_its_script_tag(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    evil = "</script><script>alert(1)</script><!--"
    site = make_site(
        {
            "lists/x.yaml": f"""title: "清单{evil}"
publisher: town
date: 2015-03-01
summary: "{evil}"
kind: fee
items:
  - {{name: 事项, basis: 依据, standard: 标准}}
"""
        }
    )
    build(site, date(2015, 3, 5), out=tmp_path / "out")
    page = tmp_path / "out" / "lists" / "x" / "index.html"
    (doc,) = jsonld(page)
    assert doc["@graph"][0]["description"] == evil  # intact as data …
    html = page.read_text(encoding="utf-8").replace('<script src="../../static/site.js"></script>', "")  # the theme's
    assert html.count("<script") == html.count("</script>") == 1  # … and inert


def test_hosted_jsonld_uses_absolute_urls(hosted: Path) -> None:
    (doc,) = jsonld(hosted / "budgets" / "yusuan-2015" / "index.html")
    ds = doc["@graph"][0]
    assert ds["url"] == BASE + "budgets/yusuan-2015/"
    assert all(d["contentUrl"].startswith(BASE + "data/") for d in ds["distribution"])


def test_relative_links_in_feeds_match_site_urls(demo: Path) -> None:
    f = feedparser.parse(
        (demo / "subsidies" / "feed.xml").read_bytes(),
        response_headers={"content-location": "http://x/subsidies/feed.xml"},
    )
    for e in f.entries:
        path = urlsplit(urljoin("http://x/subsidies/feed.xml", e.link)).path
        assert posixpath.dirname(path.rstrip("/")) == "/subsidies"
