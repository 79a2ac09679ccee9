"""Issue 13: nothing personal leaves the township.

Every vector of the issue, through the real build (last gate) and the real
git pre-commit hook, which share one scanner (gongkai/scan.py)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from PIL import Image

from gongkai import ContentError, build
from gongkai.check.scan import scan_file
from gongkai.commands.hooks import check_blob, hook_script
from gongkai.core.id_numbers import id_check_char, luhn_ok
from gongkai.core.privacy import find_pii
from gongkai.core.privacy_seen import find_pii_seen

TODAY = date(2015, 3, 5)


def make_id(region: str = "500230", birth: str = "20170803", seq: str = "618") -> str:
    first17 = region + birth + seq
    return first17 + id_check_char(first17)


def make_card(stem: str = "622202123456789012") -> str:
    return next(stem + d for d in "0123456789" if luhn_ok(stem + d))


ID = make_id()
CARD = make_card()
MOBILE = "13812345678"


def notice(attachments: list[str], body: str = "附件如下。") -> str:
    items = "\n".join(f"  - {a}" for a in attachments)
    return f"---\ntitle: 通知\npublisher: town\ndate: 2015-03-01\ncategory: 其他\nattachments:\n{items}\n---\n{body}\n"


def xlsx(rows: list[list[str]], hidden: list[list[str]] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if hidden is not None:
        h = wb.create_sheet("隐藏")
        for r in hidden:
            h.append(r)
        h.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        half = len(text) // 2
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text[:half]}</w:t></w:r><w:r><w:t>{text[half:]}</w:t></w:r></w:p></w:body>"
            "</w:document>",
        )
    return buf.getvalue()


def built_problems(site: Path, tmp_path: Path) -> list[tuple[str, str]]:
    out = tmp_path / "out"
    try:
        build(site, TODAY, out=out)
    except ContentError as exc:
        assert not out.exists()
        return [(p.code, p.loc.path) for p in exc.problems]
    return []


PAY = [["姓名", "身份证号", "银行卡号", "手机"], ["张三", ID, CARD, MOBILE]]

ATTACHMENTS: dict[str, bytes] = {
    "发放明细.xlsx": xlsx(PAY),
    "名单.txt": ("姓名\t身份证号\n张三\t" + ID + "\n").encode("utf-16"),
    "名单.tsv": ("姓名\t身份证号\n张三\t" + ID + "\n").encode("utf-8"),
    "联系人.csv": ("姓名,电话\n张三," + MOBILE + "\n").encode("utf-8"),
    "名单.log": ("张三 " + ID + "\n").encode("gbk"),
    "名片.vcf": ("BEGIN:VCARD\nTEL:" + MOBILE + "\nEND:VCARD\n").encode(),
    "隐藏.xlsx": xlsx([["姓名"], ["张三"]], hidden=[["身份证号"], [ID]]),
    "说明.docx": docx("张三身份证号" + ID),
    "数据.jsonl": ('{"id": "' + ID + '"}\n').encode(),
}


@pytest.mark.parametrize("name", sorted(ATTACHMENTS))
def test_attachment_with_personal_numbers_stops_the_build(make_site, tmp_path: Path, name: str) -> None:
    site = make_site({"notices/n.md": notice([name]), f"notices/{name}": ATTACHMENTS[name]})
    found = built_problems(site, tmp_path)
    assert found and all(code == "GK404" for code, _ in found), found
    assert any(path.endswith(name) for _, path in found), found


@pytest.mark.parametrize("name", sorted(ATTACHMENTS))
def test_hook_refuses_the_same_attachment(name: str) -> None:
    problems = check_blob(f"content/notices/{name}", ATTACHMENTS[name], ("",))
    assert {p.code for p in problems} & {"GK401", "GK402", "GK403"}, problems


def test_number_in_an_attachment_name(make_site, tmp_path: Path) -> None:
    name = f"scan_{ID}.txt"
    site = make_site({"notices/n.md": notice([name]), f"notices/{name}": "扫描件说明".encode()})
    found = built_problems(site, tmp_path)
    assert ("GK401", "content/notices/n.md") in found, found  # check sees it in the record already
    assert check_blob(f"content/notices/{name}", b"hello")


def test_mobile_in_a_theme_template_is_caught(make_site, tmp_path: Path) -> None:
    site = make_site()
    override = site / "themes" / "default" / "templates"
    override.mkdir(parents=True)
    default = Path(__file__).resolve().parent.parent / "themes" / "default" / "templates" / "home.html"
    text = default.read_text(encoding="utf-8").replace("{% endblock %}", f"<p>联系 {MOBILE}</p>{{% endblock %}}", 1)
    (override / "home.html").write_text(text, encoding="utf-8")
    assert ("GK404", "build/index.html") in built_problems(site, tmp_path)


def test_contact_phone_in_site_yaml_is_published(make_site, tmp_path: Path) -> None:
    site = make_site()
    cfg = (site / "content" / "site.yaml").read_text(encoding="utf-8")
    assert "hotline" in cfg
    lines = [f"  hotline: {MOBILE}" if ln.strip().startswith("hotline:") else ln for ln in cfg.splitlines()]
    (site / "content" / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert built_problems(site, tmp_path) == []


@pytest.mark.parametrize(
    "attachment",
    ["说明.html", "图.svg", "脚本.js"],
)
def test_script_attachments_are_refused(make_site, tmp_path: Path, attachment: str) -> None:
    site = make_site({"notices/n.md": notice([attachment]), f"notices/{attachment}": b"<p>hi</p>"})
    assert "GK405" in {c for c, _ in built_problems(site, tmp_path)}


def test_unreadable_attachment_is_refused_unless_allowed(make_site, tmp_path: Path) -> None:
    blob = bytes(range(256)) * 8
    site = make_site({"notices/n.md": notice(["数据.bin"]), "notices/数据.bin": blob})
    assert "GK405" in {c for c, _ in built_problems(site, tmp_path)}
    cfg = site / "content" / "site.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + 'allow_unread: [".bin"]\n', encoding="utf-8")
    assert built_problems(site, tmp_path) == []


def test_allowlisted_number_is_published(make_site, tmp_path: Path) -> None:
    case = make_id("320826", "20150301", "001")  # a 受理编号: region + date + sequence
    site = make_site({"notices/n.md": notice([], body=f"编号 {case} 的申请已办结。").replace("attachments:\n\n", "")})
    refused = built_problems(site, tmp_path)  # without the allowlist it looks like an ID: refused
    assert any(c in ("GK401", "GK404") for c, _ in refused), refused
    cfg = site / "content" / "site.yaml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8") + f'allow_numbers:\n  - {{number: "{case}", reason: 办件编号}}\n',
        encoding="utf-8",
    )
    found = built_problems(site, tmp_path)
    assert not any(c in ("GK401", "GK404") for c, _ in found), found


# --- numbers split for display -------------------------------------------------------------

SPLIT = {
    "line break": f"{ID[:10]}\n{ID[10:]}",
    "tab": f"{ID[:14]}\t{ID[14:]}",
    "four spaces": f"{ID[:6]}    {ID[6:14]}    {ID[14:]}",
    "nbsp": f"{ID[:6]}\u00a0\u00a0\u00a0\u00a0{ID[6:]}",
    "ideographic": f"{ID[:6]}\u3000\u3000\u3000\u3000{ID[6:]}",
    "emphasis card": f"{CARD[:8]}*{CARD[8:]}*",
    "emphasis mobile": f"{MOBILE[:3]}*{MOBILE[3:]}*",
    "emphasis id": f"{ID[:6]}*{ID[6:14]}*{ID[14:]}",
    "14+4": f"{ID[:14]} {ID[14:]}",
    "dots": f"{ID[:6]}.{ID[6:14]}.{ID[14:]}",
    "run into a mobile": ID + MOBILE,
    "circled": MOBILE.translate(str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")),
    "mathematical": ID[:-1].translate({ord(c): 0x1D7CE + int(c) for c in "0123456789"}) + ID[-1],
    "em tags": f"{ID[:6]}<em>{ID[6:14]}</em>{ID[14:]}",
}


@pytest.mark.parametrize("how", sorted(SPLIT))
def test_split_numbers_are_seen(how: str) -> None:
    text = SPLIT[how]
    assert find_pii_seen(text.replace("<em>", "").replace("</em>", "")) or how == "em tags"
    assert scan_file("a.html", f"<p>姓名 {text}</p>".encode())


@pytest.mark.parametrize("how", sorted(SPLIT))
def test_split_numbers_in_markdown_stop_check_and_hook(make_site, tmp_path: Path, how: str) -> None:
    body = f"联系人 {SPLIT[how]} 。"
    site = make_site({"notices/n.md": notice([], body=body).replace("attachments:\n\n", "")})
    found = built_problems(site, tmp_path)
    assert found, how
    assert check_blob("content/notices/n.md", (site / "content/notices/n.md").read_bytes())


# --- photos -------------------------------------------------------------------------------


def photo_with_metadata() -> bytes:
    im = Image.new("RGB", (8, 8), "white")
    exif = Image.Exif()
    exif[0x010E] = f"户主 {ID} 卡 {CARD} 电话 {MOBILE}"  # ImageDescription
    exif[0x0112] = 6  # orientation
    exif[0x8825] = {1: "N", 2: (31.0, 30.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_photo_metadata_is_read() -> None:
    kinds = {h.kind for h in scan_file("p.jpg", photo_with_metadata())}
    assert {"id", "card", "phone", "gps"} <= kinds


def test_photo_with_gps_attachment_stops_the_build(make_site, tmp_path: Path) -> None:
    site = make_site({"notices/n.md": notice(["照片.jpg"]), "notices/照片.jpg": photo_with_metadata()})
    codes = {c for c, _ in built_problems(site, tmp_path)}
    assert {"GK404", "GK406"} <= codes


# --- the hook -----------------------------------------------------------------------------


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, encoding="utf-8")


@pytest.fixture
def repo(make_site, tmp_path: Path) -> Path:
    """A repository holding the site in a subfolder, with the hook installed."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    top = tmp_path / "repo"
    top.mkdir()
    site = make_site()
    shutil.move(str(site), top / "站点")
    git(top, "init", "-q")
    git(top, "config", "user.email", "clerk@example.org")
    git(top, "config", "user.name", "信息员")
    r = subprocess.run(
        [sys.executable, "-m", "gongkai", "hooks", "install", str(top)], capture_output=True, text=True, cwd=top
    )
    assert r.returncode == 0, r.stderr
    git(top, "add", "-A")
    r = git(top, "commit", "-qm", "网站")
    assert r.returncode == 0, r.stdout + r.stderr
    return top


