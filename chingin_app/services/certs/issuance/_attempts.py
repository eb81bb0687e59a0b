"""The issuance attempt (an ``auth_code_challenges`` row) and what every step re-checks
(R-CERT-1a, R-CERT-11, R-SEC-2, R-OPS-4).

An attempt keeps its token as SHA-256 and its code as a keyed digest; the typed password is
sealed to the row (``secretbox``, associated data naming the attempt). Writers lock the user
row, then the attempt, always in that order. ``purge_expired_challenges`` voids what expired
and deletes attempts that ended a day ago (the scheduled jobs call it).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from sqlalchemy import delete, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from chingin_app.db import READ_ONLY_OPTION
from chingin_app.domain.certificate import RESEND_AFTER, mask_email
from chingin_app.domain.clock import Clock
from chingin_app.models import (
    AuthCodeChallenge,
    Certificate,
    CertificateStatus,
    Contract,
    ContractStatus,
    User,
)
from chingin_app.services import mail, mail_templates, secretbox

Entry = Literal["any", "general_first"]

#: Finished attempts (their secrets already gone) are deleted this long after they expired.
KEEP_ATTEMPTS_FOR: Final = timedelta(days=1)

TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{16,64}")

USERS = User.__table__  # type: ignore[attr-defined]
CHALLENGES = AuthCodeChallenge.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Challenge:
    """What the 認証コード screen needs (R-CERT-1a). ``token`` identifies the attempt in the
    next calls; keep it server-side (never in a URL)."""

    token: str
    user_id: str
    masked_email: str
    resend_after: datetime
    expires_at: datetime


def hash_token(token: str) -> str:
    """The stored form of an attempt's token: SHA-256, lower-case hex (a 128-bit random token
    needs no slow hash)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def code_digest(token_hash: str, code: str) -> str:
    """The stored form of a code: keyed to the service's secret and bound to its attempt, so
    a leaked table gives no code back and a code fits no other attempt (R-SEC-2)."""
    return secretbox.keyed_digest(f"{token_hash}:{code}".encode("ascii"), purpose="auth-code")


def password_aad(challenge_id: int, user_pk: int, token_hash: str) -> bytes:
    """The associated data that binds a sealed password to its attempt's row (R-CERT-11)."""
    return f"auth_code_challenges:{challenge_id}:{user_pk}:{token_hash}".encode("ascii")


def new_code() -> str:
    """A random 6-digit 認証コード (R-SEC-2)."""
    return f"{secrets.randbelow(1_000_000):06d}"


def mail_code(
    db: Session, *, user: User, code: str, expires_at: datetime, clock: Clock
) -> None:
    """Queue the 認証コード mail (R-SEC-2): discarded unsent once the code has expired."""
    assert user.id is not None
    mail.enqueue(
        db,
        to=user.email,
        message=mail_templates.auth_code(
            user_name=user.user_name, code=code, expires_at=expires_at
        ),
        clock=clock,
        user_pk=user.id,
        discard_after=expires_at,
    )


def challenge_view(token: str, user: User, expires_at: datetime, now: datetime) -> Challenge:
    """What the 認証コード screen shows after a code mail went out at ``now`` (R-CERT-1a)."""
    return Challenge(
        token=token,
        user_id=user.user_id,
        masked_email=mask_email(user.email),
        resend_after=now + RESEND_AFTER,
        expires_at=expires_at,
    )


def begin_read(db: Session) -> None:
    """Start a read-only transaction (no SQLite write lock) unless one is already open."""
    if not db.in_transaction():
        db.connection(execution_options={READ_ONLY_OPTION: True})


def lock_user(db: Session, pk: int) -> tuple[User, Contract]:
    row = db.exec(
        select(User, Contract)
        .join(Contract, col(Contract.id) == col(User.contract_id))
        .where(User.id == pk)
        .with_for_update(of=User)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    ).one()
    return row[0], row[1]


def usable(user: User, contract: Contract) -> bool:
    return (
        user.deleted_at is None
        and not user.blocked
        and contract.status == ContractStatus.ACTIVE.value
    )


def current_certificate(db: Session, user_pk: int) -> Certificate | None:
    return db.exec(
        select(Certificate).where(
            Certificate.user_pk == user_pk,
            Certificate.status == CertificateStatus.CURRENT.value,
        )
    ).first()


def lock_attempt(
    db: Session, token: str
) -> tuple[AuthCodeChallenge, User, Contract] | None:
    """The attempt for ``token`` with its user and contract, locked in the order every writer
    uses (user, then attempt), or None for an unknown token."""
    if not isinstance(token, str) or TOKEN_RE.fullmatch(token) is None:
        return None
    token_hash = hash_token(token)
    user_pk = db.execute(
        sa_select(CHALLENGES.c.user_pk).where(CHALLENGES.c.token_hash == token_hash)
    ).scalar_one_or_none()
    if user_pk is None:
        return None
    user, contract = lock_user(db, int(user_pk))
    challenge = db.exec(
        select(AuthCodeChallenge)
        .where(AuthCodeChallenge.token_hash == token_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return challenge, user, contract


def void(challenge: AuthCodeChallenge, now: datetime, reason: str) -> None:
    """End an attempt and delete its secrets (R-CERT-11)."""
    challenge.voided_at = now
    challenge.void_reason = reason
    challenge.encrypted_password = None
    challenge.code_hash = ""


def is_live(challenge: AuthCodeChallenge) -> bool:
    return challenge.consumed_at is None and challenge.voided_at is None


def purge_expired_challenges(db: Session, *, clock: Clock) -> int:
    """R-OPS-4, R-CERT-11: void every live attempt past its expiry (its password and code are
    deleted), and delete attempts that ended more than a day ago; commits. Returns how many
    attempts were voided."""
    now = clock.now()
    voided = db.execute(
        update(CHALLENGES)
        .where(
            CHALLENGES.c.expires_at <= now,
            CHALLENGES.c.consumed_at.is_(None),
            CHALLENGES.c.voided_at.is_(None),
        )
        .values(voided_at=now, void_reason="expired", encrypted_password=None, code_hash="")
    )
    # Belt and braces: no password outlives its attempt's expiry, whatever the state.
    db.execute(
        update(CHALLENGES)
        .where(CHALLENGES.c.expires_at <= now, CHALLENGES.c.encrypted_password.is_not(None))
        .values(encrypted_password=None)
    )
    db.execute(delete(CHALLENGES).where(CHALLENGES.c.expires_at < now - KEEP_ATTEMPTS_FOR))
    db.commit()
    return int(voided.rowcount or 0)  # type: ignore[attr-defined]
