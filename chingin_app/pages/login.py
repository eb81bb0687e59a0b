"""ログイン and what follows it (manual P.17–20; SPEC appendix C screens 11–14)."""

from __future__ import annotations

import reflex as rx

from chingin_app import routes
from chingin_app.components.cycle_chart import cycle_chart
from chingin_app.components.form import alert, submit_button
from chingin_app.components.layout import page_shell, signed_in_shell
from chingin_app.components.navigation import ADMIN_HEADING, COMMON_HEADING
from chingin_app.components.password_field import password_field
from chingin_app.components.table import table_root
from chingin_app.domain.messages import message
from chingin_app.state.login import (
    GroupSelectState,
    InfoState,
    LoginState,
    PasswordChangeFirstState,
)
from chingin_app.state.session import SessionState


def login_page() -> rx.Component:
    """ログイン: the user comes from the certificate; password → ログイン (R-LOGIN-1/2)."""
    return page_shell(
        "ログイン",
        rx.cond(
            SessionState.ended_message != "",
            rx.callout(SessionState.ended_message, color_scheme="amber", role="status",
                       margin_bottom="12px"),
        ),
        rx.cond(
            LoginState.cert_problem != "",
            rx.callout(LoginState.cert_problem, color_scheme="red", role="alert"),
            rx.cond(LoginState.target_user_id == "", rx.spinner(), rx.box(
                rx.text("ユーザーＩＤ：", rx.text.span(LoginState.target_user_id,
                                                      data_testid="login-user-id")),
                rx.text("ユーザー名：", LoginState.target_user_name, margin_bottom="12px"),
                alert(LoginState.alert_text),
                rx.form(
                    password_field("パスワード", "password", state=LoginState,
                                   error=LoginState.errors.get("password", "")),
                    submit_button("ログイン", busy=LoginState.busy),
                    on_submit=LoginState.submit,
                    reset_on_submit=True,
                ),
            )),
        ),
        _certificate_button(),
    )


def _certificate_button() -> rx.Component:
    """The ログイン screen's 電子証明書発行 button (manual P.2, P.45: 「ログイン画面の電子証明書
    発行ボタンより更新してください」): renewal within 30 days of expiry, or a first issue."""
    if not routes.is_built(routes.CERT_ISSUE):
        return rx.fragment()
    return rx.box(
        rx.button("電子証明書発行", variant="outline",
                  on_click=rx.redirect(routes.CERT_ISSUE)),
        margin_top="24px",
    )


def _password_change_form(button: str) -> rx.Component:
    s = PasswordChangeFirstState
    return rx.fragment(
        alert(s.alert_text),
        rx.cond(s.done_text != "", rx.callout(s.done_text, role="status", margin_bottom="12px")),
        rx.form(
            password_field("現在のパスワード", "current_password", state=s,
                           error=s.errors.get("current_password", "")),
            password_field("新しいパスワード", "new_password", state=s,
                           error=s.errors.get("new_password", "")),
            password_field("新しいパスワード再入力", "new_password_again", state=s,
                           error=s.errors.get("new_password_again", "")),
            submit_button(button, busy=s.busy),
            on_submit=s.submit,
            reset_on_submit=True,
        ),
    )


def password_change_first_page() -> rx.Component:
    """パスワード変更（初回） (R-LOGIN-3): 変更."""
    return signed_in_shell(
        "パスワード変更（初回）",
        rx.text("仮のパスワードでログインしました。新しいパスワードに変更してください。"),
        _password_change_form("変更"),
    )


def password_change_page() -> rx.Component:
    """パスワード変更 (R-USER-1, appendix C screen 15): 更新."""
    return signed_in_shell(
        "パスワード変更",
        rx.text("現在のパスワードと新しいパスワードを入力して、更新ボタンをクリックしてください。"),
        _password_change_form("更新"),
    )


def group_select_page() -> rx.Component:
    """入金グループ選択 (R-LOGIN-4)."""
    return signed_in_shell(
        "入金グループ選択",
        alert(GroupSelectState.alert_text),
        table_root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell("入金グループ番号"),
                rx.table.column_header_cell("入金グループ名"),
                rx.table.column_header_cell(""),
            )),
            rx.table.body(rx.foreach(
                SessionState.groups,
                lambda g: rx.table.row(
                    rx.table.cell(g[0]), rx.table.cell(g[1]),
                    rx.table.cell(rx.button("選択", on_click=GroupSelectState.choose(g[0]),  # type: ignore[operator]
                                            aria_label="選択 " + g[0])),
                ),
            )),
            label="入金グループ",
        ),
    )


#: Where an entry of the common and system-admin menus goes (R-INFO-2, R-INFO-2a; manual
#: P.26–27, P.41–43): 共通機能 for everyone; システム管理機能 for the master only; ``users`` is
#: 契約ユーザー情報照会, under システム管理機能 for the master (「メニューシステム管理機能から
#: 契約ユーザー情報照会をクリック」) and under 共通機能 for a general user, who sees only their
#: own entry there.
_COMMON, _ADMIN, _USERS = "common", "admin", "users"

