"""The page shell every screen uses: service name, hours notices, the お問い合わせ先 (R-ENV-7)."""

from __future__ import annotations

import reflex as rx

from chingin_app.components.form import FORM_STYLE
from chingin_app.proxy.static_pages import SERVICE_NAME
from chingin_app.settings import settings
from chingin_app.state.page import PageState


def helpdesk() -> rx.Component:
    """お問い合わせ先 from settings; the demo shows placeholders, never a real bank's number."""
    s = settings()
    return rx.el.section(
        rx.heading("お問い合わせ先", as_="h2", size="3"),
        rx.text(s.helpdesk_name),
        rx.text(f"TEL {s.helpdesk_tel}"),
        rx.text(f"受付時間 {s.helpdesk_hours}"),
        aria_label="お問い合わせ先",
        style={"borderTop": "1px solid var(--gray-6)", "paddingTop": "12px", "marginTop": "32px"},
    )


def _notices() -> rx.Component:
    return rx.fragment(
        rx.cond(
            PageState.hours_warning != "",
            rx.callout(PageState.hours_warning, color_scheme="amber", role="alert"),
        ),
        rx.cond(
            PageState.demo_notice != "",
            rx.callout(PageState.demo_notice, color_scheme="blue", role="status"),
        ),
    )


def page_shell(title: str, *content: rx.Component) -> rx.Component:
    """A screen: header, title, hours notices, then the content — or the closed notice."""
    return rx.box(
        rx.el.header(
            rx.text(SERVICE_NAME, weight="bold", size="5"),
            style={"background": "#0b4f8a", "color": "white", "padding": "12px 24px"},
        ),
        rx.el.main(
            rx.heading(title, as_="h1", size="6", margin_bottom="16px"),
            rx.cond(
                PageState.hours_closed,
                rx.callout(PageState.hours_text, color_scheme="red", role="alert"),
                rx.fragment(_notices(), *content),
            ),
            helpdesk(),
            style={"maxWidth": "880px", "margin": "24px auto", "padding": "0 24px"},
        ),
        lang="ja",
        style=FORM_STYLE,  # required marks, red borders, visible dropdowns (issue 14 item 7)
    )


def signed_in_shell(title: str, *content: rx.Component) -> rx.Component:
    """A screen after login: the selected payment group top-right (R-LOGIN-4), the user, the
    ログアウト button on every screen (R-SESS-2), and the idle heartbeat (R-SESS-1); under the
    header the persistent menu, the breadcrumb and 戻る (issue 14 item 3); the content uses the
    window's width (issue 14 item 4)."""
    from chingin_app.components.navigation import has_navigation, layout_style, navigation
    from chingin_app.state.session import SessionState

    return rx.box(
        rx.el.header(
            rx.hstack(
                rx.text(SERVICE_NAME, weight="bold", size="5"),
                rx.spacer(),
                rx.cond(
                    SessionState.group_no != "",
                    rx.text("入金グループ ", SessionState.group_no, " ", SessionState.group_name,
                            data_testid="group-no"),
                ),
                rx.text(SessionState.user_name, " 様"),
                rx.button("ログアウト", on_click=SessionState.logout, variant="surface",
                          color_scheme="gray"),
                align="center", spacing="4",
            ),
            style={"background": "#0b4f8a", "color": "white", "padding": "12px 24px"},
        ),
        layout_style(),
        *([navigation(title)] if has_navigation(title) else []),
        rx.moment(interval=60_000, on_change=SessionState.heartbeat, display="none"),
        rx.el.main(
            rx.heading(title, as_="h1", size="6", margin_bottom="16px"),
            rx.cond(
                PageState.hours_warning != "",
                rx.callout(PageState.hours_warning, color_scheme="amber", role="alert"),
            ),
            *content,
            # Fluid: the whole window (issue 14 item 4); wide tables scroll inside themselves.
            style={"margin": "24px 0", "padding": "0 24px", "minWidth": 0},
        ),
        lang="ja",
        style=FORM_STYLE,  # required marks, red borders, visible dropdowns (issue 14 item 7)
    )
