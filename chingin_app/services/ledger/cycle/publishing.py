"""Publishing a month's 賃控元帳控除依頼 from the active ledger details (the bank's side,
RL-CYCLE-1); see the package docstring for the rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import Clock
from chingin_app.domain.deduction_cycle import CycleAction, CycleDates
from chingin_app.domain.ledger_cycle import LedgerStatus, ledger_change_kinds, ledger_transition
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    DeductionRequest,
    Employee,
    LedgerDetail,
    LedgerItemType,
    LedgerRequest,
    LedgerRequestItem,
    PaymentGroup,
)
from chingin_app.models.rokin import DetailStatus
from chingin_app.services import contract_records, oplog
from chingin_app.services.collation import code_point
from chingin_app.services.ledger.cycle.common import (
    ACTION_PUBLISH,
    PublishedLedgerRequest,
    find_request,
    items,
    key_text,
)
from chingin_app.services.rokin.cycle.common import _closed_days, _groups

_Key = tuple[int, str]  # (employee id, 種目 code): one line of a request


def _amount(detail: LedgerDetail, kind: PayKind) -> int:
    """月例額 or 一時金額 by 支給区分 (RL-CYCLE-1)."""
    return detail.monthly_amount if kind is PayKind.MONTHLY else detail.bonus_amount


def _active_details(
    db: Session, contract_id: int, group_id: int, month: str, kind: PayKind
) -> list[tuple[LedgerDetail, Employee, LedgerItemType]]:
    """The group's details deducted in ``month`` for ``kind``: active, started, not ended,
    with an amount of that kind (a detail of 0 deducts nothing and is no line)."""
    rows = db.exec(
        select(LedgerDetail, Employee, LedgerItemType)
        .join(Employee, col(Employee.id) == col(LedgerDetail.employee_id))
        .join(LedgerItemType, col(LedgerItemType.id) == col(LedgerDetail.item_type_id))
        .where(
            LedgerDetail.contract_id == contract_id,
            LedgerDetail.payment_group_id == group_id,
            Employee.contract_id == contract_id,
            LedgerItemType.contract_id == contract_id,
            LedgerDetail.status == DetailStatus.ACTIVE.value,
            col(LedgerDetail.start_month) <= month,
            col(LedgerDetail.end_month).is_(None) | (col(LedgerDetail.end_month) >= month),
        )
        .order_by(code_point(col(Employee.staff_no)), code_point(col(LedgerItemType.code)),
                  col(LedgerDetail.id))
    ).all()
    return [(d, e, t) for d, e, t in rows if _amount(d, kind) > 0]


def _previous(
    db: Session, contract_id: int, group_id: int, month: str, kind: PayKind
) -> LedgerRequest | None:
    return db.exec(
        select(LedgerRequest)
        .where(LedgerRequest.contract_id == contract_id,
               LedgerRequest.payment_group_id == group_id,
               LedgerRequest.pay_kind == kind.value,
               col(LedgerRequest.deduct_month) < month)
        .order_by(code_point(col(LedgerRequest.deduct_month)).desc())
    ).first()


def _publish_group(
    db: Session,
    *,
    contract_id: int,
    group: PaymentGroup,
    month: str,
    kind: PayKind,
    now: datetime,
    replace_existing: bool,
    dates: CycleDates,
    always: bool,
) -> PublishedLedgerRequest | Err | None:
    """One group's request; None when it has nothing (no line, nothing ended) and ``always``
    is false."""
    assert group.id is not None
    params = {"group": group.number, "month": month, "pay_kind": kind.label}
    existing = find_request(db, contract_id, group.id, month, kind.value, lock=True)
    if existing is not None and not replace_existing:
        return Err("E-CYCLE-EXISTS", "deduct_month", params)
    if existing is not None:
        step = ledger_transition(existing.status, CycleAction.REPUBLISH)
        if isinstance(step, Err):
            return step
    lines = _active_details(db, contract_id, group.id, month, kind)
    previous = _previous(db, contract_id, group.id, month, kind)
    before: list[LedgerRequestItem] = []
    if previous is not None:
        assert previous.id is not None
        before = [i for i in items(db, previous.id)
                  if i.change_kind != ChangeKind.ENDED.value and i.employee_id is not None]
    current: dict[_Key, int] = {}
    for detail, employee, item in lines:
        assert employee.id is not None
        current[(employee.id, item.code)] = _amount(detail, kind)
    earlier = {(i.employee_id, i.item_code): i for i in before if i.employee_id is not None}
    started = {(e.id, t.code) for d, e, t in lines if e.id is not None and d.start_month == month}
    changes = ledger_change_kinds(
        None if previous is None else {key: i.amount for key, i in earlier.items()},
        current, started=started,
    )
    if not lines and not changes.ended and not always:
        return None

    if existing is None:
        request = LedgerRequest(
            contract_id=contract_id, payment_group_id=group.id, deduct_month=month,
            pay_kind=kind.value, received_at=now, deduction_date=dates.deduction_date,
            deadline=dates.deadline, remittance_date=dates.remittance_date,
            status=LedgerStatus.RECEIVED.value,
        )
    else:
        request = existing
        db.execute(delete(LedgerRequestItem)
                   .where(col(LedgerRequestItem.request_id) == existing.id))
        request.received_at = now
        request.deduction_date = dates.deduction_date
        request.deadline = dates.deadline
        request.remittance_date = dates.remittance_date
    db.add(request)
    try:
        db.flush()
    except IntegrityError:
        # A concurrent publish of the same key won (the unique constraint).
        db.rollback()
        return Err("E-CYCLE-EXISTS", "deduct_month", params)
    assert request.id is not None

    made: list[LedgerRequestItem] = []
    for detail, employee, item in lines:
        assert employee.id is not None
        made.append(LedgerRequestItem(
            contract_id=contract_id, request_id=request.id, detail_id=detail.id,
            employee_id=employee.id, staff_no=employee.staff_no, name_kana=employee.name_kana,
            name_kanji=employee.name_kanji, department=employee.department,
            item_code=item.code, item_name=item.name, amount=_amount(detail, kind),
            change_kind=changes.kinds[(employee.id, item.code)].value,
        ))
    for key in changes.ended:
        old = earlier[key]
        made.append(LedgerRequestItem(
            contract_id=contract_id, request_id=request.id, detail_id=old.detail_id,
            employee_id=old.employee_id, staff_no=old.staff_no, name_kana=old.name_kana,
            name_kanji=old.name_kanji, department=old.department, item_code=old.item_code,
            item_name=old.item_name, amount=0, change_kind=ChangeKind.ENDED.value,
        ))
    db.add_all(made)
    db.flush()
    return PublishedLedgerRequest(
        request_id=request.id, group_no=group.number, deduct_month=month, pay_kind=kind.value,
        replaced=existing is not None, count=len(lines),
        amount=sum(current.values()), ended_count=len(changes.ended), dates=dates,
    )


def publish_ledger_groups(
    db: Session,
    *,
    contract_id: int,
    groups: Sequence[PaymentGroup],
    month: str,
    kind: PayKind,
    now: datetime,
    replace_existing: bool,
    beside: Mapping[int, DeductionRequest] | None = None,
    closed: set[date] | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> list[PublishedLedgerRequest] | Err:
    """The ledger requests of ``groups`` for (``month``, ``kind``), flushed, neither logged
    nor committed (the caller's transaction: ``publish_ledger_request`` or, beside the
    労金控除 request, ``services.cycle_publishing.publish_month``).

    ``beside`` maps a group id to the 労金控除 request published with it: that group always
    gets a ledger request (even an empty one, so RL-12 has the cycle) on the 労金控除
    request's dates; other groups get one only when they have a line or a 解約, on the dates
    of ``deduction_cycle.cycle_dates``. Refused: E-CYCLE-EXISTS (without
    ``replace_existing``), E-CYCLE-CLOSED (results loaded; never replaced)."""
    beside = beside or {}
    closed = _closed_days(db) if closed is None else closed
    made: list[PublishedLedgerRequest] = []
    for group in groups:
        assert group.id is not None
        rokin = beside.get(group.id)
        dates = cyc.cycle_dates(month, kind, rules=rules, extra_closed=closed)
        if rokin is not None:
            dates = CycleDates(month, kind, dates.request_date, rokin.deduction_date,
                               rokin.deadline, rokin.remittance_date)
        got = _publish_group(
            db, contract_id=contract_id, group=group, month=month, kind=kind, now=now,
            replace_existing=replace_existing, dates=dates, always=rokin is not None,
        )
        if isinstance(got, Err):
            return got
        if got is not None:
            made.append(got)
    return made


def log_published(
    db: Session, *, contract_no: str, made: Sequence[PublishedLedgerRequest], actor: str,
    now: datetime, ticket: str | None,
) -> None:
    """One operation-log entry per request made, in the caller's transaction (R-LOG-1)."""
    for pub in made:
        oplog.operator_success(
            db, contract_no=contract_no, at=now, actor=actor, action=ACTION_PUBLISH,
            target=key_text(pub.group_no, pub.deduct_month, pub.pay_kind), ticket=ticket,
            detail={"request_id": pub.request_id, "replaced": pub.replaced,
                    "lines": pub.count, "ended": pub.ended_count,
                    "requested_amount": pub.amount},
        )


