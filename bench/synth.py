"""A synthetic township for the build benchmark: N records, deterministic per seed.

    from bench.synth import generate, markdown_pages
    generate(Path("/tmp/town"), 1000)          # a gongkai site: content/site.yaml + records
    markdown_pages(Path("/tmp/town-md"), 1000) # the same records as plain Markdown pages

    python bench/synth.py /tmp/town 1000 [--seed 1] [--markdown /tmp/town-md]

The mix (of N records; decisions come in consultation → decided → result chains):

    25 %  subsidy rosters (subsidies/YEAR/*.yaml), 20-300 rows each: unique names,
          IDs masked as 320826********123X, amount = quantity × rate rounded
          half-up, totals equal the sums, notice period >= the kind's minimum
     5 %  budgets (budgets/*.yaml): 3-4 tables of 类/款/项 rows whose parents
          equal the sums of their children, total = sum of the 3-digit rows
     5 %  funds (funds/*.yaml): sources sum to the projects' allocations
    60 %  notices (notices/YEAR/*.md): ~1.5 KB of Chinese Markdown, a category
     5 %  the rest: decision chains, power/responsibility/fee lists, 2 pages

Every record is generated from its own ``random.Random((seed, i))``, so the
two writers (gongkai YAML/Markdown and plain Markdown for Hugo, Pelican and
MkDocs) see the same records without holding them all in memory.

A manifest (``ROOT/synth.json``, outside content/) names the files the
benchmark edits: one notice and one roster.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

__all__ = ["TODAY", "Rec", "generate", "markdown_pages", "records"]

TODAY = date(2026, 11, 28)  # the benchmark builds "as of" this day; every record is older
YEARS = range(2013, 2025)  # years chinese-calendar knows (working-day deadlines)
CENT = Decimal("0.01")

TOWN = "青石镇"
ORG_CODE = "11320826MB0123456X"
VILLAGES = [
    ("qingshi", "青石村"), ("hekou", "河口村"), ("liuying", "柳营村"), ("sangyuan", "桑园村"),
    ("donghu", "东湖村"), ("shiqiao", "石桥社区"), ("shuanglong", "双龙村"), ("baiguo", "白果村"),
    ("jinsha", "金沙村"), ("taoyuan", "桃园村"), ("yangzhuang", "杨庄村"), ("beihu", "北湖村"),
]  # fmt: skip
OFFICES = [
    ("town", f"{TOWN}人民政府"), ("renda", f"{TOWN}人民代表大会主席团"), ("finance", f"{TOWN}财政所"),
    ("minzheng", f"{TOWN}民政办公室"), ("nongye", f"{TOWN}农业服务中心"), ("guotu", f"{TOWN}国土资源所"),
    ("shebao", f"{TOWN}劳动保障所"), ("jianshe", f"{TOWN}村镇建设服务所"),
]  # fmt: skip
PUBLISHERS = OFFICES + [
    (k, f"{v.removesuffix('村').removesuffix('社区')}{'社区居民委员会' if v.endswith('社区') else '村村民委员会'}")
    for k, v in VILLAGES
]
GROUPS = [f"{c}组" for c in "一二三四五六七八九十"] + ["十一组", "十二组"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "秀英兰芳桂珍玉华凤梅丽娟敏静霞红燕萍春金荣明建国平军伟强勇刚杰涛斌超波辉鹏忠林峰磊洪德福贵宝财发旺兴昌盛有根"
    "生才海山水云雨雪冬秋夏晓小大永长庆喜顺安宁志文武成嘉彬彦俊浩宇轩子涵欣怡佳琪思源博婷丹梅振胜龙友良学"
)
REGIONS = ["320826", "320826", "320826", "320823", "320811", "321323"]
NOTE_WORDS = ["已核实", "新增户", "面积变更", "子女代领", "户主变更", "补发上年", "村组核定", "按实测面积"]

# Subsidy programmes: kind, programme, rate (None: fixed amounts per row), rate unit,
# quantity unit, quantity range (hundredths), fixed amounts, office.
PROGRAMS = [
    ("farm_subsidy", "耕地地力保护补贴", "105.00", "元/亩", "亩", (50, 1500), None, "nongye"),
    ("farm_subsidy", "稻谷目标价格补贴", "92.50", "元/亩", "亩", (50, 1800), None, "nongye"),
    ("farm_subsidy", "生态公益林补偿", "15.50", "元/亩", "亩", (100, 6000), None, "nongye"),
    ("farm_subsidy", "农机购置补贴", None, "", "", None, ["1200.00", "2400.00", "3600.00", "8000.00"], "nongye"),
    ("land_compensation", "征地补偿款", "48.60", "元/平方米", "平方米", (3000, 90000), None, "guotu"),
    ("land_compensation", "青苗补偿费", "2.35", "元/平方米", "平方米", (2000, 60000), None, "guotu"),
    ("relief", "受灾群众生活救助", None, "", "", None, ["500.00", "800.00", "1000.00", "1500.00", "2000.00"], "minzheng"),
    ("relief", "冬春生活救助", None, "", "", None, ["300.00", "400.00", "600.00", "800.00"], "minzheng"),
    ("social_assistance", "城乡居民最低生活保障金", "465.00", "元/人·月", "人·月", (100, 3600), None, "minzheng"),
    ("social_assistance", "特困人员救助供养金", "720.00", "元/月", "月", (100, 1200), None, "minzheng"),
    ("other", "高龄津贴", "50.00", "元/月", "月", (100, 1200), None, "minzheng"),
    ("other", "农村危房改造补助", None, "", "", None, ["15000.00", "20000.00", "25000.00"], "jianshe"),
]  # fmt: skip
MIN_DAYS = {"farm_subsidy": 7, "relief": 10, "poverty": 10, "land_compensation": 30, "consultation": 30,
            "social_assistance": 7, "public_welfare": 10, "other": 7}  # fmt: skip

CATEGORIES = ["政策解读", "工作动态", "办事指南", "收费标准", "人大报告", "其他"]
CATEGORY_WEIGHTS = [15, 45, 15, 5, 5, 15]
TOPICS = [
    "防汛抗旱", "秸秆禁烧", "农村人居环境整治", "高标准农田建设", "城乡居民医疗保险征缴", "退役军人服务保障",
    "安全生产大检查", "森林防火", "冬春农田水利建设", "农村土地承包经营权确权", "政务公开", "为民服务中心建设",
    "农村饮水安全", "村级集体经济发展", "城乡居民养老保险", "义务兵征集", "人口普查", "河长制", "扫黑除恶专项斗争",
    "疫情防控", "文明村镇创建", "农产品质量安全", "危房改造", "殡葬改革", "社会救助", "乡村振兴",
]  # fmt: skip
PHRASES = [
    "根据上级有关文件精神", "经镇党委、镇政府研究决定", "现将有关事项通知如下", "请各村（社区）高度重视",
    "认真组织实施", "确保各项工作落到实处", "进一步加强组织领导", "切实做好宣传发动工作", "严格按照程序办理",
    "做到公开公平公正", "主动接受群众监督", "各相关单位要密切配合", "按时上报有关材料", "对弄虚作假的严肃追究责任",
    "坚持以人民为中心的发展思想", "压紧压实工作责任", "强化督查考核", "建立健全长效管理机制", "广泛听取群众意见",
    "做到应保尽保、应退尽退", "实行动态管理", "把好事办实、把实事办好", "着力解决群众反映强烈的突出问题",
]  # fmt: skip
VERBS = ["组织开展", "全面完成", "扎实推进", "认真落实", "集中整治", "逐户排查", "统一部署", "督促检查"]
OBJECTS = ["专项行动", "排查整治工作", "宣传培训活动", "资金发放工作", "项目建设任务", "入户核查工作", "验收工作"]
NUMERALS = "一二三四五六七八九十"
HEADS = [
    "工作目标",
    "主要任务",
    "实施步骤",
    "工作要求",
    "保障措施",
    "基本情况",
    "下一步打算",
    "办理流程",
    "申请条件",
    "政策依据",
]
BUDGET_CLASSES = [
    ("201", "一般公共服务支出", [("01", "人大事务"), ("03", "政府办公厅（室）及相关机构事务"), ("06", "财政事务"), ("31", "党委办公厅（室）及相关机构事务")]),
    ("204", "公共安全支出", [("02", "公安"), ("06", "司法")]),
    ("205", "教育支出", [("01", "教育管理事务"), ("02", "普通教育")]),
    ("207", "文化体育与传媒支出", [("01", "文化"), ("03", "体育")]),
    ("208", "社会保障和就业支出", [("01", "人力资源和社会保障管理事务"), ("05", "行政事业单位离退休"), ("10", "社会福利"), ("19", "最低生活保障"), ("20", "临时救助")]),
    ("210", "医疗卫生与计划生育支出", [("03", "基层医疗卫生机构"), ("07", "计划生育事务")]),
    ("211", "节能环保支出", [("03", "污染防治"), ("04", "自然生态保护")]),
    ("212", "城乡社区支出", [("01", "城乡社区管理事务"), ("03", "城乡社区公共设施"), ("05", "城乡社区环境卫生")]),
    ("213", "农林水支出", [("01", "农业"), ("02", "林业"), ("03", "水利"), ("05", "扶贫"), ("07", "农村综合改革")]),
    ("214", "交通运输支出", [("01", "公路水路运输")]),
    ("221", "住房保障支出", [("01", "保障性安居工程支出"), ("02", "住房改革支出")]),
]  # fmt: skip
ITEMS_7 = ["行政运行", "一般行政管理事务", "事业运行", "其他支出", "专项业务", "机关服务"]
FUND_SOURCES = [
    ("中央财政专项扶贫资金", "central"), ("省级财政专项扶贫资金", "provincial"), ("市级财政配套资金", "city"),
    ("县级财政配套资金", "county"), ("镇级财政配套资金", "township"), ("社会捐赠资金", "other"),
]  # fmt: skip
FUND_TASKS = ["村组道路硬化", "灌溉渠道防渗衬砌", "设施蔬菜大棚", "低收入农户养殖帮扶", "技能培训", "安全饮水工程",
              "桥梁维修加固", "村级光伏电站", "农田机耕路", "河塘清淤整治", "村卫生室改造"]  # fmt: skip
POWER_KINDS = ["行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认", "其他行政权力"]
LAWS = ["《中华人民共和国土地管理法》", "《中华人民共和国城乡规划法》", "《社会救助暂行办法》", "《中华人民共和国防洪法》",
        "《中华人民共和国村民委员会组织法》", "《中华人民共和国安全生产法》", "《中华人民共和国环境保护法》",
        "《中华人民共和国公路法》", "《殡葬管理条例》", "《中华人民共和国政府信息公开条例》"]  # fmt: skip


@dataclass
class Rec:
    """One record, neutral of format: ``data`` holds what the YAML file holds
    (text values as the clerk would write them), ``body`` the Markdown text."""

    type: str  # budget | subsidy | fund | decision | list | notice | page
    folder: str  # path under content/, e.g. "subsidies/2015"
    id: str
    data: dict[str, Any] = field(default_factory=dict)
    body: str = ""


# --- small generators --------------------------------------------------------------------------


def _name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.2:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _masked_id(rng: random.Random) -> str:
    check = "X" if rng.random() < 0.09 else str(rng.randint(0, 9))
    return f"{rng.choice(REGIONS)}********{rng.randint(0, 999):03d}{check}"


def _date_in(rng: random.Random, year: int, lo_month: int = 1, hi_month: int = 12) -> date:
    return date(year, rng.randint(lo_month, hi_month), rng.randint(1, 28))


def _money(v: Decimal) -> str:
    return f"{v.quantize(CENT)}"


def _cn_money(v: Decimal) -> str:
    return f"{v:,.2f}"


def _sentence(rng: random.Random, year: int, topic: str) -> str:
    r = rng.random()
    village = rng.choice(VILLAGES)[1]
    if r < 0.30:
        s = rng.choice(PHRASES)
    elif r < 0.40:
        s = f"依据青政发〔{year}〕{rng.randint(1, 60)}号文件，{rng.choice(PHRASES)}"
    elif r < 0.55:
        s = f"{village}{rng.choice(GROUPS)}{rng.choice(VERBS)}{topic}{rng.choice(OBJECTS)}，涉及农户{rng.randint(12, 480)}户"
    elif r < 0.65:
        s = f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日前，{rng.choice(VERBS)}{topic}{rng.choice(OBJECTS)}"
    elif r < 0.75:
        s = f"全镇累计投入资金{rng.randint(10, 900)}.{rng.randint(0, 9)}万元，{rng.choice(VERBS)}{rng.choice(OBJECTS)}{rng.randint(3, 60)}项"
    elif r < 0.85:
        s = f"镇{rng.choice(['党政办公室', '农业服务中心', '民政办公室', '财政所', '村镇建设服务所'])}牵头负责{topic}工作，{rng.choice(PHRASES)}"
    else:
        s = f"各村要{rng.choice(VERBS)}{topic}{rng.choice(OBJECTS)}，{rng.choice(PHRASES)}，{rng.choice(PHRASES)}"
    return s


def _paragraph(rng: random.Random, year: int, topic: str, nbytes: int) -> str:
    parts: list[str] = []
    size = 0
    while size < nbytes:
        s = _sentence(rng, year, topic)
        parts.append(s + rng.choice("。。。；"))
        size += len(s.encode()) + 3
    text = "".join(parts)
    return text[:-1] + "。" if text.endswith("；") else text


def _prose(rng: random.Random, year: int, topic: str, nbytes: int) -> str:
    """Markdown of about ``nbytes`` bytes: an opening paragraph, then a few
    numbered sections of paragraphs, lists, bold lead-ins and now and then a table."""
    out = [_paragraph(rng, year, topic, rng.randint(150, 300))]
    size = len(out[0].encode())
    sec = 0
    while size < nbytes:
        if rng.random() < 0.5 and sec < len(NUMERALS):
            head = f"## {NUMERALS[sec]}、{rng.choice(HEADS)}"
            sec += 1
            out.append(head)
            size += len(head.encode())
        r = rng.random()
        if r < 0.2:
            items = [f"{k}. {_sentence(rng, year, topic)}；" for k in range(1, rng.randint(3, 6))]
            block = "\n".join(items)
        elif r < 0.35:
            block = f"**{rng.choice(VERBS)}{rng.choice(OBJECTS)}。** " + _paragraph(
                rng, year, topic, rng.randint(80, 200)
            )
        elif r < 0.40:
            rows = [
                f"| {v} | {rng.randint(10, 400)} | {rng.randint(1, 90)}.{rng.randint(0, 9)} |"
                for _, v in rng.sample(VILLAGES, 4)
            ]
            block = "| 村（社区） | 户数 | 金额（万元） |\n| --- | ---: | ---: |\n" + "\n".join(rows)
        else:
            block = _paragraph(rng, year, topic, rng.randint(120, 320))
        out.append(block)
        size += len(block.encode())
    return "\n\n".join(out) + "\n"


# --- the records ---------------------------------------------------------------------------------


def _plan(n: int, seed: int) -> list[str]:
    """The type of every record, in generation order (deterministic)."""
    n_sub = n * 25 // 100
    n_bud = n * 5 // 100
    n_fund = n * 5 // 100
    rest = n - n_sub - n_bud - n_fund - n * 60 // 100
    n_dec = max(0, (rest * 6 // 10) // 3 * 3)  # whole chains
    n_page = min(2, max(0, rest - n_dec))
    n_list = max(0, rest - n_dec - n_page)
    n_notice = n - n_sub - n_bud - n_fund - n_dec - n_page - n_list
    kinds = ["subsidy"] * n_sub + ["budget"] * n_bud + ["fund"] * n_fund + ["notice"] * n_notice + ["list"] * n_list
    random.Random(seed).shuffle(kinds)
    # Decision chains stay together (their ids refer to each other); pages go first.
    chains = n_dec // 3
    out = ["page"] * n_page
    step = max(1, len(kinds) // (chains + 1)) if chains else 0
    c = 0
    for i, k in enumerate(kinds):
        out.append(k)
        if chains and c < chains and (i + 1) % step == 0:
            out.extend(["decision"] * 3)
            c += 1
    while c < chains:
        out.extend(["decision"] * 3)
        c += 1
    assert len(out) == n, (len(out), n)
    return out


def records(n: int, seed: int = 1) -> Iterator[Rec]:
    """The N records of the synthetic township, in a fixed order."""
    plan = _plan(n, seed)
    i = 0
    while i < n:
        kind = plan[i]
        rng = random.Random(f"{seed}-{i}")
        if kind == "decision":
            yield from _decision_chain(rng, i)
            i += 3
            continue
        yield {
            "page": _page,
            "subsidy": _subsidy,
            "budget": _budget,
            "fund": _fund,
            "notice": _notice,
            "list": _list,
        }[kind](rng, i)
        i += 1


def _page(rng: random.Random, i: int) -> Rec:
    title, rid = [(f"{TOWN}人民政府信息公开指南", "guide"), (f"{TOWN}政务公开监督渠道", "jiandu")][i % 2]
    body = _prose(rng, 2015, "政务公开", 2000)
    return Rec(
        "page", "pages", rid, {"title": title, "publisher": "town", "date": date(2015, 1, 5), "order": i + 1}, body
    )


def _subsidy(rng: random.Random, i: int) -> Rec:
    kind, program, rate_s, rate_unit, qty_unit, qty_range, fixed, office = rng.choice(PROGRAMS)
    year = rng.choice(YEARS)
    d = _date_in(rng, year)
    by_village = rng.random() < 0.4
    if by_village:
        vk, vname = rng.choice(VILLAGES)
        publisher, villages = vk, [vname]
    else:
        publisher = office
        villages = [v for _, v in rng.sample(VILLAGES, rng.randint(2, 6))]
    n_rows = rng.randint(20, 300)
    rate = Decimal(rate_s) if rate_s else None
    rows: list[dict[str, str]] = []
    names: set[str] = set()
    qty_sum = Decimal(0)
    amt_sum = Decimal(0)
    for r in range(n_rows):
        name = _name(rng)
        while name in names:
            name = _name(rng)
        names.add(name)
        row = {"village": villages[r * len(villages) // n_rows], "group": GROUPS[min(r * 12 // n_rows, 11)], "name": name,
               "id_number": _masked_id(rng)}  # fmt: skip
        if rate is not None and qty_range is not None:
            q = Decimal(rng.randint(*qty_range)) / 100
            row_rate = rate
            if rng.random() < 0.03:  # a row with its own standard
                row_rate = (rate * Decimal("1.2")).quantize(CENT)
                row["rate"] = _money(row_rate)
            amt = (q * row_rate).quantize(CENT, rounding=ROUND_HALF_UP)
            row["quantity"] = f"{q:.2f}"
            qty_sum += q
        else:
            amt = Decimal(rng.choice(fixed or ["500.00"]))
        row["amount"] = _money(amt)
        amt_sum += amt
        if r == 0 or rng.random() < 0.06:
            row["note"] = rng.choice(NOTE_WORDS) if r else "村组核定"
        rows.append(row)
    days = MIN_DAYS[kind] + rng.randint(0, 5)
    where = villages[0] if by_village else f"全镇{len(villages)}个村（社区）"
    title = (
        f"{TOWN}{where}{year}年{program}发放公示" if not by_village else f"{villages[0]}{year}年{program}发放名单公示"
    )
    data: dict[str, Any] = {
        "title": f"{title}（第{i}号）",
        "publisher": publisher,
        "date": d,
        "formed": d - timedelta(days=rng.randint(1, 9)),
        "doc_no": f"青政{rng.choice(['农', '民', '发', '财'])}〔{year}〕{rng.randint(1, 90)}号",
        "kind": kind,
        "program": program,
        "basis": f"安财农〔{year}〕{rng.randint(1, 60)}号",
    }
    if rate is not None:
        data.update({"rate": _money(rate), "rate_unit": rate_unit, "quantity_unit": qty_unit})
    data["notice"] = {"start": d, "end": d + timedelta(days=days)}
    if rng.random() < 0.5:
        data["objection"] = {
            "phone": f"0527-8621{rng.randint(0, 9999):04d}",
            "address": f"{TOWN}{dict(OFFICES).get(office, '人民政府')[3:]}",
        }
    data["summary"] = f"{where}{year}年{program}共{n_rows}户，金额合计{_cn_money(amt_sum)}元，公示期{days}天。"
    data["tags"] = [program, "补贴公示"]
    data["recipients"] = rows
    totals: dict[str, str] = {"households": str(n_rows)}
    if rate is not None:
        totals["quantity"] = f"{qty_sum:.2f}"
    totals["amount"] = _money(amt_sum)
    data["totals"] = totals
    body = (
        f"根据{data['basis']}文件规定，现将{where}{year}年{program}发放情况予以公示。"
        f"公示期自{d.month}月{d.day}日起{days}天，公示期间如有异议，请向镇纪委或{dict(OFFICES)[office]}反映。\n"
    )
    return Rec("subsidy", f"subsidies/{year}", f"butie-{year}-{i:05d}", data, body)


def _budget_table(rng: random.Random, name: str) -> dict[str, Any]:
    rows: list[dict[str, str]] = []
    total = Decimal(0)
    for code3, name3, kuan in sorted(rng.sample(BUDGET_CLASSES, rng.randint(3, 8))):
        sub: list[dict[str, str]] = []
        s3 = Decimal(0)
        for code2, name5 in sorted(rng.sample(kuan, rng.randint(1, len(kuan)))):
            items = rng.sample(ITEMS_7, rng.randint(0, 3))
            if items:
                leaves = [(f"{code3}{code2}{k:02d}", nm, Decimal(rng.randint(20, 3000) * 1000)) for k, nm in
                          sorted((ITEMS_7.index(nm) + 1 if ITEMS_7.index(nm) < 5 else 50, nm) for nm in items)]  # fmt: skip
                s5 = sum((a for _, _, a in leaves), Decimal(0))
            else:
                leaves = []
                s5 = Decimal(rng.randint(20, 3000) * 1000)
            sub.append({"code": Q(f"{code3}{code2}"), "name": name5, "amount": _money(s5)})
            sub.extend({"code": Q(c), "name": nm, "amount": _money(a)} for c, nm, a in leaves)
            s3 += s5
        rows.append({"code": Q(code3), "name": name3, "amount": _money(s3)})
        rows.extend(sub)
        total += s3
    return {"name": name, "rows": rows, "total": _money(total),
            "explanation": f"按政府收支分类科目列示到项级科目，合计{_cn_money(total)}元。"}  # fmt: skip


def _budget(rng: random.Random, i: int) -> Rec:
    year = rng.choice(YEARS)
    stage = rng.choice(["budget", "final"])
    office, office_name = rng.choice(OFFICES)
    d = _date_in(rng, year, 1, 3) if stage == "budget" else _date_in(rng, min(year + 1, 2024), 7, 9)
    fy = year if stage == "budget" else min(year + 1, 2024) - 1
    label = "预算" if stage == "budget" else "决算"
    tables = [_budget_table(rng, f"一般公共预算支出{label}表"), _budget_table(rng, f"部门{label}支出表")]
    if rng.random() < 0.5:
        tables.append(_budget_table(rng, f"项目支出{label}表"))
    tables.append({"name": f"政府性基金预算支出{label}表", "rows": [], "total": "0",
                   "explanation": "本单位无政府性基金预算支出，本表为空表。"})  # fmt: skip
    ops = Decimal(rng.randint(20, 120) * 1000)
    rec = Decimal(rng.randint(5, 60) * 1000)
    data: dict[str, Any] = {
        "title": f"{office_name}{fy}年部门{label}（第{i}号）",
        "publisher": office,
        "date": d,
        "fiscal_year": str(fy),
        "stage": stage,
        "approved": d - timedelta(days=rng.randint(3, 15)),
        "doc_no": f"青财〔{d.year}〕{rng.randint(1, 40)}号",
        "summary": f"{office_name}{fy}年部门{label}，一般公共预算支出{tables[0]['total']}元。",
        "tags": ["财政预决算", "三公经费"],
        "unit": "元",
        "tables": tables,
        "three_public": {
            "overseas": "0.00",
            "vehicles": {"purchase": "0.00", "operation": _money(ops)},
            "reception": _money(rec),
        },
    }
    body = (
        f"## {label}编制说明\n\n" + _paragraph(rng, fy, "预算管理", 400) + "\n\n## “三公”经费\n\n"
        f"{fy}年“三公”经费{label}数{_cn_money(ops + rec)}元。其中：因公出国（境）费0元；公务用车运行维护费{_cn_money(ops)}元；"
        f"公务接待费{_cn_money(rec)}元。\n"
    )
    return Rec("budget", "budgets", f"yusuan-{fy}-{i:05d}", data, body)


def _fund(rng: random.Random, i: int) -> Rec:
    year = rng.choice(YEARS)
    d = _date_in(rng, year, 2, 11)
    kind = rng.choice(["poverty", "poverty", "relief", "public_welfare"])
    label = {"poverty": "财政专项扶贫资金", "relief": "救灾资金", "public_welfare": "公益事业资金"}[kind]
    projects: list[dict[str, Any]] = []
    total = Decimal(0)
    for k in range(rng.randint(1, 8)):
        _, vname = rng.choice(VILLAGES)
        alloc = Decimal(rng.randint(30, 800) * 1000)
        status = rng.choice(["planned", "in_progress", "completed", "completed"])
        p: dict[str, Any] = {
            "name": f"{vname}{rng.choice(FUND_TASKS)}（{k + 1}）",
            "village": vname,
            "task": f"{rng.choice(VERBS)}{rng.choice(FUND_TASKS)}，受益农户{rng.randint(20, 300)}户",
            "allocated": _money(alloc),
        }
        if status == "completed":
            p["spent"] = _money(alloc - Decimal(rng.randint(0, 20) * 500))
        elif status == "in_progress":
            p["spent"] = _money((alloc * Decimal(rng.randint(1, 9)) / 10).quantize(CENT))
        start = d + timedelta(days=rng.randint(-60, 30))
        p["beneficiaries"] = {"households": str(rng.randint(20, 300)), "people": str(rng.randint(60, 900))}
        p["period"] = {"start": start, "end": start + timedelta(days=rng.randint(30, 240))}
        p["implementer"] = f"{vname}村民委员会" if not vname.endswith("社区") else f"{vname}居民委员会"
        p["responsible"] = _name(rng)
        p["status"] = status
        projects.append(p)
        total += alloc
    # Sources: split the total into 2-5 parts that add up exactly.
    n_src = rng.randint(2, 5)
    srcs = rng.sample(FUND_SOURCES, n_src)
    units = int(total // 1000)
    cuts = sorted(rng.sample(range(1, units), n_src - 1)) if units > n_src else []
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, units], strict=True)] if cuts else [units]
    sources = [
        {"name": s, "level": lv, "amount": _money(Decimal(p * 1000))} for (s, lv), p in zip(srcs, parts, strict=False)
    ]
    data: dict[str, Any] = {
        "title": f"{TOWN}{year}年{label}项目公告（第{i}号）",
        "publisher": "town",
        "date": d,
        "kind": kind,
        "year": str(year),
        "allocated_on": d - timedelta(days=rng.randint(3, 12)),
        "doc_no": f"青政发〔{year}〕{rng.randint(1, 90)}号",
        "notice": {"start": d, "end": d + timedelta(days=MIN_DAYS[kind] + rng.randint(0, 5))},
        "objection": {"phone": f"0527-8621{rng.randint(0, 9999):04d}", "address": f"{TOWN}扶贫开发工作办公室"},
        "summary": f"{year}年下达我镇{label}{_cn_money(total)}元，安排{len(projects)}个项目。",
        "tags": ["扶贫", "专项资金"],
        "sources": sources,
        "projects": projects,
    }
    body = _paragraph(rng, year, "扶贫开发", 500) + "\n"
    return Rec("fund", "funds", f"zijin-{year}-{i:05d}", data, body)


def _notice(rng: random.Random, i: int) -> Rec:
    year = rng.choice(YEARS)
    d = _date_in(rng, year)
    topic = rng.choice(TOPICS)
    category = rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]
    office, _ = rng.choice(OFFICES)
    kind = {"政策解读": "政策解读", "工作动态": "工作动态", "办事指南": "办事指南", "收费标准": "收费标准公示",
            "人大报告": "工作报告", "其他": "通知"}[category]  # fmt: skip
    data: dict[str, Any] = {
        "title": f"关于{year}年{topic}的{kind}（第{i}号）",
        "date": d,
        "category": category,
        "summary": _sentence(rng, year, topic) + "。",
        "tags": [topic, category],
    }
    if office != "town":
        data["publisher"] = office
    if rng.random() < 0.3:
        data["doc_no"] = f"青政发〔{year}〕{rng.randint(1, 90)}号"
        data["formed"] = d - timedelta(days=rng.randint(1, 9))
    if rng.random() < 0.01:  # 不予公开 (条例 §16): the catalogue lists it, the site shows no body
        data["disclosure"] = "withheld"
        data["withheld"] = {"article": "16", "ground": "internal", "reason": "属于行政机关内部事务信息"}
    body = _prose(rng, year, topic, rng.randint(1200, 2000))
    return Rec("notice", f"notices/{year}", f"tongzhi-{year}-{i:05d}", data, body)


def _list(rng: random.Random, i: int) -> Rec:
    year = rng.choice(YEARS)
    d = _date_in(rng, year)
    kind = rng.choice(["power", "responsibility", "fee"])
    label = {"power": "行政权力清单", "responsibility": "责任清单", "fee": "收费项目清单"}[kind]
    items = []
    for k in range(rng.randint(5, 25)):
        item: dict[str, Any] = {
            "name": f"{rng.choice(TOPICS)}{rng.choice(['审核', '管理', '监督检查', '受理', '调解', '服务'])}（{k + 1}）",
            "category": rng.choice(POWER_KINDS) if kind == "power" else rng.choice(TOPICS),
            "code": f"QS-{kind[:2].upper()}-{k + 1:03d}",
            "basis": f"{rng.choice(LAWS)}第{rng.randint(2, 80)}条：{rng.choice(PHRASES)}，{rng.choice(PHRASES)}。",
            "department": rng.choice(OFFICES)[1],
        }
        if kind == "fee":
            item["standard"] = f"每件{rng.randint(2, 60)}元；低保户、特困供养对象免收"
        items.append(item)
    data = {
        "title": f"{TOWN}{label}（{year}年版，第{i}号）",
        "publisher": "town",
        "date": d,
        "doc_no": f"青政发〔{year}〕{rng.randint(1, 90)}号",
        "kind": kind,
        "summary": f"{TOWN}{label}共{len(items)}项。",
        "tags": [label],
        "items": items,
    }
    return Rec("list", "lists", f"qingdan-{year}-{i:05d}", data, _paragraph(rng, year, "简政放权", 300) + "\n")


def _decision_chain(rng: random.Random, i: int) -> Iterator[Rec]:
    year = rng.choice(YEARS[:-1])
    topic = rng.choice(["集贸市场改造", "镇区污水管网建设", "农贸市场搬迁", "中心小学扩建", "镇区道路改造", "公墓建设"])
    base = f"juece-{year}-{i:05d}"
    opens = _date_in(rng, year, 1, 8)
    closes = opens + timedelta(days=30 + rng.randint(0, 15))
    meeting = closes + timedelta(days=rng.randint(3, 20))
    decided = meeting + timedelta(days=rng.randint(1, 10))
    result = decided + timedelta(days=rng.randint(60, 200))
    yield Rec("decision", "decisions", f"{base}-a", {
        "title": f"{TOWN}{topic}方案（征求意见稿，第{i}号）", "publisher": "town", "date": opens, "stage": "consultation",
        "consultation": {"opens": opens, "closes": closes, "channels": ["来信", "电话", "意见箱", "座谈会"]},
        "notice": {"start": opens, "end": closes},
        "summary": f"拟实施{topic}，现向社会公开征求意见。", "tags": ["重大决策", "征求意见"],
    }, _prose(rng, year, topic, 1500))  # fmt: skip
    yield Rec("decision", "decisions", f"{base}-b", {
        "title": f"{TOWN}人民政府关于实施{topic}的决定（第{i}号）", "publisher": "town", "date": decided,
        "stage": "decided", "follows": f"{base}-a",
        "meeting": {"name": f"{TOWN}人民政府第{rng.randint(1, 30)}次镇长办公会议", "date": meeting},
        "comments_received": str(rng.randint(5, 80)),
        "comments_adopted": f"征求意见期间共收到意见建议{rng.randint(5, 80)}条，采纳或部分采纳{rng.randint(1, 5)}条，未采纳的已逐条说明理由。",
        "tags": ["重大决策", "决定"],
    }, _prose(rng, year, topic, 800))  # fmt: skip
    yield Rec("decision", "decisions", f"{base}-c", {
        "title": f"{TOWN}{topic}完成情况公告（第{i}号）", "publisher": "town", "date": result, "stage": "result",
        "follows": f"{base}-b", "tags": ["重大决策", "执行结果"],
    }, _prose(rng, year, topic, 900))  # fmt: skip


# --- gongkai writer ------------------------------------------------------------------------------


class Q(str):
    """A text value the writer always quotes (budget codes: "201", as the format asks)."""


_PLAIN_BAD = set(",[]{}#&*!|>'\"%@`:?")


def _y(v: Any) -> str:
    """One YAML scalar as a clerk would write it (quoted only when needed)."""
    if isinstance(v, date):
        return v.isoformat()
    s = str(v)
    if (
        isinstance(v, Q)
        or not s
        or s[0] in "-?:"
        or any(c in _PLAIN_BAD for c in s)
        or s.strip() != s
        or s in ("true", "false", "null", "yes", "no")
    ):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def _flow(v: Any) -> str:
    """A value in YAML flow style: ``{k: v, ...}``, ``[a, b]`` or a scalar."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    return _y(v)


