"""A user's password locks on their row (SPEC R-LOCK-1, R-LOCK-2, R-LOCK-4, R-LOCK-5, R-OPS-2b):
counting a wrong password where the user's certificate vouches for them (ログイン and
パスワード変更, ``services.login``), and the bank's 閉塞解除 (``services.user_procedures``).

The rules are ``domain.lockout``'s; this module applies them to the ``users`` row under its
row lock, with the operation-log entries, the lock/block mail and the end of the user's
sessions that go with them. The issuance counter (R-LOCK-4) is counted by the certificate
services; only the bank's release clears it here too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlmodel import Session, select

from chingin_app.domain import lockout
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err
from chingin_app.models import ActorKind, LogResult, User
from chingin_app.services import mail, mail_templates, oplog, sessions

__all__ = [
    "ACTION_BLOCK",
    "ACTION_LOCK",
    "ACTION_LOGIN_FAILURE",
    "count_failure",
    "lock_user_row",
    "release",
    "store",
]

ACTION_LOGIN_FAILURE: Final = "login.failure"
ACTION_LOCK: Final = "login.lock"
ACTION_BLOCK: Final = "login.block"


def lock_user_row(db: Session, user_pk: int) -> User:
    """The user's row, locked for this transaction (``SELECT … FOR UPDATE``; SQLite's
    ``BEGIN IMMEDIATE``) and re-read, so parallel guesses count one by one (R-LOCK-5)."""
    return db.exec(
        select(User)
        .where(User.id == user_pk)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def store(user: User, state: lockout.LockState) -> None:
    """Write a user's login counters back to their row (the caller adds and flushes it)."""
    user.failure_count = state.failure_count
    user.locked_until = state.locked_until
    user.lock_count = state.lock_count
    user.blocked = state.blocked


def count_failure(
    db: Session,
    user: User,
    *,
    contract_no: str,
    now: datetime,
    clock: Clock,
    ip: str | None,
    screen: str,
    wrong: Err,
) -> Err:
    """Count one wrong password on the row ``lock_user_row`` returned (R-LOCK-1, R-LOCK-2),
    with its entries (login.failure, and login.lock or login.block), the lock/block mail and
    the end of the user's sessions; commits. Returns ``wrong``, or MSG-LOCKED {unlock_at} /
    MSG-BLOCKED when this failure locked or blocked."""
    assert user.id is not None
    before = sessions.lock_state(user)
    state, outcome = lockout.after_failure(before, now)
    store(user, state)
    db.add(user)
    db.flush()
    chain = oplog.chain_for(contract_no)
    common: dict[str, Any] = {
        "chain": chain,
        "at": now,
        "actor_kind": ActorKind.USER,
        "actor": user.user_id,
        "contract_no": contract_no,
        "ip": ip,
        "screen": screen,
        "target": user.user_id,
    }
    oplog.append(
        db,
        action=ACTION_LOGIN_FAILURE,
        result=LogResult.FAILURE,
        detail={"code": "MSG-PW-WRONG", "consecutive": before.failure_count + 1},
        **common,
    )
    result = wrong
    if outcome is lockout.Outcome.LOCKED:
        assert state.locked_until is not None
        oplog.append(
            db,
            action=ACTION_LOCK,
            result=LogResult.SUCCESS,
            detail={"locked_until": state.locked_until, "lock_count": state.lock_count},
            **common,
        )
        mail.enqueue(
            db,
            to=user.email,
            message=mail_templates.login_locked(
                user_name=user.user_name, until=state.locked_until
            ),
            clock=clock,
            user_pk=user.id,
        )
        sessions.end_user_sessions_at(db, user_pk=user.id, reason="locked", now=now)
        result = Err(
            "MSG-LOCKED", None, {"unlock_at": lockout.unlock_at_text(state.locked_until)}
        )
    elif outcome is lockout.Outcome.BLOCKED:
        oplog.append(
            db,
            action=ACTION_BLOCK,
            result=LogResult.SUCCESS,
            detail={"lock_count": state.lock_count},
            **common,
        )
        mail.enqueue(
            db,
            to=user.email,
            message=mail_templates.login_blocked(user_name=user.user_name),
            clock=clock,
            user_pk=user.id,
        )
        sessions.end_user_sessions_at(db, user_pk=user.id, reason="blocked", now=now)
        result = Err("MSG-BLOCKED")
    db.commit()
    return result


def release(user: User, now: datetime) -> dict[str, Any]:
    """The bank's 閉塞解除 (R-OPS-2b, R-LOCK-2: only the bank lifts a block): the login lock,
    the lock count, the block and the failure counts of login and issuance (R-LOCK-4) back to
    zero; the password is unchanged. Returns the counters before, for the operation log; the
    caller adds and flushes the row."""
    before = {
        "failure_count": user.failure_count,
        "locked_until": user.locked_until,
        "lock_count": user.lock_count,
        "blocked": user.blocked,
        "issuance_failure_count": user.issuance_failure_count,
        "issuance_locked_until": user.issuance_locked_until,
    }
    store(user, lockout.LockState())
    user.issuance_failure_count = 0
    user.issuance_locked_until = None
    user.updated_at = now
    return before
