"""ログイン, パスワード変更（初回） and 入金グループ選択 (SPEC R-LOGIN-1..5, R-CERT-12,
R-LOCK-1, R-LOCK-2, R-LOCK-5, R-SEC-1, R-PLUS-4).

The login page knows the user from the certificate (no ID is typed), so it answers
specifically: MSG-PW-WRONG, MSG-LOCKED with the unlock time, MSG-BLOCKED (R-LOCK-5).

Shape of ``login`` (and of the current-password check of ``change_initial_password``):
1. resolve the certificate and snapshot the counters, then end that transaction (on SQLite it
   holds the database write lock; argon2 must not run under it);
2. a lock or block is refused here, before the password is looked at, and is not counted;
3. one argon2id verify, outside any transaction;
4. a new transaction locks the user row (``SELECT … FOR UPDATE``; SQLite's ``BEGIN
   IMMEDIATE``), re-reads the counters and re-checks the gate — a lock placed meanwhile by a
   parallel guess wins and that attempt is not counted — then writes the outcome with its
   operation-log entries, lock/block mail (outbox, same transaction) and session changes, and
   commits once (``services.user_lock``). So parallel wrong guesses count one by one and never
   past 6.

Counted failures are logged in the transaction that counts them (the count and its entry
stand or fall together); refusals that change nothing (lock, block, certificate, format) are
logged by ``oplog.log_failure`` after a rollback. A password with a format error (not empty)
cannot be right: it is refused field by field (``Invalid``) and not counted; an empty one is
a counted failure (R-LOCK-5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session, col, select

from chingin_app.domain import lockout
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import check_password, check_reentry, check_required
from chingin_app.models import (
    ActorKind,
    Contract,
    ContractStatus,
    LogResult,
    OperationLog,
    PaymentGroup,
    User,
)
from chingin_app.services import oplog, passwords, sessions, user_lock
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.certs.certificates import lookup, normalise_serial, normalise_sha256
from chingin_app.services.collation import code_point
from chingin_app.services.user_lock import ACTION_BLOCK, ACTION_LOCK, ACTION_LOGIN_FAILURE

__all__ = [
    "ACTION_BLOCK",
    "ACTION_GROUP_SELECT",
    "ACTION_LOCK",
    "ACTION_LOGIN_FAILURE",
    "ACTION_LOGIN_SUCCESS",
    "ACTION_PASSWORD_CHANGE",
    "LoginOk",
    "LoginTarget",
    "SignIn",
    "Verifier",
    "change_initial_password",
    "identify",
    "login",
    "select_group",
]

ACTION_LOGIN_SUCCESS: Final = "login.success"
ACTION_PASSWORD_CHANGE: Final = "password.change_initial"  # noqa: S105 (an action name)
ACTION_GROUP_SELECT: Final = "group.select"

_SCREEN_LOGIN: Final = "ログイン"
_SCREEN_CHANGE: Final = "パスワード変更（初回）"
_SCREEN_GROUP: Final = "入金グループ選択"
_SIGNIN_COUNT: Final = 3

Verifier = lockout.Verifier


@dataclass(frozen=True)
class LoginTarget:
    """Who the presented certificate says is logging in (R-LOGIN-1)."""

    user_id: str
    user_name: str


@dataclass(frozen=True)
class SignIn:
    """One earlier sign-in attempt from the operation log (R-PLUS-4); ``result`` is the
    entry's result: 'success', 'failure' (wrong password) or 'refused' (lock, certificate…)."""

    at: datetime
    ip: str | None
    result: str


@dataclass(frozen=True)
class LoginOk:
    """A login that succeeded; ``session_token`` goes into backend-only state."""

    session_token: str
    user_id: str
    must_change_password: bool
    groups: tuple[tuple[str, str], ...]
    contract_kind: str
    last_signins: tuple[SignIn, ...]


