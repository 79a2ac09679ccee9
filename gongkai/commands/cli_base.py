"""What every ``gongkai`` command shares: click in Chinese (help, usage
errors), exit codes (0 success, 1 content or output errors, 2 usage errors),
the problem list as ``gongkai check`` prints it, and the common options."""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from gongkai.core.dates import parse_date_text
from gongkai.core.errors import ContentError, GongkaiError, Problem

__all__ = [
    "CONTEXT",
    "DRAFTS_OPT",
    "LANDSCAPE_OPT",
    "MAX_PRINTED",
    "SITE_ARG",
    "SIZE_OPT",
    "TODAY_OPT",
    "Command",
    "Group",
    "paper_of",
    "parse_today",
    "print_problems",
]

_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
_CLICK_MESSAGES = (  # click's own usage errors, in the clerk's language
    (re.compile(r"No such option:? '?([^'.]+)'?\.?(?: Did you mean '?([^'?]+)'?\?)?"), "没有这个选项：{0}"),
    (re.compile(r"Missing argument '([^']+)'\.?"), "缺少参数 {0}"),
    (re.compile(r"Missing option '([^']+)'\.?"), "缺少选项 {0}"),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)"), "多余的参数：{0}"),
    (re.compile(r"Option '([^']+)' requires an argument\.?"), "选项 {0} 后面需要写一个值"),
    (re.compile(r"No such command '([^']+)'\.?"), "没有这个命令：{0}"),
    (re.compile(r"Invalid value for '?([^':]+?)'?: (.*)", re.S), "{0} 的值无效：{1}"),
)
_CLICK_VALUES = (  # what click says of a value it refused (after "Invalid value for …:")
    (re.compile(r"(?:File|Path|Directory) '(.+)' does not exist\.?"), "{0} 不存在"),
    (re.compile(r"File '(.+)' is a directory\.?"), "{0} 是文件夹，这里要的是一个文件"),
    (re.compile(r"Directory '(.+)' is a file\.?"), "{0} 是文件，这里要的是一个文件夹"),
    (re.compile(r"'(.+)' is not a valid integer(?: range)?\.?"), "“{0}”不是整数"),
    (re.compile(r"(.+) is not in the range (.+?)\.?"), "{0} 不在允许的范围 {1} 内"),
    (re.compile(r"'(.+)' is not one of (.+)\.?"), "“{0}”不是可选的值（{1}）"),
)


def _chinese(message: str) -> str:
    for pattern, zh in _CLICK_MESSAGES:
        m = pattern.match(message)
        if m:
            return zh.format(*(_value(g) if g else "" for g in m.groups()))
    return message


def _value(text: str) -> str:
    for pattern, zh in _CLICK_VALUES:
        m = pattern.fullmatch(text.strip())
        if m:
            return zh.format(*m.groups())
    return text


class _Formatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(
            prog, args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]..."), "用法："
        )

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")


class _Context(click.Context):
    formatter_class = _Formatter


class Command(click.Command):
    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option


class Group(click.Group):
    """Usage errors in Chinese, exit code 2; GongkaiError → exit code 1."""

    context_class = _Context
    command_class = Command
    group_class = type  # sub-groups (gongkai hooks) are made the same way

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def main(self, *args: Any, **kwargs: Any) -> Any:
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
            print_problems(exc.problems, err=True)
            click.echo(f"\n{exc}。请按上面的提示修改后重新生成。", err=True)
            sys.exit(1)
        except GongkaiError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(1)


CONTEXT = {"help_option_names": ["-h", "--help"]}


def parse_today(value: str | None) -> date:
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


def print_problems(problems: list[Problem], err: bool = False) -> None:
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

SIZE_OPT = click.option(
    "--size",
    type=click.Choice(["A4", "A3"], case_sensitive=False),
    help="纸张大小：A4 或 A3（默认 A4；资金公示默认 A4 横向）。",
)
LANDSCAPE_OPT = click.option("--landscape", is_flag=True, help="横向打印（适合列数多的宽表格）。")


def paper_of(size: str | None, landscape: bool) -> Any:
    from gongkai.plan.sheet_layout import Paper

    if size is None and not landscape:
        return None  # each record's default
    return Paper((size or "A4").upper(), landscape)
