"""Open data: Site → the files under ``data/``.  Pure: bytes out, no I/O.

For every public record (never a draft, never a record dated after today):

- ``data/<id>.json``: every field of the record as the clerk wrote it, typed —
  money as strings with two decimals (``"546.00"``), other decimals as
  written, dates ``YYYY-MM-DD``, ID numbers only in their masked display
  form (the only form a Record holds) — plus its 索引号, type and links;
- ``data/<id>.csv`` for tabular records (budget rows, roster, fund projects,
  list items): UTF-8 with BOM, CRLF, cells starting with = + - @ neutralised;
- budgets also as a Fiscal Data Package: ``data/<id>/datapackage.json`` +
  ``data/<id>/budget.csv`` (leaf rows, classification codes as columns).

For the whole site: ``data/catalogue.json`` / ``.csv`` (公开目录: every record,
public or not, with class and reason — for a non-public record nothing but
catalogue metadata) and one JSON Schema per record type under
``data/schema/``, generated from the same field tables the validator uses.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from gongkai.check.rules.goods import item_totals, row_items
from gongkai.core.lazy import PerRecord
from gongkai.core.model import Record, Site
from gongkai.core.plain_repr import plain_repr
from gongkai.core.schema.kinds import Bool, Date, Int, Kind, ListOf, Money, Struct
from gongkai.core.schema.types import COMMON, DISCLOSURE, GROUNDS, VALIDITY
from gongkai.plan.export import _NOT_EXPORTED, CURRENCY, Encoded, _cell, _dumps, _url, csv_bytes, encoded, money_text
from gongkai.plan.fiscal import fiscal_package
from gongkai.plan.homestead import homestead_csv, institution_csv
from gongkai.plan.schemas import json_schemas
from gongkai.plan.standard import standard_files

TABULAR = ("budget", "subsidy", "fund", "list", "yishiyiyi", "homestead", "institution")


_ARTICLE_CN = {"14": "十四", "15": "十五", "16": "十六"}


def exported(rec: Record) -> bool:
    """Whether a record's content may appear in data downloads and feeds."""
    return rec.is_public and not rec.draft


def tabular(rec: Record) -> bool:
    return rec.type in TABULAR


# --- downloads, as linked from a record page --------------------------------------------


@plain_repr
@dataclass(frozen=True)
class Download:
    label: str
    path: str  # site-relative
    media_type: str


def downloads(rec: Record) -> list[Download]:
    """The data files of a public record, in the order the page lists them."""
    if not exported(rec):
        return []
    out = [Download("JSON 数据", f"data/{rec.id}.json", "application/json")]
    if tabular(rec):
        out.append(Download("CSV 表格（可用 Excel 打开）", f"data/{rec.id}.csv", "text/csv"))
    if rec.type == "budget":
        out.append(Download("财政数据包（Fiscal Data Package）", f"data/{rec.id}/datapackage.json", "application/json"))
    return out


def _value(kind: Kind, value: Any) -> Any:
    """A typed value → its JSON form, led by the field's kind."""
    if isinstance(kind, Money):
        return money_text(value) if kind.places == 2 else format(value, "f")
    if isinstance(kind, Date):
        return value.isoformat()
    if isinstance(kind, Int):
        return int(value)
    if isinstance(kind, Bool):
        return bool(value)
    if isinstance(kind, ListOf):
        return [_value(kind.item, v) for v in value]
    if isinstance(kind, Struct):
        return {k: _value(f.kind, value[k]) for k, f in kind.fields.items() if k in value}
    return str(value)


def channel(rec: Record) -> str:
    """公开渠道 of a catalogue entry."""
    if rec.disclosure == "on_request":
        return "依申请提供"
    if rec.disclosure == "withheld":
        return "不予公开"
    return "政府网站、政务公开栏" if rec.notice else "政府网站"


def reason(rec: Record) -> str:
    """The ground of a 不予公开 record as shown to the public ("" otherwise)."""
    w = rec.withheld
    if not w:
        return ""
    art = _ARTICLE_CN.get(w["article"], w["article"])
    return f"依据《中华人民共和国政府信息公开条例》第{art}条（{GROUNDS[w['ground']][1]}）：{w['reason']}"


def ground(rec: Record) -> str:
    """The article and sub-ground alone, no reason: all the 目录 shows of article-14 information."""
    w = rec.withheld
    if not w:
        return ""
    return f"依据《中华人民共和国政府信息公开条例》第{_ARTICLE_CN[w['article']]}条（{GROUNDS[w['ground']][1]}）不予公开"


