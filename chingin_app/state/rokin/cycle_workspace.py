"""今月の控除 (issue 14 item 1): the month's 労金控除 work on one page — the current request's
figures and what is still needed, 依頼リスト (PDF) and 依頼データ (CSV), 給与控除データ照合 with
「入金中止にする」 on each difference and each error line, 確定, まとめ入金依頼書 (PDF).

Thin, and made of the existing screens' pieces: the request and its figures
(``RemitRequestMixin``, RK-8/RK-9), the 入金中止 dialog (``HoldDialogMixin``, RK-8), the 照合
(``ReconcileMixin``, R-PLUS-1), the outputs (``state/outputs.py`` over
``services/rokin/outputs.py`` and the まとめ入金 form builder). No permission row of its own:
each handler checks the right of the manual menu whose work it does, as that menu's screen
does (``services/rokin/workspace.py`` names them); what a user does not hold is not shown."""

from __future__ import annotations

from typing import Any, Final

import reflex as rx
from reflex.event import EventSpec

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.domain.validation import parse_row_id
from chingin_app.services.context import app_clock
from chingin_app.services.outputs import XLSX
from chingin_app.services.rokin import outputs
from chingin_app.services.rokin import workspace as ws
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin
from chingin_app.state.outputs import Build, OutputMixin, run_output, service_build
from chingin_app.state.rokin.reconciliation import ReconcileMixin, parse_diff_key
from chingin_app.state.rokin.remittance import HoldDialogMixin, RemitRequestMixin, line_row
from chingin_app.state.rokin.remittance_confirm import SCREEN_CONFIRM, form_builder
from chingin_app.state.session import SessionState

_PRINTABLE: Final = (cyc.CycleStatus.CONFIRMED.value, cyc.CycleStatus.RESULTS.value)


