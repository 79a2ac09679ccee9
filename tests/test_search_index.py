"""The search index builder (gongkai.emit.search_index), checked in pure Python.

``reference_search`` is the Python mirror of the query algorithm in
themes/default/static/search.js (test_search_browser.py checks that both
agree); here it proves recall over the built files.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import Counter

import pytest
from search_oracle import reference_search

from gongkai.emit import search_index as search
from gongkai.emit import search_text
from gongkai.emit.search_index import build_search_index
from gongkai.emit.search_posting import splice_posting
from gongkai.emit.search_text import INDEX_DIR, _enc, canon, decode_posting, shard_of, term_grams
from gongkai.plan.search_docs import SearchDoc, SearchRow

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
COMPOUND = ["欧阳", "司马", "诸葛", "上官", "东方"]
GIVEN = (
    "秀英兰芳桂珍玉华凤梅丽娟敏静霞红燕萍春金荣明建国平军伟强勇刚杰涛斌超波辉鹏华忠林峰磊洪"
    "德福贵宝财发旺兴昌盛荣有根生才海山水云雨雪冬秋夏晓小大永长长庆喜顺安宁志文武成嘉𠈌堃淼"
)
VILLAGES = ["众兴村", "青石村", "红旗村", "柳塘村", "新河村", "石桥社区", "双龙村", "白果村"]
GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组", "九组", "十组"]
PROGRAMS = ["耕地地力保护补贴", "农机购置补贴", "城乡居民基本养老保险", "农村危房改造补助", "高龄津贴", "退耕还林补助"]
PUBLISHERS = ["乡人民政府", "乡财政所", "乡民政办", "乡农业服务中心"]


def make_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)
    if r < 0.9:
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(COMPOUND) + rng.choice(GIVEN) + rng.choice(GIVEN)


def masked_id(rng: random.Random) -> str:
    return f"{rng.randint(11, 65)}{'*' * 13}{rng.randint(0, 999):03d}"


def make_docs(n_rosters: int, n_notices: int, seed: int = 7, rows: tuple[int, int] = (20, 300)) -> list[SearchDoc]:
    rng = random.Random(seed)
    docs: list[SearchDoc] = []
    for i in range(n_rosters):
        year = rng.randint(2014, 2020)
        prog = rng.choice(PROGRAMS)
        vils = rng.sample(VILLAGES, rng.randint(1, 3))
        rs = []
        for j in range(rng.randint(*rows)):
            v = rng.choice(vils)
            text = f"{v} {rng.choice(GROUPS)} {make_name(rng)} {masked_id(rng)} {rng.randint(1, 30)}.{rng.randint(0, 99):02d} {rng.randint(50, 3000)}.00"
            rs.append(SearchRow(f"r-{j + 1}", text, v))
        docs.append(
            SearchDoc(
                url=f"subsidies/r{i}-{year}/",
                title=f"{year}年{prog}发放公示（{'、'.join(vils)}）",
                type="subsidy",
                type_label="补贴公示",
                publisher=rng.choice(PUBLISHERS),
                date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                year=year,
                villages=tuple(vils),
                text=f"根据乡政发〔{year}〕{rng.randint(1, 15)}号文件，现将{year}年度{prog}发放情况公示如下。项目：{prog}",
                rows=tuple(rs),
            )
        )
    for i in range(n_notices):
        year = rng.randint(2014, 2020)
        v = rng.choice(VILLAGES)
        prog = rng.choice(PROGRAMS)
        body = (
            f"各村（社区）：\n\n为做好{year}年度**{prog}**工作，依据乡政发〔{year}〕{rng.randint(1, 15)}号，"
            f"{v}召开村民代表大会，讨论通过了相关事项。联系人：{make_name(rng)}，电话 0513-8{rng.randint(1000000, 9999999)}。"
        )
        docs.append(
            SearchDoc(
                url=f"notices/n{i}/",
                title=f"关于{v}{prog}有关事项的通知",
                type="notice",
                type_label="通知公告",
                publisher=f"{v}村民委员会" if rng.random() < 0.5 else rng.choice(PUBLISHERS),
                date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                year=year,
                villages=(v,),
                text=body,
            )
        )
    return docs


def build(docs) -> dict[str, bytes]:
    files = dict(build_search_index(docs))
    return files


def reader(files: dict[str, bytes]):
    return lambda p: files[f"{INDEX_DIR}/{p}"]


@pytest.fixture(scope="module")
def site():
    docs = make_docs(30, 60, rows=(20, 160))
    docs.append(
        SearchDoc(
            "notices/markdown/",
            "关于召开村民代表会议的通知",
            "notice",
            "通知公告",
            "众兴村村民委员会",
            "2016-06-01",
            2016,
            ("众兴村",),
            "会议议程：一、审议 Ｗｉ-Ｆｉ 覆盖方案；二、讨论《村规民约》修订稿。会议地点：村部二楼会议室。",
        )
    )
    docs.append(
        SearchDoc(
            "notices/docno/",
            "关于印发耕地保护工作方案的通知",
            "notice",
            "通知公告",
            "乡人民政府",
            "2015-03-02",
            2015,
            (),
            "文号：乡政发〔2015〕12号。各村：现将方案印发给你们。",
        )
    )
    docs.append(  # a decoy: 2015 and 12号 both present, but not as one 文号
        SearchDoc(
            "notices/decoy/",
            "关于2015年度防汛工作的通知",
            "notice",
            "通知公告",
            "乡人民政府",
            "2015-06-02",
            2015,
            (),
            "请于6月12号前报送2015年度防汛物资清单。",
        )
    )
    return docs, build(docs)


# --- normalisation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("〔2015〕12号", "2015 12号"),
        ("2015 12号", "2015 12号"),
        ("［2015］12号", "2015 12号"),
        ("２０１５年", "2015年"),
        ("ＡＢＣ abc", "abc abc"),
        ("32*************234", "32 234"),
        ("32＊＊＊234", "32 234"),
        ("面积 5.20 亩", "面积 5.20 亩"),
        ("5..20 .5 5. a.b", "5 20 5 5 a b"),
        ("张秀英，王伟。", "张秀英 王伟"),
        ("  \u3000前后空白\t\n", "前后空白"),
        ("①㈠Ⅻ", "1 一 xii"),
        ("\uf900", "豈"),  # CJK compatibility ideograph → unified
        ("𠈌", "𠈌"),  # supplementary plane stays one character
        ("Ｗｉ-Ｆｉ", "wi fi"),
    ],
)
def test_canon(raw: str, want: str) -> None:
    assert canon(raw) == want


def test_term_grams() -> None:
    assert term_grams("张秀英") == ["张秀", "秀英"]
    assert term_grams("𠈌堃") == ["𠈌堃"]
    assert term_grams("张") == []
    # no key spans a separator; digit runs of 3+ are looked up by 3/4-digit keys
    assert term_grams("2015 12号") == ["12", "2号", "2015"]
    assert term_grams("2015年") == ["5年", "2015"]
    assert term_grams("546.00") == ["6.", ".0", "00", "546"]
    assert term_grams("20150312") == ["2015", "0150", "1503", "5031", "0312"]
    assert term_grams("32 234") == ["32", "234"]


def test_shard_of_is_stable() -> None:
    # search.js computes the same numbers (checked in the browser test)
    assert [shard_of(g, 1 << 16) for g in ("张秀", "20", "𠈌堃")] == [
        shard_of("张秀", 1 << 16),
        shard_of("20", 1 << 16),
        shard_of("𠈌堃", 1 << 16),
    ]
    assert all(0 <= shard_of(g, 256) < 256 for g in ("ab", "中文", "𠈌堃"))
    counts = Counter(shard_of(a + b, 64) for a in GIVEN[:40] for b in GIVEN[:40])
    assert len(counts) == 64 and max(counts.values()) < 3 * 1600 / 64


# --- the files --------------------------------------------------------------------


def test_deterministic_in_any_order(site) -> None:
    docs, files = site
    again = list(build_search_index(list(reversed(docs))))
    assert [p for p, _ in again] == list(files)
    assert dict(again) == files
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    assert list(build_search_index(shuffled)) == list(files.items())


def test_spilling_does_not_change_output(site, monkeypatch) -> None:
    docs, files = site
    monkeypatch.setattr(search, "SPILL_ENTRIES", 500)
    assert dict(build_search_index(docs)) == files


def test_layout(site) -> None:
    docs, files = site
    meta = json.loads(files[f"{INDEX_DIR}/meta.json"])
    assert meta["docs"] == len(docs)
    shards = meta["shards"]
    assert shards & (shards - 1) == 0
    width = len(f"{shards - 1:x}")
    assert {p for p in files if "/p/" in p} == {f"{INDEX_DIR}/p/{s:0{width}x}.json" for s in range(shards)}
    assert {f"{INDEX_DIR}/d/{n}.json" for n in range(len(docs))} <= set(files)
    for path, data in files.items():
        assert path.startswith(INDEX_DIR + "/")
        json.loads(data.decode("utf-8"))  # valid UTF-8 JSON everywhere
    # docs are numbered oldest first (year, date, url)
    order = [json.loads(files[f"{INDEX_DIR}/d/{n}.json"]) for n in range(len(docs))]
    keys = [(d["d"][:4], d["d"], d["u"]) for d in order]
    assert keys == sorted(keys)


def test_a_rows_block_holds_one_village_and_the_doc_names_it(site) -> None:
    """#16: a key's blocks tell the villages it is in (the filters count by them)."""
    docs, files = site
    meta = json.loads(files[f"{INDEX_DIR}/meta.json"])
    by_url = {d.url: d for d in docs}
    several = 0
    for n in range(len(docs)):
        doc = json.loads(files[f"{INDEX_DIR}/d/{n}.json"])
        d = by_url[doc["u"]]
        blocks = []
        while f"{INDEX_DIR}/d/{n}-{len(blocks)}.json" in files:
            blocks.append(json.loads(files[f"{INDEX_DIR}/d/{n}-{len(blocks)}.json"]))
        assert sorted(int(r[0][2:]) for b in blocks for r in b) == list(range(1, len(d.rows) + 1))
        vils = {r.village for r in d.rows} | set(d.villages)
        if len(vils) < 2:
            assert "b" not in doc
            continue
        several += 1
        assert len(doc["b"]) == len(blocks)
        for code, block in zip(doc["b"], blocks, strict=True):
            assert {r[2] for r in block} == {code}
            assert [int(r[0][2:]) for r in block] == sorted(int(r[0][2:]) for r in block)  # rows in their order
        firsts = [meta["villages"][c] for c in dict.fromkeys(doc["b"])]
        assert firsts == list(dict.fromkeys(r.village for r in d.rows))  # villages as they first appear
    assert several > 5


