"""RL-1 賃控元帳明細照会 (SPEC §11): search by 職員番号, カナ氏名 (normalised, A.1), 所属, 種目
and 状態, sorted and paged by the database; from a row 照会, 変更 and 解除 (the manual's row
actions; no 追加登録 — a new detail is RL-2's, issue 13 item 6).

As RK-1: the handlers (each first asks ``_menu_access``), the row forms and the optimistic lock
(E-RL-VERSION-CONFLICT) are ``state/detail_list.py``'s; here the 種目 filter and the calls of
``services/ledger/details.py``."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from sqlmodel import Session

from chingin_app.services.context import app_clock
from chingin_app.services.ledger import details as ledger_details
from chingin_app.services.ledger import items as ledger_items
from chingin_app.services.ledger.details import LedgerChange, LedgerFilter, LedgerForm, LedgerRow
from chingin_app.services.sessions import SessionInfo
from chingin_app.state.detail_list import DetailListMixin
from chingin_app.state.forms import text
from chingin_app.state.ledger.view import item_options, ledger_row
from chingin_app.state.session import SessionState

MENU = "ledger.detail_inquiry"
#: What the screens call one row (RL-1).
DETAIL_LABEL: Final = "賃控元帳明細"
HISTORY_MENU = "ledger.history"
_FIELDS = ("monthly_amount", "bonus_amount", "start_month", "end_month")


class LedgerDetailsState(DetailListMixin, SessionState):
    """The visible page, the filters as typed (with the 種目), and the one row form."""

    item_filter: str = ""
    items: list[list[str]] = []  # noqa: RUF012 (Reflex copies var defaults)

    _detail_menus: ClassVar[tuple[str, str]] = (MENU, HISTORY_MENU)
    _detail_row_adds: ClassVar[bool] = False
    _detail_noun: ClassVar[str] = DETAIL_LABEL
    _detail_codes: ClassVar[tuple[str, str]] = ("E-RL-DETAIL-NOT-FOUND", "E-RL-DETAIL-DUPLICATE")
    _detail_sort_keys: ClassVar[tuple[str, ...]] = tuple(ledger_details.SORT_KEYS)

    def _detail_row(self, row: LedgerRow) -> dict[str, str]:
        return ledger_row(row)

    def _detail_choices(self, db: Session, info: SessionInfo) -> None:
        self.items = item_options(ledger_items.list_items(db, session=info))
        self.item_filter = ""

    def _detail_filter_typed(self, form: dict[str, str]) -> None:
        self.item_filter = text(form, "item").strip()

    def _detail_search(self, db: Session, info: SessionInfo, **paging: Any) -> Any:
        flt = LedgerFilter(staff_no=self.staff_no_filter, name_kana=self.kana_filter,
                           department=self.department_filter, item_code=self.item_filter,
                           status=self.status_filter, name_kanji=self.kanji_filter)
        return ledger_details.search(db, session=info, clock=app_clock(), flt=flt, **paging)

    def _detail_get(self, db: Session, info: SessionInfo, detail_id: int) -> Any:
        return ledger_details.get_detail(db, session=info, clock=app_clock(),
                                         detail_id=detail_id)

    def _detail_add(self, db: Session, info: SessionInfo, form: dict[str, str]) -> Any:
        fields = LedgerForm(text(form, "item_code"), *(text(form, name) for name in _FIELDS))
        return ledger_details.add_detail(
            db, session=info, clock=app_clock(), employee_id=self._target_employee,
            form=fields, ip=self._client_ip(),
        )

    def _detail_change(self, db: Session, info: SessionInfo, form: dict[str, str]) -> Any:
        typed = {name: text(form, name).strip() for name in _FIELDS}
        change = LedgerChange(**typed, clear_end_month=text(form, "clear_end_month") != "")
        return ledger_details.change_detail(
            db, session=info, clock=app_clock(), detail_id=self._target_id,
            version=self._target_version, change=change, ip=self._client_ip(),
        )

    def _detail_cancel(self, db: Session, info: SessionInfo, detail_id: int,
                       version: int) -> Any:
        return ledger_details.cancel_detail(db, session=info, clock=app_clock(),
                                            detail_id=detail_id, version=version,
                                            ip=self._client_ip())
