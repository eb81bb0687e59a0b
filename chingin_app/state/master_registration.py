"""マスターユーザーの初期登録 (R-MREG-1..4, manual P.8–10)."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.services import registration
from chingin_app.services.context import app_clock
from chingin_app.services.registration import ContractGrant, MasterForm
from chingin_app.state.forms import FormMixin
from chingin_app.state.page import PageState
from chingin_app.state.software_keyboard import (
    SoftwareKeyboardExpired,
    SoftwareKeyboardMixin,
    reset_keyboard,
    take_secret,
)


class MasterRegistrationState(SoftwareKeyboardMixin, FormMixin, PageState):
    """Contract number + initial password, then the master's details (or their correction)."""

    # Verified server-side by 次へ; never sent to the browser. Lost state = start again.
    _grant: ContractGrant | None = None
    contract_name: str = ""
    registered_user_id: str = ""
    correction_name: str = ""
    correction_email: str = ""

    @rx.event
    def load_start(self) -> None:
        """A new visit of マスターユーザー初期登録ログイン."""
        self._refresh_hours()
        self._clear_messages()
        reset_keyboard(self)
        self._grant = None
        self.registered_user_id = ""

    @rx.event
    def load_step(self) -> EventSpec | None:
        """Steps after 次へ need a grant from this visit; otherwise back to the start."""
        self._refresh_hours()
        self._clear_messages()
        reset_keyboard(self)
        if self._grant is None:
            return rx.redirect(routes.MASTER_REGISTRATION)
        return None

    @rx.event
    def submit_contract(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        """次へ: check 契約番号 + 初期パスワード (R-MREG-1, R-LOCK-3)."""
        try:
            initial_password = take_secret(self, form, "initial_password")
        except SoftwareKeyboardExpired:
            return
        if not self._refresh_hours():
            return
        self._start_busy()
        yield
        with session_scope() as db:
            result = registration.verify_initial_password(
                db, contract_no=form.get("contract_no", ""), initial_password=initial_password,
                clock=app_clock(), ip=self._client_ip(),
            )
        if not self._settle(result):
            return
        grant = result.value
        self._grant = grant
        self.contract_name = grant.contract_name
        if grant.correction_only:
            self.correction_name = grant.master_user_name or ""
            self.correction_email = grant.master_email or ""
            yield rx.redirect(routes.MASTER_CORRECT)
        else:
            yield rx.redirect(routes.MASTER_REGISTER)

    @rx.event
    def submit_master(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        """登録: the master's ID, password ×2, name, e-mail ×2 (R-MREG-2)."""
        try:
            master = MasterForm(
                user_id=form.get("user_id", ""),
                password=take_secret(self, form, "password"),
                password_again=take_secret(self, form, "password_again"),
                user_name=form.get("user_name", ""),
                email=form.get("email", ""),
                email_again=form.get("email_again", ""),
            )
        except SoftwareKeyboardExpired:
            return
        if self._grant is None:
            # A repeated 登録 after success returns the first result (SPEC §3 one-time token).
            if self.registered_user_id:
                yield rx.redirect(routes.MASTER_DONE)
            else:
                yield rx.redirect(routes.MASTER_REGISTRATION)
            return
        if not self._refresh_hours():
            return
        self._start_busy()
        yield
        with session_scope() as db:
            result = registration.register_master(
                db, grant=self._grant, form=master, clock=app_clock(), ip=self._client_ip()
            )
        if not self._settle(result):
            return
        self._grant = None
        self.registered_user_id = result.value
        yield rx.redirect(routes.MASTER_DONE)

    @rx.event
    def submit_correction(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        """更新: correct the master's name and e-mail before any certificate (R-MREG-4)."""
        if self._grant is None:
            yield rx.redirect(routes.MASTER_REGISTRATION)
            return
        if not self._refresh_hours():
            return
        self._start_busy()
        yield
        with session_scope() as db:
            result = registration.correct_master(
                db, grant=self._grant, user_name=form.get("user_name", ""),
                email=form.get("email", ""), email_again=form.get("email_again", ""),
                clock=app_clock(), ip=self._client_ip(),
            )
        if not self._settle(result):
            return
        self._grant = None
        self.registered_user_id = result.value
        yield rx.redirect(routes.MASTER_DONE)