def test_adding_a_newer_doc_keeps_the_files_of_older_docs(site) -> None:
    docs, files = site
    new = SearchDoc("notices/new/", "新通知", "notice", "通知公告", "乡人民政府", "2030-01-01", 2030, (), "新内容")
    again = build([*docs, new])
    kept = {p: b for p, b in files.items() if "/d/" in p}
    assert all(again[p] == b for p, b in kept.items())


def test_duplicate_url_is_refused() -> None:
    d = make_docs(0, 1)[0]
    with pytest.raises(ValueError, match="duplicate url"):
        list(build_search_index([d, d]))


def _postings(files: dict[str, bytes]) -> dict[str, dict]:
    out = {}
    for path, data in files.items():
        if "/p/" in path:
            for g, s in json.loads(data).items():
                out[g] = decode_posting(s)
    return out


def _gram_counts(text: str) -> Counter[str]:
    """Keys of a text, computed independently of the builder."""
    c = Counter()
    for seg in canon(text).split(" "):
        c.update(seg[i : i + 2] for i in range(len(seg) - 1))
        for n in (3, 4):
            c.update(
                seg[i : i + n] for i in range(len(seg) - n + 1) if seg[i : i + n].isascii() and seg[i : i + n].isdigit()
            )
    return c


def test_every_bigram_of_every_doc_is_indexed(site) -> None:
    _docs, files = site
    post = _postings(files)
    meta = json.loads(files[f"{INDEX_DIR}/meta.json"])
    checked = 0
    for n in range(meta["docs"]):
        d = json.loads(files[f"{INDEX_DIR}/d/{n}.json"])
        title = _gram_counts(d["t"])
        main = title + _gram_counts(d["x"]) + _gram_counts(d["k"])
        for g, tf in main.items():
            e = post[g][n]
            assert e[0] == tf and e[1] == (g in title), (g, n)
            checked += 1
        k = 0
        while f"{INDEX_DIR}/d/{n}-{k}.json" in files:
            rows = json.loads(files[f"{INDEX_DIR}/d/{n}-{k}.json"])
            block = Counter()
            for r in rows:
                block += _gram_counts(r[1])
            for g, tf in block.items():
                assert post[g][n][2][k] == tf, (g, n, k)
                checked += 1
            k += 1
    # and nothing else: every posting entry is backed by the text
    total = sum(len(e[2]) + (1 if e[0] else 0) for p in post.values() for e in p.values())
    assert total == checked