class CycleWorkspaceState(RemitRequestMixin, HoldDialogMixin, ReconcileMixin, OutputMixin,
                          FormMixin, MenuAccessMixin, SessionState):
    """The parts the user holds, the request of this month, its error lines still to hold,
    the 照合's differences and the one output being made."""

    part_list: bool = False
    part_csv: bool = False
    part_summary: bool = False
    part_holds: bool = False
    part_hold_change: bool = False
    part_confirm: bool = False
    part_reconcile: bool = False
    part_confirm_change: bool = False
    notice: str = ""
    needed: list[str] = []  # noqa: RUF012 (Reflex copies var defaults per client)
    error_rows: list[dict[str, str]] = []  # noqa: RUF012
    _dialog_diff: str = ""  # the difference whose line the dialog holds ("" an error line)

    # -- reading -------------------------------------------------------------------------

    def _read_parts(self, info: SessionInfo) -> ws.Parts:
        with session_scope(read_only=True) as db:
            got = ws.parts(db, session=info)
        self.part_list, self.part_csv = got.request_list, got.request_csv
        self.part_summary, self.part_holds = got.summary, got.holds_view
        self.part_hold_change = got.holds_change
        self.part_confirm, self.part_confirm_change = got.confirm_view, got.confirm_change
        self.part_reconcile = got.reconcile
        return got

    def _refresh(self, info: SessionInfo) -> None:
        """The figures, what is still needed and the error lines still to hold, read again
        (after every change)."""
        view = self._show_request(info)
        if view is None:
            self.needed, self.error_rows, self._versions = [], [], {}
            return
        self.needed = [message(n.code, **n.params)
                       for n in ws.still_needed(view, app_clock().now())]
        if not self.part_holds:
            self.error_rows, self._versions = [], {}
            return
        with session_scope(read_only=True) as db:
            lines = ws.unheld_error_lines(db, session=info, request_id=view.id)
        self.error_rows = [line_row(line) for line in lines]
        # The line still in the dialog (a reason to correct) keeps the version it was read at.
        open_line = self.dialog_line.get("id", "") if self.dialog_open else ""
        kept = {k: v for k, v in self._versions.items() if k == open_line}
        self._versions = {**kept, **{str(line.id): line.version for line in lines}}

    def _begin(self, menu_key: str, access: str) -> SessionInfo | EventSpec | None:
        info, redirect = self._menu_access(menu_key, access)  # type: ignore[arg-type]
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        return info

    @rx.event
    def load(self) -> EventSpec | None:
        """The page opens: the user's parts (none: back to the information screen), the
        group's request of this month (依頼受信 before its deadline first)."""
        info, redirect = self._signed_in()
        if info is None:
            return redirect
        if not self._read_parts(info).any:
            return rx.redirect(routes.INFO)
        self._clear_messages()
        self.notice = ""
        self._reset_output()
        self._forget_result()
        self._close_dialog()
        self._choose_default(info, None, prefer=(cyc.CycleStatus.RECEIVED.value,))
        if not self.request_id:
            self.notice = message("I-REMIT-NO-REQUEST")
        self._refresh(info)
        return None

    # -- outputs: made, then downloaded at once (one click for the clerk) -----------------

    async def _output(self, menu_key: str, which: str) -> EventSpec | None:
        async with self:
            if self.output_running:
                return None  # one output at a time
            got = self._begin(menu_key, "view")
            if not isinstance(got, SessionInfo):
                return got
            makers = {"list": self._list_build, "csv": self._csv_build,
                      "xlsx": self._excel_build, "form": self._form_build}
            build = makers[which](got)
        if build is None:
            return None
        await run_output(self, build, inline=False)
        async with self:
            return self._download_event()

    def _list_build(self, info: SessionInfo) -> Build | None:
        return service_build(info, self._client_ip(), outputs.request_list_pdf,
                             request_id=self.request_id, which="all")

    def _csv_build(self, info: SessionInfo, encoding: str = "cp932") -> Build | None:
        return service_build(info, self._client_ip(), outputs.request_csv,
                             request_id=self.request_id, which="all", encoding=encoding,
                             company=False)

    def _excel_build(self, info: SessionInfo) -> Build | None:
        # The same export as RK-5's 「Excel出力」 (issue 14 item 5): codes as text.
        return self._csv_build(info, XLSX)

    def _form_build(self, info: SessionInfo) -> Build | None:
        view = self._show_request(info)
        if view is None or view.status not in _PRINTABLE:
            self.alert_text = message("E-REMIT-NOT-PRINTABLE")
            return None
        return form_builder(info, view.id, "request", SCREEN_CONFIRM, self._client_ip())

    @rx.event(background=True)
    async def make_request_list(self) -> EventSpec | None:
        """依頼リスト (PDF): RK-4's 控除依頼リスト of the request (its menu's right)."""
        return await self._output(ws.MENU_REQUEST_LIST, "list")

    @rx.event(background=True)
    async def make_request_csv(self) -> EventSpec | None:
        """依頼データ (CSV): RK-5's export of the request, CP932 (its menu's right)."""
        return await self._output(ws.MENU_REQUEST_EXPORT, "csv")

    @rx.event(background=True)
    async def make_request_excel(self) -> EventSpec | None:
        """依頼データ (Excel): the same export as an .xlsx workbook (issue 14 item 5)."""
        return await self._output(ws.MENU_REQUEST_EXPORT, "xlsx")

    @rx.event(background=True)
    async def make_remittance_form(self) -> EventSpec | None:
        """まとめ入金依頼書 (PDF) of the confirmed request (RK-9's right)."""
        return await self._output(ws.MENU_CONFIRM, "form")

    # -- 照合 ---------------------------------------------------------------------------------

    @rx.event(background=True)
    async def reconcile(self, chunks: rx.UploadChunkIterator) -> EventSpec | None:
        """照合 of the file just picked (R-PLUS-1, under its own menu's right like its screen)."""
        return await self._reconcile_upload(ws.MENU_RECONCILE, chunks)

    @rx.event
    def filter_kind(self, kind: str) -> EventSpec | None:
        """差異の区分で絞り込み."""
        got = self._begin(ws.MENU_RECONCILE, "view")
        if not isinstance(got, SessionInfo):
            return got
        self._filter(kind)
        return None

    def _hold_access(self) -> SessionInfo | EventSpec | None:
        return self._begin(ws.MENU_HOLDS, "change")

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(ws.MENU_RECONCILE, "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._show_diffs()

    # -- 入金中止にする ----------------------------------------------------------------------

    @rx.event
    def hold_difference(self, key: str) -> EventSpec | None:
        """「入金中止にする」 on a difference: the request line it names, in the dialog."""
        got = self._begin(ws.MENU_HOLDS, "change")
        if not isinstance(got, SessionInfo):
            return got
        wanted, rid = parse_diff_key(key), parse_row_id(self.request_id)
        if wanted is None or rid is None or not self.open_for_change:
            self.alert_text = message("E-CYCLE-ITEM-NOT-FOUND")
            return None
        with session_scope(read_only=True) as db:
            line = ws.line_for_key(db, session=got, request_id=rid, key=wanted)
        if line is None:
            self.alert_text = message("E-WS-NO-LINE")
            return None
        self._versions = {**self._versions, str(line.id): line.version}
        self._dialog_diff = key
        self._open_dialog(line_row(line))
        return None

    @rx.event
    def hold_error(self, item_id: str) -> EventSpec | None:
        """「入金中止にする」 on an error line not yet held."""
        got = self._begin(ws.MENU_HOLDS, "change")
        if not isinstance(got, SessionInfo):
            return got
        wanted = str(parse_row_id(item_id))
        self._dialog_diff = ""
        self._open_dialog(next((r for r in self.error_rows if r["id"] == wanted), None))
        return None

    @rx.event
    def close_dialog(self) -> EventSpec | None:
        """キャンセル (nothing is sent)."""
        info, redirect = self._signed_in()
        if info is None:
            return redirect
        self._close_dialog()
        return None

    @rx.event
    def set_hold(self, form: dict[str, Any]) -> EventSpec | None:
        """設定 in the dialog: 入金中止 with the reason (RK-8's 変更 right)."""
        got = self._begin(ws.MENU_HOLDS, "change")
        if not isinstance(got, SessionInfo):
            return got
        result = self._send_hold(got, form, self._client_ip())
        if result is None:
            return None
        if self._settle(result):
            self.notice = message("I-REMIT-HOLD-SET")
            if self._dialog_diff:
                self._mark_held(self._dialog_diff)
            self._close_dialog()
        elif isinstance(result, Err):  # a stale line, a closed request: the dialog cannot
            self._close_dialog()  # help (a bad reason stays at its field, dialog open)
        self._refresh(got)
        return None

    # -- 確定 ---------------------------------------------------------------------------------

    @rx.event
    def refresh(self) -> EventSpec | None:
        """The figures read again as the 確定 dialog opens (R-PLUS-5: what will be applied)."""
        got = self._begin(ws.MENU_CONFIRM, "view")
        if not isinstance(got, SessionInfo):
            return got
        self._refresh(got)
        return None

    @rx.event
    def confirm(self) -> EventSpec | None:
        """はい in the 確定 dialog (RK-9's 変更 right; the service's rules)."""
        got = self._begin(ws.MENU_CONFIRM, "change")
        if not isinstance(got, SessionInfo):
            return got
        if self._send_confirmation(got, undo=False, ip=self._client_ip()):
            self.notice = message("I-REMIT-CONFIRMED")
            self._reset_output()
        self._refresh(got)
        return None
