"""契約ユーザー情報照会 / 契約ユーザー登録 / 契約ユーザー更新 (R-INFO-2a, R-USER-2/3/5/5a/6/7a/8).

The list is for everyone (a general user sees only their own entry, read-only); adding,
changing and deleting general users is the master's. Every handler re-checks the session; the
services refuse anyone but the contract's master as well. Each screen visit carries a one-time
token (SPEC §3): a repeated 登録 / 更新 / 削除 after success returns the first result."""

from __future__ import annotations

import secrets
from typing import Final

import reflex as rx
from reflex.event import EventSpec

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.messages import message
from chingin_app.domain.permissions import (
    UNSET_LABEL,
    Level,
    MenuItem,
    allowed_levels,
    hide_all,
    menu,
    show_all,
    view_only_all,
)
from chingin_app.services import contract_users as users
from chingin_app.services import permissions
from chingin_app.services.context import app_clock
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.forms import FormMixin
from chingin_app.state.session import SessionState
from chingin_app.state.software_keyboard import (
    SoftwareKeyboardExpired,
    SoftwareKeyboardMixin,
    reset_keyboard,
    take_secret,
)


def _menu_rows(items: tuple[MenuItem, ...]) -> list[dict[str, str]]:
    """One row per menu, with its group heading on the group's first row (P.21–24)."""
    rows: list[dict[str, str]] = []
    group = ""
    for item in items:
        rows.append({
            "key": item.key,
            "label": item.label,
            "heading": item.group if item.group != group else "",
            "view_only": "1" if Level.VIEW_ONLY in allowed_levels(item) else "",
            "unset": "",
        })
        group = item.group
    return rows


#: The 電子証明書 cell of a user without a certificate.
NO_CERT_LABEL: Final = "なし"


