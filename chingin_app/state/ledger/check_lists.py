"""RL-3 賃控元帳確認リスト出力 (SPEC §11): the 控除年月 (this month by default) and which list
(内訳リスト, 種目合計リスト, 異動分リスト); the chosen list on screen one page at a time with the
counts of all three, and its PDF made in the background (state/outputs.py). The lists, the
month rule and the logging are ``services/ledger/check_lists.py``'s.

閲覧のみ may print (R-USER-7: output menus), so every handler checks the "view" right."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err
from chingin_app.reports.ledger_check_lists import CHECK_LISTS
from chingin_app.reports.lists import month_label
from chingin_app.services.context import app_clock
from chingin_app.services.detail_rules import current_month
from chingin_app.services.ledger import check_lists as ledger_lists
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.outputs import OutputMixin, run_output, service_build
from chingin_app.state.paging import PagingMixin
from chingin_app.state.session import SessionState

MENU_KEY = "ledger.check_list"
_TITLES = {code: kind.title for code, kind in CHECK_LISTS.items()}


class LedgerCheckListsState(PagingMixin, OutputMixin, MenuAccessMixin, FormMixin, SessionState):
    """The month and list shown, their page, the counts, and the PDF being made."""

    month: str = ""  # the 控除年月 shown (YYYY-MM)
    month_label: str = ""
    list_options: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    list_kind: str = "details"
    list_title: str = ""
    counts_text: str = ""

    def _access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(MENU_KEY, "view")

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._access()

    def _reload_page(self, info: SessionInfo) -> None:
        self._refresh(info, self.month)

    def _refresh(self, info: SessionInfo, month: str) -> bool:
        """Read the page of ``month``'s chosen list; False (with the message) when refused."""
        with session_scope(read_only=True) as db:
            found = ledger_lists.list_page(db, info, month=month, which=self.list_kind,
                                           page=self.page)
        if isinstance(found, Err):
            self._show_refusal(found)
            return False
        self.month = found.month
        self.month_label = month_label(found.month)
        self._show_page(total=found.total, page=found.page, pages=found.pages, rows=found.rows)
        self.counts_text = "　".join(
            message("I-LIST-COUNT", title=_TITLES[code], count=count)
            for code, count in found.counts.items()
        )
        return True

    @rx.event
    def load(self) -> EventSpec | None:
        """The screen opens: this month's 内訳リスト."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._clear_messages()
        self._reset_output()
        self.list_options = [{"code": c, "title": t} for c, t in _TITLES.items()]
        self.list_kind = next(iter(_TITLES))
        self.list_title = _TITLES[self.list_kind]
        self.page = 1
        self.month = ""
        self.counts_text = ""
        self._show_page(total=0, page=1, pages=1, rows=[])
        self._refresh(info, current_month(app_clock()))
        return None

    @rx.event
    def show(self, form_data: dict[str, Any]) -> EventSpec | None:
        """表示: the typed 控除年月 (checked at the field; nothing changes when it is bad)."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._clear_messages()
        checked = ledger_lists.check_month(text(form_data, "month"))
        if isinstance(checked, Err):
            self._show_refusal(checked)
            return None
        self._reset_output()
        self.page = 1
        self._refresh(info, checked.value)
        return None

    @rx.event
    def choose_list(self, which: str) -> EventSpec | None:
        """出力するリスト chosen (one of the three)."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._clear_messages()
        if not isinstance(which, str) or which not in _TITLES:
            self.alert_text = message("E-OUT-LIST")
            return None
        self._reset_output()
        self.list_kind, self.list_title = which, _TITLES[which]
        self.page = 1
        if self.month:
            self._refresh(info, self.month)
        return None

    @rx.event(background=True)
    async def make_output(self) -> EventSpec | None:
        """PDF出力 of the list and month shown, made in a worker thread with progress."""
        async with self:
            if self.output_running:
                return None  # one output at a time per screen
            info, redirect = self._access()
            if info is None:
                return redirect
            self._clear_messages()
            if not self.month:
                self.alert_text = message("E-FIELD-REQUIRED", label="控除年月")
                return None
            build = service_build(info, self._client_ip(), ledger_lists.list_pdf,
                                  month=self.month, which=self.list_kind)
        await run_output(self, build)
        return None
