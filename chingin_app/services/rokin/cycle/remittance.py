"""The organisation's side of the まとめ入金 (RK-8, RK-9; A.4): 入金中止 per line, the
confirmation and its undo until the deadline."""

from __future__ import annotations

from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import Clock
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    DeductionRequestItem,
    PaymentGroup,
)
from chingin_app.services import detail_rules, oplog
from chingin_app.services.rokin.cycle.common import (
    _SCREEN_CONFIRM,
    _SCREEN_HOLD,
    ACTION_CONFIRM,
    ACTION_HOLD,
    ACTION_HOLD_CLEAR,
    ACTION_UNDO,
    RequestView,
    _facts,
    _items,
    _key_text,
    _locked_request,
    _view,
)
from chingin_app.services.tenant import TenantSession, scope_of


def _change_hold(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    item_id: int,
    version: int,
    reason: str | None,
    hold: bool,
    ip: str | None,
    rules: cyc.CycleRules,
) -> Ok[int] | Err | Invalid:
    action = ACTION_HOLD if hold else ACTION_HOLD_CLEAR
    now = clock.now()

    def refuse(err: Err | Invalid, target: str | None = None) -> Err | Invalid:
        return detail_rules.refuse(
            db,
            err,
            session=session,
            clock=clock,
            action=action,
            screen=_SCREEN_HOLD,
            ip=ip,
            target=target,
        )

    scope = scope_of(db, session)
    item = (
        None
        if scope is None
        else db.exec(
            select(DeductionRequestItem).where(
                col(DeductionRequestItem.id) == item_id,
                DeductionRequestItem.contract_id == scope.contract_id,
            )
        ).first()
    )
    found = None if item is None else _locked_request(db, session, item.request_id)
    if item is None or found is None:
        return refuse(Err("E-CYCLE-ITEM-NOT-FOUND"))
    request, contract_no = found
    # Re-read the item under the request's lock (confirm and holds queue on that row).
    db.refresh(item)
    target = f"{item.staff_no}:{item.product_code}:{item.account_no}"
    if item.version != version:
        return refuse(Err("E-CYCLE-CONFLICT"), target)
    if item.change_kind == ChangeKind.ENDED.value:
        return refuse(Err("E-CYCLE-HOLD-ENDED"), target)
    step = cyc.transition(
        request.status, cyc.CycleAction.HOLD, now=now, deadline=request.deadline, rules=rules
    )
    if isinstance(step, Err):
        return refuse(step, target)
    text: str | None = None
    if hold:
        checked = cyc.check_hold_reason(reason)
        if isinstance(checked, Err):
            return refuse(Invalid((checked,)), target)
        text = checked.value
    elif not item.hold:
        return refuse(Err("E-CYCLE-NOT-HELD"), target)
    before = {"hold": item.hold, "reason": item.hold_reason}
    item.hold = hold
    item.hold_reason = text
    item.hold_updated_at = now
    item.hold_updated_by = session.user_id[:40]
    # The request's version moves too: a confirmation screen showing older totals is stale.
    flag_modified(request, "status")
    db.add_all([item, request])
    try:
        db.flush()
    except StaleDataError:
        return refuse(Err("E-CYCLE-CONFLICT"), target)
    oplog.user_success(
        db,
        contract_no=contract_no,
        at=now,
        actor=session.user_id,
        action=action,
        ip=ip,
        target=target,
        screen=_SCREEN_HOLD,
        detail={
            "request_id": request.id,
            "item_id": item.id,
            "amount": item.amount,
            "before": before,
            "after": {"hold": hold, "reason": text},
        },
    )
    db.commit()
    return Ok(item.version)


