"""How the 労金控除明細 screens (RK-1, RK-2, RK-3) show a detail and a product (the 状態
choices and the カナ氏名 feedback are ``state/detail_fields.py``'s): plain functions shared by
their states, no rules of their own (the rules are in services/rokin/details.py)."""

from __future__ import annotations

from collections.abc import Iterable

from chingin_app.domain import dates, figures
from chingin_app.services.rokin.detail_queries import DetailRow, ProductView


def detail_row(row: DetailRow) -> dict[str, str]:
    """One list row; the keys that sort are ``detail_queries.SORT_KEYS``' own."""
    return {
        "id": str(row.id),
        "staff_no": row.staff_no,
        "name_kana": row.name_kana,
        "name_kanji": row.name_kanji,
        "department": row.department,
        "product": f"{row.product_code} {row.product_name}",
        "account_no": row.account_no,
        "monthly_amount": figures.amount(row.monthly_amount),
        "bonus_amount": figures.amount(row.bonus_amount),
        "start_month": row.start_month,
        "end_month": row.end_month or "",
        # What the list shows (2026年5月); the edit form keeps the typed form above.
        "start_month_label": dates.month_label(row.start_month),
        "end_month_label": dates.month_label(row.end_month),
        "remaining_count": "" if row.remaining_count is None else str(row.remaining_count),
        "status": row.state_label,
        "live": "" if row.state == "cancelled" else "1",
        "loan": "1" if row.product_kind == "loan" else "",
    }


def product_options(products: Iterable[ProductView]) -> list[list[str]]:
    """``[code, "code name"]`` per product, for a select."""
    return [[p.code, f"{p.code} {p.name}"] for p in products]
