"""RK-12 職員情報照会・変更 (SPEC §11): search the employees by 職員番号, カナ氏名, 漢字氏名 and
所属 (kana order, paged by the database); from a row 変更 (所属・漢字氏名・カナ氏名, with the
history) and 退職 (確認 lists every detail that would end, 退職を登録 ends them in one
transaction).

Thin: the rules are ``services/rokin/employees.py``'s. Every handler asks ``_menu_access`` with
労金控除明細照会's right (RK-12 has none of its own): 'view' to search and preview, 'change' to
write. The employee a form works on and the 退職 preview stay backend-only with the versions
the screen showed, so 退職を登録 never takes ids or versions from the browser."""

from __future__ import annotations

from typing import Final

import reflex as rx
from reflex.event import EventSpec

from chingin_app.db import session_scope
from chingin_app.domain import dates
from chingin_app.domain.figures import amount
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.domain.validation import parse_row_id
from chingin_app.services.context import app_clock
from chingin_app.services.rokin import employees
from chingin_app.services.rokin.employees import (
    KIND_LEDGER,
    KIND_ROKIN,
    EmployeeChange,
    EmployeeFilter,
    EmployeeRow,
    RetirePreview,
)
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.detail_fields import kana_feedback
from chingin_app.state.detail_history import history_changes
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.paging import PagingMixin
from chingin_app.state.session import SessionState

#: RK-12 works under 労金控除明細照会's right (SPEC §11), not a permission row of its own.
MENU: Final = "rokin.detail_inquiry"
PAGE_SIZE: Final = 50
_FIELDS: Final = ("name_kana", "name_kanji", "department")
#: The 変更 form's inputs: named apart from the search form's (one page, unique ids and
#: labels), ``new_`` + the service's field.
_FORM_PREFIX: Final = "new_"


def _employee_row(row: EmployeeRow) -> dict[str, str]:
    return {
        "id": str(row.id), "group_no": row.group_no, "staff_no": row.staff_no,
        "name_kana": row.name_kana, "name_kanji": row.name_kanji,
        "department": row.department, "rokin_active": str(row.rokin_active),
        "ledger_active": str(row.ledger_active),
    }


def _preview_rows(preview: RetirePreview) -> list[dict[str, str]]:
    return [
        {"kind": line.noun, "what": line.what,
         "monthly_amount": amount(line.monthly_amount),
         "bonus_amount": amount(line.bonus_amount),
         "start_month": dates.month_label(line.start_month),
         "end_month": dates.month_label(line.end_month),
         "outcome": line.outcome,
         "new_end_month": dates.month_label(line.new_end_month)}
        for line in preview.lines
    ]


