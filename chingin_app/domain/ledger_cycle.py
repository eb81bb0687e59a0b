"""賃控元帳's monthly cycle (SPEC §11 RL-CYCLE-1 … 4, RL-5, RL-7; Appendix A.1, A.4).

Pure rules, no I/O: ``services/ledger/cycle/`` loads rows, asks these functions and stores what
they answer. The ledger rides on the 労金控除 cycle (``domain.deduction_cycle``): the same
(payment group, 控除年月, 支給区分) keys, dates and 異動区分 rule, reused from there.

**States** (per contract × payment group × 控除年月 × 支給区分)::

    (none) --publish--> received --load_results--> results
                 received --republish--> received

The ledger's deductions are the organisation's own (組合費, 共済会費 …): nothing is remitted to
the bank, so there is no 入金中止 and no まとめ入金確定 step; the bank loads the results once
payday has passed. ``ledger_transition`` refuses a republish or a second load once the results
are in (E-CYCLE-CLOSED).

**異動区分** (RL-CYCLE-1, ``ledger_change_kinds``): a line is one employee × one 種目, so the
line's key is (employee, 種目 code) and only its amount is compared — the 労金控除 rule
(``deduction_cycle.change_kinds``): absent before → 新規, amount different → 変更, else 継続;
a previous line with no line now → 解約; without a previous request 新規 only for a detail
starting this month.

**相違リスト** (RL-CYCLE-3, ``line_mismatch``): a request line whose カナ氏名 differs, after
A.1 normalisation on both sides, from the 金庫登録カナ of the employee's latest 労金控除 result
(no such result: nothing to compare), or whose 職員番号 has another number of digits than the
contract's 職員番号桁数 (``expected_staff_no_digits``: the one the bank set, else the most
common length among the contract's staff, the longer on a tie).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, TypeVar

from chingin_app.domain.deduction_cycle import (
    ChangeSet,
    CycleAction,
    CycleStatus,
    LineFacts,
    ResultKind,
    change_kinds,
)
from chingin_app.domain.kana import kana_difference
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok

__all__ = [
    "STAFF_NO_DIGITS_MAX",
    "LedgerLine",
    "LedgerResultLine",
    "LedgerStatus",
    "LineMismatch",
    "MismatchLine",
    "check_staff_no_digits",
    "expected_staff_no_digits",
    "ledger_change_kinds",
    "ledger_transition",
    "line_mismatch",
]

K = TypeVar("K", bound=Hashable)

#: 職員番号 holds at most 10 digits (models.rokin.Employee), so a 桁数 is 1 … 10.
STAFF_NO_DIGITS_MAX: Final = 10


class LedgerStatus(StrEnum):
    """A 賃控元帳控除依頼's state, stored as ``LedgerRequest.status``."""

    RECEIVED = "received"
    RESULTS = "results"

    @property
    def label(self) -> str:
        """依頼受信 / 結果受信済, the words of the 労金控除 cycle (A.4)."""
        return CycleStatus(self.value).label


#: (status, action) → the status after it; anything else is refused or a bug.
_TRANSITIONS: Final[dict[tuple[LedgerStatus, CycleAction], LedgerStatus]] = {
    (LedgerStatus.RECEIVED, CycleAction.REPUBLISH): LedgerStatus.RECEIVED,
    (LedgerStatus.RECEIVED, CycleAction.LOAD_RESULTS): LedgerStatus.RESULTS,
}


def ledger_transition(
    status: LedgerStatus | str, action: CycleAction | str
) -> Ok[LedgerStatus] | Err:
    """The status after the bank's ``republish`` (``--replace``) or ``load_results`` on a
    ledger request in ``status`` (RL-CYCLE-1, RL-CYCLE-2); E-CYCLE-CLOSED once the results are
    in. ValueError for an action the ledger does not have (入金中止, 確定: a bug)."""
    state, act = LedgerStatus(status), CycleAction(action)
    if act not in (CycleAction.REPUBLISH, CycleAction.LOAD_RESULTS):
        raise ValueError(f"the ledger cycle has no {act.value!r}")
    after = _TRANSITIONS.get((state, act))
    if after is None:
        return Err("E-CYCLE-CLOSED", None, {"state": state.label})
    return Ok(after)


