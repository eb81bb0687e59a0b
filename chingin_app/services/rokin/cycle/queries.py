"""Read-only views for the lists, the まとめ入金 screens and the information screen, each
limited to the contract (and payment group) the caller resolved from its session."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import to_jst
from chingin_app.domain.deduction_cycle import RequestLine, ResultKind, ResultLine
from chingin_app.domain.kana import kana_difference
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.models import (
    DeductionRequest,
    DeductionRequestItem,
    DeductionResultItem,
    PaymentGroup,
)
from chingin_app.services.collation import code_point
from chingin_app.services.rokin.cycle.common import (
    LineKind,
    RequestHead,
    RequestView,
    ResultKindFilter,
    Schedule,
    ScheduleEntry,
    _closed_days,
    _groups,
    _head,
    _view,
)
from chingin_app.services.tenant import Scope
from chingin_app.settings import settings


def _listed(
    db: Session, contract_id: int, payment_group_id: int | None,
    cycles: int | Literal["kept"] | None,
) -> list[tuple[DeductionRequest, PaymentGroup]]:
    groups = _groups(db, contract_id)
    query = select(DeductionRequest).where(DeductionRequest.contract_id == contract_id)
    if payment_group_id is not None:
        query = query.where(DeductionRequest.payment_group_id == payment_group_id)
    rows = db.exec(
        query.order_by(
            code_point(col(DeductionRequest.deduct_month)).desc(),
            col(DeductionRequest.payment_group_id),
            code_point(col(DeductionRequest.pay_kind)),
        )
    ).all()
    if cycles is not None:
        kept = settings().keep_cycles + 1 if cycles == "kept" else cycles
        months = sorted({r.deduct_month for r in rows}, reverse=True)[:kept]
        rows = [r for r in rows if r.deduct_month in months]
    return [(r, groups[r.payment_group_id]) for r in rows]


def list_requests(
    db: Session,
    *,
    contract_id: int,
    payment_group_id: int | None = None,
    cycles: int | Literal["kept"] | None = "kept",
) -> list[RequestView]:
    """The contract's requests, newest 控除年月 first (RK-4, RK-9, RK-11 request choice).
    ``cycles`` keeps the latest N months (A.4 "lists keep the last cycles"): ``"kept"`` the
    current one and ``CHINGIN_KEEP_CYCLES`` before it (R-PLUS-8); None = all."""
    return [_view(db, r, g) for r, g in _listed(db, contract_id, payment_group_id, cycles)]


def list_request_heads(
    db: Session,
    *,
    contract_id: int,
    payment_group_id: int | None = None,
    cycles: int | Literal["kept"] | None = "kept",
) -> list[RequestHead]:
    """``list_requests`` without the totals (a choice list), in the same order."""
    return [_head(r, g) for r, g in _listed(db, contract_id, payment_group_id, cycles)]


def get_request(db: Session, *, contract_id: int, request_id: int) -> RequestView | None:
    """One request of the contract with its totals; None when it is not the contract's."""
    request = db.exec(
        select(DeductionRequest).where(
            col(DeductionRequest.id) == request_id, DeductionRequest.contract_id == contract_id
        )
    ).first()
    if request is None:
        return None
    group = db.get(PaymentGroup, request.payment_group_id)
    assert group is not None
    return _view(db, request, group)


def _latest_row(
    db: Session, contract_id: int, payment_group_id: int | None
) -> tuple[DeductionRequest, PaymentGroup] | None:
    query = select(DeductionRequest).where(DeductionRequest.contract_id == contract_id)
    if payment_group_id is not None:
        query = query.where(DeductionRequest.payment_group_id == payment_group_id)
    request = db.exec(
        query.order_by(col(DeductionRequest.received_at).desc(), col(DeductionRequest.id).desc())
    ).first()
    if request is None:
        return None
    group = db.get(PaymentGroup, request.payment_group_id)
    assert group is not None
    return request, group


