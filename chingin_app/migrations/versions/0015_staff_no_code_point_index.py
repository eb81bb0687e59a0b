"""職員番号 in code-point order from an index on PostgreSQL (issue 12, DESIGN §1 "Production and
scale").

The detail lists sort by 職員番号 with ``COLLATE "C"`` (``services/collation.py``), which the
unique (contract_id, staff_no) index in the database's own collation cannot serve: every page of
労金控除明細照会 / 賃控元帳明細照会 sorted all of a group's details (10,000 of them: about 20 ms a
page). This index gives PostgreSQL that order, so a page reads the 50 rows it shows. SQLite
already compares by code point: its unique index serves, and nothing is created there.

Written by hand to match ``chingin_app.models.rokin.Employee`` (the schema test compares them).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_employees_contract_id_staff_no_c"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'CREATE INDEX {_NAME} ON employees (contract_id, staff_no COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {_NAME}")
