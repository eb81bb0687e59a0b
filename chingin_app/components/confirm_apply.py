"""The 適用 of a preview (R-PLUS-5 "applies only on confirmation"): a button opening a
confirmation dialog whose はい runs the change, and the count boxes a preview shows."""

from __future__ import annotations

from typing import Any

import reflex as rx


def count_box(label: str, value: rx.Var[int] | int, test_id: str) -> rx.Component:
    """「label n件」 as a small box (新規 / 変更 / 変更なし …)."""
    return rx.box(
        rx.text(label, size="2"),
        rx.text(value, "件", weight="bold", size="5", data_testid=test_id),
        padding="8px 16px", border="1px solid var(--gray-6)", border_radius="6px",
    )


def confirm_apply(*, title: str, description: Any, on_confirm: Any,
                  disabled: rx.Var[bool] | bool = False, label: str = "適用") -> rx.Component:
    """``label`` → a dialog 「title」 with ``description`` → はい runs ``on_confirm``."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(label, size="3", disabled=disabled)),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.hstack(
                rx.alert_dialog.action(rx.button("はい", on_click=on_confirm)),
                rx.alert_dialog.cancel(rx.button("いいえ", variant="soft", color_scheme="gray")),
                spacing="3", justify="end", margin_top="16px",
            ),
        ),
    )