def test_no_star_or_separator_noise(site) -> None:
    _docs, files = site
    post = _postings(files)
    assert post
    for g in post:
        assert len(g) == 2 or (len(g) in (3, 4) and g.isascii() and g.isdigit()), g
        for c in g:
            cat = unicodedata.category(c)
            # the only punctuation kept is a decimal point between digits
            assert c not in "* " and (cat[0] not in "PSZ" or (c == "." and g.replace(".", "").isdigit())), g
    assert "**" not in "".join(post) and "*" not in "".join(post)


def test_index_files_never_look_like_personal_numbers(big) -> None:
    # the build's last gate scans every output file; postings and codes must
    # never form a digit run that could be read as an ID, card or phone number
    privacy = pytest.importorskip("gongkai.core.privacy")
    _docs, files = big
    for path, data in files.items():
        text = data.decode("utf-8")
        if "/p/" in path:
            for s in json.loads(text).values():
                assert not re.search(r"[0-9](?![0-9A-Za-z])", s), (path, s)
        if "/p/" in path or path.endswith("meta.json"):
            assert not privacy.find_pii(text), path


def test_masked_ids_keep_only_visible_digits() -> None:
    row = SearchRow("r-1", "青石村 三组 张秀英 32*************234 5.20 546.00", "青石村")
    doc = SearchDoc("s/x/", "名单", "subsidy", "补贴公示", "乡财政所", "2015-01-01", 2015, ("青石村",), "", (row,))
    post = _postings(build([doc]))
    assert {"32", "23", "34", "234"} <= set(post)
    assert not any("*" in g for g in post)


