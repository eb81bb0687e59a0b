"""Contracts and their payment groups (SPEC §1, R-OPS-1, R-OPS-5, R-OPS-6, R-LOCK-3)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["Contract", "ContractStatus", "PaymentGroup"]


class ContractStatus(StrEnum):
    """R-OPS-6: suspended and terminated contracts refuse logins."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


_contract_version = Column("version", Integer, nullable=False)


class Contract(SQLModel, table=True):
    """A contract (契約, SPEC §1).

    ``services`` is the comma-separated, sorted list of ``domain.contract.Service`` values.
    The ``initial_password_*`` columns are the initial-password lockout of R-LOCK-3 (the same
    counting as R-LOCK-1/2, per contract); ``initial_password_hash`` is argon2id and never
    leaves a service. ``version`` is SQLAlchemy's optimistic-lock counter: an UPDATE of a stale
    row raises ``StaleDataError``.
    """

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("kind IN ('member', 'employer')", name="kind"),
        CheckConstraint("status IN ('active', 'suspended', 'terminated')", name="status"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _contract_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_no: str = Field(max_length=8, unique=True)
    name: str
    kind: str = Field(max_length=16)
    services: str = Field(max_length=200)
    status: str = Field(default=ContractStatus.ACTIVE.value, max_length=16)
    initial_password_hash: str | None = Field(default=None, repr=False)
    initial_password_failure_count: int = 0
    initial_password_locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    initial_password_lock_count: int = 0
    initial_password_blocked: bool = False
    #: Made by the demo loader (R-DEP-1): start-up only ever touches a contract flagged so;
    #: one the operator made with a demo number is left alone.
    is_demo: bool = False
    #: 職員番号桁数 (RL-CYCLE-3), set by the bank (R-OPS-1/5); NULL: the most common length
    #: among the contract's staff.
    staff_no_digits: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_contract_version)

    def service_list(self) -> tuple[str, ...]:
        """The contracted services as a tuple of ``Service`` values."""
        return service_list(self.services)


def service_list(stored: str) -> tuple[str, ...]:
    """A stored ``Contract.services`` value (comma-separated) as a tuple of ``Service`` values
    (for a query that reads the column alone)."""
    return tuple(s for s in stored.split(",") if s)


class PaymentGroup(SQLModel, table=True):
    """A payment group (入金グループ): 3-digit number, unique per contract, and a name."""

    __tablename__ = "payment_groups"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    number: str = Field(max_length=3)
    name: str
