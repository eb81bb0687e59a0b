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

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import exists
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.contract import (
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
    ActorKind,
    Contract,
    ContractStatus,
    LogResult,
    PaymentGroup,
    User,
    UserRole,
)
from chingin_app.services import oplog, passwords

__all__ = [
    "ACTION_CREATE",
    "ACTION_SET_INITIAL_PASSWORD",
    "ACTION_UNBLOCK",
    "ContractView",
    "create_contract",
    "get_contract",
    "set_initial_password",
    "unblock_contract",
]

ACTION_CREATE: Final = "contract.create"
ACTION_SET_INITIAL_PASSWORD: Final = "contract.set_initial_password"  # noqa: S105 (a name)
ACTION_UNBLOCK: Final = "contract.unblock"


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
    detail: dict[str, Any] = {"code": err.code, "field": err.field}
    if ticket is not None:
        detail["ticket"] = ticket
    oplog.log_failure(
        db,
        chain=oplog.SYSTEM_CHAIN,
        at=at,
        actor_kind=ActorKind.OPERATOR,
        actor=actor,
        action=action,
        result=LogResult.FAILURE,
        target=contract_no,
        detail=detail,
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
    if ticket is not None:
        detail = {**detail, "ticket": ticket}
    oplog.append(
        db,
        chain=oplog.chain_for(contract_no),
        at=at,
        actor_kind=ActorKind.OPERATOR,
        actor=actor,
        action=action,
        result=LogResult.SUCCESS,
        contract_no=contract_no,
        target=contract_no,
        detail=detail,
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
) -> Ok[ContractView] | Err:
    """Create a contract with its services, payment groups and initial password (R-OPS-1).

    Checks, in this order: contract number (E-CONTRACT-NO-FORMAT), name, kind
    (E-CONTRACT-KIND), services (E-SERVICES-FORMAT), groups (E-GROUP-FORMAT,
    E-GROUP-DUPLICATE, E-GROUP-REQUIRED), initial password (E-INITIAL-PASSWORD-FORMAT), then
    that the number is free (E-CONTRACT-EXISTS, also when a concurrent create wins the race).
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    def refuse(err: Err) -> Err:
        return _refuse(
            db,
            err,
            action=ACTION_CREATE,
            actor=who,
            at=now,
            contract_no=contract_no,
            ticket=ticket,
        )

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

    def refuse(err: Err) -> Err:
        return _refuse(
            db,
            err,
            action=ACTION_SET_INITIAL_PASSWORD,
            actor=who,
            at=now,
            contract_no=contract_no,
            ticket=ticket,
        )

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

    def refuse(err: Err) -> Err:
        return _refuse(
            db,
            err,
            action=ACTION_UNBLOCK,
            actor=who,
            at=now,
            contract_no=contract_no,
            ticket=ticket,
        )

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
