"""労金控除明細更新履歴 (SPEC §11 RK-3): the snapshot of a detail the history keeps before and
after each change, the history row each change adds, and the history query (newest first, for
one detail or by 職員番号, in a period). The query and the change formatting are the ones the
賃控元帳 shares (``services/detail_rules.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session

from chingin_app.domain.result import Err
from chingin_app.models import DeductionDetail, DeductionDetailHistory, Employee, RokinProduct
from chingin_app.models.rokin import HistoryAction
from chingin_app.services import detail_rules as rules
from chingin_app.services.detail_rules import HistoryBase, PageOf
from chingin_app.services.tenant import Scope, TenantSession

__all__ = [
    "FIELD_LABELS",
    "HistoryPage",
    "HistoryRow",
    "detail_snapshot",
    "history",
    "record_history",
]


def detail_snapshot(
    detail: DeductionDetail, employee: Employee, product: RokinProduct
) -> dict[str, Any]:
    """The detail as the 更新履歴 keeps it (before / after): what a person would compare."""
    return {
        "staff_no": employee.staff_no,
        "name_kana": employee.name_kana,
        "name_kanji": employee.name_kanji,
        "department": employee.department,
        "product_code": product.code,
        "product_name": product.name,
        "account_no": detail.account_no,
        "monthly_amount": detail.monthly_amount,
        "bonus_amount": detail.bonus_amount,
        "start_month": detail.start_month,
        "end_month": detail.end_month,
        "remaining_count": detail.remaining_count,
        "status": detail.status,
    }


def record_history(
    db: Session,
    *,
    scope: Scope,
    detail: DeductionDetail,
    action: HistoryAction,
    actor: str,
    at: datetime,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
) -> None:
    """Add the 更新履歴 row of a change (RK-3): who, when, what, and the snapshots."""
    assert detail.id is not None
    db.add(DeductionDetailHistory(**rules.history_values(
        contract_id=scope.contract_id, detail_id=detail.id, at=at, actor=actor,
        action=action.value, before=before, after=after,
    )))


@dataclass(frozen=True, kw_only=True)
class HistoryRow(HistoryBase):
    """One 更新履歴 entry (RK-3), with the product's name."""

    product_name: str


@dataclass(frozen=True)
class HistoryPage(PageOf[HistoryRow]):
    """One page of the history, newest first."""


#: The 更新履歴's name of each snapshot field (RK-3).
FIELD_LABELS: Final[dict[str, str]] = {
    "staff_no": "職員番号",
    "name_kana": "カナ氏名",
    "name_kanji": "漢字氏名",
    "department": "所属",
    "product_name": "商品",
    "account_no": "口座番号",
    "monthly_amount": "月例額",
    "bonus_amount": "一時金額",
    "start_month": "開始年月",
    "end_month": "終了年月",
    "remaining_count": "残回数",
    "status": "状態",
}


def history(
    db: Session,
    *,
    session: TenantSession,
    detail_id: int | None = None,
    staff_no: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> HistoryPage | Err:
    """RK-3 労金控除明細更新履歴照会: the session's history, newest first, for one detail or
    for the employees whose 職員番号 starts with ``staff_no``, changed in [``start``, ``end``)
    when given. Read-only.

    Err E-STAFF-NO-FORMAT for a malformed 職員番号; E-RK-DETAIL-NOT-FOUND when the
    session's contract or group does not exist.
    """
    found = rules.history_entries(
        db, session=session, not_found="E-RK-DETAIL-NOT-FOUND",
        history_model=DeductionDetailHistory, detail_model=DeductionDetail,
        what_model=RokinProduct, what_id=DeductionDetail.product_id, labels=FIELD_LABELS,
        detail_id=detail_id, staff_no=staff_no, start=start, end=end, page=page,
        page_size=page_size,
    )
    if isinstance(found, Err):
        return found
    out = tuple(HistoryRow(**e.common(), product_name=e.what) for e in found.rows)
    return HistoryPage(rows=out, total=found.total, page=found.page, pages=found.pages)
