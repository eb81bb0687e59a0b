"""The list screens of per-employee details (RK-1 労金控除明細照会, RL-1 賃控元帳明細照会;
SPEC §11): search by 職員番号, カナ氏名 (normalised, A.1 / R-PLUS-2), 漢字氏名 (R-PLUS-8), 所属,
状態 and the screen's own 商品 / 種目, sorted and paged by the database; from a row 追加登録
(RK-1) or 照会 (RL-1), 変更 and 解除.

Every handler first asks ``_menu_access`` (view for showing, change for anything that
writes): a crafted frame reaches any handler. The detail a form works on is read through the
service (scoped to the session's contract and payment group) and kept backend-only with the
version the screen showed, so a change made meanwhile by someone else is refused (the
service's VERSION-CONFLICT) instead of overwritten.

A mixin: each screen declares its menus, noun, message codes and sort keys (class constants),
calls its own service through the ``_detail_*`` hooks and keeps its own 商品 / 種目 filter and
choices; the handlers are here once. The codes both areas' services return for the same
refusal are neutral (E-ALREADY-CANCELLED, E-NO-CHANGE, E-SORT)."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import parse_row_id
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.detail_fields import STATUS_CHOICES, kana_feedback
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.off_loop import off_loop
from chingin_app.state.paging import PagingMixin

PAGE_SIZE = 50
_STATUSES = tuple(code for code, _label in STATUS_CHOICES)


class DetailListMixin(PagingMixin, FormMixin, MenuAccessMixin, mixin=True):
    """The visible page, the filters as typed, and the one row form (追加登録 or 変更)."""

    staff_no_filter: str = ""
    kana_filter: str = ""
    kanji_filter: str = ""
    department_filter: str = ""
    status_filter: str = ""
    kana_hint: str = ""
    can_history: bool = False
    notice: str = ""
    # "" (no form), "add" (追加登録), "change" (変更) or "view" (照会: the row read-only)
    form_mode: str = ""
    target: dict[str, str] = {}  # noqa: RUF012 (the row the form is for, as shown)
    _versions: dict[int, int] = {}  # noqa: RUF012 (the visible rows' versions)
    _target_id: int = 0
    _target_version: int = 0
    _target_employee: int = 0

    # --- what the screen declares (class constants, not state) --------------------------

    #: (the list's menu key, the 更新履歴's menu key).
    _detail_menus: ClassVar[tuple[str, str]]
    #: Whether a row offers 追加登録 (RK-1 does; RL-1's row actions are 照会・変更・解除 as in
    #: the manual, new ledger details come from RL-2 — issue 13 item 6).
    _detail_row_adds: ClassVar[bool] = True
    #: What a detail is called in the notices (労金控除明細 / 賃控元帳明細).
    _detail_noun: ClassVar[str]
    #: The service's (DETAIL-NOT-FOUND, DETAIL-DUPLICATE) message codes.
    _detail_codes: ClassVar[tuple[str, str]]
    #: The sort keys the service accepts.
    _detail_sort_keys: ClassVar[tuple[str, ...]]

    # --- the screen's hooks -------------------------------------------------------------

    def _detail_row(self, row: Any) -> dict[str, str]:
        """A service row as the list (and the row form's heading) shows it."""
        raise NotImplementedError

    def _detail_choices(self, db: Session, info: SessionInfo) -> None:
        """Load the 商品 / 種目 choices and clear that filter (on opening the screen)."""
        raise NotImplementedError

    def _detail_filter_typed(self, form: dict[str, str]) -> None:
        """Keep the 商品 / 種目 filter as the search form sent it."""
        raise NotImplementedError

    def _detail_search(self, db: Session, info: SessionInfo, **paging: Any) -> Any:
        """The service's search with the screen's filters; ``paging`` is sort, descending,
        page and page_size."""
        raise NotImplementedError

    def _detail_get(self, db: Session, info: SessionInfo, detail_id: int) -> Any:
        raise NotImplementedError

    def _detail_add(self, db: Session, info: SessionInfo, form: dict[str, str]) -> Any:
        """追加登録 for ``self._target_employee`` with the typed fields."""
        raise NotImplementedError

    def _detail_change(self, db: Session, info: SessionInfo, form: dict[str, str]) -> Any:
        """変更 of ``self._target_id`` at ``self._target_version`` (blank = unchanged)."""
        raise NotImplementedError

    def _detail_cancel(self, db: Session, info: SessionInfo, detail_id: int,
                       version: int) -> Any:
        raise NotImplementedError

    # --- helpers ---------------------------------------------------------------------------

    def _fetch(self, info: SessionInfo) -> None:
        """The current page as the filters, the sort and the page say."""
        with session_scope(read_only=True) as db:
            found = self._detail_search(
                db, info, sort=self.sort_key or "staff_no", descending=self.sort_desc,
                page=self.page, page_size=PAGE_SIZE,
            )
        if isinstance(found, Err | Invalid):
            self._show_refusal(found)
            self._versions = {}
            self._show_page(total=0, page=1, pages=1, rows=[])
            return
        self._versions = {r.id: r.version for r in found.rows}
        self._show_page(total=found.total, page=found.page, pages=found.pages,
                        rows=[self._detail_row(r) for r in found.rows])

    def _close_form(self) -> None:
        self.form_mode = ""
        self.target = {}
        self._target_id = self._target_version = self._target_employee = 0

    def _open(self, info: SessionInfo, detail_id: object, mode: str) -> None:
        """Read the row's detail as it is now (the version the form will send back)."""
        self._clear_messages()
        self.notice = ""
        self._close_form()
        wanted = parse_row_id(detail_id)
        if wanted is None:
            self.alert_text = message(self._detail_codes[0])
            return
        with session_scope(read_only=True) as db:
            found = self._detail_get(db, info, wanted)
        if isinstance(found, Err):
            self._show_refusal(found)
            return
        row = found.value
        if mode == "change" and row.state == "cancelled":
            self.alert_text = message("E-ALREADY-CANCELLED")
            return
        self.form_mode = mode
        self.target = self._detail_row(row)
        self._target_id, self._target_version = row.id, row.version
        self._target_employee = row.employee_id

    def _after_change(self, info: SessionInfo, result: Ok[int] | Err | Invalid,
                      done: str) -> None:
        """Show the outcome. Field errors (and nothing typed, a duplicate) keep the form open;
        a conflict or a vanished row closes it (the list is read again so the current values
        show)."""
        if isinstance(result, Invalid) or (
            isinstance(result, Err) and result.code in ("E-NO-CHANGE",
                                                        self._detail_codes[1])
        ):
            self._show_refusal(result)
            return
        if isinstance(result, Ok):
            self.notice = done
        self._close_form()
        self._fetch(info)
        if isinstance(result, Err):  # the list's reading must not hide the refusal
            self._show_refusal(result)

    def _menu(self) -> str:
        return self._detail_menus[0]

    # --- the list --------------------------------------------------------------------------

    @rx.event
    @off_loop
    def load(self) -> EventSpec | None:
        """Open the screen: every detail of the payment group by 職員番号 (or the 職員番号 the
        link carried, e.g. from 新規登録)."""
        menu, history_menu = self._detail_menus
        info, redirect = self._menu_access(menu, "view")
        if info is None:
            return redirect
        (self.can_history,) = self._note_change_right(info, menu, (history_menu, "view"))
        with session_scope(read_only=True) as db:
            self._detail_choices(db, info)
        self._clear_messages()
        self._close_form()
        self.notice = self.kana_hint = ""
        asked = self.router.url.query_parameters.get("staff_no", "")
        self.staff_no_filter = asked if isinstance(asked, str) and asked.isdigit() else ""
        self.kana_filter = self.kanji_filter = ""
        self.department_filter = self.status_filter = ""
        self.sort_key, self.sort_desc, self.page = "staff_no", False, 1
        self._fetch(info)
        return None

    @rx.event
    @off_loop
    def search(self, form: dict[str, str]) -> EventSpec | None:
        """検索: the first page of what the filters match."""
        info, redirect = self._menu_access(self._menu(), "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._close_form()
        self.notice = ""
        self.staff_no_filter = text(form, "staff_no").strip()
        self.kana_filter = text(form, "name_kana").strip()
        self.kanji_filter = text(form, "name_kanji").strip()[:40]
        self.department_filter = text(form, "department").strip()
        status = text(form, "status")
        self.status_filter = status if status in _STATUSES else ""
        self._detail_filter_typed(form)
        self.kana_hint = kana_feedback(self.kana_filter, max_bytes=None)[0]
        self.page = 1
        self._fetch(info)
        return None

    @rx.event
    def sort(self, key: str) -> EventSpec | None:
        """A column header: sort by it (again: the other way round)."""
        info, redirect = self._menu_access(self._menu(), "view")
        if info is None:
            return redirect
        if not isinstance(key, str) or not self._resorted(key, self._detail_sort_keys):
            self.alert_text = message("E-SORT")
            return None
        self.page = 1
        self._fetch(info)
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(self._menu(), "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._fetch(info)

    # --- row actions -----------------------------------------------------------------------

    @rx.event
    def open_add(self, detail_id: str) -> EventSpec | None:
        """追加登録: another 商品 / 種目 for the row's employee (screens that offer it)."""
        info, redirect = self._menu_access(self._menu(), "change")
        if info is None:
            return redirect
        if not self._detail_row_adds:
            return None  # not an action of this screen (a crafted frame): nothing opens
        self._open(info, detail_id, "add")
        return None

    @rx.event
    def open_view(self, detail_id: str) -> EventSpec | None:
        """照会: the row's detail as it is now, read-only (閲覧のみ may)."""
        info, redirect = self._menu_access(self._menu(), "view")
        if info is None:
            return redirect
        self._open(info, detail_id, "view")
        return None

    @rx.event
    def open_change(self, detail_id: str) -> EventSpec | None:
        """変更 of the row's detail."""
        info, redirect = self._menu_access(self._menu(), "change")
        if info is None:
            return redirect
        self._open(info, detail_id, "change")
        return None

    @rx.event
    def close_form(self) -> EventSpec | None:
        """キャンセル: close the row form, nothing sent."""
        info, redirect = self._menu_access(self._menu(), "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._close_form()
        return None

    @rx.event
    def submit_add(self, form: dict[str, str]) -> EventSpec | None:
        """追加登録 → 登録."""
        info, redirect = self._menu_access(self._menu(), "change")
        if info is None:
            return redirect
        if self.form_mode != "add" or not self._target_employee:
            return None  # no form open (e.g. a repeated submit after success)
        self._clear_messages()
        self.notice = ""
        with session_scope() as db:
            result = self._detail_add(db, info, form)
        staff = self.target.get("staff_no", "")
        self._after_change(info, result, message("I-DETAIL-ADDED", staff_no=staff,
                                                 noun=self._detail_noun))
        return None

    @rx.event
    def submit_change(self, form: dict[str, str]) -> EventSpec | None:
        """変更 → 更新: the typed fields only (blank = unchanged, SPEC §3)."""
        info, redirect = self._menu_access(self._menu(), "change")
        if info is None:
            return redirect
        if self.form_mode != "change" or not self._target_id:
            return None
        self._clear_messages()
        self.notice = ""
        with session_scope() as db:
            result = self._detail_change(db, info, form)
        staff = self.target.get("staff_no", "")
        self._after_change(info, result, message("I-DETAIL-CHANGED", staff_no=staff,
                                                 noun=self._detail_noun))
        return None

    @rx.event
    def cancel(self, detail_id: str) -> EventSpec | None:
        """解除 → はい: with the version the list showed."""
        info, redirect = self._menu_access(self._menu(), "change")
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        self._close_form()
        wanted = parse_row_id(detail_id)
        version = None if wanted is None else self._versions.get(wanted)
        if wanted is None or version is None:
            self.alert_text = message(self._detail_codes[0])
            return None
        with session_scope() as db:
            result = self._detail_cancel(db, info, wanted, version)
        shown = next((r for r in self.rows if r.get("id") == str(wanted)), {})
        self._after_change(info, result, message("I-DETAIL-CANCELLED",
                                                 staff_no=shown.get("staff_no", ""),
                                                 noun=self._detail_noun))
        return None
