"""The operator console's screens (SPEC R-PLUS-6, R-OPS-7): サインイン and 契約照会 with the
procedures of R-OPS-1..6 and R-OPS-4, each behind a confirmation dialog with the 受付番号.
Never linked from the customers' screens; served only on the operator listener."""

from __future__ import annotations

from typing import Any

import reflex as rx

from chingin_app.components.form import alert, field_error, submit_button, text_field
from chingin_app.components.table import table_root
from chingin_app.state.operator_console import (
    PROCEDURE_TITLES,
    ConsoleContractsState,
    OperatorConsoleState,
)

# mypy does not read rx.event's overloads: the same class, untyped, for calls with arguments.
_handlers: Any = ConsoleContractsState
_TITLE = "オペレーターコンソール"
_HEADER_STYLE = {"background": "#5a2d0c", "color": "white", "padding": "12px 24px"}
_MAIN_STYLE = {"maxWidth": "1080px", "margin": "24px auto", "padding": "0 24px"}


def _secret_field(label: str, name: str, error: rx.Var[str] | str = "") -> rx.Component:
    """An uncontrolled password input: its value reaches the server only in the submit data."""
    field_id = f"field-{name}"
    return rx.box(
        rx.el.label(label, html_for=field_id, style={"fontWeight": "bold", "display": "block"}),
        rx.input(id=field_id, name=name, type="password", auto_complete="off", size="3",
                 aria_describedby=f"{field_id}-error"),
        field_error(error, field_id=field_id),
        margin_bottom="12px", max_width="420px",
    )


def signin_page() -> rx.Component:
    """サインイン: the operator from the certificate, then the console password."""
    s = OperatorConsoleState
    return rx.box(
        rx.el.header(rx.text(_TITLE, weight="bold", size="5"), style=_HEADER_STYLE),
        rx.el.main(
            rx.heading("オペレーターコンソール サインイン", as_="h1", size="6",
                       margin_bottom="16px"),
            rx.cond(s.ended_message != "",
                    rx.callout(s.ended_message, color_scheme="amber", role="status",
                               margin_bottom="12px")),
            rx.cond(
                s.cert_problem != "",
                rx.callout(s.cert_problem, color_scheme="red", role="alert"),
                rx.box(
                    rx.text("オペレーターＩＤ：",
                            rx.text.span(s.cert_subject, data_testid="operator-id")),
                    alert(s.alert_text),
                    rx.form(
                        _secret_field("パスワード", "password", s.errors.get("password", "")),
                        submit_button("サインイン", busy=s.busy),
                        on_submit=s.sign_in,
                        reset_on_submit=True,
                    ),
                ),
            ),
            style=_MAIN_STYLE,
        ),
        lang="ja",
    )


def _field(label: str, name: str, **props: object) -> rx.Component:
    return text_field(label, name, error=ConsoleContractsState.errors.get(name, ""),
                      **props)  # type: ignore[arg-type]


def _textarea(label: str, name: str) -> rx.Component:
    field_id = f"field-{name}"
    return rx.box(
        rx.el.label(label, html_for=field_id, style={"fontWeight": "bold", "display": "block"}),
        rx.text_area(id=field_id, name=name, rows="3"),
        field_error(ConsoleContractsState.errors.get(name, ""), field_id=field_id),
        margin_bottom="12px", max_width="420px",
    )


def _dialog_fields() -> rx.Component:
    s = ConsoleContractsState
    return rx.match(
        s.dialog_action,
        ("create", rx.fragment(
            _field("契約番号", "contract_no", input_mode="numeric", max_length=8),
            _field("団体名／事業所名", "name"),
            rx.box(
                rx.el.label("契約区分", html_for="field-kind",
                            style={"fontWeight": "bold", "display": "block"}),
                rx.el.select(
                    rx.el.option("会員（労金控除・賃控元帳・一斉積立）", value="member"),
                    rx.el.option("事業主（財形）", value="employer"),
                    id="field-kind", name="kind",
                ),
                field_error(s.errors.get("kind", ""), field_id="field-kind"),
                margin_bottom="12px",
            ),
            _field("契約サービス", "services", default_value="rokin,ledger,batch"),
            _textarea("入金グループ（1行に「NNN:名称」）", "groups"),
            _secret_field("初期パスワード", "initial_password",
                          s.errors.get("initial_password", "")),
        )),
        ("set_initial_password", _secret_field("初期パスワード", "initial_password",
                                               s.errors.get("initial_password", ""))),
        ("user_unblock", _field("ユーザーＩＤ", "user_id")),
        ("cert_revoke", rx.fragment(
            _field("ユーザーＩＤ", "user_id"),
            rx.box(
                rx.el.label("理由", html_for="field-reason",
                            style={"fontWeight": "bold", "display": "block"}),
                rx.el.select(
                    rx.el.option("パソコン変更", value="pc-change"),
                    rx.el.option("紛失", value="lost"),
                    rx.el.option("その他", value="other"),
                    id="field-reason", name="reason",
                ),
                margin_bottom="12px",
            ),
        )),
        ("change", rx.fragment(
            _field("新しい団体名／事業所名（変更する場合）", "name"),
            _field("変更後の契約サービス（変更する場合）", "services"),
            _textarea("追加する入金グループ（1行に「NNN:名称」）", "add_groups"),
            _field("削除する入金グループの番号（カンマ区切り）", "remove_groups"),
        )),
        ("notice", rx.el.label(
            rx.el.input(type="checkbox", name="change", id="field-change"),
            " 変更のお知らせとして出力する", html_for="field-change",
        )),
        rx.fragment(),
    )


