"""The monthly deduction cycle (SPEC §11 RK-4, RK-8, RK-9, RK-11; Appendix A.3, A.4).

Pure rules, no I/O: the services (``services/rokin/cycle/``) load rows, ask these functions,
and store what they answer.

**States and transitions** (A.4, per contract × payment group × 控除年月 × 支給区分)::

    (none) --publish--> received --confirm--> confirmed --load_results--> results
                 received <--undo-- confirmed            (undo: until the deadline)
    received --republish/hold--> received

``transition`` decides every step: it returns the new status or an ``Err`` whose code is
worded in ``domain.messages`` (CYCLE_MESSAGES). Refused:

- ``hold`` (set or clear 入金中止, RK-8) unless ``received`` and the deadline has not passed;
- ``confirm`` (まとめ入金確定, RK-9) unless ``received``, the deadline has not passed and the
  confirmation rule below holds;
- ``undo`` (確定解除, RK-9) unless ``confirmed`` and the deadline has not passed;
- ``republish`` (the bank's ``--replace``) unless still ``received``;
- ``load_results`` (結果受信) unless ``confirmed`` (the bank posts what was remitted).

**The confirmation rule.** A.4: "The bank only accepts a まとめ入金 once the details are
updated and every 控除不能 line is set to 入金中止." Decided here as follows:

- A line the bank itself flagged as a 控除依頼明細エラー (``error_text``: bank kana it
  cannot use, amount 0, loan with 残回数 0, bad account number …) cannot be deducted as
  requested, so it is a 控除不能 line by definition: confirmation is refused
  (E-CYCLE-UNHELD-ERRORS, with the count and the first 職員番号) while any such line is not
  on hold. Correcting the detail (RK-1) fixes next month's request; this month's line is
  stopped.
- A line the organisation could not deduct on payday is recorded in this service only as
  入金中止 with its 不能理由 (``hold_reason`` is required, ``check_hold_reason``), so it is on
  hold by construction.
- 解約 lines (details that ended since last month) are informational: they are listed in the
  控除依頼異動分リスト, carry amount 0, count in no total and cannot be held.
- Everything held (a remittance of 0 yen) is a valid まとめ入金: the bank still needs the
  confirmation to close the month.

**Deadline.** The まとめ入金期限 is a bank business day, ``deadline_lead_days`` business days
before the 入金予定日 (``CycleRules``); holds, confirmation and its undo are allowed until the
end of that day in Japan time (or until ``deadline_cutoff`` on that day, when set), whatever
the server's time zone.

**Dates of a cycle** (``cycle_dates``): the 控除日 is the pay day of the month (the last day
when the month is shorter), moved back to the previous bank business day when it is a bank
holiday (wages are paid early, not late); the 入金予定日 is ``remittance_lag_days`` business
days after it; the 依頼データ作成日 (the day the bank publishes the request)
``request_lead_days`` business days before the 控除日. Bank holidays per A.3 (weekends,
national holidays, 12/31–1/3) plus the operator's closures (``extra_closed``).

**Change kinds** (異動区分, ``change_kinds``): each line of this month is compared with the
same detail's line in the previous request of the same group and 支給区分: absent before →
新規, amount / account / product different → 変更, else 継続; lines of the previous request
whose detail has no line now → 解約. Without a previous request (the first cycle) a line is
新規 when its detail starts this month, else 継続. 残回数 is not compared (it counts down
every month).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from collections.abc import Collection, Container, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final, Generic, TypeVar

from chingin_app.domain import dates
from chingin_app.domain.calendar import add_business_days, previous_business_day
from chingin_app.domain.clock import JST, to_jst
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.domain.result import Err, Ok

__all__ = [
    "DEFAULT_RULES",
    "HOLD_REASONS",
    "HOLD_REASON_MAX",
    "ChangeSet",
    "CycleAction",
    "CycleDates",
    "CycleRules",
    "CycleStatus",
    "CycleTotals",
    "ItemFacts",
    "LineFacts",
    "RequestLine",
    "ResultKind",
    "ResultLine",
    "blocking_items",
    "change_kinds",
    "check_hold_reason",
    "check_month",
    "cycle_dates",
    "deadline_end",
    "is_before_deadline",
    "month_add",
    "month_of",
    "totals",
    "transition",
]

K = TypeVar("K", bound=Hashable)


class CycleStatus(StrEnum):
    """A request's state (A.4), stored as ``DeductionRequest.status``."""

    RECEIVED = "received"
    CONFIRMED = "confirmed"
    RESULTS = "results"

    @property
    def label(self) -> str:
        """依頼受信 / まとめ入金確定済 / 結果受信済, as the screens and messages say."""
        return _STATUS_LABELS[self]


