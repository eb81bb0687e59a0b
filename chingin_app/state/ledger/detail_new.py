"""RL-2 賃控元帳明細新規登録 (SPEC §11): a ledger detail for an employee already registered
(found by 職員番号 — the employees the 労金控除 details use too) or a new employee with the
first detail; the 種目 from the contract's list.

The handlers, the カナ氏名 feedback on entry (A.1) and the one-time token of a visit (SPEC §3)
are ``state/detail_new.py``'s; here the 種目 and the calls of ``services/ledger/details.py``."""

from __future__ import annotations

from sqlmodel import Session

from chingin_app import routes
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.services.context import app_clock
from chingin_app.services.detail_rules import EmployeeForm
from chingin_app.services.ledger import details as ledger_details
from chingin_app.services.ledger import items as ledger_items
from chingin_app.services.ledger.details import LedgerForm
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.detail_new import DetailNewMixin, done_texts
from chingin_app.state.forms import text
from chingin_app.state.ledger.details import DETAIL_LABEL
from chingin_app.state.ledger.view import item_options
from chingin_app.state.session import SessionState

MENU = "ledger.detail_new"
_FIELDS = ("monthly_amount", "bonus_amount", "start_month", "end_month")


def _detail(form: dict[str, str]) -> LedgerForm:
    return LedgerForm(text(form, "item_code"), *(text(form, name) for name in _FIELDS))


class LedgerDetailNewState(DetailNewMixin, SessionState):
    """The form's choices and feedback; the employee found by 職員番号 (backend-only id)."""

    items: list[list[str]] = []  # noqa: RUF012 (Reflex copies var defaults)

    def _new_menu(self) -> str:
        return MENU

    def _new_choices(self, db: Session, info: SessionInfo) -> None:
        self.items = item_options(ledger_items.list_items(db, session=info))

    def _new_add(self, db: Session, info: SessionInfo, employee_id: int,
                 form: dict[str, str]) -> Ok[int] | Err | Invalid:
        return ledger_details.add_detail(db, session=info, clock=app_clock(),
                                         employee_id=employee_id, form=_detail(form),
                                         ip=self._client_ip(), screen=ledger_details.SCREEN_NEW)

    def _new_register(self, db: Session, info: SessionInfo, person: EmployeeForm,
                      form: dict[str, str]) -> Ok[int] | Err | Invalid:
        return ledger_details.register_new(db, session=info, clock=app_clock(),
                                           employee=person, form=_detail(form),
                                           ip=self._client_ip())

    def _new_done(self, db: Session, info: SessionInfo, detail_id: int) -> tuple[str, str]:
        saved = ledger_details.get_detail(db, session=info, clock=app_clock(),
                                          detail_id=detail_id)
        return done_texts(saved, DETAIL_LABEL, lambda row: f"{row.item_code} {row.item_name}",
                          routes.LEDGER_DETAILS)