STAGED: dict[str, bytes] = {
    "站点/content/subsidies/名单.csv": f"张三,{ID},{CARD},{MOBILE}\n".encode(),  # headerless
    "站点/content/subsidies/发放.xlsx": xlsx([["姓名", "银行卡号", "联系电话"], ["张三", CARD, MOBILE]]),
    "站点/content/subsidies/隐藏.xlsx": xlsx([["姓名"], ["张三"]], hidden=[[ID]]),
    "站点/content/notices/n.md": f"---\ntitle: 通知\n---\n320826*19800101*1237 {ID[:6]}*{ID[6:14]}*{ID[14:]}\n".encode(),
    "站点/content/notices/说明.docx": docx(f"身份证号{ID}"),
    "站点/content/site.yaml.bak": f"contact:\n  hotline: {ID}\n".encode(),
}


@pytest.mark.parametrize("rel", sorted(STAGED))
def test_hook_refuses_every_spreadsheet_case(repo: Path, rel: str) -> None:
    p = repo / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(STAGED[rel])
    git(repo, "add", "-A")
    r = git(repo, "commit", "-qm", "名单")
    assert r.returncode != 0, r.stdout + r.stderr
    assert "GK40" in r.stdout + r.stderr
    assert ID not in r.stdout + r.stderr


