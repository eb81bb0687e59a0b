"""Certificate issuance: ユーザー認証 → 認証コード → 発行 (SPEC R-CERT-1, R-CERT-1a, R-CERT-1c,
R-CERT-2, R-CERT-4, R-CERT-5, R-CERT-11, R-SEC-2, R-LOCK-4, R-LOCK-5).

The flow, one call per button:

``start_issuance`` (認証 on the ID + password screen of 電子証明書発行 or 一般ユーザーの初期登録)
    checks the password, then opens an attempt: a random 6-digit code (kept as a keyed hash,
    valid 10 minutes), a random 128-bit token for the screens (kept as its SHA-256), the typed
    password sealed with AES-256-GCM (``secretbox``; associated data binds it to the attempt's
    row), and the code mail in the outbox. One live attempt per user: starting again voids the
    previous one.
``resend_code`` (再送信) mails a NEW code (the stored hash cannot give the old one back) for
    the same attempt, no sooner than 60 s after the last; the attempt keeps its expiry, so the
    password is never held longer than 10 minutes after it was typed (R-CERT-11).
``verify_code`` (認証 on the code screen): the 5th wrong code voids the attempt; none of this
    counts toward any lock.
``issue_certificate`` (発行): key pair, certificate and .p12 in memory, the record (which
    supersedes the previous certificate), the attempt consumed and its password deleted in
    the same transaction; the superseded serial is published (CRL + nginx) after commit.

Pages without a certificate give nothing away (R-LOCK-5): an unknown ID, a deleted or blocked
(閉塞) user, a contract not in use, an issuance lock and a wrong password all answer
MSG-AUTH-GENERIC after the same work — one lookup, one argon2id verify (``verify_secret(None,
…)`` against the dummy hash when there is no usable hash), one counting UPDATE (on no row when
there is nothing to count) and one failure entry in the system chain. Lock and block reach the
owner by mail.

R-LOCK-4: a separate issuance counter (``users.issuance_failure_count`` /
``issuance_locked_until``). The 6th consecutive wrong password locks issuance for that ID for
60 minutes, mails the owner and is logged in the contract's chain; while locked, attempts are
refused before the password is checked and are not counted; the first failure after the lock
lifts starts a new series; a correct password resets this counter only. Counting is one
conditional UPDATE, so parallel guesses cannot pass 6. The login counters and 閉塞 are never
touched.

The argon2 verify, RSA key generation and .p12 encryption (the slow parts) run outside any
write transaction: on SQLite a write transaction holds the database's write lock.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Final, Literal

from sqlalchemy import bindparam, case, delete, exists, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

import pki
from chingin_app.db import READ_ONLY_OPTION
from chingin_app.domain import lockout
from chingin_app.domain.clock import JST, Clock, to_jst
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import check_password, check_required, check_user_id
from chingin_app.models import (
    ActorKind,
    AuthCodeChallenge,
    Certificate,
    CertificateStatus,
    Contract,
    ContractStatus,
    LogResult,
    User,
    UserRole,
    UTCDateTime,
)
from chingin_app.services import mail, mail_templates, oplog, passwords, secretbox
from chingin_app.services.certs import ca, certificates, crl
from chingin_app.settings import settings

__all__ = [
    "ACTION_ISSUE",
    "ACTION_LOCK",
    "ACTION_RESEND",
    "ACTION_START",
    "ACTION_VERIFY",
    "CODE_TTL",
    "ISSUANCE_LOCK_AFTER",
    "ISSUANCE_LOCK_FOR",
    "MAX_CODE_MAILS_PER_DAY",
    "MAX_CODE_TRIES",
    "RENEWAL_WINDOW",
    "RESEND_AFTER",
    "SCREENS",
    "Challenge",
    "Entry",
    "IssuedFile",
    "PasswordVerifier",
    "hash_token",
    "issue_certificate",
    "mask_email",
    "may_issue_new",
    "p12_filename",
    "purge_expired_challenges",
    "renewal_opens_at",
    "resend_code",
    "start_issuance",
    "verify_code",
]

log = logging.getLogger(__name__)

Entry = Literal["any", "general_first"]
#: ``passwords.verify_secret``'s shape; injectable so tests can count the argon2 verifies.
PasswordVerifier = Callable[[str | None, str], bool]

CODE_TTL: Final = timedelta(minutes=10)
RESEND_AFTER: Final = timedelta(seconds=60)
MAX_CODE_TRIES: Final = 5
MAX_CODE_MAILS_PER_DAY: Final = 10
ISSUANCE_LOCK_AFTER: Final = 6
ISSUANCE_LOCK_FOR: Final = timedelta(minutes=60)
RENEWAL_WINDOW: Final = timedelta(days=30)
#: Finished attempts (their secrets already gone) are deleted this long after they expired.
KEEP_ATTEMPTS_FOR: Final = timedelta(days=1)

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

_AUTH_GENERIC: Final = "MSG-AUTH-GENERIC"
_RESTART: Final = "E-ISSUANCE-RESTART"
_NO_ROW: Final = -1  # the counting UPDATE's target when nothing may be counted
_UNAUTHENTICATED: Final = "unauthenticated"
_CODE_RE: Final = re.compile(r"[0-9]{6}")
_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{16,64}")

_USERS = User.__table__  # type: ignore[attr-defined]
_CHALLENGES = AuthCodeChallenge.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Challenge:
    """What the 認証コード screen needs (R-CERT-1a). ``token`` identifies the attempt in the
    next calls; keep it server-side (never in a URL)."""

    token: str
    user_id: str
    masked_email: str
    resend_after: datetime
    expires_at: datetime


@dataclass(frozen=True)
class IssuedFile:
    """The .p12 for the one download (R-CERT-1, R-CERT-1b, R-CERT-11): never stored."""

    user_id: str
    filename: str
    p12: bytes
    root_sha1: str
    not_after: datetime


# ---------------------------------------------------------------------------- pure rules


def mask_email(email: str) -> str:
    """The destination as the 認証コード screen shows it (R-CERT-1a):
    ``'tanaka@example.co.jp'`` → ``'ta****@example.co.jp'``. At most the first two characters
    of the local part stay (fewer for short ones), always followed by four ``*`` so the length
    is not shown; the domain is shown whole."""
    local, at, domain = email.rpartition("@")
    if not at:
        local, domain = email, ""
    keep = 2 if len(local) >= 3 else len(local) - 1 if len(local) == 2 else 0
    return f"{local[:keep]}****" + (f"@{domain}" if at else "")


def renewal_opens_at(not_after: datetime) -> datetime:
    """00:00 JST on (last day − 30 days), the last day being ``not_after``'s Japan-time date
    (R-CERT-4): from then a renewal may be issued (R-CERT-5) and the 30-day notice goes
    (R-CERT-6)."""
    last_day = to_jst(not_after).date()
    return datetime.combine(last_day - RENEWAL_WINDOW, time(0, 0), tzinfo=JST)


def may_issue_new(current_not_after: datetime | None, now: datetime) -> bool:
    """Whether a new certificate may be issued to a user whose current certificate ends at
    ``current_not_after`` (None: no current one) (R-CERT-5): when none is valid any more, or
    inside the renewal window."""
    if current_not_after is None or now > current_not_after:
        return True
    return now >= renewal_opens_at(current_not_after)


def p12_filename(user_id: str, issued_at: datetime) -> str:
    """``<userID><YYYYMMDDhhmmss>.p12`` in Japan time (R-CERT-1)."""
    return f"{user_id}{to_jst(issued_at):%Y%m%d%H%M%S}.p12"


def hash_token(token: str) -> str:
    """The stored form of an attempt's token: SHA-256, lower-case hex (a 128-bit random token
    needs no slow hash)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _code_digest(token_hash: str, code: str) -> str:
    return secretbox.keyed_digest(f"{token_hash}:{code}".encode("ascii"), purpose="auth-code")


