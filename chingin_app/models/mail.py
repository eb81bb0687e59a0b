"""The mail outbox (SPEC R-SEC-2 "sent through an outbox with retries", R-CERT-6, R-PLUS-4;
STYLE §2 "mail goes out through an outbox row sent in the background").

A service adds a row inside its own transaction (``services.mail.enqueue``); the sender
(``services.mail.deliver_pending``) sends due rows after commit, never inside a request's
transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, LargeBinary
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["MailOutbox"]


class MailOutbox(SQLModel, table=True):
    """One mail to send.

    ``body_sealed`` is the UTF-8 body sealed with ``services.secretbox`` (AES-256-GCM, the
    ``message_id`` as associated data), because an auth-code mail holds a code (R-SEC-2
    "stored hashed"): the database never holds a code in clear, and the body is set to NULL
    once the mail is sent, given up or discarded. ``next_attempt_at`` is when the next try is
    due; NULL means nothing more will be tried (sent, given up after 3 tries, or discarded
    because ``discard_after`` passed, e.g. an auth code that expired). ``kind`` and
    ``user_pk`` let the issuance rules count a user's code mails per day (R-SEC-2 "at most
    10 code mails per ID per day").
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_mail_outbox_user_pk_kind_created_at", "user_pk", "kind", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=128, unique=True)
    kind: str = Field(max_length=32)
    user_pk: int | None = Field(default=None, foreign_key="users.id")
    to_addr: str = Field(max_length=254)
    subject: str
    body_sealed: bytes | None = Field(default=None, sa_type=LargeBinary, repr=False)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    discard_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)
