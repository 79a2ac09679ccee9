"""The roster header vocabulary (gongkai/read/roster_headers.toml), one test
per column name as real exports of each family write it: the name must give
this field (or be shown in the note, ignored, or refused)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from gongkai.read.roster import read_roster
from gongkai.read.roster_headers import load_vocabulary

# family → (column name as exported, what it must be read as)
FAMILIES: dict[str, list[tuple[str, str]]] = {
    "低保": [
        ("乡镇", "ignore"), ("村组", "village"), ("户主姓名", "name"), ("保障对象", "name"),
        ("身份证号码", "id_number"), ("家庭人口", "shown"), ("保障人数", "shown"), ("保障类别", "shown"),
        ("月保障金额(元)", "amount"), ("保障金额", "amount"), ("月人均补差", "shown"), ("发放日期", "shown"),
        ("保障起始时间", "shown"), ("备注", "note"),
    ],
    "特困": [
        ("村(社区)", "village"), ("供养对象", "name"), ("特困人员姓名", "name"), ("供养方式", "shown"),
        ("供养标准(元/月)", "rate"), ("供养月数", "quantity"), ("供养金额", "amount"), ("性别", "ignore"),
        ("年龄", "refuse"), ("残疾等级", "refuse"),
    ],
    "临时救助": [
        ("救助对象", "name"), ("救助对象姓名", "name"), ("救助事由", "shown"), ("救助类别", "shown"),
        ("救助方式", "shown"), ("临时救助金额", "amount"), ("救助金额(元)", "amount"), ("病种", "refuse"),
        ("家庭住址", "refuse"), ("联系电话", "refuse"),
    ],
    "耕地地力": [
        ("村名", "village"), ("村民小组", "group"), ("户主姓名", "name"), ("二轮承包面积(亩)", "quantity"),
        ("补贴面积（亩）", "quantity"), ("计税面积", "quantity"), ("补贴标准（元/亩）", "rate"),
        ("补贴金额（元）", "amount"), ("一卡通账号", "refuse"), ("银行卡号", "refuse"), ("领取人签字", "ignore"),
    ],
    "一卡通": [
        ("收款人", "name"), ("持卡人姓名", "name"), ("补贴项目", "shown"), ("发放金额", "amount"),
        ("一折通号", "refuse"), ("一折通账户", "refuse"), ("收款账户", "refuse"), ("社保卡号", "refuse"),
        ("开户银行", "ignore"), ("发放日期", "shown"),
    ],
    "征地": [
        ("被征地户", "name"), ("被补偿人", "name"), ("征地面积(亩)", "quantity"), ("补偿标准(元/亩)", "rate"),
        ("土地补偿费", "amount"), ("安置补助费", "amount"), ("青苗补偿费", "amount"),
        ("地上附着物补偿费", "amount"), ("补偿金额合计", "amount"), ("地类", "shown"),
    ],
    "危房改造": [
        ("户主姓名", "name"), ("农户类别", "shown"), ("危险等级", "shown"), ("改造方式", "shown"),
        ("补助标准", "rate"), ("补助金额(元)", "amount"), ("验收时间", "shown"), ("建筑面积(平方米)", "quantity"),
    ],
}  # fmt: skip
CASES = [(family, name, want) for family, names in FAMILIES.items() for name, want in names]


def _read(header: list[str], row: list[object]) -> tuple[object, list]:
    wb = openpyxl.Workbook()
    wb.active.append(header)
    wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return read_roster(buf.getvalue(), "名单.xlsx", "名单.xlsx")


@pytest.mark.parametrize(("family", "name", "want"), CASES, ids=[f"{f}-{n}" for f, n, _ in CASES])
def test_header(family: str, name: str, want: str) -> None:
    base = {"name": "姓名", "village": "村", "amount": "金额"}
    header = [base[k] for k in base if k != want] + [name]
    value = "A" if want in ("shown", "note", "village", "group", "name") else 3
    roster, problems = _read(
        header, ["青石村" if h == "村" else "张三" if h == "姓名" else 100 for h in header[:-1]] + [value]
    )
    if want == "refuse":
        assert [p.code for p in problems] == ["GK123"]
        return
    assert problems == [], problems
    entries = {k: v.text for k, v in roster.rows.items[0].entries.items()}  # type: ignore[union-attr]
    if want == "ignore":
        assert set(entries) == {"name", "village", "amount"}
    elif want == "shown":
        assert entries["note"].endswith(f"：{value}")
    else:
        assert entries[want] == str(value)


def test_fallback_is_shown_beside_a_named_column() -> None:
    roster, problems = _read(
        ["村", "姓名", "二轮承包面积(亩)", "补贴面积(亩)", "金额"], ["青石村", "张三", 2.1, 1.9, 199.5]
    )
    assert problems == []
    entries = {k: v.text for k, v in roster.rows.items[0].entries.items()}  # type: ignore[union-attr]
    assert entries["quantity"] == "1.9" and entries["note"] == "二轮承包面积：2.1"


def test_vocabulary_refuses_a_name_with_two_meanings() -> None:
    data = b"""
[field.name]
label = "x"
names = ["A"]
[field.note]
label = "y"
names = ["A"]
[shown]
names = []
[ignore]
names = []
parts = []
[[refuse]]
parts = []
why = ""
"""
    with pytest.raises(ValueError, match="listed both"):
        load_vocabulary(data)
