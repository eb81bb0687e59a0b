"""賃控元帳事務 tables (SPEC §11 RL-1 … RL-11, appendix A.6): the contract's item types (種目)
and the ledger details (one employee × one 種目) with their history.

The employees are the 労金控除 ones (``models.rokin.Employee``, per contract × payment group):
one person has one row whichever service deducts for them. Conventions as in ``models.rokin``:
months are ``YYYY-MM`` text, amounts whole yen, every editable row has ``version`` (the
optimistic-lock counter SQLAlchemy checks on UPDATE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["LedgerDetail", "LedgerDetailHistory", "LedgerItemType"]

_item_version = Column("version", Integer, nullable=False)


class LedgerItemType(SQLModel, table=True):
    """種目 (RL-11): a kind of deduction the organisation keeps in its ledger (組合費, 共済会費,
    購買代金 …), per contract, by a code of up to 4 digits and a name."""

    __tablename__ = "ledger_item_types"
    __table_args__ = (UniqueConstraint("contract_id", "code"),)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _item_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    code: str = Field(max_length=4)
    name: str = Field(max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_item_version)


_ledger_detail_version = Column("version", Integer, nullable=False)


class LedgerDetail(SQLModel, table=True):
    """賃控元帳明細: one employee × one 種目 with 月例額, 一時金額, 開始年月 and 終了年月 (NULL =
    open-ended). 解除 sets ``status`` 'cancelled'; the row stays for the history."""

    __tablename__ = "ledger_details"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'cancelled')", name="status"),
        CheckConstraint("monthly_amount >= 0 AND bonus_amount >= 0", name="amounts"),
        CheckConstraint("end_month IS NULL OR start_month <= end_month", name="months"),
        Index("ix_ledger_details_contract_id_status", "contract_id", "status"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _ledger_detail_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    payment_group_id: int = Field(foreign_key="payment_groups.id", index=True)
    employee_id: int = Field(foreign_key="employees.id", index=True)
    item_type_id: int = Field(foreign_key="ledger_item_types.id", index=True)
    monthly_amount: int
    bonus_amount: int
    start_month: str = Field(max_length=7)
    end_month: str | None = Field(default=None, max_length=7)
    status: str = Field(default="active", max_length=16)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_ledger_detail_version)


class LedgerDetailHistory(SQLModel, table=True):
    """更新履歴 (RL-4): who, when, what (追加 / 変更 / 解除) and the detail as JSON before and
    after (``before_json`` NULL for 追加)."""

    __tablename__ = "ledger_detail_history"
    __table_args__ = (
        Index("ix_ledger_detail_history_contract_id_changed_at", "contract_id", "changed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id")
    detail_id: int = Field(foreign_key="ledger_details.id", index=True)
    changed_at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=40)
    action: str = Field(max_length=8)
    before_json: str | None = Field(default=None, sa_type=Text)
    after_json: str | None = Field(default=None, sa_type=Text)