def _dialog() -> rx.Component:
    s = ConsoleContractsState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(s.dialog_title),
            rx.alert_dialog.description(
                rx.cond(
                    s.selected_no != "",
                    rx.text("対象：契約 ", s.selected.get("contract_no", ""), " ",
                            s.selected.get("name", "")),
                ),
                "内容を確認し、依頼書の受付番号を入力して「実行」を押してください。",
            ),
            alert(s.alert_text),
            rx.form(
                _dialog_fields(),
                _field("受付番号", "ticket"),
                rx.hstack(
                    rx.alert_dialog.cancel(
                        rx.button("キャンセル", type="button", variant="soft", color_scheme="gray",
                                  on_click=s.close_dialog),
                    ),
                    submit_button("実行", busy=s.busy),
                    spacing="3", justify="end",
                ),
                on_submit=s.confirm,
                reset_on_submit=False,
            ),
            max_width="560px",
        ),
        open=s.dialog_open,
    )


def _procedure_button(action: str) -> rx.Component:
    return rx.button(PROCEDURE_TITLES[action], type="button", variant="surface",
                     on_click=_handlers.open_dialog(action))


def _detail() -> rx.Component:
    s = ConsoleContractsState
    return rx.cond(
        s.selected_no != "",
        rx.el.section(
            rx.heading("契約内容", as_="h2", size="4", margin_y="12px"),
            rx.data_list.root(
                *[
                    rx.data_list.item(rx.data_list.label(label),
                                      rx.data_list.value(s.selected.get(key, ""),
                                                         data_testid=f"contract-{key}"))
                    for label, key in (
                        ("契約番号", "contract_no"), ("団体名／事業所名", "name"),
                        ("契約区分", "kind"), ("契約サービス", "services"),
                        ("状態", "status"), ("初期パスワード", "initial_password"),
                        ("マスターユーザー", "master"),
                    )
                ],
            ),
            rx.text("入金グループ：", rx.foreach(s.groups, lambda g: rx.text.span(g, " "))),
            rx.heading("ユーザー", as_="h2", size="4", margin_y="12px"),
            table_root(
                rx.table.header(rx.table.row(*[
                    rx.table.column_header_cell(h)
                    for h in ("ユーザーＩＤ", "ユーザー名", "区分", "状態", "電子証明書")
                ])),
                rx.table.body(rx.foreach(s.user_rows, lambda u: rx.table.row(
                    rx.table.cell(u["user_id"]), rx.table.cell(u["user_name"]),
                    rx.table.cell(u["role"]), rx.table.cell(u["status"]),
                    rx.table.cell(u["certificate"]),
                ))),
                label="ユーザー",
            ),
            rx.heading("手続き", as_="h2", size="4", margin_y="12px"),
            rx.flex(
                *[_procedure_button(a) for a in PROCEDURE_TITLES if a not in ("create", "jobs")],
                wrap="wrap", gap="2",
            ),
            aria_label="契約内容",
        ),
    )


def contracts_page() -> rx.Component:
    """契約照会: search, the selected contract and its procedures."""
    s = ConsoleContractsState
    return rx.box(
        rx.el.header(
            rx.hstack(
                rx.text(_TITLE, weight="bold", size="5"),
                rx.spacer(),
                rx.text(s.operator_name, "（", s.operator_id, "）"),
                rx.button("サインアウト", on_click=s.sign_out, variant="surface",
                          color_scheme="gray"),
                align="center", spacing="4",
            ),
            style=_HEADER_STYLE,
        ),
        rx.el.main(
            rx.heading("契約照会", as_="h1", size="6", margin_bottom="16px"),
            rx.cond(s.done_text != "",
                    rx.callout(s.done_text, color_scheme="green", role="status",
                               margin_bottom="12px")),
            rx.hstack(_procedure_button("create"), _procedure_button("jobs"), spacing="3",
                      margin_bottom="12px"),
            rx.form(
                rx.hstack(
                    text_field("契約番号または名称", "query"),
                    rx.button("検索", type="submit", size="3"),
                    align="end", spacing="3",
                ),
                on_submit=s.search,
            ),
            table_root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("契約番号"),
                    rx.table.column_header_cell("団体名／事業所名"),
                    rx.table.column_header_cell("状態"),
                    rx.table.column_header_cell(""),
                )),
                rx.table.body(rx.foreach(s.results, lambda c: rx.table.row(
                    rx.table.cell(c["contract_no"]), rx.table.cell(c["name"]),
                    rx.table.cell(c["status"]),
                    rx.table.cell(rx.button("照会", type="button", size="1",
                                            aria_label="照会 " + c["contract_no"],
                                            on_click=_handlers.select(c["contract_no"]))),
                ))),
                label="契約の検索結果",
            ),
            _detail(),
            _dialog(),
            style=_MAIN_STYLE,
        ),
        lang="ja",
    )
