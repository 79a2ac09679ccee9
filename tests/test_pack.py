"""gongkai pack: the built site as a zip with SHA256SUMS, reproducible and verifiable."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import DEMO_TODAY, REPO

from gongkai import GongkaiError, build
from gongkai.commands.pack import SUMS, pack, verify
from gongkai.run.write import MARKER


def test_zip_holds_the_site_and_its_checksums(demo_build: Path, tmp_path: Path) -> None:
    z = tmp_path / "site.zip"
    result = pack(demo_build, z)
    files = sorted(p.relative_to(demo_build).as_posix() for p in demo_build.rglob("*") if p.is_file())
    files.remove(MARKER)
    assert result.files == len(files)
    with zipfile.ZipFile(z) as zf:
        assert zf.testzip() is None
        assert sorted(zf.namelist()) == sorted([*files, SUMS])
        assert "index.html" in zf.namelist()  # site files at the root: unzip straight into a web root
        sums = dict(reversed(line.split("  ", 1)) for line in zf.read(SUMS).decode("utf-8").splitlines())
        assert set(sums) == set(files)
        for name in files:
            assert sums[name] == hashlib.sha256((demo_build / name).read_bytes()).hexdigest()
    assert verify(z) == []


def test_sha256sum_can_check_the_unpacked_site(demo_build: Path, tmp_path: Path) -> None:
    if not shutil.which("sha256sum"):
        pytest.skip("no sha256sum")
    z = tmp_path / "site.zip"
    pack(demo_build, z)
    dest = tmp_path / "usb"
    with zipfile.ZipFile(z) as zf:
        zf.extractall(dest)
    r = subprocess.run(["sha256sum", "--check", "--quiet", SUMS], cwd=dest, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_same_build_same_zip(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    build(REPO, DEMO_TODAY, out=a)
    build(REPO, DEMO_TODAY, out=b)
    pack(a, tmp_path / "a.zip")
    pack(b, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_tampering_is_detected(demo_build: Path, tmp_path: Path) -> None:
    z = tmp_path / "site.zip"
    pack(demo_build, z)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(z) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "index.html":
                data = data.replace("青石镇".encode(), "白石镇".encode(), 1)
            dst.writestr(info, data)
        dst.writestr("extra.html", b"<p>x</p>")
    problems = verify(bad)
    assert "文件内容与校验值不符：index.html" in problems
    assert "校验清单中没有：extra.html" in problems


def test_refuses_what_is_not_a_gongkai_build(tmp_path: Path) -> None:
    (tmp_path / "somedir").mkdir()
    (tmp_path / "somedir" / "index.html").write_text("x", encoding="utf-8")
    with pytest.raises(GongkaiError, match="gongkai build"):
        pack(tmp_path / "somedir", tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_refuses_to_write_the_zip_inside_the_site(demo_build: Path, tmp_path: Path) -> None:
    site = tmp_path / "b"
    shutil.copytree(demo_build, site)
    with pytest.raises(GongkaiError):
        pack(site, site / "data" / "x.zip")


def test_cli_pack_default_location(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = make_site()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, "-m", "gongkai"]
    r = subprocess.run([*cmd, "pack", str(site)], capture_output=True, text=True, encoding="utf-8", env=env)
    assert r.returncode == 1 and "gongkai build" in r.stderr and "Traceback" not in r.stderr
    subprocess.run([*cmd, "build", str(site), "--today", "2015-06-01"], check=True, capture_output=True, env=env)
    r = subprocess.run([*cmd, "pack", str(site)], capture_output=True, text=True, encoding="utf-8", env=env)
    assert r.returncode == 0, r.stderr
    assert "SHA256SUMS" in r.stdout
    assert verify(site / "build.zip") == []
    out = tmp_path / "portal" / "qingshi.zip"
    r = subprocess.run(
        [*cmd, "pack", str(site), "--out", str(out)], capture_output=True, text=True, encoding="utf-8", env=env
    )
    assert r.returncode == 0 and out.is_file()