def article14(rec: Record) -> bool:
    """条例第十四条 information (国家秘密等): in no public output unless the site opts in."""
    w = rec.withheld
    return rec.disclosure == "withheld" and w is not None and w.get("article") == "14"


def listed(site: Site, rec: Record) -> bool:
    """Whether the public 目录 (and counts made from it) include ``rec``."""
    return not rec.draft and (not article14(rec) or site.config.catalogue_article14)


# --- one record ------------------------------------------------------------------------------


def record_json(site: Site, rec: Record) -> dict[str, Any]:
    """Everything public about ``rec``, JSON-ready.  Call only for exported records."""
    assert exported(rec), rec.id
    rtype = rec.rtype
    out: dict[str, Any] = {
        "id": rec.id,
        "index_no": site.index_no(rec),
        "type": rec.type,
        "type_label": rtype.label,
        "path": rec.url,
    }
    if site.config.base_url:
        out["url"] = _url(site, rec.url)
    out["disclosure"] = "proactive"
    for key, spec in COMMON.items():
        if key in _NOT_EXPORTED or key == "id":
            continue
        value = getattr(rec, key)
        if value in (None, "", ()):
            continue
        out[key] = _value(spec.kind, value)
        if key == "publisher":
            out["publisher_name"] = site.publisher_name(rec.publisher)
    for key, spec in rtype.fields.items():
        if key in rec.data:
            out[key] = _value(spec.kind, rec.data[key])
    if rec.attachments:
        out["attachments"] = [{**a, "path": rec.url + a["file"]} for a in rec.attachments]
    if rec.body:
        out["body"] = rec.body
    corrected_by = [r.id for r in site.corrections.get(rec.id, ())]
    if corrected_by:
        out["corrected_by"] = corrected_by
    if rec.type in ("budget", "subsidy", "fund", "yishiyiyi", "procurement", "asset", "landtransfer"):
        out["currency"] = CURRENCY
    if rec.type == "subsidy":
        # Named so that each row maps onto 360Giving's core fields (docs/open-data.md).
        out["award_date"] = rec.date.isoformat()
        out["funding_organisation"] = {"identifier": site.config.org_code, "name": site.config.organization}
        base = site.index_no(rec) or rec.id
        for n, row in enumerate(out["recipients"], start=1):
            row["identifier"] = f"{base}/{n:04d}"
    out["downloads"] = [{"label": d.label, "path": d.path, "media_type": d.media_type} for d in downloads(rec)]
    return out


def _level(code: str) -> str:
    return {3: "类", 5: "款", 7: "项"}.get(len(code), "")