@dataclass(frozen=True)
class _Who:
    user_pk: int
    user_id: str
    user_name: str
    contract_id: int
    contract_no: str
    contract_kind: str
    serial: str


@dataclass(frozen=True)
class _Refusal:
    err: Err
    contract_no: str | None = None
    user_id: str | None = None


#: Gate statuses that come from a completed TLS handshake with a certificate of our own
#: issuing CA (nginx checked the chain and the holder's key): its contract is known.
_OWN_CA_STATUSES: Final = frozenset({"current", "expired", "revoked", "superseded"})


def _ended_contract(db: Session, facts: CertFacts) -> _Refusal | None:
    """MSG-CONTRACT-ENDED when the presented certificate is one we issued (SHA-256 and serial
    match our record, whatever its status) and its contract is suspended or terminated
    (R-OPS-6). Checked before the certificate's own status: terminating revokes every
    certificate, and the user must read that the contract ended, not that their certificate
    was revoked. Never for a certificate we do not know, so nothing is told about arbitrary
    input (R-LOCK-5)."""
    if facts.status not in _OWN_CA_STATUSES or facts.sha256 is None or facts.serial is None:
        return None
    try:
        stored = lookup(db, normalise_sha256(facts.sha256))
        serial = normalise_serial(facts.serial)
    except ValueError:
        return None
    if stored is None or stored.serial_hex != serial:
        return None
    status = db.exec(
        select(Contract.status).where(Contract.contract_no == stored.contract_no)
    ).first()
    if status is None or status == ContractStatus.ACTIVE.value:
        return None
    return _Refusal(
        Err("MSG-CONTRACT-ENDED"), contract_no=stored.contract_no, user_id=stored.user_id
    )


def _resolve(db: Session, facts: CertFacts, now: datetime) -> _Who | _Refusal:
    """The user behind a certificate the gate called current, checked against our records
    (R-LOGIN-1, R-CERT-10, R-CERT-12, R-OPS-6). A certificate of ours whose contract is
    suspended or terminated answers MSG-CONTRACT-ENDED before any certificate message."""
    if (ended := _ended_contract(db, facts)) is not None:
        return ended
    if (err := sessions.cert_refusal(facts)) is not None:
        return _Refusal(err)
    foreign = _Refusal(Err("MSG-CERT-FOREIGN"))
    if facts.sha256 is None or facts.serial is None:
        return foreign
    try:
        stored = lookup(db, normalise_sha256(facts.sha256))
        serial = normalise_serial(facts.serial)
    except ValueError:
        return foreign
    if stored is None or stored.serial_hex != serial:
        return foreign
    known = {"contract_no": stored.contract_no, "user_id": stored.user_id}
    if stored.status == "superseded":
        return _Refusal(Err("MSG-CERT-SUPERSEDED"), **known)
    if stored.status != "current":
        return _Refusal(Err("MSG-CERT-REVOKED"), **known)
    if stored.not_after <= now:
        return _Refusal(Err("MSG-CERT-EXPIRED"), **known)
    user = db.get(User, stored.user_pk)
    assert user is not None and user.id is not None
    contract = db.get(Contract, user.contract_id)
    assert contract is not None and contract.id is not None
    if user.deleted_at is not None:
        return _Refusal(Err("MSG-CERT-REVOKED"), **known)
    if contract.status != ContractStatus.ACTIVE.value:
        return _Refusal(Err("MSG-CONTRACT-ENDED"), **known)
    return _Who(
        user_pk=user.id,
        user_id=user.user_id,
        user_name=user.user_name,
        contract_id=contract.id,
        contract_no=contract.contract_no,
        contract_kind=contract.kind,
        serial=serial,
    )