def ledger_change_kinds(
    previous: Mapping[K, int] | None,
    current: Mapping[K, int],
    *,
    started: Collection[K] = (),
) -> ChangeSet[K]:
    """異動区分 of this cycle's lines (RL-CYCLE-1): ``previous`` and ``current`` map each line's
    key — (employee, 種目) — to its amount; ``previous`` None when the group has no earlier
    request of this 支給区分 (then ``started``, the keys whose detail starts this month, are
    新規 and the rest 継続). The 労金控除 rule, reused (module docstring)."""

    def facts(amounts: Mapping[K, int]) -> dict[K, LineFacts]:
        return {key: LineFacts(amount, "") for key, amount in amounts.items()}

    return change_kinds(
        None if previous is None else facts(previous), facts(current), started=started
    )


def check_staff_no_digits(value: object) -> Ok[int] | Err:
    """The contract's 職員番号桁数 as the bank sets it (``--staff-no-digits N``, RL-CYCLE-3):
    a whole number 1 … 10; E-STAFF-NO-DIGITS otherwise."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= STAFF_NO_DIGITS_MAX:
        return Err("E-STAFF-NO-DIGITS", "staff_no_digits", {"max": STAFF_NO_DIGITS_MAX})
    return Ok(int(text))


def expected_staff_no_digits(configured: int | None, staff_nos: Iterable[str]) -> int | None:
    """The 職員番号桁数 the 相違リスト checks against (RL-CYCLE-3): ``configured`` (the bank's,
    R-OPS-1/5) when set, else the most common length among ``staff_nos`` (the contract's
    staff) — the longer one on a tie, since a number written short lost its leading zeros —
    and None when there is no one to count."""
    if configured is not None:
        return configured
    counts = Counter(len(number) for number in staff_nos if number)
    if not counts:
        return None
    return max(counts.items(), key=lambda pair: (pair[1], pair[0]))[0]


@dataclass(frozen=True)
class LineMismatch:
    """Why a ledger request line is on the 相違リスト (RL-CYCLE-3): how its カナ氏名 differs
    from the 金庫登録カナ (None: it does not), and the 桁数 its 職員番号 should have (None:
    it has it)."""

    kana_difference: str | None
    expected_digits: int | None
    digits: int

    @property
    def description(self) -> str:
        """相違内容 as the list prints it, e.g. 「カナ氏名：3文字目から異なる／職員番号：5桁
        （契約は6桁）」."""
        parts = []
        if self.kana_difference is not None:
            parts.append(message("I-LEDGER-DIFF-KANA", difference=self.kana_difference))
        if self.expected_digits is not None:
            parts.append(message("I-LEDGER-DIFF-DIGITS", digits=self.digits,
                                 expected=self.expected_digits))
        return "／".join(parts)


def line_mismatch(
    *, name_kana: str, bank_kana: str | None, staff_no: str, expected_digits: int | None
) -> LineMismatch | None:
    """The line's 相違 (RL-CYCLE-3), or None when it belongs on no 相違リスト: ``bank_kana`` is
    the 金庫登録カナ of the employee's latest 労金控除 result (None: never deducted by the
    bank, nothing to compare); ``expected_digits`` from ``expected_staff_no_digits``."""
    difference = None if bank_kana is None else kana_difference(name_kana, bank_kana)
    wrong_digits = expected_digits is not None and len(staff_no) != expected_digits
    if difference is None and not wrong_digits:
        return None
    return LineMismatch(difference, expected_digits if wrong_digits else None, len(staff_no))


# ---------------------------------------------------------------------------- list lines


@dataclass(frozen=True)
class LedgerLine:
    """One line of the RL-5 / RL-6 lists (A.6 控除依頼リスト's columns for a 種目): what
    ``services/ledger/cycle`` reads and ``reports/ledger_cycle_lists`` print."""

    id: int
    deduct_month: str
    pay_kind: str
    group_no: str
    department: str
    staff_no: str
    name_kana: str
    name_kanji: str
    item_code: str
    item_name: str
    amount: int
    change_kind: str
    deduction_date: date


@dataclass(frozen=True)
class LedgerResultLine:
    """One line of the RL-7 lists (賃控元帳控除結果リスト, 賃控元帳控除不能リスト)."""

    line: LedgerLine
    deducted_amount: int
    result: str
    result_code: str
    reason: str | None

    @property
    def result_label(self) -> str:
        """済 / 不能."""
        return ResultKind(self.result).label


@dataclass(frozen=True)
class MismatchLine:
    """One line of the 賃控元帳控除依頼カナ氏名・職員番号桁数相違リスト (RL-5, RL-CYCLE-3)."""

    line: LedgerLine
    bank_kana: str | None
    mismatch: LineMismatch
