"""The monthly deduction cycle's rules (SPEC §11 RK-8, RK-9, RK-4 異動区分; Appendix A.3, A.4):
the state machine, the confirmation rule, totals, cycle dates and deadlines on bank business
days, change kinds since last month."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from chingin_app.domain.clock import JST
from chingin_app.domain.deduction_cycle import (
    DEFAULT_RULES,
    CycleAction,
    CycleRules,
    CycleStatus,
    ItemFacts,
    LineFacts,
    blocking_items,
    change_kinds,
    check_hold_reason,
    check_month,
    cycle_dates,
    deadline_end,
    is_before_deadline,
    month_add,
    month_of,
    totals,
    transition,
)
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.domain.messages import MESSAGES, message
from chingin_app.domain.result import Err, Ok

R, C, X = CycleStatus.RECEIVED, CycleStatus.CONFIRMED, CycleStatus.RESULTS
DEADLINE = date(2026, 4, 28)  # the 2026-04 monthly cycle's deadline (see below)
BEFORE = datetime(2026, 4, 28, 14, 59, 59, tzinfo=UTC)  # 23:59:59 JST on the deadline
AFTER = datetime(2026, 4, 28, 15, 0, tzinfo=UTC)  # 00:00 JST the day after


# ---------------------------------------------------------------------------- transitions


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (R, CycleAction.REPUBLISH, R),
        (R, CycleAction.HOLD, R),
        (R, CycleAction.CONFIRM, C),
        (R, CycleAction.UNDO, "E-CYCLE-NOT-CONFIRMED"),
        (R, CycleAction.LOAD_RESULTS, "E-CYCLE-RESULTS-NOT-CONFIRMED"),
        (C, CycleAction.REPUBLISH, "E-CYCLE-REPLACE-CONFIRMED"),
        (C, CycleAction.HOLD, "E-CYCLE-HOLD-CONFIRMED"),
        (C, CycleAction.CONFIRM, "E-CYCLE-ALREADY-CONFIRMED"),
        (C, CycleAction.UNDO, R),
        (C, CycleAction.LOAD_RESULTS, X),
        (X, CycleAction.REPUBLISH, "E-CYCLE-CLOSED"),
        (X, CycleAction.HOLD, "E-CYCLE-CLOSED"),
        (X, CycleAction.CONFIRM, "E-CYCLE-CLOSED"),
        (X, CycleAction.UNDO, "E-CYCLE-CLOSED"),
        (X, CycleAction.LOAD_RESULTS, "E-CYCLE-CLOSED"),
    ],
)
def test_a4_rk9_every_transition_before_the_deadline(
    status: CycleStatus, action: CycleAction, expected: CycleStatus | str
) -> None:
    """A.4: 依頼受信 → まとめ入金確定 (undo until the deadline) → 結果受信; every (state, action)
    pair either moves to its next state or is refused with its own code."""
    got = transition(status, action, now=BEFORE, deadline=DEADLINE)
    if isinstance(expected, CycleStatus):
        assert got == Ok(expected)
    else:
        assert isinstance(got, Err)
        assert got.code == expected
        message(got.code, **got.params)  # every refusal has its worded text


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (R, CycleAction.HOLD, "E-CYCLE-DEADLINE"),
        (R, CycleAction.CONFIRM, "E-CYCLE-DEADLINE"),
        (C, CycleAction.UNDO, "E-CYCLE-UNDO-DEADLINE"),
        # The bank's own steps do not close with the organisation's deadline.
        (R, CycleAction.REPUBLISH, R),
        (C, CycleAction.LOAD_RESULTS, X),
    ],
)
def test_a4_rk9_after_the_deadline(
    status: CycleStatus, action: CycleAction, expected: CycleStatus | str
) -> None:
    """A.4 "can be undone until the deadline": holds, confirmation and undo close at the end of
    the deadline day in Japan time; the bank's republish and results do not."""
    got = transition(status, action, now=AFTER, deadline=DEADLINE)
    if isinstance(expected, CycleStatus):
        assert got == Ok(expected)
    else:
        assert got == Err(expected, None, {"deadline": "2026/04/28"})
        assert "2026/04/28" in message(got.code, **got.params)