#: (label, route, where) of the common and system-admin menus; entries appear only for screens
#: that exist.
_COMMON_MENU: tuple[tuple[str, str, str], ...] = (
    ("パスワード変更", routes.PASSWORD_CHANGE, _COMMON),
    ("マニュアル照会", routes.MANUALS, _COMMON),
    ("通知設定", routes.NOTICE_SETTINGS, _COMMON),  # R-PLUS-7
    ("契約ユーザー情報照会", routes.USERS, _USERS),
    ("操作ログ照会", routes.OPERATION_LOG, _ADMIN),
)



def _menu_buttons(*where: str) -> list[rx.Component]:
    return [
        rx.button(label, variant="outline", on_click=rx.redirect(route))
        for label, route, place in _COMMON_MENU
        if place in where and routes.is_built(route)
    ]


def _business_menus() -> rx.Component:
    """The contracted services' menus the user may see (R-INFO-1), under the manual's category
    headings (労金控除事務, 賃控元帳事務, …): every menu a visible link, one per line, the
    categories side by side as the window allows (issue 14 item 3: never collapsed)."""
    return rx.el.div(
        rx.foreach(
            InfoState.menu_groups,
            lambda group: rx.el.section(
                rx.heading(group, as_="h2", size="3", margin_bottom="8px"),
                rx.el.ul(
                    rx.foreach(
                        InfoState.menu_links[group],
                        lambda link: rx.el.li(
                            rx.link(link[0], href=link[1], data_testid="business-menu"),
                            style={"margin": "4px 0"},
                        ),
                    ),
                    style={"listStyle": "none", "margin": 0, "padding": 0},
                ),
                aria_label=group,
                style={"border": "1px solid var(--gray-5)", "borderRadius": "var(--radius-3)",
                       "padding": "12px 16px"},
            ),
        ),
        data_testid="business-menus",
        style={"display": "grid", "gap": "16px", "marginTop": "16px",
               "gridTemplateColumns": "repeat(auto-fill, minmax(280px, 1fr))"},
    )


def _notices() -> rx.Component:
    """お知らせ (R-PLUS-7): the user's business notices, the same as the mails (which the user
    may turn off on 通知設定)."""
    return rx.el.section(
        rx.heading("お知らせ", as_="h2", size="3", margin_top="16px"),
        rx.cond(
            InfoState.notices.length() > 0,  # type: ignore[attr-defined]
            rx.unordered_list(rx.foreach(
                InfoState.notices,
                lambda n: rx.list_item(rx.text.span(n[0], " "), n[1], data_testid="notice"),
            )),
            rx.text(message("I-NOTICE-NONE")),
        ),
        aria_label="お知らせ",
        data_testid="business-notices",
    )


def _latest_entry(text: rx.Var[str] | str, entry: str, test_id: str) -> rx.Component:
    """One 最新受信情報 entry: a link to the screen of its list or PDF when the user may open
    it (R-INFO-3), plain text otherwise (nothing received, or the menu 非表示)."""
    link = InfoState.latest_links.get(entry, "")  # type: ignore[attr-defined]
    return rx.cond(
        link != "",
        rx.box(rx.link(text, href=link, data_testid=test_id)),
        rx.text(text, data_testid=test_id),
    )


def _cycle_link() -> rx.Component:
    """今月の控除 first (issue 14 item 1): the month's 労金控除 work on one page."""
    return rx.cond(
        InfoState.cycle_link,
        rx.box(
            rx.link("今月の控除", href=routes.ROKIN_CYCLE, size="4", weight="bold",
                    data_testid="cycle-link"),
            rx.text("依頼リスト・照合・入金中止・確定・まとめ入金依頼書を1画面で行います。",
                    size="2"),
            margin_y="12px",
        ),
    )


def _rokin_schedule() -> rx.Component:
    """労金控除 schedule (current and next cycle) and the latest received data (R-INFO-1)."""
    return rx.cond(
        InfoState.schedule_rows.length() > 0,  # type: ignore[attr-defined]
        rx.box(
            rx.heading(InfoState.schedule_title, as_="h2", size="3", margin_top="16px"),
            table_root(
                rx.table.header(rx.table.row(*[
                    rx.table.column_header_cell(h)
                    for h in ("", "依頼データ作成日", "控除日", "まとめ入金期限")
                ])),
                rx.table.body(rx.foreach(
                    InfoState.schedule_rows,
                    lambda r: rx.table.row(*[rx.table.cell(r[i]) for i in range(4)]),
                )),
                label="労金控除スケジュール",
            ),
            rx.heading("最新受信情報（労金控除）", as_="h2", size="3", margin_top="16px"),
            rx.cond(InfoState.latest_received != "",
                    _latest_entry(InfoState.latest_received, "rokin", "latest-received"),
                    rx.text("受信したデータはありません。", data_testid="latest-received")),
            data_testid="rokin-schedule",
        ),
    )


