"""The mail outbox (SPEC R-SEC-2 "sent through an outbox with retries (3 tries over 10
minutes)", "sent without making the response slower"; STYLE §2 "Side effects after commit").

A service calls ``enqueue`` inside its own transaction: the mail exists exactly when the
change that caused it commits. Nothing is sent inside a request's transaction: ``chingin
serve`` runs ``deliver_pending`` in a background thread every few seconds, and ``chingin jobs
run`` flushes the outbox too. When nothing is due, a pass is one read-only query (no write
lock on SQLite).

Delivery: aiosmtplib to ``CHINGIN_SMTP_HOST`` (or 127.0.0.1, the dev inbox of ``chingin
serve``) on ``smtp_port``, with STARTTLS and login when configured; UTF-8 text, a Date header
in Japan time, From ``settings().mail_from``. Tries: at once, after 2 minutes, after 10 minutes
(``RETRY_DELAYS``), then the row is given up and an error is logged. A row is claimed with a
conditional UPDATE before sending, so several workers never send it twice; a worker that dies
mid-send counts as a failed try. Rows with ``discard_after`` in the past (an auth code that has
expired) are not sent. Bodies are sealed at rest (``services.secretbox``; they carry auth
codes), cleared once the row is finished, and never logged.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from typing import Final

import aiosmtplib
from sqlalchemy import delete, func, or_, select, update
from sqlmodel import Session

from chingin_app.db import session_scope
from chingin_app.domain.clock import JST, Clock, to_jst
from chingin_app.models import MailOutbox
from chingin_app.services import secretbox
from chingin_app.settings import Settings, settings

__all__ = [
    "KEEP_FOR",
    "MAX_ATTEMPTS",
    "RETRY_DELAYS",
    "MailMessage",
    "count_today",
    "deliver_pending",
    "enqueue",
    "purge",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 3
#: Delay before the 2nd and the 3rd try: tries at 0, +2 and +10 minutes (R-SEC-2).
RETRY_DELAYS: Final = (timedelta(minutes=2), timedelta(minutes=8))
#: Finished rows are deleted after this long (they hold no body any more).
KEEP_FOR: Final = timedelta(days=7)
SMTP_TIMEOUT_S: Final = 30.0
_ERROR_MAX: Final = 300
_DISCARDED: Final = "discarded: expired before sending"

_T = MailOutbox.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class MailMessage:
    """A mail's subject and plain-text body (``services.mail_templates`` makes them); ``kind``
    names the template, recorded in the outbox."""

    subject: str
    body: str
    kind: str = "notice"


def _aad(message_id: str) -> bytes:
    return f"mail_outbox:{message_id}".encode()


def _message_id(s: Settings) -> str:
    domain = s.mail_from.rsplit("@", 1)[-1].strip("<> ") or "chingin.invalid"
    return f"<{secrets.token_hex(16)}@{domain}>"


def enqueue(
    db: Session,
    *,
    to: str,
    message: MailMessage,
    clock: Clock,
    user_pk: int | None = None,
    discard_after: datetime | None = None,
) -> None:
    """Add a mail to the outbox in the caller's transaction (does not commit, never sends).

    ``user_pk`` ties it to a user (for ``count_today``); ``discard_after``: do not send it
    after this time (an auth code that has expired). ValueError for an address or subject
    with line breaks (header injection is a bug, not user input that reaches here)."""
    if not to or any(c in to for c in "\r\n") or "@" not in to:
        raise ValueError("not a single mail address")
    if any(c in message.subject for c in "\r\n"):
        raise ValueError("subject must be one line")
    now = clock.now()
    message_id = _message_id(settings())
    db.add(
        MailOutbox(
            message_id=message_id,
            kind=message.kind,
            user_pk=user_pk,
            to_addr=to,
            subject=message.subject,
            body_sealed=secretbox.seal(message.body.encode("utf-8"), aad=_aad(message_id)),
            created_at=now,
            attempts=0,
            next_attempt_at=now,
            discard_after=discard_after,
        )
    )
    db.flush()


def count_today(db: Session, *, user_pk: int, kind: str, now: datetime) -> int:
    """How many mails of ``kind`` were queued for ``user_pk`` since 00:00 Japan time today
    (R-SEC-2 "at most 10 code mails per ID per day")."""
    day_start = datetime.combine(to_jst(now).date(), time(0, 0), tzinfo=JST)
    query = select(func.count()).where(
        _T.c.user_pk == user_pk, _T.c.kind == kind, _T.c.created_at >= day_start
    )
    return int(db.execute(query).scalar_one())


@dataclass(frozen=True)
class _Claimed:
    id: int
    message_id: str
    kind: str
    to_addr: str
    subject: str
    body_sealed: bytes | None
    attempts: int  # including this try


def _anything_to_do(db: Session, now: datetime) -> bool:
    """Whether a row is due or due to be discarded (read-only: the frequent idle pass)."""
    row = db.execute(
        select(_T.c.id)
        .where(_T.c.sent_at.is_(None), _T.c.next_attempt_at <= now)
        .limit(1)
    ).first()
    return row is not None


def _claim(db: Session, now: datetime, limit: int) -> list[_Claimed]:
    """Discard expired rows, then claim up to ``limit`` due rows for one try each."""
    db.execute(
        update(_T)
        .where(
            _T.c.sent_at.is_(None),
            _T.c.next_attempt_at.is_not(None),
            _T.c.discard_after.is_not(None),
            _T.c.discard_after <= now,
        )
        .values(next_attempt_at=None, body_sealed=None, last_error=_DISCARDED)
    )
    due = db.execute(
        select(_T.c.id, _T.c.attempts)
        .where(_T.c.sent_at.is_(None), _T.c.next_attempt_at <= now)
        .order_by(_T.c.next_attempt_at, _T.c.id)
        .limit(limit)
    ).all()
    claimed: list[_Claimed] = []
    for row_id, attempts in due:
        tries = attempts + 1
        retry_at = now + RETRY_DELAYS[attempts] if tries < MAX_ATTEMPTS else None
        # Conditional on what we saw: a concurrent worker that claimed it first wins.
        result = db.execute(
            update(_T)
            .where(
                _T.c.id == row_id,
                _T.c.attempts == attempts,
                _T.c.sent_at.is_(None),
                _T.c.next_attempt_at <= now,
            )
            .values(attempts=tries, next_attempt_at=retry_at)
            .returning(_T.c.message_id, _T.c.kind, _T.c.to_addr, _T.c.subject, _T.c.body_sealed)
        ).one_or_none()
        if result is not None:
            claimed.append(
                _Claimed(
                    id=row_id,
                    message_id=result.message_id,
                    kind=result.kind,
                    to_addr=result.to_addr,
                    subject=result.subject,
                    body_sealed=result.body_sealed,
                    attempts=tries,
                )
            )
    db.commit()
    return claimed


def _compose(item: _Claimed, body: str, s: Settings, now: datetime) -> EmailMessage:
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = s.mail_from
    msg["To"] = item.to_addr
    msg["Subject"] = item.subject
    msg["Date"] = format_datetime(to_jst(now))
    msg["Message-ID"] = item.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body, subtype="plain", charset="utf-8", cte="base64")
    return msg


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]


async def _send_all(
    messages: list[tuple[int, EmailMessage]], s: Settings
) -> dict[int, str | None]:
    """Send over one SMTP connection; per row None (sent) or the error text."""
    smtp = aiosmtplib.SMTP(
        hostname=s.smtp_host or "127.0.0.1",
        port=s.smtp_port,
        timeout=SMTP_TIMEOUT_S,
        start_tls=s.smtp_starttls,
    )
    try:
        await smtp.connect()
        if s.smtp_user:
            await smtp.login(s.smtp_user, s.smtp_password or "")
    except (aiosmtplib.SMTPException, OSError) as exc:
        error = _error_text(exc)
        return {row_id: error for row_id, _ in messages}
    results: dict[int, str | None] = {}
    try:
        for row_id, msg in messages:
            try:
                await smtp.send_message(msg)
                results[row_id] = None
            except (aiosmtplib.SMTPException, OSError) as exc:
                results[row_id] = _error_text(exc)
                if not smtp.is_connected:
                    for other, _ in messages:
                        results.setdefault(other, results[row_id])
                    break
    finally:
        if smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()
    return results


def deliver_pending(*, clock: Clock, limit: int = 50) -> int:
    """Send the outbox rows that are due (R-SEC-2); returns how many were sent.

    Blocking: call it from a thread, never from a running event loop (in a Reflex handler:
    ``await asyncio.to_thread(mail.deliver_pending, clock=...)``). Uses the process database
    (``session_scope``)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("deliver_pending blocks: run it in a thread (asyncio.to_thread)")
    s = settings()
    with session_scope(read_only=True) as db:
        if not _anything_to_do(db, clock.now()):
            return 0
    with session_scope() as db:
        claimed = _claim(db, clock.now(), limit)
    if not claimed:
        return 0
    now = clock.now()
    outcome: dict[int, str | None] = {}
    to_send: list[tuple[int, EmailMessage]] = []
    for item in claimed:
        try:
            if item.body_sealed is None:
                raise secretbox.SecretboxError("no body")
            body = secretbox.unseal(item.body_sealed, aad=_aad(item.message_id)).decode("utf-8")
        except secretbox.SecretboxError as exc:
            outcome[item.id] = f"body does not open: {exc}"[:_ERROR_MAX]
            continue
        to_send.append((item.id, _compose(item, body, s, now)))
    if to_send:
        outcome.update(asyncio.run(_send_all(to_send, s)))

    done_at = clock.now()
    sent = 0
    with session_scope() as db:
        for item in claimed:
            error = outcome.get(item.id, "not sent")
            if error is None:
                sent += 1
                values: dict[str, object] = {
                    "sent_at": done_at,
                    "next_attempt_at": None,
                    "body_sealed": None,
                    "last_error": None,
                }
            else:
                unreadable = error.startswith("body does not open")
                final = item.attempts >= MAX_ATTEMPTS or unreadable
                values = {"last_error": error}
                if final:
                    values.update(next_attempt_at=None, body_sealed=None)
                    log.error(
                        "mail %s (%s) given up after %d tries: %s",
                        item.message_id, item.kind, item.attempts, error,
                    )
                else:
                    log.warning(
                        "mail %s (%s) try %d failed: %s",
                        item.message_id, item.kind, item.attempts, error,
                    )
            db.execute(update(_T).where(_T.c.id == item.id).values(**values))
        db.commit()
    return sent


def purge(db: Session, *, clock: Clock) -> int:
    """Delete finished rows (sent, given up, discarded) older than ``KEEP_FOR``; commits.
    Returns how many were deleted."""
    cutoff = clock.now() - KEEP_FOR
    result = db.execute(
        delete(_T).where(
            _T.c.created_at < cutoff,
            or_(_T.c.sent_at.is_not(None), _T.c.next_attempt_at.is_(None)),
        )
    )
    db.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
