"""契約ユーザー情報照会, 契約ユーザー登録, 契約ユーザー更新 (SPEC appendix C screens 16–18)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app import routes
from chingin_app.components.form import alert, field_error, info, submit_button, text_field
from chingin_app.components.layout import signed_in_shell
from chingin_app.components.password_field import password_field
from chingin_app.components.table import table_root
from chingin_app.state.contract_users import ContractUserFormState as F
from chingin_app.state.contract_users import ContractUsersState as S
from chingin_app.state.session import SessionState

#: The list's columns; 「権限」 as the manual's screen (P.26: 権限が「会員（マスター）」).
COLUMNS = ("ユーザーＩＤ", "ユーザー名", "権限", "状態", "電子証明書の有効期限", "")

#: Under 「パスワード」: what it is (P.28 「一般ユーザーの仮のパスワードを入力」, P.43).
TEMPORARY_HINT = (
    "一般ユーザーの仮のパスワード（半角英大・小文字、数字、記号の4種を含む8～12桁）。"
    "初回ログイン時に変更していただきます。"
)

#: The rows of a general user's own entry (R-INFO-2a): (label, key of ``own_entry``).
OWN_ENTRY_ROWS = (
    ("ユーザーＩＤ", "user_id"), ("ユーザー名", "user_name"), ("メールアドレス", "email"),
    ("権限", "role"), ("状態", "status"), ("電子証明書の有効期限", "cert"),
)


def _err(name: str) -> rx.Var[str]:
    return F.errors.get(name, "")  # type: ignore[return-value]


def _delete_dialog(row: Any) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("削除", color_scheme="red", variant="outline", size="1",
                      disabled=S.busy, aria_label="削除 " + row["user_id"].to(str)),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("契約ユーザーの削除"),
            rx.alert_dialog.description(
                "ユーザーＩＤ ", row["user_id"], " を削除します。削除してよろしいですか？",
            ),
            rx.hstack(
                rx.alert_dialog.action(
                    rx.button("はい", color_scheme="red",
                              on_click=S.delete(row["user_id"])),  # type: ignore[operator]
                ),
                rx.alert_dialog.cancel(rx.button("いいえ", variant="soft", color_scheme="gray")),
                spacing="3", justify="end", margin_top="16px",
            ),
        ),
    )


def _edit_button(row: Any) -> rx.Component:
    return rx.button("更新へ", variant="outline", size="1",
                     aria_label="更新へ " + row["user_id"].to(str),
                     on_click=rx.redirect(routes.USERS_EDIT + "?uid=" + row["user_id"].to(str)))


def _row(row: Any) -> rx.Component:
    actions = rx.cond(
        S.can_manage & (row["general"] == "1"),
        rx.hstack(_edit_button(row), _delete_dialog(row), spacing="2"),
        # 会員（マスター）→ 更新へ: the master's own name and e-mail (R-USER-2, manual P.26).
        rx.cond(S.can_manage & (row["own"] == "1"), _edit_button(row)),
    )
    return rx.table.row(
        rx.table.cell(row["user_id"]),
        rx.table.cell(row["user_name"]),
        rx.table.cell(row["role"]),
        rx.table.cell(row["status"]),
        rx.table.cell(row["cert"]),
        rx.table.cell(actions),
    )


def contract_users_page() -> rx.Component:
    """The contract's users; the master manages the general users (R-INFO-2a, R-USER-5/6)."""
    return signed_in_shell(
        "契約ユーザー情報照会",
        alert(S.alert_text),
        info(S.notice),
        rx.hstack(
            rx.cond(S.can_manage,
                    rx.button("登録へ", on_click=rx.redirect(routes.USERS_NEW))),
            rx.button("戻る", variant="outline", on_click=rx.redirect(routes.INFO)),
            spacing="3", margin_bottom="12px",
        ),
        table_root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(c) for c in COLUMNS])),
            rx.table.body(rx.foreach(S.rows, _row)),
            label="契約ユーザー",
        ),
        _own_entry(),
    )


def _own_entry() -> rx.Component:
    """A general user's own entry, read-only: e-mail, 権限, certificate validity and the last
    sign-ins too (R-INFO-2a)."""
    return rx.cond(
        S.own_entry.length() > 0,  # type: ignore[attr-defined]
        rx.box(
            rx.heading("登録内容", as_="h2", size="3", margin_top="16px"),
            rx.data_list.root(
                *[rx.data_list.item(rx.data_list.label(label),
                                    rx.data_list.value(S.own_entry[key]))
                  for label, key in OWN_ENTRY_ROWS],
                margin_y="8px",
            ),
            rx.heading("前回までのログイン（直近3回）", as_="h3", size="2", margin_top="8px"),
            rx.cond(
                SessionState.last_signins.length() > 0,  # type: ignore[attr-defined]
                rx.unordered_list(rx.foreach(SessionState.last_signins, rx.list_item)),
                rx.text("記録はありません。"),
            ),
            data_testid="own-entry",
        ),
    )


