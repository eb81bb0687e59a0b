"""RK-1 労金控除明細照会 (SPEC §11): search by 職員番号, カナ氏名 (normalised, R-PLUS-2), 所属,
状態 and 商品, sorted and paged by the database; from a row 追加登録, 変更 and 解除.

The handlers (each first asks ``_menu_access``), the row forms and the optimistic lock
(E-RK-VERSION-CONFLICT) are ``state/detail_list.py``'s; here the 商品 filter and the calls of
``services/rokin/details.py``."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from sqlmodel import Session

from chingin_app.services.context import app_clock
from chingin_app.services.rokin import detail_queries, details
from chingin_app.services.rokin.detail_queries import DetailFilter, DetailRow
from chingin_app.services.rokin.details import DetailChange, DetailForm
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.detail_list import DetailListMixin
from chingin_app.state.forms import text
from chingin_app.state.rokin.detail_view import detail_row, product_options
from chingin_app.state.session import SessionState

MENU = "rokin.detail_inquiry"
#: What the screens call one row (RK-1).
DETAIL_LABEL: Final = "労金控除明細"
HISTORY_MENU = "rokin.history"
_DETAIL_FIELDS = ("account_no", "monthly_amount", "bonus_amount", "start_month", "end_month",
                  "remaining_count")


class RokinDetailsState(DetailListMixin, SessionState):
    """The visible page, the filters as typed (with the 商品), and the one row form."""

    product_filter: str = ""
    products: list[list[str]] = []  # noqa: RUF012 (Reflex copies var defaults)

    _detail_menus: ClassVar[tuple[str, str]] = (MENU, HISTORY_MENU)
    _detail_noun: ClassVar[str] = DETAIL_LABEL
    _detail_codes: ClassVar[tuple[str, str]] = ("E-RK-DETAIL-NOT-FOUND", "E-RK-DETAIL-DUPLICATE")
    _detail_sort_keys: ClassVar[tuple[str, ...]] = tuple(detail_queries.SORT_KEYS)

    def _detail_row(self, row: DetailRow) -> dict[str, str]:
        return detail_row(row)

    def _detail_choices(self, db: Session, info: SessionInfo) -> None:
        self.products = product_options(detail_queries.list_products(db, session=info))
        self.product_filter = ""

    def _detail_filter_typed(self, form: dict[str, str]) -> None:
        self.product_filter = text(form, "product").strip()

    def _detail_search(self, db: Session, info: SessionInfo, **paging: Any) -> Any:
        flt = DetailFilter(
            staff_no=self.staff_no_filter, name_kana=self.kana_filter,
            department=self.department_filter, status=self.status_filter,
            product_code=self.product_filter, name_kanji=self.kanji_filter,
        )
        return detail_queries.search(db, session=info, clock=app_clock(), flt=flt, **paging)

    def _detail_get(self, db: Session, info: SessionInfo, detail_id: int) -> Any:
        return detail_queries.get_detail(db, session=info, clock=app_clock(), detail_id=detail_id)

    def _detail_add(self, db: Session, info: SessionInfo, form: dict[str, str]) -> Any:
        fields = DetailForm(text(form, "product_code"),
                            *(text(form, name) for name in _DETAIL_FIELDS))
        return details.add_detail(
            db, session=info, clock=app_clock(), employee_id=self._target_employee,
            form=fields, ip=self._client_ip(),
        )

    def _detail_change(self, db: Session, info: SessionInfo, form: dict[str, str]) -> Any:
        typed = {name: text(form, name).strip() for name in _DETAIL_FIELDS}
        change = DetailChange(**typed, clear_end_month=text(form, "clear_end_month") != "")
        return details.change_detail(
            db, session=info, clock=app_clock(), detail_id=self._target_id,
            version=self._target_version, change=change, ip=self._client_ip(),
        )

    def _detail_cancel(self, db: Session, info: SessionInfo, detail_id: int,
                       version: int) -> Any:
        return details.cancel_detail(db, session=info, clock=app_clock(),
                                           detail_id=detail_id, version=version,
                                           ip=self._client_ip())
