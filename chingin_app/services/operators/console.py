"""Operator console sign-in and sessions (SPEC R-OPS-7, R-PLUS-6, R-SEC-4).

The console listens only on the internal operator listener (``proxy.nginx``); every console
event re-checks here that it came through that listener with the operator's current
certificate and an open console session bound to that certificate (``check_session``).
Sign-in failures count like the customer login (``domain.lockout``), atomically under a row
lock as ``services.login`` counts them (R-LOCK-5, R-SEC-4).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import update
from sqlmodel import Session, col, select

from chingin_app.domain import lockout
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    ActorKind,
    LogResult,
    Operator,
    OperatorCertificate,
    OperatorSession,
    OperatorStatus,
)
from chingin_app.services import oplog, passwords
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.operators._log import SCREEN, system_failure, system_success

__all__ = [
    "ABSOLUTE_LIFETIME",
    "ACTION_SIGNIN",
    "ACTION_SIGNOUT",
    "IDLE_LIMIT",
    "LISTENER_OPERATOR",
    "OperatorInfo",
    "check_session",
    "end_sessions",
    "sign_in",
    "sign_out",
]

ACTION_SIGNIN: Final = "operator.signin"
ACTION_SIGNOUT: Final = "operator.signout"

#: What the gate says about the listener an event came through (``x-chingin-listener``).
LISTENER_OPERATOR: Final = "operator"

#: The console's limits, as the customer screens' (R-SESS-1, R-SEC-1).
IDLE_LIMIT: Final = timedelta(minutes=60)
ABSOLUTE_LIFETIME: Final = timedelta(hours=12)


@dataclass(frozen=True)
class OperatorInfo:
    """The signed-in operator, re-read at every console event."""

    login_id: str
    name: str

    @property
    def actor(self) -> str:
        """How the operation log records this operator (``operator:<login id>``)."""
        return oplog.operator_actor(self.login_id)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _open_session(db: Session, token: str) -> OperatorSession | None:
    """The console session this token opened, unless it has ended."""
    return db.exec(
        select(OperatorSession).where(
            OperatorSession.token_hash == _hash_token(token),
            col(OperatorSession.ended_at).is_(None),
        )
    ).first()


def end_sessions(db: Session, operator_pk: int, *, now: datetime, reason: str) -> None:
    """End every open console session of the operator (``reason`` recorded); no commit."""
    table = OperatorSession.__table__  # type: ignore[attr-defined]
    db.execute(
        update(table)
        .where(table.c.operator_pk == operator_pk, table.c.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def _listener_err(listener: str | None, facts: CertFacts) -> Err | None:
    """Only the operator listener with a current operator certificate reaches the console
    (R-OPS-7): anything else — the public listener, a direct connection — gets nothing."""
    if listener != LISTENER_OPERATOR:
        return Err("E-OP-LISTENER")
    if not facts.usable or not facts.subject or not facts.sha256:
        return Err("E-OP-CERT")
    return None


def _operator_of(db: Session, facts: CertFacts) -> Operator | None:
    """The operator whose current certificate this is (CN and SHA-256 must both match)."""
    row = db.exec(
        select(Operator, OperatorCertificate)
        .join(OperatorCertificate, col(OperatorCertificate.operator_pk) == col(Operator.id))
        .where(
            OperatorCertificate.sha256 == (facts.sha256 or "").lower(),
            OperatorCertificate.status == "current",
        )
    ).first()
    if row is None:
        return None
    operator, _ = row
    return operator if operator.login_id == facts.subject else None


def _state(operator: Operator) -> lockout.LockState:
    return lockout.LockState(
        failure_count=operator.failure_count, locked_until=operator.locked_until,
        lock_count=operator.lock_count, blocked=operator.blocked,
    )


def _store_state(operator: Operator, state: lockout.LockState, now: datetime) -> None:
    operator.failure_count = state.failure_count
    operator.locked_until = state.locked_until
    operator.lock_count = state.lock_count
    operator.blocked = state.blocked
    operator.updated_at = now


def _lock_operator(db: Session, operator_pk: int) -> Operator:
    """The operator row under ``SELECT … FOR UPDATE`` (SQLite: the session's BEGIN IMMEDIATE),
    re-read from the database, not from the session's identity map."""
    return db.exec(
        select(Operator)
        .where(Operator.id == operator_pk)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _count_failure(
    db: Session, operator: Operator, *, now: datetime, ip: str | None
) -> Err:
    """One wrong password on the locked operator row (R-LOCK-1, R-LOCK-2 as for users), with
    its entry in the same transaction; commits."""
    new_state, outcome = lockout.after_failure(_state(operator), now)
    _store_state(operator, new_state, now)
    db.add(operator)
    oplog.append(
        db, chain=oplog.SYSTEM_CHAIN, at=now, actor_kind=ActorKind.OPERATOR,
        actor=oplog.operator_actor(operator.login_id), action=ACTION_SIGNIN,
        result=LogResult.FAILURE, ip=ip, screen=SCREEN, target=operator.login_id,
        detail={"code": "MSG-PW-WRONG", "outcome": outcome.value},
    )
    db.commit()  # the counters and the failure entry stand together
    if outcome is lockout.Outcome.BLOCKED:
        return Err("MSG-BLOCKED", "password")
    if outcome is lockout.Outcome.LOCKED:
        assert new_state.locked_until is not None
        return Err("MSG-LOCKED", "password",
                   {"unlock_at": lockout.unlock_at_text(new_state.locked_until)})
    return Err("MSG-PW-WRONG", "password")


def sign_in(
    db: Session,
    *,
    listener: str | None,
    facts: CertFacts,
    password: str,
    clock: Clock,
    ip: str | None,
) -> Ok[tuple[str, OperatorInfo]] | Err:
    """Console sign-in with the operator certificate and password (R-OPS-7, R-PLUS-6, R-SEC-4).

    The certificate names the operator; the password is checked with the customer login's
    lockout rules (6 failures lock for 60 minutes, the 3rd lock blocks; attempts during a lock
    are not counted). Returns a new session token (older sessions of the operator end).
    Commits.

    Counted atomically, the shape of ``services.login.login`` (R-LOCK-5): the counters are
    read and that transaction ends (argon2 never runs under SQLite's write lock); a lock or
    block is refused before the password is looked at; one argon2id verify outside any
    transaction; then the operator row is locked, the gate checked again on what is stored
    now — a lock placed meanwhile by a parallel guess wins and this attempt is not counted —
    and the outcome written with its entry in one commit. So parallel guesses count one by
    one and never past 6."""
    now = clock.now()
    if (err := _listener_err(listener, facts)) is not None:
        return err
    operator = _operator_of(db, facts)
    if operator is None or operator.id is None or operator.status != OperatorStatus.ACTIVE:
        passwords.verify_secret(None, password)  # same work as a wrong password
        system_failure(db, at=now, actor=oplog.operator_actor(facts.subject or "unknown"),
                       action=ACTION_SIGNIN, target=facts.subject, ip=ip, code="E-OP-CERT")
        return Err("E-OP-CERT")
    operator_pk, login_id, stored_hash = operator.id, operator.login_id, operator.password_hash
    state = _state(operator)
    db.rollback()  # release SQLite's write lock before argon2 runs

    def refuse(err: Err) -> Err:
        system_failure(db, at=now, actor=oplog.operator_actor(login_id), action=ACTION_SIGNIN,
                       target=login_id, ip=ip, code=err.code)
        return err

    if (err := lockout.refusal(state, now)) is not None:
        return refuse(err)
    ok = bool(password) and passwords.verify_secret(stored_hash, password)

    operator = _lock_operator(db, operator_pk)
    if operator.status != OperatorStatus.ACTIVE:
        db.rollback()
        return refuse(Err("E-OP-CERT"))  # revoked meanwhile
    state = _state(operator)
    if (err := lockout.refusal(state, now)) is not None:
        db.rollback()
        return refuse(err)  # a parallel guess locked it meanwhile: not counted
    if not ok:
        return _count_failure(db, operator, now=now, ip=ip)
    _store_state(operator, lockout.after_success(state), now)
    db.add(operator)
    end_sessions(db, operator_pk, now=now, reason="duplicate")
    token = secrets.token_urlsafe(32)
    db.add(
        OperatorSession(
            token_hash=_hash_token(token), operator_pk=operator_pk,
            cert_sha256=(facts.sha256 or "").lower(), created_at=now, last_activity_at=now,
            expires_at=now + ABSOLUTE_LIFETIME,
        )
    )
    system_success(db, at=now, actor=oplog.operator_actor(login_id), action=ACTION_SIGNIN,
                   target=login_id, ip=ip)
    db.commit()
    return Ok((token, OperatorInfo(login_id, operator.name)))


def check_session(
    db: Session,
    *,
    listener: str | None,
    facts: CertFacts,
    token: str | None,
    clock: Clock,
    touch: bool = True,
) -> Ok[OperatorInfo] | Err:
    """Every console event (R-OPS-7): the operator listener, a current operator certificate,
    and an open session opened with that very certificate, not idle for 60 minutes, at most
    12 hours old, of an active operator. A failing session ends. Commits when it changes."""
    now = clock.now()
    if (err := _listener_err(listener, facts)) is not None:
        return err
    if not token:
        return Err("E-OP-SESSION")
    sess = _open_session(db, token)
    if sess is None:
        return Err("E-OP-SESSION")
    operator = db.get(Operator, sess.operator_pk)
    reason: str | None = None
    if operator is None or operator.status != OperatorStatus.ACTIVE:
        reason = "revoked"
    elif sess.cert_sha256 != (facts.sha256 or "").lower() or operator.login_id != facts.subject:
        reason = "certificate"
    elif now >= sess.expires_at:
        reason = "expired"
    elif now - sess.last_activity_at >= IDLE_LIMIT:
        reason = "idle"
    if reason is not None or operator is None:
        sess.ended_at = now
        sess.end_reason = reason
        db.add(sess)
        db.commit()
        return Err("E-OP-SESSION")
    if touch:
        sess.last_activity_at = now
        db.add(sess)
        db.commit()
    return Ok(OperatorInfo(operator.login_id, operator.name))


def sign_out(db: Session, *, token: str, clock: Clock, ip: str | None) -> None:
    """End a console session and log it; an unknown token changes nothing. Commits."""
    now = clock.now()
    sess = _open_session(db, token)
    if sess is None:
        return
    operator = db.get(Operator, sess.operator_pk)
    sess.ended_at = now
    sess.end_reason = "logout"
    db.add(sess)
    if operator is not None:
        system_success(db, at=now, actor=oplog.operator_actor(operator.login_id),
                       action=ACTION_SIGNOUT, target=operator.login_id, ip=ip)
    db.commit()
