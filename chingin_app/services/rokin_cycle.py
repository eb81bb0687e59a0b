"""The monthly deduction cycle: the bank publishes a request, the organisation sets 入金中止 and
confirms the まとめ入金 (or undoes it until the deadline), the bank loads the results (SPEC §11
RK-4, RK-8, RK-9, RK-11, R-INFO-1; Appendix A.3, A.4, A.6; rules in
``domain/deduction_cycle.py``).

Bank side (operator commands, ``chingin bank …``; actor ``operator:NAME``, logged with
``oplog.operator_success`` and the 受付番号): ``publish_request``, ``load_results``.
Organisation side (screens; the state checks ``permissions.require`` first, the session gives
the tenant as in ``services/rokin_details.py``): ``set_hold``, ``clear_hold``, ``confirm``,
``undo_confirmation``. Queries for the lists and the information screen take the
``contract_id`` (and payment group) the caller resolved from its session: every query is
limited to that contract, so another contract's rows are never read.

Each changing function is one transaction: it checks everything first, writes, logs and
commits once; a refusal is rolled back and logged in its own transaction.

**Publishing** (``publish_request``): the lines are the group's details that are active
(status 'active', start month ≤ 控除年月 ≤ end month or open-ended): for 月例 those with a
monthly amount (and those with no amount at all, as error lines), for 一時金 those with a
bonus amount. Each line gets a snapshot of the employee and product, its 異動区分 against the
previous request of the same group and 支給区分 (``deduction_cycle.change_kinds``; details
that dropped out become 解約 lines of amount 0), its 明細エラー (bank kana the bank cannot
use, amount 0, account not 7 digits, loan with 残回数 0) and its 窓口扱い変更 (changes the
bank made at a branch counter — history rows by the actor ``bank`` — since the previous
request). Dates come from ``deduction_cycle.cycle_dates`` with the operator's closed days.
A second publish of the same (group, 控除年月, 支給区分) is refused unless ``replace`` and the
request is still 依頼受信; a replacement keeps the 入金中止 of lines whose detail is still
there.

**Results file** (``load_results``; README "控除結果ファイル"): CSV, CP932 (UTF-8 is read too),
CRLF, a header row ``RESULTS_HEADER``, one row per request line that is not 解約. All or
nothing: every problem is reported by row and column and nothing is stored unless the whole
file is right. Every line of each request named in the file must have exactly one result;
the request must be まとめ入金確定済.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal

from sqlalchemy import and_, case, delete, func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import JST, Clock, MovableClock, to_jst
from chingin_app.domain.kana import check_name_kana, normalise_kana
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    ActorKind,
    ClosedDay,
    Contract,
    DeductionDetail,
    DeductionDetailHistory,
    DeductionRequest,
    DeductionRequestItem,
    DeductionResultItem,
    Employee,
    LogResult,
    PaymentGroup,
    RokinProduct,
)
from chingin_app.models.rokin import DetailStatus, ProductKind, RequestStatus, ResultKind
from chingin_app.reports.csv_reader import read_csv
from chingin_app.services import oplog
from chingin_app.services.rokin_details import DetailSession, resolve_scope

__all__ = [
    "ACTION_CONFIRM",
    "ACTION_HOLD",
    "ACTION_HOLD_CLEAR",
    "ACTION_LOAD_RESULTS",
    "ACTION_PUBLISH",
    "ACTION_UNDO",
    "BANK_ACTOR",
    "RESULTS_HEADER",
    "RESULT_CODES",
    "LineKind",
    "PublishedRequest",
    "RequestLine",
    "RequestView",
    "ResultKindFilter",
    "ResultLine",
    "ResultsLoaded",
    "Schedule",
    "ScheduleEntry",
    "clear_hold",
    "confirm",
    "count_request_lines",
    "get_request",
    "latest_received",
    "list_requests",
    "load_demo_history",
    "load_results",
    "publish_request",
    "request_lines",
    "result_lines",
    "results_csv",
    "schedule",
    "set_hold",
    "undo_confirmation",
]

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

#: The results file's header (README "控除結果ファイル").
RESULTS_HEADER: Final[tuple[str, ...]] = (
    "入金グループ",
    "控除年月",
    "支給区分",
    "職員番号",
    "口座番号",
    "商品コード",
    "控除額",
    "結果コード",
    "不能理由",
    "金庫登録カナ",
    "入金日",
)
_COL = {name: index for index, name in enumerate(RESULTS_HEADER)}
_FREE_TEXT_COLUMNS: Final = (_COL["不能理由"],)

#: Zengin 口座振替 result codes (A.4), the model of 結果コード: 0 済, anything else 不能.
RESULT_CODES: Final[dict[str, str]] = {
    "0": "振替済",
    "1": "資金不足",
    "2": "取引なし",
    "3": "預金者都合",
    "4": "依頼書なし",
    "8": "委託者都合",
    "9": "その他",
}
_PAY_KIND_TEXT: Final[dict[str, cyc.PayKind]] = {
    "月例": cyc.PayKind.MONTHLY,
    "一時金": cyc.PayKind.BONUS,
}

# What each column must look like (E-RESULTS-VALUE's {rule}).
_RULES: Final[dict[str, str]] = {
    "入金グループ": "半角数字3桁",
    "控除年月": "「YYYY-MM」の形式",
    "支給区分": "「月例」または「一時金」",
    "職員番号": "半角数字10桁以内",
    "口座番号": "半角数字7桁",
    "商品コード": "半角英数字4桁以内",
    "控除額": "半角数字（カンマなし）9桁以内",
    "結果コード": "0・1・2・3・4・8・9のいずれか",
    "不能理由": "50文字以内（結果コードが0のときは空欄）",
    "金庫登録カナ": "銀行で使える半角カナ30バイト以内",
    "入金日": "「YYYY-MM-DD」の形式（結果コードが0のときは必須）",
}
_GROUP_RE: Final = re.compile(r"[0-9]{3}")
_STAFF_NO_RE: Final = re.compile(r"[0-9]{1,10}")
_ACCOUNT_RE: Final = re.compile(r"[0-9]{7}")
_PRODUCT_RE: Final = re.compile(r"[0-9A-Za-z]{1,4}")
_AMOUNT_RE: Final = re.compile(r"0|[1-9][0-9]{0,8}")
_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KANA_MAX_BYTES: Final = 30
_REASON_MAX: Final = 50

#: How many past cycles the lists keep (A.4: "one bank's manual keeps 3 — configurable").
KEEP_CYCLES: Final = 3


# ---------------------------------------------------------------------------- views


@dataclass(frozen=True)
class RequestView:
    """A request as the lists and the まとめ入金 screens show it, with its totals (A.6)."""

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
    totals: cyc.CycleTotals
    error_count: int
    unheld_error_count: int

    @property
    def pay_kind_label(self) -> str:
        """月例 / 一時金."""
        return cyc.PayKind(self.pay_kind).label

    @property
    def status_label(self) -> str:
        """依頼受信 / まとめ入金確定済 / 結果受信済."""
        return cyc.CycleStatus(self.status).label


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
class RequestLine:
    """One line of the RK-4 lists (A.6 控除依頼リスト columns, plus the screen's needs)."""

    id: int
    version: int
    deduct_month: str
    pay_kind: str
    group_no: str
    department: str
    staff_no: str
    name_kana: str
    name_kanji: str
    branch_no: str
    product_code: str
    product_name: str
    account_no: str
    amount: int
    remaining_count: int | None
    change_kind: str
    error_text: str | None
    counter_change: str | None
    hold: bool
    hold_reason: str | None
    deduction_date: date
    remittance_date: date


@dataclass(frozen=True)
class ResultLine:
    """One line of the RK-11 lists (A.6 控除結果リスト, 控除不能リスト, カナ氏名不一致リスト)."""

    line: RequestLine
    deducted_amount: int
    result: str
    result_code: str | None
    reason: str | None
    bank_name_kana: str
    paid_date: date | None
    kana_mismatch: bool
    kana_difference: str | None

    @property
    def result_label(self) -> str:
        """済 / 不能."""
        return "済" if self.result == ResultKind.DEDUCTED.value else "不能"


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


# ---------------------------------------------------------------------------- helpers


def _closed_days(db: Session) -> set[date]:
    return {row.day for row in db.exec(select(ClosedDay)).all()}


def _contract_no(db: Session, contract_id: int) -> str | None:
    return db.exec(select(Contract.contract_no).where(Contract.id == contract_id)).first()


def _groups(db: Session, contract_id: int) -> dict[int, PaymentGroup]:
    rows = db.exec(
        select(PaymentGroup)
        .where(PaymentGroup.contract_id == contract_id)
        .order_by(col(PaymentGroup.number))
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
                col(DeductionRequestItem.department),
                col(DeductionRequestItem.staff_no),
                col(DeductionRequestItem.product_code),
                col(DeductionRequestItem.id),
            )
        ).all()
    )