def test_hook_checks_renamed_files(repo: Path) -> None:
    p = repo / "站点" / "content" / "a.txt"
    p.write_text("说明\n", encoding="utf-8")
    git(repo, "add", "-A")
    assert git(repo, "commit", "-qm", "a").returncode == 0
    git(repo, "mv", "站点/content/a.txt", f"站点/content/{MOBILE}.txt")
    r = git(repo, "commit", "-qm", "rename")
    assert r.returncode != 0 and "GK403" in r.stdout + r.stderr


def test_hook_without_gongkai_speaks_chinese(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "clerk@example.org")
    git(repo, "config", "user.name", "信息员")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(hook_script("/nonexistent/python"), encoding="utf-8")
    hook.chmod(0o755)
    env_path = "/usr/bin:/bin"  # no python with gongkai on this PATH
    (repo / "README").write_text("x", encoding="utf-8")
    git(repo, "add", "-A")
    r = subprocess.run(
        ["git", "commit", "-qm", "readme"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={"PATH": env_path, "HOME": str(tmp_path)},
    )
    assert r.returncode == 0, r.stderr
    (repo / "content").mkdir()
    (repo / "content" / "n.md").write_text("x", encoding="utf-8")
    git(repo, "add", "-A")
    r = subprocess.run(
        ["git", "commit", "-qm", "content"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={"PATH": env_path, "HOME": str(tmp_path)},
    )
    assert r.returncode != 0
    assert "重新安装" in r.stderr and "No module named" not in r.stderr


# --- false alarms -------------------------------------------------------------------------


def gs15(first14: str) -> str:
    p = 10
    for ch in first14:
        s = (p + int(ch)) % 10 or 10
        p = (2 * s) % 11
    return first14 + str((11 - p) % 10)


def test_registration_numbers_and_labelled_codes_are_not_personal() -> None:
    reg = gs15("32082600001234")
    assert find_pii(f"注册号{reg}") == [] and find_pii(reg) == []
    case = make_id("320826", "20230101", "123")
    assert find_pii(f"受理编号：{case}") == []
    assert find_pii(f"办件编号 {case}") == []
    parcel = make_card("620102001002030001")  # 甘肃 地块编码, Luhn-valid by construction
    assert find_pii(f"地块编码：{parcel}") == []
    assert find_pii(f"订单号 {parcel}") == []
    # a region that does not exist is no ID
    assert find_pii(make_id("990826", "19800101", "123")) == []


# --- limits -------------------------------------------------------------------------------


def test_pathological_markdown_is_refused_before_rendering(make_site, tmp_path: Path) -> None:
    from gongkai import check

    site = make_site({"notices/n.md": notice([], body="[" * 8192).replace("attachments:\n\n", "")})
    codes = {p.code for p in check(site, TODAY).problems}
    assert "GK012" in codes
    assert "GK012" in {c for c, _ in built_problems(site, tmp_path)}


def test_ordinary_markdown_links_are_fine() -> None:
    from gongkai.core.limits import markdown_problem

    assert markdown_problem("见[通知](a.html)。" * 200) is None
    assert markdown_problem("[" * 8192) is not None
    assert markdown_problem("*a" * 500_000) is not None
    assert markdown_problem("<a" * 500_000) is not None
    assert markdown_problem("> " * 100) is not None


def test_shared_strings_cap_is_read_from_the_zip_directory(make_site) -> None:
    from gongkai.read.roster import read_roster
    from gongkai.read.roster_cells import MAX_SHARED_STRINGS_BYTES

    # a hostile workbook: a small file whose shared-string table expands far
    base = xlsx([["村", "姓名", "身份证号", "面积", "金额"], ["东湖村", "张三", "320826********1234", "1", "1"]])
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        si = "<si><t>" + "数" * 10_000 + "</t></si>"
        count = MAX_SHARED_STRINGS_BYTES // len(si.encode()) + 10
        out.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}">'
            + si * count
            + "</sst>",
        )
    data = buf.getvalue()
    assert len(data) < 10 * 2**20
    roster, problems = read_roster(data, "名单.xlsx", "content/subsidies/名单.xlsx")
    assert roster is None and [p.code for p in problems] == ["GK121"]


def test_unknown_key_holding_an_id_is_echoed_masked(make_site) -> None:
    from gongkai import check

    site = make_site(
        {"notices/n.md": f"---\ntitle: 通知\npublisher: town\ndate: 2015-03-01\ncategory: 其他\n{ID}: 1\n---\n正文\n"}
    )
    problems = [p for p in check(site, TODAY).problems if p.code == "GK101"]
    assert problems and all(ID not in p.format() for p in problems)
