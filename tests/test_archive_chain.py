"""The archive against its keeper (issue 14): the chain, the code on the
paper, chain.json and ``gongkai verify``, the hook, hostile manifests.

Every forgery here is done as a keeper under pressure would: the file is
edited AND every SHA-256 in its manifest and the manifest's own digest are
recomputed, so the old per-entry checks pass.  Each must still be caught,
with the entry named: by the chain on every build, or by ``verify``
against a copy of the site saved before the forgery."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO, SITES
from PIL import Image

from gongkai import build, check
from gongkai.commands.archive import archive_posting
from gongkai.commands.verify import verify_against
from gongkai.core.archive_format import MANIFEST, manifest_bytes, manifest_digest
from gongkai.core.chain import code_of, content_digest, genesis, qr_payload
from gongkai.core.errors import ArchiveError

SHEETS = SITES / "sheets"
TODAY = date(2015, 6, 30)


def _jpeg() -> bytes:
    """A real photo (the archive reads it and strips its metadata)."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()


JPEG = _jpeg()
# (record, posted) in posting order: three entries, two of them the same day
POSTINGS = [("tongzhi", date(2015, 3, 18)), ("butie-2015", date(2015, 5, 12)), ("fupin-2015", date(2015, 5, 12))]


@pytest.fixture
def site(make_site, tmp_path: Path) -> Path:
    root = make_site(base=SHEETS)
    photo = tmp_path / "board.jpg"
    photo.write_bytes(JPEG)
    for rid, day in POSTINGS:
        archive_posting(root, rid, day, "测试村公开栏", [photo], pdf=False)
    return root


def entry(site: Path, rid: str) -> Path:
    (found,) = [m.parent for m in (site / "content" / "archive").glob(f"*/*/{rid}/{MANIFEST}")]
    return found


def manifest(path: Path) -> dict:
    return json.loads((path / MANIFEST).read_bytes())


def rewrite(path: Path, change: Callable[[dict], None] = lambda m: None) -> None:
    """The keeper's forgery: every file's SHA-256 recomputed, the manifest
    changed by ``change`` and its own digest recomputed."""
    m = manifest(path)
    m["files"] = {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, "manifest.json.sig")
    }
    change(m)
    m["digest"] = manifest_digest(m)
    (path / MANIFEST).write_bytes(manifest_bytes(m))


def rechain(site: Path, order: list[Path]) -> None:
    """The strongest forger: renumbers and relinks every entry, so the chain
    on disk is whole again.  Only a copy made before can show it."""
    prev = genesis([])
    for n, path in enumerate(order, start=1):

        def link(m: dict, n: int = n, prev: str = prev) -> None:
            m["seq"], m["prev"] = n, prev

        rewrite(path, link)
        prev = hashlib.sha256((path / MANIFEST).read_bytes()).hexdigest()


def problems(site: Path) -> list[tuple[str, str, str]]:
    found = check(site, TODAY).problems
    assert found, "no problem found"
    return [(p.code, p.loc.path, p.message) for p in found if p.code.startswith("GK5")]


def ok(site: Path) -> None:
    assert not check(site, TODAY).errors


def chain_break(site: Path) -> tuple[str, str]:
    """(the entry where the chain breaks, the message) — exactly one GK507."""
    found = [(path, msg) for code, path, msg in problems(site) if code == "GK507"]
    assert len(found) == 1, found
    return found[0]


def saved_copy(site: Path, tmp_path: Path) -> Path:
    """A copy of the site as someone saved it that day."""
    out = tmp_path / "saved"
    build(site, TODAY, out=out)
    return out


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gongkai", *args], capture_output=True, text=True, cwd=cwd)


# --- the chain ------------------------------------------------------------------------------------


def test_entries_link_in_posting_order_and_the_site_publishes_the_chain(site: Path) -> None:
    ms = [manifest(entry(site, rid)) for rid, _ in POSTINGS]
    assert [m["seq"] for m in ms] == [1, 2, 3]
    assert ms[0]["prev"] == genesis([])
    for before, after, (rid, _) in zip(ms, ms[1:], POSTINGS[1:], strict=False):
        assert after["prev"] == hashlib.sha256((entry(site, before["record_id"]) / MANIFEST).read_bytes()).hexdigest()
        assert after["record_id"] == rid
    build(site, TODAY)
    chain = json.loads((site / "build" / "postings" / "chain.json").read_bytes())
    assert [(e["seq"], e["record_id"], e["code"]) for e in chain["entries"]] == [
        (m["seq"], m["record_id"], m["code"]) for m in ms
    ]
    assert [e["prev"] for e in chain["entries"][1:]] == [e["digest"] for e in chain["entries"][:-1]]
    day = (site / "build" / "postings" / "2015" / "05-12" / "index.html").read_text(encoding="utf-8")
    assert ms[1]["code"] in day and "如何核对" in day and "存档链第 2 条" in day


