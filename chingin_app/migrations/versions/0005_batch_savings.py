"""一斉積立事務: the 一斉積立内訳明細 statements and their lines (SPEC §11 RS-1..RS-3, issue 4).

Written by hand to match ``chingin_app.models.batch_savings`` (the schema test compares them).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batch_savings_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("payment_group_id", sa.Integer(), nullable=False),
        sa.Column("savings_month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('monthly', 'bonus')", name=op.f("ck_batch_savings_statements_kind")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_batch_savings_statements_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_group_id"],
            ["payment_groups.id"],
            name=op.f("fk_batch_savings_statements_payment_group_id_payment_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_savings_statements")),
        sa.UniqueConstraint(
            "contract_id",
            "payment_group_id",
            "savings_month",
            "kind",
            name="uq_batch_savings_statements_cycle",
        ),
    )
    op.create_index(
        op.f("ix_batch_savings_statements_contract_id"), "batch_savings_statements", ["contract_id"]
    )
    op.create_index(
        op.f("ix_batch_savings_statements_payment_group_id"),
        "batch_savings_statements",
        ["payment_group_id"],
    )
    op.create_index(
        "ix_batch_savings_statements_group_received",
        "batch_savings_statements",
        ["contract_id", "payment_group_id", "received_at"],
    )
    op.create_table(
        "batch_savings_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("staff_no", sa.String(length=10), nullable=False),
        sa.Column("name_kana", sa.String(length=40), nullable=False),
        sa.Column("name_kanji", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("branch_no", sa.String(length=3), nullable=False),
        sa.Column("account_no", sa.String(length=7), nullable=False),
        sa.Column("product_name", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("previous_amount", sa.Integer(), nullable=False),
        sa.Column("change_kind", sa.String(length=4), nullable=False),
        sa.CheckConstraint(
            "amount >= 0 AND previous_amount >= 0", name=op.f("ck_batch_savings_items_amounts")
        ),
        sa.CheckConstraint(
            "change_kind IN ('新規', '変更', '解約', '継続')",
            name=op.f("ck_batch_savings_items_change_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_batch_savings_items_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["batch_savings_statements.id"],
            name=op.f("fk_batch_savings_items_statement_id_batch_savings_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_savings_items")),
    )
    op.create_index(
        op.f("ix_batch_savings_items_contract_id"), "batch_savings_items", ["contract_id"]
    )
    op.create_index(
        op.f("ix_batch_savings_items_statement_id"), "batch_savings_items", ["statement_id"]
    )


def downgrade() -> None:
    op.drop_table("batch_savings_items")
    op.drop_table("batch_savings_statements")
