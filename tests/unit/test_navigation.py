"""Every screen after login has the persistent menu, the breadcrumb and 戻る to the information
screen (issue 14 item 3; SPEC R-INFO-1; the developers' guide: "Every screen has 戻る").

A guard: a new screen registered in the app without the shared shell fails here."""

from __future__ import annotations

import codecs
import re

import chingin_app.chingin_app as app_module
from chingin_app import routes
from chingin_app.components import navigation
from chingin_app.domain.permissions import MENUS

#: The screens after login outside the business menus (共通機能, システム管理機能,
#: 入金グループ選択).
SIGNED_IN_OTHERS = {
    routes.GROUP_SELECT, routes.PASSWORD_CHANGE, routes.MANUALS, routes.NOTICE_SETTINGS,
    routes.USERS, routes.USERS_NEW, routes.USERS_EDIT, routes.OPERATION_LOG,
}


def _rendered(page: object) -> str:
    """The page's compiled JSX and its hooks (on_mount lives there), with the \\u escapes read
    back as text."""
    component = page()  # type: ignore[operator]
    text = str(component) + "".join(component._get_all_hooks())
    return codecs.decode(text, "unicode_escape") if text.isascii() else text


def _signed_in_screens() -> list[tuple[str, str, object]]:
    business = set(routes.MENU_ROUTES.values())
    return [(route, title, page) for route, title, page, _load in app_module.SCREENS
            if route in business or route in SIGNED_IN_OTHERS]


def test_r_info_1_every_signed_in_screen_has_back_to_info_menu_and_breadcrumb() -> None:
    """Issue 14 item 3: each registered business and common screen renders 戻る (a link to
    the information screen), the persistent menu (filled on mount from the information
    screen's permission check) and the breadcrumb ending in the screen's own name."""
    screens = _signed_in_screens()
    assert len(screens) == len(routes.MENU_ROUTES) + len(SIGNED_IN_OTHERS)
    missing: list[str] = []
    for _route, title, page in screens:
        text = _rendered(page)
        back = re.search(r'"data-testid":"nav-back"\},jsx\(\w+,\{to:"([^"]+)"\},"戻る"\)', text)
        if back is None or back.group(1) != routes.INFO:
            missing.append(f"{title}: 戻る")
        if '"data-testid":"global-menu"' not in text or "load_menu" not in text:
            missing.append(f"{title}: menu")
        if f'"aria-current":"page"}},"{title}"' not in text:
            missing.append(f"{title}: breadcrumb")
    assert missing == []


def test_r_info_1_breadcrumb_area_is_the_menu_group_of_the_manual() -> None:
    """The breadcrumb's middle step is the manual's category of the menu (労金控除事務 …), and
    共通機能 / システム管理機能 for the common screens."""
    for item in MENUS:
        assert navigation.area_of(item.label) == item.group
    assert navigation.area_of("パスワード変更") == navigation.COMMON_HEADING
    assert navigation.area_of("操作ログ照会") == navigation.ADMIN_HEADING
    assert navigation.area_of("入金グループ選択") is None


def test_issue_14_information_screen_and_first_password_change_have_no_navigation() -> None:
    """The information screen is the menu itself (戻る would go nowhere) and the first
    password change comes before anything else (R-LOGIN-3)."""
    assert not navigation.has_navigation("インフォメーション画面")
    assert not navigation.has_navigation("パスワード変更（初回）")
    titles = {route: title for route, title, *_ in app_module.SCREENS}
    assert '"data-testid":"nav-back"' not in _rendered(
        next(p for r, _t, p, _l in app_module.SCREENS if r == routes.INFO))
    assert titles[routes.INFO] == navigation.INFO_TITLE


def test_issue_14_layout_css_keeps_cells_on_one_line_and_actions_sticky() -> None:
    """Issue 14 item 4: table cells never break, the action column sticks to the right."""
    css = navigation.LAYOUT_CSS
    assert "white-space: nowrap" in css
    assert "position: sticky; right: 0" in css