def _sums(db: Session, request_id: int) -> tuple[cyc.CycleTotals, int, int]:
    """The request's totals, error count and unheld error count in one SQL aggregate: the same
    figures as ``deduction_cycle.totals`` / ``blocking_items`` (the 解約 lines count nowhere),
    without loading thousands of lines for a list of requests."""
    item = DeductionRequestItem
    counted = col(item.change_kind) != cyc.ChangeKind.ENDED.value
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
        ).where(col(item.request_id) == request_id)
    ).one()
    values = [int(v) for v in row]
    return cyc.CycleTotals(*values[:4]), values[4], values[5]


def _view(db: Session, request: DeductionRequest, group: PaymentGroup) -> RequestView:
    assert request.id is not None
    sums, errors, unheld = _sums(db, request.id)
    return RequestView(
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
        totals=sums,
        error_count=errors,
        unheld_error_count=unheld,
    )


def _key_text(group_no: str, month: str, kind: str) -> str:
    return f"{group_no}:{month}:{kind}"


# ---------------------------------------------------------------------------- publish


def _line_errors(
    detail: DeductionDetail, employee: Employee, product: RokinProduct, amount: int
) -> str | None:
    """The 控除依頼明細エラー of a line, joined with 「／」 (None when it is clean)."""
    problems: list[str] = []
    kana = check_name_kana(employee.name_kana)
    if isinstance(kana, Err):
        char = kana.params.get("char", employee.name_kana[:1])
        problems.append(message("E-ITEM-KANA", char=char))
    if amount == 0:
        problems.append(message("E-ITEM-AMOUNT-ZERO"))
    if _ACCOUNT_RE.fullmatch(detail.account_no) is None:
        problems.append(message("E-ITEM-ACCOUNT"))
    if product.kind == ProductKind.LOAN.value and detail.remaining_count == 0:
        problems.append(message("E-ITEM-REMAINING-ZERO"))
    return "／".join(problems)[:200] if problems else None


_HISTORY_LABELS: Final[dict[str, str]] = {
    "account_no": "口座番号",
    "monthly_amount": "月例額",
    "bonus_amount": "一時金額",
    "start_month": "開始年月",
    "end_month": "終了年月",
    "remaining_count": "残回数",
    "status": "状態",
}


def _counter_changes(
    db: Session, contract_id: int, detail_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, str]:
    """窓口扱い変更 per detail: the bank's own history entries in (``since``, ``until``]
    (RK-4)."""
    if not detail_ids:
        return {}
    rows = db.exec(
        select(DeductionDetailHistory)
        .where(
            DeductionDetailHistory.contract_id == contract_id,
            col(DeductionDetailHistory.detail_id).in_(detail_ids),
            DeductionDetailHistory.actor == BANK_ACTOR,
            col(DeductionDetailHistory.changed_at) > since,
            col(DeductionDetailHistory.changed_at) <= until,
        )
        .order_by(col(DeductionDetailHistory.changed_at), col(DeductionDetailHistory.id))
    ).all()
    out: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        before = json.loads(row.before_json) if row.before_json else {}
        after = json.loads(row.after_json) if row.after_json else {}
        fields = [
            f"{label} {before.get(key, '')}→{after.get(key, '')}"
            for key, label in _HISTORY_LABELS.items()
            if before and before.get(key) != after.get(key)
        ]
        when = f"{to_jst(row.changed_at):%m/%d}"
        out[row.detail_id].append(
            f"{when} 窓口{row.action}" + (f"（{'、'.join(fields)}）" if fields else "")
        )
    return {key: "；".join(texts)[:200] for key, texts in out.items()}


def _previous_request(
    db: Session, contract_id: int, group_id: int, month: str, kind: str
) -> DeductionRequest | None:
    return db.exec(
        select(DeductionRequest)
        .where(
            DeductionRequest.contract_id == contract_id,
            DeductionRequest.payment_group_id == group_id,
            DeductionRequest.pay_kind == kind,
            col(DeductionRequest.deduct_month) < month,
        )
        .order_by(col(DeductionRequest.deduct_month).desc())
    ).first()


