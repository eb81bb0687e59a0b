"""電子証明書発行 and 一般ユーザーの電子証明書発行 (R-CERT-1..5, R-CERT-11, R-SEC-2, R-USER-4;
manual P.11–16, P.31–36).

Between 認証 and 発行 the typed password exists only encrypted in the issuance attempt on the
server; the state keeps only the attempt's token (backend-only) and the masked address."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.services.certs import issuance
from chingin_app.services.context import app_clock
from chingin_app.state.forms import FormMixin
from chingin_app.state.page import PageState
from chingin_app.state.software_keyboard import (
    SoftwareKeyboardExpired,
    SoftwareKeyboardMixin,
    reset_keyboard,
    take_secret,
)

RESTART_CODES = frozenset({"MSG-CODE-EXHAUSTED", "MSG-AUTH-GENERIC"})


class CertificateIssueState(SoftwareKeyboardMixin, FormMixin, PageState):
    """The issuance wizard; `entry` says which top-page button started it."""

    _challenge_token: str = ""
    entry: str = "any"
    prefill_user_id: str = ""
    code_sent_text: str = ""
    issued_filename: str = ""
    root_sha1: str = ""
    finished_text: str = ""

    def _start(self, entry: str) -> None:
        self._refresh_hours()
        self._clear_messages()
        reset_keyboard(self)
        self.entry = entry
        self._challenge_token = ""
        self.code_sent_text = ""
        self.finished_text = ""
        self.prefill_user_id = self.router.url.query_parameters.get("uid", "")

    @rx.event
    def load_any(self) -> None:
        """電子証明書発行 ユーザー認証 (masters and general users)."""
        self._start("any")

    @rx.event
    def load_general(self) -> None:
        """一般ユーザーの電子証明書発行 ユーザー認証 (first issuance of a general user)."""
        self._start("general_first")

    @rx.event
    def load_step(self) -> EventSpec | None:
        """Steps after 認証 need this visit's attempt."""
        self._refresh_hours()
        if not self._challenge_token:
            return rx.redirect(routes.CERT_ISSUE)
        return None

    @rx.event
    def submit_credentials(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        """認証: user ID + password (or temporary password) → the code is mailed."""
        try:
            password = take_secret(self, form, "password")
        except SoftwareKeyboardExpired:
            return
        if not self._refresh_hours():
            return
        self._start_busy()
        yield
        with session_scope() as db:
            result = issuance.start_issuance(
                db, user_id=form.get("user_id", ""), password=password,
                entry="general_first" if self.entry == "general_first" else "any",
                clock=app_clock(), ip=self._client_ip(),
            )
        if not self._settle(result):
            return
        self._challenge_token = result.value.token
        self.code_sent_text = message("MSG-CODE-SENT", masked=result.value.masked_email)
        yield rx.redirect(routes.CERT_CODE)

    @rx.event
    def resend(self) -> None:
        """再送信 (R-SEC-2 limits apply)."""
        if not self._refresh_hours() or not self._challenge_token:
            return
        self._clear_messages()
        with session_scope() as db:
            result = issuance.resend_code(
                db, token=self._challenge_token, clock=app_clock(), ip=self._client_ip()
            )
        if not self._settle(result):
            return
        self.code_sent_text = message("MSG-CODE-SENT", masked=result.value.masked_email)

    @rx.event
    def submit_code(self, form: dict[str, str]):  # type: ignore[no-untyped-def]
        """認証: the e-mailed code."""
        if not self._refresh_hours():
            return
        if not self._challenge_token:
            yield rx.redirect(routes.CERT_ISSUE)
            return
        self._start_busy()
        yield
        with session_scope() as db:
            result = issuance.verify_code(
                db, token=self._challenge_token, code=form.get("code", ""),
                clock=app_clock(), ip=self._client_ip(),
            )
        if not self._settle(result):
            if isinstance(result, Err) and result.code in RESTART_CODES:
                self._challenge_token = ""  # the attempt is void: start again at ID + password
            return
        yield rx.redirect(routes.CERT_CONFIRM)

    @rx.event
    def confirm(self) -> EventSpec:
        """発行: on to the issuing screen, which issues and moves on by itself."""
        return rx.redirect(routes.CERT_ISSUING)

    @rx.event
    def load_issuing(self):  # type: ignore[no-untyped-def]
        """電子証明書発行中: issue, hand the browser the .p12, move on to the result."""
        self._refresh_hours()
        token, self._challenge_token = self._challenge_token, ""
        if not token:
            if self.issued_filename:  # a reload after success: the file is never made again
                yield rx.redirect(routes.CERT_RESULT)
            else:
                yield rx.redirect(routes.CERT_ISSUE)
            return
        with session_scope() as db:
            result = issuance.issue_certificate(
                db, token=token, clock=app_clock(), ip=self._client_ip()
            )
        if not self._settle(result):
            return
        issued = result.value
        self.issued_filename = issued.filename
        self.root_sha1 = issued.root_sha1
        yield rx.download(data=issued.p12, filename=issued.filename,
                          mime_type="application/x-pkcs12")
        yield rx.redirect(routes.CERT_RESULT)

    @rx.event
    def close(self) -> None:
        """閉じる: the flow ends; the browser must be closed to pick the new certificate."""
        self.finished_text = message("I-CERT-CLOSE-BROWSER")
        self.issued_filename = ""
