"""Bank operators of the operator console, their certificates from the separate operator CA and
their console sessions (SPEC R-OPS-7, R-PLUS-6)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Column, Index, Integer, text
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = [
    "Operator",
    "OperatorCertificate",
    "OperatorSession",
    "OperatorStatus",
]


class OperatorStatus(StrEnum):
    """active: may sign in; revoked: `chingin operator-account revoke` (certificates revoked)."""

    ACTIVE = "active"
    REVOKED = "revoked"


_operator_version = Column("version", Integer, nullable=False)


class Operator(SQLModel, table=True):
    """A person at the bank who works the operator console (R-OPS-7).

    ``login_id`` is the CN of the operator certificate; ``password_hash`` is argon2id
    (``services.passwords``). The lockout counters follow the customer login rules
    (``domain.lockout``: 6 failures lock for 60 minutes, the 3rd lock blocks)."""

    __tablename__ = "operators"
    __table_args__ = (CheckConstraint("status IN ('active', 'revoked')", name="status"),)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _operator_version}

    id: int | None = Field(default=None, primary_key=True)
    login_id: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=40)
    password_hash: str = Field(repr=False)
    status: str = Field(default=OperatorStatus.ACTIVE.value, max_length=16)
    failure_count: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lock_count: int = 0
    blocked: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_operator_version)


class OperatorCertificate(SQLModel, table=True):
    """A certificate of the operator CA (never of the customer CA, R-OPS-7)."""

    __tablename__ = "operator_certificates"
    __table_args__ = (CheckConstraint("status IN ('current', 'revoked')", name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_pk: int = Field(foreign_key="operators.id", index=True)
    serial_hex: str = Field(max_length=40, unique=True)
    sha256: str = Field(max_length=64, unique=True)
    not_after: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="current", max_length=16)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


_ONE_OPEN_OPERATOR_SESSION = text("ended_at IS NULL")


class OperatorSession(SQLModel, table=True):
    """A console session: only the SHA-256 of the token is stored; bound to the certificate it
    was opened with; one open session per operator (a new sign-in ends the older one)."""

    __tablename__ = "operator_sessions"
    __table_args__ = (
        Index(
            "uq_operator_sessions_one_open",
            "operator_pk",
            unique=True,
            sqlite_where=_ONE_OPEN_OPERATOR_SESSION,
            postgresql_where=_ONE_OPEN_OPERATOR_SESSION,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, repr=False)
    operator_pk: int = Field(foreign_key="operators.id", index=True)
    cert_sha256: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_activity_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=32)
