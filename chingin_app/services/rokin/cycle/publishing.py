"""Publishing a month's request from the active details (the bank's side, ``chingin bank
publish-request``); see the package docstring for the rules."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Final

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chingin_app.domain import dates
from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import JST, Clock, to_jst
from chingin_app.domain.deduction_cycle import CycleStatus
from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    DeductionDetail,
    DeductionDetailHistory,
    DeductionRequest,
    DeductionRequestItem,
    Employee,
    PaymentGroup,
    RokinProduct,
)
from chingin_app.models.rokin import DetailStatus, ProductKind
from chingin_app.services import contract_records, oplog
from chingin_app.services.collation import code_point
from chingin_app.services.rokin.cycle.common import (
    _ACCOUNT_RE,
    ACTION_PUBLISH,
    BANK_ACTOR,
    PublishedRequest,
    _closed_days,
    _facts,
    _groups,
    _items,
    _key_text,
)
from chingin_app.services.rokin.detail_history import FIELD_LABELS


def _line_errors(
    detail: DeductionDetail, employee: Employee, product: RokinProduct, amount: int
) -> str | None:
    """The 控除依頼明細エラー of a line, joined with 「／」 (None when it is clean)."""
    problems: list[str] = []
    kana = check_name_kana(employee.name_kana)
    if isinstance(kana, Err):
        char = kana.params.get("char", employee.name_kana[:1])
        problems.append(message("E-ITEM-KANA", char=char))
    if amount == 0:
        problems.append(message("E-ITEM-AMOUNT-ZERO"))
    if _ACCOUNT_RE.fullmatch(detail.account_no) is None:
        problems.append(message("E-ITEM-ACCOUNT"))
    if product.kind == ProductKind.LOAN.value and detail.remaining_count == 0:
        problems.append(message("E-ITEM-REMAINING-ZERO"))
    return "／".join(problems)[:200] if problems else None


#: The detail's own fields a counter change can touch, named as the 更新履歴 names them.
_COUNTER_LABELS: Final[dict[str, str]] = {
    key: FIELD_LABELS[key]
    for key in ("account_no", "monthly_amount", "bonus_amount", "start_month", "end_month",
                "remaining_count", "status")
}


def _counter_changes(
    db: Session, contract_id: int, detail_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, str]:
    """窓口扱い変更 per detail: the bank's own history entries in (``since``, ``until``]
    (RK-4)."""
    if not detail_ids:
        return {}
    rows = db.exec(
        select(DeductionDetailHistory)
        .where(
            DeductionDetailHistory.contract_id == contract_id,
            col(DeductionDetailHistory.detail_id).in_(detail_ids),
            DeductionDetailHistory.actor == BANK_ACTOR,
            col(DeductionDetailHistory.changed_at) > since,
            col(DeductionDetailHistory.changed_at) <= until,
        )
        .order_by(col(DeductionDetailHistory.changed_at), col(DeductionDetailHistory.id))
    ).all()
    out: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        before = json.loads(row.before_json) if row.before_json else {}
        after = json.loads(row.after_json) if row.after_json else {}
        fields = [
            f"{label} {before.get(key, '')}→{after.get(key, '')}"
            for key, label in _COUNTER_LABELS.items()
            if before and before.get(key) != after.get(key)
        ]
        when = dates.date_label(to_jst(row.changed_at))
        out[row.detail_id].append(
            f"{when} 窓口{row.action}" + (f"（{'、'.join(fields)}）" if fields else "")
        )
    return {key: "；".join(texts)[:200] for key, texts in out.items()}


def _previous_request(
    db: Session, contract_id: int, group_id: int, month: str, kind: str
) -> DeductionRequest | None:
    return db.exec(
        select(DeductionRequest)
        .where(
            DeductionRequest.contract_id == contract_id,
            DeductionRequest.payment_group_id == group_id,
            DeductionRequest.pay_kind == kind,
            col(DeductionRequest.deduct_month) < month,
        )
        .order_by(code_point(col(DeductionRequest.deduct_month)).desc())
    ).first()


def _active_details(
    db: Session, contract_id: int, group_id: int, month: str, kind: PayKind
) -> list[tuple[DeductionDetail, Employee, RokinProduct]]:
    query = (
        select(DeductionDetail, Employee, RokinProduct)
        .join(Employee, col(Employee.id) == col(DeductionDetail.employee_id))
        .join(RokinProduct, col(RokinProduct.id) == col(DeductionDetail.product_id))
        .where(
            DeductionDetail.contract_id == contract_id,
            DeductionDetail.payment_group_id == group_id,
            Employee.contract_id == contract_id,
            RokinProduct.contract_id == contract_id,
            DeductionDetail.status == DetailStatus.ACTIVE.value,
            col(DeductionDetail.start_month) <= month,
            (col(DeductionDetail.end_month).is_(None)) | (col(DeductionDetail.end_month) >= month),
        )
        .order_by(code_point(col(Employee.staff_no)), code_point(col(RokinProduct.code)),
                  col(DeductionDetail.id))
    )
    out = []
    for detail, employee, product in db.exec(query).all():
        if _amount(detail, kind) > 0:
            out.append((detail, employee, product))
        elif kind is PayKind.MONTHLY and detail.bonus_amount == 0:
            # Neither amount: a detail that deducts nothing is an error line (amount 0).
            out.append((detail, employee, product))
    return out


def _amount(detail: DeductionDetail, kind: PayKind) -> int:
    return detail.monthly_amount if kind is PayKind.MONTHLY else detail.bonus_amount


def _publish_group(
    db: Session,
    *,
    contract_id: int,
    group: PaymentGroup,
    month: str,
    kind: PayKind,
    now: datetime,
    replace_existing: bool,
    rules: cyc.CycleRules,
    closed: set[date],
) -> PublishedRequest | Err:
    assert group.id is not None
    params = {"group": group.number, "month": month, "pay_kind": kind.label}
    existing = db.exec(
        select(DeductionRequest)
        .where(
            DeductionRequest.contract_id == contract_id,
            DeductionRequest.payment_group_id == group.id,
            DeductionRequest.deduct_month == month,
            DeductionRequest.pay_kind == kind.value,
        )
        .with_for_update()
    ).first()
    kept_holds: dict[int, tuple[str | None, datetime | None, str | None]] = {}
    if existing is not None:
        if not replace_existing:
            return Err("E-CYCLE-EXISTS", "deduct_month", params)
        step = cyc.transition(
            existing.status,
            cyc.CycleAction.REPUBLISH,
            now=now,
            deadline=existing.deadline,
            rules=rules,
        )
        if isinstance(step, Err):
            return step
        assert existing.id is not None
        for item in _items(db, existing.id):
            if item.hold and item.detail_id is not None:
                kept_holds[item.detail_id] = (
                    item.hold_reason,
                    item.hold_updated_at,
                    item.hold_updated_by,
                )
        db.execute(
            delete(DeductionRequestItem).where(col(DeductionRequestItem.request_id) == existing.id)
        )

    lines = _active_details(db, contract_id, group.id, month, kind)
    previous = _previous_request(db, contract_id, group.id, month, kind.value)
    prev_items: list[DeductionRequestItem] = []
    if previous is not None:
        assert previous.id is not None
        prev_items = [
            i
            for i in _items(db, previous.id)
            if i.change_kind != ChangeKind.ENDED.value and i.detail_id is not None
        ]
    current_facts = {
        d.id: cyc.LineFacts(_amount(d, kind), d.account_no, p.code) for d, _e, p in lines
    }
    prev_facts = (
        None
        if previous is None
        else {
            i.detail_id: cyc.LineFacts(i.amount, i.account_no, i.product_code) for i in prev_items
        }
    )
    started = {d.id for d, _e, _p in lines if d.start_month == month}
    changes = cyc.change_kinds(prev_facts, current_facts, started=started)
    if not lines and not changes.ended:
        return Err("E-CYCLE-NO-LINES", "deduct_month", params)

    since = (
        previous.received_at
        if previous is not None
        else datetime.combine(
            date.fromisoformat(cyc.month_add(month, -1) + "-01"), time(0), tzinfo=JST
        )
    )
    counter = _counter_changes(
        db, contract_id, [d.id for d, _e, _p in lines if d.id is not None], since, now
    )
    dates = cyc.cycle_dates(month, kind, rules=rules, extra_closed=closed)

    if existing is None:
        request = DeductionRequest(
            contract_id=contract_id,
            payment_group_id=group.id,
            deduct_month=month,
            pay_kind=kind.value,
            received_at=now,
            deduction_date=dates.deduction_date,
            deadline=dates.deadline,
            remittance_date=dates.remittance_date,
            status=CycleStatus.RECEIVED.value,
        )
    else:
        request = existing
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

    items: list[DeductionRequestItem] = []
    for detail, employee, product in lines:
        assert detail.id is not None
        amount = _amount(detail, kind)
        hold = kept_holds.get(detail.id)
        items.append(
            DeductionRequestItem(
                contract_id=contract_id,
                request_id=request.id,
                detail_id=detail.id,
                employee_id=employee.id,
                staff_no=employee.staff_no,
                name_kana=employee.name_kana,
                name_kanji=employee.name_kanji,
                department=employee.department,
                product_code=product.code,
                product_name=product.name,
                branch_no=product.branch_no,
                account_no=detail.account_no,
                amount=amount,
                remaining_count=detail.remaining_count,
                change_kind=changes.kinds[detail.id].value,
                error_text=_line_errors(detail, employee, product, amount),
                counter_change=counter.get(detail.id),
                hold=hold is not None,
                hold_reason=None if hold is None else hold[0],
                hold_updated_at=None if hold is None else hold[1],
                hold_updated_by=None if hold is None else hold[2],
            )
        )
    by_detail = {i.detail_id: i for i in prev_items}
    for detail_id in changes.ended:
        old = by_detail[detail_id]
        items.append(
            DeductionRequestItem(
                contract_id=contract_id,
                request_id=request.id,
                detail_id=old.detail_id,
                employee_id=old.employee_id,
                staff_no=old.staff_no,
                name_kana=old.name_kana,
                name_kanji=old.name_kanji,
                department=old.department,
                product_code=old.product_code,
                product_name=old.product_name,
                branch_no=old.branch_no,
                account_no=old.account_no,
                amount=0,
                remaining_count=old.remaining_count,
                change_kind=ChangeKind.ENDED.value,
            )
        )
    db.add_all(items)
    db.flush()
    facts = [_facts(i) for i in items]
    return PublishedRequest(
        request_id=request.id,
        group_no=group.number,
        deduct_month=month,
        pay_kind=kind.value,
        replaced=existing is not None,
        line_count=len(items),
        error_count=sum(1 for f in facts if f.error_text),
        ended_count=len(changes.ended),
        totals=cyc.totals(facts),
        dates=dates,
    )


def publish_groups(
    db: Session,
    *,
    contract_id: int,
    groups: Sequence[PaymentGroup],
    month: str,
    kind: PayKind,
    now: datetime,
    replace_existing: bool,
    skip_empty: bool,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> list[PublishedRequest] | Err:
    """The 控除依頼 of ``groups`` for (``month``, ``kind``), flushed, neither logged nor
    committed (``publish_request``'s transaction, or ``services.cycle_publishing`` with the
    ledger's beside it). ``skip_empty``: a group with nothing to deduct is skipped unless
    every group is empty (E-CYCLE-NO-LINES then); without it an empty group is refused."""
    closed = _closed_days(db)
    made: list[PublishedRequest] = []
    empty: Err | None = None
    for group in groups:
        got = _publish_group(
            db,
            contract_id=contract_id,
            group=group,
            month=month,
            kind=kind,
            now=now,
            replace_existing=replace_existing,
            rules=rules,
            closed=closed,
        )
        if isinstance(got, Err):
            if got.code == "E-CYCLE-NO-LINES" and skip_empty:
                empty = empty or got
                continue
            return got
        made.append(got)
    if not made:
        assert empty is not None
        return empty
    return made


def log_published(
    db: Session, *, contract_no: str, made: Sequence[PublishedRequest], actor: str,
    now: datetime, ticket: str | None,
) -> None:
    """One operation-log entry per request made, in the caller's transaction (R-LOG-1)."""
    for pub in made:
        oplog.operator_success(
            db,
            contract_no=contract_no,
            at=now,
            actor=actor,
            action=ACTION_PUBLISH,
            target=_key_text(pub.group_no, pub.deduct_month, pub.pay_kind),
            ticket=ticket,
            detail={
                "request_id": pub.request_id,
                "replaced": pub.replaced,
                "lines": pub.line_count,
                "errors": pub.error_count,
                "ended": pub.ended_count,
                "requested_amount": pub.totals.requested_amount,
            },
        )


def publish_request(
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
) -> Ok[list[PublishedRequest]] | Err:
    """``chingin bank publish-request``: build the month's 控除依頼 of one payment group
    (``group_no``) or of every group of the contract (A.4 依頼受信; module docstring).

    All or nothing over the groups. Refused: E-CONTRACT-NOT-FOUND, E-GROUP-NOT-FOUND,
    E-MONTH-FORMAT, E-PAY-KIND, E-CYCLE-EXISTS (without ``replace_existing``),
    E-CYCLE-REPLACE-CONFIRMED / E-CYCLE-CLOSED (a confirmed request is never replaced),
    E-CYCLE-NO-LINES (a group with nothing to deduct, when one group was asked for; with all
    groups, groups with nothing are skipped unless every group is empty).
    """
    who = oplog.operator_actor(actor)
    now = clock.now()
    target = _key_text(group_no or "*", deduct_month, pay_kind)

    def refuse(err: Err) -> Err:
        oplog.operator_refusal(
            db,
            at=now,
            actor=who,
            action=ACTION_PUBLISH,
            target=target[:40],
            ticket=ticket,
            detail={"code": err.code, "contract_no": contract_no[:40]},
        )
        return err

    contract = contract_records.find_contract(db, contract_no)
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    contract_id = contract.id
    month = cyc.check_month(deduct_month)
    if isinstance(month, Err):
        return refuse(month)
    try:
        kind = PayKind(pay_kind)
    except ValueError:
        return refuse(Err("E-PAY-KIND", "pay_kind"))
    groups = list(_groups(db, contract_id).values())
    if group_no is not None:
        groups = [g for g in groups if g.number == group_no]
        if not groups:
            return refuse(Err("E-GROUP-NOT-FOUND", "group", {"number": group_no}))
    made = publish_groups(
        db, contract_id=contract_id, groups=groups, month=month.value, kind=kind, now=now,
        replace_existing=replace_existing, skip_empty=group_no is None, rules=rules,
    )
    if isinstance(made, Err):
        return refuse(made)
    log_published(db, contract_no=contract_no, made=made, actor=who, now=now, ticket=ticket)
    db.commit()
    return Ok(made)
