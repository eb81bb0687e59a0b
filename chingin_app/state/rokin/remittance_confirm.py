"""まとめ入金確定 and 確定解除 (RK-9), まとめ入金WEB更新依頼明細書出力 (RK-10). Thin: the rules
(every error line held, the deadline, versions) are ``services/rokin/cycle``'s ``confirm`` /
``undo_confirmation``'s; the forms are built by ``services/rokin/remittance.form_pdf`` in a
worker thread (state/outputs.py)."""

from __future__ import annotations

from typing import Any, Final

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.messages import message
from chingin_app.domain.permissions import menu
from chingin_app.services.context import app_clock
from chingin_app.services.prepared_files import PreparedFile
from chingin_app.services.rokin import remittance as rokin_remittance
from chingin_app.services.rokin.remittance import FormKind
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin
from chingin_app.state.off_loop import off_loop
from chingin_app.state.outputs import OutputMixin, Progress, run_output
from chingin_app.state.rokin.remittance import RemitRequestMixin
from chingin_app.state.session import SessionState

MENU_CONFIRM: Final = "rokin.remit_confirm"
MENU_RECONCILE: Final = "rokin.reconciliation"
MENU_UNDO: Final = "rokin.remit_unconfirm"
MENU_STATEMENT: Final = "rokin.web_update_statement"
#: The screens' names in the operation log: their menus' names (P.21).
SCREEN_CONFIRM: Final = menu(MENU_CONFIRM).label
SCREEN_STATEMENT: Final = menu(MENU_STATEMENT).label
_OPEN: Final = (cyc.CycleStatus.RECEIVED.value, cyc.CycleStatus.CONFIRMED.value)
_PRINTABLE: Final = (cyc.CycleStatus.CONFIRMED.value, cyc.CycleStatus.RESULTS.value)


def form_builder(info: SessionInfo, request_id: int, kind: FormKind, screen: str,
             ip: str | None) -> Any:
    """The worker-thread build of one form (state/outputs.py ``Build``); logged as a print."""

    def build(report: Progress) -> PreparedFile:
        report(0, 2)
        with session_scope() as db:
            made = rokin_remittance.form_pdf(db, session=info, request_id=request_id, kind=kind,
                                             now=app_clock().now(), screen=screen, ip=ip)
        if made is None:  # undone meanwhile (or never the user's): nothing to print
            raise LookupError("the request is not printable")
        report(2, 2)
        return PreparedFile(made[0], made[1], "application/pdf", info.contract_no, info.user_id)

    return build


class _PrintMixin(RemitRequestMixin, OutputMixin, mixin=True):
    """Printing the chosen request's forms (background events call ``_print``)."""

    async def _print(self, menu_key: str, kind: FormKind, screen: str) -> EventSpec | None:
        async with self:
            info, redirect = self._menu_access(menu_key, "view")  # type: ignore[attr-defined]
            if info is None:
                return redirect
            self.alert_text = ""  # type: ignore[attr-defined]
            view = self._show_request(info)
            if view is None or view.status not in _PRINTABLE:
                self.alert_text = message("E-REMIT-NOT-PRINTABLE")  # type: ignore[attr-defined]
                return None
            build = form_builder(info, view.id, kind, screen,
                             self._client_ip())  # type: ignore[attr-defined]
        await run_output(self, build)
        return None