def _zaikei_latest() -> rx.Component:
    """最新受信情報 of a 財形 (事業主) contract: 預入依頼書, and 加入者残高一覧表 / 奨励金 only
    where contracted (R-INFO-1, manual P.24 「※ ご契約がない場合は表示されません。」)."""
    return rx.cond(
        InfoState.has_zaikei,
        rx.box(
            rx.heading("最新受信情報", as_="h2", size="3", margin_top="16px"),
            _latest_entry(InfoState.zaikei_deposit, "zaikei_deposit", "zaikei-latest-deposit"),
            rx.cond(InfoState.zaikei_has_balance,
                    _latest_entry(InfoState.zaikei_balance, "zaikei_balance",
                                  "zaikei-latest-balance")),
            rx.cond(InfoState.zaikei_has_incentive,
                    _latest_entry(InfoState.zaikei_incentive, "zaikei_incentive",
                                  "zaikei-latest-incentive")),
            data_testid="zaikei-latest",
        ),
    )


def _batch_latest() -> rx.Component:
    """最新受信情報（一斉積立）: the latest received 一斉積立内訳明細 of the selected group
    (R-INFO-1, manual P.21), for a contract with 一斉積立."""
    return rx.cond(
        InfoState.has_batch,
        rx.box(
            rx.heading("最新受信情報（一斉積立）", as_="h2", size="3", margin_top="16px"),
            _latest_entry(InfoState.batch_latest, "batch", "batch-latest"),
        ),
    )


def _menus() -> rx.Component:
    """共通機能 for everyone (with 契約ユーザー情報照会 for a general user); システム管理機能 for
    the master only, 契約ユーザー情報照会 first (R-INFO-2/2a, manual P.26–27, P.41–43)."""
    common, users = _menu_buttons(_COMMON), _menu_buttons(_USERS)
    admin = _menu_buttons(_USERS, _ADMIN)
    return rx.box(
        rx.box(
            rx.heading(COMMON_HEADING, as_="h2", size="3", margin_top="16px"),
            rx.hstack(*common, rx.cond(SessionState.is_master, rx.fragment(),
                                       rx.fragment(*users)),
                      spacing="3", wrap="wrap"),
            data_testid="common-menu",
        ),
        *([rx.cond(SessionState.is_master, rx.box(
            rx.heading(ADMIN_HEADING, as_="h2", size="3", margin_top="16px"),
            rx.hstack(*admin, spacing="3", wrap="wrap"),
            data_testid="admin-menu",
        ))] if admin else []),
    )


def info_page() -> rx.Component:
    """インフォメーション画面 (R-LOGIN-5, R-PLUS-4); the menus arrive with the next issue."""
    return signed_in_shell(
        "インフォメーション画面",
        rx.heading(
            rx.cond(SessionState.contract_kind == "employer",
                    "インフォメーション画面（財形貯蓄）",
                    "インフォメーション画面（労金控除・賃控元帳・一斉積立）"),
            as_="h2", size="4", data_testid="info-title",
        ),
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label("ユーザーＩＤ"),
                              rx.data_list.value(SessionState.user_id)),
            rx.data_list.item(rx.data_list.label("ユーザー名"),
                              rx.data_list.value(SessionState.user_name)),
            rx.data_list.item(rx.data_list.label("契約"),
                              rx.data_list.value(SessionState.contract_name)),
            rx.data_list.item(rx.data_list.label("入金グループ"),
                              rx.data_list.value(SessionState.group_no, " ",
                                                 SessionState.group_name)),
            margin_y="12px",
        ),
        rx.cond(
            SessionState.has_several_groups,
            rx.button("入金グループ選択", variant="outline",
                      on_click=rx.redirect(routes.GROUP_SELECT)),
        ),
        _cycle_link(),
        _notices(),
        _rokin_schedule(),
        cycle_chart(),  # issue 14 item 8: the last 12 cycles at a glance
        _batch_latest(),
        _zaikei_latest(),
        _business_menus(),
        _menus(),
        rx.heading("前回までのログイン（直近3回）", as_="h2", size="3", margin_top="16px"),
        rx.cond(
            SessionState.last_signins.length() > 0,  # type: ignore[attr-defined]
            rx.unordered_list(rx.foreach(SessionState.last_signins, rx.list_item)),
            rx.text("記録はありません。"),
        ),
    )


def logged_out_page() -> rx.Component:
    """After ログアウト (R-SESS-4): close every browser window."""
    return page_shell("ログアウト", rx.callout(message("MSG-LOGOUT"), role="status"))

