"""Client certificates the service issued (SPEC §6: R-CERT-4, R-CERT-5, R-CERT-6, R-CERT-7)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["Certificate", "CertificateStatus", "RevocationReason"]


class CertificateStatus(StrEnum):
    """current: the user's one valid certificate (R-CERT-5); superseded: replaced by a renewal
    (MSG-CERT-SUPERSEDED); revoked: by the bank, a deletion or a termination (R-CERT-7)."""

    CURRENT = "current"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


class RevocationReason(StrEnum):
    """CRL reason codes as RFC 5280 / ``cryptography.x509.ReasonFlags`` values name them."""

    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "keyCompromise"
    AFFILIATION_CHANGED = "affiliationChanged"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessationOfOperation"


_ONE_CURRENT_WHERE = text("status = 'current'")


class Certificate(SQLModel, table=True):
    """An issued client certificate, never its key (R-CERT-11).

    ``serial_hex``: lower-case hex without separators; ``sha256``: lower-case hex of the DER,
    what the certificate gate looks up (DESIGN §3). A partial unique index allows one current
    certificate per user (R-CERT-5). ``renewal_notice_sent_at`` and ``expiry_notice_sent_at``
    make the R-CERT-6 mails go once each.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("status IN ('current', 'superseded', 'revoked')", name="status"),
        Index(
            "uq_certificates_one_current_per_user",
            "user_pk",
            unique=True,
            sqlite_where=_ONE_CURRENT_WHERE,
            postgresql_where=_ONE_CURRENT_WHERE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_pk: int = Field(foreign_key="users.id", index=True)
    serial_hex: str = Field(max_length=40, unique=True)
    sha256: str = Field(max_length=64, unique=True)
    not_before: datetime = Field(sa_type=UTCDateTime)
    not_after: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str = Field(default=CertificateStatus.CURRENT.value, max_length=16)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revocation_reason: str | None = Field(default=None, max_length=32)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    renewal_notice_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expiry_notice_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