def _level_select(row: Any) -> rx.Component:
    key = row["key"].to(str)
    select_id = "perm-" + key
    return rx.box(
        rx.cond(row["heading"] != "",
                rx.heading(row["heading"], as_="h3", size="3", margin_top="12px")),
        rx.hstack(
            rx.el.label(row["label"], html_for=select_id, style={"minWidth": "22em"}),
            rx.el.select(
                rx.el.option("表示", value="show"),
                rx.cond(row["view_only"] == "1", rx.el.option("閲覧のみ", value="view_only")),
                rx.el.option("非表示", value="hide"),
                id=select_id,
                value=F.levels[key],  # type: ignore[index]
                on_change=lambda value: F.set_level(key, value),  # type: ignore[operator]
            ),
            rx.cond(row["unset"] != "", rx.text(row["unset"], color_scheme="amber", size="1")),
            align="center", spacing="3",
        ),
        field_error(F.errors.get("perm:" + key, ""), field_id=select_id),  # type: ignore[arg-type]
    )


def _restrictions() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend("ユーザー別機能制限", style={"fontWeight": "bold"}),  # P.28
        rx.text("表示：メニューに表示され制限なしで利用可能／非表示：メニューに表示されず利用不可／"
                "閲覧のみ：メニューに表示され閲覧機能のみ利用可能", size="1"),
        rx.hstack(
            rx.button("すべて表示", type="button", variant="soft", on_click=F.all_show),
            rx.button("すべて閲覧のみ", type="button", variant="soft", on_click=F.all_view_only),
            rx.button("すべて非表示", type="button", variant="soft", on_click=F.all_hide),
            spacing="3", margin_y="8px",
        ),
        rx.foreach(F.menu_rows, _level_select),
        style={"border": "1px solid var(--gray-6)", "padding": "12px", "margin": "12px 0"},
    )


def contract_user_new_page() -> rx.Component:
    """契約ユーザー登録 (R-USER-3, R-USER-7a)."""
    return signed_in_shell(
        "契約ユーザー登録",
        alert(F.alert_text),
        rx.form(
            text_field("ユーザーＩＤ", "user_id", error=_err("user_id"), max_length=12,
                       required=True),
            text_field("ユーザー名", "user_name", error=_err("user_name"), max_length=20,
                       required=True),
            # P.28: 「パスワード」 (the general user's 仮のパスワード) and 「パスワード再入力」.
            password_field("パスワード", "temporary_password", state=F,
                           error=_err("temporary_password"), autocomplete="new-password",
                           required=True, hint=TEMPORARY_HINT),
            password_field("パスワード再入力", "temporary_password_again", state=F,
                           error=_err("temporary_password_again"), autocomplete="new-password",
                           required=True),
            text_field("メールアドレス", "email", error=_err("email"), max_length=50,
                       required=True),
            text_field("メールアドレス再入力", "email_again", error=_err("email_again"),
                       max_length=50, required=True),
            _restrictions(),
            rx.hstack(
                submit_button("登録", busy=F.busy | F.at_limit),
                rx.button("戻る", type="button", variant="outline", size="3",
                          on_click=rx.redirect(routes.USERS)),
                spacing="3",
            ),
            on_submit=F.submit_new,
            reset_on_submit=False,
        ),
    )


def contract_user_edit_page() -> rx.Component:
    """契約ユーザー更新 (R-USER-5, R-USER-5a; the master's own entry R-USER-2): blank fields stay
    unchanged."""
    return signed_in_shell(
        "契約ユーザー更新",
        alert(F.alert_text),
        rx.text("ユーザーＩＤ：", F.target_user_id, data_testid="edit-user-id"),
        rx.text("変更する項目だけを入力してください。空欄の項目は変更しません。", size="2"),
        rx.form(
            text_field("ユーザー名", "user_name", error=_err("user_name"), max_length=20,
                       hint=rx.Var.create("現在：") + F.current_name),
            text_field("メールアドレス", "email", error=_err("email"), max_length=50,
                       hint=rx.Var.create("現在：") + F.current_email),
            text_field("メールアドレス再入力", "email_again", error=_err("email_again"),
                       max_length=50),
            # The master's own entry: no 仮のパスワード, no restrictions (R-USER-2, R-USER-7a).
            rx.cond(
                F.own,
                rx.fragment(),
                rx.fragment(
                    password_field("パスワード", "password", state=F, error=_err("password"),
                                   autocomplete="new-password"),
                    rx.text(TEMPORARY_HINT, size="1", margin_top="-8px", margin_bottom="8px"),
                    password_field("パスワード再入力", "password_again", state=F,
                                   error=_err("password_again"), autocomplete="new-password"),
                    _restrictions(),
                ),
            ),
            rx.hstack(
                submit_button("更新", busy=F.busy),
                rx.button("戻る", type="button", variant="outline", size="3",
                          on_click=rx.redirect(routes.USERS)),
                spacing="3",
            ),
            on_submit=F.submit_edit,
            reset_on_submit=False,
        ),
    )
