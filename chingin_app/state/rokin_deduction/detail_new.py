"""RK-2 労金控除明細新規登録 (SPEC §11): a new employee with the first detail, or a detail for an
employee already registered (found by 職員番号); the product from the contract's list.

カナ氏名 is checked as it is typed (R-PLUS-2 "on entry", A.1): leaving the field shows the
bank's normalised form (「正規化後: ｷﾕｳﾖ ｲﾁﾛｳ」) or why the bank would refuse it, at the field.
Each visit carries a one-time token (SPEC §3): a repeated 登録 after success registers nothing
more."""

from __future__ import annotations

import secrets

import reflex as rx
from reflex.event import EventSpec

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.services import rokin_details
from chingin_app.services.context import app_clock
from chingin_app.services.rokin_details import DetailForm, EmployeeForm
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.forms import FormMixin, text
from chingin_app.state.rokin_deduction.detail_view import kana_feedback, product_options
from chingin_app.state.session import SessionState

MENU = "rokin.detail_new"
_DETAIL_FIELDS = ("account_no", "monthly_amount", "bonus_amount", "start_month", "end_month",
                  "remaining_count")


class RokinDetailNewState(FormMixin, MenuAccessMixin, SessionState):
    """The form's choices and feedback; the employee found by 職員番号 (backend-only id)."""

    products: list[list[str]] = []  # noqa: RUF012 (Reflex copies var defaults)
    kana_hint: str = ""
    existing: dict[str, str] = {}  # noqa: RUF012 (the registered employee, as shown)
    done_text: str = ""
    done_link: str = ""
    _existing_id: int = 0
    _existing_staff: str = ""
    _visit: str = ""
    _done_visit: str = ""

    def _start_visit(self, info: SessionInfo) -> None:
        self._clear_messages()
        self._note_change_right(info, MENU)
        self.kana_hint = self.done_text = self.done_link = ""
        self.existing = {}
        self._existing_id, self._existing_staff = 0, ""
        self._visit = secrets.token_hex(16)
        self._done_visit = ""
        with session_scope(read_only=True) as db:
            self.products = product_options(rokin_details.list_products(db, session=info))

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the form (a new visit)."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._start_visit(info)
        return None

    @rx.event
    def again(self) -> EventSpec | None:
        """続けて登録: an empty form, a new visit."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        self._start_visit(info)
        return None

    @rx.event
    def check_kana(self, typed: str) -> EventSpec | None:
        """Leaving カナ氏名: the normalised form, or the reason at the field (R-PLUS-2)."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        hint, error = kana_feedback(typed if isinstance(typed, str) else "")
        self.kana_hint = hint
        errors = {k: v for k, v in self.errors.items() if k != "name_kana"}
        self.errors = {**errors, "name_kana": error} if error else errors
        return None

    @rx.event
    def look_up(self, staff_no: str) -> EventSpec | None:
        """Leaving 職員番号: an employee already registered gets the detail added (the name
        fields are not asked again)."""
        info, redirect = self._menu_access(MENU, "view")
        if info is None:
            return redirect
        typed = staff_no.strip() if isinstance(staff_no, str) else ""
        self.existing = {}
        self._existing_id, self._existing_staff = 0, ""
        if not typed:
            return None
        with session_scope(read_only=True) as db:
            found = rokin_details.find_employee(db, session=info, staff_no=typed)
            if found is not None and found.id is not None:
                self._existing_id, self._existing_staff = found.id, found.staff_no
                self.existing = {"staff_no": found.staff_no, "name_kana": found.name_kana,
                                 "name_kanji": found.name_kanji,
                                 "department": found.department}
        return None

    @rx.event
    def submit(self, form: dict[str, str]) -> EventSpec | None:
        """登録."""
        info, redirect = self._menu_access(MENU, "change")
        if info is None:
            return redirect
        if self._done_visit and self._done_visit == self._visit:
            return None  # a repeat of a registration that succeeded: its result stays shown
        self._clear_messages()
        staff = text(form, "staff_no")
        detail = DetailForm(text(form, "product_code"),
                            *(text(form, name) for name in _DETAIL_FIELDS))
        result: Ok[int] | Err | Invalid
        with session_scope() as db:
            if self._existing_id and staff == self._existing_staff:
                result = rokin_details.add_detail(
                    db, session=info, clock=app_clock(), employee_id=self._existing_id,
                    form=detail, ip=self._client_ip(),
                )
            else:
                person = EmployeeForm(staff, text(form, "name_kana"), text(form, "name_kanji"),
                                      text(form, "department"))
                result = rokin_details.register_new(
                    db, session=info, clock=app_clock(), employee=person, form=detail,
                    ip=self._client_ip(),
                )
        if not self._settle(result):
            if isinstance(result, Invalid) and "name_kana" not in self.errors:
                self.kana_hint = kana_feedback(text(form, "name_kana"))[0]
            return None
        assert isinstance(result, Ok)
        with session_scope(read_only=True) as db:
            saved = rokin_details.get_detail(db, session=info, clock=app_clock(),
                                             detail_id=result.value)
        self._done_visit = self._visit
        if isinstance(saved, Ok):
            row = saved.value
            self.done_text = (
                f"職員番号 {row.staff_no}（カナ氏名 {row.name_kana}）の労金控除明細"
                f"（{row.product_code} {row.product_name}、口座番号 {row.account_no}）を"
                "登録しました。"
            )
            self.done_link = f"{routes.ROKIN_DETAILS}?staff_no={row.staff_no}"
        else:
            self.done_text = "労金控除明細を登録しました。"
        return None
