"""The ``gongkai`` command.  Parses arguments, calls the API, prints in Chinese.

Exit codes: 0 success, 1 content or output errors, 2 usage errors.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import click

from . import __version__
from .build import build as run_build
from .build import check as run_check
from .errors import ContentError, GongkaiError, Problem
from .schema.kinds import parse_date_text

__all__ = ["main"]


class _Group(click.Group):
    """Usage errors in Chinese, exit code 2; GongkaiError → exit code 1."""

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
            click.echo(f"用法错误：{exc.format_message()}{hint}", err=True)
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
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
        except (ValueError, OverflowError, OSError) as exc:
            raise click.BadParameter(f"环境变量 SOURCE_DATE_EPOCH 无效：{epoch}") from exc
    return date.today()


def _print_problems(problems: list[Problem], err: bool = False) -> None:
    for p in problems:
        click.echo(p.format(), err=err)


SITE_ARG = click.argument("site", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
TODAY_OPT = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="以这一天为“今天”：决定哪些信息已发布、哪些在公示期内（默认取 SOURCE_DATE_EPOCH 或系统日期）。",
)
DRAFTS_OPT = click.option("--drafts", is_flag=True, help="同时生成草稿（draft: true）。")


@main.command(context_settings=CONTEXT, help="生成网站：检查 SITE 中的内容，无误后生成到 SITE/build/。")
@SITE_ARG
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认 SITE/build）。")
@TODAY_OPT
@DRAFTS_OPT
@click.option("--strict", is_flag=True, help="有警告也不生成。")
def build(site: Path, out: Path | None, today: str | None, drafts: bool, strict: bool) -> None:
    result = run_build(site, _today(today), out=out, drafts=drafts, strict=strict)
    _print_problems(list(result.warnings), err=True)
    click.echo(
        f"已生成 {result.pages} 个页面，共 {result.files} 个文件（{result.bytes / 1024 / 1024:.1f} MB），"
        f"输出到 {result.out}"
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
    from .scaffold import create_site

    created = create_site(directory)
    click.echo(f"已在 {directory} 新建网站（{len(created)} 个文件）。")
    click.echo("下一步：")
    click.echo(f"  1. 修改 {directory / 'content' / 'site.yaml'}，填写本镇名称、公开主体和联系方式；")
    click.echo(f"  2. 阅读 {directory / '使用说明.md'}；")
    click.echo(f"  3. 运行 gongkai build {directory} 生成网站，打开 {directory / 'build' / 'index.html'} 查看。")
