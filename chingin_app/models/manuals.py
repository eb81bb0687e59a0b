"""Manuals and forms the bank registers for マニュアル照会 (SPEC R-MAN-1, R-OPS-3, R-INFO-3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["Manual"]


class Manual(SQLModel, table=True):
    """A registered PDF: held in ``content`` or at ``path`` (under the data dir), with the
    SHA-256 of its bytes. ``kind`` says which contracts see it: member, employer or both."""

    __tablename__ = "manuals"
    __table_args__ = (
        CheckConstraint("kind IN ('member', 'employer', 'both')", name="kind"),
        CheckConstraint("content IS NOT NULL OR path IS NOT NULL", name="content_or_path"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str
    kind: str = Field(max_length=16)
    filename: str
    content: bytes | None = Field(default=None, sa_type=LargeBinary, repr=False)
    path: str | None = None
    sha256: str = Field(max_length=64)
    registered_at: datetime = Field(sa_type=UTCDateTime)