_STATUS_LABELS: Final[dict[CycleStatus, str]] = {
    CycleStatus.RECEIVED: "依頼受信",
    CycleStatus.CONFIRMED: "まとめ入金確定済",
    CycleStatus.RESULTS: "結果受信済",
}


class CycleAction(StrEnum):
    """What someone tries to do to a request."""

    REPUBLISH = "republish"  # the bank replaces the request (--replace)
    HOLD = "hold"  # set or clear 入金中止 (RK-8)
    CONFIRM = "confirm"  # まとめ入金確定 (RK-9)
    UNDO = "undo"  # 確定解除 (RK-9)
    LOAD_RESULTS = "load_results"  # 結果受信 (RK-11)


class ResultKind(StrEnum):
    """控除結果 of a request line (RK-11), stored as ``DeductionResultItem.result``: deducted
    (済) or not deducted (不能)."""

    DEDUCTED = "deducted"
    NOT_DEDUCTED = "not_deducted"

    @property
    def label(self) -> str:
        """済 / 不能, as the 控除結果リスト writes it."""
        return "済" if self is ResultKind.DEDUCTED else "不能"


#: (status, action) → the status after it; a pair not here is refused (see ``_refusal``).
_TRANSITIONS: Final[dict[tuple[CycleStatus, CycleAction], CycleStatus]] = {
    (CycleStatus.RECEIVED, CycleAction.REPUBLISH): CycleStatus.RECEIVED,
    (CycleStatus.RECEIVED, CycleAction.HOLD): CycleStatus.RECEIVED,
    (CycleStatus.RECEIVED, CycleAction.CONFIRM): CycleStatus.CONFIRMED,
    (CycleStatus.CONFIRMED, CycleAction.UNDO): CycleStatus.RECEIVED,
    (CycleStatus.CONFIRMED, CycleAction.LOAD_RESULTS): CycleStatus.RESULTS,
}

#: Actions that close with the まとめ入金期限 (A.4 "can be undone until the deadline").
_DEADLINE_BOUND: Final = frozenset({CycleAction.HOLD, CycleAction.CONFIRM, CycleAction.UNDO})

#: Typical 不能理由 (A.4), offered by the 入金中止 screen; other text is accepted too.
HOLD_REASONS: Final[tuple[str, ...]] = (
    "退職",
    "休職・無給",
    "育休・介護休業",
    "給与不足",
    "死亡",
    "出向・転出",
)
#: The longest 入金中止理由, in characters (the column holds 100).
HOLD_REASON_MAX: Final = 50

_MONTH_RE: Final = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


# ---------------------------------------------------------------------------- months


def check_month(text: str, *, field: str = "deduct_month") -> Ok[str] | Err:
    """A 控除年月 as ``YYYY-MM`` (the models' month form); E-MONTH-FORMAT otherwise."""
    value = text.strip()
    match = _MONTH_RE.fullmatch(value)
    if match is None or not 2000 <= int(match.group(1)) <= 2999:
        return Err("E-MONTH-FORMAT", field, {"label": "控除年月"})
    return Ok(value)


def _parse_month(month: str) -> tuple[int, int]:
    match = _MONTH_RE.fullmatch(month)
    if match is None:
        raise ValueError(f"not a YYYY-MM month: {month!r}")
    return int(match.group(1)), int(match.group(2))


def month_add(month: str, n: int) -> str:
    """``month`` moved by ``n`` months (``'2026-01'``, -1 → ``'2025-12'``)."""
    year, mon = _parse_month(month)
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(day: date) -> str:
    """The ``YYYY-MM`` month a day falls in."""
    return f"{day.year:04d}-{day.month:02d}"


