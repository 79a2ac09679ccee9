"""``gongkai print`` and ``gongkai archive``: notice sheets for the board;
``gongkai reply``: the 答复书 of an application in the register."""

from __future__ import annotations

from pathlib import Path

import click

from gongkai.commands.cli_base import (
    CONTEXT,
    LANDSCAPE_OPT,
    SIZE_OPT,
    TODAY_OPT,
    Command,
    paper_of,
    parse_today,
    print_problems,
)
from gongkai.commands.progress import StageProgress
from gongkai.core.dates import parse_date_text
from gongkai.run.build import build as run_build

__all__ = ["archive", "print_sheets", "reply"]


@click.command(
    "print",
    cls=Command,
    context_settings=CONTEXT,
    help="生成公开栏公示单：重新生成网站，把编号为 ID 的信息的公示单排在指定纸张上，"
    "写到 build/print/ID/index.html（用浏览器打开，按 Ctrl+P 打印）；加 --pdf 同时生成 build/print/ID.pdf。"
    "名单只在公开栏张贴的（names: board），公示单写到 SITE/board/ID/index.html 和 SITE/board/ID.pdf，不进网站。",
)
@click.argument("ids", metavar="ID…", nargs=-1, required=True)
@click.option(
    "--site", "site", default=".", type=click.Path(file_okay=False, path_type=Path), help="网站目录（默认当前目录）。"
)
@SIZE_OPT
@LANDSCAPE_OPT
@click.option("--pdf", is_flag=True, help='同时生成 PDF（需要 pip install "gongkai[pdf]" 和中文字体）。')
@click.option(
    "--out", metavar="DIRECTORY", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认 SITE/build）。"
)
@TODAY_OPT
def print_sheets(
    ids: tuple[str, ...], site: Path, size: str | None, landscape: bool, pdf: bool, out: Path | None, today: str | None
) -> None:
    from gongkai.commands.board import board_ids, checked_site, print_board
    from gongkai.plan.sheet_layout import SheetRequest

    paper = paper_of(size, landscape)
    day = parse_today(today)
    wanted = tuple(dict.fromkeys(ids))
    checked, warnings = checked_site(site, day)  # which rosters are for the board only (names: board)
    board = board_ids(checked, wanted)
    on_site = tuple(i for i in wanted if i not in board)
    printed: list[Path] = []
    if on_site:
        progress = StageProgress(show=True)
        try:
            result = run_build(site, day, out=out, sheets=SheetRequest(on_site, paper, pdf), progress=progress)
        finally:
            progress.close()
        print_problems(list(result.warnings), err=True)
        printed += [result.out / rel for rel in result.printed]
    if board:
        if not on_site:
            print_problems(list(warnings), err=True)
        sheets = print_board(checked, board, paper, pdf, out or Path(checked.root) / "build")
        printed += [p for p in sheets.written if p.suffix in (".html", ".pdf")]
    click.echo(f"已生成公示单（{paper.label if paper else '默认纸张'}）：")
    for path in printed:
        click.echo(f"  {path}{_what(path)}")
    if board:
        click.echo(
            f"其中 {'、'.join(board)} 的名单只在公开栏张贴：公示单写在网站目录的 board/ 下，"
            "不在 build/ 中，不会发布；打印张贴后不要上传或转发。"
        )
        if pdf and sheets.pdf_note:
            click.echo(f"未生成 PDF：{sheets.pdf_note}", err=True)
    if not pdf:
        click.echo("用浏览器打开上面的网页，按 Ctrl+P 打印（边距选“默认”，取消“页眉和页脚”）。")


