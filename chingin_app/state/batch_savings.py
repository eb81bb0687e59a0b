"""一斉積立事務 (SPEC §11): RS-1 一斉積立内訳明細照会 (choose one of the group's last statements;
filter by 職員番号, カナ氏名, 所属; sort and page in SQL; totals), RS-2 一斉積立内訳明細表出力
(内訳明細表 / 変更明細表 PDFs) and RS-3 一斉積立内訳明細データエクスポート (CSV).

RS-2 and RS-3 are the shared output choice (``state/request_choice.RequestChoiceMixin``) over
the group's statements (``_StatementOutput``). All three menus are view/output kinds: 閲覧のみ
may use them (R-USER-7). Every handler asks ``_menu_access`` first; every statement id from
the client is resolved again by ``services.batch_savings`` within the session's contract and
payment group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.services import batch_savings
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin
from chingin_app.state.outputs import Build, service_build
from chingin_app.state.paging import PagingMixin
from chingin_app.state.request_choice import RequestChoiceMixin
from chingin_app.state.session import SessionState

INQUIRY_MENU = "batch.detail_inquiry"
LIST_MENU = "batch.detail_list"
EXPORT_MENU = "batch.detail_export"


def _option(view: batch_savings.StatementView) -> dict[str, str]:
    return {"id": str(view.id), "label": batch_savings.statement_label(view)}


def _form_text(form: object, key: str) -> str:
    value = form.get(key, "") if isinstance(form, dict) else ""
    return value.strip()[:40] if isinstance(value, str) else ""


class BatchDetailsState(PagingMixin, FormMixin, MenuAccessMixin, SessionState):
    """RS-1: the chosen statement, the filters as typed, the visible page and the totals."""

    statement_options: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    statement_id: str = ""
    statement_label: str = ""
    no_statement_text: str = ""
    staff_no_filter: str = ""
    kana_filter: str = ""
    kanji_filter: str = ""
    department_filter: str = ""
    amount_total: str = "0"
    previous_total: str = "0"

    def _fetch(self, info: SessionInfo) -> None:
        with session_scope(read_only=True) as db:
            found = batch_savings.item_page(
                db, info, statement_id=self.statement_id, staff_no=self.staff_no_filter,
                name_kana=self.kana_filter, department=self.department_filter,
                name_kanji=self.kanji_filter,
                sort_key=self.sort_key, sort_desc=self.sort_desc, page=self.page,
            )
        if found is None:
            self._show_page(total=0, page=1, pages=1, rows=[])
            self.amount_total = self.previous_total = "0"
            return
        self._show_page(total=found.total, page=found.page, pages=found.pages, rows=found.rows)
        self.amount_total = f"{found.amount:,}"
        self.previous_total = f"{found.previous_amount:,}"

    def _access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(INQUIRY_MENU, "view")

    @rx.event
    def load(self) -> EventSpec | None:
        """The screen opens: the group's last statements, the newest chosen, no filters."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._clear_messages()
        with session_scope(read_only=True) as db:
            views = batch_savings.choices(db, info)
        self.statement_options = [_option(v) for v in views]
        self.no_statement_text = "" if views else message("I-BATCH-NONE")
        self.statement_id = self.statement_options[0]["id"] if views else ""
        self.statement_label = self.statement_options[0]["label"] if views else ""
        self.staff_no_filter = self.kana_filter = self.department_filter = ""
        self.kanji_filter = ""
        self.sort_key, self.sort_desc, self.page = "", False, 1
        self._fetch(info)
        return None

    @rx.event
    def choose_statement(self, statement_id: str) -> EventSpec | None:
        """積立年月・区分 chosen: only one of the session's group's statements is taken."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._clear_messages()
        with session_scope(read_only=True) as db:
            view = batch_savings.find_statement(db, info, statement_id)
        if view is None:
            self.alert_text = message("E-BATCH-STATEMENT")
            return None
        self.statement_id, self.statement_label = str(view.id), batch_savings.statement_label(
            view)
        self.page = 1
        self._fetch(info)
        return None

    @rx.event
    def search(self, form: dict[str, str]) -> EventSpec | None:
        """検索: the first page of what the filters match."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._clear_messages()
        self.staff_no_filter = _form_text(form, "staff_no")
        self.kana_filter = _form_text(form, "name_kana")
        self.department_filter = _form_text(form, "department")
        self.kanji_filter = _form_text(form, "name_kanji")
        self.page = 1
        self._fetch(info)
        return None

    @rx.event
    def sort(self, key: str) -> EventSpec | None:
        """A column header: sort by it (again: the other way round)."""
        info, redirect = self._access()
        if info is None:
            return redirect
        if not isinstance(key, str) or not self._resorted(key, batch_savings.SORT_KEYS):
            self.alert_text = message("E-BATCH-SORT")
            return None
        self.page = 1
        self._fetch(info)
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._access()

    def _reload_page(self, info: SessionInfo) -> None:
        self._fetch(info)


class _StatementOutput(RequestChoiceMixin, mixin=True):
    """RS-2 / RS-3: the output choice over the group's last statements (a mixin: each screen
    keeps its own state)."""

    _list_choices: ClassVar[Mapping[str, str]] = batch_savings.LIST_TITLES
    _no_choice_code: ClassVar[str] = "I-BATCH-NONE"
    _unknown_choice_code: ClassVar[str] = "E-BATCH-STATEMENT"

    def _choice_options(self, info: SessionInfo) -> list[dict[str, str]]:
        with session_scope(read_only=True) as db:
            return [_option(v) for v in batch_savings.choices(db, info)]

    def _find_choice(self, info: SessionInfo, request_id: object) -> dict[str, str] | None:
        with session_scope(read_only=True) as db:
            view = batch_savings.find_statement(db, info, request_id)
        return None if view is None else _option(view)

    def _preview_text(self, info: SessionInfo) -> str | None:
        with session_scope(read_only=True) as db:
            found = batch_savings.preview(db, info, statement_id=self.request_id,
                                          which=self.list_kind)
        if found is None:
            return None
        return message("I-BATCH-PREVIEW", count=f"{found.count:,}", amount=f"{found.amount:,}")

class BatchDetailListsState(_StatementOutput, SessionState):
    """RS-2 一斉積立内訳明細表出力: 一斉積立内訳明細表 or 一斉積立変更明細表 as a PDF."""

    _menu_key: ClassVar[str] = LIST_MENU

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), batch_savings.list_pdf,
                        statement_id=self.request_id, which=self.list_kind)


class BatchDetailExportState(_StatementOutput, SessionState):
    """RS-3 一斉積立内訳明細データエクスポート: the chosen list's lines as CSV."""

    _menu_key: ClassVar[str] = EXPORT_MENU
    _inline: ClassVar[bool] = False

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), batch_savings.export_csv,
                        statement_id=self.request_id, which=self.list_kind,
                        encoding=self._export_encoding())