def _password_aad(challenge_id: int, user_pk: int, token_hash: str) -> bytes:
    return f"auth_code_challenges:{challenge_id}:{user_pk}:{token_hash}".encode("ascii")


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


# ---------------------------------------------------------------------------- log helpers


def _log_user_success(
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


def _refuse_user(
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


def _refuse_anonymous(
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


# ---------------------------------------------------------------------------- start


@dataclass(frozen=True)
class _Candidate:
    pk: int
    password_hash: str
    refusal: str | None  # why the password is not even checked; None: usable


def _begin_read(db: Session) -> None:
    """Start a read-only transaction (no SQLite write lock) unless one is already open."""
    if not db.in_transaction():
        db.connection(execution_options={READ_ONLY_OPTION: True})


def _lookup(db: Session, user_id: str, now: datetime) -> _Candidate | None:
    """The user with exactly this ID, read-only (no write lock held during argon2)."""
    _begin_read(db)
    row = db.execute(
        sa_select(
            _USERS.c.id,
            _USERS.c.password_hash,
            _USERS.c.deleted_at,
            _USERS.c.blocked,
            _USERS.c.issuance_locked_until,
            Contract.__table__.c.status,  # type: ignore[attr-defined]
        )
        .join(Contract.__table__, Contract.__table__.c.id == _USERS.c.contract_id)  # type: ignore[attr-defined]
        .where(_USERS.c.user_id == user_id)
    ).one_or_none()
    db.rollback()
    if row is None:
        return None
    refusal: str | None = None
    if row.deleted_at is not None:
        refusal = "deleted"
    elif row.blocked:
        refusal = "blocked"
    elif row.status != ContractStatus.ACTIVE.value:
        refusal = "contract_not_active"
    elif row.issuance_locked_until is not None and row.issuance_locked_until > now:
        refusal = "issuance_locked"
    return _Candidate(int(row.id), str(row.password_hash), refusal)


def _count_failure(db: Session, pk: int, now: datetime) -> Any:
    """One wrong password, counted atomically (R-LOCK-4, R-LOCK-5). Returns the row after the
    update (id, count, locked_until, email, user_name, user_id, contract_id) or None when nothing
    was counted (no such row, or locked meanwhile by a parallel guess)."""
    not_locked = or_(
        _USERS.c.issuance_locked_until.is_(None), _USERS.c.issuance_locked_until <= now
    )
    # A lock that has lifted starts a new series; a correct password clears the column.
    new_count = case(
        (_USERS.c.issuance_locked_until.is_not(None), 1),
        else_=_USERS.c.issuance_failure_count + 1,
    )
    until = bindparam("lock_until", now + ISSUANCE_LOCK_FOR, type_=UTCDateTime())
    return db.execute(
        update(_USERS)
        .where(_USERS.c.id == pk, not_locked)
        .values(
            issuance_failure_count=new_count,
            issuance_locked_until=case((new_count >= ISSUANCE_LOCK_AFTER, until), else_=None),
            version=_USERS.c.version + 1,
        )
        .returning(
            _USERS.c.id,
            _USERS.c.issuance_failure_count,
            _USERS.c.issuance_locked_until,
            _USERS.c.email,
            _USERS.c.user_name,
            _USERS.c.user_id,
            _USERS.c.contract_id,
        )
    ).one_or_none()


def _lock_notice(
    db: Session, counted: Any, *, now: datetime, clock: Clock, ip: str | None, screen: str
) -> None:
    """The 6th failure: mail the owner and log the lock in the contract's chain (R-LOCK-4)."""
    until = counted.issuance_locked_until
    contract_no = db.execute(
        sa_select(Contract.__table__.c.contract_no).where(  # type: ignore[attr-defined]
            Contract.__table__.c.id == counted.contract_id  # type: ignore[attr-defined]
        )
    ).scalar_one()
    mail.enqueue(
        db,
        to=counted.email,
        message=mail_templates.issuance_locked(user_name=counted.user_name, until=until),
        clock=clock,
        user_pk=counted.id,
    )
    oplog.append(
        db,
        chain=oplog.chain_for(contract_no),
        at=now,
        actor_kind=ActorKind.SYSTEM,
        actor="system",
        action=ACTION_LOCK,
        result=LogResult.SUCCESS,
        contract_no=contract_no,
        ip=ip,
        screen=screen,
        target=counted.user_id,
        detail={"failures": ISSUANCE_LOCK_AFTER, "locked_until": until},
    )


#: R-LOCK-5: the per-IP throttle of 認証 on the issuance pages, in this process (the same
#: figures as 次へ of master registration: 30 attempts per IP in 10 minutes).
ISSUANCE_THROTTLE: Final = lockout.SlidingWindowLimiter(
    limit=lockout.INITIAL_PASSWORD_THROTTLE_LIMIT,
    window=lockout.INITIAL_PASSWORD_THROTTLE_WINDOW,
)


def start_issuance(
    db: Session,
    *,
    user_id: str,
    password: str,
    entry: Entry,
    clock: Clock,
    ip: str | None,
    verify_password: PasswordVerifier = passwords.verify_secret,
) -> Ok[Challenge] | Err | Invalid:
    """ユーザー認証 of 電子証明書発行 (``entry='any'``) or 一般ユーザーの初期登録
    (``'general_first'``) (R-CERT-1, R-CERT-1c, R-SEC-2, R-LOCK-4, R-LOCK-5).

    Returns ``Invalid`` with per-field errors (E-FIELD-REQUIRED, E-FIELD-SPACES,
    E-USER-ID-FORMAT, E-PASSWORD-FORMAT; nothing counted); ``Err`` MSG-AUTH-GENERIC (unknown
    ID, deleted, 閉塞, contract not in use, issuance locked, wrong password); after a correct
    password: MSG-USE-CERT-ISSUE (``general_first`` for a master or a user who has had a
    certificate), MSG-CERT-EXISTS (a valid certificate outside the renewal window, R-CERT-5),
    E-CODE-MAIL-LIMIT (10 code mails today); else ``Ok(Challenge)`` with the code mail queued.
    ``verify_password`` is ``passwords.verify_secret`` (tests inject a counting wrapper).
    """
    if entry not in SCREENS:
        raise ValueError(f"unknown entry {entry!r}")
    screen = SCREENS[entry]
    now = clock.now()
    errors = [
        e
        for e in (
            check_user_id(user_id),
            check_password(password, field="password", label="パスワード"),
        )
        if e is not None
    ]
    if errors:
        _refuse_anonymous(
            db,
            Err("INVALID"),
            action=ACTION_START,
            at=now,
            ip=ip,
            screen=screen,
            target=None,
            detail={"fields": sorted(f"{e.field}:{e.code}" for e in errors)},
        )
        return Invalid(tuple(errors))

    if not ISSUANCE_THROTTLE.hit(ip or "unknown", now):
        # R-LOCK-5: pages without a certificate are throttled per IP; same generic answer.
        return _refuse_anonymous(
            db, Err(_AUTH_GENERIC), action=ACTION_START, at=now, ip=ip, screen=screen,
            target=user_id, detail={"reason": "throttled"},
        )

    candidate = _lookup(db, user_id, now)
    usable = candidate is not None and candidate.refusal is None
    # Exactly one argon2id verify whatever the case (R-LOCK-5): the dummy hash unless usable.
    stored = candidate.password_hash if usable and candidate is not None else None
    password_ok = verify_password(stored, password) and usable

    if not password_ok:
        reason = (
            "unknown_id" if candidate is None else candidate.refusal or "wrong_password"
        )
        counted = _count_failure(db, candidate.pk if usable and candidate else _NO_ROW, now)
        if counted is not None and counted.issuance_locked_until is not None:
            _lock_notice(db, counted, now=now, clock=clock, ip=ip, screen=screen)
            reason = "wrong_password_locked"
        db.commit()
        return _refuse_anonymous(
            db,
            Err(_AUTH_GENERIC),
            action=ACTION_START,
            at=now,
            ip=ip,
            screen=screen,
            target=user_id,
            detail={"reason": reason, "entry": entry},
        )
    assert candidate is not None
    return _open_attempt(
        db, pk=candidate.pk, verified_hash=candidate.password_hash, password=password,
        entry=entry, clock=clock, now=now, ip=ip, screen=screen,
    )


def _lock_user(db: Session, pk: int) -> tuple[User, Contract]:
    row = db.exec(
        select(User, Contract)
        .join(Contract, col(Contract.id) == col(User.contract_id))
        .where(User.id == pk)
        .with_for_update(of=User)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    ).one()
    return row[0], row[1]


def _usable(user: User, contract: Contract) -> bool:
    return (
        user.deleted_at is None
        and not user.blocked
        and contract.status == ContractStatus.ACTIVE.value
    )


def _current_certificate(db: Session, user_pk: int) -> Certificate | None:
    return db.exec(
        select(Certificate).where(
            Certificate.user_pk == user_pk,
            Certificate.status == CertificateStatus.CURRENT.value,
        )
    ).first()


def _open_attempt(
    db: Session,
    *,
    pk: int,
    verified_hash: str,
    password: str,
    entry: Entry,
    clock: Clock,
    now: datetime,
    ip: str | None,
    screen: str,
) -> Ok[Challenge] | Err:
    """The password was right: reset the issuance counter, apply the entry, certificate and
    mail rules, and open the attempt (one transaction)."""
    user, contract = _lock_user(db, pk)
    user_id, contract_no = user.user_id, contract.contract_no
    still_ok = (
        _usable(user, contract)
        and user.password_hash == verified_hash  # changed while we verified: start again
        and (user.issuance_locked_until is None or user.issuance_locked_until <= now)
    )
    if not still_ok:
        db.rollback()
        return _refuse_anonymous(
            db, Err(_AUTH_GENERIC), action=ACTION_START, at=now, ip=ip, screen=screen,
            target=user_id, detail={"reason": "changed_meanwhile", "entry": entry},
        )
    if user.issuance_failure_count or user.issuance_locked_until is not None:
        user.issuance_failure_count = 0  # R-LOCK-4: a correct password resets this counter
        user.issuance_locked_until = None
        db.add(user)
        db.flush()

    def refuse(code: str) -> Err:
        db.commit()  # the counter reset stands
        return _refuse_user(
            db, Err(code), user_id=user_id, contract_no=contract_no,
            action=ACTION_START, at=now, ip=ip, screen=screen, detail={"entry": entry},
        )

    assert user.id is not None
    if entry == "general_first":
        had_certificate = db.execute(
            sa_select(exists().where(col(Certificate.user_pk) == user.id))
        ).scalar()
        if user.role != UserRole.GENERAL.value or had_certificate:
            return refuse("MSG-USE-CERT-ISSUE")
    current = _current_certificate(db, user.id)
    if current is not None and not may_issue_new(current.not_after, now):
        return refuse("MSG-CERT-EXISTS")
    if mail.count_today(db, user_pk=user.id, kind="auth_code", now=now) >= MAX_CODE_MAILS_PER_DAY:
        return refuse("E-CODE-MAIL-LIMIT")

    # One live attempt per user: the previous one (and its password) goes.
    db.execute(
        update(_CHALLENGES)
        .where(
            _CHALLENGES.c.user_pk == user.id,
            _CHALLENGES.c.consumed_at.is_(None),
            _CHALLENGES.c.voided_at.is_(None),
        )
        .values(voided_at=now, void_reason="restarted", encrypted_password=None, code_hash="")
    )
    token = secrets.token_urlsafe(16)  # 128 bits
    token_hash = hash_token(token)
    code = _new_code()
    challenge = AuthCodeChallenge(
        user_pk=user.id,
        token_hash=token_hash,
        entry=entry,
        code_hash=_code_digest(token_hash, code),
        expires_at=now + CODE_TTL,
        tries=0,
        sent_count=1,
        last_sent_at=now,
        created_at=now,
    )
    db.add(challenge)
    db.flush()
    assert challenge.id is not None
    challenge.encrypted_password = secretbox.seal(
        password.encode("utf-8"), aad=_password_aad(challenge.id, user.id, token_hash)
    )
    db.add(challenge)
    mail.enqueue(
        db,
        to=user.email,
        message=mail_templates.auth_code(
            user_name=user.user_name, code=code, expires_at=challenge.expires_at
        ),
        clock=clock,
        user_pk=user.id,
        discard_after=challenge.expires_at,
    )
    _log_user_success(
        db, user=user, contract_no=contract.contract_no, action=ACTION_START, at=now, ip=ip,
        screen=screen, detail={"entry": entry, "challenge_id": challenge.id},
    )
    result = Challenge(
        token=token,
        user_id=user.user_id,
        masked_email=mask_email(user.email),
        resend_after=now + RESEND_AFTER,
        expires_at=challenge.expires_at,
    )
    db.commit()
    return Ok(result)


# ---------------------------------------------------------------------------- attempt access


def _lock_attempt(
    db: Session, token: str
) -> tuple[AuthCodeChallenge, User, Contract] | None:
    """The attempt for ``token`` with its user and contract, locked in the order every writer
    uses (user, then attempt), or None for an unknown token."""
    if not isinstance(token, str) or _TOKEN_RE.fullmatch(token) is None:
        return None
    token_hash = hash_token(token)
    user_pk = db.execute(
        sa_select(_CHALLENGES.c.user_pk).where(_CHALLENGES.c.token_hash == token_hash)
    ).scalar_one_or_none()
    if user_pk is None:
        return None
    user, contract = _lock_user(db, int(user_pk))
    challenge = db.exec(
        select(AuthCodeChallenge)
        .where(AuthCodeChallenge.token_hash == token_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return challenge, user, contract


def _void(challenge: AuthCodeChallenge, now: datetime, reason: str) -> None:
    """End an attempt and delete its secrets (R-CERT-11)."""
    challenge.voided_at = now
    challenge.void_reason = reason
    challenge.encrypted_password = None
    challenge.code_hash = ""


def _is_live(challenge: AuthCodeChallenge) -> bool:
    return challenge.consumed_at is None and challenge.voided_at is None


def _unknown_attempt(
    db: Session, err: Err, *, action: str, now: datetime, ip: str | None
) -> Err:
    db.rollback()
    return _refuse_anonymous(
        db, err, action=action, at=now, ip=ip, screen=None, target=None,
        detail={"reason": "unknown_token"},
    )


# ---------------------------------------------------------------------------- resend


def resend_code(
    db: Session, *, token: str, clock: Clock, ip: str | None
) -> Ok[Challenge] | Err:
    """再送信 (R-CERT-1a, R-SEC-2): a new code for the same attempt (the previous code stops
    working; the tries so far still count), at the earliest 60 s after the last mail, counted
    toward the 10 code mails a day. The attempt keeps its expiry (10 minutes from 認証).

    Errors: E-CODE-RESEND-TOO-SOON (``params['seconds']`` to wait), E-CODE-MAIL-LIMIT,
    E-ISSUANCE-RESTART (unknown token, attempt expired, voided, verified or finished),
    MSG-AUTH-GENERIC (the user or contract became unusable meanwhile)."""
    now = clock.now()
    found = _lock_attempt(db, token)
    if found is None:
        return _unknown_attempt(db, Err(_RESTART), action=ACTION_RESEND, now=now, ip=ip)
    challenge, user, contract = found
    screen = SCREENS.get(challenge.entry, challenge.entry)
    user_id, contract_no, challenge_id = user.user_id, contract.contract_no, challenge.id
    assert user.id is not None and challenge_id is not None

    def refuse(code: str, params: dict[str, Any] | None = None, *, keep: bool = False) -> Err:
        if keep:
            db.commit()
        else:
            db.rollback()
        return _refuse_user(
            db, Err(code, None, params or {}), user_id=user_id, contract_no=contract_no,
            action=ACTION_RESEND, at=now, ip=ip, screen=screen,
            detail={"challenge_id": challenge_id},
        )

    if not _is_live(challenge) or challenge.verified_at is not None:
        return refuse(_RESTART)
    if now >= challenge.expires_at:
        _void(challenge, now, "expired")
        db.add(challenge)
        return refuse(_RESTART, keep=True)
    if not _usable(user, contract):
        _void(challenge, now, "restarted")
        db.add(challenge)
        return refuse(_AUTH_GENERIC, keep=True)
    if challenge.last_sent_at is not None and now < challenge.last_sent_at + RESEND_AFTER:
        wait = (challenge.last_sent_at + RESEND_AFTER - now).total_seconds()
        return refuse("E-CODE-RESEND-TOO-SOON", {"seconds": max(1, math.ceil(wait))})
    if mail.count_today(db, user_pk=user.id, kind="auth_code", now=now) >= MAX_CODE_MAILS_PER_DAY:
        return refuse("E-CODE-MAIL-LIMIT")

    code = _new_code()
    challenge.code_hash = _code_digest(challenge.token_hash, code)
    challenge.sent_count += 1
    challenge.last_sent_at = now
    db.add(challenge)
    mail.enqueue(
        db,
        to=user.email,
        message=mail_templates.auth_code(
            user_name=user.user_name, code=code, expires_at=challenge.expires_at
        ),
        clock=clock,
        user_pk=user.id,
        discard_after=challenge.expires_at,
    )
    _log_user_success(
        db, user=user, contract_no=contract.contract_no, action=ACTION_RESEND, at=now, ip=ip,
        screen=screen, detail={"challenge_id": challenge.id, "sent_count": challenge.sent_count},
    )
    result = Challenge(
        token=token,
        user_id=user.user_id,
        masked_email=mask_email(user.email),
        resend_after=now + RESEND_AFTER,
        expires_at=challenge.expires_at,
    )
    db.commit()
    return Ok(result)


# ---------------------------------------------------------------------------- verify


def verify_code(
    db: Session, *, token: str, code: str, clock: Clock, ip: str | None
) -> Ok[None] | Err:
    """認証 on the 認証コード screen (R-SEC-2). A code is single use; a repeat after success
    answers Ok again without acting.

    Errors: E-FIELD-REQUIRED / E-CODE-FORMAT (field ``code``; not counted), MSG-CODE-WRONG
    (wrong, expired, or no such attempt), MSG-CODE-EXHAUSTED (the 5th wrong code, or any
    code after it: the attempt is void and its password deleted; start again at ID +
    password), MSG-AUTH-GENERIC (user or contract unusable meanwhile). Never counts toward a
    lock."""
    if (err := check_required(code, field="code", label="認証コード")) is not None:
        return err
    if _CODE_RE.fullmatch(code) is None:
        return Err("E-CODE-FORMAT", "code")
    now = clock.now()
    found = _lock_attempt(db, token)
    if found is None:
        return _unknown_attempt(db, Err("MSG-CODE-WRONG"), action=ACTION_VERIFY, now=now, ip=ip)
    challenge, user, contract = found
    screen = SCREENS.get(challenge.entry, challenge.entry)
    user_id, contract_no, challenge_id = user.user_id, contract.contract_no, challenge.id

    def refuse(code_: str, *, keep: bool, **detail: Any) -> Err:
        if keep:
            db.commit()
        else:
            db.rollback()
        return _refuse_user(
            db, Err(code_), user_id=user_id, contract_no=contract_no,
            action=ACTION_VERIFY, at=now, ip=ip, screen=screen,
            detail={"challenge_id": challenge_id, **detail},
        )

    if challenge.void_reason == "exhausted":
        return refuse("MSG-CODE-EXHAUSTED", keep=False)
    if not _is_live(challenge):
        return refuse("MSG-CODE-WRONG", keep=False, reason="not_live")
    if now >= challenge.expires_at:
        _void(challenge, now, "expired")
        db.add(challenge)
        return refuse("MSG-CODE-WRONG", keep=True, reason="expired")
    if challenge.verified_at is not None:
        db.rollback()
        return Ok(None)
    if not _usable(user, contract):
        _void(challenge, now, "restarted")
        db.add(challenge)
        return refuse(_AUTH_GENERIC, keep=True, reason="user_not_usable")

    expected = challenge.code_hash
    if expected and hmac.compare_digest(_code_digest(challenge.token_hash, code), expected):
        challenge.verified_at = now
        challenge.code_hash = ""  # single use
        db.add(challenge)
        _log_user_success(
            db, user=user, contract_no=contract.contract_no, action=ACTION_VERIFY, at=now,
            ip=ip, screen=screen, detail={"challenge_id": challenge.id},
        )
        db.commit()
        return Ok(None)

    challenge.tries += 1
    if challenge.tries >= MAX_CODE_TRIES:
        _void(challenge, now, "exhausted")
        db.add(challenge)
        return refuse("MSG-CODE-EXHAUSTED", keep=True, tries=challenge.tries)
    db.add(challenge)
    return refuse("MSG-CODE-WRONG", keep=True, tries=challenge.tries)


# ---------------------------------------------------------------------------- issue


def issue_certificate(
    db: Session, *, token: str, clock: Clock, ip: str | None
) -> Ok[IssuedFile] | Err:
    """発行 (R-CERT-1, R-CERT-2, R-CERT-4, R-CERT-5, R-CERT-11).

    Needs a verified, unexpired, unconsumed attempt. Generates the key pair and certificate
    (``now = clock.now()``: nginx checks it against real time), records it — superseding the
    previous current certificate (its sessions end at their next event: ``services.sessions``
    re-checks the certificate) — builds the .p12 encrypted with the
    password typed at 認証 (chain: issuing CA, root; friendly name = user ID), deletes that
    password and consumes the attempt in the same transaction, queues the 発行 mail and logs
    ``certificate.issue``. After commit a superseded serial is published (CRL re-signed, nginx
    reloaded). The key and the .p12 exist only in the returned value.

    Errors: E-ISSUANCE-RESTART (unknown token, not verified, expired, voided or already
    issued), MSG-CERT-EXISTS (a valid certificate appeared meanwhile), MSG-AUTH-GENERIC (user
    or contract unusable meanwhile).
    """
    now = clock.now()
    found = _read_verified_attempt(db, token, now)
    if isinstance(found, Err):
        return _finish_refused_issue(db, found, token=token, now=now, ip=ip)
    challenge_id, user_id, password = found

    # The slow part, outside any write transaction: key pair, certificate, .p12.
    hierarchy = ca.hierarchy()
    issued = pki.issue_client_cert(
        hierarchy.issuing, user_id=user_id, now=now, crl_url=crl.crl_url(settings())
    )
    p12 = pki.to_p12(
        issued,
        password=password,
        chain=[hierarchy.issuing.cert, hierarchy.root.cert],
        friendly_name=user_id,
    )
    del password

    locked = _lock_attempt(db, token)
    if locked is None or locked[0].id != challenge_id:
        return _unknown_attempt(db, Err(_RESTART), action=ACTION_ISSUE, now=now, ip=ip)
    challenge, user, contract = locked
    screen = SCREENS.get(challenge.entry, challenge.entry)
    contract_no = contract.contract_no
    assert user.id is not None

    def refuse(code: str, reason: str) -> Err:
        db.rollback()
        return _refuse_user(
            db, Err(code), user_id=user_id, contract_no=contract_no,
            action=ACTION_ISSUE, at=now, ip=ip, screen=screen,
            detail={"challenge_id": challenge_id, "reason": reason},
        )

    if not _is_live(challenge) or challenge.verified_at is None or now >= challenge.expires_at:
        return refuse(_RESTART, "finished_meanwhile")
    if not _usable(user, contract):
        return refuse(_AUTH_GENERIC, "user_not_usable")
    current = _current_certificate(db, user.id)
    if current is not None and not may_issue_new(current.not_after, now):
        return refuse("MSG-CERT-EXISTS", "valid_certificate")
    superseded = current.serial_hex if current is not None else None

    cert = issued.cert
    serial_hex = certificates.normalise_serial(cert.serial_number)
    certificates.record_issued(
        db,
        user_pk=user.id,
        serial_hex=serial_hex,
        sha256_hex=pki.sha256_fingerprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        issued_at=now,
    )
    challenge.consumed_at = now
    challenge.encrypted_password = None
    challenge.code_hash = ""
    db.add(challenge)
    mail.enqueue(
        db,
        to=user.email,
        message=mail_templates.certificate_issued(
            user_name=user.user_name,
            user_id=user.user_id,
            issued_at=now,
            not_after=cert.not_valid_after_utc,
        ),
        clock=clock,
        user_pk=user.id,
    )
    _log_user_success(
        db, user=user, contract_no=contract.contract_no, action=ACTION_ISSUE, at=now, ip=ip,
        screen=screen,
        detail={
            "challenge_id": challenge_id,
            "entry": challenge.entry,
            "serial": serial_hex,
            "not_after": cert.not_valid_after_utc,
            "superseded": superseded,
        },
    )
    db.commit()

    if superseded is not None:
        try:
            crl.publish(settings())
        except Exception:
            # The new certificate is committed and this response is the only copy of its key
            # (R-CERT-11): hand it over. The gate already refuses the superseded serial; the
            # jobs re-sign the CRL within the day. The operator must see this.
            log.exception("CRL publication after renewal failed (superseded %s)", superseded)
    return Ok(
        IssuedFile(
            user_id=user.user_id,
            filename=p12_filename(user.user_id, now),
            p12=p12,
            root_sha1=pki.sha1_fingerprint(hierarchy.root.cert),
            not_after=cert.not_valid_after_utc,
        )
    )


def _read_verified_attempt(db: Session, token: str, now: datetime) -> tuple[int, str, str] | Err:
    """(attempt id, user ID, decrypted password) of a verified, live attempt; read-only."""
    if not isinstance(token, str) or _TOKEN_RE.fullmatch(token) is None:
        return Err(_RESTART, None, {"reason": "unknown_token"})
    _begin_read(db)
    row = db.execute(
        sa_select(
            _CHALLENGES.c.id,
            _CHALLENGES.c.user_pk,
            _CHALLENGES.c.token_hash,
            _CHALLENGES.c.encrypted_password,
            _CHALLENGES.c.expires_at,
            _CHALLENGES.c.verified_at,
            _CHALLENGES.c.consumed_at,
            _CHALLENGES.c.voided_at,
            _USERS.c.user_id,
        )
        .join(_USERS, _USERS.c.id == _CHALLENGES.c.user_pk)
        .where(_CHALLENGES.c.token_hash == hash_token(token))
    ).one_or_none()
    db.rollback()
    if row is None:
        return Err(_RESTART, None, {"reason": "unknown_token"})
    if row.consumed_at is not None or row.voided_at is not None or row.verified_at is None:
        return Err(_RESTART, None, {"reason": "not_verified_or_finished"})
    if now >= row.expires_at or row.encrypted_password is None:
        return Err(_RESTART, None, {"reason": "expired"})
    try:
        password = secretbox.unseal(
            row.encrypted_password, aad=_password_aad(row.id, row.user_pk, row.token_hash)
        ).decode("utf-8")
    except secretbox.SecretboxError:
        return Err(_RESTART, None, {"reason": "password_does_not_open"})
    return int(row.id), str(row.user_id), password


def _finish_refused_issue(
    db: Session, err: Err, *, token: str, now: datetime, ip: str | None
) -> Err:
    """A refused 発行: an expired attempt loses its secrets at once; log; E-ISSUANCE-RESTART."""
    reason = err.params.get("reason")
    found = _lock_attempt(db, token) if reason != "unknown_token" else None
    if found is None:
        return _unknown_attempt(db, Err(_RESTART), action=ACTION_ISSUE, now=now, ip=ip)
    challenge, user, contract = found
    user_id, contract_no, challenge_id = user.user_id, contract.contract_no, challenge.id
    screen = SCREENS.get(challenge.entry, challenge.entry)
    keep = False
    if _is_live(challenge) and (
        now >= challenge.expires_at or reason == "password_does_not_open"
    ):
        _void(challenge, now, "expired")
        db.add(challenge)
        keep = True
    if keep:
        db.commit()
    else:
        db.rollback()
    return _refuse_user(
        db, Err(_RESTART), user_id=user_id, contract_no=contract_no,
        action=ACTION_ISSUE, at=now, ip=ip, screen=screen,
        detail={"challenge_id": challenge_id, "reason": reason},
    )


# ---------------------------------------------------------------------------- purge


def purge_expired_challenges(db: Session, *, clock: Clock) -> int:
    """R-OPS-4, R-CERT-11: void every live attempt past its expiry (its password and code are
    deleted), and delete attempts that ended more than a day ago; commits. Returns how many
    attempts were voided."""
    now = clock.now()
    voided = db.execute(
        update(_CHALLENGES)
        .where(
            _CHALLENGES.c.expires_at <= now,
            _CHALLENGES.c.consumed_at.is_(None),
            _CHALLENGES.c.voided_at.is_(None),
        )
        .values(voided_at=now, void_reason="expired", encrypted_password=None, code_hash="")
    )
    # Belt and braces: no password outlives its attempt's expiry, whatever the state.
    db.execute(
        update(_CHALLENGES)
        .where(_CHALLENGES.c.expires_at <= now, _CHALLENGES.c.encrypted_password.is_not(None))
        .values(encrypted_password=None)
    )
    db.execute(delete(_CHALLENGES).where(_CHALLENGES.c.expires_at < now - KEEP_ATTEMPTS_FOR))
    db.commit()
    return int(voided.rowcount or 0)  # type: ignore[attr-defined]
