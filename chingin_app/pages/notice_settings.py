"""通知設定 (SPEC §13 R-PLUS-7), in the common menu of the information screen."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, info, submit_button
from chingin_app.components.layout import signed_in_shell
from chingin_app.state.notice_settings import NoticeSettingsState


def _kind_box(kind: Any) -> rx.Component:  # an item of the state's kinds list
    field_id = "field-mail_" + kind[0].to(str)
    return rx.el.div(
        rx.el.input(type="checkbox", name="mail_" + kind[0].to(str), id=field_id,
                    default_checked=kind[2] == "1"),
        " ",
        rx.el.label(kind[1], html_for=field_id),
        style={"marginBottom": "8px"},
    )


def notice_settings_page() -> rx.Component:
    """通知設定: one check box per notice kind, 更新 and 戻る."""
    s = NoticeSettingsState
    return signed_in_shell(
        "通知設定",
        rx.text("メールで受け取るお知らせを選び、更新ボタンをクリックしてください。"
                "お知らせは、メールの設定にかかわらずインフォメーション画面に表示します。"),
        rx.text("お知らせのメールには、金額や氏名は記載しません。", margin_bottom="12px"),
        alert(s.alert_text),
        info(s.done_text),
        rx.form(
            rx.el.fieldset(
                rx.el.legend("メールで受け取るお知らせ", style={"fontWeight": "bold"}),
                rx.foreach(s.kinds, _kind_box),
                style={"border": "none", "padding": 0, "margin": "0 0 16px"},
            ),
            rx.hstack(
                submit_button("更新", busy=s.busy),
                rx.button("戻る", type="button", variant="outline", size="3",
                          on_click=rx.redirect(routes.INFO)),
                spacing="3",
            ),
            on_submit=s.save,
            reset_on_submit=False,
            key=s.form_key,
        ),
    )
