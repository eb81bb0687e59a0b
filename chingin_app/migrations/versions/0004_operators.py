"""Operators of the operator console, their certificates and sessions (SPEC R-OPS-7, R-PLUS-6).

Written by hand to match ``chingin_app.models.operators`` (the schema test compares them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", _TS, nullable=True),
        sa.Column("lock_count", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_operators"),
        sa.UniqueConstraint("login_id", name="uq_operators_login_id"),
        sa.CheckConstraint("status IN ('active', 'revoked')", name="ck_operators_status"),
    )
    op.create_table(
        "operator_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_pk", sa.Integer(), nullable=False),
        sa.Column("serial_hex", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("not_after", _TS, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_operator_certificates"),
        sa.ForeignKeyConstraint(
            ["operator_pk"], ["operators.id"], name="fk_operator_certificates_operator_pk_operators"
        ),
        sa.UniqueConstraint("serial_hex", name="uq_operator_certificates_serial_hex"),
        sa.UniqueConstraint("sha256", name="uq_operator_certificates_sha256"),
        sa.CheckConstraint(
            "status IN ('current', 'revoked')", name="ck_operator_certificates_status"
        ),
    )
    op.create_index(
        "ix_operator_certificates_operator_pk", "operator_certificates", ["operator_pk"]
    )
    op.create_table(
        "operator_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("operator_pk", sa.Integer(), nullable=False),
        sa.Column("cert_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_activity_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("ended_at", _TS, nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_operator_sessions"),
        sa.ForeignKeyConstraint(
            ["operator_pk"], ["operators.id"], name="fk_operator_sessions_operator_pk_operators"
        ),
        sa.UniqueConstraint("token_hash", name="uq_operator_sessions_token_hash"),
    )
    op.create_index("ix_operator_sessions_operator_pk", "operator_sessions", ["operator_pk"])
    one_open = sa.text("ended_at IS NULL")
    op.create_index(
        "uq_operator_sessions_one_open",
        "operator_sessions",
        ["operator_pk"],
        unique=True,
        sqlite_where=one_open,
        postgresql_where=one_open,
    )


def downgrade() -> None:
    op.drop_table("operator_sessions")
    op.drop_table("operator_certificates")
    op.drop_table("operators")