# ---------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class CycleRules:
    """The configurable parts of a cycle's calendar (A.3: "configurable per contract").

    ``pay_day``/``bonus_pay_day``: day of month wages / bonuses are paid (31 = month end);
    ``request_lead_days``: the request is published this many business days before the 控除日;
    ``remittance_lag_days``: the 入金予定日 is this many business days after the 控除日;
    ``deadline_lead_days``: the まとめ入金期限 is this many business days before the 入金予定日
    (at most ``remittance_lag_days``, so the deadline never falls before payday);
    ``deadline_cutoff``: the time of day (JST) the deadline ends; None = the end of the day.
    """

    pay_day: int = 25
    bonus_pay_day: int = 10
    request_lead_days: int = 5
    remittance_lag_days: int = 3
    deadline_lead_days: int = 1
    deadline_cutoff: time | None = None

    def __post_init__(self) -> None:
        for name in ("pay_day", "bonus_pay_day"):
            if not 1 <= getattr(self, name) <= 31:
                raise ValueError(f"{name} must be 1..31")
        if self.request_lead_days < 0 or self.remittance_lag_days < 0:
            raise ValueError("lead and lag days must not be negative")
        if not 0 <= self.deadline_lead_days <= self.remittance_lag_days:
            raise ValueError("deadline_lead_days must be 0..remittance_lag_days")
        if self.deadline_cutoff is not None and self.deadline_cutoff.tzinfo is not None:
            raise ValueError("deadline_cutoff is a wall-clock time in Japan time, without tzinfo")


DEFAULT_RULES: Final = CycleRules()


@dataclass(frozen=True)
class CycleDates:
    """The days of one cycle (A.4, A.6 控除日 / 入金予定日; R-INFO-1 schedule)."""

    deduct_month: str
    pay_kind: PayKind
    request_date: date  # 依頼データ作成日
    deduction_date: date  # 控除日
    deadline: date  # まとめ入金期限
    remittance_date: date  # 入金予定日


def cycle_dates(
    deduct_month: str,
    pay_kind: PayKind | str = PayKind.MONTHLY,
    *,
    rules: CycleRules = DEFAULT_RULES,
    extra_closed: Container[date] = (),
) -> CycleDates:
    """The 依頼データ作成日, 控除日, まとめ入金期限 and 入金予定日 of a cycle (A.3, A.4).

    See the module docstring for the rules; ``extra_closed`` holds the operator's one-off
    closures (R-ENV-1a). ValueError for a malformed month or pay kind (bugs: inputs are
    checked with ``check_month`` first).
    """
    kind = PayKind(pay_kind)
    year, mon = _parse_month(deduct_month)
    wanted = rules.pay_day if kind is PayKind.MONTHLY else rules.bonus_pay_day
    day = min(wanted, _stdlib_calendar.monthrange(year, mon)[1])
    deduction = previous_business_day(
        date(year, mon, day), extra_closed=extra_closed, inclusive=True
    )
    remittance = add_business_days(deduction, rules.remittance_lag_days, extra_closed=extra_closed)
    deadline = add_business_days(remittance, -rules.deadline_lead_days, extra_closed=extra_closed)
    request = add_business_days(deduction, -rules.request_lead_days, extra_closed=extra_closed)
    return CycleDates(
        deduct_month=deduct_month,
        pay_kind=kind,
        request_date=request,
        deduction_date=deduction,
        deadline=deadline,
        remittance_date=remittance,
    )


def deadline_end(deadline: date, rules: CycleRules = DEFAULT_RULES) -> datetime:
    """The instant (aware, JST) the まとめ入金期限 ends: the next midnight in Japan, or
    ``rules.deadline_cutoff`` on the deadline day."""
    if isinstance(deadline, datetime):
        raise ValueError("the deadline is a date (a Japan-time day), not a datetime")
    if rules.deadline_cutoff is None:
        return datetime.combine(deadline + timedelta(days=1), time(0, 0), tzinfo=JST)
    return datetime.combine(deadline, rules.deadline_cutoff, tzinfo=JST)


