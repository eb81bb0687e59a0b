"""RK-2 労金控除明細新規登録 (SPEC §11): a new employee with the first detail, or a detail for an
employee already registered (found by 職員番号); the product from the contract's list.

The handlers, the カナ氏名 feedback on entry (R-PLUS-2, A.1) and the one-time token of a visit
(SPEC §3) are ``state/detail_new.py``'s; here the products and the calls of
``services/rokin/details.py``."""

from __future__ import annotations

from sqlmodel import Session

from chingin_app import routes
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.services.context import app_clock
from chingin_app.services.detail_rules import EmployeeForm
from chingin_app.services.rokin import detail_queries, details
from chingin_app.services.rokin.details import DetailForm
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.detail_new import DetailNewMixin, done_texts
from chingin_app.state.forms import text
from chingin_app.state.rokin.detail_view import product_options
from chingin_app.state.rokin.details import DETAIL_LABEL
from chingin_app.state.session import SessionState

MENU = "rokin.detail_new"
_DETAIL_FIELDS = ("account_no", "monthly_amount", "bonus_amount", "start_month", "end_month",
                  "remaining_count")


def _detail(form: dict[str, str]) -> DetailForm:
    return DetailForm(text(form, "product_code"), *(text(form, name) for name in _DETAIL_FIELDS))


class RokinDetailNewState(DetailNewMixin, SessionState):
    """The form's choices and feedback; the employee found by 職員番号 (backend-only id)."""

    products: list[list[str]] = []  # noqa: RUF012 (Reflex copies var defaults)

    def _new_menu(self) -> str:
        return MENU

    def _new_choices(self, db: Session, info: SessionInfo) -> None:
        self.products = product_options(detail_queries.list_products(db, session=info))

    def _new_add(self, db: Session, info: SessionInfo, employee_id: int,
                 form: dict[str, str]) -> Ok[int] | Err | Invalid:
        return details.add_detail(db, session=info, clock=app_clock(),
                                        employee_id=employee_id, form=_detail(form),
                                        ip=self._client_ip())

    def _new_register(self, db: Session, info: SessionInfo, person: EmployeeForm,
                      form: dict[str, str]) -> Ok[int] | Err | Invalid:
        return details.register_new(db, session=info, clock=app_clock(), employee=person,
                                          form=_detail(form), ip=self._client_ip())

    def _new_done(self, db: Session, info: SessionInfo, detail_id: int) -> tuple[str, str]:
        saved = detail_queries.get_detail(db, session=info, clock=app_clock(),
                                         detail_id=detail_id)
        return done_texts(
            saved, DETAIL_LABEL,
            lambda row: message("I-RK-DETAIL-WHAT", product_code=row.product_code,
                                product_name=row.product_name, account_no=row.account_no),
            routes.ROKIN_DETAILS,
        )
