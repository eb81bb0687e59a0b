"""The demo organisation's past cycles (``chingin demo``)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import JST, MovableClock
from chingin_app.domain.kana import check_name_kana
from chingin_app.domain.line_kinds import ChangeKind, PayKind
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    DeductionRequest,
)
from chingin_app.services.rokin.cycle.common import _closed_days, _contract_no, _groups, _items
from chingin_app.services.rokin.cycle.publishing import publish_request
from chingin_app.services.rokin.cycle.remittance import confirm, set_hold
from chingin_app.services.rokin.cycle.results import load_results, results_csv


@dataclass(frozen=True)
class _DemoUser:
    """The organisation's side of the demo history (TenantSession's shape)."""

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
    kind_text = PayKind(request.pay_kind).label
    for item in _items(db, request.id):
        if item.change_kind == ChangeKind.ENDED.value:
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
            db, contract_no=contract_no, deduct_month=month, actor="operator:demo", clock=clock
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
                if item.change_kind == ChangeKind.ENDED.value or item.id is None:
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
                db, contract_no=contract_no, data=data, actor="operator:demo", clock=clock
            )
            if isinstance(loaded, Invalid):
                raise RuntimeError(f"demo results refused: {[e.code for e in loaded.errors][:5]}")
    return made
