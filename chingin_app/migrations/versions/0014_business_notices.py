"""Business notices and 通知設定 (SPEC §13 R-PLUS-7).

Written by hand to match ``chingin_app.models.notices`` (the schema test compares them).

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    parent = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{parent}")
    )


def upgrade() -> None:
    op.create_table(
        "business_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("request_kind", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("group_no", sa.String(length=3), nullable=False),
        sa.Column("deduct_month", sa.String(length=7), nullable=False),
        sa.Column("pay_kind", sa.String(length=16), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("not_deducted", sa.Integer(), nullable=True),
        sa.Column("mailed", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint(
            "kind IN ('request', 'deadline', 'results')", name=op.f("ck_business_notices_kind")
        ),
        sa.CheckConstraint(
            "request_kind IN ('rokin', 'ledger')", name=op.f("ck_business_notices_request_kind")
        ),
        _fk("business_notices", "contract_id", "contracts.id"),
        _fk("business_notices", "user_pk", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_notices")),
        sa.UniqueConstraint(
            "request_kind", "request_id", "kind", "user_pk", name="uq_business_notices_once"
        ),
    )
    op.create_index(op.f("ix_business_notices_contract_id"), "business_notices", ["contract_id"])
    op.create_index(
        "ix_business_notices_user_pk_created_at", "business_notices", ["user_pk", "created_at"]
    )
    op.create_table(
        "notice_settings",
        sa.Column("user_pk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mail_request", sa.Boolean(), nullable=False),
        sa.Column("mail_deadline", sa.Boolean(), nullable=False),
        sa.Column("mail_results", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        _fk("notice_settings", "user_pk", "users.id"),
        sa.PrimaryKeyConstraint("user_pk", name=op.f("pk_notice_settings")),
    )


def downgrade() -> None:
    op.drop_table("notice_settings")
    op.drop_index("ix_business_notices_user_pk_created_at", table_name="business_notices")
    op.drop_index(op.f("ix_business_notices_contract_id"), table_name="business_notices")
    op.drop_table("business_notices")