def test_a4_deadline_is_the_end_of_the_day_in_japan_time() -> None:
    """The deadline day ends at midnight JST, whatever zone ``now`` is given in."""
    assert deadline_end(DEADLINE) == datetime(2026, 4, 29, 0, 0, tzinfo=JST)
    assert is_before_deadline(BEFORE, DEADLINE)
    assert not is_before_deadline(AFTER, DEADLINE)
    # 09:00 JST on the deadline day, written in UTC the day before.
    assert is_before_deadline(datetime(2026, 4, 28, 0, 0, tzinfo=UTC), DEADLINE)
    # 23:30 UTC on the deadline day is already 08:30 JST the next day.
    assert not is_before_deadline(datetime(2026, 4, 28, 23, 30, tzinfo=UTC), DEADLINE)


def test_a4_configurable_deadline_cutoff() -> None:
    """A deadline that ends at 15:00 JST on its day (CycleRules.deadline_cutoff)."""
    rules = CycleRules(deadline_cutoff=time(15, 0))
    assert deadline_end(DEADLINE, rules) == datetime(2026, 4, 28, 15, 0, tzinfo=JST)
    just_before = datetime(2026, 4, 28, 14, 59, tzinfo=JST)
    at_cutoff = datetime(2026, 4, 28, 15, 0, tzinfo=JST)
    assert transition(C, "undo", now=just_before, deadline=DEADLINE, rules=rules) == Ok(R)
    refused = transition(C, "undo", now=at_cutoff, deadline=DEADLINE, rules=rules)
    assert isinstance(refused, Err) and refused.code == "E-CYCLE-UNDO-DEADLINE"


def test_transition_takes_stored_strings() -> None:
    """The services pass the stored column values."""
    assert transition("received", "confirm", now=BEFORE, deadline=DEADLINE) == Ok(C)
    with pytest.raises(ValueError):
        transition("archived", "confirm", now=BEFORE, deadline=DEADLINE)


# ---------------------------------------------------------------------------- confirmation rule


def _items() -> list[ItemFacts]:
    return [
        ItemFacts(amount=10_000, staff_no="0001"),
        ItemFacts(amount=5_000, hold=True, staff_no="0002"),
        ItemFacts(amount=0, error_text="控除額が0円です", staff_no="0003"),
        ItemFacts(amount=3_000, error_text="カナ氏名に使えない文字", staff_no="0004"),
        ItemFacts(amount=0, change_kind=ChangeKind.ENDED, error_text=None, staff_no="0005"),
    ]


def test_rk9_confirm_refused_while_an_error_line_is_not_held() -> None:
    """A.4 "every 控除不能 line is set to 入金中止": a 明細エラー line is 控除不能, so the
    confirmation is refused until each one is on hold; the message counts them."""
    items = _items()
    got = transition(R, CycleAction.CONFIRM, now=BEFORE, deadline=DEADLINE, items=items)
    assert got == Err("E-CYCLE-UNHELD-ERRORS", None, {"count": 2, "staff_no": "0003"})
    assert "2件" in message(got.code, **got.params)
    assert [i.staff_no for i in blocking_items(items)] == ["0003", "0004"]

    items[2] = ItemFacts(amount=0, hold=True, error_text="控除額が0円です", staff_no="0003")
    got = transition(R, CycleAction.CONFIRM, now=BEFORE, deadline=DEADLINE, items=items)
    assert got == Err("E-CYCLE-UNHELD-ERRORS", None, {"count": 1, "staff_no": "0004"})

    items[3] = ItemFacts(amount=3_000, hold=True, error_text="カナ", staff_no="0004")
    assert transition(R, "confirm", now=BEFORE, deadline=DEADLINE, items=items) == Ok(C)


def test_rk9_ended_lines_never_block_and_everything_held_confirms() -> None:
    """解約 lines are informational; a まとめ入金 of 0 yen (all held) is still confirmed."""
    items = [
        ItemFacts(amount=0, change_kind="解約", error_text="x"),
        ItemFacts(amount=7_000, hold=True),
    ]
    assert transition(R, "confirm", now=BEFORE, deadline=DEADLINE, items=items) == Ok(C)
    assert totals(items).remittance_amount == 0


def test_rk9_deadline_is_checked_before_the_items() -> None:
    """After the deadline the answer is the deadline, not the items (nothing can fix it)."""
    got = transition(R, "confirm", now=AFTER, deadline=DEADLINE, items=_items())
    assert isinstance(got, Err) and got.code == "E-CYCLE-DEADLINE"


# ---------------------------------------------------------------------------- totals


def test_a4_totals_requested_minus_held() -> None:
    """まとめ入金依頼書 (A.6): 依頼件数・金額, 入金中止件数・金額, 入金額合計 = requested − held;
    解約 lines count nowhere."""
    got = totals(_items())
    assert (got.requested_count, got.requested_amount) == (4, 18_000)
    assert (got.held_count, got.held_amount) == (1, 5_000)
    assert (got.remittance_count, got.remittance_amount) == (3, 13_000)


