"""財形貯蓄事務 tables (SPEC §11 RZ-1 … RZ-3, R-INFO-1, R-PLUS-3; Appendix A.5, A.6): the bank's
財形預入依頼書 (deposit request) per payment group, 預入年月 and 区分 with its lines per employee ×
種類, and the 加入者残高一覧表 (balances) received at a date.

Both are the bank's data (``chingin bank load-zaikei``); the organisation only reads them, so
there is no version column. Months are ``YYYY-MM`` text, codes are text, amounts whole yen;
every table carries ``contract_id`` (the tenant) and the headers the payment group.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from chingin_app.models.types import UTCDateTime

__all__ = ["ZaikeiBalance", "ZaikeiBalanceItem", "ZaikeiDeposit", "ZaikeiDepositItem"]

_KINDS_SQL = "kind IN ('general', 'pension', 'housing')"


class ZaikeiDeposit(SQLModel, table=True):
    """財形預入依頼書: one per (contract, payment group, 預入年月, 区分 = 月例 | 一時金), with its
    入金予定日 and when it was received."""

    __tablename__ = "zaikei_deposits"
    __table_args__ = (
        UniqueConstraint(
            "contract_id", "payment_group_id", "deposit_month", "pay_kind",
            name="uq_zaikei_deposits_month",
        ),
        CheckConstraint("pay_kind IN ('monthly', 'bonus')", name="pay_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    payment_group_id: int = Field(foreign_key="payment_groups.id", index=True)
    deposit_month: str = Field(max_length=7)
    pay_kind: str = Field(max_length=16)
    deposit_date: date = Field(sa_type=Date)
    received_at: datetime = Field(sa_type=UTCDateTime)


class ZaikeiDepositItem(SQLModel, table=True):
    """One line of a 預入依頼書: an employee's contract of one 種類 (一般財形 / 財形年金 /
    財形住宅) with the 月例額, 一時金額, 奨励金 (NULL where none or not contracted) and
    前回との変更 (新規 / 変更 / 継続 / 解約; the 変更明細書 lists all but 継続)."""

    __tablename__ = "zaikei_deposit_items"
    __table_args__ = (
        CheckConstraint(_KINDS_SQL, name="kind"),
        CheckConstraint(
            "monthly_amount >= 0 AND bonus_amount >= 0 AND (incentive IS NULL OR incentive >= 0)",
            name="amounts",
        ),
        CheckConstraint("change_kind IN ('新規', '変更', '継続', '解約')", name="change_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    deposit_id: int = Field(foreign_key="zaikei_deposits.id", index=True)
    staff_no: str = Field(max_length=10)
    name_kana: str = Field(max_length=40)
    name_kanji: str = Field(max_length=40)
    department: str = Field(max_length=40)
    birth_date: date = Field(sa_type=Date)
    kind: str = Field(max_length=16)
    account_no: str = Field(max_length=7)
    monthly_amount: int
    bonus_amount: int
    incentive: int | None = None
    change_kind: str = Field(max_length=4)


class ZaikeiBalance(SQLModel, table=True):
    """加入者残高一覧表 of a payment group as of a date (only where 加入者残高一覧表 is
    contracted)."""

    __tablename__ = "zaikei_balances"
    __table_args__ = (
        UniqueConstraint(
            "contract_id", "payment_group_id", "as_of", name="uq_zaikei_balances_as_of"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    payment_group_id: int = Field(foreign_key="payment_groups.id", index=True)
    as_of: date = Field(sa_type=Date)
    received_at: datetime = Field(sa_type=UTCDateTime)


class ZaikeiBalanceItem(SQLModel, table=True):
    """One employee × 種類 of a 加入者残高一覧表: 残高 and 元利合計 (principal and interest; for
    財形住宅 and 財形年金 it counts against the ¥5.5M tax-free limit, A.5)."""

    __tablename__ = "zaikei_balance_items"
    __table_args__ = (
        CheckConstraint(_KINDS_SQL, name="kind"),
        CheckConstraint("balance >= 0 AND principal_interest >= 0", name="amounts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts.id", index=True)
    balance_id: int = Field(foreign_key="zaikei_balances.id", index=True)
    staff_no: str = Field(max_length=10)
    name_kana: str = Field(max_length=40)
    name_kanji: str = Field(max_length=40)
    kind: str = Field(max_length=16)
    account_no: str = Field(max_length=7)
    balance: int
    principal_interest: int