def test_redigested_sheet_breaks_the_next_link(site: Path) -> None:
    path = entry(site, "tongzhi")
    sheet = path / "sheet.html"
    sheet.write_bytes(sheet.read_bytes().replace("测试村公开栏".encode(), "别的公开栏".encode()))
    rewrite(path)
    where, msg = chain_break(site)
    assert where == f"{entry(site, 'butie-2015').relative_to(site).as_posix()}/{MANIFEST}"
    assert "第 2 条" in msg and "上一条第 1 条（content/archive/2015/03-18/tongzhi）被改动过" in msg


def test_moved_date_breaks_the_chain(site: Path) -> None:
    path = entry(site, "tongzhi")
    earlier = path.parent.parent / "03-08" / "tongzhi"
    earlier.parent.mkdir()
    path.rename(earlier)
    rewrite(earlier, lambda m: m.update(posted="2015-03-08"))
    where, msg = chain_break(site)
    assert where.endswith(f"/butie-2015/{MANIFEST}") and "content/archive/2015/03-08/tongzhi" in msg


@pytest.mark.parametrize("how", ["replaced", "removed"])
def test_replaced_or_removed_photo_breaks_the_chain(site: Path, how: str) -> None:
    path = entry(site, "butie-2015")
    photo = path / "photos" / "photo-1.jpg"
    if how == "replaced":
        photo.write_bytes(photo.read_bytes()[:-4] + b"\x00\x00\xff\xd9")  # another photo, same size
    else:
        photo.unlink()
    rewrite(path, lambda m: m.update(photos={}) if how == "removed" else None)
    where, msg = chain_break(site)
    assert where.endswith(f"/fupin-2015/{MANIFEST}") and "第 2 条（content/archive/2015/05-12/butie-2015）" in msg


def test_swapped_same_day_entries(site: Path) -> None:
    """Folders swapped, manifests untouched: each manifest names its folder."""
    a, b = entry(site, "butie-2015"), entry(site, "fupin-2015")
    tmp = a.parent / "tmp"
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)
    found = [(c, p) for c, p, _ in problems(site)]
    assert ("GK506", f"{a.relative_to(site).as_posix()}/{MANIFEST}") in found
    assert ("GK506", f"{b.relative_to(site).as_posix()}/{MANIFEST}") in found


def test_swapped_entries_against_a_saved_copy(site: Path, tmp_path: Path) -> None:
    saved = saved_copy(site, tmp_path)
    a, b = entry(site, "butie-2015"), entry(site, "fupin-2015")
    rechain(site, [entry(site, "tongzhi"), b, a])
    ok(site)  # whole again on disk
    lines = verify_against(site, str(saved)).lines
    text = "\n".join(lines)
    assert "第 2 条存档 postings/2015/05-12/butie-2015/" in text and "序号从 2 变成了 3" in text
    assert "第 3 条存档 postings/2015/05-12/fupin-2015/" in text and "序号从 3 变成了 2" in text


def test_swapped_seq_without_relinking_breaks_the_chain(site: Path) -> None:
    a, b = entry(site, "butie-2015"), entry(site, "fupin-2015")
    rewrite(a, lambda m: m.update(seq=3))
    rewrite(b, lambda m: m.update(seq=2))
    where, msg = chain_break(site)
    assert where.endswith(f"/fupin-2015/{MANIFEST}") and "第 2 条" in msg


def test_moved_date_of_the_last_entry_against_a_saved_copy(site: Path, tmp_path: Path) -> None:
    saved = saved_copy(site, tmp_path)
    path = entry(site, "fupin-2015")
    earlier = path.parent.parent / "05-02" / "fupin-2015"
    earlier.parent.mkdir()
    path.rename(earlier)
    rewrite(earlier, lambda m: m.update(posted="2015-05-02"))
    ok(site)
    lines = verify_against(site, str(saved)).lines
    assert lines[:3] == (
        "第 3 条存档 postings/2015/05-12/fupin-2015/（fupin-2015，2015-05-12）被移到了 postings/2015/05-02/fupin-2015/",
        "第 3 条存档 postings/2015/05-12/fupin-2015/（fupin-2015，2015-05-12）被改动过：存档校验码与旧副本不同",
        "  张贴日期：旧副本为“2015-05-12”，现在为“2015-05-02”",
    )


