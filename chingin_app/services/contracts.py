"""Operator use cases for contracts (SPEC R-OPS-1, R-OPS-2, R-LOCK-3; DESIGN §2
``chingin contract create / show / set-initial-password / unblock``).

Each use case is one transaction: it commits once with its operation-log entry in the
contract's chain (action ``contract.create``, ``contract.set_initial_password``,
``contract.unblock``; actor kind 'operator'), or rolls back and records the failure in the
system chain (``oplog.log_failure``; the contract number as typed goes in ``target``). The
initial password is hashed (argon2id) before the write lock is taken and is never logged;
the 依頼書's 受付番号 (``ticket``, R-OPS-2a) goes into the entry's detail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final, cast

from sqlalchemy import CursorResult, exists, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.contract import (
    PaymentGroupSpec,
    Service,
    check_contract_name,
    normalise_contract_name,
    parse_groups,
    parse_kind,
    parse_services,
)
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import check_contract_no, check_initial_password
from chingin_app.models import (
    Contract,
    ContractStatus,
    PaymentGroup,
    User,
    UserRole,
)
from chingin_app.services import oplog, passwords

__all__ = [
    "ACTION_CHANGE",
    "ACTION_CREATE",
    "ACTION_RESUME",
    "ACTION_SET_INITIAL_PASSWORD",
    "ACTION_SUSPEND",
    "ACTION_TERMINATE",
    "ACTION_UNBLOCK",
    "ContractView",
    "RevocationsNotPublished",
    "change_contract",
    "create_contract",
    "get_contract",
    "resume_contract",
    "set_initial_password",
    "suspend_contract",
    "terminate_contract",
    "unblock_contract",
]

ACTION_CREATE: Final = "contract.create"
ACTION_SET_INITIAL_PASSWORD: Final = "contract.set_initial_password"  # noqa: S105 (a name)
ACTION_UNBLOCK: Final = "contract.unblock"
ACTION_CHANGE: Final = "contract.change"
ACTION_SUSPEND: Final = "contract.suspend"
ACTION_RESUME: Final = "contract.resume"
ACTION_TERMINATE: Final = "contract.terminate"


@dataclass(frozen=True)
class ContractView:
    """What an operator (``chingin contract show``) and the お知らせ need; no secrets."""

    contract_no: str
    name: str
    kind: str
    services: tuple[str, ...]
    groups: tuple[tuple[str, str], ...]
    status: str
    initial_password_set: bool
    initial_password_blocked: bool
    initial_password_failures: int
    has_master: bool
    created_at: datetime
    is_demo: bool = False  # made by the demo loader (R-DEP-1)


def _refuse(
    db: Session,
    err: Err,
    *,
    action: str,
    actor: str,
    at: datetime,
    contract_no: str,
    ticket: str | None,
) -> Err:
    """Roll back, log the failure in the system chain, and return ``err`` (R-LOG-1)."""
    oplog.operator_refusal(
        db, at=at, actor=actor, action=action, target=contract_no, ticket=ticket,
        detail={"code": err.code, "field": err.field},
    )
    return err


def _log_success(
    db: Session,
    contract_no: str,
    *,
    action: str,
    actor: str,
    at: datetime,
    ticket: str | None,
    detail: dict[str, Any],
) -> None:
    oplog.operator_success(
        db, contract_no=contract_no, at=at, actor=actor, action=action, target=contract_no,
        ticket=ticket, detail=detail,
    )


def _has_master(db: Session, contract_id: int) -> bool:
    query = select(
        exists().where(
            col(User.contract_id) == contract_id,
            col(User.role) == UserRole.MASTER.value,
            col(User.deleted_at).is_(None),
        )
    )
    return bool(db.execute(query).scalar())


def _view(db: Session, contract: Contract) -> ContractView:
    assert contract.id is not None
    groups = db.exec(
        select(PaymentGroup)
        .where(PaymentGroup.contract_id == contract.id)
        .order_by(col(PaymentGroup.number))
    ).all()
    return ContractView(
        contract_no=contract.contract_no,
        name=contract.name,
        kind=contract.kind,
        services=contract.service_list(),
        groups=tuple((g.number, g.name) for g in groups),
        status=contract.status,
        initial_password_set=contract.initial_password_hash is not None,
        initial_password_blocked=contract.initial_password_blocked,
        initial_password_failures=contract.initial_password_failure_count,
        has_master=_has_master(db, contract.id),
        created_at=contract.created_at,
        is_demo=contract.is_demo,
    )


def _find(db: Session, contract_no: str, *, lock: bool = False) -> Contract | None:
    query = select(Contract).where(Contract.contract_no == contract_no)
    if lock:
        # PostgreSQL: concurrent operator commands on one contract queue here instead of
        # failing on the version check; SQLite already holds the write lock.
        query = query.with_for_update()
    return db.exec(query).first()


def create_contract(
    db: Session,
    *,
    contract_no: str,
    name: str,
    kind: str,
    services: str,
    groups: list[str],
    initial_password: str,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
    demo: bool = False,
) -> Ok[ContractView] | Err:
    """Create a contract with its services, payment groups and initial password (R-OPS-1);
    ``demo`` flags one the demo loader makes, the only kind start-up may touch (R-DEP-1).

    Checks, in this order: contract number (E-CONTRACT-NO-FORMAT), name, kind
    (E-CONTRACT-KIND), services (E-SERVICES-FORMAT), groups (E-GROUP-FORMAT,
    E-GROUP-DUPLICATE, E-GROUP-REQUIRED), initial password (E-INITIAL-PASSWORD-FORMAT), then
    that the number is free (E-CONTRACT-EXISTS, also when a concurrent create wins the race).
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    # log_failure rolls the session back before logging (nothing half-saved).
    refuse = partial(_refuse, db, action=ACTION_CREATE, actor=who, at=now,
                     contract_no=contract_no, ticket=ticket)

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    if (err := check_contract_name(name)) is not None:
        return refuse(err)
    parsed_kind = parse_kind(kind)
    if isinstance(parsed_kind, Err):
        return refuse(parsed_kind)
    parsed_services = parse_services(parsed_kind, services)
    if isinstance(parsed_services, Err):
        return refuse(parsed_services)
    parsed_groups = parse_groups(groups)
    if isinstance(parsed_groups, Err):
        return refuse(parsed_groups)
    if (err := check_initial_password(initial_password)) is not None:
        return refuse(err)

    # Hash before the first statement: on SQLite that is when the write lock is taken.
    password_hash = passwords.hash_secret(initial_password)
    exists_err = Err("E-CONTRACT-EXISTS", "contract_no", {"contract_no": contract_no})
    if _find(db, contract_no) is not None:
        return refuse(exists_err)

    service_text = ",".join(s.value for s in Service if s in parsed_services)
    contract = Contract(
        contract_no=contract_no,
        name=normalise_contract_name(name),
        kind=parsed_kind.value,
        services=service_text,
        status=ContractStatus.ACTIVE.value,
        initial_password_hash=password_hash,
        is_demo=demo,
        created_at=now,
        updated_at=now,
    )
    db.add(contract)
    try:
        db.flush()
    except IntegrityError:
        # A concurrent create won the race (PostgreSQL; SQLite serialises writers).
        db.rollback()
        if _find(db, contract_no) is None:
            raise
        return refuse(exists_err)
    assert contract.id is not None
    for group in parsed_groups:
        db.add(PaymentGroup(contract_id=contract.id, number=group.number, name=group.name))
    db.flush()

    _log_success(
        db,
        contract_no,
        action=ACTION_CREATE,
        actor=who,
        at=now,
        ticket=ticket,
        detail={
            "name": contract.name,
            "kind": contract.kind,
            "services": list(contract.service_list()),
            "groups": [f"{g.number}:{g.name}" for g in parsed_groups],
        },
    )
    view = _view(db, contract)
    db.commit()
    return Ok(view)


