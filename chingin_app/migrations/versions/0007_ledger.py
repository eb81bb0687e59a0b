"""賃控元帳事務: the contract's 種目 (item types), the ledger details and their history
(SPEC §11 RL-1, RL-2, RL-4, RL-11; Appendix A.6).

Written by hand to match ``chingin_app.models.ledger`` (the schema test compares them).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)

#: Dropped in this order on downgrade (children first).
_TABLES = ("ledger_detail_history", "ledger_details", "ledger_item_types")


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
        "ledger_item_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("ledger_item_types", "contract_id", "contracts.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_item_types")),
        sa.UniqueConstraint(
            "contract_id", "code", name=op.f("uq_ledger_item_types_contract_id_code")
        ),
    )
    _indexes("ledger_item_types", "contract_id")
    op.create_table(
        "ledger_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("payment_group_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("item_type_id", sa.Integer(), nullable=False),
        sa.Column("monthly_amount", sa.Integer(), nullable=False),
        sa.Column("bonus_amount", sa.Integer(), nullable=False),
        sa.Column("start_month", sa.String(length=7), nullable=False),
        sa.Column("end_month", sa.String(length=7), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cancelled_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'cancelled')", name=op.f("ck_ledger_details_status")
        ),
        sa.CheckConstraint(
            "monthly_amount >= 0 AND bonus_amount >= 0", name=op.f("ck_ledger_details_amounts")
        ),
        sa.CheckConstraint(
            "end_month IS NULL OR start_month <= end_month",
            name=op.f("ck_ledger_details_months"),
        ),
        _fk("ledger_details", "contract_id", "contracts.id"),
        _fk("ledger_details", "payment_group_id", "payment_groups.id"),
        _fk("ledger_details", "employee_id", "employees.id"),
        _fk("ledger_details", "item_type_id", "ledger_item_types.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_details")),
    )
    _indexes("ledger_details", "contract_id", "payment_group_id", "employee_id", "item_type_id")
    op.create_index(
        "ix_ledger_details_contract_id_status", "ledger_details", ["contract_id", "status"]
    )
    op.create_table(
        "ledger_detail_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("detail_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", _TS, nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        _fk("ledger_detail_history", "contract_id", "contracts.id"),
        _fk("ledger_detail_history", "detail_id", "ledger_details.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_detail_history")),
    )
    _indexes("ledger_detail_history", "detail_id")
    op.create_index(
        "ix_ledger_detail_history_contract_id_changed_at",
        "ledger_detail_history",
        ["contract_id", "changed_at"],
    )


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
