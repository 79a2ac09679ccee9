"""The record store's packs (run/engine/pack.py): validated records kept in a
few sealed files a build reads whole.  A pack that is forged, cut short,
sealed with another key, made by other code, copied from another site or
left stale by a killed build is a miss (never code run, never a wrong
record); only changed packs are rewritten; garbage does not grow; an edit
reads no unchanged record file (issue #18)."""

from __future__ import annotations

import os
import pickle
import shutil
import struct
import time
from pathlib import Path

import pytest
from conftest import REPO
from test_incremental import NOTICE, ROSTER, TODAY, _edit, _rebuild_and_compare, _touch_later

from gongkai.read import load
from gongkai.run.build import build
from gongkai.run.engine import pack, sealed
from gongkai.run.engine.store import BuildCache, RecordStore


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader's clock a minute ahead: files just copied count as older
    than two seconds, so their digests are remembered by their stat."""

    class Clock:
        @staticmethod
        def time_ns() -> int:
            return time.time_ns() + 60_000_000_000

    monkeypatch.setattr(load, "time", Clock)


def _records(root: Path) -> Path:
    return sealed.site_cache_dir(root) / "records"


def _packs(root: Path) -> list[Path]:
    return sorted(_records(root).glob("pack-*"))


def _keys(root: Path) -> set[str]:
    store = RecordStore(_records(root))
    keys: set[str] = set()
    for n in range(pack.SHARDS):
        shard = store._shard(n)
        assert shard is not None
        keys.update(shard.keys)
    return keys


def _append(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    _touch_later(path)


class _Payload:
    """Unpickling this creates a file: the harmless stand-in for an attacker's code."""

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.flag,))


def test_records_are_kept_in_a_few_packs(demo: Path) -> None:
    build(demo, TODAY)
    files = [p for p in _records(demo).rglob("*") if p.is_file() and "rows" not in p.parts]
    assert sorted(files) == _packs(demo) and len(files) == pack.SHARDS
    assert all(p.read_bytes().startswith(pack.MAGIC) for p in files)
    assert len(_keys(demo)) > 40  # every record file of the demo


def test_an_edit_reads_no_unchanged_record_file_and_rewrites_only_its_packs(
    demo: Path, tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(demo, TODAY)
    build(demo, TODAY, out=tmp_path / "second")  # the digests of the demo's files are remembered now
    before = {p.name: p.stat().st_mtime_ns for p in _packs(demo)}
    read: list[str] = []
    real = load._read_bytes

    def spy(path: Path, rel: str, problems: list) -> bytes | None:  # type: ignore[type-arg]
        read.append(rel)
        return real(path, rel, problems)

    monkeypatch.setattr(load, "_read_bytes", spy)
    _append(demo, NOTICE, "\n补充一句。\n")
    cache = BuildCache(demo)
    build(demo, TODAY, cache=cache)
    assert cache.records.misses == 1 and cache.records.hits > 40
    records = [r for r in read if r.count("/") >= 2 and not r.endswith("_defaults.yaml")]
    assert set(records) == {NOTICE}, read
    monkeypatch.undo()
    _rebuild_and_compare(demo, tmp_path)
    rewritten = [p.name for p in _packs(demo) if p.stat().st_mtime_ns != before[p.name]]
    assert 1 <= len(rewritten) <= 2, rewritten  # the new key's pack and the old key's


def test_a_file_edited_to_the_same_size_and_mtime_is_read_again(demo: Path, tmp_path: Path, later: None) -> None:
    """The stat that stands for a file's content includes its inode change
    time: an edit that keeps the size and puts the mtime back (cp -p, rsync,
    a tool that restores times) is still seen."""
    build(demo, TODAY)
    build(demo, TODAY, out=tmp_path / "second")
    path = demo / NOTICE
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "灾" in text
    path.write_text(text.replace("灾", "害", 1), encoding="utf-8")  # same length in UTF-8
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    time.sleep(0.01)
    cache = BuildCache(demo)
    _rebuild_and_compare(demo, tmp_path, cache=cache)
    assert cache.records.misses == 1


def _crafted(path: Path, flag: Path) -> None:
    path.write_bytes(pickle.dumps(_Payload(flag)))


def _other_key(path: Path, flag: Path) -> None:
    """A well-formed pack whose index runs code, tagged with another machine's key."""
    import hashlib
    import hmac
    import struct

    index = pickle.dumps(_Payload(flag))
    length = struct.pack("<Q", len(index))
    tag = hmac.new(os.urandom(32), pack.MAGIC + length + index, hashlib.sha256).digest()
    path.write_bytes(pack.MAGIC + length + tag + index)


def _truncated(path: Path, flag: Path) -> None:
    """Cut inside the index."""
    blob = path.read_bytes()
    path.write_bytes(blob[: len(pack.MAGIC) + 8 + 32 + 20])


def _cut_short(path: Path, flag: Path) -> None:
    """Cut inside the body: the index is genuine, the body is not whole."""
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) - 100])


