"""RL-3 賃控元帳確認リスト出力 (SPEC §11; A.6 賃控元帳 columns): the three list specs and the
month's rules — which details a month holds and the 異動区分 against the month before."""

from __future__ import annotations

from datetime import date

import pytest

from chingin_app.domain.result import Err, Ok
from chingin_app.reports import ledger_check_lists as specs
from chingin_app.reports.lists import pdf_rows, screen_rows
from chingin_app.services.ledger.check_lists import (
    ChangeLine,
    DetailLine,
    ItemTotal,
    active_in,
    change_kind,
    check_month,
)

HEADER = specs.CheckListHeader("12345678", "テスト労働組合", "001", "本社", "2026-06")


def test_rl_3_list_titles_and_a6_columns() -> None:
    """RL-3: the manual's three lists; the 内訳リスト has A.6's 賃控元帳 columns (職員番号,
    氏名 漢字/カナ, 所属, 種目, 月例額, 一時金額, 開始年月, 終了年月), 所属 first for 小計."""
    assert [k.title for k in specs.CHECK_LISTS.values()] == [
        "賃控元帳内訳リスト", "賃控元帳種目合計リスト", "賃控元帳異動分リスト"]
    assert [f.title for f in specs.DETAILS.fields] == [
        "所属", "職員番号", "カナ氏名", "漢字氏名", "種目", "月例額", "一時金額", "開始年月",
        "終了年月"]
    assert [f.title for f in specs.ITEM_TOTALS.fields] == [
        "種目コード", "種目名", "件数", "月例額合計", "一時金額合計"]
    assert specs.CHANGES.fields[0].title == "異動区分"
    assert {"変更前月例額", "変更後月例額", "変更前一時金額", "変更後一時金額"} <= {
        f.title for f in specs.CHANGES.fields}


def test_rl_3_specs_subtotal_by_department_and_total_amounts() -> None:
    """RL-3: 内訳リスト groups by 所属 (小計); every list sums its amounts (合計); the header
    names the contract, the payment group and the 控除年月."""
    details = specs.spec(specs.DETAILS, HEADER, output_date=date(2026, 6, 20))
    assert details.group_by == 0 and details.totals
    assert [c.title for c in details.columns if c.total] == ["月例額", "一時金額"]
    items = specs.spec(specs.ITEM_TOTALS, HEADER, output_date=date(2026, 6, 20))
    assert items.group_by is None and items.count_unit == "種目"
    assert [c.title for c in items.columns if c.total] == ["件数", "月例額合計", "一時金額合計"]
    changes = specs.spec(specs.CHANGES, HEADER, output_date=date(2026, 6, 20))
    assert changes.group_by is None and len([c for c in changes.columns if c.total]) == 4
    assert HEADER.lines() == ["契約番号：12345678　テスト労働組合", "入金グループ：001　本社",
                              "控除年月：2026年6月"]


def test_rl_3_rows_fill_each_column() -> None:
    """RL-3: a line fills its list's columns (種目 as code and name, months in Japanese, no
    end month blank, no before amount blank)."""
    line = DetailLine("総務部", "000001", "ｻﾄｳ ﾀﾛｳ", "佐藤　太郎", "0001", "組合費", 1000, 5000,
                      "2025-04", None)
    assert list(pdf_rows(specs.DETAILS, [line])) == [[
        "総務部", "000001", "ｻﾄｳ ﾀﾛｳ", "佐藤　太郎", "0001 組合費", 1000, 5000, "2025年4月", ""]]
    total = ItemTotal("0001", "組合費", 3, 4200, 5000)
    assert list(pdf_rows(specs.ITEM_TOTALS, [total])) == [[
        "0001", "組合費", 3, 4200, 5000]]
    change = ChangeLine("新規", "営業部", "000002", "ｽｽﾞｷ", "鈴木", "0001", "組合費", None, 2000,
                        None, 0, "2026-06", "2027-03")
    assert list(pdf_rows(specs.CHANGES, [change])) == [[
        "新規", "営業部", "000002", "ｽｽﾞｷ", "鈴木", "0001 組合費", None, 2000, None, 0,
        "2026年6月", "2027年3月"]]
    assert screen_rows(specs.CHANGES, [change])[0]["before_monthly"] == ""
    assert screen_rows(specs.CHANGES, [change])[0]["after_monthly"] == "2,000"


@pytest.mark.parametrize(("start", "end", "cancelled", "expected"), [
    ("2025-04", None, None, True),
    ("2026-06", None, None, True),  # starts this month
    ("2026-07", None, None, False),  # not yet
    ("2025-04", "2026-06", None, True),  # ends this month: still deducted
    ("2025-04", "2026-05", None, False),  # ended last month
    ("2025-04", None, "2026-06", False),  # 解除 this month
    ("2025-04", None, "2026-07", True),  # 解除 later: still in June's list
])
def test_rl_3_active_in_month(start: str, end: str | None, cancelled: str | None,
                              expected: bool) -> None:
    """RL-3 内訳リスト: a detail is in a month from 開始年月 to 終了年月 unless 解除 by then."""
    assert active_in("2026-06", start_month=start, end_month=end,
                     cancelled_month=cancelled) is expected


@pytest.mark.parametrize(("start", "end", "cancelled", "added", "changed", "expected"), [
    ("2026-06", None, None, "2026-05", False, "新規"),  # starts this month
    ("2025-04", None, None, "2026-06", False, "新規"),  # registered this month
    ("2026-06", None, None, "2026-06", True, "新規"),  # new and changed: 新規
    ("2025-04", None, None, "2025-03", True, "変更"),  # amount changed this month
    ("2025-04", None, None, "2025-03", False, None),  # unchanged
    ("2025-04", "2026-05", None, "2025-03", False, "終了"),  # ended last month
    ("2025-04", "2026-05", "2026-05", "2025-03", False, None),  # 解除 before it ended
    ("2025-04", None, "2026-06", "2025-03", False, "解除"),  # 解除 this month
    ("2026-06", None, "2026-06", "2026-06", False, "解除"),  # added and 解除 this month
    ("2025-04", None, "2026-05", "2025-03", True, None),  # 解除 last month
    ("2026-07", None, None, "2026-06", False, None),  # registered now, starts next month
    ("2025-04", "2026-04", None, "2025-03", False, None),  # ended before last month
])
def test_rl_3_change_kind_against_the_month_before(
    start: str, end: str | None, cancelled: str | None, added: str, changed: bool,
    expected: str | None,
) -> None:
    """RL-3 異動分リスト: 解除 > 終了 > 新規 > 変更; nothing for an unchanged detail."""
    assert change_kind("2026-06", start_month=start, end_month=end, cancelled_month=cancelled,
                       added_month=added, amount_changed=changed) == expected


def test_rl_3_change_kind_across_the_year() -> None:
    """RL-3: January's month before is last December."""
    assert change_kind("2027-01", start_month="2025-04", end_month="2026-12",
                       cancelled_month=None, added_month="2025-03",
                       amount_changed=False) == "終了"


def test_rl_3_month_field_is_checked() -> None:
    """RL-3 控除年月: YYYY-MM or YYYY/MM; blank or malformed → the message at the field."""
    assert check_month("2026/06") == Ok("2026-06")
    assert check_month(" 2026-06 ") == Ok("2026-06")
    for bad, code in (("", "E-FIELD-REQUIRED"), ("2026-13", "E-MONTH-FORMAT"),
                      ("令和8年6月", "E-MONTH-FORMAT"), (None, "E-FIELD-REQUIRED")):
        found = check_month(bad)
        assert isinstance(found, Err) and found.code == code and found.field == "month"
