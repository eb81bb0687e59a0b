"""The 賃控元帳 cycle's rules (domain/ledger_cycle.py; SPEC §11 RL-CYCLE-1 … 3, A.1): the
異動区分 of a request line, the states, the 職員番号桁数 and the 相違リスト."""

from __future__ import annotations

import pytest

from chingin_app.domain.deduction_cycle import CycleAction
from chingin_app.domain.kana import kana_difference
from chingin_app.domain.ledger_cycle import (
    LedgerStatus,
    check_staff_no_digits,
    expected_staff_no_digits,
    ledger_change_kinds,
    ledger_transition,
    line_mismatch,
)
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.domain.result import Err, Ok

E1_UNION = (1, "0001")
E1_MUTUAL = (1, "0002")
E2_UNION = (2, "0001")
E3_UNION = (3, "0001")


def test_rl_cycle_1_change_kinds_against_the_previous_cycle() -> None:
    """RL-CYCLE-1: each employee × 種目 line against the previous cycle's: absent before 新規,
    another amount 変更, the same 継続; a previous line with none now 解約."""
    previous = {E1_UNION: 3_000, E1_MUTUAL: 500, E2_UNION: 3_000}
    current = {E1_UNION: 3_000, E2_UNION: 3_500, E3_UNION: 2_000}
    got = ledger_change_kinds(previous, current)
    assert got.kinds == {E1_UNION: ChangeKind.CONTINUED, E2_UNION: ChangeKind.CHANGED,
                         E3_UNION: ChangeKind.NEW}
    assert got.ended == (E1_MUTUAL,)


def test_rl_cycle_1_first_cycle_is_new_only_for_details_starting_now() -> None:
    """Without a previous request a line is 新規 when its detail starts this month, else 継続,
    and nothing is 解約."""
    got = ledger_change_kinds(None, {E1_UNION: 3_000, E2_UNION: 1_000}, started={E2_UNION})
    assert got.kinds == {E1_UNION: ChangeKind.CONTINUED, E2_UNION: ChangeKind.NEW}
    assert got.ended == ()


def test_rl_cycle_1_the_same_employee_and_item_is_one_line() -> None:
    """A detail cancelled and registered again for the same employee × 種目 is that line
    changed (or continued), not a 解約 and a 新規: the line is the employee × 種目."""
    got = ledger_change_kinds({E1_UNION: 3_000}, {E1_UNION: 3_200})
    assert got.kinds == {E1_UNION: ChangeKind.CHANGED} and got.ended == ()


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (LedgerStatus.RECEIVED, CycleAction.REPUBLISH, LedgerStatus.RECEIVED),
        (LedgerStatus.RECEIVED, CycleAction.LOAD_RESULTS, LedgerStatus.RESULTS),
        (LedgerStatus.RESULTS, CycleAction.REPUBLISH, "E-CYCLE-CLOSED"),
        (LedgerStatus.RESULTS, CycleAction.LOAD_RESULTS, "E-CYCLE-CLOSED"),
    ],
)
def test_rl_cycle_2_states(status: LedgerStatus, action: CycleAction, expected: object) -> None:
    """RL-CYCLE-1/2: a request is replaced and its results loaded only while 依頼受信; once the
    results are in it is closed."""
    got = ledger_transition(status, action)
    if isinstance(expected, LedgerStatus):
        assert got == Ok(expected)
    else:
        assert isinstance(got, Err) and got.code == expected
        assert got.params == {"state": "結果受信済"}


def test_rl_cycle_2_the_ledger_has_no_remittance_steps() -> None:
    """入金中止 and まとめ入金確定 belong to 労金控除: asking the ledger is a bug."""
    with pytest.raises(ValueError, match="confirm"):
        ledger_transition(LedgerStatus.RECEIVED, CycleAction.CONFIRM)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("6", 6), (7, 7), (" 10 ", 10), ("1", 1), ("0", None), ("11", None), ("６", None),
     ("", None), ("-3", None), (None, None)],
)
def test_rl_cycle_3_staff_no_digits_set_by_the_bank(value: object, expected: int | None) -> None:
    """`--staff-no-digits N`: half-width 1 … 10 (a 職員番号 has at most 10 digits)."""
    got = check_staff_no_digits(value)
    if expected is None:
        assert isinstance(got, Err) and got.code == "E-STAFF-NO-DIGITS"
    else:
        assert got == Ok(expected)


@pytest.mark.parametrize(
    ("configured", "numbers", "expected"),
    [
        (None, ["000001", "000002", "00003"], 6),  # the most common length
        (5, ["000001", "000002", "00003"], 5),  # the bank's wins
        (None, ["00001", "000002"], 6),  # a tie: the longer (zeros were lost)
        (None, [], None),  # nobody to count
    ],
)
def test_rl_cycle_3_expected_digits(configured: int | None, numbers: list[str],
                                    expected: int | None) -> None:
    """RL-CYCLE-3: the contract's 職員番号桁数, else the most common length among its staff."""
    assert expected_staff_no_digits(configured, numbers) == expected


def test_rl_cycle_3_kana_is_compared_after_a_1_on_both_sides() -> None:
    """RL-CYCLE-3 (A.1): widths, hiragana and small kana do not make a difference; another
    reading does, named by the first differing character."""
    same = line_mismatch(name_kana="ｷﾕｳﾖ ｲﾁﾛｳ", bank_kana="きゅうよ　いちろう", staff_no="000001",
                         expected_digits=6)
    assert same is None
    found = line_mismatch(name_kana="ﾛｳｷﾝ ﾀﾛｳ", bank_kana="ﾛｳｷﾝ ｼﾞﾛｳ", staff_no="000001",
                          expected_digits=6)
    assert found is not None and found.expected_digits is None
    assert found.description == "カナ氏名：6文字目から異なる"
    assert kana_difference("ｻﾄｳ", "ｻﾄｳ ﾀ") == "文字数が異なる"


def test_rl_cycle_3_digits_and_no_bank_kana() -> None:
    """RL-CYCLE-3: a 職員番号 of another length is listed with both lengths; an employee the
    bank has no 労金控除 result for has nothing to compare (only the digits count); no
    expected length, no digit check."""
    found = line_mismatch(name_kana="ｻﾄｳ ﾊﾅｺ", bank_kana=None, staff_no="00003",
                          expected_digits=6)
    assert found is not None and found.kana_difference is None
    assert found.description == "職員番号：5桁（契約は6桁）"
    both = line_mismatch(name_kana="ｻﾄｳ ﾊﾅｺ", bank_kana="ｻﾄｳ ﾊﾅｴ", staff_no="00003",
                         expected_digits=6)
    assert both is not None
    assert both.description == "カナ氏名：7文字目から異なる／職員番号：5桁（契約は6桁）"
    assert line_mismatch(name_kana="ｻﾄｳ ﾊﾅｺ", bank_kana=None, staff_no="00003",
                         expected_digits=None) is None