def _body_changed(path: Path, flag: Path) -> None:
    """The index is genuine, a byte of the body is not."""
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0xFF
    path.write_bytes(bytes(blob))


def _body_replaced(path: Path, flag: Path) -> None:
    """The genuine index over a body that runs code: never unpickled."""
    blob = path.read_bytes()
    (size,) = struct.unpack("<Q", blob[len(pack.MAGIC) : len(pack.MAGIC) + 8])
    path.write_bytes(blob[: len(pack.MAGIC) + 8 + 32 + size] + pickle.dumps(_Payload(flag)))


def _other_code(path: Path, flag: Path) -> None:
    """A genuine pack of this machine made by another version of gongkai."""
    folder = path.parent
    n = int(path.name.split("-")[1], 16)
    store = RecordStore(folder)
    shard = store._shard(n)
    assert shard is not None
    values = shard.values()
    keys = sorted(values)
    assert pack.write_shard(path, (pack.FORMAT, "0" * 40, str(folder), n), keys, [values[k] for k in keys])


@pytest.mark.parametrize(
    "spoil",
    [_crafted, _other_key, _truncated, _cut_short, _body_changed, _body_replaced, _other_code],
    ids=["crafted", "other key", "truncated", "cut short", "body changed", "body replaced", "other code"],
)
def test_a_spoiled_pack_is_a_miss(demo: Path, tmp_path: Path, spoil) -> None:  # type: ignore[no-untyped-def]
    build(demo, TODAY)
    total = len(_keys(demo))
    flag = tmp_path / "pwned"
    for p in _packs(demo):
        spoil(p, flag)
    _append(demo, NOTICE, "\n补充一句。\n")
    cache = BuildCache(demo)
    _rebuild_and_compare(demo, tmp_path, cache=cache)
    assert not flag.exists()
    assert cache.records.hits == 0 and cache.records.misses == total  # a shard is used whole or not at all
    again = BuildCache(demo)  # the packs were written whole again
    _append(demo, NOTICE, "\n再补充一句。\n")
    _rebuild_and_compare(demo, tmp_path, cache=again)
    assert again.records.misses == 1


