"""電子証明書発行 (manual P.11–16, P.31–36; SPEC appendix C screens 5–10)."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.form import alert, info, submit_button, text_field
from chingin_app.components.layout import page_shell
from chingin_app.components.password_field import password_field
from chingin_app.state.certificate_issue import CertificateIssueState as S


def _err(name: str) -> rx.Var[str]:
    return S.errors.get(name, "")  # type: ignore[return-value]


def _credentials(title: str, password_label: str) -> rx.Component:
    return page_shell(
        title,
        rx.text("ユーザーＩＤと", password_label, "を入力して、認証ボタンをクリックしてください。"
                "登録メールアドレスに認証コードを送信します。"),
        alert(S.alert_text),
        rx.form(
            text_field("ユーザーＩＤ", "user_id", error=_err("user_id"),
                       default_value=S.prefill_user_id, max_length=12, required=True),
            password_field(password_label, "password", state=S, error=_err("password"),
                           required=True),
            submit_button("認証", busy=S.busy),
            on_submit=S.submit_credentials,
            reset_on_submit=False,
        ),
    )


def user_auth_page() -> rx.Component:
    """電子証明書発行 ユーザー認証 (screen 5)."""
    return _credentials("電子証明書発行 ユーザー認証", "パスワード")


def general_user_auth_page() -> rx.Component:
    """一般ユーザーの電子証明書発行 ユーザー認証 (screen 6)."""
    return _credentials("一般ユーザーの電子証明書発行 ユーザー認証", "仮のパスワード")


def code_page() -> rx.Component:
    """認証コード入力 (screen 7, R-CERT-1a)."""
    return page_shell(
        "認証コード入力",
        info(S.code_sent_text),
        alert(S.alert_text),
        rx.form(
            text_field("認証コード", "code", error=_err("code"), input_mode="numeric",
                       max_length=6, autocomplete="one-time-code", required=True),
            rx.hstack(
                submit_button("認証", busy=S.busy),
                rx.button("再送信", type="button", variant="outline", size="3",
                          on_click=S.resend),
            ),
            on_submit=S.submit_code,
            reset_on_submit=True,
        ),
        rx.text("認証コードの有効期限は10分です。認証コードのメールが届かない場合、"
                "登録されたメールアドレスを再度ご確認ください。", size="2", margin_top="12px"),
    )


def confirm_page() -> rx.Component:
    """電子証明書発行 (screen 8): 発行."""
    return page_shell(
        "電子証明書発行",
        rx.text("発行ボタンをクリックすると電子証明書を発行し、電子証明書ファイル（.p12）を"
                "ダウンロードします。電子証明書の発行は、数十秒かかる場合があります。"),
        alert(S.alert_text),
        rx.button("発行", size="3", on_click=S.confirm),
    )


def issuing_page() -> rx.Component:
    """電子証明書発行中 (screen 9): moves on by itself."""
    return page_shell(
        "電子証明書発行中",
        alert(S.alert_text),
        rx.cond(
            S.alert_text == "",
            rx.hstack(
                rx.spinner(), rx.text("電子証明書を発行しています。しばらくお待ちください。")
            ),
        ),
    )


def _import_steps() -> rx.Component:
    """The import wizard's choices in the manual's words (P.15 steps 13–17, P.34 steps 11–15)
    and which password opens the .p12: the one typed at 認証 — the login password, or for a
    general user's first issuance the 仮のパスワード (R-USER-4)."""
    password = rx.cond(
        S.entry == "general_first",
        "マスターユーザーから付与された「仮のパスワード」（ユーザー認証で入力したもの）",
        "「賃金控除事務支援サービス」のログインパスワード（ユーザー認証で入力したもの）",
    )
    return rx.box(
        rx.heading("証明書のインポートウィザードでの操作", as_="h2", size="3",
                   margin_top="12px"),
        rx.ordered_list(
            rx.list_item("保存場所に「現在のユーザー(C)」を選択し、次へをクリックします。"),
            rx.list_item("ファイル名に上記の p12 ファイルが選択されていることを確認し、"
                         "次へをクリックします。"),
            rx.list_item("パスワード欄に ", rx.text.strong(password, data_testid="p12-password"),
                         " を入力し、「すべての拡張プロパティを含める(A)」にチェックを入れ、"
                         "次へをクリックします。"),
            rx.list_item("「証明書の種類に基づいて、自動的に証明書ストアを選択する(U)」に"
                         "チェックを入れ、次へをクリックします。"),
            rx.list_item("完了をクリックします。"),
        ),
        data_testid="import-steps",
    )


def result_page() -> rx.Component:
    """電子証明書発行結果 (screen 10, R-CERT-1b)."""
    return page_shell(
        "電子証明書発行結果",
        rx.cond(
            S.finished_text != "",
            rx.callout(S.finished_text, color_scheme="blue", role="status"),
            rx.box(
                rx.callout(
                    "継続作業がありますので、電子証明書のインポートが終わるまで、"
                    "このウインドウを閉じたり閉じるボタンを押したりしないでください。",
                    color_scheme="amber", role="alert",
                ),
                rx.text("電子証明書ファイルをダウンロードしました。ファイルを開き、"
                        "証明書のインポートウィザードで取り込んでください。", margin_top="12px"),
                rx.text("ファイル名：", rx.code(S.issued_filename, data_testid="p12-filename")),
                _import_steps(),
                rx.text("インポート時にセキュリティの警告が表示された場合は、次の拇印（sha1）と"
                        "一致することを確認してから「はい」をクリックしてください。"),
                rx.code(S.root_sha1, data_testid="root-sha1"),
                rx.text("インポートが終わったら、ダウンロードフォルダの電子証明書ファイルは"
                        "削除してください。ファイルが見当たらない場合は、お取引店に"
                        "「ログインＩＤ／パスワード初期化・電子証明書失効等依頼書」を提出し、"
                        "失効したうえで再度発行してください。", margin_y="12px"),
                rx.button("閉じる", size="3", on_click=S.close),
            ),
        ),
    )
