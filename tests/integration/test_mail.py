"""The mail outbox and the mail texts (SPEC R-SEC-2 "Mails are UTF-8, times in JST, no links,
with 「お心当たりのない場合は…」; sent through an outbox with retries (3 tries over 10
minutes)", R-ENV-7, R-CERT-6, R-LOCK-4, R-PLUS-4), through a real SMTP server (aiosmtpd) on
loopback, on SQLite and PostgreSQL. Time comes from the MovableClock; no test sleeps.

``Inbox`` / ``running_inbox`` are shared with the other issuance tests.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlmodel import Session, col, select

from chingin_app.domain.clock import MovableClock
from chingin_app.models import MailOutbox
from chingin_app.services import mail, mail_templates
from chingin_app.services.mail import MailMessage
from chingin_app.settings import settings
from tests import factories

# ---------------------------------------------------------------------------- shared helpers


class Inbox:
    """An SMTP server's handler that keeps every message it accepts (or refuses them all
    with a temporary error while ``refuse`` is set)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 Try again later"
        raw = envelope.original_content or b""
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self._lock:
            self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages received for ``address``, oldest first (the test databases are shared:
        other tests' mails may arrive too)."""
        with self._lock:
            return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on a free loopback port, with the settings pointed at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CHINGIN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHINGIN_SMTP_PORT", str(port))
    settings.cache_clear()
    try:
        yield inbox
    finally:
        controller.stop()


def point_smtp_at_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings pointed at a loopback port where nothing listens (connection refused)."""
    monkeypatch.setenv("CHINGIN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHINGIN_SMTP_PORT", str(free_port()))
    settings.cache_clear()


def body_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def code_in(msg: EmailMessage) -> str:
    """The 6-digit code of an auth-code mail."""
    match = re.search(r"認証コード：([0-9]{6})", body_of(msg))
    assert match is not None, body_of(msg)
    return match.group(1)


def quiesce_outbox(db: Session) -> None:
    """Give up every unsent row left by earlier tests (the databases are shared), so a count
    of sent mails is this test's own."""
    db.execute(text("UPDATE mail_outbox SET next_attempt_at = NULL WHERE sent_at IS NULL"))
    db.commit()


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def inbox(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with running_inbox(monkeypatch) as box:
        yield box


def _rows(db: Session, to: str) -> list[MailOutbox]:
    """The outbox rows for ``to``; ends the read so the session holds no SQLite lock."""
    db.expire_all()
    rows = list(
        db.exec(select(MailOutbox).where(MailOutbox.to_addr == to).order_by(col(MailOutbox.id)))
    )
    db.commit()
    return rows


def _address() -> str:
    return f"{factories.next_user_id('mail')}@example.co.jp"


# ---------------------------------------------------------------------------- tests


def test_r_sec_2_outbox_mail_is_utf8_jst_without_links(
    db: Session, clock: MovableClock, inbox: Inbox
) -> None:
    """R-SEC-2: "Mails are UTF-8, times in JST, no links, with 「お心当たりのない場合は…」";
    R-ENV-7: the お問い合わせ先 from settings; From is ``mail_from``."""
    quiesce_outbox(db)
    to = _address()
    expires = clock.now() + timedelta(minutes=10)
    mail.enqueue(
        db,
        to=to,
        message=mail_templates.auth_code(user_name="田中　太郎", code="042917", expires_at=expires),
        clock=clock,
    )
    db.commit()
    [row] = _rows(db, to)
    assert row.body_sealed is not None and b"042917" not in row.body_sealed  # sealed at rest
    assert row.next_attempt_at == clock.now() and row.attempts == 0

    assert mail.deliver_pending(clock=clock) == 1
    [msg] = inbox.to(to)
    assert msg["From"] == settings().mail_from
    assert msg["Subject"] == "【賃金控除事務支援サービス】認証コードのお知らせ"
    assert msg["Date"].endswith("+0900")
    assert msg["Date"].datetime == clock.now()
    assert msg.get_content_charset() == "utf-8"
    body = body_of(msg)
    assert code_in(msg) == "042917"
    assert "2026年4月1日 10:10（日本時間）" in body  # 01:10 UTC shown in JST
    assert "http" not in body and "www." not in body
    assert "お心当たりのない場合は" in body
    assert body.rstrip().endswith("ご返信いただいてもお答えできません。")
    assert "テストろうきん ヘルプデスク" in body and "0000-99-8888" in body

    [row] = _rows(db, to)
    assert row.sent_at == clock.now() and row.attempts == 1
    assert row.body_sealed is None and row.next_attempt_at is None and row.last_error is None
    assert mail.deliver_pending(clock=clock) == 0  # nothing twice


TEMPLATES: list[tuple[str, Callable[[], MailMessage]]] = [
    (
        "auth_code",
        lambda: mail_templates.auth_code(
            user_name="田中", code="123456", expires_at=factories.NOW
        ),
    ),
    (
        "certificate_issued",
        lambda: mail_templates.certificate_issued(
            user_name="田中", user_id="tanaka01", issued_at=factories.NOW,
            not_after=factories.NOW + timedelta(days=366),
        ),
    ),
    (
        "issuance_locked",
        lambda: mail_templates.issuance_locked(user_name="田中", until=factories.NOW),
    ),
    ("login_locked", lambda: mail_templates.login_locked(user_name="田中", until=factories.NOW)),
    ("login_blocked", lambda: mail_templates.login_blocked(user_name="田中")),
    (
        "certificate_expiring",
        lambda: mail_templates.certificate_expiring(user_name="田中", not_after=factories.NOW),
    ),
    (
        "certificate_expired",
        lambda: mail_templates.certificate_expired(user_name="田中", not_after=factories.NOW),
    ),
]


@pytest.mark.parametrize(("kind", "make"), TEMPLATES, ids=[k for k, _ in TEMPLATES])
def test_r_sec_2_every_template_follows_the_mail_rules(
    app_env: Path, kind: str, make: Callable[[], MailMessage]
) -> None:
    """R-SEC-2 / R-ENV-7 for every mail: addressed by name, JST times, no links, the closing
    「お心当たりのない場合は…」 and the お問い合わせ先 from settings; ``kind`` names it."""
    message = make()
    assert message.kind == kind
    assert message.subject.startswith("【賃金控除事務支援サービス】")
    assert "\n" not in message.subject
    assert message.body.startswith("田中 様\n")
    assert "http" not in message.body and "www." not in message.body and "<a" not in message.body
    closing = message.body.split("お心当たりのない場合は", 1)
    assert len(closing) == 2
    assert "お問い合わせ先\nテストろうきん ヘルプデスク\n電話：0000-99-8888\n" in closing[1]
    if kind not in {"login_blocked"}:
        assert "2026年4月1日 10:00" in message.body  # factories.NOW (01:00 UTC) in JST


def test_r_sec_2_three_tries_over_ten_minutes_then_given_up(
    db: Session, clock: MovableClock, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-SEC-2 "3 tries over 10 minutes": at once, after 2 minutes, after 10 minutes; then the
    row is given up, its body cleared, the error kept."""
    quiesce_outbox(db)
    point_smtp_at_nothing(monkeypatch)
    to = _address()
    start = clock.now()
    mail.enqueue(db, to=to, message=MailMessage("件名", "本文です。"), clock=clock)
    db.commit()

    assert mail.deliver_pending(clock=clock) == 0
    [row] = _rows(db, to)
    assert row.attempts == 1 and row.next_attempt_at == start + timedelta(minutes=2)
    assert row.last_error and "本文" not in row.last_error

    clock.advance(timedelta(minutes=1, seconds=59))
    assert mail.deliver_pending(clock=clock) == 0
    assert _rows(db, to)[0].attempts == 1  # not due yet

    clock.set(start + timedelta(minutes=2))
    mail.deliver_pending(clock=clock)
    [row] = _rows(db, to)
    assert row.attempts == 2 and row.next_attempt_at == start + timedelta(minutes=10)

    clock.set(start + timedelta(minutes=10))
    mail.deliver_pending(clock=clock)
    [row] = _rows(db, to)
    assert row.attempts == 3 and row.next_attempt_at is None
    assert row.sent_at is None and row.body_sealed is None and row.last_error

    clock.advance(timedelta(hours=1))
    assert mail.deliver_pending(clock=clock) == 0
    assert _rows(db, to)[0].attempts == 3


def test_r_sec_2_a_temporary_refusal_is_retried_and_then_delivered(
    db: Session, clock: MovableClock, inbox: Inbox
) -> None:
    """A 4xx answer counts as a try; the retry 2 minutes later delivers it, once."""
    quiesce_outbox(db)
    to = _address()
    mail.enqueue(db, to=to, message=MailMessage("再送", "本文"), clock=clock)
    db.commit()
    inbox.refuse = True
    assert mail.deliver_pending(clock=clock) == 0
    assert _rows(db, to)[0].last_error
    inbox.refuse = False
    clock.advance(timedelta(minutes=2))
    assert mail.deliver_pending(clock=clock) == 1
    assert len(inbox.to(to)) == 1
    [row] = _rows(db, to)
    assert row.attempts == 2 and row.sent_at == clock.now() and row.last_error is None


def test_r_sec_2_expired_auth_code_mail_is_discarded_not_sent(
    db: Session, clock: MovableClock, inbox: Inbox
) -> None:
    """A code mail that could not go out before its code expired is dropped: it would only
    mislead."""
    quiesce_outbox(db)
    to = _address()
    mail.enqueue(
        db, to=to, message=MailMessage("コード", "本文"), clock=clock,
        discard_after=clock.now() + timedelta(minutes=10),
    )
    db.commit()
    clock.advance(timedelta(minutes=10))
    assert mail.deliver_pending(clock=clock) == 0
    assert inbox.to(to) == []
    [row] = _rows(db, to)
    assert row.next_attempt_at is None and row.body_sealed is None and row.sent_at is None
    assert row.last_error and "discarded" in row.last_error


def test_outbox_row_rolls_back_with_its_transaction(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """STYLE §2: the mail exists exactly when the change that caused it commits."""
    to = _address()
    mail.enqueue(db, to=to, message=MailMessage("件名", "本文"), clock=clock)
    db.rollback()
    assert _rows(db, to) == []


@pytest.mark.parametrize("bad", ["a@example.jp\r\nBcc: x@example.jp", "no-at-sign", ""])
def test_enqueue_refuses_header_injection(
    db: Session, clock: MovableClock, app_env: Path, bad: str
) -> None:
    """An address with a line break (or none) is a bug: refused before anything is queued."""
    with pytest.raises(ValueError):
        mail.enqueue(db, to=bad, message=MailMessage("件名", "本文"), clock=clock)
    db.rollback()


def test_r_sec_2_parallel_senders_send_each_mail_once(
    db: Session, clock: MovableClock, inbox: Inbox
) -> None:
    """Several workers (threads here) flushing at once never send a row twice: each row is
    claimed by a conditional UPDATE first."""
    quiesce_outbox(db)
    addresses = [_address() for _ in range(12)]
    for to in addresses:
        mail.enqueue(db, to=to, message=MailMessage("件名", "本文"), clock=clock)
    db.commit()
    barrier = threading.Barrier(4)
    sent: list[int] = []

    def worker() -> None:
        barrier.wait()
        sent.append(mail.deliver_pending(clock=clock))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == len(addresses)
    for to in addresses:
        assert len(inbox.to(to)) == 1


def test_outbox_purge_keeps_pending_and_recent_rows(
    db: Session, clock: MovableClock, inbox: Inbox
) -> None:
    """R-OPS-4-style housekeeping: finished rows go after 7 days; unsent ones stay."""
    quiesce_outbox(db)
    sent_to, pending_to = _address(), _address()
    mail.enqueue(db, to=sent_to, message=MailMessage("件名", "本文"), clock=clock)
    db.commit()
    mail.deliver_pending(clock=clock)
    later = MovableClock(clock.now() + timedelta(days=1))
    mail.enqueue(db, to=pending_to, message=MailMessage("件名", "本文"), clock=later)
    db.commit()
    [pending] = _rows(db, pending_to)
    pending.next_attempt_at = datetime(2099, 1, 1, tzinfo=UTC)  # still waiting for its try
    db.add(pending)
    db.commit()
    clock.advance(timedelta(days=7, seconds=1))
    assert mail.purge(db, clock=clock) >= 1
    assert _rows(db, sent_to) == []
    assert len(_rows(db, pending_to)) == 1


async def test_deliver_pending_refuses_to_block_an_event_loop(
    app_env: Path, clock: MovableClock
) -> None:
    """It blocks on SMTP: inside a running loop (a Reflex handler) it must go to a thread."""
    with pytest.raises(RuntimeError, match="thread"):
        mail.deliver_pending(clock=clock)
    long_ago = MovableClock(factories.NOW - timedelta(days=3650))  # nothing is due then
    assert await asyncio.to_thread(mail.deliver_pending, clock=long_ago) == 0
