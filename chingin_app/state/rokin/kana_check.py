"""カナ氏名チェックリスト (R-PLUS-2 "in a list"): the group's active details whose カナ氏名 the bank
would reject or that differ from the bank's registered kana, with the normalised form and the
reason; paged, and as CSV. Its own menu rokin.kana_check (an output menu since issue 13
item 5: view, print and export only). The list is rebuilt by ``services/rokin/kana_check.py``
at each event."""

from __future__ import annotations

from typing import Final

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.services.context import app_clock
from chingin_app.services.outputs import XLSX
from chingin_app.services.rokin import kana_check as rokin_kana_check
from chingin_app.services.rokin.kana_check import KanaCheckRow
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin
from chingin_app.state.paging import PagingMixin
from chingin_app.state.session import SessionState

MENU: Final = "rokin.kana_check"
PAGE_SIZE: Final = 50


def _row(row: KanaCheckRow) -> dict[str, str]:
    return {
        "staff_no": row.staff_no,
        "name_kana": row.name_kana,
        "normalised": row.normalised,
        "bank_kana": row.bank_kana,
        "name_kanji": row.name_kanji,
        "department": row.department,
        "product": f"{row.product_code} {row.product_name}",
        "account_no": row.account_no,
        "kind": row.kind,
        "reason": row.reason,
    }


class RokinKanaCheckState(PagingMixin, FormMixin, MenuAccessMixin, SessionState):
    """The visible page and which results the bank kana came from."""

    results_note: str = ""

    def _fetch(self, info: SessionInfo) -> None:
        with session_scope(read_only=True) as db:
            found = rokin_kana_check.check_rows(db, session=info, clock=app_clock())
        if isinstance(found, Err):
            self.alert_text = message(found.code, **found.params)
            self._show_page(total=0, page=1, pages=1, rows=[])
            return
        rows, month = found.value
        self.results_note = (
            message("I-KANA-CHECK-RESULTS", month=dates.month_label(month)) if month
            else message("I-KANA-CHECK-NO-RESULTS")
        )
        shown = rokin_kana_check.page_of(rows, page=self.page, page_size=PAGE_SIZE)
        self._show_page(total=shown.total, page=shown.page, pages=shown.pages,
                        rows=[_row(r) for r in shown.rows])

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the list at its first page."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self.page = 1
        self._fetch(info)
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(MENU, "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._fetch(info)

    def _export(self, encoding: str) -> EventSpec | None:
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        with session_scope() as db:
            made = rokin_kana_check.export_file(db, session=info, clock=app_clock(),
                                                ip=self._client_ip(), encoding=encoding)
        if isinstance(made, Err):
            self.alert_text = message(made.code, **made.params)
            return None
        file = made.value
        return rx.download(data=file.content, filename=file.filename, mime_type=file.media_type)

    @rx.event
    def export(self) -> EventSpec | None:
        """CSV出力 (CP932); the export is logged."""
        return self._export("cp932")

    @rx.event
    def export_excel(self) -> EventSpec | None:
        """Excel出力: the same list as an .xlsx workbook (issue 14 item 5); logged."""
        return self._export(XLSX)