def _block(text: str, indent: str = "  ") -> str:
    return "|\n" + "".join((indent + line if line else "") + "\n" for line in text.rstrip("\n").split("\n"))


def _yaml(data: dict[str, Any], body: str) -> str:
    out: list[str] = []
    for k, v in data.items():
        if k in ("recipients", "sources"):
            out.append(f"{k}:\n" + "".join(f"  - {_flow(r)}\n" for r in v))
        elif k == "tables":
            out.append("tables:\n")
            for t in v:
                out.append(f"  - name: {_y(t['name'])}\n")
                if t["rows"]:
                    out.append("    rows:\n" + "".join(f"      - {_flow(r)}\n" for r in t["rows"]))
                else:
                    out.append("    rows: []\n")
                out.append(f"    total: {_y(t['total'])}\n    explanation: {_y(t['explanation'])}\n")
        elif k in ("projects", "items"):
            out.append(f"{k}:\n")
            for p in v:
                first = True
                for pk, pv in p.items():
                    lead = "  - " if first else "    "
                    first = False
                    out.append(f"{lead}{pk}: {_flow(pv)}\n")
        else:
            out.append(f"{k}: {_flow(v)}\n")
    if body:
        out.append("body: " + _block(body))
    return "".join(out)


def _front(data: dict[str, Any], body: str) -> str:
    return "---\n" + _yaml(data, "") + "---\n\n" + body