@click.command(
    cls=Command,
    context_settings=CONTEXT,
    help="公开栏存档：把编号为 ID 的信息在 --posted 这天张贴的公示单（网页和 PDF）、原始记录和现场照片"
    "连同校验清单 manifest.json 保存到 content/archive/年/月-日/ID/。已有的存档从不覆盖。",
)
@click.argument("record_id", metavar="ID")
@click.argument("more_photos", metavar="[照片…]", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--posted", required=True, metavar="YYYY-MM-DD", help="张贴日期（必填）。")
@click.option("--place", default="", metavar="地点", help="张贴地点，如 众兴村公开栏。")
@click.option(
    "--photo",
    "photos",
    multiple=True,
    metavar="照片",
    type=click.Path(dir_okay=False, path_type=Path),
    help="现场照片（JPG/PNG），可写多张：--photo 1.jpg 2.jpg。",
)
@click.option(
    "--site", "site", default=".", type=click.Path(file_okay=False, path_type=Path), help="网站目录（默认当前目录）。"
)
@SIZE_OPT
@LANDSCAPE_OPT
@click.option("--no-pdf", is_flag=True, help="不生成 PDF（默认装有 WeasyPrint 时生成）。")
@click.option("--again", is_flag=True, help="同一天再次张贴同一条信息（如另一块公开栏）时必须加上。")
def archive(
    record_id: str,
    more_photos: tuple[Path, ...],
    posted: str,
    place: str,
    photos: tuple[Path, ...],
    site: Path,
    size: str | None,
    landscape: bool,
    no_pdf: bool,
    again: bool,
) -> None:
    from gongkai.commands.archive import archive_posting

    day = parse_date_text(posted)
    if day is None:
        raise click.BadParameter(f"“{posted}”不是有效日期，应为 YYYY-MM-DD", param_hint="--posted")
    if day > parse_today(None):
        raise click.BadParameter(f"张贴日期 {day.isoformat()} 还没到，应为实际张贴的日期", param_hint="--posted")
    entry = archive_posting(
        site, record_id, day, place, (*photos, *more_photos), paper_of(size, landscape), pdf=not no_pdf, again=again
    )
    if entry.again:
        click.echo(f"注意：“{record_id}”在 {day.isoformat()} 已经存档过，这是同一天的又一次张贴（--again）。")
    n_photos = sum(1 for f in entry.files if f.startswith("photos/"))
    click.echo(f"已存档：{entry.rel}/（公示单 {entry.pages} 页，照片 {n_photos} 张，共 {len(entry.files)} 个文件）")
    for rel in entry.files:
        note = f"（公示单网页，{entry.pages} 页）" if rel == "sheet.html" else _what(entry.path / rel)
        click.echo(f"  {entry.rel}/{rel}{note}")
    click.echo(f"存档链第 {entry.seq} 条，核验码 {entry.code}：应与张贴的公示单上印的核验码一致。")
    if entry.pdf_note:
        click.echo(f"未生成 PDF：{entry.pdf_note}", err=True)
    click.echo(
        "运行 gongkai build 后，这次张贴会出现在网站的“公开栏存档”栏目"
        + ("（名单只在公开栏张贴：网站只显示张贴日期、地点和核验码，不发布公示单和照片）" if entry.board_only else "")
        + "。存档文件不得修改，请与内容一起保存（使用 git 的请一并提交）。"
    )


def _what(path: Path) -> str:
    """A PDF's page count, read from the file written."""
    if path.suffix.lower() != ".pdf":
        return ""
    from pypdf import PdfReader

    return f"（PDF，{len(PdfReader(path).pages)} 页）"


@click.command(
    "reply",
    cls=Command,
    context_settings=CONTEXT,
    help="生成依申请公开的答复书：按登记簿（content/applications/register/）中编号为 NO 的申请，"
    "生成 A4 的《政府信息公开申请答复书》PDF（条例第三十六条、第三十七条），默认写到 SITE/答复书/。"
    "答复书不上网站。",
)
@click.argument("no", metavar="NO")
@click.option(
    "--site", "site", default=".", type=click.Path(file_okay=False, path_type=Path), help="网站目录（默认当前目录）。"
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PDF 文件路径（默认 SITE/答复书/政府信息公开申请答复书-NO.pdf；不能在 build/ 或 content/ 里）。",
)
@click.option(
    "--date", "reply_date", metavar="YYYY-MM-DD", help="答复书落款日期（默认取登记簿的答复日期，没有则为今天）。"
)
@click.option(
    "--applicant",
    default="",
    metavar="姓名或名称",
    help="申请人的姓名或名称，只印在这份答复书上，不写入登记簿（不写则留空，打印后手填）。",
)
@click.option("--html", is_flag=True, help="生成网页（HTML）而不是 PDF：用浏览器打开后打印。")
@TODAY_OPT
def reply(
    no: str, site: Path, out: Path | None, reply_date: str | None, applicant: str, html: bool, today: str | None
) -> None:
    from gongkai.commands.reply import write_reply

    when = None
    if reply_date:
        when = parse_date_text(reply_date)
        if when is None:
            raise click.BadParameter(f"“{reply_date}”不是有效日期，应为 YYYY-MM-DD", param_hint="--date")
    path, letter = write_reply(site, no, parse_today(today), out, when, applicant, html)
    click.echo(f"已生成答复书（{letter.form.name}，条例{letter.form.item}）：{path}")
    if not letter.applicant:
        click.echo("申请人姓名留空，打印后手填；核对无误后加盖公章，按申请人要求的方式送达。")
