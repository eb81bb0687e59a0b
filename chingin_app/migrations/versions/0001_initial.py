"""Initial schema: contracts, users, certificates, sessions, operation log, calendar, manuals.

Written by hand to match ``chingin_app.models`` (a test runs Alembic's ``compare_metadata``
against a migrated database on SQLite and PostgreSQL and expects no difference).

Besides the tables, ``operation_log`` gets triggers that refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL): nobody can edit or delete entries (SPEC R-LOG-1). The audited purge
of R-LOG-1 will have to lift them inside its own transaction.

Revision ID: 0001
Revises:
Create Date: 2026-04-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_APPEND_ONLY_MESSAGE = "operation_log is append-only (SPEC R-LOG-1)"


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_no", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("services", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("initial_password_hash", sa.String(), nullable=True),
        sa.Column("initial_password_failure_count", sa.Integer(), nullable=False),
        sa.Column("initial_password_locked_until", _TS, nullable=True),
        sa.Column("initial_password_lock_count", sa.Integer(), nullable=False),
        sa.Column("initial_password_blocked", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contracts"),
        sa.UniqueConstraint("contract_no", name="uq_contracts_contract_no"),
        sa.CheckConstraint("kind IN ('member', 'employer')", name="ck_contracts_kind"),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'terminated')", name="ck_contracts_status"
        ),
    )

    op.create_table(
        "payment_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_groups"),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name="fk_payment_groups_contract_id_contracts"
        ),
        sa.UniqueConstraint("contract_id", "number", name="uq_payment_groups_contract_id_number"),
    )
    op.create_index("ix_payment_groups_contract_id", "payment_groups", ["contract_id"])

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=12), nullable=False),
        sa.Column("user_id_folded", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("user_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("password_is_temporary", sa.Boolean(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", _TS, nullable=True),
        sa.Column("lock_count", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("issuance_failure_count", sa.Integer(), nullable=False),
        sa.Column("issuance_locked_until", _TS, nullable=True),
        sa.Column("deleted_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name="fk_users_contract_id_contracts"
        ),
        sa.UniqueConstraint("user_id_folded", name="uq_users_user_id_folded"),
        sa.CheckConstraint("role IN ('master', 'general')", name="ck_users_role"),
        sa.CheckConstraint("user_id_folded = lower(user_id)", name="ck_users_user_id_folded"),
    )
    op.create_index("ix_users_contract_id", "users", ["contract_id"])
    one_master = sa.text("role = 'master' AND deleted_at IS NULL")
    op.create_index(
        "uq_users_one_master_per_contract",
        "users",
        ["contract_id"],
        unique=True,
        sqlite_where=one_master,
        postgresql_where=one_master,
    )

    op.create_table(
        "menu_permissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("menu_key", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_menu_permissions"),
        sa.ForeignKeyConstraint(
            ["user_pk"], ["users.id"], name="fk_menu_permissions_user_pk_users"
        ),
        sa.UniqueConstraint("user_pk", "menu_key", name="uq_menu_permissions_user_pk_menu_key"),
        sa.CheckConstraint(
            "level IN ('show', 'hide', 'view_only')", name="ck_menu_permissions_level"
        ),
    )
    op.create_index("ix_menu_permissions_user_pk", "menu_permissions", ["user_pk"])

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("serial_hex", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("not_before", _TS, nullable=False),
        sa.Column("not_after", _TS, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.Column("revocation_reason", sa.String(length=32), nullable=True),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("renewal_notice_sent_at", _TS, nullable=True),
        sa.Column("expiry_notice_sent_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_certificates"),
        sa.ForeignKeyConstraint(["user_pk"], ["users.id"], name="fk_certificates_user_pk_users"),
        sa.UniqueConstraint("serial_hex", name="uq_certificates_serial_hex"),
        sa.UniqueConstraint("sha256", name="uq_certificates_sha256"),
        sa.CheckConstraint(
            "status IN ('current', 'superseded', 'revoked')", name="ck_certificates_status"
        ),
    )
    op.create_index("ix_certificates_user_pk", "certificates", ["user_pk"])
    op.create_index("ix_certificates_not_after", "certificates", ["not_after"])
    one_current = sa.text("status = 'current'")
    op.create_index(
        "uq_certificates_one_current_per_user",
        "certificates",
        ["user_pk"],
        unique=True,
        sqlite_where=one_current,
        postgresql_where=one_current,
    )

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

    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("payment_group_id", sa.Integer(), nullable=True),
        sa.Column("cert_serial", sa.String(length=40), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_activity_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("ended_at", _TS, nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.ForeignKeyConstraint(["user_pk"], ["users.id"], name="fk_sessions_user_pk_users"),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name="fk_sessions_contract_id_contracts"
        ),
        sa.ForeignKeyConstraint(
            ["payment_group_id"],
            ["payment_groups.id"],
            name="fk_sessions_payment_group_id_payment_groups",
        ),
        sa.UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
    )
    op.create_index("ix_sessions_user_pk", "sessions", ["user_pk"])
    op.create_index("ix_sessions_contract_id", "sessions", ["contract_id"])
    open_session = sa.text("ended_at IS NULL")
    op.create_index(
        "uq_sessions_one_open_per_user",
        "sessions",
        ["user_pk"],
        unique=True,
        sqlite_where=open_session,
        postgresql_where=open_session,
    )

    op.create_table(
        "operation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("contract_no", sa.String(length=8), nullable=True),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("screen", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("target", sa.String(), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_operation_log"),
        sa.UniqueConstraint("chain", "seq", name="uq_operation_log_chain_seq"),
        sa.CheckConstraint(
            "actor_kind IN ('user', 'operator', 'system')", name="ck_operation_log_actor_kind"
        ),
        sa.CheckConstraint(
            "result IN ('success', 'failure', 'refused')", name="ck_operation_log_result"
        ),
    )
    op.create_index("ix_operation_log_at", "operation_log", ["at"])
    op.create_index("ix_operation_log_contract_no_at", "operation_log", ["contract_no", "at"])

    op.create_table(
        "operation_log_heads",
        sa.Column("chain", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name="pk_operation_log_heads"),
    )

    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("ends_at", _TS, nullable=False),
        sa.Column("message", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_windows"),
    )
    op.create_index("ix_maintenance_windows_ends_at", "maintenance_windows", ["ends_at"])

    op.create_table(
        "closed_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_closed_days"),
        sa.UniqueConstraint("day", name="uq_closed_days_day"),
    )

    op.create_table(
        "manuals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("path", sa.String(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("registered_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_manuals"),
        sa.CheckConstraint("kind IN ('member', 'employer', 'both')", name="ck_manuals_kind"),
        sa.CheckConstraint(
            "content IS NOT NULL OR path IS NOT NULL", name="ck_manuals_content_or_path"
        ),
    )

    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on operation_log (R-LOG-1)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION operation_log_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{_APPEND_ONLY_MESSAGE}'; "
            "END; $$"
        )
        op.execute(
            "CREATE TRIGGER operation_log_append_only BEFORE UPDATE OR DELETE ON operation_log "
            "FOR EACH ROW EXECUTE FUNCTION operation_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER operation_log_no_truncate BEFORE TRUNCATE ON operation_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION operation_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER operation_log_no_{verb.lower()} BEFORE {verb} ON operation_log "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS operation_log_no_truncate ON operation_log")
        op.execute("DROP TRIGGER IF EXISTS operation_log_append_only ON operation_log")
        op.execute("DROP FUNCTION IF EXISTS operation_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS operation_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS operation_log_no_delete")
    for table in (
        "manuals",
        "closed_days",
        "maintenance_windows",
        "operation_log_heads",
        "operation_log",
        "sessions",
        "auth_code_challenges",
        "certificates",
        "menu_permissions",
        "users",
        "payment_groups",
        "contracts",
    ):
        op.drop_table(table)
