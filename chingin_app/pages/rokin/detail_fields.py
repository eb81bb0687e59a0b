"""A 労金控除明細's fields (口座番号, amounts, months, 残回数) for RK-1 追加登録・変更 and RK-2
新規登録; the pieces every detail screen shares are ``components/detail_fields.py``'s."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app.components.detail_fields import amount_month_fields, detail_field


def detail_fields(errors: Any, *, current: Any = None) -> rx.Component:
    """口座番号 … 残回数. With ``current`` (the row being changed) each field shows its value
    now and blank means unchanged (SPEC §3)."""
    return rx.fragment(
        detail_field(errors, current, "口座番号（7桁）", "account_no"),
        *amount_month_fields(errors, current=current),
        detail_field(errors, current, "残回数（ローン返済のみ）", "remaining_count",
                     max_length=3),
    )
