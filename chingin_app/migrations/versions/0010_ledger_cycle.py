"""賃控元帳's monthly cycle: the 賃控元帳控除依頼 with its lines and results, and the contract's
職員番号桁数 (SPEC §11 RL-CYCLE-1 … 4, RL-5, RL-6, RL-7, RL-12, RL-13).

Written by hand to match ``chingin_app.models.ledger`` and ``models.contracts`` (the schema
test compares them).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
# The brief's chain is 0007 → (0008, 0009) → 0010; this branch's head is 0009.
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)

#: Dropped in this order on downgrade (children first).
_TABLES = ("ledger_result_items", "ledger_request_items", "ledger_requests")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    parent = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{parent}")
    )


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(sa.Column("staff_no_digits", sa.Integer(), nullable=True))
    op.create_table(
        "ledger_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("payment_group_id", sa.Integer(), nullable=False),
        sa.Column("deduct_month", sa.String(length=7), nullable=False),
        sa.Column("pay_kind", sa.String(length=16), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("deduction_date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("remittance_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("results_received_at", _TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "pay_kind IN ('monthly', 'bonus')", name=op.f("ck_ledger_requests_pay_kind")
        ),
        sa.CheckConstraint(
            "status IN ('received', 'results')", name=op.f("ck_ledger_requests_status")
        ),
        _fk("ledger_requests", "contract_id", "contracts.id"),
        _fk("ledger_requests", "payment_group_id", "payment_groups.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_requests")),
        sa.UniqueConstraint(
            "contract_id", "payment_group_id", "deduct_month", "pay_kind",
            name="uq_ledger_requests_cycle",
        ),
    )
    _indexes("ledger_requests", "contract_id", "payment_group_id")
    op.create_table(
        "ledger_request_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("detail_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("staff_no", sa.String(length=10), nullable=False),
        sa.Column("name_kana", sa.String(length=40), nullable=False),
        sa.Column("name_kanji", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("item_code", sa.String(length=4), nullable=False),
        sa.Column("item_name", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("change_kind", sa.String(length=4), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_ledger_request_items_amount")),
        sa.CheckConstraint(
            "change_kind IN ('新規', '変更', '解約', '継続')",
            name=op.f("ck_ledger_request_items_change_kind"),
        ),
        _fk("ledger_request_items", "contract_id", "contracts.id"),
        _fk("ledger_request_items", "request_id", "ledger_requests.id"),
        _fk("ledger_request_items", "detail_id", "ledger_details.id"),
        _fk("ledger_request_items", "employee_id", "employees.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_request_items")),
    )
    _indexes("ledger_request_items", "contract_id", "request_id", "detail_id", "employee_id")
    op.create_table(
        "ledger_result_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("request_item_id", sa.Integer(), nullable=False),
        sa.Column("deducted_amount", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("result_code", sa.String(length=2), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("loaded_at", _TS, nullable=False),
        sa.CheckConstraint(
            "result IN ('deducted', 'not_deducted')", name=op.f("ck_ledger_result_items_result")
        ),
        sa.CheckConstraint(
            "deducted_amount >= 0", name=op.f("ck_ledger_result_items_deducted_amount")
        ),
        _fk("ledger_result_items", "contract_id", "contracts.id"),
        _fk("ledger_result_items", "request_id", "ledger_requests.id"),
        _fk("ledger_result_items", "request_item_id", "ledger_request_items.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_result_items")),
        sa.UniqueConstraint(
            "request_item_id", name=op.f("uq_ledger_result_items_request_item_id")
        ),
    )
    _indexes("ledger_result_items", "contract_id", "request_id")


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
    with op.batch_alter_table("contracts") as batch:
        batch.drop_column("staff_no_digits")