def is_before_deadline(now: datetime, deadline: date, rules: CycleRules = DEFAULT_RULES) -> bool:
    """Whether ``now`` (aware) is before the end of the まとめ入金期限 (A.4)."""
    return to_jst(now) < deadline_end(deadline, rules)


# ---------------------------------------------------------------------------- items, totals


@dataclass(frozen=True)
class ItemFacts:
    """What the rules need of one request line."""

    amount: int
    hold: bool = False
    change_kind: ChangeKind | str = ChangeKind.CONTINUED
    error_text: str | None = None
    staff_no: str = ""

    @property
    def informational(self) -> bool:
        """A 解約 line: listed, never requested, never held."""
        return ChangeKind(self.change_kind) is ChangeKind.ENDED


@dataclass(frozen=True)
class CycleTotals:
    """まとめ入金依頼書's figures (A.6): 依頼件数・金額, 入金中止件数・金額, 入金額合計."""

    requested_count: int
    requested_amount: int
    held_count: int
    held_amount: int
    #: 解約 lines: in no count above, shown apart after it (``figures.count_and_amount``).
    ended_count: int = 0
    ended_amount: int = 0

    @property
    def remittance_count(self) -> int:
        """Lines remitted: requested − held."""
        return self.requested_count - self.held_count

    @property
    def remittance_amount(self) -> int:
        """入金額合計 = 依頼額 − 入金中止額 (A.4 "total = requested − stopped")."""
        return self.requested_amount - self.held_amount


def totals(items: Iterable[ItemFacts]) -> CycleTotals:
    """Requested, held and remitted counts and amounts; 解約 lines count nowhere (A.4)."""
    req_n = req_amt = held_n = held_amt = ended_n = ended_amt = 0
    for item in items:
        if item.informational:
            ended_n += 1
            ended_amt += item.amount
            continue
        if item.amount < 0:
            raise ValueError("amounts are never negative")
        req_n += 1
        req_amt += item.amount
        if item.hold:
            held_n += 1
            held_amt += item.amount
    return CycleTotals(req_n, req_amt, held_n, held_amt, ended_n, ended_amt)


def blocking_items(items: Iterable[ItemFacts]) -> list[ItemFacts]:
    """The lines that stop a まとめ入金確定: 明細エラー lines not on hold (module docstring)."""
    return [i for i in items if i.error_text and not i.hold and not i.informational]


def check_hold_reason(text: str | None, *, field: str = "hold_reason") -> Ok[str] | Err:
    """The 入金中止理由 (不能理由, A.4): required, one line, at most ``HOLD_REASON_MAX``
    characters. Returns the text stripped of surrounding spaces."""
    value = (text or "").strip()
    if not value:
        return Err("E-FIELD-REQUIRED", field, {"label": "入金中止理由"})
    if len(value) > HOLD_REASON_MAX or any(not c.isprintable() for c in value):
        return Err("E-HOLD-REASON-FORMAT", field, {"label": "入金中止理由", "max": HOLD_REASON_MAX})
    return Ok(value)


# ---------------------------------------------------------------------------- transitions


def _refusal(status: CycleStatus, action: CycleAction) -> Err:
    if status is CycleStatus.RESULTS:
        return Err("E-CYCLE-CLOSED", None, {"state": status.label})
    if action is CycleAction.CONFIRM:  # already confirmed
        return Err("E-CYCLE-ALREADY-CONFIRMED")
    if action is CycleAction.UNDO:  # still received
        return Err("E-CYCLE-NOT-CONFIRMED")
    if action is CycleAction.HOLD:  # confirmed
        return Err("E-CYCLE-HOLD-CONFIRMED")
    if action is CycleAction.REPUBLISH:  # confirmed
        return Err("E-CYCLE-REPLACE-CONFIRMED")
    # load_results while received
    return Err("E-CYCLE-RESULTS-NOT-CONFIRMED")