def get_contract(db: Session, contract_no: str) -> ContractView | None:
    """The contract as ``chingin contract show`` prints it, or None (R-OPS-1). Reads only."""
    if check_contract_no(contract_no) is not None:
        return None
    contract = _find(db, contract_no)
    return None if contract is None else _view(db, contract)


def set_initial_password(
    db: Session,
    *,
    contract_no: str,
    initial_password: str,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
) -> Ok[None] | Err:
    """Register or change the contract's initial password from the 初期パスワード届出書
    (R-OPS-1, R-OPS-2). The failure count, lock and block are left as they are
    (``unblock_contract`` clears them).

    Errors: E-CONTRACT-NO-FORMAT, E-INITIAL-PASSWORD-FORMAT, E-CONTRACT-NOT-FOUND.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    # log_failure rolls the session back before logging (nothing half-saved).
    refuse = partial(_refuse, db, action=ACTION_SET_INITIAL_PASSWORD, actor=who, at=now,
                     contract_no=contract_no, ticket=ticket)

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    if (err := check_initial_password(initial_password)) is not None:
        return refuse(err)
    password_hash = passwords.hash_secret(initial_password)
    contract = _find(db, contract_no, lock=True)
    if contract is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no", {"contract_no": contract_no}))

    replaced = contract.initial_password_hash is not None
    contract.initial_password_hash = password_hash
    contract.updated_at = now
    db.add(contract)
    db.flush()
    _log_success(
        db,
        contract_no,
        action=ACTION_SET_INITIAL_PASSWORD,
        actor=who,
        at=now,
        ticket=ticket,
        detail={"replaced": replaced},
    )
    db.commit()
    return Ok(None)


def unblock_contract(
    db: Session,
    *,
    contract_no: str,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
) -> Ok[None] | Err:
    """初期パスワード閉塞解除 (R-OPS-2, R-LOCK-3): clear the contract's initial-password failure
    count, lock, lock count and block. The initial password itself is unchanged.

    Errors: E-CONTRACT-NO-FORMAT, E-CONTRACT-NOT-FOUND. Unblocking a contract that is not
    blocked succeeds and is logged with its (clean) previous state.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    # log_failure rolls the session back before logging (nothing half-saved).
    refuse = partial(_refuse, db, action=ACTION_UNBLOCK, actor=who, at=now,
                     contract_no=contract_no, ticket=ticket)

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    contract = _find(db, contract_no, lock=True)
    if contract is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no", {"contract_no": contract_no}))

    before = {
        "failure_count": contract.initial_password_failure_count,
        "lock_count": contract.initial_password_lock_count,
        "locked_until": contract.initial_password_locked_until,
        "blocked": contract.initial_password_blocked,
    }
    contract.initial_password_failure_count = 0
    contract.initial_password_lock_count = 0
    contract.initial_password_locked_until = None
    contract.initial_password_blocked = False
    contract.updated_at = now
    db.add(contract)
    db.flush()
    _log_success(
        db,
        contract_no,
        action=ACTION_UNBLOCK,
        actor=who,
        at=now,
        ticket=ticket,
        detail={"before": before},
    )
    db.commit()
    return Ok(None)