def record_csv(site: Site, rec: Record) -> bytes | None:
    """The record's main table for spreadsheets, or None if it has none."""
    d = rec.data
    if rec.type == "budget":
        unit = d.get("unit", "元")
        # Tables with several amount columns add one CSV column each, by name.
        extra = list(dict.fromkeys(c for t in d["tables"] for c in t.get("columns", ())))
        return csv_bytes(
            ["表名", "科目编码", "科目名称", "级次", f"金额（{unit}）", *extra],
            (
                [t["name"], r["code"], r["name"], _level(r["code"]), money_text(r["amount"])]
                + [
                    money_text(dict(zip(t.get("columns", ()), r.get("amounts", ()), strict=False))[c])
                    if c in t.get("columns", ())
                    else ""
                    for c in extra
                ]
                for t in d["tables"]
                for r in t["rows"]
            ),
        )
    if rec.type == "subsidy":
        qty = d.get("quantity_unit", "")
        rate = d.get("rate_unit", "")
        base = site.index_no(rec) or rec.id
        goods = item_totals(d)
        return csv_bytes(
            [
                "序号",
                "村（社区）",
                "组",
                "姓名",
                "身份证号（已遮蔽）",
                f"数量（{qty}）" if qty else "数量",
                f"标准（{rate}）" if rate else "标准",
                "金额（元）",
                *(f"{g['name']}（{g['unit']}）" for g in goods),  # in-kind relief: a column per item
                "备注",
                "标识符",
            ],
            (
                [
                    n,
                    r["village"],
                    r.get("group"),
                    r["name"],
                    r.get("id_number"),
                    r.get("quantity"),
                    r.get("rate", d.get("rate")),
                    money_text(r["amount"]),
                    *(row_items(r).get(g["name"]) for g in goods),
                    r.get("note"),
                    f"{base}/{n:04d}",
                ]
                for n, r in enumerate(d["recipients"], start=1)
            ),
        )
    if rec.type == "fund":
        from gongkai.core.schema.types import STATUS

        return csv_bytes(
            [
                "序号",
                "项目名称",
                "实施地点",
                "建设任务",
                "安排资金（元）",
                "已支出（元）",
                "受益户数",
                "受益人数",
                "开工日期",
                "完工日期",
                "实施单位",
                "责任人",
                "项目状态",
                "备注",
            ],
            (
                [
                    n,
                    p["name"],
                    p.get("village"),
                    p.get("task"),
                    money_text(p["allocated"]),
                    money_text(p["spent"]) if "spent" in p else None,
                    p.get("beneficiaries", {}).get("households"),
                    p.get("beneficiaries", {}).get("people"),
                    p.get("period", {}).get("start"),
                    p.get("period", {}).get("end"),
                    p.get("implementer"),
                    p.get("responsible"),
                    STATUS.get(p["status"], p["status"]),
                    p.get("note"),
                ]
                for n, p in enumerate(d["projects"], start=1)
            ),
        )
    if rec.type == "yishiyiyi":  # the spending lines, with the project and village on each row
        return csv_bytes(
            ["序号", "村（社区）", "项目名称", "支出项目", "金额（元）", "备注"],
            (
                [n, d["village"], d["project"], s["item"], money_text(s["amount"]), s.get("note")]
                for n, s in enumerate(d["spending"], start=1)
            ),
        )
    if rec.type == "homestead":  # the applicants while the names may be shown (plan/names.py)
        return homestead_csv(rec)
    if rec.type == "institution":
        return institution_csv(rec)
    if rec.type == "list":
        return csv_bytes(
            ["序号", "事项名称", "事项编码", "事项类别", "实施机构", "设定依据", "收费标准", "备注"],
            (
                [
                    n,
                    i["name"],
                    i.get("code"),
                    i.get("category"),
                    i.get("department"),
                    i["basis"],
                    i.get("standard"),
                    i.get("note"),
                ]
                for n, i in enumerate(d["items"], start=1)
            ),
        )
    return None


# --- the catalogue (公开目录) -----------------------------------------------------------------------


@plain_repr
@dataclass(frozen=True)
class CatalogueEntry:
    """One line of the 公开目录: metadata only, for public and non-public records alike."""

    index_no: str
    id: str
    title: str
    publisher: str
    publisher_name: str
    date: date | None
    doc_no: str
    type: str
    type_label: str
    disclosure: str
    disclosure_label: str
    channel: str
    exemption_article: str
    reason: str
    path: str  # "" unless public
    validity: str = ""  # a 规范性文件's 有效性 (VALIDITY); "" for other types

    @property
    def validity_label(self) -> str:
        return VALIDITY.get(self.validity, "")

    def as_json(self) -> dict[str, Any]:
        return {
            "index_no": self.index_no,
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "publisher_name": self.publisher_name,
            "date": self.date.isoformat() if self.date else "",
            "doc_no": self.doc_no,
            "type": self.type,
            "type_label": self.type_label,
            "disclosure": self.disclosure,
            "disclosure_label": self.disclosure_label,
            "channel": self.channel,
            "exemption_article": self.exemption_article,
            "reason": self.reason,
            "path": self.path,
            "validity": self.validity,
            "validity_label": self.validity_label,
        }


def agency(site: Site, rec: Record) -> bool:
    """SiteConfig.is_agency of the record's publisher (answered once a publisher and site)."""
    memo: dict[str, bool] = site.once("agency", dict)
    hit = memo.get(rec.publisher)
    if hit is None:
        hit = memo[rec.publisher] = site.config.is_agency(rec.publisher)
    return hit


def catalogue(site: Site) -> Entries:
    """The agency's 政府信息公开目录: every record of the agency that exists today
    (drafts never), newest first.  条例第十四条 information only when the site
    opts in, and then with its title and ground only.  Records of publishers
    that are not the agency (村（居）委会, 人大主席团: SiteConfig.is_agency) are
    not in it; ``others_catalogue`` lists them.  Made once a site (the page and the
    data files both show it)."""
    return site.once(
        "catalogue",
        lambda: _entries(site, tuple(r for r in site.sorted_records if listed(site, r) and agency(site, r))),
    )


