"""労金控除事務 tables: employees, products, deduction details with their history, the monthly
deduction requests with items and the results (SPEC §11 労金控除事務, appendix A.1, A.4, A.6).

Conventions (shared with the cycle code in ``services/rokin/cycle/``):

- Months (開始年月, 終了年月, 控除年月) are ``YYYY-MM`` strings: they sort and compare as text
  and are what the lists print. Calendar days (控除日, 期限, 入金予定日, 入金日) are ``date``.
- Codes (職員番号, 口座番号, 店番, 商品コード) are text, so leading zeros survive (A.2).
- Amounts are whole yen (``int``), never negative.
- ``name_kana`` holds the normalised half-width bank kana (``domain.kana.normalise_kana``).
- Every table carries ``contract_id`` (the tenant); every editable row has ``version``, which
  SQLAlchemy uses as its optimistic-lock counter (an UPDATE of a stale row raises
  ``StaleDataError``); the services also compare it with the version the screen showed.
- The kinds and states are stored as the values of the domain's enums, defined once there:
  ``domain.line_kinds.PayKind`` / ``ChangeKind`` (``pay_kind``, ``change_kind``),
  ``domain.deduction_cycle.CycleStatus`` (a request's ``status``) and ``ResultKind`` (a
  result's ``result``); the CHECK constraints below list the same values.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Column, Date, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from chingin_app.domain.deduction_cycle import CycleStatus
from chingin_app.models.types import UTCDateTime

__all__ = [
    "DeductionDetail",
    "DeductionDetailHistory",
    "DeductionRequest",
    "DeductionRequestItem",
    "DeductionResultItem",
    "DetailStatus",
    "Employee",
    "EmployeeHistory",
    "HistoryAction",
    "ProductKind",
    "RokinProduct",
]


class ProductKind(StrEnum):
    """商品の種類: savings (普通預金, 定期積金, 財形 …) or loan (ローン返済, has 残回数)."""

    SAVINGS = "savings"
    LOAN = "loan"


class DetailStatus(StrEnum):
    """A deduction detail is active until cancelled (解除); an ended one is still 'active'
    with an ``end_month`` in the past (the cycle code skips it)."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class HistoryAction(StrEnum):
    """更新履歴の操作 (RK-3), stored as the label the screens show."""

    ADD = "追加"
    CHANGE = "変更"
    CANCEL = "解除"


_employee_version = Column("version", Integer, nullable=False)


