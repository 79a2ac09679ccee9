"""The ``gongkai`` command.  Parses arguments, calls the API, prints in Chinese.

Exit codes: 0 success, 1 content or output errors, 2 usage errors
(cli_base.py).  The sheet commands are in cli_sheets.py, the county
portal's and ``verify`` in cli_county.py.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
from pathlib import Path

import click

from gongkai.commands.cli_base import CONTEXT, DRAFTS_OPT, SITE_ARG, TODAY_OPT, Group, parse_today, print_problems
from gongkai.commands.cli_county import county, county_build, county_check, verify
from gongkai.commands.cli_sheets import archive, print_sheets, reply
from gongkai.commands.progress import StageProgress, stage_lines
from gongkai.commands.summary import build_json, build_summary
from gongkai.core.dates import parse_date_text
from gongkai.core.errors import ContentError, Problem
from gongkai.core.version import __version__
from gongkai.run.build import build as run_build
from gongkai.run.build import check as run_check

__all__ = ["main", "run"]


@click.group(cls=Group, context_settings=CONTEXT, help="gongkai：乡镇政务公开网站与公开栏公示单生成工具。")
@click.version_option(__version__, "--version", message="gongkai %(version)s", help="显示版本号。")
def main() -> None:
    pass


FORMAT_OPT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="输出格式：text（默认）或 json（结果和各阶段用时，供持续集成和性能测试使用）。",
)


@main.command(context_settings=CONTEXT, help="生成网站：检查 SITE 中的内容，无误后生成到 SITE/build/。")
@SITE_ARG
@click.option(
    "--out", metavar="DIRECTORY", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认 SITE/build）。"
)
@TODAY_OPT
@DRAFTS_OPT
@click.option("--strict", is_flag=True, help="有警告也不生成。")
@click.option("--quiet", "-q", is_flag=True, help="只显示错误：成功时什么也不显示（持续集成中使用）。")
@click.option("--verbose", "-v", is_flag=True, help="最后显示每个阶段（检查、生成、搜索索引、写入）的用时。")
@FORMAT_OPT
def build(
    site: Path, out: Path | None, today: str | None, drafts: bool, strict: bool, quiet: bool, verbose: bool, fmt: str
) -> None:
    if quiet and verbose:
        raise click.UsageError("--quiet 和 --verbose 不能同时使用")
    if (site / "county.yaml").is_file():  # a county portal: every township, then the county pages
        if out is not None:
            raise click.BadParameter("县目录总是生成到 县目录/build/", param_hint="--out")
        county_build(site, parse_today(today))
        return
    day = parse_today(today)
    progress = StageProgress(show=not quiet)
    try:
        result = run_build(site, day, out=out, drafts=drafts, strict=strict, progress=progress)
    except ContentError as exc:
        progress.close()
        if fmt != "json":
            raise
        click.echo(build_json(None, progress.timings, exc.problems))
        sys.exit(1)
    finally:
        progress.close()
    if fmt == "json":  # the warnings are in it
        click.echo(build_json(result, progress.timings))
        return
    if quiet:
        return
    print_problems(list(result.warnings), err=True)
    for line in build_summary(result):
        click.echo(line)
    if result.warnings:
        click.echo(f"有 {len(result.warnings)} 条警告，请留意。", err=True)
    if verbose:
        for line in stage_lines(progress.timings):
            click.echo(line)


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
        county_check(site, parse_today(today), fmt)
        return
    progress = StageProgress(show=True)
    try:
        result = run_check(site, parse_today(today), drafts=drafts, progress=progress, attachments=True)
    finally:
        progress.close()
    problems = sorted(result.problems, key=Problem.sort_key)
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    failed = bool(errors) or (strict and bool(warnings)) or result.site is None
    if fmt == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        print_problems(problems)
        if failed:
            click.echo(f"\n发现 {len(errors)} 处错误、{len(warnings)} 条警告。")
        else:
            n = len(result.site.records) if result.site else 0
            click.echo(f"检查通过：{n} 条记录，{len(warnings)} 条警告。")
    sys.exit(1 if failed else 0)


@main.command(context_settings=CONTEXT, help="新建一个乡镇网站：生成 site.yaml、每类记录的示例和信息员使用说明。")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="示例信息的日期围绕这一天安排（默认取系统日期），生成后即可看到“正在公示”的名单和征求意见中的决策。",
)
def new(directory: Path, today: str | None) -> None:
    from gongkai.commands.new import create_site

    created = create_site(directory, parse_today(today))
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
    path, rep, warnings = write_report(site, year, parse_today(today), when, force)
    print_problems(list(warnings), err=True)  # e.g. GK705: a count of part 二 the site contradicts
    received = sum(rep.received.values())
    click.echo(
        f"已生成 {rep.year} 年年度报告：{path}（发布日期 {rep.date.isoformat()}；主动公开 {rep.published} 条，"
        f"新收申请 {received} 件，各表已核对相加一致）。"
    )
    if warnings:
        click.echo(f"有 {len(warnings)} 条警告（见上），请核对后再发布报告。", err=True)
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
@click.option(
    "--portal",
    is_flag=True,
    help="作为县政府门户网站的栏目导出：另附 gongkai-portal.json 导入清单（各页面的标题、索引号、发布日期、栏目和"
    "每个文件的校验值）。需要在 site.yaml 填写栏目地址 base_url。",
)
def pack(site: Path, out: Path | None, build_dir: Path | None, portal: bool) -> None:
    from gongkai.commands.pack import pack as run_pack
    from gongkai.read.load import find_site_root

    root = find_site_root(site)
    src = build_dir or root / "build"
    result = run_pack(src, out or root / f"{src.resolve().name}.zip", portal=portal)
    click.echo(
        f"已打包 {result.files} 个文件（{result.bytes / 1024 / 1024:.1f} MB）到 {result.zip_path}，"
        "内含 SHA256SUMS 校验清单。"
    )
    if portal:
        click.echo(
            "已附县门户导入清单 gongkai-portal.json：请把 zip 交给县门户网站管理员，按栏目导入（见 docs/portal.md）。"
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
        print_problems(frozen, err=True)
        click.echo(f"\n提交被拒绝：{len(frozen)} 个已存档的文件被修改或删除。", err=True)
        sys.exit(1)
    problems = sorted(check_staged(Path(".")), key=Problem.sort_key)
    if problems:
        print_problems(problems, err=True)
        click.echo(
            f"\n提交被拒绝：发现 {len(problems)} 处个人敏感信息。"
            "改正后重新 git add 再提交。一旦提交，这些号码会永久留在版本历史中。",
            err=True,
        )
        sys.exit(1)


@main.command(
    "import",
    context_settings=CONTEXT,
    help="把 Excel（.xlsx）、CSV 或 Unicode 文本（.txt）名单转换成 YAML 的 recipients 行。",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="写入这个文件（默认打印到屏幕）。")
@click.option(
    "--goods",
    multiple=True,
    metavar="名称:单位",
    help="救灾物资名单：记录中声明的一种物资，如 --goods 棉被:床（可写多次）；表中该物资的列转换为各行的 items。",
)
def import_roster(file: Path, out: Path | None, goods: tuple[str, ...]) -> None:
    from gongkai.commands.importer import import_roster as run_import
    from gongkai.commands.importer import parse_goods

    declared = parse_goods(goods)
    if isinstance(declared, str):
        raise click.BadParameter(declared, param_hint="--goods")
    text, problems = run_import(file, declared)
    print_problems(problems, err=True)
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
@DRAFTS_OPT
@click.option("--poll", is_flag=True, help="定时检查文件变化（网络盘、WSL 中收不到文件变化通知时使用）。")
def serve(site: Path, port: int, host: str, base_path: str, today: str | None, drafts: bool, poll: bool) -> None:
    import signal
    import time

    from gongkai.commands.serve import DevServer

    fixed = parse_today(today) if today or os.environ.get("SOURCE_DATE_EPOCH") else None
    try:
        server = DevServer(site, host, port, base_path, fixed, drafts=drafts, poll=poll, log=click.echo)
    except OSError as exc:
        raise click.ClickException(
            f"无法在 {host}:{port} 启动预览（{exc.strerror}）；换一个端口试试：--port 8001"
        ) from exc

    me = os.getpid()

    def terminate(signum: int, frame: object) -> None:  # SIGTERM stops it as Ctrl+C does: its folder removed
        if os.getpid() != me:  # a rebuild's forked worker, ended by its pool: die as a worker does
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        server.start()
        click.echo(f"预览地址：{server.url}　（按 Ctrl+C 停止）")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("\n已停止预览。")
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)


main.add_command(print_sheets)
main.add_command(archive)
main.add_command(reply)
main.add_command(county)
main.add_command(verify)


def run() -> None:
    """The console script and ``python -m gongkai``: ``main``, then an exit
    that skips tearing the interpreter down.  Freeing every module and what
    the build left in them (its caches, a few hundred modules) took 0.07 s of
    the no-op and 0.1-0.15 s of a one-record edit at 10,000 records, for
    nothing: the process ends.  The atexit handlers still run (tempfile's
    and multiprocessing's clean-ups), and the output is flushed; when a
    thread that is not a daemon is still running (nothing of gongkai leaves
    one), the ordinary exit waits for it as before."""
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    if any(not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (gongkai check | head)
            code = code or 1
    os._exit(code)


def _exit_code(code: object) -> int:
    """What the ordinary exit makes of ``sys.exit(code)``: None is 0, a
    number itself, anything else printed to stderr and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except (OSError, ValueError):
        pass
    return 1