@dataclass(frozen=True)
class CatalogueYear:
    """One year of the 目录 (its page: catalogue/<year>/), counted by 公开方式."""

    year: int
    entries: Entries
    counts: tuple[tuple[str, int], ...]  # (DISCLOSURE label, how many), in DISCLOSURE's order, zeros left out

    @property
    def url(self) -> str:
        return f"catalogue/{self.year}/"


def catalogue_years(site: Site) -> tuple[tuple[CatalogueYear, ...], Entries]:
    """The agency's 目录 by the year of each entry's 发布日期, newest year
    first, each in the 目录's order; and the 条例第十四条 entries apart (the
    目录 shows them without a date: the year of their page would show it).
    A page a year: a phone opens a year's table, not every row since the
    township began, and a changed title re-renders only its year's page."""

    def made() -> tuple[tuple[CatalogueYear, ...], Entries]:
        whole = catalogue(site)
        by_year: dict[int, list[Record]] = {}
        undated: list[Record] = []
        for r in whole.records:
            if article14(r):
                undated.append(r)
            else:
                by_year.setdefault(r.date.year, []).append(r)
        years = []
        for y in sorted(by_year, reverse=True):
            records = tuple(by_year[y])
            counted = Counter(r.disclosure for r in records)
            counts = tuple((label, counted[k]) for k, label in DISCLOSURE.items() if counted[k])
            years.append(CatalogueYear(y, _entries(site, records), counts))
        return tuple(years), _entries(site, tuple(undated))

    return site.once("catalogue_years", made)


def others_catalogue(site: Site) -> list[tuple[str, Entries]]:
    """The records of publishers that are not the agency, by publisher in
    site.yaml's order: 村务公开 (村民委员会组织法第三十条) and the 人大主席团's,
    shown on the site apart from the agency's 目录 and without its 索引号."""
    by: dict[str, list[Record]] = {}
    for r in site.sorted_records:
        if listed(site, r) and not agency(site, r):
            by.setdefault(r.publisher, []).append(r)
    order = {k: i for i, k in enumerate(site.config.publishers)}
    return [
        (site.publisher_name(k), _entries(site, tuple(by[k])))
        for k in sorted(by, key=lambda k: (order.get(k, len(order)), k))
    ]


def _entries(site: Site, records: tuple[Record, ...]) -> Entries:
    shared: dict[int, tuple[Record, CatalogueEntry]] = site.once("catalogue_entries", dict)
    return Entries(records, site.index_numbers, site.config.publishers, shared)


class Entries(PerRecord[CatalogueEntry]):
    """The 目录's entries of ``records``, in their order, each made the first
    time it is read.  Its length is known without them (the navigation counts
    the 目录), and a one-record edit keys the entries of the records it left
    alone by the last build's key parts (run/engine/keys.py, keep.py): at
    10,000 records the entries are then made only when their page or data files
    are made again.  It holds what an entry is made from, not the site (the
    preview server keeps the last build's page contexts).  ``shared``: id(record)
    → (the record, its entry), for the Entries of one site made from the same
    索引号 and names (``_entries``: the whole 目录, its years, the others'), so
    that a record's entry is made once however many of them show it."""

    __slots__ = ("_made", "_shared", "index_numbers", "publishers")

    def __init__(
        self,
        records: tuple[Record, ...],
        index_numbers: Mapping[str, str],
        publishers: Mapping[str, str],
        shared: dict[int, tuple[Record, CatalogueEntry]] | None = None,
    ) -> None:
        super().__init__(records)
        self.index_numbers, self.publishers = index_numbers, publishers
        self._made: list[CatalogueEntry | None] = [None] * len(records)
        self._shared = {} if shared is None else shared

    def item(self, i: int) -> CatalogueEntry:
        """The entry of ``records[i]`` (0 <= i < len)."""
        e = self._made[i]
        if e is None:
            r = self.records[i]
            hit = self._shared.get(id(r))
            if hit is not None and hit[0] is r:
                e = hit[1]
            else:
                e = _entry(r, self.index_numbers.get(r.id, ""), self.publishers.get(r.publisher, r.publisher))
                self._shared[id(r)] = (r, e)
            self._made[i] = e
        return e