def publish_ledger_request(
    db: Session,
    *,
    contract_no: str,
    deduct_month: str,
    pay_kind: str = "monthly",
    group_no: str | None = None,
    replace_existing: bool = False,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[list[PublishedLedgerRequest]] | Err:
    """The month's 賃控元帳控除依頼 alone (RL-CYCLE-1), of one payment group or every group with
    something to deduct, committed and logged; for a contract without 労金控除 and for the
    demo (``chingin bank publish-request`` publishes it beside the 労金控除 request through
    ``services.cycle_publishing``). All or nothing.

    Refused: E-CONTRACT-NOT-FOUND, E-MONTH-FORMAT, E-PAY-KIND, E-GROUP-NOT-FOUND,
    E-CYCLE-EXISTS, E-CYCLE-CLOSED, E-CYCLE-NO-LINES (nothing to deduct in any group asked)."""
    who = oplog.operator_actor(actor)
    now = clock.now()

    def refuse(err: Err) -> Err:
        oplog.operator_refusal(
            db, at=now, actor=who, action=ACTION_PUBLISH,
            target=key_text(group_no or "*", deduct_month, pay_kind)[:40], ticket=ticket,
            detail={"code": err.code, "contract_no": contract_no[:40]},
        )
        return err

    contract = contract_records.find_contract(db, contract_no)
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    month = cyc.check_month(deduct_month)
    if isinstance(month, Err):
        return refuse(month)
    try:
        kind = PayKind(pay_kind)
    except ValueError:
        return refuse(Err("E-PAY-KIND", "pay_kind"))
    groups = list(_groups(db, contract.id).values())
    if group_no is not None:
        groups = [g for g in groups if g.number == group_no]
        if not groups:
            return refuse(Err("E-GROUP-NOT-FOUND", "group", {"number": group_no}))
    made = publish_ledger_groups(
        db, contract_id=contract.id, groups=groups, month=month.value, kind=kind, now=now,
        replace_existing=replace_existing, rules=rules,
    )
    if isinstance(made, Err):
        return refuse(made)
    if not made:
        return refuse(Err("E-CYCLE-NO-LINES", "deduct_month",
                          {"group": group_no or groups[0].number if groups else "",
                           "month": month.value, "pay_kind": kind.label}))
    log_published(db, contract_no=contract_no, made=made, actor=who, now=now, ticket=ticket)
    db.commit()
    return Ok(made)
