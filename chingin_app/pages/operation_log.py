"""操作ログ照会 (R-LOG-1; SPEC appendix C screen 19)."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.form import alert, period_fields
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.output_panel import excel_button
from chingin_app.components.paged_table import Column, data_table, pager
from chingin_app.state.operation_log import OperationLogState as S

COLUMNS = tuple(Column(header, key) for header, key in (
    ("日時", "at"), ("ユーザー", "actor"), ("IPアドレス", "ip"), ("画面", "screen"),
    ("操作", "action"), ("対象", "target"), ("結果", "result"),
))


def operation_log_page() -> rx.Component:
    """The master's view of everything done on the contract, the bank's actions as 「金庫」."""
    return signed_in_shell(
        "操作ログ照会",
        alert(S.alert_text),
        rx.form(
            rx.hstack(
                *period_fields(S.errors),
                rx.box(
                    rx.el.label("ユーザーＩＤ", html_for="field-user_id",
                                style={"display": "block", "fontWeight": "bold"}),
                    rx.input(id="field-user_id", name="user_id", max_length=12),
                ),
                rx.box(
                    rx.el.label("操作", html_for="field-action",
                                style={"display": "block", "fontWeight": "bold"}),
                    rx.el.select(
                        rx.el.option("（すべて）", value=""),
                        rx.foreach(S.actions, lambda a: rx.el.option(a[1], value=a[0])),
                        id="field-action", name="action",
                    ),
                ),
                rx.button("検索", type="submit", size="3"),
                align="end", wrap="wrap", spacing="4",
            ),
            on_submit=S.search,
            reset_on_submit=False,
        ),
        pager(total=S.total, page=S.page, pages=S.pages, on_turn=S.turn, test_id="log-count",
              extra=[rx.button("CSV出力", on_click=S.export),
                     excel_button(S.export_excel)]),
        data_table(COLUMNS, S.rows, label="操作ログ"),
    )