def latest_received(
    db: Session, *, contract_id: int, payment_group_id: int | None = None
) -> RequestView | None:
    """The most recently received request (R-INFO-1 最新受信情報), of a group or any."""
    found = _latest_row(db, contract_id, payment_group_id)
    return None if found is None else _view(db, *found)


def _line_query(contract_id: int, request_id: int, which: LineKind) -> Any:
    query = select(DeductionRequestItem).where(
        DeductionRequestItem.contract_id == contract_id,
        DeductionRequestItem.request_id == request_id,
    )
    if which == "counter":
        query = query.where(col(DeductionRequestItem.counter_change).is_not(None))
    elif which == "errors":
        query = query.where(col(DeductionRequestItem.error_text).is_not(None))
    elif which == "changes":
        query = query.where(col(DeductionRequestItem.change_kind) != ChangeKind.CONTINUED.value)
    elif which == "held":
        query = query.where(col(DeductionRequestItem.hold).is_(True))
    elif which != "all":
        raise ValueError(f"unknown list {which!r}")
    return query


def _line(item: DeductionRequestItem, request: DeductionRequest, group_no: str) -> RequestLine:
    assert item.id is not None
    return RequestLine(
        id=item.id,
        version=item.version,
        deduct_month=request.deduct_month,
        pay_kind=request.pay_kind,
        group_no=group_no,
        department=item.department,
        staff_no=item.staff_no,
        name_kana=item.name_kana,
        name_kanji=item.name_kanji,
        branch_no=item.branch_no,
        product_code=item.product_code,
        product_name=item.product_name,
        account_no=item.account_no,
        amount=item.amount,
        remaining_count=item.remaining_count,
        change_kind=item.change_kind,
        error_text=item.error_text,
        counter_change=item.counter_change,
        hold=item.hold,
        hold_reason=item.hold_reason,
        deduction_date=request.deduction_date,
        remittance_date=request.remittance_date,
    )


def _request_of(
    db: Session, contract_id: int, request_id: int
) -> tuple[DeductionRequest, str] | None:
    row = db.exec(
        select(DeductionRequest, PaymentGroup.number)
        .join(PaymentGroup, col(PaymentGroup.id) == col(DeductionRequest.payment_group_id))
        .where(col(DeductionRequest.id) == request_id, DeductionRequest.contract_id == contract_id)
    ).first()
    return None if row is None else (row[0], row[1])


def request_lines(
    db: Session,
    *,
    contract_id: int,
    request_id: int,
    which: LineKind = "all",
    offset: int = 0,
    limit: int | None = None,
) -> list[RequestLine]:
    """The lines of one RK-4 list, by 所属, 職員番号, 商品: ``all`` 控除依頼リスト, ``counter``
    窓口扱い控除依頼内容変更リスト, ``errors`` 控除依頼明細エラーリスト, ``changes``
    控除依頼異動分リスト (新規/変更/解約), ``held`` the 入金中止 lines (RK-8/RK-10). Empty when
    the request is not the contract's. Paged with ``offset``/``limit``."""
    found = _request_of(db, contract_id, request_id)
    if found is None:
        return []
    request, group_no = found
    query = (
        _line_query(contract_id, request_id, which)
        .order_by(
            code_point(col(DeductionRequestItem.department)),
            code_point(col(DeductionRequestItem.staff_no)),
            code_point(col(DeductionRequestItem.product_code)),
            col(DeductionRequestItem.id),
        )
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_line(item, request, group_no) for item in db.exec(query).all()]


def count_request_lines(
    db: Session, *, contract_id: int, request_id: int, which: LineKind = "all"
) -> int:
    """How many lines ``request_lines`` has in all (for paging)."""
    sub = _line_query(contract_id, request_id, which).subquery()
    return int(db.exec(select(func.count()).select_from(sub)).one())


