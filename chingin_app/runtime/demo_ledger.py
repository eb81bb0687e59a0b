"""The demo contract's 賃控元帳 (SPEC §11 RL-1 … RL-13, RL-CYCLE-1 … 4; issue 13 item 7): four
種目 (組合費, 共済会費, 購買代金, 互助会費), ledger details for most of the demo employees (the
労金控除 demo organisation's ``Employee`` rows) and one part-timer whose 職員番号 has five
digits, with a history over four cycles — the three past ones published by the bank with their
results (a few 控除不能), the current one published (依頼受信).

The history is lived month by month, as the organisation and the bank would: before each
cycle's 依頼データ作成日 a few details start (新規), change amount (変更, with their 更新履歴),
end (終了 → 解約) or are cancelled (解除); then the bank publishes the cycle's request
(``services/ledger/cycle``) and, after the 入金予定日, loads its results. So RL-3's 異動分リスト
lists a month's changes, not every row, and RL-5's 異動区分 differ from cycle to cycle.

Deterministic (a fixed seed, days derived from ``today`` only); skipped when the contract
already has 種目 or has no 賃控元帳 service."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final

from sqlmodel import Session, col, select

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import JST, MovableClock
from chingin_app.domain.contract import Service
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.domain.result import Err, Invalid
from chingin_app.models import (
    ClosedDay,
    Contract,
    Employee,
    LedgerDetail,
    LedgerDetailHistory,
    LedgerItemType,
    LedgerRequest,
    PaymentGroup,
)
from chingin_app.models.rokin import DetailStatus, HistoryAction
from chingin_app.services.detail_rules import history_values
from chingin_app.services.ledger import cycle as ledger_cycle
from chingin_app.services.ledger.details import snapshot

__all__ = ["DEMO_LEDGER_ITEMS", "DEMO_LEDGER_SEED", "DEMO_PART_TIMER", "load_demo_ledger"]

DEMO_LEDGER_SEED: Final = 20260501
#: (code, name, monthly amount low, high, step, share of the employees)
DEMO_LEDGER_ITEMS: Final[tuple[tuple[str, str, int, int, int, float], ...]] = (
    ("0001", "組合費", 2_000, 4_000, 500, 0.9),
    ("0002", "共済会費", 500, 1_500, 100, 0.7),
    ("0003", "購買代金", 1_000, 15_000, 1_000, 0.35),
    ("0004", "互助会費", 300, 1_000, 100, 0.5),
)
#: A part-timer registered with a five-digit 職員番号 (the others have six): the
#: 職員番号桁数相違 of RL-5's 相違リスト. (staff_no, kana, kanji, 所属, group)
DEMO_PART_TIMER: Final = ("90001", "ﾑﾗﾀ ｻﾅｴ", "村田　早苗", "総務部", "001")
#: The history's actor for the organisation's own demo changes.
_ACTOR: Final = "demo"
#: The past cycles with results before the current one (A.4; the default CHINGIN_KEEP_CYCLES).
_PAST_CYCLES: Final = 3
#: Chances per detail, per cycle, of the events the history is made of.
_NEW_SHARE: Final = 0.08  # a detail starts in one of the four cycles rather than before
_CHANGE_SHARE: Final = 0.05
_END_SHARE: Final = 0.03
_CANCEL_SHARE: Final = 0.015
_NOT_DEDUCTED_SHARE: Final = 0.01
_NOT_DEDUCTED_REASONS: Final = ("休職・無給", "給与不足", "育休・介護休業")


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=JST)


def _first_day(month: str) -> date:
    return date.fromisoformat(month + "-01")


@dataclass
class _Plan:
    """One detail's life: when it is registered, and what happens to it in which cycle (index
    into the four cycles)."""

    employee: Employee
    item: LedgerItemType
    monthly: int
    bonus: int
    start: str
    starts_in: int | None = None  # registered before that cycle (新規)
    change_in: int | None = None
    new_monthly: int = 0
    end_in: int | None = None  # its last month is the month before that cycle
    cancel_in: int | None = None
    detail: LedgerDetail | None = field(default=None)


def _plans(rng: random.Random, employees: list[Employee], items: list[LedgerItemType],
           months: list[str]) -> list[_Plan]:
    plans: list[_Plan] = []
    for employee in employees:
        for item, (_code, _name, low, high, step, share) in zip(
            items, DEMO_LEDGER_ITEMS, strict=True
        ):
            if rng.random() >= share:
                continue
            monthly = rng.randrange(low, high + 1, step)
            plan = _Plan(employee, item, monthly, monthly * 2 if item.code == "0001" else 0,
                         start=cyc.month_add(months[0], -rng.randint(1, 48)))
            if rng.random() < _NEW_SHARE:
                plan.starts_in = rng.randrange(len(months))
                plan.start = months[plan.starts_in]
            first = 1 + (plan.starts_in or 0)
            if first < len(months):
                roll = rng.random()
                when = rng.randrange(first, len(months))
                if roll < _CHANGE_SHARE:
                    plan.change_in = when
                    plan.new_monthly = max(step, monthly + rng.choice((-2, -1, 1, 2)) * step)
                elif roll < _CHANGE_SHARE + _END_SHARE:
                    plan.end_in = when
                elif roll < _CHANGE_SHARE + _END_SHARE + _CANCEL_SHARE:
                    plan.cancel_in = when
            plans.append(plan)
    return plans


def _history(db: Session, contract_id: int, plan: _Plan, action: HistoryAction, at: datetime,
             before: dict[str, object] | None) -> None:
    detail = plan.detail
    assert detail is not None and detail.id is not None
    db.add(LedgerDetailHistory(**history_values(
        contract_id=contract_id, detail_id=detail.id, at=at, actor=_ACTOR, action=action.value,
        before=before, after=snapshot(detail, plan.employee, plan.item),
    )))


def _register(db: Session, contract_id: int, plan: _Plan, at: datetime) -> None:
    employee = plan.employee
    assert employee.id is not None and plan.item.id is not None
    plan.detail = LedgerDetail(
        contract_id=contract_id, payment_group_id=employee.payment_group_id,
        employee_id=employee.id, item_type_id=plan.item.id, monthly_amount=plan.monthly,
        bonus_amount=plan.bonus, start_month=plan.start, created_at=at, updated_at=at,
    )
    db.add(plan.detail)
    db.flush()
    _history(db, contract_id, plan, HistoryAction.ADD, at, None)


def _events(db: Session, contract_id: int, plans: list[_Plan], index: int, months: list[str],
            at: datetime) -> None:
    """What happens before cycle ``index`` is published, dated ``at``."""
    for plan in plans:
        if plan.starts_in == index:
            _register(db, contract_id, plan, at)
            continue
        detail = plan.detail
        if detail is None:
            continue
        before = snapshot(detail, plan.employee, plan.item)
        if plan.change_in == index:
            detail.monthly_amount = plan.new_monthly
            action = HistoryAction.CHANGE
        elif plan.end_in == index:
            detail.end_month = cyc.month_add(months[index], -1)
            action = HistoryAction.CHANGE
        elif plan.cancel_in == index:
            detail.status = DetailStatus.CANCELLED.value
            detail.cancelled_at = at
            action = HistoryAction.CANCEL
        else:
            continue
        detail.updated_at = at
        db.add(detail)
        db.flush()
        _history(db, contract_id, plan, action, at, before)


def _results(db: Session, contract_no: str, request: LedgerRequest, group_no: str,
             rng: random.Random, clock: MovableClock) -> None:
    """The bank's results of one past request: 済 but for a few 控除不能 with a reason."""
    assert request.id is not None
    rows: list[list[object]] = []
    for line in ledger_cycle.ledger_lines(db, contract_id=request.contract_id,
                                          request_id=request.id):
        if line.change_kind == ChangeKind.ENDED.value:
            continue
        if rng.random() < _NOT_DEDUCTED_SHARE:
            rows.append([group_no, line.deduct_month, "月例", line.staff_no, line.item_code, 0,
                         "9", rng.choice(_NOT_DEDUCTED_REASONS)])
        else:
            rows.append([group_no, line.deduct_month, "月例", line.staff_no, line.item_code,
                         line.amount, "0", ""])
    if not rows:
        return
    loaded = ledger_cycle.load_ledger_results(
        db, contract_no=contract_no, data=ledger_cycle.ledger_results_csv(rows),
        actor="operator:demo", clock=clock)
    if isinstance(loaded, Invalid):
        raise RuntimeError(f"demo ledger results refused: {[e.code for e in loaded.errors][:5]}")


