"""再送信 and 認証 on the 認証コード screen (R-CERT-1a, R-SEC-2): a new code for the same
attempt at most once a minute and ten mails a day; a code is single use and the 5th wrong one
voids the attempt. None of this counts toward any lock."""

from __future__ import annotations

import hmac
from typing import Any

from sqlmodel import Session

from chingin_app.domain.certificate import (
    MAX_CODE_MAILS_PER_DAY,
    MAX_CODE_TRIES,
    check_code,
    seconds_before_resend,
)
from chingin_app.domain.clock import Clock
from chingin_app.domain.result import Err, Ok
from chingin_app.services import mail
from chingin_app.services.certs.issuance._attempts import (
    Challenge,
    challenge_view,
    code_digest,
    is_live,
    lock_attempt,
    mail_code,
    new_code,
    usable,
    void,
)
from chingin_app.services.certs.issuance._log import (
    ACTION_RESEND,
    ACTION_VERIFY,
    AUTH_GENERIC,
    RESTART,
    SCREENS,
    log_user_success,
    refuse_step,
    unknown_attempt,
)


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
    found = lock_attempt(db, token)
    if found is None:
        return unknown_attempt(db, Err(RESTART), action=ACTION_RESEND, now=now, ip=ip)
    challenge, user, contract = found
    screen = SCREENS.get(challenge.entry, challenge.entry)
    user_id, contract_no, challenge_id = user.user_id, contract.contract_no, challenge.id
    assert user.id is not None and challenge_id is not None

    def refuse(code: str, params: dict[str, Any] | None = None, *, keep: bool = False) -> Err:
        return refuse_step(
            db, Err(code, None, params or {}), keep=keep, user_id=user_id,
            contract_no=contract_no, action=ACTION_RESEND, at=now, ip=ip, screen=screen,
            detail={"challenge_id": challenge_id},
        )

    if not is_live(challenge) or challenge.verified_at is not None:
        return refuse(RESTART)
    if now >= challenge.expires_at:
        void(challenge, now, "expired")
        db.add(challenge)
        return refuse(RESTART, keep=True)
    if not usable(user, contract):
        void(challenge, now, "restarted")
        db.add(challenge)
        return refuse(AUTH_GENERIC, keep=True)
    if (wait := seconds_before_resend(challenge.last_sent_at, now)) > 0:
        return refuse("E-CODE-RESEND-TOO-SOON", {"seconds": wait})
    if mail.count_today(db, user_pk=user.id, kind="auth_code", now=now) >= MAX_CODE_MAILS_PER_DAY:
        return refuse("E-CODE-MAIL-LIMIT")

    code = new_code()
    challenge.code_hash = code_digest(challenge.token_hash, code)
    challenge.sent_count += 1
    challenge.last_sent_at = now
    db.add(challenge)
    mail_code(db, user=user, code=code, expires_at=challenge.expires_at, clock=clock)
    log_user_success(
        db, user=user, contract_no=contract.contract_no, action=ACTION_RESEND, at=now, ip=ip,
        screen=screen, detail={"challenge_id": challenge.id, "sent_count": challenge.sent_count},
    )
    result = challenge_view(token, user, challenge.expires_at, now)
    db.commit()
    return Ok(result)


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
    if (err := check_code(code)) is not None:
        return err
    now = clock.now()
    found = lock_attempt(db, token)
    if found is None:
        return unknown_attempt(db, Err("MSG-CODE-WRONG"), action=ACTION_VERIFY, now=now, ip=ip)
    challenge, user, contract = found
    screen = SCREENS.get(challenge.entry, challenge.entry)
    user_id, contract_no, challenge_id = user.user_id, contract.contract_no, challenge.id

    def refuse(code_: str, *, keep: bool, **detail: Any) -> Err:
        return refuse_step(
            db, Err(code_), keep=keep, user_id=user_id, contract_no=contract_no,
            action=ACTION_VERIFY, at=now, ip=ip, screen=screen,
            detail={"challenge_id": challenge_id, **detail},
        )

    if challenge.void_reason == "exhausted":
        return refuse("MSG-CODE-EXHAUSTED", keep=False)
    if not is_live(challenge):
        return refuse("MSG-CODE-WRONG", keep=False, reason="not_live")
    if now >= challenge.expires_at:
        void(challenge, now, "expired")
        db.add(challenge)
        return refuse("MSG-CODE-WRONG", keep=True, reason="expired")
    if challenge.verified_at is not None:
        db.rollback()
        return Ok(None)
    if not usable(user, contract):
        void(challenge, now, "restarted")
        db.add(challenge)
        return refuse(AUTH_GENERIC, keep=True, reason="user_not_usable")

    expected = challenge.code_hash
    if expected and hmac.compare_digest(code_digest(challenge.token_hash, code), expected):
        challenge.verified_at = now
        challenge.code_hash = ""  # single use
        db.add(challenge)
        log_user_success(
            db, user=user, contract_no=contract.contract_no, action=ACTION_VERIFY, at=now,
            ip=ip, screen=screen, detail={"challenge_id": challenge.id},
        )
        db.commit()
        return Ok(None)

    challenge.tries += 1
    if challenge.tries >= MAX_CODE_TRIES:
        void(challenge, now, "exhausted")
        db.add(challenge)
        return refuse("MSG-CODE-EXHAUSTED", keep=True, tries=challenge.tries)
    db.add(challenge)
    return refuse("MSG-CODE-WRONG", keep=True, tries=challenge.tries)
