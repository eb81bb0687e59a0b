"""トップ画面 (R-ENV-5, manual P.2–3 and P.8)."""

from __future__ import annotations

import reflex as rx

from chingin_app import routes
from chingin_app.components.layout import page_shell
from chingin_app.state.top import TopState

# The manual's 「ご利用について（必ずお読みください）」, P.2–3, shortened to what a user needs here.
_NOTES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ご利用時間", (
        "月～金曜日 8:00～20:00（土・日・祝休日、12月31日～1月3日はご利用いただけません）",
        "上記時間帯であってもメンテナンス等によりご利用いただけない場合がございます。",
    )),
    ("電子証明書について", (
        "電子証明書を取得したパソコンからのみサービスをご利用いただけます。",
        "電子証明書の有効期限は、発行日を含めて366日です。有効期限の30日前に、電子メールにてお知らせします。",
        "証明書の選択ウィンドウでは、ご自身のユーザーＩＤが含まれる証明書を選択してください。",
    )),
    ("パスワード等の管理", (
        "ユーザーＩＤ、パスワードは第三者に知られることのないよう、厳重に管理してください。",
        "パスワードを連続して6回間違えた場合は「ログイン不可（ロック）」となり、60分経過後に解除されます。"
        "「ロック」を3回繰り返した場合は「ログイン不可（閉塞）」となり、書面での初期化手続きが必要です。",
    )),
    ("ログイン後の時間制限", (
        "画面毎に60分の時間制限があります（ボタンをクリックする都度クリアされます）。",
        "終了するときは、画面内のログアウトボタンをクリックしてください。",
    )),
)


def _buttons() -> rx.Component:
    built = [(label, route) for label, route in routes.TOP_BUTTONS if routes.is_built(route)]
    if not built:
        return rx.fragment()
    return rx.hstack(
        *[rx.button(label, size="3", on_click=rx.redirect(route)) for label, route in built],
        wrap="wrap", spacing="3", margin_y="16px",
    )


def _certificate() -> rx.Component:
    return rx.text(
        "この端末の電子証明書：",
        rx.cond(
            TopState.cert_user != "",
            rx.text.span("ユーザーＩＤ ", TopState.cert_user, data_testid="cert-user"),
            rx.text.span("確認できません", data_testid="cert-user"),
        ),
        aria_label="電子証明書",
        margin_y="8px",
    )


def top_page() -> rx.Component:
    """The top page."""
    return page_shell(
        "トップ画面",
        _buttons(),
        _certificate(),
        rx.heading("ご利用について（必ずお読みください）", as_="h2", size="4", margin_top="16px"),
        *[
            rx.box(
                rx.heading(heading, as_="h3", size="3", margin_top="12px"),
                rx.unordered_list(*[rx.list_item(line) for line in lines]),
            )
            for heading, lines in _NOTES
        ],
    )