# --- recall and behaviour, through the reference client -------------------------------


_CANON: dict[int, list] = {}


def _canon_docs(docs: list[SearchDoc]) -> list:
    """[(url, canonical main fields, [(anchor, canonical row)])], computed once per doc list."""
    key = id(docs)
    if key not in _CANON:
        out = []
        for d in docs:
            vils = list(dict.fromkeys([*d.villages, *(r.village for r in d.rows if r.village)]))
            main = [canon(d.title), canon(d.text), canon(" ".join([d.publisher, *vils]))]
            out.append((d.url, main, [(r.anchor, canon(r.text)) for r in d.rows]))
        _CANON[key] = out
    return _CANON[key]


def _brute_rows(docs: list[SearchDoc], q: str) -> set[tuple[str, str]]:
    c = canon(q)
    return {(url, a) for url, _m, rows in _canon_docs(docs) for a, r in rows if c in r}


def _brute_docs(docs: list[SearchDoc], q: str) -> set[str]:
    c = canon(q)
    return {url for url, main, rows in _canon_docs(docs) if any(c in f for f in main) or any(c in r for _a, r in rows)}


def test_every_name_is_found_exhaustively(site) -> None:
    docs, files = site
    read = reader(files)
    names = sorted({r.text.split(" ")[2] for d in docs for r in d.rows})
    assert any(len(n) == 2 for n in names) and any(len(n) == 4 for n in names)
    assert len(names) > 500
    for name in names:
        res = reference_search(read, name, exhaustive=True)
        rows = {(h.url, a) for h in res.hits for a, _t in h.rows}
        assert rows == _brute_rows(docs, name), name
        assert {h.url for h in res.hits} == _brute_docs(docs, name), name
        assert res.total == len(res.hits)


