"""財形貯蓄事務: the bank's 財形預入依頼書 with its lines and the 加入者残高一覧表 with its lines
(SPEC §11 RZ-1 … RZ-3, R-INFO-1, R-PLUS-3; Appendix A.5, A.6; issue 4).

Written by hand to match ``chingin_app.models.zaikei`` (the schema test compares them).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_KINDS = "kind IN ('general', 'pension', 'housing')"

#: Dropped in this order on downgrade (children first).
_TABLES = ("zaikei_deposit_items", "zaikei_deposits", "zaikei_balance_items", "zaikei_balances")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    parent = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{parent}")
    )


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "zaikei_deposits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("payment_group_id", sa.Integer(), nullable=False),
        sa.Column("deposit_month", sa.String(length=7), nullable=False),
        sa.Column("pay_kind", sa.String(length=16), nullable=False),
        sa.Column("deposit_date", sa.Date(), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.CheckConstraint(
            "pay_kind IN ('monthly', 'bonus')", name=op.f("ck_zaikei_deposits_pay_kind")
        ),
        _fk("zaikei_deposits", "contract_id", "contracts.id"),
        _fk("zaikei_deposits", "payment_group_id", "payment_groups.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zaikei_deposits")),
        sa.UniqueConstraint(
            "contract_id", "payment_group_id", "deposit_month", "pay_kind",
            name="uq_zaikei_deposits_month",
        ),
    )
    _indexes("zaikei_deposits", "contract_id", "payment_group_id")
    op.create_table(
        "zaikei_deposit_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("staff_no", sa.String(length=10), nullable=False),
        sa.Column("name_kana", sa.String(length=40), nullable=False),
        sa.Column("name_kanji", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account_no", sa.String(length=7), nullable=False),
        sa.Column("monthly_amount", sa.Integer(), nullable=False),
        sa.Column("bonus_amount", sa.Integer(), nullable=False),
        sa.Column("incentive", sa.Integer(), nullable=True),
        sa.Column("change_kind", sa.String(length=4), nullable=False),
        sa.CheckConstraint(_KINDS, name=op.f("ck_zaikei_deposit_items_kind")),
        sa.CheckConstraint(
            "monthly_amount >= 0 AND bonus_amount >= 0 AND (incentive IS NULL OR incentive >= 0)",
            name=op.f("ck_zaikei_deposit_items_amounts"),
        ),
        sa.CheckConstraint(
            "change_kind IN ('新規', '変更', '継続', '解約')",
            name=op.f("ck_zaikei_deposit_items_change_kind"),
        ),
        _fk("zaikei_deposit_items", "contract_id", "contracts.id"),
        _fk("zaikei_deposit_items", "deposit_id", "zaikei_deposits.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zaikei_deposit_items")),
    )
    _indexes("zaikei_deposit_items", "contract_id", "deposit_id")
    op.create_table(
        "zaikei_balances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("payment_group_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        _fk("zaikei_balances", "contract_id", "contracts.id"),
        _fk("zaikei_balances", "payment_group_id", "payment_groups.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zaikei_balances")),
        sa.UniqueConstraint(
            "contract_id", "payment_group_id", "as_of", name="uq_zaikei_balances_as_of"
        ),
    )
    _indexes("zaikei_balances", "contract_id", "payment_group_id")
    op.create_table(
        "zaikei_balance_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("balance_id", sa.Integer(), nullable=False),
        sa.Column("staff_no", sa.String(length=10), nullable=False),
        sa.Column("name_kana", sa.String(length=40), nullable=False),
        sa.Column("name_kanji", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account_no", sa.String(length=7), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("principal_interest", sa.Integer(), nullable=False),
        sa.CheckConstraint(_KINDS, name=op.f("ck_zaikei_balance_items_kind")),
        sa.CheckConstraint(
            "balance >= 0 AND principal_interest >= 0",
            name=op.f("ck_zaikei_balance_items_amounts"),
        ),
        _fk("zaikei_balance_items", "contract_id", "contracts.id"),
        _fk("zaikei_balance_items", "balance_id", "zaikei_balances.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zaikei_balance_items")),
    )
    _indexes("zaikei_balance_items", "contract_id", "balance_id")


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
