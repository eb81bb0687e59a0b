"""The operation-log entries of the issuance flow (R-CERT-1, R-SEC-2, R-LOCK-5; DESIGN
"Operation log"): a step's success in the contract's chain, in the step's own transaction; a
refusal after the rollback, in the contract's chain once the user is known, else in the system
chain (``unauthenticated``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlmodel import Session

from chingin_app.domain.result import Err
from chingin_app.models import ActorKind, User
from chingin_app.services import oplog

ACTION_START: Final = "certificate.auth"
ACTION_RESEND: Final = "certificate.auth_code_resend"
ACTION_VERIFY: Final = "certificate.auth_code_verify"
ACTION_ISSUE: Final = "certificate.issue"
ACTION_LOCK: Final = "certificate.issuance_lock"

#: The screen each entry point is (R-ENV-5 buttons), for the operation log.
SCREENS: Final[dict[str, str]] = {
    "any": "電子証明書発行",
    "general_first": "一般ユーザーの初期登録",
}

#: The answers every step shares: nothing given away (R-LOCK-5); start again at ID + password.
AUTH_GENERIC: Final = "MSG-AUTH-GENERIC"
RESTART: Final = "E-ISSUANCE-RESTART"
_UNAUTHENTICATED: Final = "unauthenticated"


def log_user_success(
    db: Session,
    *,
    user: User,
    contract_no: str,
    action: str,
    at: datetime,
    ip: str | None,
    screen: str,
    detail: dict[str, Any],
) -> None:
    """Log a step that succeeded for ``user`` in the contract's chain (the step commits it)."""
    oplog.user_success(
        db,
        contract_no=contract_no,
        at=at,
        actor=user.user_id,
        action=action,
        ip=ip,
        target=user.user_id,
        screen=screen,
        detail=detail,
    )


def refuse_user(
    db: Session,
    err: Err,
    *,
    user_id: str,
    contract_no: str,
    action: str,
    at: datetime,
    ip: str | None,
    screen: str,
    detail: dict[str, Any] | None = None,
) -> Err:
    """Log a refusal of an authenticated user in the contract's chain (after the rollback,
    ``oplog.log_failure``) and return ``err``. Commit first whatever must stand."""
    oplog.log_failure(
        db,
        chain=oplog.chain_for(contract_no),
        at=at,
        actor_kind=ActorKind.USER,
        actor=user_id,
        action=action,
        contract_no=contract_no,
        ip=ip,
        screen=screen,
        target=user_id,
        detail={"code": err.code, **(detail or {})},
    )
    return err


def refuse_anonymous(
    db: Session,
    err: Err,
    *,
    action: str,
    at: datetime,
    ip: str | None,
    screen: str | None,
    target: str | None,
    detail: dict[str, Any],
) -> Err:
    """Log a refusal before anyone is authenticated, in the system chain, and return ``err``."""
    oplog.log_failure(
        db,
        chain=oplog.SYSTEM_CHAIN,
        at=at,
        actor_kind=ActorKind.USER,
        actor=_UNAUTHENTICATED,
        action=action,
        ip=ip,
        screen=screen,
        target=target,
        detail={"code": err.code, **detail},
    )
    return err


def refuse_step(
    db: Session,
    err: Err,
    *,
    keep: bool,
    user_id: str,
    contract_no: str,
    action: str,
    at: datetime,
    ip: str | None,
    screen: str,
    detail: dict[str, Any],
) -> Err:
    """End a refused step's transaction — commit what must stand (``keep``: the attempt was
    voided) or roll back — then log the refusal (``refuse_user``) and return ``err``."""
    if keep:
        db.commit()
    else:
        db.rollback()
    return refuse_user(
        db, err, user_id=user_id, contract_no=contract_no, action=action, at=at, ip=ip,
        screen=screen, detail=detail,
    )


def unknown_attempt(
    db: Session, err: Err, *, action: str, now: datetime, ip: str | None
) -> Err:
    """Roll back, log ``err`` for a token that names no attempt (system chain), return it."""
    db.rollback()
    return refuse_anonymous(
        db, err, action=action, at=now, ip=ip, screen=None, target=None,
        detail={"reason": "unknown_token"},
    )