def test_first_page_shows_the_rows_of_a_rare_name(site) -> None:
    docs, files = site
    read = reader(files)
    names = Counter(r.text.split(" ")[2] for d in docs for r in d.rows)
    rare = [n for n, c in sorted(names.items()) if c == 1 and len(n) >= 3][:60]
    two = [n for n, c in sorted(names.items()) if len(n) == 2 and len(_brute_docs(docs, n)) <= 10][:30]
    assert rare and two
    for name in rare + two:
        res = reference_search(read, name)
        want = _brute_rows(docs, name)
        got = {(h.url, a) for h in res.hits for a, _t in h.rows}
        assert want <= got, name
        assert res.hits[0].rows, name
        assert res.bytes < 100_000


@pytest.mark.parametrize(
    "q",
    [
        "众兴村",
        "耕地地力",
        "地力保护",
        "2015",
        "〔2015〕12号",
        "2015 12号",
        "村规民约",
        "wi-fi",
        "ＷＩ－ＦＩ",
        "2016年",
    ],
)
def test_queries_match_brute_force(site, q: str) -> None:
    docs, files = site
    res = reference_search(reader(files), q, exhaustive=True)
    if " " in q:  # whitespace: every term somewhere in the doc
        terms = q.split()
        want = set.intersection(*(_brute_docs(docs, t) for t in terms))
    else:
        want = _brute_docs(docs, q)
    assert want
    assert {h.url for h in res.hits} == want


def test_docno_with_brackets_and_spaces(site) -> None:
    docs, files = site
    read = reader(files)
    year_docno = next(d for d in docs if "〔2015〕" in d.text).text.split("〔2015〕")[1].split("号")[0]
    q = f"〔2015〕{year_docno}号"
    exact = {h.url for h in reference_search(read, q, exhaustive=True).hits}
    loose = {h.url for h in reference_search(read, f"2015 {year_docno}号", exhaustive=True).hits}
    assert exact and exact <= loose
    assert exact == {d.url for d in docs if canon(q) in canon(d.text)}
    assert "notices/decoy/" in {h.url for h in reference_search(read, "2015 12号", exhaustive=True).hits}
    assert "notices/decoy/" not in {h.url for h in reference_search(read, "〔2015〕12号", exhaustive=True).hits}


def test_ranking_title_then_hits_then_date(site) -> None:
    _docs, files = site
    res = reference_search(reader(files), "众兴村", n=40)
    keys = [h.key for h in res.hits]
    assert keys == sorted(keys, reverse=True)
    assert keys[0][0] == 1  # a title hit first
    full = reference_search(reader(files), "众兴村", exhaustive=True)
    assert [h.key for h in full.hits][:40] == keys  # the top is exact, not approximate


