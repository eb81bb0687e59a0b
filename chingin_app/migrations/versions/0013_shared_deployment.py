"""CRLs signed once and kept in the database, and the fingerprints of the files every VM holds
identically (SPEC R-DEP-5).

Written by hand to match ``chingin_app.models.deployment`` (the schema test compares them).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_crls",
        sa.Column("issuer_sha256", sa.String(length=64), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("this_update", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_update", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer_sha256", name=op.f("pk_stored_crls")),
    )
    op.create_table(
        "deployment_files",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_deployment_files")),
    )


def downgrade() -> None:
    op.drop_table("deployment_files")
    op.drop_table("stored_crls")
