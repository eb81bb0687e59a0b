"""Server-side login sessions (SPEC R-SESS-1..5, R-SEC-1, R-CERT-12).

A session is a row of ``sessions`` keyed by the SHA-256 of a random token that only the
browser's server-side state holds. It is bound to the certificate serial it was opened with,
lives at most 12 hours (``expires_at``) and ends after 60 minutes without a touch
(``last_activity_at``). ``check`` runs at every event: it re-checks the session, the
certificate presented now and our own record of the session's certificate (an open websocket
outlives a revocation), the user's lock, block and deletion, and the contract's status; any
failure ends the session server-side with a reason and answers the matching message.

End reasons (``sessions.end_reason``) and what a later ``check`` of that token answers:
logout → MSG-LOGOUT, duplicate → MSG-DUP-LOGIN, idle / expired → MSG-TIMEOUT, revoked /
deleted / init_master → MSG-CERT-REVOKED, superseded → MSG-CERT-SUPERSEDED, locked →
MSG-LOCKED while the lock lasts, blocked → MSG-BLOCKED, contract → MSG-CONTRACT-ENDED,
anything else (certificate — the event that ended it answered the certificate's own message —,
temporary_password of R-USER-5a, …) → MSG-SESSION-ENDED.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import CursorResult, bindparam, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from chingin_app.domain import lockout
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Ok
from chingin_app.logs import bind_user
from chingin_app.models import (
    ActorKind,
    Certificate,
    CertificateStatus,
    Contract,
    ContractStatus,
    LoginSession,
    LogResult,
    MenuPermission,
    PaymentGroup,
    User,
)
from chingin_app.services import oplog
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.certs.certificates import normalise_serial
from chingin_app.services.permissions import UserRights, rights_of
from chingin_app.services.tenant import Scope

__all__ = [
    "ABSOLUTE_LIFETIME",
    "ACTION_LOGOUT",
    "ACTION_SESSION_END",
    "IDLE_LIMIT",
    "SessionInfo",
    "cert_refusal",
    "check",
    "end_user_sessions",
    "end_user_sessions_at",
    "find_open",
    "hash_token",
    "lock_state",
    "logout",
    "open_session",
]

log = logging.getLogger(__name__)

#: R-SESS-1: 60 minutes without a click, navigation or submit ends the session.
IDLE_LIMIT: Final = timedelta(minutes=60)
#: R-SEC-1: absolute lifetime of a session.
ABSOLUTE_LIFETIME: Final = timedelta(hours=12)

ACTION_LOGOUT: Final = "logout"
ACTION_SESSION_END: Final = "session.end"

# What the certificate gate's verdict answers on the login page and at every event (R-CERT-12).
_CERT_CODES: Final[dict[str, str]] = {
    "none": "MSG-CERT-NONE",
    "foreign": "MSG-CERT-FOREIGN",
    "expired": "MSG-CERT-EXPIRED",
    "revoked": "MSG-CERT-REVOKED",
    "superseded": "MSG-CERT-SUPERSEDED",
}

_REASON_CODES: Final[dict[str, str]] = {
    "logout": "MSG-LOGOUT",
    "duplicate": "MSG-DUP-LOGIN",
    "idle": "MSG-TIMEOUT",
    "expired": "MSG-TIMEOUT",
    "revoked": "MSG-CERT-REVOKED",
    "deleted": "MSG-CERT-REVOKED",
    "init_master": "MSG-CERT-REVOKED",
    "superseded": "MSG-CERT-SUPERSEDED",
    "blocked": "MSG-BLOCKED",
    "contract": "MSG-CONTRACT-ENDED",
}


@dataclass(frozen=True)
class SessionInfo:
    """What a screen needs about the signed-in user, re-read at every event (R-SEC-1)."""

    user_id: str
    user_name: str
    role: str
    contract_no: str
    contract_name: str
    contract_kind: str
    group_no: str | None
    group_name: str | None
    groups: tuple[tuple[str, str], ...]
    must_change_password: bool
    expires_at: datetime
    idle_deadline: datetime
    # This event's reading of the user's menu rights and of the tenant's ids, made with the
    # session in the same transaction: the menu check and the services' tenant scope answer
    # from it instead of reading the same rows again (None: read them when asked).
    rights: UserRights | None = None
    scope: Scope | None = None


def hash_token(token: str) -> str:
    """What is stored for a session token: its SHA-256 as hex (R-SEC-1)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def cert_refusal(facts: CertFacts) -> Err | None:
    """The message for a certificate the gate did not find current, or None when it did
    (R-CERT-12). ``crl_fault`` is a service fault: logged as an error, MSG-SYS with an
    incident number."""
    if facts.status == "current":
        return None
    if facts.status == "crl_fault":
        incident = secrets.token_hex(4).upper()
        log.error("incident %s: the TLS front reports an expired CRL", incident)
        return Err("MSG-SYS", None, {"incident": incident})
    return Err(_CERT_CODES.get(facts.status, "MSG-CERT-NONE"))