def identify(db: Session, *, facts: CertFacts, clock: Clock) -> Ok[LoginTarget] | Err:
    """The user the login page shows, from the presented certificate (R-LOGIN-1, R-CERT-12).

    Errors: MSG-CERT-NONE, MSG-CERT-FOREIGN (another issuer, or unknown to our records),
    MSG-CERT-EXPIRED, MSG-CERT-REVOKED (also a deleted user), MSG-CERT-SUPERSEDED, MSG-SYS
    (CRL fault, logged as an error), MSG-CONTRACT-ENDED (R-OPS-6: a certificate of ours
    whose contract is suspended or terminated, whatever the certificate's status). Reads only
    (a read-only session is fine) and logs nothing: the page is shown often; ``login`` logs
    attempts.
    """
    who = _resolve(db, facts, clock.now())
    if isinstance(who, _Refusal):
        return who.err
    return Ok(LoginTarget(user_id=who.user_id, user_name=who.user_name))


def _log_refusal(
    db: Session,
    *,
    action: str,
    now: datetime,
    ip: str | None,
    screen: str,
    contract_no: str | None,
    user_id: str | None,
    code: str,
    facts: CertFacts | None = None,
) -> None:
    detail: dict[str, Any] = {"code": code}
    target = user_id
    if user_id is None and facts is not None:
        detail["cert_status"] = facts.status
        target = (facts.subject or "")[:40] or None
    oplog.log_failure(
        db,
        chain=oplog.chain_for(contract_no),
        at=now,
        actor_kind=ActorKind.USER if user_id else ActorKind.SYSTEM,
        actor=user_id or "anonymous",
        action=action,
        result=LogResult.REFUSED,
        contract_no=contract_no,
        ip=ip,
        screen=screen,
        target=target,
        detail=detail,
    )


def _last_signins(db: Session, contract_no: str, user_id: str) -> tuple[SignIn, ...]:
    rows = db.exec(
        select(OperationLog.at, OperationLog.ip, OperationLog.result)
        .where(
            OperationLog.contract_no == contract_no,
            OperationLog.target == user_id,
            col(OperationLog.action).in_([ACTION_LOGIN_SUCCESS, ACTION_LOGIN_FAILURE]),
        )
        .order_by(col(OperationLog.at).desc(), col(OperationLog.id).desc())
        .limit(_SIGNIN_COUNT)
    ).all()
    return tuple(SignIn(at=at, ip=ip, result=result) for at, ip, result in rows)


