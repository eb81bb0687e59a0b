"""Read-only views of the ledger cycle for the lists (RL-5, RL-6, RL-7, RL-12, RL-13), each
limited to the contract (and payment group) the caller resolved from its session."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.domain.deduction_cycle import ResultKind
from chingin_app.domain.ledger_cycle import (
    LedgerLine,
    LedgerResultLine,
    MismatchLine,
    expected_staff_no_digits,
    line_mismatch,
)
from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.models import (
    Contract,
    DeductionRequest,
    DeductionRequestItem,
    DeductionResultItem,
    Employee,
    LedgerRequest,
    LedgerRequestItem,
    LedgerResultItem,
    PaymentGroup,
)
from chingin_app.services.collation import code_point
from chingin_app.services.ledger.cycle.common import LedgerRequestView, view
from chingin_app.services.rokin.cycle.common import _groups
from chingin_app.settings import settings

ResultWhich = Literal["all", "not_deducted"]


def list_ledger_requests(
    db: Session,
    *,
    contract_id: int,
    payment_group_id: int | None = None,
    cycles: int | Literal["kept"] | None = "kept",
) -> list[LedgerRequestView]:
    """The contract's (group's) ledger requests, newest 控除年月 first. ``cycles`` keeps the
    latest N months: ``"kept"`` the current one and ``CHINGIN_KEEP_CYCLES`` before it, as
    労金控除 does (RL-CYCLE-4, A.4, R-PLUS-8); None = all."""
    groups = _groups(db, contract_id)
    query = select(LedgerRequest).where(LedgerRequest.contract_id == contract_id)
    if payment_group_id is not None:
        query = query.where(LedgerRequest.payment_group_id == payment_group_id)
    rows = db.exec(query.order_by(code_point(col(LedgerRequest.deduct_month)).desc(),
                                  col(LedgerRequest.payment_group_id),
                                  code_point(col(LedgerRequest.pay_kind)))).all()
    if cycles is not None:
        kept = settings().keep_cycles + 1 if cycles == "kept" else cycles
        months = sorted({r.deduct_month for r in rows}, reverse=True)[:kept]
        rows = [r for r in rows if r.deduct_month in months]
    return [view(db, r, groups[r.payment_group_id]) for r in rows]


def _request_of(db: Session, contract_id: int,
                request_id: int) -> tuple[LedgerRequest, str] | None:
    row = db.exec(
        select(LedgerRequest, PaymentGroup.number)
        .join(PaymentGroup, col(PaymentGroup.id) == col(LedgerRequest.payment_group_id))
        .where(col(LedgerRequest.id) == request_id, LedgerRequest.contract_id == contract_id)
    ).first()
    return None if row is None else (row[0], row[1])


def _line(item: LedgerRequestItem, request: LedgerRequest, group_no: str) -> LedgerLine:
    assert item.id is not None
    return LedgerLine(
        id=item.id, deduct_month=request.deduct_month, pay_kind=request.pay_kind,
        group_no=group_no, department=item.department, staff_no=item.staff_no,
        name_kana=item.name_kana, name_kanji=item.name_kanji, item_code=item.item_code,
        item_name=item.item_name, amount=item.amount, change_kind=item.change_kind,
        deduction_date=request.deduction_date,
    )


_ORDER: Any = (col(LedgerRequestItem.department), col(LedgerRequestItem.staff_no),
               col(LedgerRequestItem.item_code), col(LedgerRequestItem.id))


def ledger_lines(
    db: Session, *, contract_id: int, request_id: int, offset: int = 0,
    limit: int | None = None,
) -> list[LedgerLine]:
    """The 賃控元帳控除依頼リスト (RL-5) of one request, by 所属, 職員番号, 種目, 解約 lines
    included (amount 0); empty when the request is not the contract's. Paged with
    ``offset``/``limit``."""
    found = _request_of(db, contract_id, request_id)
    if found is None:
        return []
    request, group_no = found
    query = (select(LedgerRequestItem)
             .where(LedgerRequestItem.contract_id == contract_id,
                    LedgerRequestItem.request_id == request_id)
             .order_by(*_ORDER).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return [_line(item, request, group_no) for item in db.exec(query).all()]


def count_ledger_lines(db: Session, *, contract_id: int, request_id: int) -> int:
    """How many lines ``ledger_lines`` has in all (for paging)."""
    return int(db.exec(
        select(func.count()).select_from(LedgerRequestItem).where(
            LedgerRequestItem.contract_id == contract_id,
            LedgerRequestItem.request_id == request_id)
    ).one())


def ledger_result_lines(
    db: Session, *, contract_id: int, request_id: int, which: ResultWhich = "all"
) -> list[LedgerResultLine]:
    """RL-7: ``all`` 賃控元帳控除結果リスト, ``not_deducted`` 賃控元帳控除不能リスト (with
    不能理由); empty when the request is not the contract's."""
    found = _request_of(db, contract_id, request_id)
    if found is None:
        return []
    request, group_no = found
    query = (
        select(LedgerRequestItem, LedgerResultItem)
        .join(LedgerResultItem,
              col(LedgerResultItem.request_item_id) == col(LedgerRequestItem.id))
        .where(LedgerRequestItem.contract_id == contract_id,
               LedgerResultItem.contract_id == contract_id,
               LedgerRequestItem.request_id == request_id)
        .order_by(*_ORDER)
    )
    if which == "not_deducted":
        query = query.where(LedgerResultItem.result == ResultKind.NOT_DEDUCTED.value)
    elif which != "all":
        raise ValueError(f"unknown list {which!r}")
    return [
        LedgerResultLine(_line(item, request, group_no), res.deducted_amount, res.result,
                         res.result_code, res.reason)
        for item, res in db.exec(query).all()
    ]


