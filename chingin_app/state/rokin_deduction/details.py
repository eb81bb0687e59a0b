"""RK-1 労金控除明細照会 (SPEC §11): search by 職員番号, カナ氏名 (normalised, R-PLUS-2), 所属,
状態 and 商品, sorted and paged by the database; from a row 追加登録, 変更 and 解除.

Every handler first asks ``_menu_access`` (view for showing, change for anything that
writes): a crafted frame reaches any handler. The detail a form works on is read through the
service (scoped to the session's contract and payment group) and kept backend-only with the
version the screen showed, so a change made meanwhile by someone else is refused
(E-RK-VERSION-CONFLICT) instead of overwritten."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import parse_row_id
from chingin_app.services import permissions, rokin_details
from chingin_app.services.context import app_clock
from chingin_app.services.rokin_details import DetailChange, DetailFilter, DetailForm
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.paging import PagingMixin
from chingin_app.state.rokin_deduction.detail_view import (
    STATUS_CHOICES,
    detail_row,
    kana_feedback,
    product_options,
)
from chingin_app.state.session import SessionState

MENU = "rokin.detail_inquiry"
HISTORY_MENU = "rokin.history"
PAGE_SIZE = 50
_STATUSES = tuple(code for code, _label in STATUS_CHOICES)
_DETAIL_FIELDS = ("account_no", "monthly_amount", "bonus_amount", "start_month", "end_month",
                  "remaining_count")


class RokinDetailsState(PagingMixin, FormMixin, MenuAccessMixin, SessionState):
    """The visible page, the filters as typed, and the one row form (追加登録 or 変更)."""

    staff_no_filter: str = ""
    kana_filter: str = ""
    department_filter: str = ""
    status_filter: str = ""
    product_filter: str = ""
    kana_hint: str = ""
    products: list[list[str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    can_history: bool = False
    notice: str = ""
    form_mode: str = ""  # "" (no form), "add" (追加登録) or "change" (変更)
    target: dict[str, str] = {}  # noqa: RUF012 (the row the form is for, as shown)
    _versions: dict[int, int] = {}  # noqa: RUF012 (the visible rows' versions)
    _target_id: int = 0
    _target_version: int = 0
    _target_employee: int = 0

    # --- helpers ---------------------------------------------------------------------------

    def _fetch(self, info: SessionInfo) -> None:
        """The current page as the filters, the sort and the page say."""
        flt = DetailFilter(
            staff_no=self.staff_no_filter, name_kana=self.kana_filter,
            department=self.department_filter, status=self.status_filter,
            product_code=self.product_filter,
        )
        with session_scope(read_only=True) as db:
            found = rokin_details.search(
                db, session=info, clock=app_clock(), flt=flt, sort=self.sort_key or "staff_no",
                descending=self.sort_desc, page=self.page, page_size=PAGE_SIZE,
            )
        if isinstance(found, Err | Invalid):
            self._show_refusal(found)
            self._versions = {}
            self._show_page(total=0, page=1, pages=1, rows=[])
            return
        self._versions = {r.id: r.version for r in found.rows}
        self._show_page(total=found.total, page=found.page, pages=found.pages,
                        rows=[detail_row(r) for r in found.rows])

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
            self.alert_text = message("E-RK-DETAIL-NOT-FOUND")
            return
        with session_scope(read_only=True) as db:
            found = rokin_details.get_detail(db, session=info, clock=app_clock(),
                                             detail_id=wanted)
        if isinstance(found, Err):
            self._show_refusal(found)
            return
        row = found.value
        if mode == "change" and row.state == "cancelled":
            self.alert_text = message("E-RK-ALREADY-CANCELLED")
            return
        self.form_mode = mode
        self.target = detail_row(row)
        self._target_id, self._target_version = row.id, row.version
        self._target_employee = row.employee_id

    def _after_change(self, info: SessionInfo, result: Ok[int] | Err | Invalid,
                      done: str) -> None:
        """Show the outcome. Field errors keep the form open; a conflict or a vanished row
        closes it (the list is read again so the current values show)."""
        if isinstance(result, Invalid) or (
            isinstance(result, Err) and result.code in ("E-RK-NO-CHANGE",
                                                        "E-RK-DETAIL-DUPLICATE")
        ):
            self._show_refusal(result)
            return
        if isinstance(result, Err):
            self._show_refusal(result)
        else:
            self.notice = done
        self._close_form()
        self._fetch(info)
        if isinstance(result, Err):  # the list's reading must not hide the refusal
            self._show_refusal(result)

    # --- the list --------------------------------------------------------------------------

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the screen: every detail of the payment group by 職員番号 (or the 職員番号 the
        link carried, e.g. from 新規登録)."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._note_change_right(info, MENU)
        with session_scope(read_only=True) as db:
            self.can_history = permissions.may(db, session=info, menu_key=HISTORY_MENU,
                                               access="view")
            self.products = product_options(rokin_details.list_products(db, session=info))
        self._clear_messages()
        self._close_form()
        self.notice = self.kana_hint = ""
        asked = self.router.url.query_parameters.get("staff_no", "")
        self.staff_no_filter = asked if isinstance(asked, str) and asked.isdigit() else ""
        self.kana_filter = self.department_filter = self.status_filter = ""
        self.product_filter = ""
        self.sort_key, self.sort_desc, self.page = "staff_no", False, 1
        self._fetch(info)
        return None

    @rx.event
    def search(self, form: dict[str, str]) -> EventSpec | None:
        """検索: the first page of what the filters match."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._close_form()
        self.notice = ""
        self.staff_no_filter = text(form, "staff_no").strip()
        self.kana_filter = text(form, "name_kana").strip()
        self.department_filter = text(form, "department").strip()
        status = text(form, "status")
        self.status_filter = status if status in _STATUSES else ""
        self.product_filter = text(form, "product").strip()
        self.kana_hint = kana_feedback(self.kana_filter, max_bytes=None)[0]
        self.page = 1
        self._fetch(info)
        return None

    @rx.event
    def sort(self, key: str) -> EventSpec | None:
        """A column header: sort by it (again: the other way round)."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        if not isinstance(key, str) or not self._resorted(key, tuple(rokin_details.SORT_KEYS)):
            self.alert_text = message("E-RK-SORT")
            return None
        self.page = 1
        self._fetch(info)
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(MENU, "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._fetch(info)

    # --- row actions -----------------------------------------------------------------------

    @rx.event
    def open_add(self, detail_id: str) -> EventSpec | None:
        """追加登録: another product for the row's employee."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._open(info, detail_id, "add")
        return None

    @rx.event
    def open_change(self, detail_id: str) -> EventSpec | None:
        """変更 of the row's detail."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._open(info, detail_id, "change")
        return None

    @rx.event
    def close_form(self) -> EventSpec | None:
        """キャンセル: close the row form, nothing sent."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._close_form()
        return None

    @rx.event
    def submit_add(self, form: dict[str, str]) -> EventSpec | None:
        """追加登録 → 登録."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        if self.form_mode != "add" or not self._target_employee:
            return None  # no form open (e.g. a repeated submit after success)
        self._clear_messages()
        self.notice = ""
        fields = DetailForm(text(form, "product_code"),
                            *(text(form, name) for name in _DETAIL_FIELDS))
        with session_scope() as db:
            result = rokin_details.add_detail(
                db, session=info, clock=app_clock(), employee_id=self._target_employee,
                form=fields, ip=self._client_ip(),
            )
        staff = self.target.get("staff_no", "")
        self._after_change(info, result, f"職員番号 {staff} に労金控除明細を追加しました。")
        return None

    @rx.event
    def submit_change(self, form: dict[str, str]) -> EventSpec | None:
        """変更 → 更新: the typed fields only (blank = unchanged, SPEC §3)."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        if self.form_mode != "change" or not self._target_id:
            return None
        self._clear_messages()
        self.notice = ""
        typed = {name: text(form, name).strip() for name in _DETAIL_FIELDS}
        change = DetailChange(
            account_no=typed["account_no"], monthly_amount=typed["monthly_amount"],
            bonus_amount=typed["bonus_amount"], start_month=typed["start_month"],
            end_month=typed["end_month"], remaining_count=typed["remaining_count"],
            clear_end_month=text(form, "clear_end_month") != "",
        )
        with session_scope() as db:
            result = rokin_details.change_detail(
                db, session=info, clock=app_clock(), detail_id=self._target_id,
                version=self._target_version, change=change, ip=self._client_ip(),
            )
        staff = self.target.get("staff_no", "")
        self._after_change(info, result, f"職員番号 {staff} の労金控除明細を変更しました。")
        return None

    @rx.event
    def cancel(self, detail_id: str) -> EventSpec | None:
        """解除 → はい: with the version the list showed."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._clear_messages()
        self.notice = ""
        self._close_form()
        wanted = parse_row_id(detail_id)
        version = None if wanted is None else self._versions.get(wanted)
        if wanted is None or version is None:
            self.alert_text = message("E-RK-DETAIL-NOT-FOUND")
            return None
        with session_scope() as db:
            result = rokin_details.cancel_detail(
                db, session=info, clock=app_clock(), detail_id=wanted, version=version,
                ip=self._client_ip(),
            )
        shown = next((r for r in self.rows if r.get("id") == str(wanted)), {})
        self._after_change(info, result,
                           f"職員番号 {shown.get('staff_no', '')} の労金控除明細を解除しました。")
        return None