def test_deleted_entry_is_a_gap(site: Path) -> None:
    shutil.rmtree(entry(site, "butie-2015"))
    where, msg = chain_break(site)
    assert where.endswith(f"/fupin-2015/{MANIFEST}") and "跳号" in msg


def test_deleted_last_entry_is_caught_by_verify(site: Path, tmp_path: Path) -> None:
    saved = saved_copy(site, tmp_path)
    shutil.rmtree(entry(site, "fupin-2015"))
    ok(site)  # the chain on disk cannot know about its own end
    lines = verify_against(site, str(saved)).lines
    assert lines == ("第 3 条存档 postings/2015/05-12/fupin-2015/（fupin-2015，2015-05-12）已不存在：被删除或移走了",)


def test_inserted_entry(site: Path, tmp_path: Path) -> None:
    saved = saved_copy(site, tmp_path)
    tongzhi = entry(site, "tongzhi")
    fake = tongzhi.parent.parent / "04-01" / "tongzhi"
    shutil.copytree(tongzhi, fake)
    first = hashlib.sha256((tongzhi / MANIFEST).read_bytes()).hexdigest()
    rewrite(fake, lambda m: m.update(posted="2015-04-01", seq=2, prev=first))
    where, msg = chain_break(site)
    assert where.endswith(f"/butie-2015/{MANIFEST}")
    assert "重复" in msg
    # The keeper relinks everything after it: the chain is whole, the saved copy is not fooled.
    rechain(site, [tongzhi, fake, entry(site, "butie-2015"), entry(site, "fupin-2015")])
    ok(site)
    text = "\n".join(verify_against(site, str(saved)).lines)
    assert "第 2 条存档 postings/2015/04-01/tongzhi/（tongzhi，2015-04-01）是后来插入的" in text
    assert "第 2 条存档 postings/2015/05-12/butie-2015/（butie-2015，2015-05-12）被改动过" in text


def test_extra_listed_file(site: Path) -> None:
    path = entry(site, "fupin-2015")  # the last entry: no later link to break
    (path / "notice.html").write_text("<p>补充说明</p>", encoding="utf-8")
    rewrite(path)
    found = problems(site)
    assert ("GK503", f"{path.relative_to(site).as_posix()}/{MANIFEST}") in [(c, p) for c, p, _ in found]
    assert any("notice.html" in m for _, _, m in found)


def test_redigested_last_entry_against_a_saved_copy(site: Path, tmp_path: Path) -> None:
    saved = saved_copy(site, tmp_path)
    path = entry(site, "fupin-2015")
    sheet = path / "sheet.html"
    sheet.write_bytes(sheet.read_bytes().replace("测试村公开栏".encode(), "别的公开栏".encode()))
    (path / "photos" / "photo-1.jpg").unlink()
    rewrite(path, lambda m: m.update(place="别的公开栏", photos={}))
    ok(site)  # consistent on disk
    lines = verify_against(site, str(saved)).lines
    assert (
        lines[0]
        == "第 3 条存档 postings/2015/05-12/fupin-2015/（fupin-2015，2015-05-12）被改动过：存档校验码与旧副本不同"
    )
    assert "  张贴地点：旧副本为“测试村公开栏”，现在为“别的公开栏”" in lines
    assert "  文件 photos/photo-1.jpg 被删除了" in lines and "  文件 sheet.html 被改动过（内容与旧副本不同）" in lines


def test_the_code_cannot_be_kept_while_the_content_changes(site: Path) -> None:
    """A keeper who re-renders the sheet from an edited record gets a new
    code, which no longer matches the paper; keeping the old code fails."""
    path = entry(site, "fupin-2015")
    rewrite(path, lambda m: m.update(content_digest="0" * 64))
    assert ("GK501", f"{path.relative_to(site).as_posix()}/{MANIFEST}") in [(c, p) for c, p, _ in problems(site)]