def lock_state(user: User) -> lockout.LockState:
    """A user's login counters as the lockout rules see them."""
    return lockout.LockState(
        failure_count=user.failure_count,
        locked_until=user.locked_until,
        lock_count=user.lock_count,
        blocked=user.blocked,
    )


def _same_serial(facts: CertFacts, serial: str) -> bool:
    if facts.serial is None:
        return False
    try:
        return normalise_serial(facts.serial) == serial
    except ValueError:
        return False


def _stored_cert_refusal(cert: Certificate | None, now: datetime) -> Err | None:
    """Our own record of the session's certificate (R-CERT-7: the app refuses the serial)."""
    if cert is None:
        return Err("MSG-CERT-FOREIGN")
    if cert.status == CertificateStatus.SUPERSEDED.value:
        return Err("MSG-CERT-SUPERSEDED")
    if cert.status != CertificateStatus.CURRENT.value:
        return Err("MSG-CERT-REVOKED")
    if cert.not_after <= now:
        return Err("MSG-CERT-EXPIRED")
    return None


def _why_end(
    sess: LoginSession,
    user: User,
    contract: Contract,
    cert: Certificate | None,
    facts: CertFacts,
    now: datetime,
) -> tuple[str, Err] | None:
    if now >= sess.expires_at:
        return "expired", Err("MSG-TIMEOUT")
    if now - sess.last_activity_at >= IDLE_LIMIT:
        return "idle", Err("MSG-TIMEOUT")
    if (err := cert_refusal(facts)) is not None:
        return "certificate", err
    if not _same_serial(facts, sess.cert_serial):
        return "certificate", Err("MSG-CERT-FOREIGN")
    if (err := _stored_cert_refusal(cert, now)) is not None:
        reason = "superseded" if err.code == "MSG-CERT-SUPERSEDED" else "certificate"
        return reason, err
    if user.deleted_at is not None:
        return "deleted", Err("MSG-CERT-REVOKED")
    if (err := lockout.refusal(lock_state(user), now)) is not None:
        return ("blocked" if err.code == "MSG-BLOCKED" else "locked"), err
    if contract.status != ContractStatus.ACTIVE.value:
        return "contract", Err("MSG-CONTRACT-ENDED")
    return None


def _ended_err(sess: LoginSession, user: User, now: datetime) -> Err:
    reason = sess.end_reason or ""
    if reason == "locked":
        # Still locked: say until when; lifted (or blocked since): the session just ended.
        err = lockout.refusal(lock_state(user), now)
        return err if err is not None and err.code == "MSG-LOCKED" else Err("MSG-SESSION-ENDED")
    return Err(_REASON_CODES.get(reason, "MSG-SESSION-ENDED"))


_SESSIONS: Final = LoginSession.__table__  # type: ignore[attr-defined]

# Separate the rows (and a group's number from its name) in the check's aggregates: control
# characters, never in a menu key, a level, a group number (three digits) or name (full-width
# text, SPEC §1).
_SEP: Final = "\x1e"
_UNIT: Final = "\x1f"
_OTHER_GROUP = aliased(PaymentGroup)  # the contract's groups, apart from the selected one

