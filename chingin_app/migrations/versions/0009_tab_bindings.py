"""Tab-token bindings in the database (SPEC R-SEC-3, R-DEP-4): they survive a restart and are
shared by every worker and VM.

Written by hand to match ``chingin_app.models.tab_bindings`` (the schema test compares them).

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tab_bindings",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("cert_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_tab_bindings")),
    )
    op.create_index(op.f("ix_tab_bindings_expires_at"), "tab_bindings", ["expires_at"])


def downgrade() -> None:
    op.drop_table("tab_bindings")
