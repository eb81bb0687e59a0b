"""Certificate issuance attempts and the mail outbox (SPEC R-CERT-1, R-SEC-2, R-CERT-11).

``auth_code_challenges`` gets what an issuance attempt needs: the token hash the screens
present, the entry point, verified / voided times and the reason for voiding, an index for
the expiry purge and one live attempt per user. Its rows are attempts of at most 10 minutes
with nothing worth keeping, so the table is rebuilt rather than altered (the same DDL on
SQLite and PostgreSQL, no batch copy of encrypted passwords). ``mail_outbox`` is new.

Written by hand to match ``chingin_app.models`` (the schema test compares them).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_table("auth_code_challenges")
    op.create_table(
        "auth_code_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("entry", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(), nullable=False),
        sa.Column("encrypted_password", sa.LargeBinary(), nullable=True),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", _TS, nullable=True),
        sa.Column("verified_at", _TS, nullable=True),
        sa.Column("consumed_at", _TS, nullable=True),
        sa.Column("voided_at", _TS, nullable=True),
        sa.Column("void_reason", sa.String(length=16), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_auth_code_challenges"),
        sa.ForeignKeyConstraint(
            ["user_pk"], ["users.id"], name="fk_auth_code_challenges_user_pk_users"
        ),
        sa.UniqueConstraint("token_hash", name="uq_auth_code_challenges_token_hash"),
        sa.CheckConstraint(
            "entry IN ('any', 'general_first')", name="ck_auth_code_challenges_entry"
        ),
    )
    op.create_index("ix_auth_code_challenges_user_pk", "auth_code_challenges", ["user_pk"])
    op.create_index("ix_auth_code_challenges_expires_at", "auth_code_challenges", ["expires_at"])
    live = sa.text("consumed_at IS NULL AND voided_at IS NULL")
    op.create_index(
        "uq_auth_code_challenges_one_live_per_user",
        "auth_code_challenges",
        ["user_pk"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )

    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=True),
        sa.Column("to_addr", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=True),
        sa.Column("discard_after", _TS, nullable=True),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mail_outbox"),
        sa.ForeignKeyConstraint(["user_pk"], ["users.id"], name="fk_mail_outbox_user_pk_users"),
        sa.UniqueConstraint("message_id", name="uq_mail_outbox_message_id"),
        sa.CheckConstraint("attempts >= 0", name="ck_mail_outbox_attempts"),
    )
    op.create_index("ix_mail_outbox_created_at", "mail_outbox", ["created_at"])
    op.create_index("ix_mail_outbox_next_attempt_at", "mail_outbox", ["next_attempt_at"])
    op.create_index(
        "ix_mail_outbox_user_pk_kind_created_at",
        "mail_outbox",
        ["user_pk", "kind", "created_at"],
    )


def downgrade() -> None:
    op.drop_table("mail_outbox")
    op.drop_table("auth_code_challenges")
    op.create_table(
        "auth_code_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(), nullable=False),
        sa.Column("encrypted_password", sa.LargeBinary(), nullable=True),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", _TS, nullable=True),
        sa.Column("consumed_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_auth_code_challenges"),
        sa.ForeignKeyConstraint(
            ["user_pk"], ["users.id"], name="fk_auth_code_challenges_user_pk_users"
        ),
    )
    op.create_index("ix_auth_code_challenges_user_pk", "auth_code_challenges", ["user_pk"])
