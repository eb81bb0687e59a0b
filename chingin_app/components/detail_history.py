"""The page of a 更新履歴照会 screen of per-employee details (RK-3 労金控除明細更新履歴照会, RL-4
賃控元帳明細更新履歴照会; SPEC §11): who, when, what, and each field before → after, 50 a page,
newest first; one detail's history when opened from its list's 履歴. The state is a
``state/detail_history.py`` DetailHistoryMixin screen."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, period_fields, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table, pager


def history_columns(what_header: str, what_key: str) -> tuple[Column, ...]:
    """The history table's columns; ``what`` is the 商品 / 種目 column."""
    return tuple(Column(header, key) for header, key in (
        ("更新日時", "at"), ("更新者", "actor"), ("操作", "action"), ("職員番号", "staff_no"),
        ("カナ氏名", "name_kana"), (what_header, what_key),
        ("変更内容（変更前 → 変更後）", "changes"),
    ))


def detail_history_page(
    state: Any, *, title: str, columns: tuple[Column, ...], list_title: str, list_route: str,
) -> rx.Component:
    """The screen ``title`` (e.g. 労金控除明細更新履歴照会) of ``state``; ``list_title``/
    ``list_route`` are its details list (the 「…照会へ」 button)."""
    h = state
    return signed_in_shell(
        title,
        alert(h.alert_text),
        rx.form(
            rx.hstack(
                text_field("職員番号", "staff_no", error=h.errors.get("staff_no", ""),
                           default_value=h.staff_no_filter, input_mode="numeric",
                           max_length=10),
                *[rx.box(f, margin_bottom="12px") for f in period_fields(h.errors)],
                rx.box(rx.button("検索", type="submit", size="3"), margin_bottom="12px"),
                align="end", spacing="3",
            ),
            on_submit=h.search,
            reset_on_submit=False,
        ),
        rx.cond(
            h.detail_label != "",
            rx.hstack(
                rx.text(h.detail_label, data_testid="history-detail"),
                rx.button("すべての明細の履歴", variant="outline", size="1",
                          on_click=h.all_details),
                align="center", spacing="3",
            ),
        ),
        pager(total=h.total, page=h.page, pages=h.pages, on_turn=h.turn, test_id="history-count",
              extra=[rx.button(f"{list_title}へ", variant="outline",
                               on_click=rx.redirect(list_route)),
                     rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO))]),
        rx.box(data_table(columns, h.rows, label=title.removesuffix("照会")),
               overflow_x="auto", tab_index=0,  # scrollable by keyboard too
               # The short columns on one line; 変更内容 wraps.
               style={"& th:not(:last-child), & td:not(:last-child)": {"whiteSpace": "nowrap"}}),
    )