def transition(
    status: CycleStatus | str,
    action: CycleAction | str,
    *,
    now: datetime,
    deadline: date,
    rules: CycleRules = DEFAULT_RULES,
    items: Iterable[ItemFacts] = (),
) -> Ok[CycleStatus] | Err:
    """The status after ``action`` on a request in ``status`` at ``now``, or why it is refused
    (A.4, RK-8, RK-9; module docstring). ``items`` are the request's lines, needed for
    ``confirm`` only.

    Codes: E-CYCLE-CLOSED, E-CYCLE-ALREADY-CONFIRMED, E-CYCLE-NOT-CONFIRMED,
    E-CYCLE-HOLD-CONFIRMED, E-CYCLE-REPLACE-CONFIRMED, E-CYCLE-RESULTS-NOT-CONFIRMED,
    E-CYCLE-DEADLINE (hold / confirm after the deadline), E-CYCLE-UNDO-DEADLINE,
    E-CYCLE-UNHELD-ERRORS (params ``count``, ``staff_no``).
    """
    state, act = CycleStatus(status), CycleAction(action)
    after = _TRANSITIONS.get((state, act))
    if after is None:
        return _refusal(state, act)
    if act in _DEADLINE_BOUND and not is_before_deadline(now, deadline, rules):
        code = "E-CYCLE-UNDO-DEADLINE" if act is CycleAction.UNDO else "E-CYCLE-DEADLINE"
        return Err(code, None, {"deadline": _jp_date(deadline)})
    if act is CycleAction.CONFIRM:
        blocking = blocking_items(items)
        if blocking:
            return Err(
                "E-CYCLE-UNHELD-ERRORS",
                None,
                {"count": len(blocking), "staff_no": blocking[0].staff_no},
            )
    return Ok(after)


def _jp_date(day: date) -> str:
    return dates.date_label(day)


# ---------------------------------------------------------------------------- change kinds


@dataclass(frozen=True)
class LineFacts:
    """What decides 変更 between two months' lines of the same detail."""

    amount: int
    account_no: str
    product_code: str = ""


@dataclass(frozen=True)
class ChangeSet(Generic[K]):
    """``kinds``: 異動区分 of each current line; ``ended``: previous lines with no current
    line (解約), in the previous request's order."""

    kinds: dict[K, ChangeKind] = field(default_factory=dict)
    ended: tuple[K, ...] = ()


def change_kinds(
    previous: Mapping[K, LineFacts] | None,
    current: Mapping[K, LineFacts],
    *,
    started: Collection[K] = (),
) -> ChangeSet[K]:
    """異動区分 of this month's lines against the previous request (module docstring).

    ``previous`` None means there is no previous request: lines whose key is in ``started``
    (details starting this month) are 新規, the others 継続, and nothing is 解約.
    """
    kinds: dict[K, ChangeKind] = {}
    if previous is None:
        for key in current:
            kinds[key] = ChangeKind.NEW if key in started else ChangeKind.CONTINUED
        return ChangeSet(kinds, ())
    for key, line in current.items():
        before = previous.get(key)
        if before is None:
            kinds[key] = ChangeKind.NEW
        elif before != line:
            kinds[key] = ChangeKind.CHANGED
        else:
            kinds[key] = ChangeKind.CONTINUED
    ended = tuple(key for key in previous if key not in current)
    return ChangeSet(kinds, ended)


# ---------------------------------------------------------------------------- list lines


@dataclass(frozen=True)
class RequestLine:
    """One line of the RK-4 lists (A.6 控除依頼リスト columns, plus the screen's needs): what
    ``services/rokin/cycle`` reads and ``reports/rokin_*`` print."""

    id: int
    version: int
    deduct_month: str
    pay_kind: str
    group_no: str
    department: str
    staff_no: str
    name_kana: str
    name_kanji: str
    branch_no: str
    product_code: str
    product_name: str
    account_no: str
    amount: int
    remaining_count: int | None
    change_kind: str
    error_text: str | None
    counter_change: str | None
    hold: bool
    hold_reason: str | None
    deduction_date: date
    remittance_date: date


@dataclass(frozen=True)
class ResultLine:
    """One line of the RK-11 lists (A.6 控除結果リスト, 控除不能リスト, カナ氏名不一致リスト)."""

    line: RequestLine
    deducted_amount: int
    result: str
    result_code: str | None
    reason: str | None
    bank_name_kana: str
    paid_date: date | None
    kana_mismatch: bool
    kana_difference: str | None

    @property
    def result_label(self) -> str:
        """済 / 不能."""
        return ResultKind(self.result).label
