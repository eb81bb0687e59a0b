"""RL-11 賃控元帳種目情報照会 (SPEC §11): the contract's 種目 with how many ledger details use
each; 登録, 変更 and 削除 (refused while in use). The version each row showed stays
backend-only, so a change made meanwhile by someone else is refused, not overwritten."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import parse_row_id
from chingin_app.services.context import app_clock
from chingin_app.services.ledger import items as ledger_items
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.ledger.view import item_row
from chingin_app.state.session import SessionState

MENU = "ledger.item_inquiry"


class LedgerItemsState(FormMixin, MenuAccessMixin, SessionState):
    """The 種目 list, the one form (add or change) and the outcome."""

    rows: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    notice: str = ""
    form_mode: str = ""  # "", "add" or "change"
    target: dict[str, str] = {}  # noqa: RUF012 (the row being changed, as shown)
    _versions: dict[int, int] = {}  # noqa: RUF012 (the visible rows' versions)
    _target_id: int = 0

    def _fetch(self, info: SessionInfo) -> None:
        with session_scope(read_only=True) as db:
            found = ledger_items.list_items(db, session=info)
        self._versions = {i.id: i.version for i in found}
        self.rows = [item_row(i) for i in found]

    def _close_form(self) -> None:
        self.form_mode = ""
        self.target = {}
        self._target_id = 0

    def _done(self, info: SessionInfo, result: Ok[Any] | Err | Invalid, text_ok: str) -> None:
        """Field errors keep the form open; anything else closes it and reads the list."""
        if isinstance(result, Invalid) or (
            isinstance(result, Err) and result.field is not None
        ) or (isinstance(result, Err) and result.code == "E-RL-NO-CHANGE"):
            self._show_refusal(result)
            return
        self._close_form()
        self._fetch(info)
        if isinstance(result, Err):
            self._show_refusal(result)
        else:
            self.notice = text_ok

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the screen: the contract's 種目 in code order."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._note_change_right(info, MENU)
        self._clear_messages()
        self._close_form()
        self.notice = ""
        self._fetch(info)
        return None

    @rx.event
    def open_add(self) -> EventSpec | None:
        """新規登録: the empty form."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        self._close_form()
        self.form_mode = "add"
        return None

    @rx.event
    def open_change(self, item_id: str) -> EventSpec | None:
        """変更 of a row."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        self._close_form()
        wanted = parse_row_id(item_id)
        shown = next((r for r in self.rows if r.get("id") == str(wanted)), None)
        if wanted is None or shown is None or wanted not in self._versions:
            self.alert_text = message("E-RL-ITEM-NOT-FOUND")
            return None
        self.form_mode = "change"
        self.target = shown
        self._target_id = wanted
        return None

    @rx.event
    def close_form(self) -> EventSpec | None:
        """キャンセル."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._close_form()
        return None

    @rx.event
    def submit(self, form: dict[str, str]) -> EventSpec | None:
        """登録 (add) or 更新 (change)."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        code, name = text(form, "code"), text(form, "name")
        result: Ok[int] | Err | Invalid
        if self.form_mode == "add":
            with session_scope() as db:
                result = ledger_items.add_item(db, session=info, clock=app_clock(), code=code,
                                               name=name, ip=self._client_ip())
            self._done(info, result, message("I-RL-ITEM-ADDED", item_code=code))
        elif self.form_mode == "change" and self._target_id in self._versions:
            with session_scope() as db:
                result = ledger_items.change_item(
                    db, session=info, clock=app_clock(), item_id=self._target_id,
                    version=self._versions[self._target_id], code=code, name=name,
                    ip=self._client_ip(),
                )
            self._done(info, result, message("I-RL-ITEM-CHANGED", item_code=code))
        return None

    @rx.event
    def delete(self, item_id: str) -> EventSpec | None:
        """削除 → はい: with the version the list showed (refused while in use)."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        self._close_form()
        wanted = parse_row_id(item_id)
        version = None if wanted is None else self._versions.get(wanted)
        if wanted is None or version is None:
            self.alert_text = message("E-RL-ITEM-NOT-FOUND")
            return None
        shown = next((r for r in self.rows if r.get("id") == str(wanted)), {})
        with session_scope() as db:
            result = ledger_items.delete_item(db, session=info, clock=app_clock(),
                                              item_id=wanted, version=version,
                                              ip=self._client_ip())
        self._done(info, result, message("I-RL-ITEM-DELETED", item_code=shown.get("code", "")))
        return None
