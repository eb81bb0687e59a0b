"""操作ログ照会 (R-LOG-1): master only; search by period, user and action; paging; CSV export."""

from __future__ import annotations

from typing import Final, Literal

import reflex as rx
from reflex.event import EventSpec

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.services import oplog_query
from chingin_app.services.context import app_clock
from chingin_app.services.outputs import export_ext, export_media_type
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.forms import FormMixin
from chingin_app.state.paging import PagingMixin
from chingin_app.state.session import SessionState

#: The export's file name starts with the screen's name (操作ログ_<契約番号>_<日時>.csv).
EXPORT_FILE_LABEL: Final = "操作ログ"


class OperationLogState(PagingMixin, FormMixin, SessionState):
    """One page of the contract's log in state; the filters as typed."""

    period_from: str = ""
    period_to: str = ""
    user_filter: str = ""
    action_filter: str = ""
    actions: list[list[str]] = []  # noqa: RUF012

    def _master(self) -> tuple[SessionInfo | None, EventSpec | None]:
        """The session of a master, or where to go instead (R-INFO-2a: master only)."""
        info, redirect = self._signed_in()
        if info is None:
            return None, redirect
        if info.role != "master":
            return None, rx.redirect(routes.INFO)
        return info, None

    def _fetch(self, info: SessionInfo) -> None:
        bounds = self._period(self.period_from, self.period_to)
        if bounds is None:
            return
        with session_scope(read_only=True) as db:
            found = oplog_query.search(
                db, contract_no=info.contract_no, start=bounds[0], end=bounds[1],
                user_id=self.user_filter or None, action=self.action_filter or None,
                page=self.page,
            )
        self._show_page(total=found.total, page=found.page, pages=found.pages, rows=[
            {"at": dates.datetime_label(e.at, seconds=True), "actor": e.actor, "ip": e.ip,
             "screen": e.screen, "action": e.action, "target": e.target, "result": e.result}
            for e in found.entries
        ])

    @rx.event
    def load(self) -> EventSpec | None:
        """First page, newest first, no filter."""
        info, redirect = self._master()
        if info is None:
            return redirect
        self._clear_messages()
        self.period_from = self.period_to = self.user_filter = self.action_filter = ""
        self.page = 1
        self.actions = [[code, label] for code, label in oplog_query.action_labels().items()]
        self._fetch(info)
        return None

    @rx.event
    def search(self, form: dict[str, str]) -> EventSpec | None:
        """検索."""
        info, redirect = self._master()
        if info is None:
            return redirect
        self._clear_messages()
        self.period_from = form.get("period_from", "").strip()
        self.period_to = form.get("period_to", "").strip()
        self.user_filter = form.get("user_id", "").strip()
        self.action_filter = form.get("action", "").strip()
        self.page = 1
        self._fetch(info)
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._master()

    def _reload_page(self, info: SessionInfo) -> None:
        self._fetch(info)

    def _export(self, encoding: Literal["cp932", "xlsx"]) -> EventSpec | None:
        info, redirect = self._master()
        if info is None:
            return redirect
        bounds = self._period(self.period_from, self.period_to)
        if bounds is None:
            return None
        with session_scope() as db:
            result = oplog_query.export_csv(
                db, contract_no=info.contract_no, start=bounds[0], end=bounds[1],
                user_id=self.user_filter or None, action=self.action_filter or None,
                encoding=encoding,
            )
            if isinstance(result, Err):
                self.alert_text = message(result.code, **result.params)
                return None
            oplog_query.log_export(db, contract_no=info.contract_no, actor=info.user_id,
                                   ip=self._client_ip(), clock=app_clock(), rows=self.total)
        name = dates.output_file_name(EXPORT_FILE_LABEL, contract_no=info.contract_no,
                                      made_at=app_clock().now(), ext=export_ext(encoding))
        return rx.download(data=result.value, filename=name,
                           mime_type=export_media_type(encoding))

    @rx.event
    def export(self) -> EventSpec | None:
        """CSV出力 (CP932, R-ENV-3); the export itself is logged."""
        return self._export("cp932")

    @rx.event
    def export_excel(self) -> EventSpec | None:
        """Excel出力: the same columns as an .xlsx workbook (issue 14 item 5); logged."""
        return self._export("xlsx")