def _entry(r: Record, index_no: str, publisher_name: str) -> CatalogueEntry:
    if article14(r):
        return CatalogueEntry(
            index_no="", id="", title=r.title, publisher="", publisher_name="", date=None, doc_no="",
            type="", type_label="", disclosure=r.disclosure, disclosure_label=r.disclosure_label,
            channel="", exemption_article="14", reason=ground(r), path="",
        )  # fmt: skip
    return CatalogueEntry(
        index_no=index_no,
        id=r.id,
        title=r.title,
        publisher=r.publisher,
        publisher_name=publisher_name,
        date=r.date,
        doc_no=r.doc_no,
        type=r.type,
        type_label=r.rtype.label,
        disclosure=r.disclosure,
        disclosure_label=r.disclosure_label,
        channel=channel(r),
        exemption_article=r.withheld["article"] if r.withheld else "",
        reason=reason(r),
        path=r.url if r.is_public else "",
        validity=r.data["validity"] if r.type == "regulation" else "",
    )


# The columns of the 公开目录 as CSV (a county portal's combined 目录 adds 乡镇 in front).
CATALOGUE_COLUMNS = [
    ("索引号", "index_no"),
    ("名称", "title"),
    ("公开主体", "publisher_name"),
    ("发布日期", "date"),
    ("文号", "doc_no"),
    ("信息类别", "type_label"),
    ("公开方式", "disclosure_label"),
    ("公开渠道", "channel"),
    ("不予公开依据", "reason"),
    ("网址", "path"),
    ("有效性", "validity_label"),  # 规范性文件 only
]


# One entry as the 目录's files hold it: (its JSON object, as an item of data/catalogue.json's
# "records"; its line of data/catalogue.csv).  A pure function of the entry: the engine keeps the
# rows of the last build by each entry's key part (run/engine/keep.py), so that a changed title
# makes one row again, not 8,000.
CatalogueRow = tuple[str, str]

_RECORDS_NL = "\n    "  # the indentation of the items of the JSON's "records" (_dumps: two spaces a level)


def catalogue_rows(entries: Iterable[CatalogueEntry]) -> list[CatalogueRow]:
    """The rows of ``entries``, in their order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    ends: list[int] = []
    jsons: list[str] = []
    for e in entries:
        jsons.append(encoded(e.as_json(), _RECORDS_NL))
        w.writerow([_cell(getattr(e, attr)) for _, attr in CATALOGUE_COLUMNS])
        ends.append(buf.tell())
    text = buf.getvalue()
    starts = [0, *ends][: len(ends)]
    return [(j, text[a:b]) for j, a, b in zip(jsons, starts, ends, strict=True)]


def catalogue_files(site: Site, rows: Sequence[CatalogueRow] | None = None) -> list[tuple[str, bytes]]:
    """data/catalogue.json and .csv: ``rows``, the rows of ``catalogue(site)``
    (made here when not given)."""
    entries = catalogue(site)
    if rows is None:
        rows = catalogue_rows(entries)
    assert len(rows) == len(entries)
    doc = {
        "organization": site.config.organization,
        "org_code": site.config.org_code,
        "as_of": site.today.isoformat(),
        "count": len(entries),
        "records": [Encoded(j) if type(j) is not Encoded else j for j, _ in rows],
    }
    head = csv_bytes([h for h, _ in CATALOGUE_COLUMNS], [])
    return [
        ("data/catalogue.json", _dumps(doc)),
        ("data/catalogue.csv", head + "".join(c for _, c in rows).encode("utf-8")),
    ]


# --- all of it -------------------------------------------------------------------------------------


def data_files(site: Site) -> list[tuple[str, bytes]]:
    """Every file under data/, as (site-relative path, bytes)."""
    files: list[tuple[str, bytes]] = []
    for rec in site.published:
        files.extend(record_data_files(site, rec))
    files.extend(site_data_files(site))
    return files


def record_data_files(site: Site, rec: Record) -> list[tuple[str, bytes]]:
    """The files under data/ of one published record (none when it is not exported)."""
    if not exported(rec):
        return []
    files = [(f"data/{rec.id}.json", _dumps(record_json(site, rec)))]
    table = record_csv(site, rec)
    if table is not None:
        files.append((f"data/{rec.id}.csv", table))
    if rec.type == "budget":
        pkg, body = fiscal_package(site, rec)
        files.append((f"data/{rec.id}/datapackage.json", _dumps(pkg)))
        files.append((f"data/{rec.id}/budget.csv", body))
    return files


def site_data_files(site: Site, rows: Sequence[CatalogueRow] | None = None) -> list[tuple[str, bytes]]:
    """The catalogue (``rows``: catalogue_files), the 标准目录 and the JSON schemas."""
    return [*catalogue_files(site, rows), *standard_files(site), *json_schemas()]