def _part_timer(db: Session, contract_id: int, at: datetime) -> Employee | None:
    """The five-digit part-timer (DEMO_PART_TIMER), in group 001 when the contract has it."""
    staff_no, kana, kanji, department, group_no = DEMO_PART_TIMER
    group_id = db.exec(select(PaymentGroup.id).where(
        PaymentGroup.contract_id == contract_id, PaymentGroup.number == group_no)).first()
    if group_id is None:
        return None
    employee = Employee(contract_id=contract_id, payment_group_id=group_id, staff_no=staff_no,
                        name_kana=kana, name_kanji=kanji, department=department, created_at=at,
                        updated_at=at)
    db.add(employee)
    db.flush()
    return employee


def load_demo_ledger(db: Session, contract_id: int, today: date) -> int:
    """The demo 種目, ledger details and four cycles (module docstring), committed. Returns the
    number of details made (0 when skipped)."""
    contract = db.get(Contract, contract_id)
    if contract is None or Service.LEDGER.value not in contract.service_list():
        return 0
    if db.exec(select(LedgerItemType.id)
               .where(LedgerItemType.contract_id == contract_id)).first() is not None:
        return 0
    closed = {row.day for row in db.exec(select(ClosedDay)).all()}
    current = cyc.month_of(today)
    if cyc.cycle_dates(current, extra_closed=closed).deadline < today:
        current = cyc.month_add(current, 1)
    months = [cyc.month_add(current, back) for back in range(-_PAST_CYCLES, 1)]
    dates = [cyc.cycle_dates(m, extra_closed=closed) for m in months]
    # Each cycle is published on its 依頼データ作成日, the current one no later than now.
    published = [_at(min(d.request_date, today), 9) for d in dates]
    founded = _at(_first_day(months[0]) - timedelta(days=365 * 4), 10)

    items = []
    for code, name, *_ in DEMO_LEDGER_ITEMS:
        item = LedgerItemType(contract_id=contract_id, code=code, name=name, created_at=founded,
                              updated_at=founded)
        db.add(item)
        items.append(item)
    db.flush()
    rng = random.Random(DEMO_LEDGER_SEED)
    employees = list(db.exec(select(Employee).where(Employee.contract_id == contract_id)
                             .order_by(col(Employee.staff_no))).all())
    part_timer = _part_timer(db, contract_id, founded)
    plans = _plans(rng, employees, items, months)
    if part_timer is not None:
        plans += [_Plan(part_timer, items[0], 2_000, 0, start=cyc.month_add(months[0], -6)),
                  _Plan(part_timer, items[3], 500, 0, start=cyc.month_add(months[0], -6))]
    for plan in plans:
        if plan.starts_in is None:
            # Registered about two weeks before its first month, as the organisation would.
            _register(db, contract_id, plan, _at(_first_day(plan.start) - timedelta(days=12), 10))
    groups = {g.id: g.number for g in db.exec(
        select(PaymentGroup).where(PaymentGroup.contract_id == contract_id))}
    for index, month in enumerate(months):
        # The month's changes a few days before the bank publishes.
        _events(db, contract_id, plans, index, months,
                published[index] - timedelta(days=rng.randint(2, 6), hours=1))
        db.commit()
        clock = MovableClock(published[index])
        made = ledger_cycle.publish_ledger_request(
            db, contract_no=contract.contract_no, deduct_month=month, actor="operator:demo",
            clock=clock)
        if isinstance(made, Err):
            raise RuntimeError(f"demo ledger request refused: {made.code}")
        if index == len(months) - 1:
            continue
        clock.set(_at(dates[index].remittance_date + timedelta(days=1), 10))
        for pub in made.value:
            request = db.get(LedgerRequest, pub.request_id)
            assert request is not None
            _results(db, contract.contract_no, request, groups[request.payment_group_id], rng,
                     clock)
    db.commit()
    return sum(1 for p in plans if p.detail is not None)
