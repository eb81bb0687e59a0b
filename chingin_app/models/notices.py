"""Business notices and each user's 通知設定 (SPEC §13 R-PLUS-7; rules in ``domain.notices``,
use cases in ``services.notices``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["BusinessNotice", "NoticeSetting"]


class BusinessNotice(SQLModel, table=True):
    """One notice to one user about one request (R-PLUS-7): shown on the user's information
    screen and, unless the user opted out, mailed (``mailed``).

    The unique constraint makes a notice once-only per (request, kind, user): a job run twice,
    or on two workers at once, inserts it once (``INSERT … ON CONFLICT DO NOTHING``) and only
    the run whose insert took queues the mail. ``request_id`` is a ``deduction_requests`` or a
    ``ledger_requests`` id by ``request_kind`` (no foreign key: two tables). What the text
    needs is copied in (group, month, pay kind, deadline, 控除不能 count): never an amount or
    a name (R-PLUS-7).
    """

    __tablename__ = "business_notices"
    __table_args__ = (
        UniqueConstraint("request_kind", "request_id", "kind", "user_pk",
                         name="uq_business_notices_once"),
        CheckConstraint("kind IN ('request', 'deadline', 'results')", name="kind"),
        CheckConstraint("request_kind IN ('rokin', 'ledger')", name="request_kind"),
        Index("ix_business_notices_user_pk_created_at", "user_pk", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    user_pk: int = Field(foreign_key="users.id")
    request_kind: str = Field(max_length=16)
    request_id: int
    kind: str = Field(max_length=16)
    group_no: str = Field(max_length=3)
    deduct_month: str = Field(max_length=7)
    pay_kind: str = Field(max_length=16)
    deadline: date | None = Field(default=None, sa_type=Date)
    not_deducted: int | None = None
    mailed: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)


class NoticeSetting(SQLModel, table=True):
    """A user's 通知設定 (R-PLUS-7 "each user can opt out"): which notices come by mail. No row
    means every notice by mail. ``version`` guards against two tabs saving over each other."""

    __tablename__ = "notice_settings"

    user_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id"), primary_key=True, autoincrement=False)
    )
    mail_request: bool = True
    mail_deadline: bool = True
    mail_results: bool = True
    version: int = 1
    updated_at: datetime = Field(sa_type=UTCDateTime)
