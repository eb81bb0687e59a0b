"""What every business menu screen (SPEC §11) asks before it shows or changes anything: the
session, then the menu permission read from the database (R-USER-7, R-SEC-1). A mixin beside
``SessionState`` so each menu keeps its own state."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.permissions import Access
from chingin_app.domain.result import Err
from chingin_app.services import permissions
from chingin_app.services.context import app_clock
from chingin_app.services.sessions import SessionInfo


class MenuAccessMixin(rx.State, mixin=True):
    """``can_change`` hides the change buttons of a 閲覧のみ user; ``menu_access`` is the check
    that counts, at every event."""

    can_change: bool = False

    def _menu_access(
        self, menu_key: str, access: Access
    ) -> tuple[SessionInfo | None, EventSpec | None]:
        """The session when the user may ``access`` the menu; otherwise None and where to go:
        the login page without a session, the information screen when the menu is not the
        user's to view; a refused change shows the reason in the callout and stays."""
        info, redirect = self._signed_in()  # type: ignore[attr-defined]
        if info is None:
            return None, redirect
        with session_scope() as db:
            result = permissions.require(
                db, session=info, menu_key=menu_key, access=access, clock=app_clock()
            )
        if isinstance(result, Err):
            if access == "view":
                return None, rx.redirect(routes.INFO)
            self.alert_text = message(result.code)  # type: ignore[attr-defined]
            return None, None
        return info, None

    def _note_change_right(
        self, info: SessionInfo, menu_key: str, *also: tuple[str, Access]
    ) -> tuple[bool, ...]:
        """Remember whether the change buttons show (display only; ``menu_access`` decides),
        and answer the screen's other display rights ``also`` from the same reading."""
        with session_scope(read_only=True) as db:
            self.can_change, *others = permissions.may_each(
                db, session=info, asks=((menu_key, "change"), *also)
            )
        return tuple(others)