def latest_bank_kana(
    db: Session, *, contract_id: int, employee_ids: Collection[int]
) -> dict[int, str]:
    """Per employee, the 金庫登録カナ of their latest 労金控除 result (the newest 控除年月, the
    last loaded): what the 相違リスト compares with (RL-CYCLE-3). Employees the bank has no
    result for are absent."""
    if not employee_ids:
        return {}
    rows = db.exec(
        select(DeductionRequestItem.employee_id, DeductionResultItem.bank_name_kana)
        .join(DeductionResultItem,
              col(DeductionResultItem.request_item_id) == col(DeductionRequestItem.id))
        .join(DeductionRequest,
              col(DeductionRequest.id) == col(DeductionRequestItem.request_id))
        .where(DeductionRequestItem.contract_id == contract_id,
               DeductionResultItem.contract_id == contract_id,
               col(DeductionRequestItem.employee_id).in_(list(employee_ids)))
        .order_by(code_point(col(DeductionRequest.deduct_month)).desc(),
                  col(DeductionResultItem.loaded_at).desc(), col(DeductionResultItem.id).desc())
    ).all()
    found: dict[int, str] = {}
    for employee_id, kana in rows:
        if employee_id is not None:
            found.setdefault(employee_id, kana)
    return found


def staff_no_digits(db: Session, *, contract_id: int) -> int | None:
    """The contract's 職員番号桁数 (RL-CYCLE-3): the bank's, else the most common length among
    its staff (``ledger_cycle.expected_staff_no_digits``)."""
    configured = db.exec(
        select(Contract.staff_no_digits).where(Contract.id == contract_id)).first()
    numbers = db.exec(select(Employee.staff_no).where(Employee.contract_id == contract_id)).all()
    return expected_staff_no_digits(configured, numbers)


def mismatch_lines(db: Session, *, contract_id: int, request_id: int) -> list[MismatchLine]:
    """The 賃控元帳控除依頼カナ氏名・職員番号桁数相違リスト of one request (RL-5, RL-CYCLE-3):
    its lines (解約 aside) whose カナ氏名 differs from the employee's latest 金庫登録カナ or
    whose 職員番号 has another number of digits, in the list's order."""
    found = _request_of(db, contract_id, request_id)
    if found is None:
        return []
    request, group_no = found
    rows = db.exec(
        select(LedgerRequestItem)
        .where(LedgerRequestItem.contract_id == contract_id,
               LedgerRequestItem.request_id == request_id,
               LedgerRequestItem.change_kind != ChangeKind.ENDED.value)
        .order_by(*_ORDER)
    ).all()
    kana = latest_bank_kana(db, contract_id=contract_id,
                            employee_ids={i.employee_id for i in rows if i.employee_id})
    digits = staff_no_digits(db, contract_id=contract_id)
    out: list[MismatchLine] = []
    for item in rows:
        bank = None if item.employee_id is None else kana.get(item.employee_id)
        mismatch = line_mismatch(name_kana=item.name_kana, bank_kana=bank,
                                 staff_no=item.staff_no, expected_digits=digits)
        if mismatch is not None:
            out.append(MismatchLine(_line(item, request, group_no), bank, mismatch))
    return out