# One query for what every event checks: the session, its user and contract, our record of
# its certificate and its selected payment group, with the user's stored menu levels and the
# contract's payment groups aggregated into one string each (one round trip, not three).
# Built once (a statement is immutable).
_CHECKED: Final = (
    sa_select(
        LoginSession, User, Contract, Certificate, PaymentGroup,
        sa_select(func.aggregate_strings(
            col(MenuPermission.menu_key) + ":" + col(MenuPermission.level), _SEP))
        .where(col(MenuPermission.user_pk) == col(LoginSession.user_pk))
        .scalar_subquery(),
        sa_select(func.aggregate_strings(
            col(_OTHER_GROUP.number) + _UNIT + col(_OTHER_GROUP.name), _SEP))
        .where(col(_OTHER_GROUP.contract_id) == col(LoginSession.contract_id))
        .scalar_subquery(),
    )
    .join(User, col(User.id) == col(LoginSession.user_pk))
    .join(Contract, col(Contract.id) == col(LoginSession.contract_id))
    .outerjoin(Certificate, col(Certificate.serial_hex) == col(LoginSession.cert_serial))
    .outerjoin(PaymentGroup, col(PaymentGroup.id) == col(LoginSession.payment_group_id))
    .where(col(LoginSession.token_hash) == bindparam("token_hash"))
)


def _split(aggregated: str | None) -> list[str]:
    return [item for item in (aggregated or "").split(_SEP) if item]


def _groups(aggregated: str | None) -> tuple[tuple[str, str], ...]:
    """The contract's groups (number, name) in number order: Python orders strings by code
    point, as the lists do (``collation.code_point``)."""
    pairs = (item.split(_UNIT, 1) for item in _split(aggregated))
    return tuple(sorted((number, name) for number, name in pairs))


def check(
    db: Session, *, token: str | None, facts: CertFacts, clock: Clock, touch: bool
) -> Ok[SessionInfo] | Err:
    """Re-check the session behind ``token`` for one event (R-SESS-1..5, R-SEC-1).

    Refusals: no token (a screen opened without ever signing in, e.g. a bookmark) →
    MSG-LOGIN-FIRST; an unknown token → MSG-TIMEOUT; an ended session → the message of its
    end reason (module docstring); past 12 h or idle for 60 minutes or more → ended, MSG-TIMEOUT;
    the certificate presented now not current, or not the session's serial, or ours no longer
    current → ended, MSG-CERT-* (MSG-SYS on a CRL fault); the user deleted → MSG-CERT-REVOKED,
    blocked → MSG-BLOCKED, locked → MSG-LOCKED; the contract suspended or terminated →
    MSG-CONTRACT-ENDED. ``touch=True`` (click, navigation, submit) restarts the idle time;
    ``touch=False`` (heartbeat) never does (R-SESS-5). Commits its own transaction.
    """
    now = clock.now()
    if not token:
        return Err("MSG-LOGIN-FIRST")
    row = db.execute(_CHECKED, {"token_hash": hash_token(token)}).first()
    if row is None:
        db.rollback()
        return Err("MSG-TIMEOUT")
    sess, user, contract, cert, group, levels, group_list = row
    if sess.ended_at is not None:
        err = _ended_err(sess, user, now)
        db.rollback()
        return err
    if (why := _why_end(sess, user, contract, cert, facts, now)) is not None:
        reason, err = why
        sess.ended_at = now
        sess.end_reason = reason
        db.add(sess)
        db.flush()
        oplog.append(
            db,
            chain=oplog.chain_for(contract.contract_no),
            at=now,
            actor_kind=ActorKind.SYSTEM,
            actor="system",
            action=ACTION_SESSION_END,
            result=LogResult.SUCCESS,
            contract_no=contract.contract_no,
            target=user.user_id,
            detail={"reason": reason, "code": err.code},
        )
        db.commit()
        return err
    if touch:  # a Core UPDATE of the table: the ORM's flush or bulk path costs more than it
        db.execute(update(_SESSIONS).where(_SESSIONS.c.id == sess.id)
                   .values(last_activity_at=now))
    assert contract.id is not None
    groups = _groups(group_list)
    rights = rights_of(db, user, contract,
                       stored=dict(item.split(":", 1) for item in _split(levels)))
    info = SessionInfo(
        user_id=user.user_id,
        user_name=user.user_name,
        role=user.role,
        contract_no=contract.contract_no,
        contract_name=contract.name,
        contract_kind=contract.kind,
        group_no=group.number if group is not None else None,
        group_name=group.name if group is not None else None,
        groups=groups,
        must_change_password=user.password_is_temporary,
        expires_at=sess.expires_at,
        idle_deadline=(now if touch else sess.last_activity_at) + IDLE_LIMIT,
        rights=rights,
        scope=Scope(
            contract_id=contract.id,
            contract_no=contract.contract_no,
            payment_group_id=group.id if group is not None else None,
            group_no=group.number if group is not None else None,
            services=contract.service_list(),
        ),
    )
    db.commit()
    bind_user(user.user_id)  # the rest of this request's log records name the user (R-DEP-8)
    return Ok(info)


