"""Users: adding a general user, and the bank's paper procedures on users (SPEC R-USER-3,
R-OPS-2, R-OPS-2a, R-OPS-2b, §3).

Each function is one transaction: it commits once with its operation-log entry in the
contract's chain, or rolls back and records the refusal (``oplog.log_failure``). The bank's
procedures record the 依頼書's 受付番号 (``ticket``) in the entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import (
    check_contract_no,
    check_email,
    check_password,
    check_user_id,
    check_user_name,
    normalise_user_name,
)
from chingin_app.models import (
    ActorKind,
    Contract,
    LogResult,
    RevocationReason,
    User,
    UserRole,
    fold_user_id,
)
from chingin_app.services import oplog, passwords, revocation, sessions
from chingin_app.services.registration import id_taken_refusal, user_id_taken

__all__ = [
    "ACTION_CREATE_GENERAL",
    "ACTION_INIT_MASTER",
    "ACTION_UNBLOCK",
    "GENERAL_USER_LIMIT",
    "create_general_user",
    "init_master",
    "unblock_user",
]

ACTION_CREATE_GENERAL: Final = "user.create"
ACTION_UNBLOCK: Final = "user.unblock"
ACTION_INIT_MASTER: Final = "user.init_master"

#: SPEC §1, R-USER-3: at most 10 general users per contract.
GENERAL_USER_LIMIT: Final = 10

_SCREEN_CREATE: Final = "契約ユーザー登録"


def _actor(actor: str) -> tuple[ActorKind, str]:
    if actor.startswith("operator:"):
        return ActorKind.OPERATOR, actor
    return ActorKind.USER, actor


def _lock_contract(db: Session, contract_no: str) -> Contract | None:
    return db.exec(
        select(Contract)
        .where(Contract.contract_no == contract_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _live_general_users(db: Session, contract_id: int) -> int:
    return int(
        db.execute(
            select(func.count())
            .select_from(User)
            .where(
                col(User.contract_id) == contract_id,
                col(User.role) == UserRole.GENERAL.value,
                col(User.deleted_at).is_(None),
            )
        ).scalar_one()
    )


def create_general_user(
    db: Session,
    *,
    contract_no: str,
    user_id: str,
    user_name: str,
    email: str,
    temporary_password: str,
    actor: str,
    clock: Clock,
) -> Ok[str] | Invalid | Err:
    """Add a general user with a temporary password (R-USER-3): returns the user ID.

    ``Invalid`` with every field error (``user_id``, ``user_name``, ``email``,
    ``temporary_password``; §3 rules, password ≠ user ID). Err: E-CONTRACT-NOT-FOUND;
    MSG-USER-LIMIT when the contract has 10 general users (deleted ones do not count);
    MSG-ID-TAKEN (field ``user_id``) when an ID equal ignoring case exists anywhere, deleted
    users included — only once every other field is valid and at most 10 times an hour per
    contract, then MSG-TRY-LATER. The user must change the password at the first login
    (R-LOGIN-3); menus without a stored setting are 非表示 (R-USER-7a). ``actor`` is the
    master's user ID, or ``operator:NAME``. (Re-entry fields, restrictions and the notice mail
    of R-USER-8 belong to the 契約ユーザー登録 screen's issue.)
    """
    now = clock.now()
    kind, who = _actor(actor)
    chain_no = contract_no if check_contract_no(contract_no) is None else None

    def refuse(err: Err, result: LogResult = LogResult.REFUSED, **extra: Any) -> Err:
        oplog.log_failure(
            db, chain=oplog.chain_for(chain_no), at=now, actor_kind=kind, actor=who,
            action=ACTION_CREATE_GENERAL, result=result, contract_no=chain_no,
            screen=_SCREEN_CREATE, target=user_id[:40] or None,
            detail={"code": err.code, **extra},
        )
        return err

    checks = (
        check_user_id(user_id),
        check_user_name(user_name),
        check_email(email),
        check_password(
            temporary_password, field="temporary_password", label="仮のパスワード",
            user_id=user_id,
        ),
    )
    if errors := [e for e in checks if e is not None]:
        oplog.log_failure(
            db, chain=oplog.chain_for(chain_no), at=now, actor_kind=kind, actor=who,
            action=ACTION_CREATE_GENERAL, result=LogResult.FAILURE, contract_no=chain_no,
            screen=_SCREEN_CREATE, target=user_id[:40] or None,
            detail={"codes": [e.code for e in errors]},
        )
        return Invalid(tuple(errors))
    password_hash = passwords.hash_secret(temporary_password)

    contract = _lock_contract(db, contract_no) if chain_no is not None else None
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    if _live_general_users(db, contract.id) >= GENERAL_USER_LIMIT:
        return refuse(Err("MSG-USER-LIMIT"))
    if user_id_taken(db, user_id):
        return id_taken_refusal(
            db, contract_no=contract.contract_no, actor_kind=kind, actor=who, now=now, ip=None,
            screen=_SCREEN_CREATE,
        )
    db.add(
        User(
            contract_id=contract.id,
            user_id=user_id,
            user_id_folded=fold_user_id(user_id),
            role=UserRole.GENERAL.value,
            user_name=normalise_user_name(user_name),
            email=email,
            password_hash=password_hash,
            password_is_temporary=True,
            created_at=now,
            updated_at=now,
        )
    )
    try:
        db.flush()
    except IntegrityError:
        # A parallel add took the ID (PostgreSQL; SQLite serialises writers).
        db.rollback()
        contract = _lock_contract(db, contract_no)
        if contract is not None and user_id_taken(db, user_id):
            return id_taken_refusal(
                db, contract_no=contract.contract_no, actor_kind=kind, actor=who, now=now,
                ip=None, screen=_SCREEN_CREATE,
            )
        raise
    oplog.append(
        db,
        chain=oplog.chain_for(contract.contract_no),
        at=now,
        actor_kind=kind,
        actor=who,
        action=ACTION_CREATE_GENERAL,
        result=LogResult.SUCCESS,
        contract_no=contract.contract_no,
        screen=_SCREEN_CREATE,
        target=user_id,
    )
    db.commit()
    return Ok(user_id)


def _operator_refusal(
    db: Session,
    err: Err,
    *,
    action: str,
    actor: str,
    at: datetime,
    target: str,
    ticket: str | None,
) -> Err:
    detail: dict[str, Any] = {"code": err.code}
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
        target=target[:40],
        detail=detail,
    )
    return err


def unblock_user(
    db: Session,
    *,
    user_id: str,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
) -> Ok[None] | Err:
    """閉塞解除 from the 依頼書 (R-OPS-2, R-OPS-2b): clear the login lock, the lock count, the
    block and the failure counts (login and issuance, R-LOCK-4). The password is unchanged.

    ``user_id`` is matched exactly. Errors: E-USER-ID-FORMAT, E-USER-NOT-FOUND,
    E-USER-DELETED. A user who is not locked is "unblocked" anyway and logged with the
    (clean) previous state.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    def refuse(err: Err) -> Err:
        return _operator_refusal(
            db, err, action=ACTION_UNBLOCK, actor=who, at=now, target=user_id, ticket=ticket
        )

    if (err := check_user_id(user_id)) is not None:
        return refuse(err)
    user = db.exec(
        select(User)
        .where(User.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if user is None:
        return refuse(Err("E-USER-NOT-FOUND", "user_id"))
    if user.deleted_at is not None:
        return refuse(Err("E-USER-DELETED", "user_id"))
    contract = db.get(Contract, user.contract_id)
    assert contract is not None
    before = {
        "failure_count": user.failure_count,
        "locked_until": user.locked_until,
        "lock_count": user.lock_count,
        "blocked": user.blocked,
        "issuance_failure_count": user.issuance_failure_count,
        "issuance_locked_until": user.issuance_locked_until,
    }
    user.failure_count = 0
    user.locked_until = None
    user.lock_count = 0
    user.blocked = False
    user.issuance_failure_count = 0
    user.issuance_locked_until = None
    user.updated_at = now
    db.add(user)
    db.flush()
    detail: dict[str, Any] = {"before": before}
    if ticket is not None:
        detail["ticket"] = ticket
    oplog.append(
        db,
        chain=oplog.chain_for(contract.contract_no),
        at=now,
        actor_kind=ActorKind.OPERATOR,
        actor=who,
        action=ACTION_UNBLOCK,
        result=LogResult.SUCCESS,
        contract_no=contract.contract_no,
        target=user.user_id,
        detail=detail,
    )
    db.commit()
    return Ok(None)


def init_master(
    db: Session,
    *,
    contract_no: str,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
) -> Ok[str] | Err:
    """マスターユーザーＩＤ・パスワード初期化 from the 依頼書 (R-OPS-2, R-OPS-2a): returns the
    master's (now reserved) user ID.

    Revokes the master's current certificate (``revocation.revoke_current_certificate``, CRL
    reason affiliationChanged), ends their sessions (reason 'init_master'), marks them deleted
    (the ID stays reserved: never reused), clears the contract's initial-password failures, lock
    and block, so マスターユーザーの初期登録 re-opens with the same 契約番号 and 初期パスワード.
    General users, their certificates and restrictions, the data and the log are untouched.
    Publishes the CRL after the commit. Errors: E-CONTRACT-NO-FORMAT, E-CONTRACT-NOT-FOUND,
    E-MASTER-NOT-FOUND.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()

    def refuse(err: Err) -> Err:
        return _operator_refusal(
            db, err, action=ACTION_INIT_MASTER, actor=who, at=now, target=contract_no,
            ticket=ticket,
        )

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    contract = _lock_contract(db, contract_no)
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    master = db.exec(
        select(User)
        .where(
            User.contract_id == contract.id,
            User.role == UserRole.MASTER.value,
            col(User.deleted_at).is_(None),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if master is None or master.id is None:
        return refuse(Err("E-MASTER-NOT-FOUND", "contract_no"))
    master_pk = master.id

    # In this transaction (the certificate, the deletion and the entry commit together); the
    # CRL is published after the commit.
    cert = revocation.revoke_current_certificate(
        db, user_pk=master_pk, reason=RevocationReason.AFFILIATION_CHANGED, now=now
    )
    revoked = cert is not None
    ended = sessions.end_user_sessions_at(db, user_pk=master_pk, reason="init_master", now=now)
    master.deleted_at = now
    master.updated_at = now
    db.add(master)
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
    detail: dict[str, Any] = {
        "revoked_serial": cert.serial_hex if cert is not None else None,
        "sessions_ended": ended,
        "registration_lock_before": before,
    }
    if ticket is not None:
        detail["ticket"] = ticket
    oplog.append(
        db,
        chain=oplog.chain_for(contract.contract_no),
        at=now,
        actor_kind=ActorKind.OPERATOR,
        actor=who,
        action=ACTION_INIT_MASTER,
        result=LogResult.SUCCESS,
        contract_no=contract.contract_no,
        target=master.user_id,
        detail=detail,
    )
    user_id = master.user_id
    db.commit()
    if revoked:
        revocation.publish_revocations()
    return Ok(user_id)
