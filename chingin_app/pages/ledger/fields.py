"""A ledger detail's fields (月例額, 一時金額, 開始年月, 終了年月) for RL-1 追加登録・変更 and
RL-2 新規登録. With ``current`` (the row being changed) each shows its value now and blank
means unchanged (SPEC §3). The pieces are ``components/detail_fields.py``'s."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app.components.detail_fields import amount_month_fields


def ledger_fields(errors: Any, *, current: Any = None) -> rx.Component:
    return rx.fragment(*amount_month_fields(errors, current=current))
