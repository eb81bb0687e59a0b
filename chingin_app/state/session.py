"""The signed-in session as every screen after login sees it (R-SESS-1..5, R-SEC-1).

The session lives in the database; this state keeps only its token, backend-only (never sent
to the browser), and re-checks it with the certificate at every event through one function."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.permissions import GROUPS
from chingin_app.domain.result import Err
from chingin_app.services import download_tickets, keypad, permissions, sessions
from chingin_app.services.cert_gate import H_TAB
from chingin_app.services.context import app_clock
from chingin_app.services.session_handles import handles, tab_key
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.off_loop import off_loop
from chingin_app.state.page import PageState


class SessionState(PageState):
    """Shared by every screen after login."""

    _session_token: str = ""
    # Shown on the login page after the session ended (time-out, duplicate login, …).
    ended_message: str = ""
    user_id: str = ""
    user_name: str = ""
    contract_name: str = ""
    contract_kind: str = ""
    group_no: str = ""
    group_name: str = ""
    has_several_groups: bool = False
    is_master: bool = False
    groups: list[tuple[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    last_signins: list[str] = []  # noqa: RUF012 (Reflex copies var defaults)
    # The persistent menu of every screen after login (issue 14 item 3): the business menu
    # groups the user may see and, per group, [label, route] — the information screen's links.
    nav_groups: list[str] = []  # noqa: RUF012 (Reflex copies var defaults)
    nav_links: dict[str, list[list[str]]] = {}  # noqa: RUF012 (Reflex copies var defaults)

    def _menu_links(
        self, info: SessionInfo
    ) -> tuple[list[str], dict[str, list[list[str]]], set[str]]:
        """The business menus ``info``'s user may see (R-INFO-1, R-USER-7): the groups in the
        manual's order, each group's [label, route] and the visible menu keys. The one
        permission check of the information screen and of the persistent menu, so both always
        list the same screens."""
        with session_scope(read_only=True) as db:
            visible = permissions.visible_menus(
                db, contract_no=info.contract_no, user_id=info.user_id, rights=info.rights
            )
        links: dict[str, list[list[str]]] = {}
        for item, _level in visible:
            # Every menu entry has a built screen (tests/unit/test_menu_screens.py); the check
            # stays so a half-merged menu can never show a dead link.
            route = routes.MENU_ROUTES.get(item.key)
            if route is not None and routes.is_built(route):
                links.setdefault(item.group, []).append([item.label, route])
        return [g for g in GROUPS if g in links], links, {item.key for item, _level in visible}

    @rx.event
    @off_loop
    def load_menu(self) -> None:
        """Fill the persistent menu when a screen mounts (display only: every screen's own
        handlers check the right again). Without a session it shows nothing; the screen's
        ``load`` does the redirect."""
        info = self._current_session(touch=False)
        if info is None or info.group_no is None:
            self.nav_groups, self.nav_links = [], {}
            return
        self.nav_groups, self.nav_links, _keys = self._menu_links(info)

    def _current_session(self, *, touch: bool) -> SessionInfo | None:
        """Check the session, the certificate and the hours for this event; None when the user
        must go back to the login page (the reason is in `ended_message`)."""
        if not self._session_token and self.ended_message:
            return None  # already ended: keep the first reason (a heartbeat may come next)
        if not self._session_token:
            self._recover_session()
        if not self._refresh_hours():
            self._forget(self.hours_text)
            return None
        with session_scope() as db:
            result = sessions.check(
                db, token=self._session_token or None, facts=self._cert_facts(),
                clock=app_clock(), touch=touch,
            )
            db.commit()
        if isinstance(result, Err):
            self._forget(message(result.code, **result.params))
            return None
        info = result.value
        self.user_id = info.user_id
        self.user_name = info.user_name
        self.contract_name = info.contract_name
        self.contract_kind = info.contract_kind
        self.group_no = info.group_no or ""
        self.group_name = info.group_name or ""
        self.has_several_groups = len(info.groups) > 1
        self.groups = list(info.groups)
        self.is_master = info.role == "master"
        return info

    def _signed_in(
        self, *, touch: bool = True, allow_temporary: bool = False, allow_no_group: bool = False
    ) -> tuple[SessionInfo | None, EventSpec | None]:
        """The session for this event, or where the event must go instead: the login page when
        the session ended; the forced password change before anything else (R-LOGIN-3); the
        payment-group choice while none is chosen (R-LOGIN-4)."""
        info = self._current_session(touch=touch)
        if info is None:
            return None, rx.redirect(routes.LOGIN)
        if info.must_change_password and not allow_temporary:
            return None, rx.redirect(routes.PASSWORD_CHANGE_FIRST)
        if info.group_no is None and len(info.groups) > 1 and not allow_no_group:
            return None, rx.redirect(routes.GROUP_SELECT)
        return info, None

    def _guard(
        self, *, touch: bool = True, allow_temporary: bool = False, allow_no_group: bool = False
    ) -> EventSpec | None:
        """Only where the event must go instead (see `signed_in`), or None to go on."""
        return self._signed_in(
            touch=touch, allow_temporary=allow_temporary, allow_no_group=allow_no_group
        )[1]

    def _download_ticket(self, kind: str, ref: str, *, inline: bool) -> str | None:
        """A single-use ticket for ``/dl/<ticket>`` bound to this session and certificate
        (DESIGN §1 Downloads); None without a live session. The route's resolver for ``kind``
        decides again whether the user may have ``ref``."""
        info, _ = self._signed_in()
        facts = self._cert_facts()
        if info is None or facts.sha256 is None:
            return None
        return download_tickets.store().issue(download_tickets.TicketSpec(
            kind=kind, ref=ref, session_token=self._session_token,
            cert_sha256=facts.sha256, inline=inline,
        ))

    def _tab_key(self) -> str:
        return tab_key(self.router.session.client_token)

    def _recover_session(self) -> None:
        """A fresh state after its worker died (R-DEP-4): adopt the session handle of the token
        this tab's websocket connected with. ``_current_session`` then checks it with the
        certificate like any other event; this tab's own token keeps the handle from now on,
        and the connect token keeps it too (a duplicated browser tab shares it)."""
        connected = self.router.headers.raw_headers.get(H_TAB)
        token = handles().recover(connected)
        if token is None:
            return
        self._session_token = token
        handles().remember(self._tab_key(), token)
        if connected and connected != self._tab_key():
            handles().remember(connected, token)

    def _forget(self, reason: str) -> None:
        if self._session_token:  # the session ended: no reconnect may take it up again
            handles().forget(self._tab_key())
        self._session_token = ""
        self.ended_message = reason
        self.user_id = self.user_name = self.contract_name = ""
        self.group_no = self.group_name = ""

    def _start_session(self, token: str) -> None:
        """Remember the token of a session the login service created."""
        self._session_token = token
        self.ended_message = ""
        handles().remember(self._tab_key(), token)

    @rx.event
    @off_loop
    def heartbeat(self) -> EventSpec | None:
        """Per-screen timer: logs out once idle, without restarting the idle time (R-SESS-5)."""
        if self._current_session(touch=False) is None:
            return rx.redirect(routes.LOGIN)
        return None

    @rx.event
    def logout(self) -> EventSpec:
        """ログアウト (R-SESS-2): end the session on the server."""
        if self._session_token:
            with session_scope() as db:
                sessions.logout(
                    db, token=self._session_token, clock=app_clock(), ip=self._client_ip()
                )
                db.commit()
        keypad.default_store().discard_client(self.router.session.client_token)
        self._forget("")
        return rx.redirect(routes.LOGGED_OUT)
