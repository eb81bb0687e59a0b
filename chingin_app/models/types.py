"""Column types and conventions shared by every table (STYLE §1: store UTC, show JST).

``UTCDateTime`` is the one place where datetimes are normalised: aware UTC in, aware UTC out,
on SQLite (which keeps no offset and hands back naive values) and PostgreSQL
(``timestamp with time zone``) alike. A naive datetime is a bug and raises ValueError.

The naming convention gives every constraint and index a stable name on both databases, so
later migrations (Alembic batch mode on SQLite) can refer to them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

__all__ = ["NAMING_CONVENTION", "UTCDateTime", "utc"]

NAMING_CONVENTION: Final[dict[str, str]] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Set before any table is declared: constraint names are fixed when a table is built.
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utc(when: datetime) -> datetime:
    """An aware datetime converted to UTC; a naive one is a bug (ValueError)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("naive datetime: the service stores aware UTC datetimes")
    return when.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that always binds and returns aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = utc(value)
        if dialect.name == "sqlite":
            # SQLite's DATETIME text has no offset: store the UTC wall time.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value)!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
