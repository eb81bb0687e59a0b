"""The bank's paper procedures on users (SPEC R-OPS-2, R-OPS-2a, R-OPS-2b; DESIGN §2
``chingin user unblock ID``, ``chingin user init-master --contract N``, and the same
procedures on the operator console).

The bank acts on a 依頼書, not the contract's master: the actor is ``operator:NAME``, the
依頼書's 受付番号 (``ticket``) goes into the entry. Each procedure is one transaction: it
commits once with its entry in the contract's chain (``oplog.operator_success``), or rolls back
and records the refusal in the system chain (``oplog.operator_refusal``; the input as typed,
cut to 40 characters, as target — as for the contract commands).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlmodel import Session, select

from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Ok
from chingin_app.domain.validation import check_contract_no, check_user_id
from chingin_app.models import Contract, RevocationReason, User
from chingin_app.services import contract_records, oplog, sessions, user_lock
from chingin_app.services.certs import revocation

__all__ = [
    "ACTION_INIT_MASTER",
    "ACTION_UNBLOCK",
    "init_master",
    "unblock_user",
]

ACTION_UNBLOCK: Final = "user.unblock"
ACTION_INIT_MASTER: Final = "user.init_master"


def _refusal(
    db: Session,
    err: Err,
    *,
    action: str,
    actor: str,
    at: datetime,
    target: str,
    ticket: str | None,
) -> Err:
    oplog.operator_refusal(
        db, at=at, actor=actor, action=action, target=target[:40], ticket=ticket,
        detail={"code": err.code},
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
        return _refusal(
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
    before = user_lock.release(user, now)
    db.add(user)
    db.flush()
    detail: dict[str, Any] = {"before": before}
    oplog.operator_success(
        db, contract_no=contract.contract_no, at=now, actor=who, action=ACTION_UNBLOCK,
        target=user.user_id, ticket=ticket, detail=detail,
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
        return _refusal(
            db, err, action=ACTION_INIT_MASTER, actor=who, at=now, target=contract_no,
            ticket=ticket,
        )

    if (err := check_contract_no(contract_no)) is not None:
        return refuse(err)
    contract = contract_records.lock_contract(db, contract_no)
    if contract is None or contract.id is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    master = contract_records.live_master(db, contract.id, lock=True)
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
    before = contract_records.release_initial_password_lock(contract, now)
    db.add(contract)
    db.flush()
    detail: dict[str, Any] = {
        "revoked_serial": cert.serial_hex if cert is not None else None,
        "sessions_ended": ended,
        "registration_lock_before": before,
    }
    oplog.operator_success(
        db, contract_no=contract.contract_no, at=now, actor=who, action=ACTION_INIT_MASTER,
        target=master.user_id, ticket=ticket, detail=detail,
    )
    user_id = master.user_id
    db.commit()
    if revoked:
        revocation.publish_revocations()
    return Ok(user_id)
