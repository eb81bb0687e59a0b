"""Every business menu entry has exactly one built screen, named as the entry (SPEC R-INFO-1,
R-USER-7a, Appendix C 21; issue 13 item 5: the permission rows and the menu are one list, so a
restriction can never name a screen that is not there, nor miss one that is)."""

from __future__ import annotations

import chingin_app.chingin_app as app_module
from chingin_app import routes
from chingin_app.domain.permissions import MENUS, PERMISSION_MENUS


def test_r_info_1_every_menu_entry_has_one_route_and_every_route_one_entry() -> None:
    """R-INFO-1, R-USER-7a: ``routes.MENU_ROUTES`` and ``domain.permissions.MENUS`` name the
    same entries, each its own screen."""
    assert set(routes.MENU_ROUTES) == {m.key for m in MENUS}
    assert len(set(routes.MENU_ROUTES.values())) == len(routes.MENU_ROUTES)


def test_r_user_7a_every_permission_row_names_a_built_screen_with_its_name() -> None:
    """R-USER-7a (issue 13 item 5), Appendix C 21: every entry's screen is registered in the app
    (``SCREENS``) under the entry's name, so no permission row names a screen that is not
    there, and the screens that belong to a menu are exactly the entries."""
    titles = {route: title for route, title, *_ in app_module.SCREENS}
    for item in MENUS:
        route = routes.MENU_ROUTES[item.key]
        assert routes.is_built(route), item.label
        assert titles[route] == item.label
    assert {m.key for m in PERMISSION_MENUS} <= set(routes.MENU_ROUTES)


def test_r_info_1_no_business_screen_is_missing_from_the_menu() -> None:
    """Issue 13 item 5 "nor miss one that is": every business screen the app serves (SPEC §11,
    §13: under /rokin, /ledger, /batch, /zaikei) is a menu entry, hence a permission row or a
    screen on one's right. The one exception is 今月の控除 (issue 14 item 1): not a menu, it
    puts the parts of RK-4, 5, 8, 9 and R-PLUS-1 on one page, each under that menu's right."""
    business = {
        route for route, *_ in app_module.SCREENS
        if route.startswith(("/rokin/", "/ledger/", "/batch/", "/zaikei/"))
    }
    assert business - {routes.ROKIN_CYCLE} == set(routes.MENU_ROUTES.values())
    assert routes.ROKIN_CYCLE in business
