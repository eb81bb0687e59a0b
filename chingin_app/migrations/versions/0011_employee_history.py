"""職員情報の変更履歴 (SPEC §11 RK-12 職員情報照会・変更): who changed an employee's 所属, 漢字氏名
or カナ氏名, or recorded the 退職, when, and the fields before and after.

Written by hand to match ``chingin_app.models.rokin.EmployeeHistory`` (the schema test compares
them).

Revision ID: 0011
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "employee_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"],
            name=op.f("fk_employee_history_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"],
            name=op.f("fk_employee_history_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_history")),
    )
    op.create_index(
        "ix_employee_history_contract_id_changed_at", "employee_history",
        ["contract_id", "changed_at"],
    )
    op.create_index(
        op.f("ix_employee_history_employee_id"), "employee_history", ["employee_id"]
    )


def downgrade() -> None:
    op.drop_table("employee_history")