def result_lines(
    db: Session,
    *,
    contract_id: int,
    request_id: int,
    which: ResultKindFilter = "all",
) -> list[ResultLine]:
    """RK-11: ``all`` 控除結果リスト, ``not_deducted`` 控除不能リスト (with 不能理由),
    ``kana_mismatch`` カナ氏名不一致リスト (元帳カナ vs 金庫登録カナ, both normalised, A.1)."""
    found = _request_of(db, contract_id, request_id)
    if found is None:
        return []
    request, group_no = found
    query = (
        select(DeductionRequestItem, DeductionResultItem)
        .join(
            DeductionResultItem,
            col(DeductionResultItem.request_item_id) == col(DeductionRequestItem.id),
        )
        .where(
            DeductionRequestItem.contract_id == contract_id,
            DeductionResultItem.contract_id == contract_id,
            DeductionRequestItem.request_id == request_id,
        )
        .order_by(
            code_point(col(DeductionRequestItem.department)),
            code_point(col(DeductionRequestItem.staff_no)),
            code_point(col(DeductionRequestItem.product_code)),
            col(DeductionRequestItem.id),
        )
    )
    if which == "not_deducted":
        query = query.where(DeductionResultItem.result == ResultKind.NOT_DEDUCTED.value)
    elif which not in ("all", "kana_mismatch"):
        raise ValueError(f"unknown list {which!r}")
    out: list[ResultLine] = []
    for item, res in db.exec(query).all():
        diff = kana_difference(item.name_kana, res.bank_name_kana)
        if which == "kana_mismatch" and diff is None:
            continue
        out.append(
            ResultLine(
                line=_line(item, request, group_no),
                deducted_amount=res.deducted_amount,
                result=res.result,
                result_code=res.result_code,
                reason=res.reason,
                bank_name_kana=res.bank_name_kana,
                paid_date=res.paid_date,
                kana_mismatch=diff is not None,
                kana_difference=diff,
            )
        )
    return out


def schedule(
    db: Session,
    *,
    contract_id: int,
    payment_group_id: int,
    today: date,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Schedule:
    """R-INFO-1: the 依頼データ作成日, 控除日 and まとめ入金期限 of the current and the next 月例
    cycle. The current cycle is the first month from ``today``'s whose deadline has not
    passed; a published request's stored dates win over the calendar's."""
    closed = _closed_days(db)
    month = cyc.month_of(today)
    dates = cyc.cycle_dates(month, rules=rules, extra_closed=closed)
    if dates.deadline < today:
        month = cyc.month_add(month, 1)
    entries: list[ScheduleEntry] = []
    for m in (month, cyc.month_add(month, 1)):
        request = db.exec(
            select(DeductionRequest).where(
                DeductionRequest.contract_id == contract_id,
                DeductionRequest.payment_group_id == payment_group_id,
                DeductionRequest.deduct_month == m,
                DeductionRequest.pay_kind == PayKind.MONTHLY.value,
            )
        ).first()
        planned = cyc.cycle_dates(m, rules=rules, extra_closed=closed)
        if request is None:
            entries.append(ScheduleEntry(planned, None, None))
        else:
            stored = replace(
                planned,
                deduction_date=request.deduction_date,
                deadline=request.deadline,
                remittance_date=request.remittance_date,
                request_date=to_jst(request.received_at).date(),
            )
            entries.append(ScheduleEntry(stored, request.status, request.id))
    return Schedule(entries[0], entries[1])


def information_panel(
    db: Session, *, scope: Scope | None, today: date
) -> tuple[Schedule | None, RequestHead | None]:
    """The information screen's 労金控除 schedule of the selected payment group and its latest
    received request (R-INFO-1); (None, None) without a scope, when the contract lacks 労金控除
    or no group is chosen. ``scope``: the session's (``tenant.scope_of``). Read-only."""
    if scope is None or scope.payment_group_id is None or "rokin" not in scope.services:
        return None, None
    contract_id, group_id = scope.contract_id, scope.payment_group_id
    return (
        schedule(db, contract_id=contract_id, payment_group_id=group_id, today=today),
        None if (latest := _latest_row(db, contract_id, group_id)) is None else _head(*latest),
    )