def test_verify_over_http_and_the_cli(site: Path, tmp_path: Path) -> None:
    saved = saved_copy(site, tmp_path)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(saved))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        ok = run("verify", url, "--site", str(site))
        assert ok.returncode == 0 and "一致：旧副本中的 3 条存档" in ok.stdout
        shutil.rmtree(entry(site, "fupin-2015"))
        bad = run("verify", url, "--site", str(site))
        assert bad.returncode == 1 and "Traceback" not in bad.stderr
        assert "fupin-2015" in bad.stdout and "发现 1 处不一致" in bad.stderr
        missing = run("verify", url + "nothing/", "--site", str(site))
        assert missing.returncode == 1 and "没有公开栏存档链" in missing.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_a_second_posting_the_same_day_needs_again(site: Path) -> None:
    with pytest.raises(ArchiveError, match="--again"):
        archive_posting(site, "butie-2015", date(2015, 5, 12), pdf=False)
    r = run("archive", "butie-2015", "--posted", "2015-05-12", "--no-pdf", "--again", "--site", str(site))
    assert r.returncode == 0, r.stderr
    assert "已经存档过，这是同一天的又一次张贴（--again）" in r.stdout and "存档链第 4 条" in r.stdout
    assert manifest(entry(site, "butie-2015_2"))["seq"] == 4
    ok(site)


def test_pre_chain_entries_are_anchored_by_the_first_link(make_site, tmp_path: Path) -> None:
    """A site archived before the chain (format 1, as the demo) still builds;
    the first chained entry anchors all of them, so editing one later breaks it."""
    root = make_site(base=SHEETS)
    demo = REPO / "content" / "archive" / "2015" / "05-12" / "gengdi-2015"
    assert manifest(demo)["format"] == 1
    old = archive_posting(root, "butie-2015", date(2015, 5, 12), pdf=False).path
    rewrite(old, lambda m: [m.pop(k) for k in ("seq", "prev", "name", "code", "content_digest")] + [m.update(format=1)])
    first = archive_posting(root, "tongzhi", date(2015, 6, 1), pdf=False).path
    assert manifest(first)["prev"] == genesis([hashlib.sha256((old / MANIFEST).read_bytes()).hexdigest()])
    ok(root)
    rewrite(old, lambda m: m.update(place="改过"))
    where, msg = chain_break(root)
    assert where.endswith(f"/tongzhi/{MANIFEST}") and "存档链开始之前的旧存档" in msg


# --- hostile manifests -------------------------------------------------------------------------------


HOSTILE = {
    "deep": b"[" * 200_000,
    "deep-object": b'{"a":' * 5000,
    "sheet_pages": None,  # a valid, re-digested manifest with sheet_pages: "abc"
    "seq-text": None,
    "files-list": None,
    "huge": b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}',
    "gbk": "{“说明”: “公开栏”}".encode("gbk"),
    "not-object": b"[1, 2]",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_manifests_are_gk504_not_a_traceback(site: Path, name: str) -> None:
    path = entry(site, "fupin-2015")
    if name == "sheet_pages":
        rewrite(path, lambda m: m.update(sheet_pages="abc"))
    elif name == "seq-text":
        rewrite(path, lambda m: m.update(seq="3"))
    elif name == "files-list":
        rewrite(path, lambda m: m.update(files=list(m["files"])))
    else:
        (path / MANIFEST).write_bytes(HOSTILE[name])
    where = f"{path.relative_to(site).as_posix()}/{MANIFEST}"
    assert [(c, p) for c, p, _ in problems(site)] == [("GK504", where)]
    r = run("build", str(site), "--today", "2015-06-30", "--out", str(site / "out"))
    assert r.returncode == 1 and "Traceback" not in r.stderr and f"{where}: 错误 GK504" in r.stderr


# --- the code on the paper ---------------------------------------------------------------------------


