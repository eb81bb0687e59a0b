"""The 労金控除 output screens (SPEC §11): RK-4 労金控除依頼リスト出力, RK-5 労金控除依頼データ
エクスポート, RK-6 企業宛控除依頼書出力, RK-7 企業宛控除依頼データエクスポート, RK-11 労金控除
結果リスト出力. Each is the shared output choice (``state/request_choice.py``) over the
group's 控除依頼 (``_RequestChoice``) with its menu, its lists and its file; the lists, files
and logging are in ``services/rokin/outputs.py``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.reports.rokin_lists import REQUEST_LISTS, RESULT_LISTS
from chingin_app.services.rokin import outputs
from chingin_app.services.rokin.outputs import LinePage
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.outputs import Build, service_build
from chingin_app.state.request_choice import ListChoiceMixin, RequestChoiceMixin
from chingin_app.state.session import SessionState

_REQUEST_LIST_TITLES = {code: kind.title for code, kind in REQUEST_LISTS.items()}
_RESULT_LIST_TITLES = {code: kind.title for code, kind in RESULT_LISTS.items()}


class _RequestChoice(RequestChoiceMixin, mixin=True):
    """The choice over the session's group's 控除依頼 of the kept cycles (A.4), newest first;
    RK-11 (``_results_only``) over those with results."""

    _results_only: ClassVar[bool] = False
    _no_choice_code: ClassVar[str] = "I-OUT-NO-REQUEST"
    _unknown_choice_code: ClassVar[str] = "E-OUT-REQUEST"

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


class _ListScreen(ListChoiceMixin, _RequestChoice, mixin=True):
    """A screen that also shows the chosen list, one page at a time (server-side)."""


class RequestListsState(_ListScreen, SessionState):
    """RK-4 労金控除依頼リスト出力: 控除依頼リスト, 窓口扱い控除依頼内容変更リスト,
    控除依頼明細エラーリスト, 控除依頼異動分リスト — on screen and as PDF."""

    _menu_key: ClassVar[str] = "rokin.request_list"
    _list_choices: ClassVar[Mapping[str, str]] = _REQUEST_LIST_TITLES

    def _after_choice(self, info: SessionInfo) -> None:
        # One count everywhere (issue 14 item 2): the list's count with its 解約 lines apart,
        # as 件数確認 writes it, above the rows (the pager counts the rows listed).
        super()._after_choice(info)
        self.preview_text = self._preview_text(info) or ""

    def _fetch(self, info: SessionInfo) -> LinePage | None:
        with session_scope(read_only=True) as db:
            return outputs.request_page(db, info, request_id=self.request_id,
                                        which=self.list_kind, page=self.page)

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), outputs.request_list_pdf,
                             request_id=self.request_id, which=self.list_kind)


class ResultListsState(_ListScreen, SessionState):
    """RK-11 労金控除結果リスト出力: 控除結果リスト, 控除不能リスト, カナ氏名不一致リスト of a
    request with results — on screen and as PDF."""

    _menu_key: ClassVar[str] = "rokin.result_list"
    _list_choices: ClassVar[Mapping[str, str]] = _RESULT_LIST_TITLES
    _results_only: ClassVar[bool] = True
    _no_choice_code: ClassVar[str] = "I-OUT-NO-RESULTS"

    def _fetch(self, info: SessionInfo) -> LinePage | None:
        with session_scope(read_only=True) as db:
            return outputs.result_page(db, info, request_id=self.request_id,
                                       which=self.list_kind, page=self.page)

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), outputs.result_list_pdf,
                             request_id=self.request_id, which=self.list_kind)


class RequestExportState(_RequestChoice, SessionState):
    """RK-5 労金控除依頼データエクスポート: the request's lines as CSV."""

    _menu_key: ClassVar[str] = "rokin.request_export"
    _inline: ClassVar[bool] = False

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), outputs.request_csv,
                             request_id=self.request_id, which="all",
                             encoding=self._export_encoding(), company=False)


class CompanyExportState(_RequestChoice, SessionState):
    """RK-7 企業宛控除依頼データエクスポート: all lines or the changes only, as CSV."""

    _menu_key: ClassVar[str] = "rokin.company_export"
    _list_choices: ClassVar[Mapping[str, str]] = outputs.COMPANY_EXPORT_LISTS
    _inline: ClassVar[bool] = False

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), outputs.request_csv,
                             request_id=self.request_id, which=self.list_kind,
                             encoding=self._export_encoding(), company=True)


class CompanyRequestState(_RequestChoice, SessionState):
    """RK-6 企業宛控除依頼書出力: the request addressed to the company, as a PDF form."""

    _menu_key: ClassVar[str] = "rokin.company_request"

    def _build(self, info: SessionInfo) -> Build | None:
        if not self._checked(info):
            return None
        return service_build(info, self._client_ip(), outputs.company_request_pdf,
                             request_id=self.request_id)
