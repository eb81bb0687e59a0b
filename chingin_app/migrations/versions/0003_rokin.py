"""労金控除事務: employees, products, deduction details and their history, monthly deduction
requests with items, and results (SPEC §11 労金控除事務, appendix A.4, issue 5).

Written to match ``chingin_app.models.rokin`` (the schema test compares them). Months are
``YYYY-MM`` text, codes are text, amounts whole yen.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)

#: Dropped in this order on downgrade (children first).
_TABLES = (
    "deduction_result_items",
    "deduction_request_items",
    "deduction_detail_history",
    "deduction_details",
    "employees",
    "deduction_requests",
    "rokin_products",
)


def upgrade() -> None:
    op.create_table(
        "rokin_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("branch_no", sa.String(length=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('savings', 'loan')", name=op.f("ck_rokin_products_kind")),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_rokin_products_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rokin_products")),
        sa.UniqueConstraint("contract_id", "code", name=op.f("uq_rokin_products_contract_id_code")),
    )
    op.create_index(op.f("ix_rokin_products_contract_id"), "rokin_products", ["contract_id"])
    op.create_table(
        "deduction_requests",
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
        sa.Column("confirmed_at", _TS, nullable=True),
        sa.Column("confirmed_by", sa.String(length=40), nullable=True),
        sa.Column("results_received_at", _TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "pay_kind IN ('monthly', 'bonus')", name=op.f("ck_deduction_requests_pay_kind")
        ),
        sa.CheckConstraint(
            "status IN ('received', 'confirmed', 'results')",
            name=op.f("ck_deduction_requests_status"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_deduction_requests_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_group_id"],
            ["payment_groups.id"],
            name=op.f("fk_deduction_requests_payment_group_id_payment_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deduction_requests")),
        sa.UniqueConstraint(
            "contract_id",
            "payment_group_id",
            "deduct_month",
            "pay_kind",
            name="uq_deduction_requests_cycle",
        ),
    )
    op.create_index(
        op.f("ix_deduction_requests_contract_id"), "deduction_requests", ["contract_id"]
    )
    op.create_index(
        op.f("ix_deduction_requests_payment_group_id"), "deduction_requests", ["payment_group_id"]
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("payment_group_id", sa.Integer(), nullable=False),
        sa.Column("staff_no", sa.String(length=10), nullable=False),
        sa.Column("name_kana", sa.String(length=40), nullable=False),
        sa.Column("name_kanji", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_employees_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(
            ["payment_group_id"],
            ["payment_groups.id"],
            name=op.f("fk_employees_payment_group_id_payment_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint(
            "contract_id", "staff_no", name=op.f("uq_employees_contract_id_staff_no")
        ),
    )
    op.create_index(op.f("ix_employees_contract_id"), "employees", ["contract_id"])
    op.create_index(op.f("ix_employees_payment_group_id"), "employees", ["payment_group_id"])
    op.create_table(
        "deduction_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("payment_group_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("account_no", sa.String(length=7), nullable=False),
        sa.Column("monthly_amount", sa.Integer(), nullable=False),
        sa.Column("bonus_amount", sa.Integer(), nullable=False),
        sa.Column("start_month", sa.String(length=7), nullable=False),
        sa.Column("end_month", sa.String(length=7), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("remaining_count", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'cancelled')", name=op.f("ck_deduction_details_status")
        ),
        sa.CheckConstraint(
            "end_month IS NULL OR start_month <= end_month",
            name=op.f("ck_deduction_details_months"),
        ),
        sa.CheckConstraint(
            "monthly_amount >= 0 AND bonus_amount >= 0", name=op.f("ck_deduction_details_amounts")
        ),
        sa.CheckConstraint(
            "remaining_count IS NULL OR remaining_count >= 0",
            name=op.f("ck_deduction_details_remaining_count"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_deduction_details_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_deduction_details_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_group_id"],
            ["payment_groups.id"],
            name=op.f("fk_deduction_details_payment_group_id_payment_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["rokin_products.id"],
            name=op.f("fk_deduction_details_product_id_rokin_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deduction_details")),
    )
    op.create_index(op.f("ix_deduction_details_contract_id"), "deduction_details", ["contract_id"])
    op.create_index(
        "ix_deduction_details_contract_id_status", "deduction_details", ["contract_id", "status"]
    )
    op.create_index(op.f("ix_deduction_details_employee_id"), "deduction_details", ["employee_id"])
    op.create_index(
        op.f("ix_deduction_details_payment_group_id"), "deduction_details", ["payment_group_id"]
    )
    op.create_index(op.f("ix_deduction_details_product_id"), "deduction_details", ["product_id"])
    op.create_table(
        "deduction_detail_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("detail_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", _TS, nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_deduction_detail_history_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["detail_id"],
            ["deduction_details.id"],
            name=op.f("fk_deduction_detail_history_detail_id_deduction_details"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deduction_detail_history")),
    )
    op.create_index(
        "ix_deduction_detail_history_contract_id_changed_at",
        "deduction_detail_history",
        ["contract_id", "changed_at"],
    )
    op.create_index(
        op.f("ix_deduction_detail_history_detail_id"), "deduction_detail_history", ["detail_id"]
    )
    op.create_table(
        "deduction_request_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("detail_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("staff_no", sa.String(length=10), nullable=False),
        sa.Column("name_kana", sa.String(length=40), nullable=False),
        sa.Column("name_kanji", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("product_code", sa.String(length=4), nullable=False),
        sa.Column("product_name", sa.String(length=40), nullable=False),
        sa.Column("branch_no", sa.String(length=3), nullable=False),
        sa.Column("account_no", sa.String(length=7), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("remaining_count", sa.Integer(), nullable=True),
        sa.Column("change_kind", sa.String(length=4), nullable=False),
        sa.Column("error_text", sa.String(length=200), nullable=True),
        sa.Column("counter_change", sa.String(length=200), nullable=True),
        sa.Column("hold", sa.Boolean(), nullable=False),
        sa.Column("hold_reason", sa.String(length=100), nullable=True),
        sa.Column("hold_updated_at", _TS, nullable=True),
        sa.Column("hold_updated_by", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "change_kind IN ('新規', '変更', '解約', '継続')",
            name=op.f("ck_deduction_request_items_change_kind"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_deduction_request_items_amount")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_deduction_request_items_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["detail_id"],
            ["deduction_details.id"],
            name=op.f("fk_deduction_request_items_detail_id_deduction_details"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_deduction_request_items_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["deduction_requests.id"],
            name=op.f("fk_deduction_request_items_request_id_deduction_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deduction_request_items")),
    )
    op.create_index(
        op.f("ix_deduction_request_items_contract_id"), "deduction_request_items", ["contract_id"]
    )
    op.create_index(
        op.f("ix_deduction_request_items_detail_id"), "deduction_request_items", ["detail_id"]
    )
    op.create_index(
        op.f("ix_deduction_request_items_request_id"), "deduction_request_items", ["request_id"]
    )
    op.create_table(
        "deduction_result_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("request_item_id", sa.Integer(), nullable=False),
        sa.Column("deducted_amount", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("result_code", sa.String(length=2), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("bank_name_kana", sa.String(length=40), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("loaded_at", _TS, nullable=False),
        sa.CheckConstraint(
            "result IN ('deducted', 'not_deducted')", name=op.f("ck_deduction_result_items_result")
        ),
        sa.CheckConstraint(
            "deducted_amount >= 0", name=op.f("ck_deduction_result_items_deducted_amount")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_deduction_result_items_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["deduction_requests.id"],
            name=op.f("fk_deduction_result_items_request_id_deduction_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["request_item_id"],
            ["deduction_request_items.id"],
            name=op.f("fk_deduction_result_items_request_item_id_deduction_request_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deduction_result_items")),
        sa.UniqueConstraint(
            "request_item_id", name=op.f("uq_deduction_result_items_request_item_id")
        ),
    )
    op.create_index(
        op.f("ix_deduction_result_items_contract_id"), "deduction_result_items", ["contract_id"]
    )
    op.create_index(
        op.f("ix_deduction_result_items_request_id"), "deduction_result_items", ["request_id"]
    )


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
