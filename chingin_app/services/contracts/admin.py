"""The bank registers a contract and looks after its initial password (SPEC R-OPS-1, R-OPS-2,
R-LOCK-3; DESIGN §2 ``chingin contract create / show / set-initial-password / unblock``).

The initial password is hashed (argon2id) before the write lock is taken and is never logged.
"""

from __future__ import annotations

from functools import partial
from typing import Final

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from chingin_app.domain.clock import Clock
from chingin_app.domain.contract import (
    Service,
    check_contract_name,
    normalise_contract_name,
    parse_groups,
    parse_kind,
    parse_services,
)
from chingin_app.domain.ledger_cycle import check_staff_no_digits
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import check_contract_no, check_initial_password
from chingin_app.models import Contract, ContractStatus, PaymentGroup
from chingin_app.services import contract_records, oplog, passwords
from chingin_app.services.contracts.common import (
    ContractView,
    contract_view,
    log_refusal,
    log_success,
)

__all__ = [
    "ACTION_CREATE",
    "ACTION_SET_INITIAL_PASSWORD",
    "ACTION_UNBLOCK",
    "create_contract",
    "get_contract",
    "set_initial_password",
    "unblock_contract",
]

ACTION_CREATE: Final = "contract.create"
ACTION_SET_INITIAL_PASSWORD: Final = "contract.set_initial_password"  # noqa: S105 (a name)
ACTION_UNBLOCK: Final = "contract.unblock"


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
    staff_no_digits: str | int | None = None,
) -> Ok[ContractView] | Err:
    """Create a contract with its services, payment groups and initial password (R-OPS-1),
    and the 職員番号桁数 when the bank gives one (RL-CYCLE-3; None: the most common length);
    ``demo`` flags one the demo loader makes, the only kind start-up may touch (R-DEP-1).

    Checks, in this order: contract number (E-CONTRACT-NO-FORMAT), name, kind
    (E-CONTRACT-KIND), services (E-SERVICES-FORMAT), groups (E-GROUP-FORMAT,
    E-GROUP-DUPLICATE, E-GROUP-REQUIRED), 職員番号桁数 (E-STAFF-NO-DIGITS), initial password
    (E-INITIAL-PASSWORD-FORMAT), then that the number is free (E-CONTRACT-EXISTS, also when a
    concurrent create wins the race).
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    # log_failure rolls the session back before logging (nothing half-saved).
    refuse = partial(log_refusal, db, action=ACTION_CREATE, actor=who, at=now,
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
    digits: int | None = None
    if staff_no_digits is not None:
        checked = check_staff_no_digits(staff_no_digits)
        if isinstance(checked, Err):
            return refuse(checked)
        digits = checked.value
    if (err := check_initial_password(initial_password)) is not None:
        return refuse(err)

    # Hash before the first statement: on SQLite that is when the write lock is taken.
    password_hash = passwords.hash_secret(initial_password)
    exists_err = Err("E-CONTRACT-EXISTS", "contract_no", {"contract_no": contract_no})
    if contract_records.find_contract(db, contract_no) is not None:
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
        staff_no_digits=digits,
        created_at=now,
        updated_at=now,
    )
    db.add(contract)
    try:
        db.flush()
    except IntegrityError:
        # A concurrent create won the race (PostgreSQL; SQLite serialises writers).
        db.rollback()
        if contract_records.find_contract(db, contract_no) is None:
            raise
        return refuse(exists_err)
    assert contract.id is not None
    for group in parsed_groups:
        db.add(PaymentGroup(contract_id=contract.id, number=group.number, name=group.name))
    db.flush()

    log_success(
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
            **({} if digits is None else {"staff_no_digits": digits}),
        },
    )
    view = contract_view(db, contract)
    db.commit()
    return Ok(view)


def get_contract(db: Session, contract_no: str) -> ContractView | None:
    """The contract as ``chingin contract show`` prints it, or None (R-OPS-1). Reads only."""
    if check_contract_no(contract_no) is not None:
        return None
    contract = contract_records.find_contract(db, contract_no)
    return None if contract is None else contract_view(db, contract)


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
    refuse = partial(log_refusal, db, action=ACTION_SET_INITIAL_PASSWORD, actor=who, at=now,
                     contract_no=contract_no, ticket=ticket)

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    if (err := check_initial_password(initial_password)) is not None:
        return refuse(err)
    password_hash = passwords.hash_secret(initial_password)
    contract = contract_records.lock_contract(db, contract_no)
    if contract is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no", {"contract_no": contract_no}))

    replaced = contract.initial_password_hash is not None
    contract.initial_password_hash = password_hash
    contract.updated_at = now
    db.add(contract)
    db.flush()
    log_success(
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
    refuse = partial(log_refusal, db, action=ACTION_UNBLOCK, actor=who, at=now,
                     contract_no=contract_no, ticket=ticket)

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    contract = contract_records.lock_contract(db, contract_no)
    if contract is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no", {"contract_no": contract_no}))

    before = contract_records.release_initial_password_lock(contract, now)
    db.add(contract)
    db.flush()
    log_success(
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
