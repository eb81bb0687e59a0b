"""Demo screen: two password fields in one form, read with take_secret (R-SESS-3, R-SESS-3a).

The result line shows only the length and a hash prefix of what the handler received: the
demo, like the service, never puts a secret into a state var.
"""

import hashlib

import reflex as rx

from chingin_app.components.form import alert, submit_button
from chingin_app.components.password_field import (
    SoftwareKeyboardExpired,
    SoftwareKeyboardMixin,
    password_field,
    take_secret,
)
from chingin_app.state.forms import FormMixin


class DemoState(SoftwareKeyboardMixin, FormMixin, rx.State):
    """A registration-like screen."""

    result: str = ""

    @rx.event
    def submit(self, form: dict[str, str]) -> None:
        self.clear_messages()
        try:
            password = take_secret(self, form, "password")
            again = take_secret(self, form, "password_again")
        except SoftwareKeyboardExpired:
            return
        if password != again:
            self.errors = {"password_again": "パスワードが一致しません。"}
            self.alert_text = "入力内容に誤りがあります。"
        digest = hashlib.sha256(password.encode()).hexdigest()[:12]
        self.result = f"受け取った長さ {len(password)}、SHA-256 {digest}、項目 {sorted(form)}"


def index() -> rx.Component:
    return rx.container(
        rx.heading("ソフトウェアキーボード デモ", as_="h1", size="6", margin_bottom="16px"),
        alert(DemoState.alert_text),
        rx.form(
            password_field(
                "パスワード", "password", state=DemoState,
                error=DemoState.errors.get("password", ""), autocomplete="new-password",
            ),
            password_field(
                "パスワード再入力", "password_again", state=DemoState,
                error=DemoState.errors.get("password_again", ""), autocomplete="new-password",
            ),
            submit_button("登録", busy=DemoState.busy),
            on_submit=DemoState.submit,
            reset_on_submit=True,
        ),
        rx.text(DemoState.result, data_testid="result", margin_top="16px"),
        lang="ja",
    )


app = rx.App(html_lang="ja")
app.add_page(index, route="/", title="ソフトウェアキーボード デモ", on_load=DemoState.kb_reset)