def _active_details(
    db: Session, contract_id: int, group_id: int, month: str, kind: cyc.PayKind
) -> list[tuple[DeductionDetail, Employee, RokinProduct]]:
    query = (
        select(DeductionDetail, Employee, RokinProduct)
        .join(Employee, col(Employee.id) == col(DeductionDetail.employee_id))
        .join(RokinProduct, col(RokinProduct.id) == col(DeductionDetail.product_id))
        .where(
            DeductionDetail.contract_id == contract_id,
            DeductionDetail.payment_group_id == group_id,
            Employee.contract_id == contract_id,
            RokinProduct.contract_id == contract_id,
            DeductionDetail.status == DetailStatus.ACTIVE.value,
            col(DeductionDetail.start_month) <= month,
            (col(DeductionDetail.end_month).is_(None)) | (col(DeductionDetail.end_month) >= month),
        )
        .order_by(col(Employee.staff_no), col(RokinProduct.code), col(DeductionDetail.id))
    )
    out = []
    for detail, employee, product in db.exec(query).all():
        if _amount(detail, kind) > 0:
            out.append((detail, employee, product))
        elif kind is cyc.PayKind.MONTHLY and detail.bonus_amount == 0:
            # Neither amount: a detail that deducts nothing is an error line (amount 0).
            out.append((detail, employee, product))
    return out


def _amount(detail: DeductionDetail, kind: cyc.PayKind) -> int:
    return detail.monthly_amount if kind is cyc.PayKind.MONTHLY else detail.bonus_amount


def _publish_group(
    db: Session,
    *,
    contract_id: int,
    group: PaymentGroup,
    month: str,
    kind: cyc.PayKind,
    now: datetime,
    replace_existing: bool,
    rules: cyc.CycleRules,
    closed: set[date],
) -> PublishedRequest | Err:
    assert group.id is not None
    params = {"group": group.number, "month": month, "pay_kind": kind.label}
    existing = db.exec(
        select(DeductionRequest)
        .where(
            DeductionRequest.contract_id == contract_id,
            DeductionRequest.payment_group_id == group.id,
            DeductionRequest.deduct_month == month,
            DeductionRequest.pay_kind == kind.value,
        )
        .with_for_update()
    ).first()
    kept_holds: dict[int, tuple[str | None, datetime | None, str | None]] = {}
    if existing is not None:
        if not replace_existing:
            return Err("E-CYCLE-EXISTS", "deduct_month", params)
        step = cyc.transition(
            existing.status,
            cyc.CycleAction.REPUBLISH,
            now=now,
            deadline=existing.deadline,
            rules=rules,
        )
        if isinstance(step, Err):
            return step
        assert existing.id is not None
        for item in _items(db, existing.id):
            if item.hold and item.detail_id is not None:
                kept_holds[item.detail_id] = (
                    item.hold_reason,
                    item.hold_updated_at,
                    item.hold_updated_by,
                )
        db.execute(
            delete(DeductionRequestItem).where(col(DeductionRequestItem.request_id) == existing.id)
        )

    lines = _active_details(db, contract_id, group.id, month, kind)
    previous = _previous_request(db, contract_id, group.id, month, kind.value)
    prev_items: list[DeductionRequestItem] = []
    if previous is not None:
        assert previous.id is not None
        prev_items = [
            i
            for i in _items(db, previous.id)
            if i.change_kind != cyc.ChangeKind.ENDED.value and i.detail_id is not None
        ]
    current_facts = {
        d.id: cyc.LineFacts(_amount(d, kind), d.account_no, p.code) for d, _e, p in lines
    }
    prev_facts = (
        None
        if previous is None
        else {
            i.detail_id: cyc.LineFacts(i.amount, i.account_no, i.product_code) for i in prev_items
        }
    )
    started = {d.id for d, _e, _p in lines if d.start_month == month}
    changes = cyc.change_kinds(prev_facts, current_facts, started=started)
    if not lines and not changes.ended:
        return Err("E-CYCLE-NO-LINES", "deduct_month", params)

    since = (
        previous.received_at
        if previous is not None
        else datetime.combine(
            date.fromisoformat(cyc.month_add(month, -1) + "-01"), time(0), tzinfo=JST
        )
    )
    counter = _counter_changes(
        db, contract_id, [d.id for d, _e, _p in lines if d.id is not None], since, now
    )
    dates = cyc.cycle_dates(month, kind, rules=rules, extra_closed=closed)

    if existing is None:
        request = DeductionRequest(
            contract_id=contract_id,
            payment_group_id=group.id,
            deduct_month=month,
            pay_kind=kind.value,
            received_at=now,
            deduction_date=dates.deduction_date,
            deadline=dates.deadline,
            remittance_date=dates.remittance_date,
            status=RequestStatus.RECEIVED.value,
        )
    else:
        request = existing
        request.received_at = now
        request.deduction_date = dates.deduction_date
        request.deadline = dates.deadline
        request.remittance_date = dates.remittance_date
    db.add(request)
    try:
        db.flush()
    except IntegrityError:
        # A concurrent publish of the same key won (the unique constraint).
        db.rollback()
        return Err("E-CYCLE-EXISTS", "deduct_month", params)
    assert request.id is not None

    items: list[DeductionRequestItem] = []
    for detail, employee, product in lines:
        assert detail.id is not None
        amount = _amount(detail, kind)
        hold = kept_holds.get(detail.id)
        items.append(
            DeductionRequestItem(
                contract_id=contract_id,
                request_id=request.id,
                detail_id=detail.id,
                employee_id=employee.id,
                staff_no=employee.staff_no,
                name_kana=employee.name_kana,
                name_kanji=employee.name_kanji,
                department=employee.department,
                product_code=product.code,
                product_name=product.name,
                branch_no=product.branch_no,
                account_no=detail.account_no,
                amount=amount,
                remaining_count=detail.remaining_count,
                change_kind=changes.kinds[detail.id].value,
                error_text=_line_errors(detail, employee, product, amount),
                counter_change=counter.get(detail.id),
                hold=hold is not None,
                hold_reason=None if hold is None else hold[0],
                hold_updated_at=None if hold is None else hold[1],
                hold_updated_by=None if hold is None else hold[2],
            )
        )
    by_detail = {i.detail_id: i for i in prev_items}
    for detail_id in changes.ended:
        old = by_detail[detail_id]
        items.append(
            DeductionRequestItem(
                contract_id=contract_id,
                request_id=request.id,
                detail_id=old.detail_id,
                employee_id=old.employee_id,
                staff_no=old.staff_no,
                name_kana=old.name_kana,
                name_kanji=old.name_kanji,
                department=old.department,
                product_code=old.product_code,
                product_name=old.product_name,
                branch_no=old.branch_no,
                account_no=old.account_no,
                amount=0,
                remaining_count=old.remaining_count,
                change_kind=cyc.ChangeKind.ENDED.value,
            )
        )
    db.add_all(items)
    db.flush()
    facts = [_facts(i) for i in items]
    return PublishedRequest(
        request_id=request.id,
        group_no=group.number,
        deduct_month=month,
        pay_kind=kind.value,
        replaced=existing is not None,
        line_count=len(items),
        error_count=sum(1 for f in facts if f.error_text),
        ended_count=len(changes.ended),
        totals=cyc.totals(facts),
        dates=dates,
    )