_PUB_LINES = "".join(f"  {k}: {v}\n" for k, v in PUBLISHERS)
_MIN_LINES = "".join(f"  {k}: {v}\n" for k, v in MIN_DAYS.items())
SITE_YAML = f"""name: {TOWN}政务公开
organization: {TOWN}人民政府
org_code: "{ORG_CODE}"
publishers:
{_PUB_LINES}contact:
  hotline: 0527-86210000
  report_phone: 0527-86210012
  mailbox: {TOWN}为民服务中心一楼大厅监督信箱
  address: 江苏省安平县{TOWN}人民路88号
  office_hours: 周一至周五 上午8:30-12:00 下午14:00-17:30（法定节假日除外）
base_url: ""
notice_min_days:
{_MIN_LINES}id_display: "2+3"
"""


def generate(root: Path, n: int, seed: int = 1, markdown: Path | None = None, withheld: bool = True) -> dict[str, Any]:
    """Write a complete gongkai site of ``n`` records under ``root``
    (``root/content/...``); with ``markdown``, write the same records as plain
    Markdown pages there in the same pass.  ``withheld=False``: the 1 % of
    不予公开 notices are written as ordinary ones (same records otherwise), for
    comparing with commits older than the 2019 disclosure model.  Returns the manifest."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (content / "notices").mkdir(exist_ok=True)
    (content / "notices" / "_defaults.yaml").write_text("publisher: town\n", encoding="utf-8")
    manifest: dict[str, Any] = {"n": n, "seed": seed, "counts": {}, "rows": 0, "bytes": 0}
    made: set[str] = set()
    for rec in records(n, seed):
        if not withheld and rec.data.get("disclosure") == "withheld":
            rec.data.pop("disclosure")
            rec.data.pop("withheld")
        folder = content / rec.folder
        if rec.folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(rec.folder)
        if rec.type in ("notice", "page"):
            path = folder / f"{rec.id}.md"
            text = _front(rec.data, rec.body)
        else:
            path = folder / f"{rec.id}.yaml"
            text = _yaml(rec.data, rec.body)
        data = text.encode("utf-8")
        path.write_bytes(data)
        manifest["bytes"] += len(data)
        manifest["counts"][rec.type] = manifest["counts"].get(rec.type, 0) + 1
        if rec.type == "subsidy":
            manifest["rows"] += len(rec.data["recipients"])
            manifest.setdefault("edit_roster", path.relative_to(root).as_posix())
        if rec.type == "notice" and "disclosure" not in rec.data:
            manifest.setdefault("edit_notice", path.relative_to(root).as_posix())
        if markdown is not None:
            _write_md(markdown, rec)
    (root / "synth.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


# --- plain Markdown writer (Hugo, Pelican, MkDocs) ---------------------------------------------------


def _md_table(head: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    out = [
        "| " + " | ".join(head) + " |",
        "| " + " | ".join("---:" if i in right else "---" for i in range(len(head))) + " |",
    ]
    out.extend("| " + " | ".join(r) + " |" for r in rows)
    return "\n".join(out) + "\n"


def _md_mask(v: str) -> str:
    return v[:2] + "*" * (len(v) - 5) + v[-3:]


def md_page(rec: Rec) -> str:
    """The record as one plain Markdown page: front matter (title, date, slug)
    that Hugo, MkDocs and Pelican all read, the record's data as tables, then
    the body."""
    d = rec.data
    parts: list[str] = []
    if d.get("summary"):
        parts.append(f"> {d['summary']}\n")
    if rec.type == "subsidy":
        parts.append(
            f"项目：{d['program']}　依据：{d.get('basis', '')}　公示期：{d['notice']['start']} 至 {d['notice']['end']}\n"
        )
        rows = [[str(k), r["village"], r.get("group", ""), r["name"], _md_mask(r["id_number"]), r.get("quantity", ""),
                 r["amount"], r.get("note", "")] for k, r in enumerate(d["recipients"], 1)]  # fmt: skip
        rows.append(
            [
                "合计",
                "",
                "",
                f"{d['totals']['households']}户",
                "",
                d["totals"].get("quantity", ""),
                d["totals"]["amount"],
                "",
            ]
        )
        parts.append(
            _md_table(["序号", "村（社区）", "组", "姓名", "身份证号", "数量", "金额（元）", "备注"], rows, {5, 6})
        )
    elif rec.type == "budget":
        for t in d["tables"]:
            parts.append(f"## {t['name']}\n")
            rows = [[r["code"], r["name"], r["amount"]] for r in t["rows"]] + [["", "合计", t["total"]]]
            parts.append(_md_table(["科目编码", "科目名称", "金额（元）"], rows, {2}))
            parts.append(t["explanation"] + "\n")
        tp = d["three_public"]
        parts.append("## “三公”经费\n")
        parts.append(_md_table(["因公出国（境）费", "公务用车购置费", "公务用车运行维护费", "公务接待费"],
                               [[tp["overseas"], tp["vehicles"]["purchase"], tp["vehicles"]["operation"], tp["reception"]]]))  # fmt: skip
    elif rec.type == "fund":
        parts.append("## 资金来源\n")
        parts.append(
            _md_table(
                ["资金来源", "级次", "金额（元）"], [[s["name"], s["level"], s["amount"]] for s in d["sources"]], {2}
            )
        )
        parts.append("## 项目\n")
        rows = [[p["name"], p["village"], p["task"], p["allocated"], p.get("spent", ""), p["implementer"], p["responsible"], p["status"]]
                for p in d["projects"]]  # fmt: skip
        parts.append(
            _md_table(["项目", "地点", "建设任务", "安排资金", "已支出", "实施单位", "责任人", "状态"], rows, {3, 4})
        )
    elif rec.type == "list":
        rows = [
            [it["name"], it["category"], it["basis"], it.get("standard", ""), it["department"]] for it in d["items"]
        ]
        parts.append(_md_table(["事项", "类别", "设定依据", "收费标准", "实施机构"], rows))
    elif rec.type == "decision":
        if "consultation" in d:
            c = d["consultation"]
            parts.append(f"征求意见：{c['opens']} 至 {c['closes']}（{'、'.join(c['channels'])}）\n")
        if "meeting" in d:
            parts.append(
                f"决策会议：{d['meeting']['name']}（{d['meeting']['date']}）\n\n意见采纳情况：{d['comments_adopted']}\n"
            )
    if d.get("disclosure", "proactive") in ("public", "proactive"):
        parts.append(rec.body)
    else:
        parts.append(f"本信息不予公开：{d['withheld']['reason']}\n")
    head = f"---\ntitle: {d['title']}\ndate: {d['date'].isoformat()}\nslug: {rec.id}\n---\n\n"
    return head + "\n".join(parts)


def _write_md(root: Path, rec: Rec) -> None:
    folder = root / rec.folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{rec.id}.md").write_text(md_page(rec), encoding="utf-8")


def markdown_pages(root: Path, n: int, seed: int = 1) -> int:
    """Write the same ``n`` records as plain Markdown pages under ``root``
    (``root/<type folder>/<id>.md``).  Returns the number of pages."""
    count = 0
    for rec in records(n, seed):
        _write_md(root, rec)
        count += 1
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--markdown", type=Path, help="also write the plain Markdown pages here")
    args = ap.parse_args()
    m = generate(args.root, args.n, args.seed, args.markdown)
    print(json.dumps(m, ensure_ascii=False))


if __name__ == "__main__":
    main()
