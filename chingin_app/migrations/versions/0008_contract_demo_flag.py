"""The demo flag on contracts (SPEC R-DEP-1): start-up touches only contracts the demo loader
made. Of the contracts that exist, those the demo loader created (its ``contract.create``
entry in the operation log names ``operator:demo``) are flagged; a contract an operator made,
even with a demo number, is not.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(
            sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        sa.text(
            "UPDATE contracts SET is_demo = :yes WHERE contract_no IN ("
            " SELECT contract_no FROM operation_log WHERE action = 'contract.create'"
            " AND actor = 'operator:demo' AND result = 'success')"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.drop_column("is_demo")