def publish_request(
    db: Session,
    *,
    contract_id: int,
    deduct_month: str,
    pay_kind: str = "monthly",
    group_no: str | None = None,
    replace_existing: bool = False,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[list[PublishedRequest]] | Err:
    """``chingin bank publish-request``: build the month's 控除依頼 of one payment group
    (``group_no``) or of every group of the contract (A.4 依頼受信; module docstring).

    All or nothing over the groups. Refused: E-CONTRACT-NOT-FOUND, E-GROUP-NOT-FOUND,
    E-RK-MONTH-FORMAT, E-PAY-KIND, E-CYCLE-EXISTS (without ``replace_existing``),
    E-CYCLE-REPLACE-CONFIRMED / E-CYCLE-CLOSED (a confirmed request is never replaced),
    E-CYCLE-NO-LINES (a group with nothing to deduct, when one group was asked for; with all
    groups, groups with nothing are skipped unless every group is empty).
    """
    who = oplog.operator_actor(actor)
    now = clock.now()
    target = _key_text(group_no or "*", deduct_month, pay_kind)

    def refuse(err: Err) -> Err:
        oplog.operator_refusal(
            db,
            at=now,
            actor=who,
            action=ACTION_PUBLISH,
            target=target[:40],
            ticket=ticket,
            detail={"code": err.code, "contract_id": contract_id},
        )
        return err

    contract_no = _contract_no(db, contract_id)
    if contract_no is None:
        return refuse(Err("E-CONTRACT-NOT-FOUND", "contract_no"))
    month = cyc.check_month(deduct_month)
    if isinstance(month, Err):
        return refuse(month)
    try:
        kind = cyc.PayKind(pay_kind)
    except ValueError:
        return refuse(Err("E-PAY-KIND", "pay_kind"))
    groups = list(_groups(db, contract_id).values())
    if group_no is not None:
        groups = [g for g in groups if g.number == group_no]
        if not groups:
            return refuse(Err("E-GROUP-NOT-FOUND", "group", {"number": group_no}))
    closed = _closed_days(db)
    made: list[PublishedRequest] = []
    empty: Err | None = None
    for group in groups:
        got = _publish_group(
            db,
            contract_id=contract_id,
            group=group,
            month=month.value,
            kind=kind,
            now=now,
            replace_existing=replace_existing,
            rules=rules,
            closed=closed,
        )
        if isinstance(got, Err):
            if got.code == "E-CYCLE-NO-LINES" and group_no is None:
                empty = empty or got
                continue
            return refuse(got)
        made.append(got)
    if not made:
        assert empty is not None
        return refuse(empty)
    for pub in made:
        oplog.operator_success(
            db,
            contract_no=contract_no,
            at=now,
            actor=who,
            action=ACTION_PUBLISH,
            target=_key_text(pub.group_no, pub.deduct_month, pub.pay_kind),
            ticket=ticket,
            detail={
                "request_id": pub.request_id,
                "replaced": pub.replaced,
                "lines": pub.line_count,
                "errors": pub.error_count,
                "ended": pub.ended_count,
                "requested_amount": pub.totals.requested_amount,
            },
        )
    db.commit()
    return Ok(made)


# ---------------------------------------------------------------------------- holds, confirm


def _refuse_user(
    db: Session,
    err: Err | Invalid,
    *,
    session: DetailSession,
    now: datetime,
    action: str,
    screen: str,
    ip: str | None,
    target: str | None,
) -> Err | Invalid:
    """Roll back and log a user's refusal in the contract's chain (system chain when the
    session's contract does not exist)."""
    codes = [e.code for e in err.errors] if isinstance(err, Invalid) else [err.code]
    db.rollback()
    known = db.exec(select(Contract.id).where(Contract.contract_no == session.contract_no)).first()
    contract_no = session.contract_no if known is not None else None
    oplog.log_failure(
        db,
        chain=oplog.chain_for(contract_no),
        at=now,
        actor_kind=ActorKind.USER,
        actor=session.user_id[:40] or "?",
        action=action,
        result=LogResult.FAILURE if isinstance(err, Invalid) else LogResult.REFUSED,
        contract_no=contract_no,
        ip=ip,
        screen=screen,
        target=target and target[:40],
        detail={"codes": codes},
    )
    return err


def _locked_request(
    db: Session, session: DetailSession, request_id: int
) -> tuple[DeductionRequest, str] | None:
    """The request, locked, when it belongs to the session's contract (and selected group)."""
    scope = resolve_scope(db, contract_no=session.contract_no, group_no=session.group_no)
    if scope is None:
        return None
    query = select(DeductionRequest).where(
        col(DeductionRequest.id) == request_id, DeductionRequest.contract_id == scope.contract_id
    )
    if scope.payment_group_id is not None:
        query = query.where(DeductionRequest.payment_group_id == scope.payment_group_id)
    found = db.exec(query.with_for_update().execution_options(populate_existing=True)).first()
    return None if found is None else (found, scope.contract_no)


def _change_hold(
    db: Session,
    *,
    session: DetailSession,
    clock: Clock,
    item_id: int,
    version: int,
    reason: str | None,
    hold: bool,
    ip: str | None,
    rules: cyc.CycleRules,
) -> Ok[int] | Err | Invalid:
    action = ACTION_HOLD if hold else ACTION_HOLD_CLEAR
    now = clock.now()

    def refuse(err: Err | Invalid, target: str | None = None) -> Err | Invalid:
        return _refuse_user(
            db,
            err,
            session=session,
            now=now,
            action=action,
            screen=_SCREEN_HOLD,
            ip=ip,
            target=target,
        )

    scope = resolve_scope(db, contract_no=session.contract_no, group_no=session.group_no)
    item = (
        None
        if scope is None
        else db.exec(
            select(DeductionRequestItem).where(
                col(DeductionRequestItem.id) == item_id,
                DeductionRequestItem.contract_id == scope.contract_id,
            )
        ).first()
    )
    found = None if item is None else _locked_request(db, session, item.request_id)
    if item is None or found is None:
        return refuse(Err("E-CYCLE-ITEM-NOT-FOUND"))
    request, contract_no = found
    # Re-read the item under the request's lock (confirm and holds queue on that row).
    db.refresh(item)
    target = f"{item.staff_no}:{item.product_code}:{item.account_no}"
    if item.version != version:
        return refuse(Err("E-CYCLE-CONFLICT"), target)
    if item.change_kind == cyc.ChangeKind.ENDED.value:
        return refuse(Err("E-CYCLE-HOLD-ENDED"), target)
    step = cyc.transition(
        request.status, cyc.CycleAction.HOLD, now=now, deadline=request.deadline, rules=rules
    )
    if isinstance(step, Err):
        return refuse(step, target)
    text: str | None = None
    if hold:
        checked = cyc.check_hold_reason(reason)
        if isinstance(checked, Err):
            return refuse(Invalid((checked,)), target)
        text = checked.value
    elif not item.hold:
        return refuse(Err("E-CYCLE-NOT-HELD"), target)
    before = {"hold": item.hold, "reason": item.hold_reason}
    item.hold = hold
    item.hold_reason = text
    item.hold_updated_at = now
    item.hold_updated_by = session.user_id[:40]
    # The request's version moves too: a confirmation screen showing older totals is stale.
    flag_modified(request, "status")
    db.add_all([item, request])
    try:
        db.flush()
    except StaleDataError:
        return refuse(Err("E-CYCLE-CONFLICT"), target)
    oplog.user_success(
        db,
        contract_no=contract_no,
        at=now,
        actor=session.user_id,
        action=action,
        ip=ip,
        target=target,
        screen=_SCREEN_HOLD,
        detail={
            "request_id": request.id,
            "item_id": item.id,
            "amount": item.amount,
            "before": before,
            "after": {"hold": hold, "reason": text},
        },
    )
    db.commit()
    return Ok(item.version)


def set_hold(
    db: Session,
    *,
    session: DetailSession,
    clock: Clock,
    item_id: int,
    version: int,
    reason: str,
    ip: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[int] | Err | Invalid:
    """RK-8: stop one request line from the まとめ入金 (入金中止) with its 不能理由.

    Allowed while the request is 依頼受信 and its deadline has not passed (A.4). Returns the
    line's new version. Err: E-CYCLE-ITEM-NOT-FOUND (not the session's contract or group),
    E-CYCLE-CONFLICT (``version`` is stale), E-CYCLE-HOLD-ENDED (a 解約 line), the transition
    refusals of ``deduction_cycle.transition``; ``Invalid`` for the reason (E-FIELD-REQUIRED,
    E-HOLD-REASON-FORMAT). Logged as ``rokin.remit.hold``.
    """
    return _change_hold(
        db,
        session=session,
        clock=clock,
        item_id=item_id,
        version=version,
        reason=reason,
        hold=True,
        ip=ip,
        rules=rules,
    )


def clear_hold(
    db: Session,
    *,
    session: DetailSession,
    clock: Clock,
    item_id: int,
    version: int,
    ip: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[int] | Err | Invalid:
    """RK-8: put a stopped line back into the まとめ入金 (入金中止の解除). As ``set_hold``;
    E-CYCLE-NOT-HELD when the line is not stopped. Logged as ``rokin.remit.hold_clear``."""
    return _change_hold(
        db,
        session=session,
        clock=clock,
        item_id=item_id,
        version=version,
        reason=None,
        hold=False,
        ip=ip,
        rules=rules,
    )


def _confirm_or_undo(
    db: Session,
    *,
    session: DetailSession,
    clock: Clock,
    request_id: int,
    version: int,
    ip: str | None,
    rules: cyc.CycleRules,
    undo: bool,
) -> Ok[RequestView] | Err:
    action = ACTION_UNDO if undo else ACTION_CONFIRM
    now = clock.now()

    def refuse(err: Err, target: str | None = None) -> Err:
        out = _refuse_user(
            db,
            err,
            session=session,
            now=now,
            action=action,
            screen=_SCREEN_CONFIRM,
            ip=ip,
            target=target,
        )
        assert isinstance(out, Err)
        return out

    found = _locked_request(db, session, request_id)
    if found is None:
        return refuse(Err("E-CYCLE-NOT-FOUND"))
    request, contract_no = found
    group = db.get(PaymentGroup, request.payment_group_id)
    assert group is not None and request.id is not None
    target = _key_text(group.number, request.deduct_month, request.pay_kind)
    if request.version != version:
        return refuse(Err("E-CYCLE-CONFLICT"), target)
    facts = [_facts(i) for i in _items(db, request.id)]
    step = cyc.transition(
        request.status,
        cyc.CycleAction.UNDO if undo else cyc.CycleAction.CONFIRM,
        now=now,
        deadline=request.deadline,
        rules=rules,
        items=facts,
    )
    if isinstance(step, Err):
        return refuse(step, target)
    request.status = step.value.value
    request.confirmed_at = None if undo else now
    request.confirmed_by = None if undo else session.user_id[:40]
    db.add(request)
    try:
        db.flush()
    except StaleDataError:
        return refuse(Err("E-CYCLE-CONFLICT"), target)
    sums = cyc.totals(facts)
    oplog.user_success(
        db,
        contract_no=contract_no,
        at=now,
        actor=session.user_id,
        action=action,
        ip=ip,
        target=target,
        screen=_SCREEN_CONFIRM,
        detail={
            "request_id": request.id,
            "requested_amount": sums.requested_amount,
            "held_amount": sums.held_amount,
            "remittance_amount": sums.remittance_amount,
        },
    )
    view = _view(db, request, group)
    db.commit()
    return Ok(view)


def confirm(
    db: Session,
    *,
    session: DetailSession,
    clock: Clock,
    request_id: int,
    version: int,
    ip: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[RequestView] | Err:
    """RK-9 まとめ入金確定: refused unless 依頼受信, before the deadline, and no 明細エラー line
    is left without 入金中止 (``deduction_cycle`` docstring). ``version`` is the request's
    version the screen showed (every hold change moves it): E-CYCLE-CONFLICT when stale.
    Returns the confirmed request with its totals (まとめ入金依頼書). Logged."""
    return _confirm_or_undo(
        db,
        session=session,
        clock=clock,
        request_id=request_id,
        version=version,
        ip=ip,
        rules=rules,
        undo=False,
    )


def undo_confirmation(
    db: Session,
    *,
    session: DetailSession,
    clock: Clock,
    request_id: int,
    version: int,
    ip: str | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> Ok[RequestView] | Err:
    """RK-9 確定解除: back to 依頼受信, allowed until the end of the deadline day (JST).
    E-CYCLE-NOT-CONFIRMED, E-CYCLE-UNDO-DEADLINE, E-CYCLE-CLOSED, E-CYCLE-CONFLICT. Logged."""
    return _confirm_or_undo(
        db,
        session=session,
        clock=clock,
        request_id=request_id,
        version=version,
        ip=ip,
        rules=rules,
        undo=True,
    )


# ---------------------------------------------------------------------------- results


@dataclass
class _ResultRow:
    row: int
    group_no: str
    month: str
    kind: cyc.PayKind
    staff_no: str
    account_no: str
    product_code: str
    amount: int
    code: str
    reason: str | None
    bank_kana: str
    paid: date | None


def _parse_result_row(row_no: int, cells: Sequence[str]) -> _ResultRow | list[Err]:
    errors: list[Err] = []

    def bad(name: str) -> None:
        errors.append(
            Err(
                "E-RESULTS-VALUE",
                name,
                {"row": row_no, "column": _COL[name] + 1, "label": name, "rule": _RULES[name]},
            )
        )

    def cell(name: str) -> str:
        return cells[_COL[name]].strip()

    group_no = cell("入金グループ")
    if _GROUP_RE.fullmatch(group_no) is None:
        bad("入金グループ")
    month = cyc.check_month(cell("控除年月"))
    if isinstance(month, Err):
        bad("控除年月")
    kind = _PAY_KIND_TEXT.get(cell("支給区分"))
    if kind is None:
        bad("支給区分")
    staff_no = cell("職員番号")
    if _STAFF_NO_RE.fullmatch(staff_no) is None:
        bad("職員番号")
    account_no = cell("口座番号")
    if _ACCOUNT_RE.fullmatch(account_no) is None:
        bad("口座番号")
    product = cell("商品コード")
    if _PRODUCT_RE.fullmatch(product) is None:
        bad("商品コード")
    amount_text = cell("控除額")
    if _AMOUNT_RE.fullmatch(amount_text) is None:
        bad("控除額")
    code = cell("結果コード")
    if code not in RESULT_CODES:
        bad("結果コード")
    reason = cell("不能理由") or None
    if reason is not None and (code == "0" or len(reason) > _REASON_MAX):
        bad("不能理由")
    kana = check_name_kana(cell("金庫登録カナ"), max_bytes=_KANA_MAX_BYTES)
    if isinstance(kana, Err):
        bad("金庫登録カナ")
    paid_text = cell("入金日")
    paid: date | None = None
    if paid_text:
        try:
            if _DATE_RE.fullmatch(paid_text) is None:
                raise ValueError(paid_text)
            paid = date.fromisoformat(paid_text)
        except ValueError:
            bad("入金日")
    elif code == "0":
        bad("入金日")
    if errors:
        return errors
    assert not isinstance(month, Err) and kind is not None and isinstance(kana, Ok)
    return _ResultRow(
        row=row_no,
        group_no=group_no,
        month=month.value,
        kind=kind,
        staff_no=staff_no,
        account_no=account_no,
        product_code=product,
        amount=int(amount_text),
        code=code,
        reason=reason,
        bank_kana=kana.value,
        paid=paid,
    )


def load_results(
    db: Session,
    *,
    contract_id: int,
    data: bytes,
    actor: str,
    clock: Clock,
    ticket: str | None = None,
    max_errors: int = 100,
) -> Ok[ResultsLoaded] | Invalid:
    """``chingin bank load-results``: store the bank's 控除結果 file (RK-11; A.4 結果受信;
    README "控除結果ファイル").

    All or nothing: ``Invalid`` lists every problem (``row``/``column`` from 1, the header is
    row 1) and nothing is stored; E-CSV-* for the file itself, E-RESULTS-* per row, E-RESULTS-
    MISSING per request that lacks lines. Each request named must be まとめ入金確定済; a held
    line must be 不能; a 済 line's amount is the requested amount, a 不能 line's 0. On success
    every named request moves to 結果受信済, with one log entry each.
    """
    who = oplog.operator_actor(actor)
    now = clock.now()
    contract_no = _contract_no(db, contract_id)

    def refuse(errors: Sequence[Err]) -> Invalid:
        oplog.operator_refusal(
            db,
            at=now,
            actor=who,
            action=ACTION_LOAD_RESULTS,
            target=contract_no or f"contract_id:{contract_id}",
            ticket=ticket,
            detail={"codes": sorted({e.code for e in errors}), "count": len(errors)},
        )
        return Invalid(tuple(errors[:max_errors]))

    if contract_no is None:
        return refuse([Err("E-CONTRACT-NOT-FOUND", "contract_no")])
    table = read_csv(
        data,
        expected_header=RESULTS_HEADER,
        free_text_columns=_FREE_TEXT_COLUMNS,
        max_errors=max_errors,
    )
    if isinstance(table, Invalid):
        return refuse(list(table.errors))
    if not table.value.rows:
        return refuse([Err("E-CSV-EMPTY")])
    errors: list[Err] = []
    parsed: list[_ResultRow] = []
    row_no = 1
    for cells in table.value.rows:
        row_no += 1
        got = _parse_result_row(row_no, cells)
        if isinstance(got, list):
            errors.extend(got)
        else:
            parsed.append(got)

    groups = {g.number: g for g in _groups(db, contract_id).values()}
    requests: dict[tuple[str, str, str], DeductionRequest | None] = {}
    matched: dict[int, _ResultRow] = {}  # request item id → its row
    item_index: dict[int, dict[tuple[str, str, str], list[DeductionRequestItem]]] = {}
    for res in parsed:
        key = (res.group_no, res.month, res.kind.value)
        params = {
            "row": res.row,
            "group": res.group_no,
            "month": res.month,
            "pay_kind": res.kind.label,
        }
        if key not in requests:
            group = groups.get(res.group_no)
            request = (
                None
                if group is None
                else db.exec(
                    select(DeductionRequest)
                    .where(
                        DeductionRequest.contract_id == contract_id,
                        DeductionRequest.payment_group_id == group.id,
                        DeductionRequest.deduct_month == res.month,
                        DeductionRequest.pay_kind == res.kind.value,
                    )
                    .with_for_update()
                ).first()
            )
            requests[key] = request
            if request is not None:
                step = cyc.transition(
                    request.status, cyc.CycleAction.LOAD_RESULTS, now=now, deadline=request.deadline
                )
                if isinstance(step, Err):
                    errors.append(
                        Err(
                            "E-RESULTS-REQUEST-STATE",
                            None,
                            {**params, "state": cyc.CycleStatus(request.status).label},
                        )
                    )
                assert request.id is not None
                index: dict[tuple[str, str, str], list[DeductionRequestItem]] = defaultdict(list)
                for item in _items(db, request.id):
                    if item.change_kind != cyc.ChangeKind.ENDED.value:
                        index[(item.staff_no, item.account_no, item.product_code)].append(item)
                item_index[request.id] = index
            else:
                errors.append(Err("E-RESULTS-NO-REQUEST", None, params))
        request = requests[key]
        if request is None or request.id is None:
            continue
        candidates = item_index[request.id].get((res.staff_no, res.account_no, res.product_code))
        if not candidates:
            errors.append(
                Err(
                    "E-RESULTS-NO-ITEM",
                    None,
                    {
                        "row": res.row,
                        "staff_no": res.staff_no,
                        "account_no": res.account_no,
                        "product_code": res.product_code,
                    },
                )
            )
            continue
        free = [c for c in candidates if c.id not in matched]
        if not free:
            first = min(matched[c.id].row for c in candidates if c.id is not None)
            errors.append(Err("E-RESULTS-DUPLICATE", None, {"row": res.row, "first": first}))
            continue
        item = free[0]
        assert item.id is not None
        matched[item.id] = res
        if res.code == "0":
            if item.hold:
                errors.append(Err("E-RESULTS-HELD-DEDUCTED", "結果コード", {"row": res.row}))
            elif res.amount != item.amount:
                errors.append(
                    Err(
                        "E-RESULTS-AMOUNT",
                        "控除額",
                        {
                            "row": res.row,
                            "requested": f"{item.amount:,}",
                            "amount": f"{res.amount:,}",
                        },
                    )
                )
        elif res.amount != 0:
            errors.append(Err("E-RESULTS-AMOUNT-NOT-DEDUCTED", "控除額", {"row": res.row}))

    for (group_no, month, kind), request in requests.items():
        if request is None or request.id is None:
            continue
        missing = [
            item
            for items in item_index[request.id].values()
            for item in items
            if item.id not in matched
        ]
        if missing:
            missing.sort(key=lambda i: i.staff_no)
            errors.append(
                Err(
                    "E-RESULTS-MISSING",
                    None,
                    {
                        "group": group_no,
                        "month": month,
                        "pay_kind": cyc.PayKind(kind).label,
                        "count": len(missing),
                        "staff_no": missing[0].staff_no,
                    },
                )
            )
    if errors:
        errors.sort(key=lambda e: int(e.params.get("row", 10**9)))
        return refuse(errors)

    summary: list[tuple[str, str, str, int, int, int]] = []
    for (group_no, month, kind), request in requests.items():
        assert request is not None and request.id is not None
        deducted = not_deducted = mismatches = 0
        for items in item_index[request.id].values():
            for item in items:
                assert item.id is not None
                res = matched[item.id]
                ok = res.code == "0"
                deducted += ok
                not_deducted += not ok
                mismatches += normalise_kana(item.name_kana) != normalise_kana(res.bank_kana)
                db.add(
                    DeductionResultItem(
                        contract_id=contract_id,
                        request_id=request.id,
                        request_item_id=item.id,
                        deducted_amount=res.amount,
                        result=(ResultKind.DEDUCTED if ok else ResultKind.NOT_DEDUCTED).value,
                        result_code=res.code,
                        reason=None
                        if ok
                        else (res.reason or item.hold_reason or RESULT_CODES[res.code]),
                        bank_name_kana=res.bank_kana,
                        paid_date=res.paid,
                        loaded_at=now,
                    )
                )
        request.status = RequestStatus.RESULTS.value
        request.results_received_at = now
        db.add(request)
        summary.append((group_no, month, kind, deducted, not_deducted, mismatches))
        oplog.operator_success(
            db,
            contract_no=contract_no,
            at=now,
            actor=who,
            action=ACTION_LOAD_RESULTS,
            target=_key_text(group_no, month, kind),
            ticket=ticket,
            detail={
                "request_id": request.id,
                "deducted": deducted,
                "not_deducted": not_deducted,
                "kana_mismatch": mismatches,
            },
        )
    db.flush()
    db.commit()
    return Ok(ResultsLoaded(tuple(summary)))


def results_csv(rows: Iterable[Sequence[object]]) -> bytes:
    """A results file in the format ``load_results`` reads (CP932, CRLF, header): for the
    demo, tests and the README's example."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESULTS_HEADER)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return buffer.getvalue().encode("cp932")


# ---------------------------------------------------------------------------- queries


def list_requests(
    db: Session,
    *,
    contract_id: int,
    payment_group_id: int | None = None,
    cycles: int | None = KEEP_CYCLES + 1,
) -> list[RequestView]:
    """The contract's requests, newest 控除年月 first (RK-4, RK-9, RK-11 request choice).
    ``cycles`` keeps the latest N months (A.4 "lists keep the last cycles"); None = all."""
    groups = _groups(db, contract_id)
    query = select(DeductionRequest).where(DeductionRequest.contract_id == contract_id)
    if payment_group_id is not None:
        query = query.where(DeductionRequest.payment_group_id == payment_group_id)
    rows = db.exec(
        query.order_by(
            col(DeductionRequest.deduct_month).desc(),
            col(DeductionRequest.payment_group_id),
            col(DeductionRequest.pay_kind),
        )
    ).all()
    if cycles is not None:
        months = sorted({r.deduct_month for r in rows}, reverse=True)[:cycles]
        rows = [r for r in rows if r.deduct_month in months]
    return [_view(db, r, groups[r.payment_group_id]) for r in rows]


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


def latest_received(
    db: Session, *, contract_id: int, payment_group_id: int | None = None
) -> RequestView | None:
    """The most recently received request (R-INFO-1 最新受信情報), of a group or any."""
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
    return _view(db, request, group)


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
        query = query.where(col(DeductionRequestItem.change_kind) != cyc.ChangeKind.CONTINUED.value)
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
            col(DeductionRequestItem.department),
            col(DeductionRequestItem.staff_no),
            col(DeductionRequestItem.product_code),
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


def _difference(ledger: str, bank: str) -> str | None:
    a, b = normalise_kana(ledger), normalise_kana(bank)
    if a == b:
        return None
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"{index + 1}文字目から異なる"
    return "文字数が異なる"


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
            col(DeductionRequestItem.department),
            col(DeductionRequestItem.staff_no),
            col(DeductionRequestItem.product_code),
            col(DeductionRequestItem.id),
        )
    )
    if which == "not_deducted":
        query = query.where(DeductionResultItem.result == ResultKind.NOT_DEDUCTED.value)
    elif which not in ("all", "kana_mismatch"):
        raise ValueError(f"unknown list {which!r}")
    out: list[ResultLine] = []
    for item, res in db.exec(query).all():
        diff = _difference(item.name_kana, res.bank_name_kana)
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
                DeductionRequest.pay_kind == cyc.PayKind.MONTHLY.value,
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


# ---------------------------------------------------------------------------- demo


@dataclass(frozen=True)
class _DemoUser:
    """The organisation's side of the demo history (DetailSession's shape)."""

    contract_no: str
    user_id: str = "demo"
    group_no: str | None = None


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=JST)


def _demo_results_rows(
    db: Session,
    request: DeductionRequest,
    group_no: str,
    rng: random.Random,
    bank_kana: Mapping[str, str],
) -> list[list[object]]:
    assert request.id is not None
    rows: list[list[object]] = []
    kind_text = cyc.PayKind(request.pay_kind).label
    for item in _items(db, request.id):
        if item.change_kind == cyc.ChangeKind.ENDED.value:
            continue
        kana = item.name_kana if isinstance(check_name_kana(item.name_kana), Ok) else "ｶﾅ ﾌﾒｲ"
        # The bank may know someone under another kana (カナ氏名不一致, A.1).
        kana = bank_kana.get(item.staff_no, kana)
        if item.hold:
            rows.append(
                [
                    group_no,
                    request.deduct_month,
                    kind_text,
                    item.staff_no,
                    item.account_no,
                    item.product_code,
                    0,
                    "9",
                    item.hold_reason or "",
                    kana,
                    "",
                ]
            )
        elif rng.random() < 0.005:
            rows.append(
                [
                    group_no,
                    request.deduct_month,
                    kind_text,
                    item.staff_no,
                    item.account_no,
                    item.product_code,
                    0,
                    "2",
                    "",
                    kana,
                    "",
                ]
            )
        else:
            rows.append(
                [
                    group_no,
                    request.deduct_month,
                    kind_text,
                    item.staff_no,
                    item.account_no,
                    item.product_code,
                    item.amount,
                    "0",
                    "",
                    kana,
                    request.remittance_date.isoformat(),
                ]
            )
    return rows


def load_demo_history(
    db: Session,
    *,
    contract_id: int,
    today: date,
    bank_kana: Mapping[str, str] | None = None,
    rules: cyc.CycleRules = cyc.DEFAULT_RULES,
) -> int:
    """The demo organisation's cycles (``chingin demo``): three past 月例 cycles of every
    payment group — published, some 入金中止 (every error line and a few others), confirmed,
    results with a few 控除不能 and カナ氏名不一致 — and the current cycle's request, 依頼受信.
    ``bank_kana`` maps 職員番号 to the kana the bank has registered where it differs (the
    demo organisation's ``DEMO_BANK_KANA``). Deterministic; does nothing when the contract
    already has requests. Returns the number of requests made."""
    if db.exec(
        select(DeductionRequest.id).where(DeductionRequest.contract_id == contract_id)
    ).first():
        return 0
    contract_no = _contract_no(db, contract_id)
    if contract_no is None:
        raise ValueError(f"no contract {contract_id}")
    closed = _closed_days(db)
    current = cyc.month_of(today)
    if cyc.cycle_dates(current, rules=rules, extra_closed=closed).deadline < today:
        current = cyc.month_add(current, 1)
    groups = _groups(db, contract_id)
    rng = random.Random(20260401)
    made = 0
    for back in (3, 2, 1, 0):
        month = cyc.month_add(current, -back)
        dates = cyc.cycle_dates(month, rules=rules, extra_closed=closed)
        # The current request is published no later than today (it is 依頼受信 now).
        clock = MovableClock(_at(min(dates.request_date, today), 9))
        published = publish_request(
            db, contract_id=contract_id, deduct_month=month, actor="operator:demo", clock=clock
        )
        if isinstance(published, Err):
            continue
        made += len(published.value)
        if back == 0:
            continue
        for pub in published.value:
            group = groups[db.get(DeductionRequest, pub.request_id).payment_group_id]  # type: ignore[union-attr]
            user = _DemoUser(contract_no=contract_no, group_no=group.number)
            clock.set(_at(dates.deduction_date, 17))
            for item in _items(db, pub.request_id):
                if item.change_kind == cyc.ChangeKind.ENDED.value or item.id is None:
                    continue
                if item.error_text or rng.random() < 0.02:
                    reason = "給与不足" if item.error_text else rng.choice(cyc.HOLD_REASONS)
                    set_hold(
                        db,
                        session=user,
                        clock=clock,
                        item_id=item.id,
                        version=item.version,
                        reason=reason,
                        rules=rules,
                    )
            request = db.get(DeductionRequest, pub.request_id)
            assert request is not None
            db.refresh(request)
            confirm(
                db,
                session=user,
                clock=clock,
                request_id=pub.request_id,
                version=request.version,
                rules=rules,
            )
            db.refresh(request)
            rows = _demo_results_rows(db, request, group.number, rng, bank_kana or {})
            data = results_csv(rows)
            clock.set(_at(dates.remittance_date + timedelta(days=1), 10))
            loaded = load_results(
                db, contract_id=contract_id, data=data, actor="operator:demo", clock=clock
            )
            if isinstance(loaded, Invalid):
                raise RuntimeError(f"demo results refused: {[e.code for e in loaded.errors][:5]}")
    return made


def information_panel(
    db: Session, *, contract_no: str, group_no: str | None, today: date
) -> tuple[Schedule | None, RequestView | None]:
    """The information screen's 労金控除 schedule of the selected payment group and its latest
    received request (R-INFO-1); (None, None) when the contract lacks 労金控除 or no group is
    chosen. Scoped by the session's contract. Read-only."""
    contract = db.exec(select(Contract).where(Contract.contract_no == contract_no)).first()
    if contract is None or contract.id is None or "rokin" not in contract.service_list():
        return None, None
    group = db.exec(select(PaymentGroup).where(
        PaymentGroup.contract_id == contract.id, PaymentGroup.number == (group_no or "")
    )).first()
    if group is None or group.id is None:
        return None, None
    return (
        schedule(db, contract_id=contract.id, payment_group_id=group.id, today=today),
        latest_received(db, contract_id=contract.id, payment_group_id=group.id),
    )
