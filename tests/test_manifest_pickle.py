"""The output manifest a build leaves in the cache (store.save_manifest) is
written without the pickler's memo: it reads back equal, from a fresh cache
(the next command), with the spare's files too; a forged one is still a miss.
Its token and files come first, for the no-op to read alone."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest

from gongkai import build
from gongkai.run.engine import sealed
from gongkai.run.engine.store import BuildCache
from gongkai.run.write import Manifest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_a_saved_manifest_reads_back_equal(cache: Path) -> None:
    site, out = cache / "site", cache / "site/build"
    site.mkdir()
    path = "subsidies/gengdi-2015/index.html"
    files = {path: ("d" * 32, 1234, 1_700_000_000_000_000_000), "index.html": ("e" * 32, 5, 6)}
    groups = {"page:subsidies/gengdi-2015/": ("k" * 40, (path,)), "home": ("h" * 40, ("index.html",))}
    manifest = Manifest("token", files, groups, spare=dict(files))
    BuildCache(site).save_manifest(out, manifest)
    again = BuildCache(site).manifest(out)
    assert again == manifest and again is not manifest
    # a blob not sealed on this machine is a miss
    stored = next((cache / "cache").rglob("manifest-*.pickle"))
    stored.write_bytes(stored.read_bytes()[:-1] + b"\0")
    assert BuildCache(site).manifest(out) is None


def test_the_manifest_of_a_real_build_reads_back_equal(cache: Path) -> None:
    out = cache / "build"
    build(REPO, date(2026, 12, 5), out=out)
    site_cache = BuildCache(REPO)
    kept = site_cache.manifest(out)
    assert isinstance(kept, Manifest) and kept.files and kept.groups
    assert all(p in kept.files for _key, paths in kept.groups.values() for p in paths)
    assert (out / next(iter(kept.files))).is_file()


def test_the_no_op_reads_only_the_head_and_an_older_layout_is_a_miss(cache: Path) -> None:
    site, out = cache / "site", cache / "site/build"
    site.mkdir()
    files = {"index.html": ("e" * 32, 5, 6), "a/index.html": ("d" * 32, 7, 8)}
    manifest = Manifest("token", files, {"home": ("h" * 40, ("index.html",))}, dict(files), {"": (1, 2)})
    BuildCache(site).save_manifest(out, manifest)
    assert BuildCache(site).manifest_files(out) == ("token", files)
    stored = next((cache / "cache").rglob("manifest-*.pickle"))
    # a manifest as builds before the head was split off wrote it: one pickle of the object
    sealed.dump(stored, manifest)
    assert BuildCache(site).manifest(out) is None and BuildCache(site).manifest_files(out) is None
    # the head alone, without the rest: no manifest (the no-op's head still reads)
    sealed.dump(stored, blob=sealed.seal(pickle.dumps(("token", files))))
    assert BuildCache(site).manifest(out) is None
    assert BuildCache(site).manifest_files(out) == ("token", files)
