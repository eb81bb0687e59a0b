"""財形貯蓄事務 screens (SPEC §11 RZ-1 財形積立明細照会, RZ-2 財形積立明細書出力, RZ-3 財形積立
明細データエクスポート; R-PLUS-3 財形アラーム on RZ-1). Thin: the lists, files, alarms and
logging are in ``services/zaikei.py``.

Each screen is the shared output choice (``state/request_choice.RequestChoiceMixin``) over
the payment group's kept 預入依頼書 (``_DepositChoice``), so ``components/request_picker.py``'s
pieces draw it. Every
handler first checks the menu (``_menu_access``); a 預入依頼書 id, list, encoding, filter or
sort key from the client is checked again on the server (the session's contract and group)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.zaikei import ZaikeiKind
from chingin_app.services import zaikei
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.forms import text
from chingin_app.state.outputs import Build, service_build
from chingin_app.state.paging import PagingMixin
from chingin_app.state.request_choice import RequestChoiceMixin
from chingin_app.state.session import SessionState

#: 種類 filter choices of RZ-1: "" = all.
KIND_CHOICES: list[tuple[str, str]] = [
    ("", "（すべて）"), *((k.value, k.label) for k in ZaikeiKind)
]


class _DepositChoice(RequestChoiceMixin, mixin=True):
    """The chosen 預入依頼書 (and list, encoding) of a 財形 screen: the output screens' choice
    (state/request_choice.py) over the group's 預入依頼書."""

    _list_choices: ClassVar[Mapping[str, str]] = zaikei.LISTS
    _inline: ClassVar[bool] = False
    _no_choice_code: ClassVar[str] = "I-ZAIKEI-NO-DEPOSIT"
    _unknown_choice_code: ClassVar[str] = "E-ZAIKEI-DEPOSIT"

    def _build(self, info: SessionInfo) -> Build | None:
        return None  # RZ-1 shows the lines only; RZ-2 / RZ-3 make files

    def _choice_options(self, info: SessionInfo) -> list[dict[str, str]]:
        with session_scope(read_only=True) as db:
            views = zaikei.choices(db, info)
        return [{"id": str(v.id), "label": v.label} for v in views]

    def _find_choice(self, info: SessionInfo, request_id: object) -> dict[str, str] | None:
        with session_scope(read_only=True) as db:
            view = zaikei.find_deposit(db, info, request_id)
        return None if view is None else {"id": str(view.id), "label": view.label}

    def _preview_text(self, info: SessionInfo) -> str | None:
        with session_scope(read_only=True) as db:
            found = zaikei.preview(db, info, deposit_id=self.request_id, which=self.list_kind)
        if found is None:
            return None
        count, monthly, bonus = found
        return message("I-ZAIKEI-PREVIEW", count=f"{count:,}", monthly=f"{monthly:,}",
                       bonus=f"{bonus:,}")


class ZaikeiDetailsState(PagingMixin, _DepositChoice, SessionState):
    """RZ-1 財形積立明細照会: the chosen 預入依頼書's lines (一般財形・財形年金・財形住宅),
    filtered by 職員番号 / カナ氏名 / 漢字氏名 (R-PLUS-8) / 種類, sorted and paged on the server,
    with totals and the 財形アラーム (R-PLUS-3)."""

    staff_no_filter: str = ""
    kana_filter: str = ""
    kanji_filter: str = ""
    kind_filter: str = ""
    totals: dict[str, str] = {}  # noqa: RUF012
    alarm_rows: list[dict[str, str]] = []  # noqa: RUF012

    _menu_key: ClassVar[str] = "zaikei.detail_inquiry"

    def _page_access(self) -> tuple[Any, EventSpec | None]:
        return self._access()

    def _reload_page(self, info: Any) -> None:
        self._fetch(info)

    def _after_choice(self, info: SessionInfo) -> None:
        self.page = 1
        self._fetch(info)
        with session_scope(read_only=True) as db:
            found = zaikei.deposit_alarms(db, info, deposit_id=self.request_id)
        self.alarm_rows = [
            {"staff_no": a.staff_no, "name": a.name, "kind": a.kind_label, "text": a.text}
            for a in (found or [])
        ]

    def _fetch(self, info: SessionInfo) -> None:
        found = None
        if self.request_id:
            with session_scope(read_only=True) as db:
                found = zaikei.detail_page(
                    db, info, deposit_id=self.request_id,
                    filters=zaikei.Filters(self.staff_no_filter, self.kana_filter,
                                           self.kind_filter, self.kanji_filter),
                    sort_key=self.sort_key, desc=self.sort_desc, page=self.page,
                )
        if found is None:
            self._show_page(total=0, page=1, pages=1, rows=[])
            self.totals = {}
            return
        self._show_page(total=found.total, page=found.page, pages=found.pages, rows=found.rows)
        self.totals = {"monthly": f"{found.monthly_total:,}", "bonus": f"{found.bonus_total:,}",
                       "incentive": f"{found.incentive_total:,}"}

    @rx.event
    def search(self, form: dict[str, str]) -> EventSpec | None:
        """検索: the first page of what the filters match."""
        info, redirect = self._access()
        if info is None:
            return redirect
        self._clear_messages()
        kind = text(form, "kind")
        if kind not in {code for code, _ in KIND_CHOICES}:
            self.errors = {"kind": message("E-ZAIKEI-FILTER-KIND")}
            return None
        self.staff_no_filter = text(form, "staff_no").strip()[:10]
        self.kana_filter = text(form, "name_kana").strip()[:40]
        self.kanji_filter = text(form, "name_kanji").strip()[:40]
        self.kind_filter = kind
        self.page = 1
        self._fetch(info)
        return None

    @rx.event
    def sort(self, key: str) -> EventSpec | None:
        """A column header: sort by it (again: the other way round)."""
        info, redirect = self._access()
        if info is None:
            return redirect
        if not isinstance(key, str) or not self._resorted(key, tuple(zaikei.SORT_KEYS)):
            return None
        self.page = 1
        self._fetch(info)
        return None


class ZaikeiStatementState(_DepositChoice, SessionState):
    """RZ-2 財形積立明細書出力: 財形積立明細書 or 財形積立変更明細書（預入依頼書のみ） as PDF."""

    _menu_key: ClassVar[str] = "zaikei.statement"
    _inline: ClassVar[bool] = True

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), zaikei.statement_pdf,
                        deposit_id=self.request_id, which=self.list_kind)


class ZaikeiExportState(_DepositChoice, SessionState):
    """RZ-3 財形積立明細データエクスポート: the same lists as CSV (CP932 or UTF-8 with BOM)."""

    _menu_key: ClassVar[str] = "zaikei.detail_export"

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), zaikei.export_csv,
                        deposit_id=self.request_id, which=self.list_kind,
                        encoding=self._export_encoding())