def test_a_pack_copied_from_another_sites_cache_is_a_miss(demo: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(demo, twin)
    build(twin, TODAY)
    build(demo, TODAY)
    for p in _packs(twin):
        shutil.copyfile(p, _records(demo) / p.name)
    _append(demo, NOTICE, "\n补充一句。\n")
    cache = BuildCache(demo)
    _rebuild_and_compare(demo, tmp_path, cache=cache)
    assert cache.records.hits == 0


def test_a_build_killed_while_writing_leaves_old_packs_and_the_next_is_right(demo: Path, tmp_path: Path) -> None:
    """A killed build leaves a half-written temporary file and the packs of
    the build before (stale: the record it was changing is in them as it was
    then).  The next build after another edit is the full build's site, and
    the temporary file goes once it is old."""
    build(demo, TODAY)
    stale = {p.name: p.read_bytes() for p in _packs(demo)}
    _append(demo, NOTICE, "\n补充一句。\n")
    build(demo, TODAY)
    for name, blob in stale.items():  # as if the build after the edit had been killed before its renames
        (_records(demo) / name).write_bytes(blob)
    half = _records(demo) / ".tmp-killed"
    half.write_bytes(next(iter(stale.values()))[:1000])
    _edit(demo / ROSTER, "village: 青石村, group: 一组, name: 王德胜", "village: 东坡村, group: 一组, name: 王德胜")
    _touch_later(demo / ROSTER)
    _rebuild_and_compare(demo, tmp_path)
    assert half.exists()  # young: another build may still be writing it
    old = time.time() - 7200
    os.utime(half, (old, old))
    _append(demo, NOTICE, "\n再补充一句。\n")
    _rebuild_and_compare(demo, tmp_path)
    assert not half.exists()


def test_garbage_does_not_grow(demo: Path, tmp_path: Path) -> None:
    """Entries of deleted or edited files leave the packs; roster files no
    entry names go once older than an hour; the one-file-per-record layout
    of earlier versions is removed."""
    build(demo, TODAY)
    keys = _keys(demo)
    legacy = _records(demo) / "ab" / ("ab" * 20 + ".pickle")
    legacy.parent.mkdir()
    legacy.write_bytes(b"old layout")
    old_pack = _records(demo) / "pack-0"  # a shard of the 16-shard layout before pack.FORMAT 2
    old_pack.write_bytes(b"GKPACK1\n")
    (demo / NOTICE).unlink()
    _rebuild_and_compare(demo, tmp_path)
    assert len(_keys(demo)) == len(keys) - 1 and _keys(demo) < keys
    assert not legacy.parent.exists() and not old_pack.exists()
    rows = _records(demo) / "rows"
    before = sorted(rows.iterdir())
    assert before
    for p in before:  # every roster file older than the grace
        os.utime(p, (time.time() - 7200, time.time() - 7200))
    _edit(demo / ROSTER, "village: 青石村, group: 一组, name: 王德胜", "village: 东坡村, group: 一组, name: 王德胜")
    _touch_later(demo / ROSTER)
    _rebuild_and_compare(demo, tmp_path)
    after = sorted(rows.iterdir())
    assert len(after) == len(before)  # the edited roster's old rows went, its new rows came
    assert after != before
    for _ in range(3):  # edits back and forth: the number of files stays
        for p in rows.iterdir():
            os.utime(p, (time.time() - 7200, time.time() - 7200))
        _append(demo, ROSTER, "\n")
        build(demo, TODAY)
    assert len(list(rows.iterdir())) == len(before)
    assert len(_keys(demo)) == len(keys) - 1


def test_two_stores_writing_at_once_leave_whole_packs(tmp_path: Path) -> None:
    """Two builds of one site at once: each pack is one build's whole (the
    last rename wins) and every entry read back is what was put under its key."""
    folder = tmp_path / "records"
    a, b = RecordStore(folder), RecordStore(folder)
    keys_a = [f"{i:x}{'a' * 39}" for i in range(16)]
    keys_b = [f"{i:x}{'b' * 39}" for i in range(16)] + keys_a[:8]
    for store, keys in ((a, keys_a), (b, keys_b)):
        for k in keys:
            assert store.get(k) is None
            store.put(k, {"key": k})
            store.used(k)
    a.commit()
    b.commit()
    c = RecordStore(folder)
    found = {k: c.get(k) for k in set(keys_a) | set(keys_b)}
    assert all(v is None or v == {"key": k} for k, v in found.items())
    assert all(found[k] is not None for k in keys_b)  # b wrote last: all of its packs


def test_file_digests_from_another_code_are_not_used(demo: Path, tmp_path: Path, later: None) -> None:
    build(demo, TODAY)
    build(demo, TODAY, out=tmp_path / "second")
    memo = sealed.site_cache_dir(demo) / "file-digests.pickle"
    value = sealed.load(memo)
    assert isinstance(value, tuple) and value[1]
    fake = {rel: (key, "0" * 40) for rel, (key, _) in value[1].items()}  # every digest wrong
    sealed.dump(memo, (("other code", value[0][1]), fake))
    _append(demo, NOTICE, "\n补充一句。\n")
    _rebuild_and_compare(demo, tmp_path)
    sealed.dump(memo, (value[0], fake))  # the same, sealed by this code: believed (it is this machine's)
    assert BuildCache(demo).file_digests == fake
    memo.write_bytes(pickle.dumps((value[0], fake)))  # not sealed: ignored
    assert BuildCache(demo).file_digests == {}


def test_an_edit_stats_only_the_record_files_its_stamp_shows_changed(
    demo: Path, tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stamp stats every file of content/ as the build starts; the
    loader takes an unchanged record file's digest by the stamp's entry (the
    same tuple as load.stat_key) instead of a second stat, and stats (and
    reads) only the file the edit changed.  The site is still the full build's."""
    from gongkai.run.engine.noop import build_stamp

    build(demo, TODAY)
    stamp = build_stamp(demo, demo / "build", ())
    records = {item.path for item in load.load_site(demo).files._pending}
    assert len(records) > 30 and all(stamp.files[p] == load.stat_key(os.stat(p)) for p in records)
    statted: list[str] = []
    real = os.stat

    def counted(path: object, *args: object, **kwargs: object) -> os.stat_result:
        statted.append(str(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(load.os, "stat", counted)
    _append(demo, NOTICE, "\n补充一句。\n")
    _touch_later(demo / NOTICE)
    statted.clear()
    assert build(demo, TODAY).made  # the notice's page made again
    assert records.intersection(statted) == {str(demo / NOTICE)}
    monkeypatch.undo()
    _rebuild_and_compare(demo, tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        (REPO / "content" / "index-numbers.yaml").read_text(encoding="utf-8"),
        "# 索引号\n" + "".join(f"tongzhi-{i:05d}: {2013 + i % 12}-{i // 12 + 1:05d}\n" for i in range(3000)),
        "a-1: 2015-00001\nb-2: 2015-00001\n",  # a number given twice: GK712
        "a-1: 2015-00001\na-1: 2015-00002\n",  # an id twice
        "a-1: 2015-00000\n",  # no number 0
        "Ab: 2015-00001\n",  # not an id
        "true: 2015-00001\n",  # a YAML word
        "a-1: 2015-00001 \n",  # trailing blank
        "a-1: '2015-00001'\n",
        "a-1: 2015-1\n",
        "- a-1\n",
        "",
    ],
)
def test_the_registry_read_without_yaml_is_the_registry_read_with_it(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 索引号 registry as gongkai writes it is read line by line (a build
    reads it at every edit); any other text goes to the YAML reader."""
    from gongkai.read import registry

    plain = registry._plain(text)
    fast, problems = registry._parse_uncached(text, [])
    monkeypatch.setattr(registry, "_plain", lambda _text: None)
    slow, slow_problems = registry._parse_uncached(text, [])
    assert list(fast.numbers.items()) == list(slow.numbers.items())
    assert problems == slow_problems
    if plain is not None:  # only ever for a registry the YAML reader finds nothing wrong with
        assert slow.numbers and not slow_problems


def test_a_record_sent_back_by_a_checking_process_is_kept_with_shared_names(tmp_path: Path) -> None:
    """A record unpickled on its own (as the checking processes send each
    back) has its own copy of every attribute and data key; kept as such, a
    pack would pickle each name once a record and every later build decode
    them all again.  Kept, its names are shared: each once a pack; the
    record reads back equal, its keys in their order."""
    from datetime import date

    from gongkai.check.validate import CheckedFile
    from gongkai.core.model import Record

    def sent_back(i: int) -> CheckedFile:
        rec = Record(
            id=f"r{i}",
            type="fund",
            source=f"content/funds/r{i}.yaml",
            title=f"资金{i}",
            publisher="caizheng",
            date=date(2024, 1, 1),
            data={"lines": ({"item_name": "道路", "amount_yuan": i},), "fiscal_year": 2024},
            digest=f"d{i}",
        )
        return pickle.loads(pickle.dumps(CheckedFile(rec, (), ()), protocol=pickle.HIGHEST_PROTOCOL))

    first, second = sent_back(1), sent_back(2)
    names = list(first.record.__dict__)
    assert not all(a is b for a, b in zip(first.record.__dict__, second.record.__dict__, strict=True))
    folder = tmp_path / "records"
    store = RecordStore(folder)
    keys = ["00" + "a" * 38, "00" + "b" * 38]  # one shard
    for k, v in zip(keys, (first, second), strict=True):
        store.put(k, v)
        store.used(k)
    store.commit()
    blob = pack.shard_path(folder, pack.shard_of(keys[0])).read_bytes()
    for name in (b"publisher", b"attachments", b"item_name", b"amount_yuan", b"fiscal_year"):
        assert blob.count(name) == 1, name
    back = RecordStore(folder)
    again = back.get(keys[0])
    assert again.record == first.record and list(again.record.__dict__) == names
    assert again.record.data == {"lines": ({"item_name": "道路", "amount_yuan": 1},), "fiscal_year": 2024}


@pytest.mark.parametrize("long_lived", [False, True])
def test_a_long_lived_store_does_not_give_the_records_it_holds_utf8_copies(tmp_path: Path, long_lived: bool) -> None:
    """Pickling a str gives it a UTF-8 copy for as long as it lives
    (CPython's cache, shown by sys.getsizeof).  The preview server's store
    rewrites a shard or two on every save; written from the records in
    memory, those would grow save after save.  A long-lived store writes
    the entries already on disk from a copy read back from there."""
    import sys

    folder = tmp_path / "records"
    keys = [f"{n:02x}{'0' * 62}" for n in range(0, 256, 4)]  # spread over the shards
    first = RecordStore(folder)
    for n, key in enumerate(keys):
        first.put(key, ("青石镇第" + str(n) + "号通知，涉及农户四百余户。" * 20,))
        first.used(key)
    first.commit()

    store = RecordStore(folder, long_lived=long_lived)
    held = {key: store.get(key) for key in keys}  # read back: no UTF-8 copies yet
    sizes = {key: sys.getsizeof(v[0]) for key, v in held.items()}
    for key in keys:
        store.used(key)
    new = keys[0][:2] + "1" * 62  # an edit: a new key in the first shard
    store.put(new, ("新的通知",))
    store.used(new)
    store.commit()
    same_shard = [k for k in keys if pack.shard_of(k) == pack.shard_of(new)]
    assert same_shard
    grown = [k for k in same_shard if sys.getsizeof(held[k][0]) != sizes[k]]
    assert (grown == []) if long_lived else (grown == same_shard), grown
    back = RecordStore(folder)  # and the shard holds every entry
    assert all(back.get(k) == held[k] for k in keys) and back.get(new) == ("新的通知",)


@pytest.mark.parametrize("long_lived", [False, True])
def test_new_entries_sent_by_a_checking_process_keep_no_utf8_copies(tmp_path: Path, long_lived: bool) -> None:
    """The preview server's first build with a cold cache (after an upgrade)
    has every record checked in other processes and sent back pickled; a
    long-lived store writes its packs from copies unpickled again from what
    was sent, so the records it holds (and the site is made of) gain no
    UTF-8 copy: ~15 MiB at 10,000 records, above the server's memory target."""
    import pickle
    import sys

    folder = tmp_path / "records"
    keys = [f"{n:02x}{'0' * 62}" for n in range(0, 256, 4)]
    store = RecordStore(folder, long_lived=long_lived)
    held = {}
    for n, key in enumerate(keys):
        sent = pickle.dumps(("青石镇第" + str(n) + "号通知，涉及农户四百余户。" * 20,))
        held[key] = pickle.loads(sent)
        store.put(key, held[key], sent)
        store.used(key)
    store.put("ff" + "1" * 62, ("本进程检查的新通知",))  # checked here: nothing sent, written from memory
    store.used("ff" + "1" * 62)
    sizes = {key: sys.getsizeof(v[0]) for key, v in held.items()}
    store.commit()
    grown = [k for k in keys if sys.getsizeof(held[k][0]) != sizes[k]]
    assert (grown == []) if long_lived else (grown == keys), grown
    assert store.memory[keys[3]] is held[keys[3]]  # the store keeps what the site is made of
    back = RecordStore(folder)  # and the packs hold every entry
    assert all(back.get(k) == held[k] for k in keys) and back.get("ff" + "1" * 62) == ("本进程检查的新通知",)
