"""The 新規登録 screens of per-employee details (RK-2 労金控除明細新規登録, RL-2
賃控元帳明細新規登録; SPEC §11): a new employee with the first detail, or a detail for an
employee already registered (found by 職員番号; the contract's ``Employee`` rows both kinds of
detail use).

カナ氏名 is checked as it is typed (R-PLUS-2 "on entry", A.1): leaving the field shows the
bank's normalised form (「正規化後: ｷﾕｳﾖ ｲﾁﾛｳ」) or why the bank would refuse it, at the field.
Each visit carries a one-time token (SPEC §3): a repeated 登録 after success registers nothing
more.

A mixin: each screen names its menu, loads its own 商品 / 種目 choices and calls its own service
through the ``_new_*`` hooks; the handlers are here once."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.services.detail_rules import EmployeeForm, find_employee
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.business import MenuAccessMixin
from chingin_app.state.detail_fields import kana_feedback
from chingin_app.state.forms import FormMixin, text


class DetailNewMixin(FormMixin, MenuAccessMixin, mixin=True):
    """The form's feedback; the employee found by 職員番号 (backend-only id)."""

    kana_hint: str = ""
    existing: dict[str, str] = {}  # noqa: RUF012 (the registered employee, as shown)
    done_text: str = ""
    done_link: str = ""
    _existing_id: int = 0
    _existing_staff: str = ""
    _visit: str = ""
    _done_visit: str = ""

    # --- the screen's hooks -------------------------------------------------------------

    def _new_menu(self) -> str:
        raise NotImplementedError

    def _new_choices(self, db: Session, info: SessionInfo) -> None:
        """Load the 商品 / 種目 choices of the form."""
        raise NotImplementedError

    def _new_add(self, db: Session, info: SessionInfo, employee_id: int,
                 form: dict[str, str]) -> Ok[int] | Err | Invalid:
        """The detail's fields for an employee already registered (the service's 追加登録)."""
        raise NotImplementedError

    def _new_register(self, db: Session, info: SessionInfo, person: EmployeeForm,
                      form: dict[str, str]) -> Ok[int] | Err | Invalid:
        """A new employee with the first detail (the service's 新規登録)."""
        raise NotImplementedError

    def _new_done(self, db: Session, info: SessionInfo, detail_id: int) -> tuple[str, str]:
        """(what was registered, the list link) for the registered detail."""
        raise NotImplementedError

    # --- shared ---------------------------------------------------------------------------

    def _start_visit(self, info: SessionInfo) -> None:
        self._clear_messages()
        self._note_change_right(info, self._new_menu())
        self.kana_hint = self.done_text = self.done_link = ""
        self.existing = {}
        self._existing_id, self._existing_staff = 0, ""
        self._visit = secrets.token_hex(16)
        self._done_visit = ""
        with session_scope(read_only=True) as db:
            self._new_choices(db, info)

    @rx.event
    def load(self) -> EventSpec | None:
        """Open the form (a new visit)."""
        info, redirect = self._menu_access(self._new_menu(), "view")
        if info is None:
            return redirect
        self._start_visit(info)
        return None

    @rx.event
    def again(self) -> EventSpec | None:
        """続けて登録: an empty form, a new visit."""
        info, redirect = self._menu_access(self._new_menu(), "view")
        if info is None:
            return redirect
        self._start_visit(info)
        return None

    @rx.event
    def check_kana(self, typed: str) -> EventSpec | None:
        """Leaving カナ氏名: the normalised form, or the reason at the field (R-PLUS-2)."""
        info, redirect = self._menu_access(self._new_menu(), "view")
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
        info, redirect = self._menu_access(self._new_menu(), "view")
        if info is None:
            return redirect
        typed = staff_no.strip() if isinstance(staff_no, str) else ""
        self.existing = {}
        self._existing_id, self._existing_staff = 0, ""
        if not typed:
            return None
        with session_scope(read_only=True) as db:
            found = find_employee(db, session=info, staff_no=typed)
            if found is not None and found.id is not None:
                self._existing_id, self._existing_staff = found.id, found.staff_no
                self.existing = {"staff_no": found.staff_no, "name_kana": found.name_kana,
                                 "name_kanji": found.name_kanji,
                                 "department": found.department}
        return None

    @rx.event
    def submit(self, form: dict[str, str]) -> EventSpec | None:
        """登録."""
        info, redirect = self._menu_access(self._new_menu(), "change")
        if info is None:
            return redirect
        if self._done_visit and self._done_visit == self._visit:
            return None  # a repeat of a registration that succeeded: its result stays shown
        self._clear_messages()
        staff = text(form, "staff_no")
        result: Ok[int] | Err | Invalid
        with session_scope() as db:
            if self._existing_id and staff == self._existing_staff:
                result = self._new_add(db, info, self._existing_id, form)
            else:
                person = EmployeeForm(staff, text(form, "name_kana"), text(form, "name_kanji"),
                                      text(form, "department"))
                result = self._new_register(db, info, person, form)
        if not self._settle(result):
            if isinstance(result, Invalid) and "name_kana" not in self.errors:
                self.kana_hint = kana_feedback(text(form, "name_kana"))[0]
            return None
        assert isinstance(result, Ok)
        with session_scope(read_only=True) as db:
            self.done_text, self.done_link = self._new_done(db, info, result.value)
        self._done_visit = self._visit
        return None


def done_texts(saved: Any, noun: str, what: Callable[[Any], str],
               route: str) -> tuple[str, str]:
    """(「職員番号 … の<noun>（<what of the row>）を登録しました。」, the list filtered to the
    employee) for the service's ``get_detail`` result; a plain 「<noun>を登録しました。」 when it
    is unreadable."""
    if not isinstance(saved, Ok):
        return message("I-DETAIL-REGISTERED-PLAIN", noun=noun), ""
    row = saved.value
    return (
        message("I-DETAIL-REGISTERED", staff_no=row.staff_no, name_kana=row.name_kana,
                noun=noun, what=what(row)),
        f"{route}?staff_no={row.staff_no}",
    )
