"""通知設定 (SPEC §13 R-PLUS-7): which business notices come by mail, per user.

In the common menu, so every signed-in user has it; each handler re-checks the session and the
service acts on the session's own user only (no user id ever comes from the screen)."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.notices import NoticeKind
from chingin_app.domain.result import Err
from chingin_app.services import notices
from chingin_app.services.context import app_clock
from chingin_app.state.forms import FormMixin
from chingin_app.state.session import SessionState


class NoticeSettingsState(FormMixin, SessionState):
    """The check boxes (``kinds``: [value, label, "1" when mailed]) and 更新."""

    kinds: list[list[str]] = []  # noqa: RUF012 (Reflex copies var defaults per client)
    done_text: str = ""
    # Changes whenever the stored settings are (re)read, so the form's check boxes remount
    # with the stored state (they are uncontrolled inputs).
    form_key: str = ""
    _version: int = 0

    def _show(self, settings: notices.NoticeSettings) -> None:
        self._version = settings.version
        self.kinds = [[kind.value, kind.label, "1" if settings.mail[kind] else ""]
                      for kind in NoticeKind]
        self.form_key = f"notice-settings-{settings.version}"

    @rx.event
    def load(self) -> EventSpec | None:
        """Page load: the signed-in user's settings."""
        self._clear_messages()
        self.done_text = ""
        info, redirect = self._signed_in()
        if info is None:
            return redirect
        with session_scope(read_only=True) as db:
            got = notices.read_settings(db, session=info)
        if isinstance(got, Err):
            self.kinds = []
            self._show_refusal(got)
            return None
        self._show(got.value)
        return None

    @rx.event
    def save(self, form: dict[str, str]) -> EventSpec | None:
        """更新: the checked kinds by mail, the others not."""
        self.done_text = ""
        info, redirect = self._signed_in()
        if info is None:
            return redirect
        self._start_busy()
        chosen = [kind for kind in NoticeKind if form.get(f"mail_{kind.value}")]
        with session_scope() as db:
            result = notices.save_settings(
                db, session=info, mail_kinds=chosen, version=self._version, clock=app_clock(),
                ip=self._client_ip(),
            )
        if not self._settle(result):
            return None
        self._show(result.value)
        self.done_text = message("I-NOTICE-SETTINGS-SAVED")
        return None