class RokinEmployeesState(PagingMixin, FormMixin, MenuAccessMixin, SessionState):
    """The filters as typed, the visible page, the chosen employee with its history, and the
    open form: '' none, 'change' (変更) or 'retire' (退職)."""

    staff_no_filter: str = ""
    kana_filter: str = ""
    kanji_filter: str = ""
    department_filter: str = ""
    kana_hint: str = ""
    notice: str = ""
    form_mode: str = ""
    target: dict[str, str] = {}  # noqa: RUF012 (Reflex copies var defaults)
    history: list[dict[str, str]] = []  # noqa: RUF012
    change_kana_hint: str = ""
    preview_text: str = ""
    preview_lines: list[dict[str, str]] = []  # noqa: RUF012
    _target_id: int = 0
    _target_version: int = 0
    _preview: RetirePreview | None = None

    # --- helpers ---------------------------------------------------------------------------

    def _fetch(self, info: SessionInfo) -> None:
        flt = EmployeeFilter(self.staff_no_filter, self.kana_filter, self.kanji_filter,
                             self.department_filter)
        with session_scope(read_only=True) as db:
            found = employees.search(db, session=info, clock=app_clock(), flt=flt,
                                     page=self.page, page_size=PAGE_SIZE)
        if isinstance(found, Err | Invalid):
            self._show_refusal(found)
            self._show_page(total=0, page=1, pages=1, rows=[])
            return
        self._show_page(total=found.total, page=found.page, pages=found.pages,
                        rows=[_employee_row(r) for r in found.rows])

    def _forget_preview(self) -> None:
        self._preview = None
        self.preview_text = ""
        self.preview_lines = []

    def _close_form(self) -> None:
        self.form_mode = ""
        self.target = {}
        self.history = []
        self.change_kana_hint = ""
        self._target_id = self._target_version = 0
        self._forget_preview()

    def _open(self, info: SessionInfo, employee_id: object, mode: str) -> None:
        """Read the employee as it is now (the version the form sends back) and its history."""
        self._clear_messages()
        self.notice = ""
        self._close_form()
        wanted = parse_row_id(employee_id)
        if wanted is None:
            self.alert_text = message("E-RK-EMPLOYEE-NOT-FOUND")
            return
        with session_scope(read_only=True) as db:
            found = employees.get_employee(db, session=info, clock=app_clock(),
                                           employee_id=wanted)
            history = employees.employee_history(db, session=info, employee_id=wanted)
        if isinstance(found, Err):
            self._show_refusal(found)
            return
        row = found.value
        self.form_mode = mode
        self.target = _employee_row(row)
        self._target_id, self._target_version = row.id, row.version
        self.history = [
            {"changed_at": dates.datetime_label(h.changed_at), "actor": h.actor,
             "action": h.action,
             "changes": history_changes(h.action, h.changes)}
            for h in history
        ]

    # --- the list --------------------------------------------------------------------------

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the screen: every employee of the payment group in kana order."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._note_change_right(info, MENU)
        self._clear_messages()
        self._close_form()
        self.notice = self.kana_hint = ""
        self.staff_no_filter = self.kana_filter = self.kanji_filter = ""
        self.department_filter = ""
        self.page = 1
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
        self.staff_no_filter = text(form, "staff_no").strip()[:10]
        self.kana_filter = text(form, "name_kana").strip()[:40]
        self.kanji_filter = text(form, "name_kanji").strip()[:40]
        self.department_filter = text(form, "department").strip()[:40]
        self.kana_hint = kana_feedback(self.kana_filter, max_bytes=None)[0]
        self.page = 1
        self._fetch(info)
        return None

    def _page_access(self) -> tuple[SessionInfo | None, EventSpec | None]:
        return self._menu_access(MENU, "view")

    def _reload_page(self, info: SessionInfo) -> None:
        self._fetch(info)

    # --- 変更 ----------------------------------------------------------------------------

    @rx.event
    def open_change(self, employee_id: str) -> EventSpec | None:
        """変更 of the row's employee (所属・漢字氏名・カナ氏名)."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._open(info, employee_id, "change")
        return None

    @rx.event
    def check_kana(self, value: str) -> EventSpec | None:
        """カナ氏名 left: the bank's form of it, or why the bank refuses it (A.1 on entry)."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        typed = value if isinstance(value, str) else ""
        hint, error = kana_feedback(typed[:40])
        self.change_kana_hint = hint
        key = _FORM_PREFIX + "name_kana"
        self.errors = {**{k: v for k, v in self.errors.items() if k != key},
                       **({key: error} if error else {})}
        return None

    @rx.event
    def submit_change(self, form: dict[str, str]) -> EventSpec | None:
        """変更 → 更新: the typed fields (blank = unchanged) at the version the form showed."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        if self.form_mode != "change" or not self._target_id:
            self.alert_text = message("E-RK-EMPLOYEE-NOT-FOUND")
            return None
        self._start_busy()
        change = EmployeeChange(*(text(form, _FORM_PREFIX + name)[:60] for name in _FIELDS))
        with session_scope() as db:
            result = employees.change_employee(
                db, session=info, clock=app_clock(), employee_id=self._target_id,
                version=self._target_version, change=change, ip=self._client_ip())
        if not self._settle(result):
            assert isinstance(result, Err | Invalid)
            self.errors = {(_FORM_PREFIX + k if k in _FIELDS else k): v
                           for k, v in self.errors.items()}
            if isinstance(result, Err) and result.code in ("E-RK-EMPLOYEE-VERSION-CONFLICT",
                                                           "E-RK-EMPLOYEE-NOT-FOUND"):
                self._close_form()
                self._fetch(info)
                self._show_refusal(result)
            return None
        staff_no = self.target.get("staff_no", "")
        self._close_form()
        self._fetch(info)
        self.notice = message("I-EMPLOYEE-CHANGED", staff_no=staff_no)
        return None

    @rx.event
    def close_form(self) -> EventSpec | None:
        """キャンセル: close the form, nothing sent."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._close_form()
        return None

    # --- 退職 ----------------------------------------------------------------------------

    @rx.event
    def open_retire(self, employee_id: str) -> EventSpec | None:
        """退職 of the row's employee: the month to type."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._open(info, employee_id, "retire")
        return None

    @rx.event
    def preview_retire(self, form: dict[str, str]) -> EventSpec | None:
        """確認: every detail 退職 from the month would end (changes nothing)."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._clear_messages()
        self._forget_preview()
        if self.form_mode != "retire" or not self._target_id:
            self.alert_text = message("E-RK-EMPLOYEE-NOT-FOUND")
            return None
        with session_scope(read_only=True) as db:
            result = employees.preview_retirement(
                db, session=info, clock=app_clock(), employee_id=self._target_id,
                month=text(form, "retire_month")[:10])
        if not isinstance(result, Ok):
            self._show_refusal(result)
            return None
        found = result.value
        if found.employee_version != self._target_version:
            self._show_refusal(Err("E-RK-RETIRE-CHANGED"))
            return None
        self._preview = found
        self.preview_lines = _preview_rows(found)
        self.preview_text = message(
            "I-EMPLOYEE-RETIRE-PREVIEW", staff_no=found.staff_no, name_kana=found.name_kana,
            month=dates.month_label(found.month), rokin=found.count(KIND_ROKIN),
            ledger=found.count(KIND_LEDGER))
        return None

    @rx.event
    def apply_retire(self) -> EventSpec | None:
        """退職を登録 → はい: the previewed details end, in one transaction."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        self._clear_messages()
        previewed = self._preview
        if previewed is None:
            self.alert_text = message("E-RK-RETIRE-CHANGED")
            return None
        with session_scope() as db:
            result = employees.apply_retirement(
                db, session=info, clock=app_clock(), employee_id=previewed.employee_id,
                employee_version=previewed.employee_version, month=previewed.month,
                expected=previewed.keys(), ip=self._client_ip())
        if isinstance(result, Err):
            self._forget_preview()
            self._show_refusal(result)
            return None
        self._close_form()
        self._fetch(info)
        self.notice = message("I-EMPLOYEE-RETIRED", staff_no=previewed.staff_no,
                              month=dates.month_label(previewed.month),
                              rokin=result.value[KIND_ROKIN],
                              ledger=result.value[KIND_LEDGER])
        return None


__all__ = ["MENU", "RokinEmployeesState"]
