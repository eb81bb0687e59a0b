"""The 賃控元帳 cycle's output screens (SPEC §11): RL-5 賃控元帳控除依頼リスト出力, RL-6 賃控元帳
控除依頼データエクスポート, RL-7 賃控元帳結果リスト出力, RL-12 労金控除賃控元帳依頼リスト出力,
RL-13 労金控除賃控元帳依頼データエクスポート. Each is the shared output choice
(``state/request_choice.py``) over the group's 賃控元帳控除依頼 of the kept cycles
(``_LedgerChoice``) with its menu, its lists and its file; the lists, files and logging are in
``services/ledger/outputs.py`` and ``services/ledger/combined.py``.

閲覧のみ may print and export (R-USER-7: output menus): every handler checks the "view" right
of the screen's menu (``RequestChoiceMixin._access``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.reports.ledger_cycle_lists import (
    DEPARTMENT_TOTALS,
    REQUEST_LISTS,
    RESULT_LISTS,
    department_totals,
)
from chingin_app.reports.lists import screen_rows
from chingin_app.services.ledger import combined, outputs
from chingin_app.services.outputs import LinePage
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.outputs import Build, service_build
from chingin_app.state.request_choice import ListChoiceMixin, RequestChoiceMixin
from chingin_app.state.session import SessionState

_REQUEST_LIST_TITLES = {code: kind.title for code, kind in REQUEST_LISTS.items()}
_RESULT_LIST_TITLES = {code: kind.title for code, kind in RESULT_LISTS.items()}


class _LedgerChoice(RequestChoiceMixin, mixin=True):
    """The choice over the session's group's 賃控元帳控除依頼 of the kept cycles (RL-CYCLE-4),
    newest first; RL-7 (``_results_only``) over those with results."""

    _results_only: ClassVar[bool] = False
    _no_choice_code: ClassVar[str] = "I-LEDGER-OUT-NO-REQUEST"
    _unknown_choice_code: ClassVar[str] = "E-LEDGER-OUT-REQUEST"

    def _choice_options(self, info: SessionInfo) -> list[dict[str, str]]:
        with session_scope(read_only=True) as db:
            views = outputs.choices(db, info, results_only=self._results_only)
        return [{"id": str(v.id), "label": v.label} for v in views]

    def _find_choice(self, info: SessionInfo, request_id: object) -> dict[str, str] | None:
        with session_scope(read_only=True) as db:
            view = outputs.find_request(db, info, request_id, results_only=self._results_only)
        return None if view is None else {"id": str(view.id), "label": view.label}

    def _preview_text(self, info: SessionInfo) -> str | None:
        with session_scope(read_only=True) as db:
            found = outputs.preview(db, info, request_id=self.request_id, which=self.list_kind,
                                    results_only=self._results_only)
        if found is None:
            return None
        return message("I-OUT-PREVIEW", figures=found.figures)


class _CombinedChoice(_LedgerChoice, mixin=True):
    """RL-12 / RL-13: 件数確認 counts employees and the totals of both kinds."""

    def _preview_text(self, info: SessionInfo) -> str | None:
        with session_scope(read_only=True) as db:
            found = combined.summary(db, info, self.request_id)
        if found is None:
            return None
        return message("I-COMBINED-PREVIEW", employees=f"{len(found.employees):,}",
                       rokin=f"{found.rokin_total:,}", ledger=f"{found.ledger_total:,}",
                       total=f"{found.total:,}")


class LedgerRequestListsState(ListChoiceMixin, _LedgerChoice, SessionState):
    """RL-5 賃控元帳控除依頼リスト出力: 賃控元帳控除依頼リスト and 賃控元帳控除依頼カナ氏名・
    職員番号桁数相違リスト (RL-CYCLE-3) — on screen and as PDF."""

    _menu_key: ClassVar[str] = "ledger.request_list"
    _list_choices: ClassVar[Mapping[str, str]] = _REQUEST_LIST_TITLES

    def _fetch(self, info: SessionInfo) -> LinePage | None:
        with session_scope(read_only=True) as db:
            return outputs.request_page(db, info, request_id=self.request_id,
                                        which=self.list_kind, page=self.page)

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), outputs.request_list_pdf,
                             request_id=self.request_id, which=self.list_kind)


class LedgerRequestExportState(_LedgerChoice, SessionState):
    """RL-6 賃控元帳控除依頼データエクスポート: the request's lines as CSV."""

    _menu_key: ClassVar[str] = "ledger.request_export"
    _inline: ClassVar[bool] = False

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), outputs.request_csv,
                             request_id=self.request_id, encoding=self._export_encoding())


class LedgerResultListsState(ListChoiceMixin, _LedgerChoice, SessionState):
    """RL-7 賃控元帳結果リスト出力: 賃控元帳控除結果リスト, 賃控元帳控除不能リスト of a request with
    results — on screen and as PDF."""

    _menu_key: ClassVar[str] = "ledger.result_list"
    _list_choices: ClassVar[Mapping[str, str]] = _RESULT_LIST_TITLES
    _results_only: ClassVar[bool] = True
    _no_choice_code: ClassVar[str] = "I-LEDGER-OUT-NO-RESULTS"

    def _fetch(self, info: SessionInfo) -> LinePage | None:
        with session_scope(read_only=True) as db:
            return outputs.result_page(db, info, request_id=self.request_id,
                                       which=self.list_kind, page=self.page)

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), outputs.result_list_pdf,
                             request_id=self.request_id, which=self.list_kind)


class CombinedListState(_CombinedChoice, SessionState):
    """RL-12 労金控除賃控元帳依頼リスト出力: the cycle's 所属 subtotals and 合計 on screen, the
    whole list (per employee, both kinds, 本人合計) as PDF."""

    _menu_key: ClassVar[str] = "ledger.combined_list"
    departments: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies var defaults)

    def _after_choice(self, info: SessionInfo) -> None:
        with session_scope(read_only=True) as db:
            found = combined.summary(db, info, self.request_id) if self.request_id else None
        self.departments = [] if found is None else screen_rows(DEPARTMENT_TOTALS,
                                                                department_totals(found))

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), combined.combined_list_pdf,
                             request_id=self.request_id)


class CombinedExportState(_CombinedChoice, SessionState):
    """RL-13 労金控除賃控元帳依頼データエクスポート: one row per employee with a column per
    product and per 種目 and 合計 (a payroll import), or one row per line."""

    _menu_key: ClassVar[str] = "ledger.combined_export"
    _list_choices: ClassVar[Mapping[str, str]] = combined.FORMS
    _inline: ClassVar[bool] = False

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), combined.combined_csv,
                             request_id=self.request_id, form=self.list_kind,
                             encoding=self._export_encoding())
