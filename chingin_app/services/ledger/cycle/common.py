"""What the ledger cycle's modules share: the operation-log actions, the request view and the
lookups every step makes (one contract's rows only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from chingin_app.domain.deduction_cycle import CycleDates
from chingin_app.domain.ledger_cycle import LedgerStatus
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.models import LedgerRequest, LedgerRequestItem, PaymentGroup
from chingin_app.reports.lists import month_label
from chingin_app.services.collation import code_point

ACTION_PUBLISH: Final = "ledger.request.publish"
ACTION_LOAD_RESULTS: Final = "ledger.results.load"


@dataclass(frozen=True)
class LedgerRequestView:
    """A 賃控元帳控除依頼 as the choices and the lists' headers show it, with its totals (the
    解約 lines count nowhere: A.4)."""

    id: int
    group_no: str
    group_name: str
    deduct_month: str
    pay_kind: str
    status: str
    received_at: datetime
    deduction_date: date
    remittance_date: date
    results_received_at: datetime | None
    count: int
    amount: int

    @property
    def pay_kind_label(self) -> str:
        """月例 / 一時金."""
        return PayKind(self.pay_kind).label

    @property
    def status_label(self) -> str:
        """依頼受信 / 結果受信済."""
        return LedgerStatus(self.status).label

    @property
    def label(self) -> str:
        """The request as the choice lists name it: 2026年4月 月例（依頼受信）, the words of the
        労金控除 choice."""
        return f"{month_label(self.deduct_month)} {self.pay_kind_label}（{self.status_label}）"


@dataclass(frozen=True)
class PublishedLedgerRequest:
    """What publishing made for one payment group."""

    request_id: int
    group_no: str
    deduct_month: str
    pay_kind: str
    replaced: bool
    count: int
    amount: int
    ended_count: int
    dates: CycleDates


@dataclass(frozen=True)
class LedgerResultsLoaded:
    """What ``load_ledger_results`` stored, per request: (group, month, pay kind, deducted
    count, not-deducted count)."""

    requests: tuple[tuple[str, str, str, int, int], ...]


def key_text(group_no: str, month: str, kind: str) -> str:
    """The request's key as the operation log names it (the 労金控除 log's form)."""
    return f"{group_no}:{month}:{kind}"


def sums(db: Session, request_id: int) -> tuple[int, int]:
    """The request's line count and requested amount in one SQL aggregate (解約 lines count
    nowhere)."""
    counted = col(LedgerRequestItem.change_kind) != ChangeKind.ENDED.value
    row = db.execute(
        sa_select(
            func.coalesce(func.sum(case((counted, 1), else_=0)), 0),
            func.coalesce(func.sum(case((counted, col(LedgerRequestItem.amount)), else_=0)), 0),
        ).where(col(LedgerRequestItem.request_id) == request_id)
    ).one()
    return int(row[0]), int(row[1])


def view(db: Session, request: LedgerRequest, group: PaymentGroup) -> LedgerRequestView:
    """The request with its group and totals."""
    assert request.id is not None
    count, amount = sums(db, request.id)
    return LedgerRequestView(
        id=request.id, group_no=group.number, group_name=group.name,
        deduct_month=request.deduct_month, pay_kind=request.pay_kind, status=request.status,
        received_at=request.received_at, deduction_date=request.deduction_date,
        remittance_date=request.remittance_date,
        results_received_at=request.results_received_at, count=count, amount=amount,
    )


def items(db: Session, request_id: int) -> list[LedgerRequestItem]:
    """The request's lines, as the lists order them: 所属, 職員番号, 種目."""
    return list(db.exec(
        select(LedgerRequestItem)
        .where(LedgerRequestItem.request_id == request_id)
        .order_by(code_point(col(LedgerRequestItem.department)),
                  code_point(col(LedgerRequestItem.staff_no)),
                  code_point(col(LedgerRequestItem.item_code)), col(LedgerRequestItem.id))
    ).all())


def find_request(
    db: Session, contract_id: int, group_id: int, month: str, kind: str, *, lock: bool = False
) -> LedgerRequest | None:
    """The contract's ledger request of one key (locked for update when ``lock``)."""
    query = select(LedgerRequest).where(
        LedgerRequest.contract_id == contract_id,
        LedgerRequest.payment_group_id == group_id,
        LedgerRequest.deduct_month == month,
        LedgerRequest.pay_kind == kind,
    )
    return db.exec(query.with_for_update() if lock else query).first()
