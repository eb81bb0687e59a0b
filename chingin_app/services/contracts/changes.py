"""Contract changes, suspension, resumption and termination (SPEC R-OPS-5, R-OPS-6; DESIGN §2
``chingin contract change|suspend|resume|terminate N --ticket T``): one transaction with its
entry in the contract's chain (the 受付番号 as ``ticket``), or a rollback and a failure entry
in the system chain."""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial
from typing import Any, Final, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.contract import (
    PaymentGroupSpec,
    Service,
    check_contract_name,
    normalise_contract_name,
    parse_groups,
    parse_services,
)
from chingin_app.domain.ledger_cycle import check_staff_no_digits
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import check_contract_no
from chingin_app.models import (
    Contract,
    ContractStatus,
    LoginSession,
    PaymentGroup,
    RevocationReason,
    User,
)
from chingin_app.services import contract_records, oplog, sessions
from chingin_app.services.certs import revocation
from chingin_app.services.contracts.common import (
    ContractView,
    contract_view,
    log_refusal,
    log_success,
)

__all__ = [
    "ACTION_CHANGE",
    "ACTION_RESUME",
    "ACTION_SUSPEND",
    "ACTION_TERMINATE",
    "SESSION_END_CONTRACT",
    "SESSION_END_GROUP_REMOVED",
    "RevocationsNotPublished",
    "change_contract",
    "resume_contract",
    "suspend_contract",
    "terminate_contract",
]

ACTION_CHANGE: Final = "contract.change"
ACTION_SUSPEND: Final = "contract.suspend"
ACTION_RESUME: Final = "contract.resume"
ACTION_TERMINATE: Final = "contract.terminate"

_STATUS_LABELS: Final[dict[str, str]] = {
    ContractStatus.ACTIVE.value: "利用中",
    ContractStatus.SUSPENDED.value: "一時停止中",
    ContractStatus.TERMINATED.value: "解約済み",
}
_GROUP_NO_RE: Final = re.compile(r"[0-9]{3}")
#: Session end reasons: the contract stopped (→ MSG-CONTRACT-ENDED), or the session's payment
#: group was removed by a change (→ MSG-SESSION-ENDED; the user logs in and picks another).
SESSION_END_CONTRACT: Final = "contract"
SESSION_END_GROUP_REMOVED: Final = "group_removed"


class RevocationsNotPublished(RuntimeError):
    """``terminate_contract`` committed (the contract is terminated, its certificates revoked
    in our records, so the app refuses them) but the CRL could not be re-signed or nginx not
    reloaded; ``chingin jobs run`` finishes the publication."""

    def __init__(self, view: ContractView, revoked: int) -> None:
        super().__init__(f"contract {view.contract_no} terminated; CRL not published")
        self.view = view
        self.revoked = revoked


def _status_err(contract: Contract) -> Err:
    return Err(
        "E-CONTRACT-STATUS",
        "contract_no",
        {"status": _STATUS_LABELS.get(contract.status, contract.status)},
    )


def _end_contract_sessions(db: Session, contract_id: int, now: datetime) -> int:
    """End every open session of every user of the contract (reason 'contract')."""
    user_pks = db.exec(select(User.id).where(User.contract_id == contract_id)).all()
    return sum(
        sessions.end_user_sessions_at(db, user_pk=pk, reason=SESSION_END_CONTRACT, now=now)
        for pk in user_pks
        if pk is not None
    )


