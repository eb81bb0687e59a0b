"""The last cycles at a glance (issue 14 item 8): each 控除依頼's requested and remitted totals
and its 控除不能 count, for the information screen's small chart. Read-only, limited to the
signed-in user's contract and selected payment group, and shown only to holders of the
労金控除結果リスト right (the 控除不能 counts are results data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.domain.deduction_cycle import ResultKind
from chingin_app.models import DeductionResultItem
from chingin_app.services import permissions
from chingin_app.services.rokin.cycle.common import RequestView
from chingin_app.services.rokin.cycle.queries import list_requests
from chingin_app.services.tenant import TenantSession, scope_of

#: How many cycles the chart shows.
CHART_CYCLES = 12
#: The menu whose right the chart rides on.
CHART_MENU = "rokin.result_list"


class ChartSession(TenantSession, permissions.SessionLike, Protocol):
    """The signed-in user: tenant (contract, group) and role (``sessions.SessionInfo`` fits)."""


@dataclass(frozen=True)
class CycleFigures:
    """One request's bars: 依頼額, 入金額 (依頼 − 入金中止), and 控除不能件数 (None until the
    bank's results arrived)."""

    request_id: int
    label: str  # 2026年12月 月例
    requested_amount: int
    remitted_amount: int
    not_deducted: int | None


def recent_cycles(
    db: Session, *, session: ChartSession, limit: int = CHART_CYCLES
) -> list[CycleFigures]:
    """The group's last ``limit`` requests, oldest first (a chart reads left to right); empty
    when the contract has no 労金控除, no group is selected, or the user lacks the right."""
    scope = scope_of(db, session)
    if scope is None or scope.payment_group_id is None:
        return []
    try:
        allowed = permissions.may(db, session=session, menu_key=CHART_MENU, access="view")
    except ValueError:  # the menu is unknown to this build: nothing to show
        return []
    if not allowed:
        return []
    views = list_requests(db, contract_id=scope.contract_id,
                          payment_group_id=scope.payment_group_id, cycles=None)
    latest = sorted(views, key=lambda v: (v.deduct_month, v.received_at), reverse=True)[:limit]
    return [_figures(db, v) for v in reversed(latest)]


def _figures(db: Session, view: RequestView) -> CycleFigures:
    not_deducted: int | None = None
    if view.results_received_at is not None:
        not_deducted = int(db.exec(
            select(func.count()).select_from(DeductionResultItem).where(
                col(DeductionResultItem.request_id) == view.id,
                col(DeductionResultItem.result) == ResultKind.NOT_DEDUCTED.value,
            )
        ).one())
    label = view.label.split("（", 1)[0]  # without the status: 2026年12月 月例
    return CycleFigures(
        request_id=view.id, label=label,
        requested_amount=view.totals.requested_amount,
        remitted_amount=view.totals.remittance_amount,
        not_deducted=not_deducted,
    )
