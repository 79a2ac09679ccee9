"""The ``gongkai`` command.  Parses arguments, calls the API, prints in Chinese.

Exit codes: 0 success, 1 content or output errors, 2 usage errors.
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from gongkai.core.errors import ContentError, GongkaiError, Problem
from gongkai.core.schema.kinds import parse_date_text
from gongkai.core.version import __version__
from gongkai.run.build import build as run_build
from gongkai.run.build import check as run_check

__all__ = ["main"]


_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
_CLICK_MESSAGES = (  # click's own usage errors, in the clerk's language
    (re.compile(r"No such option:? '?([^'.]+)'?\.?(?: Did you mean '?([^'?]+)'?\?)?"), "没有这个选项：{0}"),
    (re.compile(r"Missing argument '([^']+)'\.?"), "缺少参数 {0}"),
    (re.compile(r"Missing option '([^']+)'\.?"), "缺少选项 {0}"),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)"), "多余的参数：{0}"),
    (re.compile(r"Option '([^']+)' requires an argument\.?"), "选项 {0} 后面需要写一个值"),
    (re.compile(r"No such command '([^']+)'\.?"), "没有这个命令：{0}"),
    (re.compile(r"Invalid value for '([^']+)': (.*)", re.S), "{0} 的值无效：{1}"),
)


def _chinese(message: str) -> str:
    for pattern, zh in _CLICK_MESSAGES:
        m = pattern.match(message)
        if m:
            return zh.format(*(g or "" for g in m.groups()))
    return message


class _Formatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(
            prog, args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]..."), "用法："
        )

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")


class _Context(click.Context):
    formatter_class = _Formatter


class _Command(click.Command):
    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option


class _Group(click.Group):
    """Usage errors in Chinese, exit code 2; GongkaiError → exit code 1."""

    context_class = _Context
    command_class = _Command
    group_class = type  # sub-groups (gongkai hooks) are made the same way

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("已取消。", err=True)
            sys.exit(1)
        except click.UsageError as exc:
            hint = f"\n运行 {exc.ctx.command_path} --help 查看用法。" if exc.ctx else ""
            click.echo(f"用法错误：{_chinese(exc.format_message())}{hint}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"错误：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except ContentError as exc:
            _print_problems(exc.problems, err=True)
            click.echo(f"\n{exc}。请按上面的提示修改后重新生成。", err=True)
            sys.exit(1)
        except GongkaiError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(1)


CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group(cls=_Group, context_settings=CONTEXT, help="gongkai：乡镇政务公开网站与公开栏公示单生成工具。")
@click.version_option(__version__, "--version", message="gongkai %(version)s", help="显示版本号。")
def main() -> None:
    pass


def _today(value: str | None) -> date:
    if value:
        d = parse_date_text(value)
        if d is None:
            raise click.BadParameter(f"“{value}”不是有效日期，应为 YYYY-MM-DD", param_hint="--today")
        return d
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC).date()
        except (ValueError, OverflowError, OSError) as exc:
            raise click.BadParameter(f"环境变量 SOURCE_DATE_EPOCH 无效：{epoch}") from exc
    return date.today()


MAX_PRINTED = 200  # problems printed; a hostile file can make hundreds of thousands


def _print_problems(problems: list[Problem], err: bool = False) -> None:
    for p in problems[:MAX_PRINTED]:
        click.echo(p.format(), err=err)
    if len(problems) > MAX_PRINTED:
        click.echo(f"……另有 {len(problems) - MAX_PRINTED} 处问题未列出；先改正上面这些再检查。", err=err)


SITE_ARG = click.argument("site", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
TODAY_OPT = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="以这一天为“今天”：决定哪些信息已发布、哪些在公示期内（默认取 SOURCE_DATE_EPOCH 或系统日期）。",
)
DRAFTS_OPT = click.option("--drafts", is_flag=True, help="同时生成草稿（draft: true）。")


@main.command(context_settings=CONTEXT, help="生成网站：检查 SITE 中的内容，无误后生成到 SITE/build/。")
@SITE_ARG
@click.option(
    "--out", metavar="DIRECTORY", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认 SITE/build）。"
)
@TODAY_OPT
@DRAFTS_OPT
@click.option("--strict", is_flag=True, help="有警告也不生成。")
def build(site: Path, out: Path | None, today: str | None, drafts: bool, strict: bool) -> None:
    if (site / "county.yaml").is_file():  # a county portal: every township, then the county pages
        if out is not None:
            raise click.BadParameter("县目录总是生成到 县目录/build/", param_hint="--out")
        _county_build(site, _today(today))
        return
    result = run_build(site, _today(today), out=out, drafts=drafts, strict=strict)
    _print_problems(list(result.warnings), err=True)
    if result.unchanged:
        click.echo(f"内容和模板都没有变化，网站无需重新生成：{result.out}")
    elif result.kept:  # an earlier build's unchanged files were left as they were
        click.echo(
            f"已更新 {len(result.made)} 个页面（网站共 {result.pages} 个页面、{result.files} 个文件，"
            f"{result.bytes / 1024 / 1024:.1f} MB；其余未变，保持原样），输出到 {result.out}"
        )
    else:
        click.echo(
            f"已生成 {result.pages} 个页面，共 {result.files} 个文件（{result.bytes / 1024 / 1024:.1f} MB），"
            f"输出到 {result.out}"
        )
    if result.registered:
        click.echo(
            f"已为 {len(result.registered)} 条新发布的信息编制索引号，记录在 content/index-numbers.yaml"
            "（请与内容一起保存；使用 git 的请一并提交）。"
        )
    if result.warnings:
        click.echo(f"有 {len(result.warnings)} 条警告，请留意。", err=True)


@main.command(context_settings=CONTEXT, help="只检查内容，列出所有问题；有错误时退出码为 1。")
@SITE_ARG
@TODAY_OPT
@DRAFTS_OPT
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="输出格式：text（默认）或 json（供编辑器和持续集成使用）。",
)
@click.option("--strict", is_flag=True, help="警告也算作错误。")
def check(site: Path, today: str | None, drafts: bool, fmt: str, strict: bool) -> None:
    if (site / "county.yaml").is_file():
        _county_check(site, _today(today), fmt)
        return
    result = run_check(site, _today(today), drafts=drafts)
    problems = sorted(result.problems, key=Problem.sort_key)
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    failed = bool(errors) or (strict and bool(warnings)) or result.site is None
    if fmt == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        _print_problems(problems)
        if failed:
            click.echo(f"\n发现 {len(errors)} 处错误、{len(warnings)} 条警告。")
        else:
            n = len(result.site.records) if result.site else 0
            click.echo(f"检查通过：{n} 条记录，{len(warnings)} 条警告。")
    sys.exit(1 if failed else 0)


@main.command(context_settings=CONTEXT, help="新建一个乡镇网站：生成 site.yaml、每类记录的示例和信息员使用说明。")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def new(directory: Path) -> None:
    from gongkai.commands.new import create_site

    created = create_site(directory)
    click.echo(f"已在 {directory} 新建网站（{len(created)} 个文件）。")
    from gongkai.commands.hooks import init_repo_with_hook

    hook = init_repo_with_hook(directory)
    if hook is not None:
        click.echo(f"已建立 git 仓库并安装提交前检查（{hook.name}）：含未遮蔽身份证号等个人信息的文件不能提交。")
    else:
        click.echo("没有找到 git：安装 Git 后在网站目录运行 gongkai hooks install，以便提交前检查个人信息。")
    click.echo("下一步：")
    click.echo(f"  1. 修改 {directory / 'content' / 'site.yaml'}，填写本镇名称、公开主体和联系方式；")
    click.echo(f"  2. 阅读 {directory / '使用说明.md'}；")
    click.echo(f"  3. 运行 gongkai build {directory} 生成网站，打开 {directory / 'build' / 'index.html'} 查看。")


@main.command(
    context_settings=CONTEXT,
    help="生成 YEAR 年的政府信息公开工作年度报告：根据 content/applications/YEAR.yaml 和该年发布的信息，"
    "写入 content/notices/niandu-baogao-YEAR.md（已存在时不覆盖）。",
)
@click.argument("year", type=click.IntRange(1990, 2100))
@SITE_ARG
@click.option(
    "--date", "report_date", metavar="YYYY-MM-DD", help="报告发布日期（默认取数据文件中的 date，或次年 1 月 31 日）。"
)
@TODAY_OPT
@click.option("--force", is_flag=True, help="报告文件已存在时重新生成并覆盖。")
def report(year: int, site: Path, report_date: str | None, today: str | None, force: bool) -> None:
    from gongkai.commands.report import write_report

    when = None
    if report_date:
        when = parse_date_text(report_date)
        if when is None:
            raise click.BadParameter(f"“{report_date}”不是有效日期，应为 YYYY-MM-DD", param_hint="--date")
    path, rep = write_report(site, year, _today(today), when, force)
    received = sum(rep.received.values())
    click.echo(
        f"已生成 {rep.year} 年年度报告：{path}（发布日期 {rep.date.isoformat()}；主动公开 {rep.published} 条，"
        f"新收申请 {received} 件，各表已核对相加一致）。"
    )
    click.echo("请核对报告第一、五、六部分的文字，然后运行 gongkai build 生成网站。")


@main.command(
    context_settings=CONTEXT,
    help="把生成好的网站打包成一个 zip 文件（附 SHA256SUMS 校验清单），用于上传县门户网站或用 U 盘移交。",
)
@SITE_ARG
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="zip 文件路径（默认 SITE/网站目录名.zip）。"
)
@click.option(
    "--build",
    "build_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="要打包的网站目录（默认 SITE/build）。",
)
def pack(site: Path, out: Path | None, build_dir: Path | None) -> None:
    from gongkai.commands.pack import pack as run_pack
    from gongkai.read.load import find_site_root

    root = find_site_root(site)
    src = build_dir or root / "build"
    result = run_pack(src, out or root / f"{src.resolve().name}.zip")
    click.echo(
        f"已打包 {result.files} 个文件（{result.bytes / 1024 / 1024:.1f} MB）到 {result.zip_path}，"
        "内含 SHA256SUMS 校验清单。"
    )


@main.group(context_settings=CONTEXT, help="git 提交检查：在提交前拦截身份证号、银行卡号和手机号。")
def hooks() -> None:
    pass


@hooks.command("install", context_settings=CONTEXT, help="在网站的 git 仓库中安装提交前检查（pre-commit 钩子）。")
@click.argument("site", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def hooks_install(site: Path) -> None:
    from gongkai.commands.hooks import install_hook

    hook = install_hook(site)
    click.echo(f"已安装提交前检查：{hook}")
    click.echo("以后每次 git commit 前都会检查要提交的文件；发现未遮蔽的身份证号、银行卡号或手机号时拒绝提交。")


@hooks.command("run", context_settings=CONTEXT, help="检查已暂存（git add）的文件；由 pre-commit 钩子调用。")
def hooks_run() -> None:
    from gongkai.commands.hooks import archive_changes, check_staged

    frozen = sorted(archive_changes(Path(".")), key=Problem.sort_key)
    if frozen:
        _print_problems(frozen, err=True)
        click.echo(f"\n提交被拒绝：{len(frozen)} 个已存档的文件被修改或删除。", err=True)
        sys.exit(1)
    problems = sorted(check_staged(Path(".")), key=Problem.sort_key)
    if problems:
        _print_problems(problems, err=True)
        click.echo(
            f"\n提交被拒绝：发现 {len(problems)} 处个人敏感信息。"
            "改正后重新 git add 再提交。一旦提交，这些号码会永久留在版本历史中。",
            err=True,
        )
        sys.exit(1)


@main.command("import", context_settings=CONTEXT, help="把 Excel（.xlsx）或 CSV 名单转换成 YAML 的 recipients 行。")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="写入这个文件（默认打印到屏幕）。")
def import_roster(file: Path, out: Path | None) -> None:
    from gongkai.read.load import import_roster as run_import

    text, problems = run_import(file)
    _print_problems(problems, err=True)
    if text is None:
        click.echo("\n名单有错误，未转换。请按上面的提示修改表格后重试。", err=True)
        sys.exit(1)
    if out is None:
        click.echo(text, nl=False)
    else:
        if out.exists():
            raise click.ClickException(f"{out} 已存在，为免覆盖，请换一个文件名")
        out.write_text(text, encoding="utf-8")
        click.echo(f"已写入 {out}")


@main.command(context_settings=CONTEXT, help="本机预览：生成网站并在浏览器中查看，修改文件后自动重新生成并刷新页面。")
@SITE_ARG
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="端口。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（默认只允许本机访问）。")
@click.option("--base-path", default="/", show_default=True, help="模拟县门户网站子栏目，如 /xxgk/qingshi/。")
@TODAY_OPT
@click.option("--no-drafts", is_flag=True, help="预览时不显示草稿（默认显示）。")
@click.option("--poll", is_flag=True, help="定时检查文件变化（网络盘、WSL 中收不到文件变化通知时使用）。")
def serve(site: Path, port: int, host: str, base_path: str, today: str | None, no_drafts: bool, poll: bool) -> None:
    import time

    from gongkai.commands.serve import DevServer

    fixed = _today(today) if today or os.environ.get("SOURCE_DATE_EPOCH") else None
    try:
        server = DevServer(site, host, port, base_path, fixed, drafts=not no_drafts, poll=poll, log=click.echo)
    except OSError as exc:
        raise click.ClickException(
            f"无法在 {host}:{port} 启动预览（{exc.strerror}）；换一个端口试试：--port 8001"
        ) from exc
    server.start()
    click.echo(f"预览地址：{server.url}　（按 Ctrl+C 停止）")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("\n已停止预览。")
    finally:
        server.stop()


SIZE_OPT = click.option(
    "--size",
    type=click.Choice(["A4", "A3"], case_sensitive=False),
    help="纸张大小：A4 或 A3（默认 A4；资金公示默认 A4 横向）。",
)
LANDSCAPE_OPT = click.option("--landscape", is_flag=True, help="横向打印（适合列数多的宽表格）。")


def _paper(size: str | None, landscape: bool) -> Any:
    from gongkai.plan.sheets import Paper

    if size is None and not landscape:
        return None  # each record's default
    return Paper((size or "A4").upper(), landscape)


@main.command(
    "print",
    context_settings=CONTEXT,
    help="生成公开栏公示单：重新生成网站，把编号为 ID 的信息的公示单排在指定纸张上，"
    "写到 build/print/ID/index.html（用浏览器打开，按 Ctrl+P 打印）；加 --pdf 同时生成 build/print/ID.pdf。",
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
    from gongkai.plan.sheets import SheetRequest

    paper = _paper(size, landscape)
    request = SheetRequest(tuple(dict.fromkeys(ids)), paper, pdf)
    result = run_build(site, _today(today), out=out, sheets=request)
    _print_problems(list(result.warnings), err=True)
    click.echo(f"已生成公示单（{paper.label if paper else '默认纸张'}）：")
    for rel in result.printed:
        click.echo(f"  {result.out / rel}")
    if not pdf:
        click.echo("用浏览器打开上面的网页，按 Ctrl+P 打印（边距选“默认”，取消“页眉和页脚”）。")


@main.command(
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
    from gongkai.run.build import archive_posting

    day = parse_date_text(posted)
    if day is None:
        raise click.BadParameter(f"“{posted}”不是有效日期，应为 YYYY-MM-DD", param_hint="--posted")
    if day > _today(None):
        raise click.BadParameter(f"张贴日期 {day.isoformat()} 还没到，应为实际张贴的日期", param_hint="--posted")
    entry = archive_posting(
        site, record_id, day, place, (*photos, *more_photos), _paper(size, landscape), pdf=not no_pdf, again=again
    )
    if entry.again:
        click.echo(f"注意：“{record_id}”在 {day.isoformat()} 已经存档过，这是同一天的又一次张贴（--again）。")
    n_photos = sum(1 for f in entry.files if f.startswith("photos/"))
    click.echo(f"已存档：{entry.rel}/（公示单 {entry.pages} 页，照片 {n_photos} 张，共 {len(entry.files)} 个文件）")
    click.echo(f"存档链第 {entry.seq} 条，核验码 {entry.code}：应与张贴的公示单上印的核验码一致。")
    if entry.pdf_note:
        click.echo(f"未生成 PDF：{entry.pdf_note}", err=True)
    click.echo(
        "运行 gongkai build 后，这次张贴会出现在网站的“公开栏存档”栏目。"
        "存档文件不得修改，请与内容一起保存（使用 git 的请一并提交）。"
    )


# --- county portals (gongkai/county/) ---------------------------------------------------------------

COUNTY_ARG = click.argument(
    "county_dir", metavar="COUNTY", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)


def _county_build(folder: Path, today: date) -> None:
    from gongkai.commands.county import build_county
    from gongkai.commands.county.text import merge_lines, township_lines

    indexes, merged = build_county(folder, today)
    for index in indexes:
        for line in township_lines(index):
            click.echo(line, err=index["status"] != "ok")
    for line in merge_lines(merged):
        click.echo(line)
    sys.exit(1 if any(i["status"] != "ok" for i in indexes) else 0)


def _county_check(folder: Path, today: date, fmt: str) -> None:
    from gongkai.commands.county import check_county
    from gongkai.commands.county.text import check_json, check_lines

    result = check_county(folder, today)
    click.echo(check_json(result) if fmt == "json" else "\n".join(check_lines(result)))
    sys.exit(1 if result.failed else 0)


@main.group(
    context_settings=CONTEXT,
    help="县级门户：各乡镇分别生成（持续集成中每个乡镇一个任务），再合并出县门户页面、公开目录和全县搜索。"
    "在县目录（有 county.yaml）运行 gongkai build 则一次完成。",
)
def county() -> None:
    pass


@county.command(
    "township",
    context_settings=CONTEXT,
    help="生成一个乡镇（SLUG）：获取内容，生成到 COUNTY/build/SLUG/，写出 COUNTY/township-index/SLUG.json。"
    "生成失败时保留上次的网站并记录原因，退出码为 1。",
)
@click.argument("slug")
@COUNTY_ARG
@TODAY_OPT
def county_township(slug: str, county_dir: Path, today: str | None) -> None:
    from gongkai.commands.county import build_township, load_county
    from gongkai.commands.county.text import township_lines

    index = build_township(load_county(county_dir), slug, _today(today))
    for line in township_lines(index):
        click.echo(line, err=index["status"] != "ok")
    sys.exit(0 if index["status"] == "ok" else 1)


@county.command(
    "merge",
    context_settings=CONTEXT,
    help="合并：只根据各乡镇的生成结果（build/SLUG/ 和 township-index/SLUG.json）生成县门户页面、"
    "合并的公开目录、订阅和全县搜索，不读取乡镇内容。",
)
@COUNTY_ARG
@TODAY_OPT
def county_merge(county_dir: Path, today: str | None) -> None:
    from gongkai.commands.county import load_county, merge
    from gongkai.commands.county.text import merge_lines

    for line in merge_lines(merge(load_county(county_dir), _today(today))):
        click.echo(line)


@county.command(
    "list", context_settings=CONTEXT, help="以 JSON 列出 county.yaml 中各乡镇的 slug（供持续集成生成任务矩阵）。"
)
@COUNTY_ARG
def county_list(county_dir: Path) -> None:
    from gongkai.commands.county import load_county

    click.echo(json.dumps([t.slug for t in load_county(county_dir).townships]))


@main.command(
    context_settings=CONTEXT,
    help="核对公开栏存档：把别人保存的网站旧副本（文件夹、保存的 chain.json，或网址）与现在的存档对照，"
    "列出每一处改动、删除、插入和调换。",
)
@click.argument("saved", metavar="网址或文件夹")
@click.option(
    "--site", "site", default=".", type=click.Path(file_okay=False, path_type=Path), help="网站目录（默认当前目录）。"
)
def verify(saved: str, site: Path) -> None:
    from gongkai.commands.verify import verify_against
    from gongkai.read.load import find_site_root

    result = verify_against(find_site_root(site), saved)
    for line in result.lines:
        click.echo(line)
    if result.lines:
        click.echo(f"\n发现 {result.differences} 处不一致：存档在旧副本保存之后被改动过。", err=True)
        sys.exit(1)
    click.echo(
        f"一致：旧副本中的 {result.saved} 条存档都原样在存档链中"
        f"（现在共 {result.now} 条，之后新增 {result.now - result.saved} 条）。"
    )