def test_a4_totals_of_nothing_and_negative_amounts() -> None:
    empty = totals([])
    assert (empty.requested_count, empty.remittance_amount) == (0, 0)
    with pytest.raises(ValueError):
        totals([ItemFacts(amount=-1)])


# ---------------------------------------------------------------------------- hold reasons


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("退職", Ok("退職")),
        ("  育休・介護休業 ", Ok("育休・介護休業")),
        ("", Err("E-FIELD-REQUIRED", "hold_reason", {"label": "入金中止理由"})),
        ("   ", Err("E-FIELD-REQUIRED", "hold_reason", {"label": "入金中止理由"})),
        (None, Err("E-FIELD-REQUIRED", "hold_reason", {"label": "入金中止理由"})),
        ("あ" * 50, Ok("あ" * 50)),
        (
            "あ" * 51,
            Err("E-HOLD-REASON-FORMAT", "hold_reason", {"label": "入金中止理由", "max": 50}),
        ),
        (
            "退職\n休職",
            Err("E-HOLD-REASON-FORMAT", "hold_reason", {"label": "入金中止理由", "max": 50}),
        ),
    ],
)
def test_rk8_hold_reason(text: str | None, expected: Ok[str] | Err) -> None:
    """RK-8 入金中止 carries its 不能理由 (A.4 "控除不能 lines get a reason and 入金中止")."""
    got = check_hold_reason(text)
    assert got == expected
    if isinstance(got, Err):
        assert message(got.code, **got.params).startswith("「入金中止理由」")


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("month", "kind", "request_day", "deduction", "deadline", "remittance"),
    [
        # A plain month: the 25th is a Monday; no holiday in the way.
        ("2026-05", "monthly", "2026-05-18", "2026-05-25", "2026-05-27", "2026-05-28"),
        # The 25th is a Saturday → paid on Friday 24th; 4/29 昭和の日 is skipped forward.
        ("2026-04", "monthly", "2026-04-17", "2026-04-24", "2026-04-28", "2026-04-30"),
        # 9/21 敬老の日, 9/22 国民の休日, 9/23 秋分の日 skipped backwards (request date).
        ("2026-09", "monthly", "2026-09-15", "2026-09-25", "2026-09-29", "2026-09-30"),
        # February: the remittance falls in March across a weekend.
        ("2026-02", "monthly", "2026-02-17", "2026-02-25", "2026-02-27", "2026-03-02"),
        # Bonus 2027-01: the 10th is a Sunday → Friday 8th; the request is made before
        # 12/31–1/3; 1/11 成人の日 is skipped forward.
        ("2027-01", "bonus", "2026-12-30", "2027-01-08", "2027-01-13", "2027-01-14"),
        # Bonus in Golden Week: 5/6 振替休日 and 4/29 昭和の日 skipped backwards.
        ("2026-05", "bonus", "2026-04-27", "2026-05-08", "2026-05-12", "2026-05-13"),
    ],
)
def test_a3_a4_cycle_dates_on_bank_business_days(
    month: str, kind: str, request_day: str, deduction: str, deadline: str, remittance: str
) -> None:
    """A.3 bank holidays (weekends, national holidays, 12/31–1/3) drive the cycle's days."""
    got = cycle_dates(month, kind)
    assert got.pay_kind is PayKind(kind)
    assert got.request_date == date.fromisoformat(request_day)
    assert got.deduction_date == date.fromisoformat(deduction)
    assert got.deadline == date.fromisoformat(deadline)
    assert got.remittance_date == date.fromisoformat(remittance)


def test_a3_year_end_closure_moves_the_remittance_into_january() -> None:
    """Pay day 28 in December 2026 (a Monday): 3 business days later skips 12/31–1/3, so the
    入金予定日 is 2027-01-04 and the deadline, one business day before, is 12/30."""
    rules = CycleRules(pay_day=28)
    got = cycle_dates("2026-12", rules=rules)
    assert got.deduction_date == date(2026, 12, 28)
    assert got.remittance_date == date(2027, 1, 4)
    assert got.deadline == date(2026, 12, 30)
    # Undo on the morning of 12/31 (a bank holiday) is already too late.
    late = datetime(2026, 12, 31, 9, 0, tzinfo=JST)
    refused = transition(C, "undo", now=late, deadline=got.deadline, rules=rules)
    assert isinstance(refused, Err) and refused.code == "E-CYCLE-UNDO-DEADLINE"


