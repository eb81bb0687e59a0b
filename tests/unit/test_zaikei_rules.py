"""財形 rules of the employer side (SPEC R-PLUS-3 財形アラーム, A.5) and the bank's 財形 files
(README 「財形預入依頼書ファイル」「加入者残高一覧表ファイル」; RZ-1, R-INFO-1): pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.domain.zaikei import (
    AlarmBalance,
    AlarmItem,
    ZaikeiKind,
    age_on,
    alarms,
    tax_free_used,
)
from chingin_app.services.zaikei_bank import (
    DepositRow,
    parse_balance_rows,
    parse_deposit_rows,
)

DAY = date(2026, 4, 24)
H, P, G = ZaikeiKind.HOUSING, ZaikeiKind.PENSION, ZaikeiKind.GENERAL


def _item(staff: str = "000001", kind: ZaikeiKind = H, change: str = "継続",
          birth: date = date(1980, 1, 1), account: str = "1000001") -> AlarmItem:
    return AlarmItem(staff, "財形　太郎", kind, change, birth, account)


def test_r_plus_3_age_on_counts_full_years() -> None:
    assert age_on(date(1971, 4, 24), DAY) == 55
    assert age_on(date(1971, 4, 25), DAY) == 54
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25


def test_r_plus_3_limit_alarm_at_90_percent_of_housing_plus_pension() -> None:
    """住宅 + 年金 元利合計 ≥ 90 % of ¥5.5M raises the alarm; 一般財形 does not count."""
    near = [AlarmBalance("000001", "甲", H, 3_000_000), AlarmBalance("000001", "甲", P, 1_950_000),
            AlarmBalance("000001", "甲", G, 9_000_000)]
    below = [AlarmBalance("000002", "乙", H, 4_949_999), AlarmBalance("000002", "乙", G, 900_000)]
    found = alarms([], near + below, deposit_date=DAY)
    assert [(a.staff_no, a.code) for a in found] == [("000001", "limit")]
    assert "4,950,000円" in found[0].text and "に近づいています" in found[0].text
    assert tax_free_used(near + below) == {"000001": 4_950_000, "000002": 4_949_999}


def test_r_plus_3_limit_alarm_threshold_is_configurable_and_over_limit_is_named() -> None:
    b = [AlarmBalance("000001", "甲", H, 4_500_000)]
    assert alarms([], b, deposit_date=DAY) == []
    assert [a.code for a in alarms([], b, deposit_date=DAY, limit_percent=80)] == ["limit"]
    over = alarms([], [AlarmBalance("000001", "甲", H, 5_600_000)], deposit_date=DAY)
    assert "超えています" in over[0].text
    with pytest.raises(ValueError):
        alarms([], b, deposit_date=DAY, limit_percent=0)


def test_r_plus_3_age_55_or_more_at_a_new_housing_or_pension_contract() -> None:
    """Only 新規 住宅/年金 lines of someone 55 or older on the 入金予定日."""
    items = [
        _item("000001", H, "新規", date(1971, 4, 24)),  # 55 today
        _item("000002", P, "新規", date(1971, 4, 25)),  # 54
        _item("000003", G, "新規", date(1950, 1, 1)),  # 一般財形: no age limit
        _item("000004", P, "継続", date(1950, 1, 1)),  # not new
    ]
    found = alarms(items, [], deposit_date=DAY)
    assert [(a.staff_no, a.code, a.kind_label) for a in found] == [("000001", "age", "財形住宅")]
    assert "満55歳" in found[0].text


def test_r_plus_3_second_housing_or_pension_contract() -> None:
    """Two 財形年金 accounts of one person (in the request or the balances) alarm; one account
    in both, 一般財形 twice, or an ended line do not."""
    items = [
        _item("000001", P, account="1000001"), _item("000001", P, "新規", account="1000009"),
        _item("000002", H, account="2000001"),
        _item("000003", G, account="3000001"), _item("000003", G, account="3000002"),
        _item("000004", H, "解約", account="4000001"), _item("000004", H, "新規",
                                                              account="4000002"),
    ]
    balances = [AlarmBalance("000002", "乙", H, 100, "2000001"),
                AlarmBalance("000005", "丙", H, 100, "5000001"),
                AlarmBalance("000005", "丙", H, 100, "5000002")]
    found = alarms(items, balances, deposit_date=DAY)
    assert [(a.staff_no, a.code) for a in found if a.code == "duplicate"] == [
        ("000001", "duplicate"), ("000005", "duplicate")]
    assert "財形年金の契約が2件" in found[0].text


DEPOSIT = ["001", "2026-04", "月例", "2026-04-24", "000001", "ｻﾞｲｹｲ ﾀﾛｳ", "財形　太郎", "総務部",
           "1980-05-01", "財形住宅", "1000001", "20000", "50000", "", "継続"]


def _row(**changes: str) -> list[str]:
    from chingin_app.services.zaikei_bank import DEPOSIT_HEADER

    row = list(DEPOSIT)
    for name, value in changes.items():
        row[DEPOSIT_HEADER.index(name)] = value
    return row


def test_rz_1_deposit_rows_parse_with_kind_and_amounts() -> None:
    got = parse_deposit_rows([_row(), _row(職員番号="000002", 奨励金="1000", 種類="一般財形")],
                             incentive_allowed=True)
    assert isinstance(got[0], DepositRow)
    assert [(r.row, r.kind, r.incentive) for r in got] == [  # type: ignore[union-attr]
        (2, H, None), (3, G, 1000)]


def test_rz_1_deposit_errors_by_row_and_column() -> None:
    """Every bad cell is reported with its row (header = 1) and column, in Japanese."""
    got = parse_deposit_rows(
        [_row(), _row(月例額="1,000", 種類="財形", 職員番号="A1"), _row(生年月日="1980/05/01")],
        incentive_allowed=True,
    )
    assert all(isinstance(e, Err) for e in got)
    cells = [(e.params["row"], e.params["column"]) for e in got]  # type: ignore[union-attr]
    assert cells == [(3, 5), (3, 10), (3, 12), (4, 9)]
    text = message(got[0].code, **got[0].params)  # type: ignore[union-attr]
    assert text == "3行目5列目「職員番号」は半角数字10桁以内で入力してください。"


def test_rz_1_incentive_refused_without_the_incentive_service() -> None:
    got = parse_deposit_rows([_row(奨励金="1000")], incentive_allowed=False)
    assert [e.code for e in got] == ["E-ZAIKEI-INCENTIVE"]  # type: ignore[union-attr]


def test_a_3_deposit_date_must_be_a_business_day_and_one_per_request() -> None:
    holiday = parse_deposit_rows([_row(入金予定日="2026-04-25")], incentive_allowed=True)
    assert [e.code for e in holiday] == ["E-ZAIKEI-HOLIDAY"]  # type: ignore[union-attr]
    mixed = parse_deposit_rows([_row(), _row(職員番号="000002", 入金予定日="2026-04-23")],
                               incentive_allowed=True)
    assert [(e.code, e.params["first"]) for e in mixed] == [  # type: ignore[union-attr]
        ("E-ZAIKEI-DATE-MISMATCH", 2)]
    dup = parse_deposit_rows([_row(), _row()], incentive_allowed=True)
    assert [e.code for e in dup] == ["E-ZAIKEI-DUPLICATE-LINE"]  # type: ignore[union-attr]


def test_rz_1_balance_rows_parse_and_report_by_column() -> None:
    good = ["001", "2026-03-31", "000001", "ｻﾞｲｹｲ ﾀﾛｳ", "財形　太郎", "財形年金", "1000001",
            "1200000", "1250000"]
    got = parse_balance_rows([good])
    assert got[0].principal_interest == 1_250_000  # type: ignore[union-attr]
    bad = parse_balance_rows([[*good[:7], "-5", "x"]])
    assert [(e.params["row"], e.params["column"]) for e in bad] == [  # type: ignore[union-attr]
        (2, 8), (2, 9)]
