"""ユーザー認証, the flow's first step (R-CERT-1, R-CERT-1c, R-SEC-2, R-LOCK-4, R-LOCK-5):
ID and password checked with the issuance counter, then an attempt opened and the code mailed.

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
touched. The argon2 verify runs outside any write transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, case, exists, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from chingin_app.domain import lockout
from chingin_app.domain.certificate import (
    CODE_TTL,
    ISSUANCE_LOCK_AFTER,
    ISSUANCE_LOCK_FOR,
    MAX_CODE_MAILS_PER_DAY,
    may_issue_new,
)
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import check_password, check_user_id
from chingin_app.models import (
    ActorKind,
    AuthCodeChallenge,
    Certificate,
    Contract,
    ContractStatus,
    LogResult,
    UserRole,
    UTCDateTime,
)
from chingin_app.services import mail, mail_templates, oplog, passwords, secretbox
from chingin_app.services.certs.issuance._attempts import (
    CHALLENGES,
    USERS,
    Challenge,
    Entry,
    begin_read,
    challenge_view,
    code_digest,
    current_certificate,
    hash_token,
    lock_user,
    mail_code,
    new_code,
    password_aad,
    usable,
)
from chingin_app.services.certs.issuance._log import (
    ACTION_LOCK,
    ACTION_START,
    AUTH_GENERIC,
    SCREENS,
    log_user_success,
    refuse_anonymous,
    refuse_user,
)
from chingin_app.services.stores import Throttle

#: ``passwords.verify_secret``'s shape; injectable so tests can count the argon2 verifies.
PasswordVerifier = Callable[[str | None, str], bool]

_NO_ROW: Final = -1  # the counting UPDATE's target when nothing may be counted


@dataclass(frozen=True)
class _Candidate:
    pk: int
    password_hash: str
    refusal: str | None  # why the password is not even checked; None: usable


def _lookup(db: Session, user_id: str, now: datetime) -> _Candidate | None:
    """The user with exactly this ID, read-only (no write lock held during argon2)."""
    begin_read(db)
    row = db.execute(
        sa_select(
            USERS.c.id,
            USERS.c.password_hash,
            USERS.c.deleted_at,
            USERS.c.blocked,
            USERS.c.issuance_locked_until,
            Contract.__table__.c.status,  # type: ignore[attr-defined]
        )
        .join(Contract.__table__, Contract.__table__.c.id == USERS.c.contract_id)  # type: ignore[attr-defined]
        .where(USERS.c.user_id == user_id)
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
        USERS.c.issuance_locked_until.is_(None), USERS.c.issuance_locked_until <= now
    )
    # A lock that has lifted starts a new series; a correct password clears the column.
    new_count = case(
        (USERS.c.issuance_locked_until.is_not(None), 1),
        else_=USERS.c.issuance_failure_count + 1,
    )
    until = bindparam("lock_until", now + ISSUANCE_LOCK_FOR, type_=UTCDateTime())
    return db.execute(
        update(USERS)
        .where(USERS.c.id == pk, not_locked)
        .values(
            issuance_failure_count=new_count,
            issuance_locked_until=case((new_count >= ISSUANCE_LOCK_AFTER, until), else_=None),
            version=USERS.c.version + 1,
        )
        .returning(
            USERS.c.id,
            USERS.c.issuance_failure_count,
            USERS.c.issuance_locked_until,
            USERS.c.email,
            USERS.c.user_name,
            USERS.c.user_id,
            USERS.c.contract_id,
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

#: R-LOCK-5: the per-IP throttle of 認証 on the issuance pages, shared by every worker
#: (R-DEP-4; the same figures as 次へ of master registration: 30 attempts per IP in 10 minutes).
ISSUANCE_THROTTLE: Final = Throttle(
    "issuance",
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
        refuse_anonymous(
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
        return refuse_anonymous(
            db, Err(AUTH_GENERIC), action=ACTION_START, at=now, ip=ip, screen=screen,
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
        return refuse_anonymous(
            db,
            Err(AUTH_GENERIC),
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
    user, contract = lock_user(db, pk)
    user_id, contract_no = user.user_id, contract.contract_no
    still_ok = (
        usable(user, contract)
        and user.password_hash == verified_hash  # changed while we verified: start again
        and (user.issuance_locked_until is None or user.issuance_locked_until <= now)
    )
    if not still_ok:
        db.rollback()
        return refuse_anonymous(
            db, Err(AUTH_GENERIC), action=ACTION_START, at=now, ip=ip, screen=screen,
            target=user_id, detail={"reason": "changed_meanwhile", "entry": entry},
        )
    if user.issuance_failure_count or user.issuance_locked_until is not None:
        user.issuance_failure_count = 0  # R-LOCK-4: a correct password resets this counter
        user.issuance_locked_until = None
        db.add(user)
        db.flush()

    def refuse(code: str) -> Err:
        db.commit()  # the counter reset stands
        return refuse_user(
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
    current = current_certificate(db, user.id)
    if current is not None and not may_issue_new(current.not_after, now):
        return refuse("MSG-CERT-EXISTS")
    if mail.count_today(db, user_pk=user.id, kind="auth_code", now=now) >= MAX_CODE_MAILS_PER_DAY:
        return refuse("E-CODE-MAIL-LIMIT")

    # One live attempt per user: the previous one (and its password) goes.
    db.execute(
        update(CHALLENGES)
        .where(
            CHALLENGES.c.user_pk == user.id,
            CHALLENGES.c.consumed_at.is_(None),
            CHALLENGES.c.voided_at.is_(None),
        )
        .values(voided_at=now, void_reason="restarted", encrypted_password=None, code_hash="")
    )
    token = secrets.token_urlsafe(16)  # 128 bits
    token_hash = hash_token(token)
    code = new_code()
    challenge = AuthCodeChallenge(
        user_pk=user.id,
        token_hash=token_hash,
        entry=entry,
        code_hash=code_digest(token_hash, code),
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
        password.encode("utf-8"), aad=password_aad(challenge.id, user.id, token_hash)
    )
    db.add(challenge)
    mail_code(db, user=user, code=code, expires_at=challenge.expires_at, clock=clock)
    log_user_success(
        db, user=user, contract_no=contract.contract_no, action=ACTION_START, at=now, ip=ip,
        screen=screen, detail={"entry": entry, "challenge_id": challenge.id},
    )
    result = challenge_view(token, user, challenge.expires_at, now)
    db.commit()
    return Ok(result)
