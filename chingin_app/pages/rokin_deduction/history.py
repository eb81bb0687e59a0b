"""RK-3 労金控除明細更新履歴照会 (SPEC §11): who, when, what, and each field before → after."""

from __future__ import annotations

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, period_fields, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.state.rokin_deduction.history import RokinHistoryState as H

COLUMNS = tuple(Column(header, key) for header, key in (
    ("更新日時", "at"), ("更新者", "actor"), ("操作", "action"), ("職員番号", "staff_no"),
    ("カナ氏名", "name_kana"), ("商品", "product"), ("変更内容（変更前 → 変更後）", "changes"),
))


def rokin_history_page() -> rx.Component:
    """RK-3: newest first, 50 a page; one detail's history when opened from RK-1's 履歴."""
    return signed_in_shell(
        "労金控除明細更新履歴照会",
        alert(H.alert_text),
        rx.form(
            rx.hstack(
                text_field("職員番号", "staff_no", error=H.errors.get("staff_no", ""),  # type: ignore[arg-type]
                           default_value=H.staff_no_filter, input_mode="numeric",
                           max_length=10),
                *[rx.box(f, margin_bottom="12px") for f in period_fields(H.errors)],
                rx.box(rx.button("検索", type="submit", size="3"), margin_bottom="12px"),
                align="end", spacing="3",
            ),
            on_submit=H.search,
            reset_on_submit=False,
        ),
        rx.cond(
            H.detail_label != "",
            rx.hstack(
                rx.text(H.detail_label, data_testid="history-detail"),
                rx.button("すべての明細の履歴", variant="outline", size="1",
                          on_click=H.all_details),
                align="center", spacing="3",
            ),
        ),
        pager(total=H.total, page=H.page, pages=H.pages, on_turn=H.turn, test_id="history-count",
              extra=[rx.button("労金控除明細照会へ", variant="outline",
                               on_click=rx.redirect(routes.ROKIN_DETAILS)),
                     rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO))]),
        rx.box(data_table(COLUMNS, H.rows, label="労金控除明細更新履歴"), overflow_x="auto",
               # The short columns on one line; 変更内容 wraps.
               style={"& th:not(:last-child), & td:not(:last-child)": {"whiteSpace": "nowrap"}}),
    )