def test_a3_month_end_pay_day_and_operator_closures() -> None:
    """Pay day 31 means the month's last day; an operator's one-off closure (R-ENV-1a) counts
    like a holiday."""
    rules = CycleRules(pay_day=31, remittance_lag_days=1, deadline_lead_days=0)
    feb = cycle_dates("2026-02", rules=rules)  # 2/28 is a Saturday → Friday 27th
    assert feb.deduction_date == date(2026, 2, 27)
    assert feb.deadline == feb.remittance_date == date(2026, 3, 2)
    closed = {date(2026, 3, 2)}
    moved = cycle_dates("2026-02", rules=rules, extra_closed=closed)
    assert moved.remittance_date == date(2026, 3, 3)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"pay_day": 0},
        {"bonus_pay_day": 32},
        {"request_lead_days": -1},
        {"remittance_lag_days": 1, "deadline_lead_days": 2},
        {"deadline_cutoff": time(15, 0, tzinfo=JST)},
    ],
)
def test_cycle_rules_refuse_nonsense(kwargs: dict[str, object]) -> None:
    """A deadline before payday or a pay day 0 is a configuration bug."""
    with pytest.raises(ValueError):
        CycleRules(**kwargs)  # type: ignore[arg-type]


def test_default_rules_are_documented_values() -> None:
    """The defaults the module docstring and README describe."""
    assert (DEFAULT_RULES.pay_day, DEFAULT_RULES.bonus_pay_day) == (25, 10)
    assert (DEFAULT_RULES.remittance_lag_days, DEFAULT_RULES.deadline_lead_days) == (3, 1)


# ---------------------------------------------------------------------------- months


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2026-04", True),
        (" 2026-12 ", True),
        ("2026-4", False),
        ("202604", False),
        ("2026-13", False),
        ("2026-00", False),
        ("1999-12", False),
        ("", False),
    ],
)
def test_month_format(text: str, ok: bool) -> None:
    got = check_month(text)
    if ok:
        assert got == Ok(text.strip())
    else:
        assert isinstance(got, Err) and got.code == "E-MONTH-FORMAT"
        assert "E-MONTH-FORMAT" in MESSAGES


def test_month_arithmetic() -> None:
    assert month_add("2026-01", -1) == "2025-12"
    assert month_add("2025-12", 1) == "2026-01"
    assert month_add("2026-04", 12) == "2027-04"
    assert month_of(date(2026, 4, 30)) == "2026-04"
    with pytest.raises(ValueError):
        month_add("2026-4", 1)


# ---------------------------------------------------------------------------- change kinds


def test_rk4_change_kinds_since_last_month() -> None:
    """RK-4 控除依頼異動分リスト: 新規 / 変更 / 解約 against the previous request; 継続 otherwise.
    Only amount, account and product decide 変更."""
    previous = {
        1: LineFacts(10_000, "1234567", "01"),
        2: LineFacts(5_000, "2345678", "02"),
        3: LineFacts(3_000, "3456789", "03"),
        4: LineFacts(8_000, "4567890", "04"),
        5: LineFacts(1_000, "5678901", "05"),
    }
    current = {
        1: LineFacts(10_000, "1234567", "01"),  # unchanged
        2: LineFacts(6_000, "2345678", "02"),  # amount
        4: LineFacts(8_000, "4567891", "04"),  # account
        5: LineFacts(1_000, "5678901", "06"),  # product
        6: LineFacts(2_000, "6789012", "01"),  # new
    }
    got = change_kinds(previous, current)
    assert got.kinds == {
        1: ChangeKind.CONTINUED,
        2: ChangeKind.CHANGED,
        4: ChangeKind.CHANGED,
        5: ChangeKind.CHANGED,
        6: ChangeKind.NEW,
    }
    assert got.ended == (3,)


def test_rk4_change_kinds_without_a_previous_request() -> None:
    """The first cycle: details starting this month are 新規, the rest 継続, none 解約."""
    current = {"a": LineFacts(1, "1"), "b": LineFacts(2, "2")}
    got = change_kinds(None, current, started={"b"})
    assert got.kinds == {"a": ChangeKind.CONTINUED, "b": ChangeKind.NEW}
    assert got.ended == ()


def test_rk4_everything_ended() -> None:
    got = change_kinds({7: LineFacts(1, "1")}, {})
    assert got.kinds == {}
    assert got.ended == (7,)


def test_labels() -> None:
    assert PayKind.MONTHLY.label == "月例" and PayKind.BONUS.label == "一時金"
    assert CycleStatus.CONFIRMED.label == "まとめ入金確定済"