class ContractUsersState(FormMixin, SessionState):
    """契約ユーザー情報照会: the contract's users; 削除 for the master."""

    rows: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    can_manage: bool = False
    notice: str = ""
    # A general user's own entry, in full (R-INFO-2a: ID, name, e-mail, 権限, certificate
    # validity; the last sign-ins are SessionState.last_signins).
    own_entry: dict[str, str] = {}  # noqa: RUF012 (Reflex copies var defaults)
    _versions: dict[str, int] = {}  # noqa: RUF012
    _deleted: list[str] = []  # noqa: RUF012 (this visit's deletions: one-time per row)

    def _fetch(self, info: SessionInfo) -> None:
        with session_scope(read_only=True) as db:
            found = users.list_users(
                db, contract_no=info.contract_no, viewer_user_id=info.user_id, clock=app_clock()
            )
        self.can_manage = info.role == "master"
        self._versions = {r.user_id: r.version for r in found}
        self.rows = [
            {
                "user_id": r.user_id,
                "user_name": r.user_name,
                "role": r.role_label,
                "status": r.status,
                "cert": (dates.date_label(r.cert_not_after) if r.cert_not_after
                         else NO_CERT_LABEL),
                "general": "1" if r.role == "general" else "",
                # The master's own row: 更新へ for name and e-mail (R-USER-2).
                "own": "1" if r.role == "master" and r.user_id == info.user_id else "",
            }
            for r in found
        ]
        own = next((r for r in found if r.user_id == info.user_id), None)
        self.own_entry = {} if own is None or self.can_manage else {
            "user_id": own.user_id,
            "user_name": own.user_name,
            "email": own.email,
            "role": own.role_label,
            "status": own.status,
            "cert": (dates.date_label(own.cert_not_after) if own.cert_not_after
                     else NO_CERT_LABEL),
        }

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the list (a new visit)."""
        info, redirect = self._signed_in()
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        self._deleted = []
        self._fetch(info)
        return None

    @rx.event
    def delete(self, user_id: str):  # type: ignore[no-untyped-def]
        """削除 → はい (R-USER-6): with the version read when the list was shown."""
        info, redirect = self._signed_in()
        if info is None:
            yield redirect
            return
        if info.role != "master":
            yield rx.redirect(routes.USERS)
            return
        if user_id in self._deleted:  # a repeat returns the first result (SPEC §3)
            return
        version = self._versions.get(user_id)
        if version is None:
            self.alert_text = message("E-USER-NOT-FOUND")
            return
        self._start_busy()
        self.notice = ""
        yield
        with session_scope() as db:
            result = users.delete_general_user(
                db, contract_no=info.contract_no, actor_user_id=info.user_id, user_id=user_id,
                expected_version=version, clock=app_clock(),
            )
        if self._settle(result):
            self._deleted = [*self._deleted, user_id]
            self.notice = message("I-USER-DELETE-DONE", user_id=user_id)
        self._fetch(info)


class ContractUserFormState(SoftwareKeyboardMixin, FormMixin, SessionState):
    """契約ユーザー登録 and 契約ユーザー更新 (master only)."""

    menu_rows: list[dict[str, str]] = []  # noqa: RUF012
    levels: dict[str, str] = {}  # noqa: RUF012 (menu key → level value)
    target_user_id: str = ""
    own: bool = False  # the master's own entry (R-USER-2): name and e-mail only
    current_name: str = ""
    current_email: str = ""
    at_limit: bool = False
    _loaded_levels: dict[str, str] = {}  # noqa: RUF012
    _version: int = 0
    _visit: str = ""
    _done_visit: str = ""

    def _master(self) -> tuple[SessionInfo | None, EventSpec | None]:
        info, redirect = self._signed_in()
        if info is None:
            return None, redirect
        if info.role != "master":
            return None, rx.redirect(routes.USERS)
        return info, None

    def _start_visit(self) -> None:
        self._clear_messages()
        reset_keyboard(self)
        self._visit = secrets.token_hex(16)
        self._done_visit = ""

    @rx.event
    def load_new(self) -> EventSpec | None:
        """契約ユーザー登録: every menu of the contract, 非表示 to start with."""
        info, redirect = self._master()
        if info is None:
            return redirect
        self._start_visit()
        self.target_user_id = self.current_name = self.current_email = ""
        self.own = False
        with session_scope(read_only=True) as db:
            settings = permissions.user_settings(
                db, contract_no=info.contract_no, user_id=info.user_id
            )
            listed = users.list_users(
                db, contract_no=info.contract_no, viewer_user_id=info.user_id
            )
        items = tuple(item for item, _level, _unset in settings)
        self.menu_rows = _menu_rows(items)
        self.levels = {k: v.value for k, v in hide_all(items).items()}
        self._loaded_levels = {}
        self.at_limit = (
            sum(1 for r in listed if r.role == "general") >= users.GENERAL_USER_LIMIT
        )
        if self.at_limit:
            self.alert_text = message("MSG-USER-LIMIT")
        return None

    @rx.event
    def load_edit(self) -> EventSpec | None:
        """契約ユーザー更新 of the general user ``uid``, or of the master's own entry (R-USER-2,
        manual P.26: 会員（マスター）→ 更新へ): its version and settings as of now."""
        info, redirect = self._master()
        if info is None:
            return redirect
        self._start_visit()
        uid = self.router.url.query_parameters.get("uid", "")
        own = uid == info.user_id
        with session_scope(read_only=True) as db:
            listed = users.list_users(
                db, contract_no=info.contract_no, viewer_user_id=info.user_id
            )
            row = next(
                (r for r in listed
                 if r.user_id == uid and r.role == ("master" if own else "general")),
                None,
            )
            settings = (
                permissions.user_settings(db, contract_no=info.contract_no, user_id=uid)
                if row is not None and not own else ()
            )
        if row is None:
            return rx.redirect(routes.USERS)
        self.own = own
        self.target_user_id = row.user_id
        self.current_name = row.user_name
        self.current_email = row.email
        self._version = row.version
        rows = _menu_rows(tuple(item for item, _level, _unset in settings))
        unset = {item.key for item, _level, is_unset in settings if is_unset}
        for r in rows:
            r["unset"] = UNSET_LABEL if r["key"] in unset else ""
        self.menu_rows = rows
        self.levels = {item.key: level.value for item, level, _unset in settings}
        self._loaded_levels = {k: v for k, v in self.levels.items() if k not in unset}
        return None

    @rx.event
    def set_level(self, key: str, value: str) -> None:
        """One menu's select."""
        if key in self.levels:
            self.levels = {**self.levels, key: value}

    def _items(self) -> tuple[MenuItem, ...]:
        return tuple(menu(r["key"]) for r in self.menu_rows)

    @rx.event
    def all_show(self) -> None:
        """すべて表示."""
        self.levels = {k: v.value for k, v in show_all(self._items()).items()}

    @rx.event
    def all_view_only(self) -> None:
        """すべて閲覧のみ (change-only menus become 非表示)."""
        self.levels = {k: v.value for k, v in view_only_all(self._items()).items()}

    @rx.event
    def all_hide(self) -> None:
        """すべて非表示."""
        self.levels = {k: v.value for k, v in hide_all(self._items()).items()}

    @rx.event
    def submit_new(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        """登録 (R-USER-3): every field checked at once, then the service."""
        try:
            password = take_secret(self, form, "temporary_password")
            again = take_secret(self, form, "temporary_password_again")
        except SoftwareKeyboardExpired:
            return
        info, redirect = self._master()
        if info is None:
            yield redirect
            return
        if self._done_visit and self._done_visit == self._visit:
            yield rx.redirect(routes.USERS)  # a repeat returns the first result
            return
        self._start_busy()
        yield
        with session_scope() as db:
            result = users.create_general_user(
                db, contract_no=info.contract_no, user_id=form.get("user_id", ""),
                user_name=form.get("user_name", ""), email=form.get("email", ""),
                email_again=form.get("email_again", ""), temporary_password=password,
                temporary_password_again=again, actor=info.user_id, clock=app_clock(),
                permissions=dict(self.levels),
            )
        if not self._settle(result):
            return
        self._done_visit = self._visit
        yield rx.redirect(routes.USERS)

    @rx.event
    def submit_edit(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        """更新 (R-USER-5/5a): blank = unchanged; a new 仮のパスワード only when entered."""
        try:
            password = take_secret(self, form, "password")
            again = take_secret(self, form, "password_again")
        except SoftwareKeyboardExpired:
            return
        info, redirect = self._master()
        if info is None:
            yield redirect
            return
        if self._done_visit and self._done_visit == self._visit:
            yield rx.redirect(routes.USERS)
            return
        uid = self.target_user_id
        name = form.get("user_name", "")
        email = form.get("email", "")
        email_again = form.get("email_again", "")
        if self.own:  # R-USER-2: only name and e-mail; no restrictions, no 仮のパスワード
            self._start_busy()
            yield
            with session_scope() as db:
                mine = users.update_own_profile(
                    db, contract_no=info.contract_no, user_id=info.user_id,
                    user_name=name or None, email=email or None,
                    email_again=email_again or None, clock=app_clock(),
                    expected_version=self._version,
                )
            if self._settle(mine):
                self._version = mine.value
                self._done_visit = self._visit
                yield rx.redirect(routes.USERS)
            return
        changed = {k: v for k, v in self.levels.items() if self._loaded_levels.get(k) != v}
        # 未設定 menus left at 非表示 stay 未設定 (R-USER-7a).
        changed = {
            k: v for k, v in changed.items()
            if k in self._loaded_levels or v != Level.HIDE.value
        }
        new_password = bool(password or again)
        if new_password and (refused := users.check_temporary_password(
                password, again, user_id=uid)):
            self._clear_messages()
            self._show_refusal(refused)  # before anything else of this 更新 changes
            return
        profile = bool(name or email or email_again or changed)
        self._start_busy()
        yield
        if profile or not new_password:
            with session_scope() as db:
                updated = users.update_general_user(
                    db, contract_no=info.contract_no, actor_user_id=info.user_id, user_id=uid,
                    user_name=name or None, email=email or None,
                    email_again=email_again or None, permissions=changed or None,
                    expected_version=self._version, clock=app_clock(),
                )
            if not self._settle(updated):
                return
            self._version = updated.value
            self.busy = True
        if new_password:
            with session_scope() as db:
                result = users.set_temporary_password(
                    db, contract_no=info.contract_no, actor_user_id=info.user_id, user_id=uid,
                    password=password, password_again=again, clock=app_clock(),
                )
            if not self._settle(result):
                return
        self.busy = False
        self._done_visit = self._visit
        yield rx.redirect(routes.USERS)