def login(
    db: Session,
    *,
    facts: CertFacts,
    password: str,
    clock: Clock,
    ip: str | None,
    verify: Verifier = passwords.verify_secret,
) -> Ok[LoginOk] | Err | Invalid:
    """ログイン (R-LOGIN-2, R-LOCK-1/2/5, R-SEC-1, R-SESS-4, R-PLUS-4).

    Errors: every ``identify`` error; MSG-BLOCKED; MSG-LOCKED {unlock_at} (during a lock:
    refused before the password is checked, not counted); MSG-PW-WRONG (an empty password
    too); the 6th consecutive wrong password answers MSG-LOCKED (locked 60 minutes, mail
    ``login_locked``, open sessions ended) and the one making the 3rd lock MSG-BLOCKED (mail
    ``login_blocked``). ``Invalid`` (field ``password``) for a non-empty password that breaks
    §3's format: it cannot be right and is not counted.

    Success resets the consecutive count and the lock count, ends the user's older session
    (reason 'duplicate') and opens one bound to the certificate serial (12 h absolute); with
    exactly one payment group it is selected already (R-LOGIN-4). ``last_signins`` are the
    three attempts before this one. Logged: login.success / login.failure (with IP),
    login.lock, login.block. ``verify`` is for tests that count argon2 work.
    """
    now = clock.now()
    who = _resolve(db, facts, now)
    if isinstance(who, _Refusal):
        _log_refusal(
            db, action=ACTION_LOGIN_FAILURE, now=now, ip=ip, screen=_SCREEN_LOGIN,
            contract_no=who.contract_no, user_id=who.user_id, code=who.err.code, facts=facts,
        )
        return who.err
    user = db.get(User, who.user_pk)
    assert user is not None
    state = sessions.lock_state(user)
    stored_hash = user.password_hash
    db.rollback()  # release SQLite's write lock before argon2 runs

    def refuse(err: Err) -> Err:
        _log_refusal(
            db, action=ACTION_LOGIN_FAILURE, now=now, ip=ip, screen=_SCREEN_LOGIN,
            contract_no=who.contract_no, user_id=who.user_id, code=err.code,
        )
        return err

    if (err := lockout.refusal(state, now)) is not None:
        return refuse(err)
    if password != "" and (fmt := check_password(password, field="password")) is not None:
        refuse(fmt)
        return Invalid((fmt,))

    ok = verify(stored_hash, password)
    new_hash = (
        passwords.hash_secret(password) if ok and passwords.needs_rehash(stored_hash) else None
    )

    user = user_lock.lock_user_row(db, who.user_pk)
    state = sessions.lock_state(user)
    if (err := lockout.refusal(state, now)) is not None:
        db.rollback()
        return refuse(err)  # a parallel guess locked it meanwhile: not counted
    if not ok:
        return user_lock.count_failure(
            db, user, contract_no=who.contract_no, now=now, clock=clock, ip=ip,
            screen=_SCREEN_LOGIN, wrong=Err("MSG-PW-WRONG", "password"),
        )

    user_lock.store(user, lockout.after_success(state))
    if new_hash is not None:
        user.password_hash = new_hash
    db.add(user)
    db.flush()
    groups = db.exec(
        select(PaymentGroup)
        .where(PaymentGroup.contract_id == who.contract_id)
        .order_by(code_point(col(PaymentGroup.number)))
    ).all()
    last = _last_signins(db, who.contract_no, who.user_id)
    token = sessions.open_session(
        db,
        user_pk=who.user_pk,
        contract_id=who.contract_id,
        cert_serial=who.serial,
        payment_group_id=groups[0].id if len(groups) == 1 else None,
        now=now,
    )
    oplog.user_success(
        db,
        contract_no=who.contract_no,
        at=now,
        actor=who.user_id,
        action=ACTION_LOGIN_SUCCESS,
        ip=ip,
        target=who.user_id,
        screen=_SCREEN_LOGIN,
        detail={"cert_serial": who.serial},
    )
    result = LoginOk(
        session_token=token,
        user_id=who.user_id,
        must_change_password=user.password_is_temporary,
        groups=tuple((g.number, g.name) for g in groups),
        contract_kind=who.contract_kind,
        last_signins=last,
    )
    db.commit()
    return Ok(result)