def change_contract(
    db: Session,
    *,
    contract_no: str,
    name: str | None,
    services: str | None,
    add_groups: list[str],
    remove_groups: list[str],
    actor: str,
    clock: Clock,
    ticket: str | None = None,
    staff_no_digits: str | int | None = None,
) -> Ok[ContractView] | Err:
    """契約内容の変更 (R-OPS-5): set the 職員番号桁数 (RL-CYCLE-3), rename, replace the
    services (``--services`` syntax, the contract's kind), add payment groups (``NNN:名称``)
    and remove them (``NNN``). None / empty leaves a part as it is. A removed service's
    menus disappear at once (its data is kept: nothing is deleted but the service's name in
    ``contracts.services``). A removed payment group's open sessions end (reason
    'group_removed'; the users log in again and pick a group), ended sessions that named it
    forget it, and the group row is deleted.

    Errors, in this order: E-CONTRACT-NO-FORMAT; E-CONTRACT-NO-CHANGE (nothing asked);
    E-STAFF-NO-DIGITS; the name (E-FIELD-*, E-CONTRACT-NAME-FORMAT); the added groups
    (E-GROUP-FORMAT, E-GROUP-NAME-FORMAT, E-GROUP-DUPLICATE); the removed numbers
    (E-GROUP-NUMBER-FORMAT, E-GROUP-DUPLICATE also for a number both added and removed);
    E-CONTRACT-NOT-FOUND; E-CONTRACT-STATUS (terminated); the services (E-SERVICES-FORMAT,
    E-FIELD-REQUIRED); E-GROUP-EXISTS, E-GROUP-NOT-FOUND, E-GROUP-REQUIRED (no group would be
    left).
    Print the お知らせ（変更） afterwards (``chingin notice N --change``).
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    # log_failure rolls the session back before logging (nothing half-saved).
    refuse = partial(log_refusal, db, action=ACTION_CHANGE, actor=who, at=now,
                     contract_no=contract_no, ticket=ticket)

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    if (name is None and services is None and not add_groups and not remove_groups
            and staff_no_digits is None):
        return refuse(Err("E-CONTRACT-NO-CHANGE", None))
    digits: int | None = None
    if staff_no_digits is not None:
        checked = check_staff_no_digits(staff_no_digits)
        if isinstance(checked, Err):
            return refuse(checked)
        digits = checked.value
    if name is not None and (err := check_contract_name(name)) is not None:
        return refuse(err)
    added: list[PaymentGroupSpec] = []
    if add_groups:
        parsed = parse_groups(add_groups)
        if isinstance(parsed, Err):
            return refuse(parsed)
        added = parsed
    removed: list[str] = []
    for number in remove_groups:
        if _GROUP_NO_RE.fullmatch(number) is None:
            return refuse(Err("E-GROUP-NUMBER-FORMAT", "group", {"value": number}))
        if number in removed or any(g.number == number for g in added):
            return refuse(Err("E-GROUP-DUPLICATE", "group", {"number": number}))
        removed.append(number)

    contract = contract_records.lock_contract(db, contract_no)
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no", {"contract_no": contract_no}))
    if contract.status == ContractStatus.TERMINATED.value:
        return refuse(_status_err(contract))
    new_services: str | None = None
    if services is not None:
        parsed_services = parse_services(contract.kind, services)
        if isinstance(parsed_services, Err):
            return refuse(parsed_services)
        new_services = ",".join(s.value for s in Service if s in parsed_services)
    existing = {
        g.number: g
        for g in db.exec(select(PaymentGroup).where(PaymentGroup.contract_id == contract.id))
    }
    for spec in added:
        if spec.number in existing:
            return refuse(Err("E-GROUP-EXISTS", "group", {"number": spec.number}))
    for number in removed:
        if number not in existing:
            return refuse(Err("E-GROUP-NOT-FOUND", "group", {"number": number}))
    if len(existing) + len(added) - len(removed) < 1:
        return refuse(Err("E-GROUP-REQUIRED", "group", {}))

    detail: dict[str, Any] = {}
    if name is not None:
        detail["name"] = {"before": contract.name, "after": normalise_contract_name(name)}
        contract.name = normalise_contract_name(name)
    if digits is not None:
        detail["staff_no_digits"] = {"before": contract.staff_no_digits, "after": digits}
        contract.staff_no_digits = digits
    if new_services is not None:
        detail["services"] = {
            "before": list(contract.service_list()),
            "after": [s for s in new_services.split(",") if s],
        }
        contract.services = new_services
    sessions_ended = 0
    for number in removed:
        group = existing[number]
        ended = cast(
            "CursorResult[Any]",
            db.execute(
                update(LoginSession)
                .where(
                    col(LoginSession.payment_group_id) == group.id,
                    col(LoginSession.ended_at).is_(None),
                )
                .values(ended_at=now, end_reason=SESSION_END_GROUP_REMOVED)
            ),
        )
        sessions_ended += int(ended.rowcount)
        db.execute(
            update(LoginSession)
            .where(col(LoginSession.payment_group_id) == group.id)
            .values(payment_group_id=None)
        )
        db.delete(group)
    db.flush()
    for group_spec in added:
        db.add(
            PaymentGroup(contract_id=contract.id, number=group_spec.number, name=group_spec.name)
        )
    contract.updated_at = now
    db.add(contract)
    db.flush()
    if added:
        detail["groups_added"] = [f"{g.number}:{g.name}" for g in added]
    if removed:
        detail["groups_removed"] = [f"{n}:{existing[n].name}" for n in removed]
        detail["sessions_ended"] = sessions_ended
    log_success(
        db, contract_no, action=ACTION_CHANGE, actor=who, at=now, ticket=ticket, detail=detail
    )
    view = contract_view(db, contract)
    db.commit()
    return Ok(view)


def _change_status(
    db: Session,
    *,
    contract_no: str,
    action: str,
    allowed_from: frozenset[str],
    to_status: ContractStatus,
    end_sessions: bool,
    revoke: bool,
    actor: str,
    clock: Clock,
    ticket: str | None,
) -> tuple[ContractView, int] | Err:
    who = oplog.operator_actor(actor)
    now = clock.now()

    # log_failure rolls the session back before logging (nothing half-saved).
    refuse = partial(log_refusal, db, action=action, actor=who, at=now,
                     contract_no=contract_no, ticket=ticket)

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    contract = contract_records.lock_contract(db, contract_no)
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no", {"contract_no": contract_no}))
    if contract.status not in allowed_from:
        return refuse(_status_err(contract))
    before = contract.status
    contract.status = to_status.value
    contract.updated_at = now
    db.add(contract)
    db.flush()
    detail: dict[str, Any] = {"status": {"before": before, "after": to_status.value}}
    if end_sessions:
        detail["sessions_ended"] = _end_contract_sessions(db, contract.id, now)
    revoked: list[str] = []
    if revoke:
        user_pks = db.exec(
            select(User.id).where(User.contract_id == contract.id).order_by(col(User.id))
        ).all()
        for pk in user_pks:
            if pk is None:
                continue
            cert = revocation.revoke_current_certificate(
                db, user_pk=pk, reason=RevocationReason.CESSATION_OF_OPERATION, now=now
            )
            if cert is not None:
                revoked.append(cert.serial_hex)
        detail["revoked_serials"] = revoked
    log_success(db, contract_no, action=action, actor=who, at=now, ticket=ticket, detail=detail)
    view = contract_view(db, contract)
    db.commit()
    return view, len(revoked)


def suspend_contract(
    db: Session, *, contract_no: str, actor: str, clock: Clock, ticket: str | None = None
) -> Ok[ContractView] | Err:
    """一時停止 (R-OPS-6): an active contract becomes suspended; every open session of its
    users ends (reason 'contract' → MSG-CONTRACT-ENDED) and logins are refused with
    MSG-CONTRACT-ENDED. Certificates are kept. Errors: E-CONTRACT-NO-FORMAT,
    E-CONTRACT-NOT-FOUND, E-CONTRACT-STATUS (not active). Commits."""
    result = _change_status(
        db,
        contract_no=contract_no,
        action=ACTION_SUSPEND,
        allowed_from=frozenset({ContractStatus.ACTIVE.value}),
        to_status=ContractStatus.SUSPENDED,
        end_sessions=True,
        revoke=False,
        actor=actor,
        clock=clock,
        ticket=ticket,
    )
    return result if isinstance(result, Err) else Ok(result[0])


def resume_contract(
    db: Session, *, contract_no: str, actor: str, clock: Clock, ticket: str | None = None
) -> Ok[ContractView] | Err:
    """再開 (R-OPS-6): a suspended contract becomes active again; its users log in with their
    certificates as before. A terminated contract never resumes. Errors:
    E-CONTRACT-NO-FORMAT, E-CONTRACT-NOT-FOUND, E-CONTRACT-STATUS (not suspended). Commits."""
    result = _change_status(
        db,
        contract_no=contract_no,
        action=ACTION_RESUME,
        allowed_from=frozenset({ContractStatus.SUSPENDED.value}),
        to_status=ContractStatus.ACTIVE,
        end_sessions=False,
        revoke=False,
        actor=actor,
        clock=clock,
        ticket=ticket,
    )
    return result if isinstance(result, Err) else Ok(result[0])


def terminate_contract(
    db: Session, *, contract_no: str, actor: str, clock: Clock, ticket: str | None = None
) -> Ok[ContractView] | Err:
    """解約 (R-OPS-6): an active or suspended contract becomes terminated (final); every open
    session of its users ends (reason 'contract' → MSG-CONTRACT-ENDED) and every current
    certificate of its users is revoked (CRL reason cessationOfOperation) in the same
    transaction; the CRL is published after the commit (``revocation.publish_revocations``,
    which may fail: then RevocationsNotPublished is raised, the termination stands). Users,
    data and the log are kept for the retention period. Errors: E-CONTRACT-NO-FORMAT,
    E-CONTRACT-NOT-FOUND, E-CONTRACT-STATUS (already terminated). Commits."""
    result = _change_status(
        db,
        contract_no=contract_no,
        action=ACTION_TERMINATE,
        allowed_from=frozenset({ContractStatus.ACTIVE.value, ContractStatus.SUSPENDED.value}),
        to_status=ContractStatus.TERMINATED,
        end_sessions=True,
        revoke=True,
        actor=actor,
        clock=clock,
        ticket=ticket,
    )
    if isinstance(result, Err):
        return result
    view, revoked = result
    if revoked:
        try:
            revocation.publish_revocations()
        except Exception as exc:
            raise RevocationsNotPublished(view, revoked) from exc
    return Ok(view)
