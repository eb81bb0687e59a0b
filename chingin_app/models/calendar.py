"""The operator's maintenance windows and one-off closed days (SPEC R-ENV-1, R-ENV-1a)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["ClosedDay", "MaintenanceWindowRecord"]


class MaintenanceWindowRecord(SQLModel, table=True):
    """``chingin maintenance add --from --to [--message]``: closed over [starts_at, ends_at)."""

    __tablename__ = "maintenance_windows"

    id: int | None = Field(default=None, primary_key=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime, index=True)
    message: str | None = None
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ClosedDay(SQLModel, table=True):
    """``chingin holiday add DATE``: a Japan-time date closed in addition to bank holidays."""

    __tablename__ = "closed_days"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(sa_type=Date, unique=True)
    note: str | None = None
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(sa_type=UTCDateTime)
