"""一斉積立事務 tables: the 一斉積立内訳明細 statements the bank sends and their lines
(SPEC §11 一斉積立事務 RS-1..RS-3, R-INFO-1 最新受信情報).

Conventions (as ``chingin_app.models.rokin``): the 積立年月 is ``YYYY-MM`` text, codes
(職員番号, 店番, 口座番号) are text, amounts whole yen, never negative. A statement belongs to one
contract and one payment group; it is received whole (``chingin bank load-batch``) and never
edited afterwards, so the tables carry no version column.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = [
    "BatchKind",
    "BatchSavingsItem",
    "BatchSavingsStatement",
]


class BatchKind(StrEnum):
    """区分 of a statement: 月例 (monthly) or 賞与 (bonus)."""

    MONTHLY = "monthly"
    BONUS = "bonus"


class BatchSavingsStatement(SQLModel, table=True):
    """一斉積立内訳明細: one per (contract, payment group, 積立年月, 区分), as received."""

    __tablename__ = "batch_savings_statements"
    __table_args__ = (
        UniqueConstraint(
            "contract_id",
            "payment_group_id",
            "savings_month",
            "kind",
            name="uq_batch_savings_statements_cycle",
        ),
        CheckConstraint("kind IN ('monthly', 'bonus')", name="kind"),
        Index(
            "ix_batch_savings_statements_group_received",
            "contract_id",
            "payment_group_id",
            "received_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    payment_group_id: int = Field(foreign_key="payment_groups.id", index=True)
    savings_month: str = Field(max_length=7)
    kind: str = Field(max_length=16)
    received_at: datetime = Field(sa_type=UTCDateTime)
    item_count: int = 0
    total_amount: int = 0


class BatchSavingsItem(SQLModel, table=True):
    """One line of a statement: the employee (snapshot as sent), the account and the amounts.
    ``change_kind`` 変更区分 holds a ``domain.line_kinds.ChangeKind`` value.

    ``previous_amount`` is the amount of the same person and account in the previous statement
    of the group and 区分 (0 if none); a 解約 line has ``amount`` 0.
    """

    __tablename__ = "batch_savings_items"
    __table_args__ = (
        CheckConstraint("amount >= 0 AND previous_amount >= 0", name="amounts"),
        CheckConstraint("change_kind IN ('新規', '変更', '解約', '継続')", name="change_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    statement_id: int = Field(foreign_key="batch_savings_statements.id", index=True)
    line_no: int
    staff_no: str = Field(max_length=10)
    name_kana: str = Field(max_length=40)
    name_kanji: str = Field(max_length=40)
    department: str = Field(max_length=40)
    branch_no: str = Field(max_length=3)
    account_no: str = Field(max_length=7)
    product_name: str = Field(max_length=20)
    amount: int
    previous_amount: int = 0
    change_kind: str = Field(max_length=4)
