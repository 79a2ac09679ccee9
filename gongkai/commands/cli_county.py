"""``gongkai county`` (county portals, gongkai/commands/county/) and ``gongkai verify``."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from gongkai.commands.cli_base import CONTEXT, TODAY_OPT, Command, Group, parse_today

__all__ = ["county", "county_build", "county_check", "verify"]

COUNTY_ARG = click.argument(
    "county_dir", metavar="COUNTY", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)


def county_build(folder: Path, today: date) -> None:
    from gongkai.commands.county import build_county
    from gongkai.commands.county.text import merge_lines, township_lines

    indexes, merged = build_county(folder, today)
    for index in indexes:
        for line in township_lines(index):
            click.echo(line, err=index["status"] != "ok")
    for line in merge_lines(merged):
        click.echo(line)
    sys.exit(1 if any(i["status"] != "ok" for i in indexes) else 0)


def county_check(folder: Path, today: date, fmt: str) -> None:
    from gongkai.commands.county import check_county
    from gongkai.commands.county.text import check_json, check_lines

    result = check_county(folder, today)
    click.echo(check_json(result) if fmt == "json" else "\n".join(check_lines(result)))
    sys.exit(1 if result.failed else 0)


@click.group(
    cls=Group,
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

    index = build_township(load_county(county_dir), slug, parse_today(today))
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

    for line in merge_lines(merge(load_county(county_dir), parse_today(today))):
        click.echo(line)


@county.command(
    "list", context_settings=CONTEXT, help="以 JSON 列出 county.yaml 中各乡镇的 slug（供持续集成生成任务矩阵）。"
)
@COUNTY_ARG
def county_list(county_dir: Path) -> None:
    from gongkai.commands.county import load_county

    click.echo(json.dumps([t.slug for t in load_county(county_dir).townships]))


@click.command(
    cls=Command,
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