def change_initial_password(
    db: Session,
    *,
    session_token: str,
    facts: CertFacts,
    current: str,
    new: str,
    new_again: str,
    clock: Clock,
    ip: str | None,
    verify: Verifier = passwords.verify_secret,
) -> Ok[None] | Invalid | Err:
    """パスワード変更（初回）: 現在のパスワード, 新しいパスワード, 新しいパスワード再入力 → 変更
    (R-LOGIN-3; also accepted when the password is not temporary).

    ``Invalid`` with every field error (fields ``current_password``, ``new_password``,
    ``new_password_again``): required, §3 format, new ≠ current, new ≠ user ID, re-entry
    matches. Errors: every ``sessions.check`` error; a wrong current password counts toward
    the login lock like a wrong login (R-LOCK-1): MSG-PW-WRONG at ``current_password``, or
    MSG-LOCKED / MSG-BLOCKED when it locks or blocks (the session then ends). Success stores
    the new hash, clears "temporary" and the consecutive count, keeps the session; logged
    as password.change_initial.
    """
    checked = sessions.check(db, token=session_token, facts=facts, clock=clock, touch=True)
    if isinstance(checked, Err):
        return checked
    info = checked.value
    now = clock.now()
    errors: list[Err] = []
    if (err := check_required(current, field="current_password", label="現在のパスワード")):
        errors.append(err)
    if (
        err := check_password(
            new,
            field="new_password",
            label="新しいパスワード",
            user_id=info.user_id,
            current=current or None,
        )
    ) is not None:
        errors.append(err)
    if (
        err := check_reentry(
            new,
            new_again,
            field="new_password_again",
            label="新しいパスワード再入力",
            other_label="新しいパスワード",
        )
    ) is not None:
        errors.append(err)
    if errors:
        oplog.log_failure(
            db, chain=oplog.chain_for(info.contract_no), at=now, actor_kind=ActorKind.USER,
            actor=info.user_id, action=ACTION_PASSWORD_CHANGE, result=LogResult.FAILURE,
            contract_no=info.contract_no, ip=ip, screen=_SCREEN_CHANGE, target=info.user_id,
            detail={"codes": [e.code for e in errors]},
        )
        return Invalid(tuple(errors))

    sess = sessions.find_open(db, session_token)
    if sess is None:
        db.rollback()
        return Err("MSG-TIMEOUT")
    user_pk = sess.user_pk
    user = db.get(User, user_pk)
    assert user is not None
    stored_hash = user.password_hash
    db.rollback()

    ok = verify(stored_hash, current)
    new_hash = passwords.hash_secret(new) if ok else None

    user = user_lock.lock_user_row(db, user_pk)
    if (err := lockout.refusal(sessions.lock_state(user), now)) is not None:
        db.rollback()
        return err
    if new_hash is None:
        return user_lock.count_failure(
            db, user, contract_no=info.contract_no, now=now, clock=clock, ip=ip,
            screen=_SCREEN_CHANGE, wrong=Err("MSG-PW-WRONG", "current_password"),
        )
    was_temporary = user.password_is_temporary
    user.password_hash = new_hash
    user.password_is_temporary = False
    user.failure_count = 0
    user.updated_at = now
    db.add(user)
    db.flush()
    oplog.user_success(
        db,
        contract_no=info.contract_no,
        at=now,
        actor=info.user_id,
        action=ACTION_PASSWORD_CHANGE,
        ip=ip,
        target=info.user_id,
        screen=_SCREEN_CHANGE,
        detail={"was_temporary": was_temporary},
    )
    db.commit()
    return Ok(None)


def select_group(
    db: Session, *, session_token: str, facts: CertFacts, group_no: str, clock: Clock,
    ip: str | None = None,
) -> Ok[None] | Err:
    """入金グループ選択: choose the payment group shown top-right (R-LOGIN-4).

    Errors: every ``sessions.check`` error; MSG-PW-CHANGE-REQUIRED while the password is
    temporary (R-LOGIN-3: nothing else first); MSG-GROUP-UNKNOWN for a number that is not one
    of the contract's groups. Logged as group.select with the client's ``ip`` (R-LOG-1: the IP
    on every entry).
    """
    checked = sessions.check(db, token=session_token, facts=facts, clock=clock, touch=True)
    if isinstance(checked, Err):
        return checked
    info = checked.value
    if info.must_change_password:
        return Err("MSG-PW-CHANGE-REQUIRED")
    now = clock.now()
    sess = sessions.find_open(db, session_token)
    if sess is None:
        db.rollback()
        return Err("MSG-TIMEOUT")
    group = db.exec(
        select(PaymentGroup).where(
            PaymentGroup.contract_id == sess.contract_id, PaymentGroup.number == group_no
        )
    ).first()
    if group is None:
        db.rollback()
        return Err("MSG-GROUP-UNKNOWN")
    sess.payment_group_id = group.id
    db.add(sess)
    db.flush()
    oplog.append(
        db,
        chain=oplog.chain_for(info.contract_no),
        at=now,
        actor_kind=ActorKind.USER,
        actor=info.user_id,
        action=ACTION_GROUP_SELECT,
        result=LogResult.SUCCESS,
        contract_no=info.contract_no,
        ip=ip,
        screen=_SCREEN_GROUP,
        target=group.number,
    )
    db.commit()
    return Ok(None)