def open_session(
    db: Session,
    *,
    user_pk: int,
    contract_id: int,
    cert_serial: str,
    payment_group_id: int | None,
    now: datetime,
) -> str:
    """Start a session for a login that just succeeded and return its token (R-SEC-1,
    R-SESS-4): the user's older open sessions end with reason 'duplicate' first (a partial
    unique index allows one open session per user). In the caller's transaction."""
    end_user_sessions_at(db, user_pk=user_pk, reason="duplicate", now=now)
    token = secrets.token_urlsafe(32)
    db.add(
        LoginSession(
            token_hash=hash_token(token),
            user_pk=user_pk,
            contract_id=contract_id,
            payment_group_id=payment_group_id,
            cert_serial=normalise_serial(cert_serial),
            created_at=now,
            last_activity_at=now,
            expires_at=now + ABSOLUTE_LIFETIME,
        )
    )
    db.flush()
    return token


def find_open(db: Session, token: str) -> LoginSession | None:
    """The open session behind ``token``, or None."""
    return db.exec(
        select(LoginSession).where(
            LoginSession.token_hash == hash_token(token), col(LoginSession.ended_at).is_(None)
        )
    ).first()


def logout(db: Session, *, token: str, clock: Clock, ip: str | None) -> None:
    """ログアウト (R-SESS-2): end the session server-side and log it; a later ``check`` of the
    token answers MSG-LOGOUT (R-SESS-4). An unknown or already ended token changes nothing.
    Commits."""
    now = clock.now()
    sess = find_open(db, token) if token else None
    if sess is None:
        db.rollback()
        return
    user = db.get(User, sess.user_pk)
    contract = db.get(Contract, sess.contract_id)
    assert user is not None and contract is not None
    sess.ended_at = now
    sess.end_reason = "logout"
    db.add(sess)
    db.flush()
    oplog.user_success(
        db,
        contract_no=contract.contract_no,
        at=now,
        actor=user.user_id,
        action=ACTION_LOGOUT,
        ip=ip,
        target=user.user_id,
    )
    db.commit()


def end_user_sessions_at(db: Session, *, user_pk: int, reason: str, now: datetime) -> int:
    """``end_user_sessions`` at a given instant (for callers that already read the clock)."""
    if not reason or len(reason) > 32:
        raise ValueError("an end reason is 1–32 characters")
    result = cast(
        "CursorResult[Any]",
        db.execute(
            update(LoginSession)
            .where(col(LoginSession.user_pk) == user_pk, col(LoginSession.ended_at).is_(None))
            .values(ended_at=now, end_reason=reason)
        ),
    )
    return int(result.rowcount)


def end_user_sessions(db: Session, *, user_pk: int, reason: str, clock: Clock) -> int:
    """End every open session of a user with ``reason`` and return how many ended (locks,
    revocation, a new temporary password, init-master; R-SESS-4, R-USER-5a, R-OPS-2a).

    Runs in the caller's transaction and does not commit; the user's next event answers the
    reason's message (module docstring)."""
    return end_user_sessions_at(db, user_pk=user_pk, reason=reason, now=clock.now())
