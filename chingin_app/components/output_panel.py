"""Progress and the finished file of a list or export (state/outputs.py): a progress bar while
it is being made, then 表示 (PDF in the browser) and ダウンロード."""

from __future__ import annotations

from typing import Any

import reflex as rx


def excel_button(on_click: Any, **props: Any) -> rx.Component:
    """「Excel出力」 beside a CSV出力 (issue 14 item 5): the same export as an .xlsx workbook
    (its own button, delivered through the screen's one ダウンロード, never a second one)."""
    return rx.button("Excel出力", on_click=on_click, variant="outline",
                     data_testid="excel-output", **props)


def output_panel(state: Any) -> rx.Component:
    """``state`` is an ``OutputMixin`` screen state class."""
    return rx.box(
        rx.cond(
            state.output_running,
            rx.box(
                rx.text("作成中です… ", state.output_percent, "%", role="status",
                        data_testid="output-progress"),
                rx.progress(value=state.output_percent, max=100),
                margin_y="8px",
            ),
        ),
        rx.cond(
            state.output_error != "",
            rx.callout(state.output_error, color_scheme="red", role="alert"),
        ),
        rx.cond(
            state.output_name != "",
            rx.hstack(
                rx.text(state.output_name, data_testid="output-name"),
                rx.cond(
                    state.output_view_url != "",
                    rx.link("表示", href=state.output_view_url, is_external=False),
                ),
                rx.button("ダウンロード", on_click=state.download_output, variant="outline"),
                align="center", spacing="3", margin_y="8px",
            ),
        ),
    )
