"""Users, their menu permissions, auth-code challenges and login sessions
(SPEC §3, §4, R-MREG-2, R-USER-3, R-USER-7, R-SEC-1, R-SEC-2, R-CERT-11, R-SESS-1..4)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    LargeBinary,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = [
    "MENU_LEVELS",
    "AuthCodeChallenge",
    "LoginSession",
    "MenuPermission",
    "User",
    "UserRole",
    "fold_user_id",
]


class UserRole(StrEnum):
    """Exactly one master per contract, 0–10 general users (SPEC §1)."""

    MASTER = "master"
    GENERAL = "general"


#: 表示 / 非表示 / 閲覧のみ (R-USER-3, R-USER-7).
MENU_LEVELS: tuple[str, ...] = ("show", "hide", "view_only")


def fold_user_id(user_id: str) -> str:
    """The key that makes user IDs unique case-insensitively (SPEC §3). IDs are ASCII, so
    lower-casing here equals SQL ``lower()`` on both databases (checked by a constraint)."""
    return user_id.lower()


_user_version = Column("version", Integer, nullable=False)

_ONE_MASTER_WHERE = text("role = 'master' AND deleted_at IS NULL")


class User(SQLModel, table=True):
    """A master or general user.

    ``user_id`` is matched exactly (case-sensitive); ``user_id_folded`` = ``fold_user_id``
    (checked by the database) is UNIQUE across the service, deleted users included, so an ID
    is never reused (SPEC §3). Deleting a user sets ``deleted_at`` and keeps the row
    (R-OPS-2a). A partial unique index allows one live master per contract (R-MREG-2).
    Lockout: ``failure_count``/``locked_until``/``lock_count``/``blocked`` for login
    (R-LOCK-1/2/5), ``issuance_*`` for pages without a certificate (R-LOCK-4).
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('master', 'general')", name="role"),
        CheckConstraint("user_id_folded = lower(user_id)", name="user_id_folded"),
        Index(
            "uq_users_one_master_per_contract",
            "contract_id",
            unique=True,
            sqlite_where=_ONE_MASTER_WHERE,
            postgresql_where=_ONE_MASTER_WHERE,
        ),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _user_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    user_id: str = Field(max_length=12)
    user_id_folded: str = Field(max_length=12, unique=True)
    role: str = Field(max_length=16)
    user_name: str
    email: str
    password_hash: str = Field(repr=False)
    password_is_temporary: bool = False
    failure_count: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lock_count: int = 0
    blocked: bool = False
    issuance_failure_count: int = 0
    issuance_locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_user_version)


class MenuPermission(SQLModel, table=True):
    """One user's setting for one business menu (R-USER-7a): 'show', 'hide' or 'view_only'.
    A menu without a row is 非表示 and flagged 未設定 (rule lives in the domain)."""

    __tablename__ = "menu_permissions"
    __table_args__ = (
        UniqueConstraint("user_pk", "menu_key"),
        CheckConstraint("level IN ('show', 'hide', 'view_only')", name="level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_pk: int = Field(foreign_key="users.id", index=True)
    menu_key: str = Field(max_length=64)
    level: str = Field(max_length=16)


_ONE_LIVE_CHALLENGE_WHERE = text("consumed_at IS NULL AND voided_at IS NULL")


class AuthCodeChallenge(SQLModel, table=True):
    """One certificate-issuance attempt (R-CERT-1, R-SEC-2, R-CERT-11; ``services.issuance``).

    ``token_hash`` is the SHA-256 of the 128-bit token the issuance screens hold (never the
    token itself). ``code_hash`` is a keyed hash (HMAC, ``services.secretbox``) of the current
    6-digit code, emptied once the code is used; ``encrypted_password`` the password typed at
    認証, AES-256-GCM under a server key, set to NULL at 発行, expiry or after 5 wrong codes.
    ``entry`` is the top-page button the attempt came from ('any' 電子証明書発行,
    'general_first' 一般ユーザーの初期登録). An attempt is live until it is consumed (発行) or
    voided (``void_reason`` 'restarted', 'exhausted', 'expired'); a partial unique index allows
    one live attempt per user.
    """

    __tablename__ = "auth_code_challenges"
    __table_args__ = (
        CheckConstraint("entry IN ('any', 'general_first')", name="entry"),
        Index(
            "uq_auth_code_challenges_one_live_per_user",
            "user_pk",
            unique=True,
            sqlite_where=_ONE_LIVE_CHALLENGE_WHERE,
            postgresql_where=_ONE_LIVE_CHALLENGE_WHERE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_pk: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, repr=False)
    entry: str = Field(max_length=16)
    code_hash: str = Field(repr=False)
    encrypted_password: bytes | None = Field(default=None, sa_type=LargeBinary, repr=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    tries: int = 0
    sent_count: int = 0
    last_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consumed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)


_ONE_LIVE_SESSION_WHERE = text("ended_at IS NULL")


class LoginSession(SQLModel, table=True):
    """A server-side login session (R-SEC-1, R-SESS-1..4).

    Only the SHA-256 of the browser's token is stored. Bound to the certificate serial it was
    opened with; absolute lifetime ``expires_at`` (12 h), idle limit from ``last_activity_at``.
    A partial unique index allows one open session per user (R-SESS-4): a new login must end
    the older one in the same transaction.
    """

    __tablename__ = "sessions"
    __table_args__ = (
        Index(
            "uq_sessions_one_open_per_user",
            "user_pk",
            unique=True,
            sqlite_where=_ONE_LIVE_SESSION_WHERE,
            postgresql_where=_ONE_LIVE_SESSION_WHERE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, repr=False)
    user_pk: int = Field(foreign_key="users.id", index=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    payment_group_id: int | None = Field(default=None, foreign_key="payment_groups.id")
    cert_serial: str = Field(max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_activity_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=32)