def test_filters(site) -> None:
    docs, files = site
    read = reader(files)
    base = {h.url for h in reference_search(read, "众兴村", exhaustive=True).hits}
    by_type = {h.url for h in reference_search(read, "众兴村", exhaustive=True, filters={"type": "notice"}).hits}
    assert by_type and by_type == {u for u in base if u.startswith("notices/")}
    by_year = {h.url for h in reference_search(read, "众兴村", exhaustive=True, filters={"year": "2016"}).hits}
    assert by_year == {d.url for d in docs if d.url in base and d.year == 2016}
    pub = "众兴村村民委员会"
    by_pub = {h.url for h in reference_search(read, "众兴村", exhaustive=True, filters={"pub": pub}).hits}
    assert by_pub and by_pub == {d.url for d in docs if d.url in base and d.publisher == pub}
    res = reference_search(read, "三组", exhaustive=True, filters={"village": "青石村"})
    assert res.hits
    for h in res.hits:
        for anchor, text in h.rows:
            assert text.startswith("青石村"), (anchor, text)


def test_short_and_empty_queries(site) -> None:
    _docs, files = site
    read = reader(files)
    assert reference_search(read, "张").status == "short"
    assert reference_search(read, "张 王").status == "short"
    assert reference_search(read, " ，。 ").status == "empty"
    assert reference_search(read, "张 秀英").status == "ok"


# --- size ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big():
    docs = make_docs(250, 750, seed=11)
    return docs, build(docs)


def test_size_bounds(big) -> None:
    docs, files = big
    read = reader(files)
    sizes = {p: len(b) for p, b in files.items()}
    meta = sizes[f"{INDEX_DIR}/meta.json"]
    assert meta < 20_000  # ~ 5 bytes per doc + tables
    shard_sizes = [s for p, s in sizes.items() if "/p/" in p]
    assert sum(shard_sizes) / len(shard_sizes) < 2 * search_text.SHARD_TARGET
    blocks = [s for p, s in sizes.items() if "-" in p.rsplit("/", 1)[1]]
    assert max(blocks) < 2 * search_text.BLOCK_BYTES
    names = sorted({r.text.split(" ")[2] for d in docs for r in d.rows})
    random.Random(5).shuffle(names)
    for q in [*names[:40], "众兴村", "青石村", "耕地地力保护补贴", "地力保护", "2015", "〔2016〕12号", "三组"]:
        res = reference_search(read, q)
        assert res.status == "ok" and res.hits, q
        assert res.bytes <= 300_000, (q, res.bytes)


# --- splicing one document's piece into a posting ------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_splice_posting_matches_a_posting_built_from_scratch(seed: int) -> None:
    rng = random.Random(seed)
    pieces = {n: _enc(rng.randint(0, 40) << 2) for n in rng.sample(range(200), 30)}

    def posting(p: dict[int, str]) -> str:
        out, prev = [], -1
        for n in sorted(p):
            out.append(_enc(n - prev - 1) + p[n])
            prev = n
        return "".join(out)

    post = posting(pieces)
    for _ in range(200):
        n = rng.randrange(220)
        piece = None if rng.random() < 0.3 else _enc(rng.randint(0, 40) << 2)
        post = splice_posting(post, n, piece)
        if piece is None:
            pieces.pop(n, None)
        else:
            pieces[n] = piece
        assert post == posting(pieces)


def test_the_streamed_site_index_is_the_index_of_all_documents() -> None:
    from datetime import date
    from pathlib import Path

    from gongkai.emit.search_index import search_docs, site_search_index
    from gongkai.run.build import check

    site = check(Path(__file__).resolve().parent.parent, date(2016, 12, 31)).site
    assert site is not None
    assert dict(site_search_index(site)) == dict(build_search_index(search_docs(site)))


def test_the_varint_table_is_the_slow_encoding() -> None:
    from gongkai.emit.search_text import _ENC, _enc_slow

    assert len(_ENC) == 1 << 15
    assert all(_ENC[i] == _enc_slow(i) for i in range(1 << 15))