def set_hold(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    item_id: int,
    version: int,
    reason: str,
    ip: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[int] | Err | Invalid:
    """RK-8: stop one request line from the まとめ入金 (入金中止) with its 不能理由.

    Allowed while the request is 依頼受信 and its deadline has not passed (A.4). Returns the
    line's new version. Err: E-CYCLE-ITEM-NOT-FOUND (not the session's contract or group),
    E-CYCLE-CONFLICT (``version`` is stale), E-CYCLE-HOLD-ENDED (a 解約 line), the transition
    refusals of ``deduction_cycle.transition``; ``Invalid`` for the reason (E-FIELD-REQUIRED,
    E-HOLD-REASON-FORMAT). Logged as ``rokin.remit.hold``.
    """
    return _change_hold(
        db,
        session=session,
        clock=clock,
        item_id=item_id,
        version=version,
        reason=reason,
        hold=True,
        ip=ip,
        rules=rules,
    )


def clear_hold(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    item_id: int,
    version: int,
    ip: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[int] | Err | Invalid:
    """RK-8: put a stopped line back into the まとめ入金 (入金中止の解除). As ``set_hold``;
    E-CYCLE-NOT-HELD when the line is not stopped. Logged as ``rokin.remit.hold_clear``."""
    return _change_hold(
        db,
        session=session,
        clock=clock,
        item_id=item_id,
        version=version,
        reason=None,
        hold=False,
        ip=ip,
        rules=rules,
    )


def _confirm_or_undo(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    request_id: int,
    version: int,
    ip: str | None,
    rules: cyc.CycleRules,
    undo: bool,
) -> Ok[RequestView] | Err:
    action = ACTION_UNDO if undo else ACTION_CONFIRM
    now = clock.now()

    def refuse(err: Err, target: str | None = None) -> Err:
        out = detail_rules.refuse(
            db,
            err,
            session=session,
            clock=clock,
            action=action,
            screen=_SCREEN_CONFIRM,
            ip=ip,
            target=target,
        )
        assert isinstance(out, Err)
        return out

    found = _locked_request(db, session, request_id)
    if found is None:
        return refuse(Err("E-CYCLE-NOT-FOUND"))
    request, contract_no = found
    group = db.get(PaymentGroup, request.payment_group_id)
    assert group is not None and request.id is not None
    target = _key_text(group.number, request.deduct_month, request.pay_kind)
    if request.version != version:
        return refuse(Err("E-CYCLE-CONFLICT"), target)
    facts = [_facts(i) for i in _items(db, request.id)]
    step = cyc.transition(
        request.status,
        cyc.CycleAction.UNDO if undo else cyc.CycleAction.CONFIRM,
        now=now,
        deadline=request.deadline,
        rules=rules,
        items=facts,
    )
    if isinstance(step, Err):
        return refuse(step, target)
    request.status = step.value.value
    request.confirmed_at = None if undo else now
    request.confirmed_by = None if undo else session.user_id[:40]
    db.add(request)
    try:
        db.flush()
    except StaleDataError:
        return refuse(Err("E-CYCLE-CONFLICT"), target)
    sums = cyc.totals(facts)
    oplog.user_success(
        db,
        contract_no=contract_no,
        at=now,
        actor=session.user_id,
        action=action,
        ip=ip,
        target=target,
        screen=_SCREEN_CONFIRM,
        detail={
            "request_id": request.id,
            "requested_amount": sums.requested_amount,
            "held_amount": sums.held_amount,
            "remittance_amount": sums.remittance_amount,
        },
    )
    view = _view(db, request, group)
    db.commit()
    return Ok(view)


def confirm(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    request_id: int,
    version: int,
    ip: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[RequestView] | Err:
    """RK-9 まとめ入金確定: refused unless 依頼受信, before the deadline, and no 明細エラー line
    is left without 入金中止 (``deduction_cycle`` docstring). ``version`` is the request's
    version the screen showed (every hold change moves it): E-CYCLE-CONFLICT when stale.
    Returns the confirmed request with its totals (まとめ入金依頼書). Logged."""
    return _confirm_or_undo(
        db,
        session=session,
        clock=clock,
        request_id=request_id,
        version=version,
        ip=ip,
        rules=rules,
        undo=False,
    )


def undo_confirmation(
    db: Session,
    *,
    session: TenantSession,
    clock: Clock,
    request_id: int,
    version: int,
    ip: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[RequestView] | Err:
    """RK-9 確定解除: back to 依頼受信, allowed until the end of the deadline day (JST).
    E-CYCLE-NOT-CONFIRMED, E-CYCLE-UNDO-DEADLINE, E-CYCLE-CLOSED, E-CYCLE-CONFLICT. Logged."""
    return _confirm_or_undo(
        db,
        session=session,
        clock=clock,
        request_id=request_id,
        version=version,
        ip=ip,
        rules=rules,
        undo=True,
    )
