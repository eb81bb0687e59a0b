"""賃控元帳事務 tables (SPEC §11 RL-1 … RL-13, RL-CYCLE-1 … 4, appendix A.4, A.6): the contract's
item types (種目), the ledger details (one employee × one 種目) with their history, and the
monthly cycle: the 賃控元帳控除依頼 per (payment group, 控除年月, 支給区分) with its lines and their
results.

The employees are the 労金控除 ones (``models.rokin.Employee``, per contract × payment group):
one person has one row whichever service deducts for them. Conventions as in ``models.rokin``:
months are ``YYYY-MM`` text, amounts whole yen, every editable row has ``version`` (the
optimistic-lock counter SQLAlchemy checks on UPDATE)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Column, Date, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from chingin_app.domain.ledger_cycle import LedgerStatus
from chingin_app.models.types import UTCDateTime

__all__ = [
    "LedgerDetail",
    "LedgerDetailHistory",
    "LedgerItemType",
    "LedgerRequest",
    "LedgerRequestItem",
    "LedgerResultItem",
]

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


_ledger_request_version = Column("version", Integer, nullable=False)


class LedgerRequest(SQLModel, table=True):
    """賃控元帳控除依頼 (RL-CYCLE-1): one per (contract, payment group, 控除年月, 支給区分),
    published by the bank beside the 労金控除 request, on its dates (控除日, まとめ入金期限,
    入金予定日). ``status`` ``domain.ledger_cycle.LedgerStatus``; ``results_received_at`` when
    the bank loaded the results (RL-CYCLE-2)."""

    __tablename__ = "ledger_requests"
    __table_args__ = (
        # An explicit short name: the convention's name would exceed PostgreSQL's 63 bytes.
        UniqueConstraint("contract_id", "payment_group_id", "deduct_month", "pay_kind",
                         name="uq_ledger_requests_cycle"),
        CheckConstraint("pay_kind IN ('monthly', 'bonus')", name="pay_kind"),
        CheckConstraint("status IN ('received', 'results')", name="status"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _ledger_request_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    payment_group_id: int = Field(foreign_key="payment_groups.id", index=True)
    deduct_month: str = Field(max_length=7)
    pay_kind: str = Field(max_length=16)
    received_at: datetime = Field(sa_type=UTCDateTime)
    deduction_date: date = Field(sa_type=Date)
    deadline: date = Field(sa_type=Date)
    remittance_date: date = Field(sa_type=Date)
    status: str = Field(default=LedgerStatus.RECEIVED.value, max_length=16)
    results_received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_ledger_request_version)


class LedgerRequestItem(SQLModel, table=True):
    """One line of a 賃控元帳控除依頼: an employee × a 種目 with a snapshot of both as published
    (later edits do not rewrite a past request), the amount (月例額 or 一時金額 by 支給区分) and
    its 異動区分 against the previous request (解約 lines carry 0)."""

    __tablename__ = "ledger_request_items"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("change_kind IN ('新規', '変更', '解約', '継続')", name="change_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    request_id: int = Field(foreign_key="ledger_requests.id", index=True)
    detail_id: int | None = Field(default=None, foreign_key="ledger_details.id", index=True)
    employee_id: int | None = Field(default=None, foreign_key="employees.id", index=True)
    staff_no: str = Field(max_length=10)
    name_kana: str = Field(max_length=40)
    name_kanji: str = Field(max_length=40)
    department: str = Field(max_length=40)
    item_code: str = Field(max_length=4)
    item_name: str = Field(max_length=40)
    amount: int
    change_kind: str = Field(max_length=4)


class LedgerResultItem(SQLModel, table=True):
    """控除結果 of one ledger request line (RL-CYCLE-2, RL-7): the deducted amount, 済/不能
    (``domain.deduction_cycle.ResultKind``) with the Zengin-style code of A.4 and the
    不能理由."""

    __tablename__ = "ledger_result_items"
    __table_args__ = (
        CheckConstraint("result IN ('deducted', 'not_deducted')", name="result"),
        CheckConstraint("deducted_amount >= 0", name="deducted_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    request_id: int = Field(foreign_key="ledger_requests.id", index=True)
    request_item_id: int = Field(foreign_key="ledger_request_items.id", unique=True)
    deducted_amount: int
    result: str = Field(max_length=16)
    result_code: str = Field(max_length=2)
    reason: str | None = Field(default=None, max_length=100)
    loaded_at: datetime = Field(sa_type=UTCDateTime)
