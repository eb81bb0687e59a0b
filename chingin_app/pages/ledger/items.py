"""RL-11 賃控元帳種目情報照会 (SPEC §11): the contract's 種目, 新規登録, 変更 and 削除 (refused
while a ledger detail uses it)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, info, submit_button, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.paged_table import Column, data_table
from chingin_app.state.ledger.items import LedgerItemsState as S

COLUMNS = (
    Column("種目コード", "code"),
    Column("種目名", "name"),
    Column("使用中の明細数", "in_use", numeric=True),
)


def _err(name: str) -> Any:
    return S.errors.get(name, "")


def _delete_dialog(row: Any) -> rx.Component:
    who = row["code"].to(str) + " " + row["name"].to(str)
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("削除", color_scheme="red", variant="outline", size="1",
                      aria_label="削除 " + who),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("種目の削除"),
            rx.alert_dialog.description("種目 ", row["code"], " ", row["name"],
                                        " を削除します。削除してよろしいですか？"),
            rx.hstack(
                rx.alert_dialog.action(
                    rx.button("はい", color_scheme="red", on_click=S.delete(row["id"])),  # type: ignore[operator]
                ),
                rx.alert_dialog.cancel(rx.button("いいえ", variant="soft", color_scheme="gray")),
                spacing="3", justify="end", margin_top="16px",
            ),
        ),
    )


def _row_actions(row: Any) -> rx.Component:
    who = row["code"].to(str) + " " + row["name"].to(str)
    return rx.cond(
        S.can_change,
        rx.hstack(
            rx.button("変更", variant="outline", size="1", aria_label="変更 " + who,
                      on_click=S.open_change(row["id"])),  # type: ignore[operator]
            _delete_dialog(row),
            spacing="2", wrap="nowrap",
        ),
    )


def _form() -> rx.Component:
    adding = S.form_mode == "add"
    return rx.cond(
        S.form_mode != "",
        rx.box(
            rx.heading(rx.cond(adding, "種目の新規登録", "種目の変更"), as_="h2", size="4"),
            rx.form(
                text_field("種目コード（半角数字4桁以内）", "code", error=_err("code"),
                           default_value=S.target.get("code", ""), input_mode="numeric",  # type: ignore[arg-type]
                           max_length=4),
                text_field("種目名（全角20文字以内）", "name", error=_err("name"),
                           default_value=S.target.get("name", ""), max_length=20),  # type: ignore[arg-type]
                rx.hstack(
                    submit_button(rx.cond(adding, "登録", "更新"), busy=S.busy),  # type: ignore[arg-type]
                    rx.button("キャンセル", type="button", variant="outline", size="3",
                              on_click=S.close_form),
                    spacing="3",
                ),
                on_submit=S.submit,
                reset_on_submit=False,
                key=S.form_mode + "-" + S.target.get("id", "").to(str),  # type: ignore[attr-defined,operator]
            ),
            style={"border": "1px solid var(--gray-7)", "padding": "16px", "margin": "12px 0",
                   "borderRadius": "6px"},
            role="region", aria_label="種目の入力",
        ),
    )


def ledger_items_page() -> rx.Component:
    """RL-11: the 種目 in code order with how many ledger details use each."""
    return signed_in_shell(
        "賃控元帳種目情報照会",
        alert(S.alert_text),
        info(S.notice),
        rx.hstack(
            rx.cond(S.can_change, rx.button("新規登録", on_click=S.open_add)),
            rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO)),
            spacing="3", margin_bottom="12px",
        ),
        _form(),
        data_table(COLUMNS, S.rows, label="賃控元帳種目", row_actions=_row_actions),
    )
