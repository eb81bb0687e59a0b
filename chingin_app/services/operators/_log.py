"""Entries of the operator console and the operator accounts: the system chain, actor
``operator:<login id>``, screen オペレーターコンソール (R-OPS-7, R-LOG-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlmodel import Session

from chingin_app.models import ActorKind, LogResult
from chingin_app.services import oplog

#: The screen every entry of this package names.
SCREEN: Final = "オペレーターコンソール"


def system_success(
    db: Session, *, at: datetime, actor: str, action: str, target: str | None,
    ip: str | None = None, detail: dict[str, object] | None = None,
) -> None:
    """Log an operator's success in the system chain, inside the caller's transaction."""
    oplog.append(
        db, chain=oplog.SYSTEM_CHAIN, at=at, actor_kind=ActorKind.OPERATOR, actor=actor,
        action=action, result=LogResult.SUCCESS, ip=ip, screen=SCREEN,
        target=target, detail=detail,
    )


def system_failure(
    db: Session, *, at: datetime, actor: str, action: str, target: str | None,
    ip: str | None = None, code: str,
) -> None:
    """Log a refusal in the system chain, after the caller's rollback (``oplog.log_failure``)."""
    oplog.log_failure(
        db, chain=oplog.SYSTEM_CHAIN, at=at, actor_kind=ActorKind.OPERATOR, actor=actor,
        action=action, result=LogResult.FAILURE, ip=ip, screen=SCREEN,
        target=target, detail={"code": code},
    )