class Employee(SQLModel, table=True):
    """職員: one person of the organisation in one payment group.

    ``staff_no`` (職員番号) is text, unique per contract. ``name_kana`` is the normalised bank
    kana (A.1), ``name_kanji`` the kanji name, ``department`` 所属.
    """

    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("contract_id", "staff_no"),
        # The lists' 職員番号 order (COLLATE "C", services/collation.py) from an index on
        # PostgreSQL (migration 0015); SQLite's unique index already compares by code point.
        Index("ix_employees_contract_id_staff_no_c", "contract_id", "staff_no",
              postgresql_ops={"staff_no": 'COLLATE "C"'}).ddl_if(dialect="postgresql"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _employee_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    payment_group_id: int = Field(foreign_key="payment_groups.id", index=True)
    staff_no: str = Field(max_length=10)
    name_kana: str = Field(max_length=40)
    name_kanji: str = Field(max_length=40)
    department: str = Field(max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_employee_version)


class EmployeeHistory(SQLModel, table=True):
    """職員情報の変更履歴 (RK-12): who (a user ID), when, what (``EmployeeAction``: 変更 or
    退職) and the employee's fields before and after as JSON (退職: the month and the details
    it ended)."""

    __tablename__ = "employee_history"
    __table_args__ = (
        Index("ix_employee_history_contract_id_changed_at", "contract_id", "changed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id")
    employee_id: int = Field(foreign_key="employees.id", index=True)
    changed_at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=40)
    action: str = Field(max_length=8)
    before_json: str | None = Field(default=None, sa_type=Text)
    after_json: str | None = Field(default=None, sa_type=Text)


_product_version = Column("version", Integer, nullable=False)


class RokinProduct(SQLModel, table=True):
    """商品: a bank product a detail deducts for (普通預金, 定期積金, 財形, ローン返済 …),
    per contract, with the branch (店番) that keeps it."""

    __tablename__ = "rokin_products"
    __table_args__ = (
        UniqueConstraint("contract_id", "code"),
        CheckConstraint("kind IN ('savings', 'loan')", name="kind"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _product_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    code: str = Field(max_length=4)
    name: str = Field(max_length=40)
    kind: str = Field(max_length=16)
    branch_no: str = Field(max_length=3)
    version: int = Field(default=1, sa_column=_product_version)


_detail_version = Column("version", Integer, nullable=False)


class DeductionDetail(SQLModel, table=True):
    """労金控除明細: one employee × one product (SPEC §11).

    ``start_month``/``end_month`` are ``YYYY-MM`` (``end_month`` NULL = open-ended);
    ``remaining_count`` (残回数) is set for loans only. 解除 sets ``status`` to 'cancelled'
    and ``cancelled_at``; the row stays for the history.
    """

    __tablename__ = "deduction_details"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'cancelled')", name="status"),
        CheckConstraint("monthly_amount >= 0 AND bonus_amount >= 0", name="amounts"),
        CheckConstraint(
            "remaining_count IS NULL OR remaining_count >= 0", name="remaining_count"
        ),
        CheckConstraint("end_month IS NULL OR start_month <= end_month", name="months"),
        Index("ix_deduction_details_contract_id_status", "contract_id", "status"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _detail_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    payment_group_id: int = Field(foreign_key="payment_groups.id", index=True)
    employee_id: int = Field(foreign_key="employees.id", index=True)
    product_id: int = Field(foreign_key="rokin_products.id", index=True)
    account_no: str = Field(max_length=7)
    monthly_amount: int
    bonus_amount: int
    start_month: str = Field(max_length=7)
    end_month: str | None = Field(default=None, max_length=7)
    status: str = Field(default=DetailStatus.ACTIVE.value, max_length=16)
    remaining_count: int | None = None
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_detail_version)


class DeductionDetailHistory(SQLModel, table=True):
    """更新履歴 (RK-3): who (a user ID, or 'bank' for the bank side), when, what (追加 / 変更 /
    解除), and the detail as JSON before and after (``before_json`` NULL for 追加)."""

    __tablename__ = "deduction_detail_history"
    __table_args__ = (
        Index(
            "ix_deduction_detail_history_contract_id_changed_at", "contract_id", "changed_at"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id")
    detail_id: int = Field(foreign_key="deduction_details.id", index=True)
    changed_at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=40)
    action: str = Field(max_length=8)
    before_json: str | None = Field(default=None, sa_type=Text)
    after_json: str | None = Field(default=None, sa_type=Text)


_request_version = Column("version", Integer, nullable=False)


class DeductionRequest(SQLModel, table=True):
    """控除依頼: one per (contract, payment group, 控除年月, 支給区分), published by the bank.

    ``deadline`` is the まとめ入金 deadline (the confirmation can be undone until then);
    ``confirmed_*`` the まとめ入金確定, ``results_received_at`` the 結果受信 (A.4).
    """

    __tablename__ = "deduction_requests"
    __table_args__ = (
        # An explicit short name: the convention's name would exceed PostgreSQL's 63 bytes.
        UniqueConstraint(
            "contract_id",
            "payment_group_id",
            "deduct_month",
            "pay_kind",
            name="uq_deduction_requests_cycle",
        ),
        CheckConstraint("pay_kind IN ('monthly', 'bonus')", name="pay_kind"),
        CheckConstraint("status IN ('received', 'confirmed', 'results')", name="status"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _request_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    payment_group_id: int = Field(foreign_key="payment_groups.id", index=True)
    deduct_month: str = Field(max_length=7)
    pay_kind: str = Field(max_length=16)
    received_at: datetime = Field(sa_type=UTCDateTime)
    deduction_date: date = Field(sa_type=Date)
    deadline: date = Field(sa_type=Date)
    remittance_date: date = Field(sa_type=Date)
    status: str = Field(default=CycleStatus.RECEIVED.value, max_length=16)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_by: str | None = Field(default=None, max_length=40)
    results_received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_request_version)


_request_item_version = Column("version", Integer, nullable=False)


class DeductionRequestItem(SQLModel, table=True):
    """One line of a 控除依頼 with a snapshot of the employee and the product as published
    (later edits of the detail do not rewrite a past request).

    ``change_kind`` 異動区分 since last month; ``error_text`` 控除依頼明細エラー;
    ``counter_change`` 窓口扱い変更 (a change made at a branch counter); ``hold`` 入金中止
    with its reason, set by the organisation before まとめ入金確定 (RK-8).
    """

    __tablename__ = "deduction_request_items"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("change_kind IN ('新規', '変更', '解約', '継続')", name="change_kind"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _request_item_version}

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    request_id: int = Field(foreign_key="deduction_requests.id", index=True)
    detail_id: int | None = Field(default=None, foreign_key="deduction_details.id", index=True)
    employee_id: int | None = Field(default=None, foreign_key="employees.id")
    staff_no: str = Field(max_length=10)
    name_kana: str = Field(max_length=40)
    name_kanji: str = Field(max_length=40)
    department: str = Field(max_length=40)
    product_code: str = Field(max_length=4)
    product_name: str = Field(max_length=40)
    branch_no: str = Field(max_length=3)
    account_no: str = Field(max_length=7)
    amount: int
    remaining_count: int | None = None
    change_kind: str = Field(max_length=4)
    error_text: str | None = Field(default=None, max_length=200)
    counter_change: str | None = Field(default=None, max_length=200)
    hold: bool = False
    hold_reason: str | None = Field(default=None, max_length=100)
    hold_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hold_updated_by: str | None = Field(default=None, max_length=40)
    version: int = Field(default=1, sa_column=_request_item_version)


class DeductionResultItem(SQLModel, table=True):
    """控除結果 for one request item (RK-11): deducted amount, 済/不能 with 不能理由 (and the
    Zengin-style code of A.4), the kana the bank has registered (金庫登録カナ, for the
    カナ氏名不一致リスト) and the date paid in."""

    __tablename__ = "deduction_result_items"
    __table_args__ = (
        CheckConstraint("result IN ('deducted', 'not_deducted')", name="result"),
        CheckConstraint("deducted_amount >= 0", name="deducted_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    request_id: int = Field(foreign_key="deduction_requests.id", index=True)
    request_item_id: int = Field(foreign_key="deduction_request_items.id", unique=True)
    deducted_amount: int
    result: str = Field(max_length=16)
    result_code: str | None = Field(default=None, max_length=2)
    reason: str | None = Field(default=None, max_length=100)
    bank_name_kana: str = Field(max_length=40)
    paid_date: date | None = Field(default=None, sa_type=Date)
    loaded_at: datetime = Field(sa_type=UTCDateTime)