# ---------------------------------------------------------------------------- R-OPS-5, R-OPS-6
#
# Contract changes, suspension, resumption and termination (DESIGN §2 ``chingin contract
# change|suspend|resume|terminate N --ticket T``). Same shape as above: one transaction with
# its entry in the contract's chain (the 受付番号 as ``ticket``), or a rollback and a failure
# entry in the system chain.

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
    from chingin_app.services import sessions

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
) -> Ok[ContractView] | Err:
    """契約内容の変更 (R-OPS-5): rename, replace the services (``--services`` syntax, the
    contract's kind), add payment groups (``NNN:名称``) and remove them (``NNN``). None / empty
    leaves a part as it is. A removed service's menus disappear at once (its data is kept:
    nothing is deleted but the service's name in ``contracts.services``). A removed payment
    group's open sessions end (reason 'group_removed'; the users log in again and pick a
    group), ended sessions that named it forget it, and the group row is deleted.

    Errors, in this order: E-CONTRACT-NO-FORMAT; E-CONTRACT-NO-CHANGE (nothing asked); the
    name (E-FIELD-*, E-CONTRACT-NAME-FORMAT); the added groups (E-GROUP-FORMAT,
    E-GROUP-NAME-FORMAT, E-GROUP-DUPLICATE); the removed numbers (E-GROUP-NUMBER-FORMAT,
    E-GROUP-DUPLICATE also for a number both added and removed); E-CONTRACT-NOT-FOUND;
    E-CONTRACT-STATUS (terminated); the services (E-SERVICES-FORMAT, E-FIELD-REQUIRED);
    E-GROUP-EXISTS, E-GROUP-NOT-FOUND, E-GROUP-REQUIRED (no group would be left).
    Print the お知らせ（変更） afterwards (``chingin notice N --change``).
    """
    from chingin_app.models import LoginSession

    who = oplog.operator_actor(actor)
    now = clock.now()

    # log_failure rolls the session back before logging (nothing half-saved).
    refuse = partial(_refuse, db, action=ACTION_CHANGE, actor=who, at=now,
                     contract_no=contract_no, ticket=ticket)

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    if name is None and services is None and not add_groups and not remove_groups:
        return refuse(Err("E-CONTRACT-NO-CHANGE", None))
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

    contract = _find(db, contract_no, lock=True)
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
    _log_success(
        db, contract_no, action=ACTION_CHANGE, actor=who, at=now, ticket=ticket, detail=detail
    )
    view = _view(db, contract)
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
    from chingin_app.models import RevocationReason
    from chingin_app.services.certs import revocation

    who = oplog.operator_actor(actor)
    now = clock.now()

    # log_failure rolls the session back before logging (nothing half-saved).
    refuse = partial(_refuse, db, action=action, actor=who, at=now,
                     contract_no=contract_no, ticket=ticket)

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    contract = _find(db, contract_no, lock=True)
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
    _log_success(db, contract_no, action=action, actor=who, at=now, ticket=ticket, detail=detail)
    view = _view(db, contract)
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
    from chingin_app.services.certs import revocation

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
