"""What the cycle's modules share: the operation-log actions, the request views and the
lookups every step makes (one contract's rows only)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

from sqlalchemy import and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.models import (
    ClosedDay,
    Contract,
    DeductionRequest,
    DeductionRequestItem,
    PaymentGroup,
)
from chingin_app.reports.lists import month_label
from chingin_app.services.collation import code_point
from chingin_app.services.tenant import TenantSession, scope_of, tenant_clauses

ACTION_PUBLISH: Final = "rokin.request.publish"
ACTION_LOAD_RESULTS: Final = "rokin.results.load"
ACTION_HOLD: Final = "rokin.remit.hold"
ACTION_HOLD_CLEAR: Final = "rokin.remit.hold_clear"
ACTION_CONFIRM: Final = "rokin.remit.confirm"
ACTION_UNDO: Final = "rokin.remit.undo"

#: The history actor of a change the bank made at a branch counter (models.rokin).
BANK_ACTOR: Final = "bank"

_SCREEN_HOLD: Final = "まとめ入金依頼入金中止設定"
_SCREEN_CONFIRM: Final = "まとめ入金確定"


#: 口座番号 on a request line and in the results file.
_ACCOUNT_RE: Final = re.compile(r"[0-9]{7}")




@dataclass(frozen=True)
class RequestHead:
    """A request without its figures: what a choice list and the information screen name it
    by. Reading it costs one row, where the totals add up every line of the request (10,000
    in a big group)."""

    id: int
    group_no: str
    group_name: str
    deduct_month: str
    pay_kind: str
    status: str
    received_at: datetime
    deduction_date: date
    deadline: date
    remittance_date: date
    confirmed_at: datetime | None
    confirmed_by: str | None
    results_received_at: datetime | None
    version: int

    @property
    def pay_kind_label(self) -> str:
        """月例 / 一時金."""
        return PayKind(self.pay_kind).label

    @property
    def status_label(self) -> str:
        """依頼受信 / まとめ入金確定済 / 結果受信済."""
        return cyc.CycleStatus(self.status).label

    @property
    def label(self) -> str:
        """The request as the choice lists name it: 2026年4月 月例（依頼受信）."""
        return f"{month_label(self.deduct_month)} {self.pay_kind_label}（{self.status_label}）"


@dataclass(frozen=True)
class RequestView(RequestHead):
    """A request as the lists and the まとめ入金 screens show it, with its totals (A.6)."""

    totals: cyc.CycleTotals
    error_count: int
    unheld_error_count: int


@dataclass(frozen=True)
class PublishedRequest:
    """What ``publish_request`` made for one payment group."""

    request_id: int
    group_no: str
    deduct_month: str
    pay_kind: str
    replaced: bool
    line_count: int
    error_count: int
    ended_count: int
    totals: cyc.CycleTotals
    dates: cyc.CycleDates


@dataclass(frozen=True)
class ResultsLoaded:
    """What ``load_results`` stored, per request: (group, month, pay kind, deducted count,
    not-deducted count, kana mismatches)."""

    requests: tuple[tuple[str, str, str, int, int, int], ...]

    @property
    def row_count(self) -> int:
        return sum(r[3] + r[4] for r in self.requests)


@dataclass(frozen=True)
class ScheduleEntry:
    """One cycle on the information screen (R-INFO-1): its dates, and its status when the
    request has been published."""

    dates: cyc.CycleDates
    status: str | None
    request_id: int | None


@dataclass(frozen=True)
class Schedule:
    """The current and the next 月例 cycle (R-INFO-1)."""

    current: ScheduleEntry
    next: ScheduleEntry


LineKind = Literal["all", "counter", "errors", "changes", "held"]
ResultKindFilter = Literal["all", "not_deducted", "kana_mismatch"]




def _closed_days(db: Session) -> set[date]:
    return {row.day for row in db.exec(select(ClosedDay)).all()}


def _contract_no(db: Session, contract_id: int) -> str | None:
    return db.exec(select(Contract.contract_no).where(Contract.id == contract_id)).first()


def _groups(db: Session, contract_id: int) -> dict[int, PaymentGroup]:
    rows = db.exec(
        select(PaymentGroup)
        .where(PaymentGroup.contract_id == contract_id)
        .order_by(code_point(col(PaymentGroup.number)))
    ).all()
    return {g.id: g for g in rows if g.id is not None}


def _facts(item: DeductionRequestItem) -> cyc.ItemFacts:
    return cyc.ItemFacts(
        amount=item.amount,
        hold=item.hold,
        change_kind=item.change_kind,
        error_text=item.error_text,
        staff_no=item.staff_no,
    )


def _items(db: Session, request_id: int) -> list[DeductionRequestItem]:
    return list(
        db.exec(
            select(DeductionRequestItem)
            .where(DeductionRequestItem.request_id == request_id)
            .order_by(
                code_point(col(DeductionRequestItem.department)),
                code_point(col(DeductionRequestItem.staff_no)),
                code_point(col(DeductionRequestItem.product_code)),
                col(DeductionRequestItem.id),
            )
        ).all()
    )


def _sums(db: Session, request_id: int) -> tuple[cyc.CycleTotals, int, int]:
    """The request's totals, error count and unheld error count in one SQL aggregate: the same
    figures as ``deduction_cycle.totals`` / ``blocking_items`` (the 解約 lines count nowhere),
    without loading thousands of lines for a list of requests."""
    item = DeductionRequestItem
    counted = col(item.change_kind) != ChangeKind.ENDED.value
    ended = col(item.change_kind) == ChangeKind.ENDED.value
    held = and_(counted, col(item.hold).is_(True))
    error = and_(counted, col(item.error_text).is_not(None))

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    def amount(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, col(item.amount)), else_=0)), 0)

    row = db.execute(
        sa_select(
            n(counted),
            amount(counted),
            n(held),
            amount(held),
            n(error),
            n(and_(error, col(item.hold).is_(False))),
            n(ended),
            amount(ended),
        ).where(col(item.request_id) == request_id)
    ).one()
    values = [int(v) for v in row]
    req_n, req_amt, held_n, held_amt, errors, unheld, ended_n, ended_amt = values
    return cyc.CycleTotals(req_n, req_amt, held_n, held_amt, ended_n, ended_amt), errors, unheld


def _head(request: DeductionRequest, group: PaymentGroup) -> RequestHead:
    return RequestHead(**_head_fields(request, group))


def _head_fields(request: DeductionRequest, group: PaymentGroup) -> dict[str, Any]:
    assert request.id is not None
    return dict(
        id=request.id,
        group_no=group.number,
        group_name=group.name,
        deduct_month=request.deduct_month,
        pay_kind=request.pay_kind,
        status=request.status,
        received_at=request.received_at,
        deduction_date=request.deduction_date,
        deadline=request.deadline,
        remittance_date=request.remittance_date,
        confirmed_at=request.confirmed_at,
        confirmed_by=request.confirmed_by,
        results_received_at=request.results_received_at,
        version=request.version,
    )


def _view(db: Session, request: DeductionRequest, group: PaymentGroup) -> RequestView:
    assert request.id is not None
    sums, errors, unheld = _sums(db, request.id)
    return RequestView(**_head_fields(request, group), totals=sums, error_count=errors,
                       unheld_error_count=unheld)


def _key_text(group_no: str, month: str, kind: str) -> str:
    return f"{group_no}:{month}:{kind}"




def _locked_request(
    db: Session, session: TenantSession, request_id: int
) -> tuple[DeductionRequest, str] | None:
    """The request, locked, when it belongs to the session's contract (and selected group)."""
    scope = scope_of(db, session)
    if scope is None:
        return None
    query = select(DeductionRequest).where(
        col(DeductionRequest.id) == request_id, *tenant_clauses(DeductionRequest, scope)
    )
    found = db.exec(query.with_for_update().execution_options(populate_existing=True)).first()
    return None if found is None else (found, scope.contract_no)
