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

For the whole site (plan/catalogue.py): ``data/catalogue.json`` / ``.csv``
(公开目录: every record, public or not, with class and reason — for a
non-public record nothing but catalogue metadata) and one JSON Schema per
record type under ``data/schema/``, generated from the same field tables the
validator uses.
"""

from __future__ import annotations

from typing import Any

from gongkai.check.rules.goods import item_totals, row_items
from gongkai.core.dataclass import dataclass
from gongkai.core.model import Record, Site
from gongkai.core.plain_repr import plain_repr
from gongkai.core.schema.kinds import Bool, Date, Int, Kind, ListOf, Money, Struct
from gongkai.core.schema.types import COMMON, GROUNDS
from gongkai.plan.export import _NOT_EXPORTED, CURRENCY, _dumps, _url, csv_bytes, money_text
from gongkai.plan.fiscal import fiscal_package
from gongkai.plan.homestead import homestead_csv, institution_csv

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


# --- all of it -------------------------------------------------------------------------------------


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