def test_the_printed_sheet_carries_the_code_in_words_and_in_the_qr_code(make_site, tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        pytest.skip("zbar-tools and poppler-utils are needed to read the printed sheet back")
    root = make_site(base=SHEETS)
    # Printed on the posting day, before archiving: the code is known from what is posted.
    r = run("print", "butie-2015", "--pdf", "--site", str(root), "--today", "2015-05-12", cwd=root)
    assert r.returncode == 0, r.stderr
    pdf = root / "build" / "print" / "butie-2015.pdf"
    html = (root / "build" / "print" / "butie-2015" / "index.html").read_text(encoding="utf-8")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages)
    png = tmp_path / "sheet"
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-l", "1", str(pdf), str(png)], check=True)
    (image,) = list(tmp_path.glob("sheet*.png"))
    scanned = subprocess.run(["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True)
    payload = scanned.stdout.strip()
    # Archived the next day: the chain holds the same code.
    archive_posting(root, "butie-2015", date(2015, 5, 12), pdf=False)
    m = manifest(entry(root, "butie-2015"))
    code = m["code"]
    assert len(code) == 11 and code == code_of(m["content_digest"])
    assert f"核验码{code}" in text.replace("\n", "").replace(" ", "")
    assert code in html
    assert payload == qr_payload("https://www.example.gov.cn/xxgk/ceshi/subsidies/butie-2015/", code)
    build(root, TODAY)
    chain = json.loads((root / "build" / "postings" / "chain.json").read_bytes())
    assert [e["code"] for e in chain["entries"] if e["record_id"] == "butie-2015"] == [code]


def test_the_code_follows_the_content_not_the_paper(make_site) -> None:
    root = make_site(base=SHEETS)
    site = check(root, TODAY).site
    rec = site.by_id["butie-2015"]
    digest = content_digest(rec)
    (path,) = list((root / "content" / "subsidies").glob("butie-2015.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("王五", "王武"), encoding="utf-8")
    assert content_digest(check(root, TODAY).site.by_id["butie-2015"]) != digest


# --- git as witness ----------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)


@pytest.fixture
def repo(site: Path) -> Iterator[Path]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(site, "init", "-q")
    git(site, "config", "user.email", "t@example.com")
    git(site, "config", "user.name", "t")
    git(site, "add", "-A")
    assert git(site, "commit", "-qm", "x").returncode == 0
    yield site


def hook(repo: Path) -> subprocess.CompletedProcess[str]:
    return run("hooks", "run", cwd=repo)


def test_hook_refuses_modifying_or_deleting_archive_files(repo: Path) -> None:
    path = entry(repo, "tongzhi")
    sheet = path / "sheet.html"
    sheet.write_bytes(sheet.read_bytes() + b"\n")
    git(repo, "add", "-A")
    r = hook(repo)
    assert r.returncode == 1 and "GK508" in r.stderr and "sheet.html" in r.stderr and "Traceback" not in r.stderr
    git(repo, "checkout", "HEAD", "--", ".")
    git(repo, "reset", "-q")
    shutil.rmtree(entry(repo, "fupin-2015"))
    git(repo, "add", "-A")
    r = hook(repo)
    assert r.returncode == 1 and "删除了公开栏存档的文件" in r.stderr


def test_hook_lets_new_entries_in(repo: Path) -> None:
    archive_posting(repo, "yusuan-2015", date(2015, 6, 2), pdf=False)
    git(repo, "add", "-A")
    r = hook(repo)
    assert r.returncode == 0, r.stderr


# --- optional signing ----------------------------------------------------------------------------------


def test_signed_manifests_when_site_yaml_names_a_key(make_site, tmp_path: Path) -> None:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("OpenSSH is not installed")
    key = tmp_path / "zhen_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "zhen", "-f", str(key)], check=True)
    root = make_site(base=SHEETS)
    yaml = root / "content" / "site.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + f"archive_signing_key: {key}\n", encoding="utf-8")
    path = archive_posting(root, "butie-2015", date(2015, 5, 12), pdf=False).path
    sig = path / "manifest.json.sig"
    assert sig.read_text(encoding="ascii").startswith("-----BEGIN SSH SIGNATURE-----")
    ok(root)
    # Anyone with the township's published public key checks who signed it.
    signers = tmp_path / "allowed_signers"
    signers.write_text("zhen " + (tmp_path / "zhen_ed25519.pub").read_text(encoding="ascii"), encoding="ascii")
    with (path / MANIFEST).open("rb") as f:
        r = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(signers), "-I", "zhen", "-n", "gongkai-archive", "-s", str(sig)],
            stdin=f,
            capture_output=True,
        )
    assert r.returncode == 0, r.stderr
    build(root, TODAY)
    assert (root / "build" / "postings" / "2015" / "05-12" / "butie-2015" / "manifest.json.sig").is_file()
    # A re-digested manifest no longer matches its signature.
    rewrite(path, lambda m: m.update(place="别处"))
    assert [(c, p) for c, p, _ in problems(root)] == [
        ("GK501", f"{path.relative_to(root).as_posix()}/manifest.json.sig")
    ]


def test_no_key_no_signature(site: Path) -> None:
    assert not list((site / "content" / "archive").rglob("*.sig"))