class RemitConfirmState(_PrintMixin, FormMixin, MenuAccessMixin, SessionState):
    """RK-9: two pages on one state — まとめ入金確定 (``mode`` confirm, menu rokin.remit_confirm)
    and まとめ入金確定解除 (``mode`` undo, menu rokin.remit_unconfirm); each handler checks the
    menu of what it does."""

    mode: str = "confirm"
    notice: str = ""
    # 給与控除データ照合 has its own permission row (issue 13 item 5): its button shows only
    # to a user who may open it (display only; its screen checks again).
    can_reconcile: bool = False

    def _menu(self) -> str:
        return MENU_UNDO if self.mode == "undo" else MENU_CONFIRM

    def _begin(self, menu_key: str, access: str) -> SessionInfo | EventSpec | None:
        info, redirect = self._menu_access(menu_key, access)  # type: ignore[arg-type]
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        return info

    def _open(self, mode: str) -> EventSpec | None:
        menu_key = MENU_UNDO if mode == "undo" else MENU_CONFIRM
        got = self._begin(menu_key, "view")
        if not isinstance(got, SessionInfo):
            return got
        self.mode = mode
        self._reset_output()
        (self.can_reconcile,) = self._note_change_right(got, menu_key,
                                                        (MENU_RECONCILE, "view"))
        prefer = (cyc.CycleStatus.CONFIRMED.value,) if mode == "undo" else (
            cyc.CycleStatus.RECEIVED.value,)
        self._choose_default(got, _OPEN, prefer=prefer)
        if not self.request_id:
            self.notice = message("I-REMIT-NO-CONFIRMABLE")
        return None

    @rx.event
    @off_loop
    def load_confirm(self) -> EventSpec | None:
        """まとめ入金確定: the group's open request and its totals."""
        return self._open("confirm")

    @rx.event
    def load_undo(self) -> EventSpec | None:
        """まとめ入金確定解除: the group's confirmed request first."""
        return self._open("undo")

    @rx.event
    def choose_request(self, request_id: str) -> EventSpec | None:
        """控除依頼の選択."""
        got = self._begin(self._menu(), "view")
        if not isinstance(got, SessionInfo):
            return got
        if self._pick(got, request_id):
            self._reset_output()
        return None

    @rx.event
    def refresh(self) -> EventSpec | None:
        """Re-read the totals (the dialog opens on what is stored now: R-PLUS-5 preview)."""
        got = self._begin(self._menu(), "view")
        if not isinstance(got, SessionInfo):
            return got
        self._show_request(got)
        return None

    def _apply(self, menu_key: str, *, undo: bool) -> EventSpec | None:
        got = self._begin(menu_key, "change")
        if not isinstance(got, SessionInfo):
            return got
        if self._send_confirmation(got, undo=undo, ip=self._client_ip()):
            self.notice = message("I-REMIT-UNDONE" if undo else "I-REMIT-CONFIRMED")
            self._reset_output()
        return None

    @rx.event
    def confirm(self) -> EventSpec | None:
        """確定 (after the dialog): refused with the service's message while an error line is
        not held, after the deadline, or when the totals shown are stale."""
        return self._apply(MENU_CONFIRM, undo=False)

    @rx.event
    def undo(self) -> EventSpec | None:
        """確定解除 (after the dialog), until the まとめ入金期限."""
        return self._apply(MENU_UNDO, undo=True)

    @rx.event(background=True)
    async def print_request_form(self) -> EventSpec | None:
        """まとめ入金依頼書 (PDF): 表示 / ダウンロード."""
        return await self._print(MENU_CONFIRM, "request", SCREEN_CONFIRM)

    @rx.event(background=True)
    async def print_statement(self) -> EventSpec | None:
        """まとめ入金更新明細書(Web依頼済) (PDF): 表示 / ダウンロード."""
        return await self._print(MENU_CONFIRM, "statement", SCREEN_CONFIRM)


class WebStatementState(_PrintMixin, FormMixin, MenuAccessMixin, SessionState):
    """RK-10: the 更新明細書(Web依頼済) again, for a confirmed (or later) request of the group's
    last cycles."""

    notice: str = ""

    def _begin(self) -> SessionInfo | EventSpec | None:
        info, redirect = self._menu_access(MENU_STATEMENT, "view")
        if info is None:
            return redirect
        self._clear_messages()
        return info

    @rx.event
    def load(self) -> EventSpec | None:
        """The group's confirmed requests of the last cycles, newest first."""
        got = self._begin()
        if not isinstance(got, SessionInfo):
            return got
        self._reset_output()
        self._choose_default(got, _PRINTABLE)
        self.notice = "" if self.request_id else message("I-REMIT-NO-CONFIRMED")
        return None

    @rx.event
    def choose_request(self, request_id: str) -> EventSpec | None:
        """控除依頼の選択."""
        got = self._begin()
        if not isinstance(got, SessionInfo):
            return got
        if self._pick(got, request_id):
            self._reset_output()
        return None

    @rx.event(background=True)
    async def print_statement(self) -> EventSpec | None:
        """出力: まとめ入金更新明細書(Web依頼済) (PDF)."""
        return await self._print(MENU_STATEMENT, "statement", SCREEN_STATEMENT)
