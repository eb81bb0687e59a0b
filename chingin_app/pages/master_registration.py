"""マスターユーザーの初期登録 (manual P.8–10; SPEC appendix C screens 2–4, R-MREG-4)."""

from __future__ import annotations

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, submit_button, text_field
from chingin_app.components.layout import page_shell
from chingin_app.components.password_field import password_field
from chingin_app.state.master_registration import MasterRegistrationState as S


def _err(name: str) -> rx.Var[str]:
    return S.errors.get(name, "")  # type: ignore[return-value]


def start_page() -> rx.Component:
    """マスターユーザー初期登録ログイン: 契約番号 + 初期パスワード → 次へ."""
    return page_shell(
        "マスターユーザー初期登録ログイン",
        rx.text("「ご利用開始（変更）のお知らせ」に記載されている契約番号と、"
                "「初期パスワード届出書」に記入いただいた初期パスワードを入力してください。"),
        alert(S.alert_text),
        rx.form(
            text_field("契約番号", "contract_no", error=_err("contract_no"), input_mode="numeric",
                       max_length=8, required=True, hint="半角数字8桁"),
            password_field("初期パスワード", "initial_password", state=S,
                           error=_err("initial_password"), required=True,
                           hint="8桁（半角英大・小文字、数字、記号の4種必須。"
                                "英字は大文字と小文字を区別します）"),
            submit_button("次へ", busy=S.busy),
            on_submit=S.submit_contract,
            reset_on_submit=False,
        ),
    )


def register_page() -> rx.Component:
    """マスターユーザー登録: ID, password ×2, name, e-mail ×2 → 登録."""
    return page_shell(
        "マスターユーザー登録",
        rx.text("契約：", S.contract_name),
        rx.text("マスターユーザー（管理者）のユーザーＩＤ・パスワード・ユーザー名・メールアドレスを"
                "入力して、登録ボタンをクリックしてください。"),
        alert(S.alert_text),
        rx.form(
            text_field("ユーザーＩＤ", "user_id", error=_err("user_id"), max_length=12,
                       required=True,
                       hint="半角英字と数字を両方含む6～12桁（英字は大文字と小文字を区別します）"),
            password_field("パスワード", "password", state=S, error=_err("password"),
                           required=True,
                           hint="半角英大文字・英小文字・数字・記号をすべて含む8～12桁"),
            password_field("パスワード再入力", "password_again", state=S,
                           error=_err("password_again"), required=True,
                           hint="登録するパスワードの確認用です。"),
            text_field("ユーザー名", "user_name", error=_err("user_name"), max_length=20,
                       required=True, hint="全角20文字以内（カナ、漢字含む）"),
            text_field("メールアドレス", "email", error=_err("email"), max_length=50,
                       required=True, hint="半角英数50桁以内。携帯電話のアドレスは不可"),
            text_field("メールアドレス再入力", "email_again", error=_err("email_again"),
                       max_length=50, required=True, hint="登録するメールアドレスの確認用です。"),
            submit_button("登録", busy=S.busy),
            on_submit=S.submit_master,
            reset_on_submit=False,
        ),
        _caution(),
    )


def _caution() -> rx.Component:
    """The manual's 「ご注意ください」 box of this step (P.10–11)."""
    return rx.callout.root(
        rx.callout.text(rx.text.strong("ご注意ください")),
        rx.callout.text(rx.unordered_list(
            rx.list_item("一度登録したユーザーＩＤは、画面上では変更できません。"),
            rx.list_item("入力いただいたユーザーＩＤが既に存在している場合は登録できませんので、"
                         "別のＩＤを登録してください。"),
            rx.list_item("ユーザーＩＤは、マスターユーザーの電子証明書の発行（再発行）時に使用します。"),
            rx.list_item("パスワードは、マスターユーザーが電子証明書発行（再発行）およびログイン時に"
                         "使用します。"),
            rx.list_item("ＩＤ・パスワードは、お忘れにならないようご注意ください。また、第三者に"
                         "知られることのないよう厳重に管理してください。"),
        )),
        color_scheme="amber", margin_top="16px", data_testid="master-caution",
    )


def correct_page() -> rx.Component:
    """R-MREG-4: the master never had a certificate — correct the name and e-mail instead."""
    return page_shell(
        "マスターユーザー情報の訂正",
        rx.text("マスターユーザーは登録済みですが、電子証明書がまだ発行されていません。"
                "認証コードのメールが届かない場合は、メールアドレスを確認して訂正してください。"),
        alert(S.alert_text),
        rx.form(
            text_field("ユーザー名", "user_name", error=_err("user_name"),
                       default_value=S.correction_name, max_length=20, required=True),
            text_field("メールアドレス", "email", error=_err("email"),
                       default_value=S.correction_email, max_length=50, required=True),
            text_field("メールアドレス再入力", "email_again", error=_err("email_again"),
                       max_length=50, required=True),
            submit_button("更新", busy=S.busy),
            on_submit=S.submit_correction,
            reset_on_submit=False,
        ),
    )


def done_page() -> rx.Component:
    """登録完了: straight on to certificate issuance (R-MREG-3)."""
    return page_shell(
        "登録完了",
        rx.text("マスターユーザーの登録が完了しました。続けて電子証明書を発行してください。"),
        rx.text("ユーザーＩＤ：", S.registered_user_id),
        rx.button(
            "電子証明書発行", size="3",
            on_click=rx.redirect(routes.CERT_ISSUE + "?uid=" + S.registered_user_id),
        ),
    )
