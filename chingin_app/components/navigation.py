"""Navigation on every screen after login (issue 14 items 3 and 4): the persistent menu of the
business areas the user may see, the breadcrumb インフォメーション > area > screen, 戻る (always
to the information screen), and the page-wide layout rules (fluid width, tables on one line,
sticky action column).

The menu's entries come from the information screen's own permission check
(``SessionState._menu_links`` over ``services.permissions.visible_menus``), so the two can never
differ; each screen still checks its right in every handler.
"""

from __future__ import annotations

from typing import Final

import reflex as rx

from chingin_app import routes
from chingin_app.domain.permissions import MENUS
from chingin_app.state.session import SessionState

#: The two headings of the manual's information screen (P.26, 27, 41–43).
COMMON_HEADING: Final = "共通機能"
ADMIN_HEADING: Final = "システム管理機能"

#: The information screen's title; it is the breadcrumb's first step and 戻る's target.
INFO_TITLE: Final = "インフォメーション画面"
INFO_CRUMB: Final = "インフォメーション"

#: Screens of 共通機能 and システム管理機能 (R-INFO-2/2a) by title. 契約ユーザー… is under
#: システム管理機能 for the master and under 共通機能 for a general user (manual P.41).
_COMMON_SCREENS: Final = frozenset({"パスワード変更", "マニュアル照会", "通知設定"})
_ADMIN_SCREENS: Final = frozenset({"操作ログ照会"})
_USER_SCREENS: Final = frozenset({"契約ユーザー情報照会", "契約ユーザー登録", "契約ユーザー更新"})

#: Screens that show no navigation: the information screen is itself the menu, and the first
#: password change must be done before anything else (R-LOGIN-3).
_NO_NAVIGATION: Final = frozenset({INFO_TITLE, "パスワード変更（初回）"})

#: Business screen title (exactly its menu name) → its menu group (the manual's category).
_AREA_OF: Final[dict[str, str]] = {item.label: item.group for item in MENUS}


def has_navigation(title: str) -> bool:
    """Whether the screen ``title`` shows the menu, the breadcrumb and 戻る (every screen after
    login but the information screen and the first password change)."""
    return title not in _NO_NAVIGATION


def area_of(title: str) -> str | rx.Var[str] | None:
    """The breadcrumb's middle step for a screen: its menu group, 共通機能 or システム管理機能;
    None for a screen outside the menus (入金グループ選択)."""
    if title in _AREA_OF:
        return _AREA_OF[title]
    if title in _COMMON_SCREENS:
        return COMMON_HEADING
    if title in _ADMIN_SCREENS:
        return ADMIN_HEADING
    if title in _USER_SCREENS:
        return rx.cond(SessionState.is_master, ADMIN_HEADING, COMMON_HEADING)  # type: ignore[return-value]
    return None


def back_link() -> rx.Component:
    """戻る: always back to the information screen (issue 14 item 3). A link, so it never
    doubles a screen's own 戻る button for assistive technology or tests by role."""
    return rx.link(
        "戻る", href=routes.INFO, data_testid="nav-back",
        style={"border": "1px solid var(--accent-8)", "borderRadius": "var(--radius-2)",
               "padding": "2px 12px", "textDecoration": "none", "whiteSpace": "nowrap"},
    )


def breadcrumb(title: str) -> rx.Component:
    """インフォメーション > area > screen (the last one the current page)."""
    sep = rx.el.span("›", aria_hidden="true", style={"margin": "0 6px", "color": "var(--gray-9)"})
    steps: list[rx.Component] = [rx.el.li(rx.link(INFO_CRUMB, href=routes.INFO))]
    area = area_of(title)
    if area is not None:
        steps.append(rx.el.li(sep, rx.el.span(area)))
    steps.append(rx.el.li(sep, rx.el.span(title, aria_current="page")))
    return rx.el.nav(
        rx.el.ol(*steps, style={"display": "flex", "flexWrap": "wrap", "listStyle": "none",
                                "margin": 0, "padding": 0, "gap": "0"}),
        aria_label="パンくずリスト",
        data_testid="breadcrumb",
    )


def _area_menu(group: rx.Var[str]) -> rx.Component:
    """One business area: a button opening its screens (as the manual's menu opens a
    category's list when its name is clicked)."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(group, rx.icon("chevron-down", size=14), variant="soft", size="2",
                      data_testid="global-menu-area"),
        ),
        rx.menu.content(
            rx.foreach(
                SessionState.nav_links[group],  # type: ignore[index]
                # on_select: mouse and keyboard alike (Enter / Space); an item cannot slot a
                # router link (Radix's Slot takes one element), so it redirects.
                lambda link: rx.menu.item(link[0], on_select=rx.redirect(link[1])),
            ),
            # The menu is portalled outside the themed root, so it brings its own panel.
            style={"background": "white", "border": "1px solid var(--gray-6)",
                   "boxShadow": "0 4px 16px rgba(0, 0, 0, 0.15)"},
            data_testid="global-menu-list",
        ),
    )


def global_menu() -> rx.Component:
    """The persistent menu: the business areas the user may see, then インフォメーション."""
    return rx.el.nav(
        rx.hstack(
            rx.foreach(SessionState.nav_groups, _area_menu),
            spacing="2", wrap="wrap", align="center",
        ),
        aria_label="業務メニュー",
        data_testid="global-menu",
        on_mount=SessionState.load_menu,
    )


def navigation(title: str) -> rx.Component:
    """The bar under the header: the persistent menu, the breadcrumb and 戻る."""
    return rx.box(
        global_menu(),
        rx.hstack(
            breadcrumb(title),
            rx.spacer(),
            back_link(),
            align="center", spacing="3", margin_top="8px",
        ),
        style={"borderBottom": "1px solid var(--gray-5)", "padding": "8px 24px",
               "background": "var(--gray-2)"},
    )


#: Layout for every screen (issue 14 item 4): data tables keep codes, names and amounts on one
#: line and scroll inside themselves; the action column (the last cell holding a button or a
#: link) stays visible at the right edge while the table scrolls.
LAYOUT_CSS: Final = """
main { min-width: 0; }
.rt-TableRoot { max-width: 100%; }
.rt-TableRoot .rt-TableCell, .rt-TableRoot .rt-TableColumnHeaderCell,
.rt-TableRoot .rt-TableRowHeaderCell { white-space: nowrap; }
.rt-TableRoot table:has(tbody td:last-child :is(button, a)) tr > :last-child {
  position: sticky; right: 0; z-index: 1;
  background: var(--color-panel-solid, white);
  box-shadow: -1px 0 0 var(--gray-5);
}
"""


def layout_style() -> rx.Component:
    """The page-wide layout rules as one style element."""
    return rx.el.style(LAYOUT_CSS)
