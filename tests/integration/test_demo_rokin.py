"""The 労金控除 demo organisation (issue 5 "a demo organisation with about 300 employees,
several products, two payment groups", SPEC §11 RK-1, A.1): size and shape, valid bank kana,
deterministic and idempotent, and loaded by ``chingin demo`` (``runtime.demo.load_demo``)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from chingin_app.db import session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.kana import check_name_kana, kana_mismatch
from chingin_app.domain.result import Ok
from chingin_app.domain.validation import check_user_name, cp932_unholdable
from chingin_app.models import (
    Contract,
    DeductionDetail,
    DeductionDetailHistory,
    Employee,
    PaymentGroup,
    RokinProduct,
)
from chingin_app.runtime import demo
from chingin_app.runtime.demo_rokin import (
    DEMO_BANK_KANA,
    DemoOrganisation,
    demo_contract_id,
    load_demo_organisation,
)
from tests import factories

TODAY = date(2026, 4, 1)


def _contract(db: Session) -> Contract:
    return factories.make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))


def _count(db: Session, model: Any, contract_id: int) -> int:
    return int(
        db.execute(
            select(func.count()).select_from(model).where(model.contract_id == contract_id)
        ).scalar_one()
    )


def _fingerprint(db: Session, contract_id: int) -> list[tuple[object, ...]]:
    """Everything a load wrote, without ids (another contract gets other ids)."""
    rows = db.exec(
        select(DeductionDetail, Employee, RokinProduct, PaymentGroup.number)
        .join(Employee, col(Employee.id) == col(DeductionDetail.employee_id))
        .join(RokinProduct, col(RokinProduct.id) == col(DeductionDetail.product_id))
        .join(PaymentGroup, col(PaymentGroup.id) == col(DeductionDetail.payment_group_id))
        .where(DeductionDetail.contract_id == contract_id)
        .order_by(col(Employee.staff_no), col(DeductionDetail.account_no))
    ).all()
    return [
        (g, e.staff_no, e.name_kana, e.name_kanji, e.department, p.code, d.account_no,
         d.monthly_amount, d.bonus_amount, d.start_month, d.end_month, d.remaining_count,
         d.status, d.created_at)
        for d, e, p, g in rows
    ]


def test_rk_1_demo_organisation_has_300_employees_in_two_groups(db: Session) -> None:
    """About 300 employees over both groups, six products (savings and loans), about 450
    details with ended, cancelled and loan rows, and a history row for every change."""
    contract = _contract(db)
    assert contract.id is not None
    loaded = load_demo_organisation(db, contract.id, TODAY)
    assert loaded.employees == _count(db, Employee, contract.id) == 300
    assert loaded.products == _count(db, RokinProduct, contract.id) == 6
    assert 400 <= loaded.details == _count(db, DeductionDetail, contract.id) <= 520
    assert loaded.history == _count(db, DeductionDetailHistory, contract.id) > loaded.details
    per_group = Counter(
        db.exec(
            select(PaymentGroup.number)
            .join(Employee, col(Employee.payment_group_id) == col(PaymentGroup.id))
            .where(Employee.contract_id == contract.id)
        ).all()
    )
    assert per_group == {"001": 180, "002": 120}
    details = db.exec(
        select(DeductionDetail).where(DeductionDetail.contract_id == contract.id)
    ).all()
    states = Counter(d.status for d in details)
    assert 5 <= states["cancelled"] <= 60
    assert sum(1 for d in details if d.end_month is not None and d.end_month < "2026-04") >= 5
    loans = [d for d in details if d.remaining_count is not None]
    assert len(loans) >= 20 and all(d.end_month is not None for d in loans)
    assert all(d.end_month is None or d.start_month <= d.end_month for d in details)
    assert all(d.monthly_amount > 0 for d in details)
    cancelled_history = db.exec(
        select(func.count())
        .select_from(DeductionDetailHistory)
        .where(DeductionDetailHistory.contract_id == contract.id,
               DeductionDetailHistory.action == "解除")
    ).one()
    assert cancelled_history == states["cancelled"]


def test_r_plus_2_demo_names_are_valid_bank_kana_and_cp932(db: Session) -> None:
    """Every カナ氏名 passes the bank-kana rule unchanged (A.1), including names with small
    kana and long vowels; kanji names and departments are CP932 text; the employees listed in
    DEMO_BANK_KANA exist and the bank's kana differs from ours (カナ氏名不一致)."""
    contract = _contract(db)
    assert contract.id is not None
    load_demo_organisation(db, contract.id, TODAY)
    employees = {
        e.staff_no: e
        for e in db.exec(select(Employee).where(Employee.contract_id == contract.id))
    }
    for e in employees.values():
        assert check_name_kana(e.name_kana, max_bytes=30) == Ok(e.name_kana)
        assert cp932_unholdable(e.name_kanji + e.department) == []
        assert check_user_name(e.name_kanji) is None  # full-width, at most 20 characters
        assert e.staff_no.startswith("00")  # leading zeros kept as text
    kana = {e.name_kana for e in employees.values()}
    assert any("-" in k for k in kana)  # a long vowel (ｼﾞﾖ-ｼﾞ, ﾏﾘ-)
    assert any("ｷﾖｳｺ" in k or "ｼﾖｳ" in k or "ﾘﾕｳ" in k for k in kana)  # small kana enlarged
    for staff_no, bank_kana in DEMO_BANK_KANA.items():
        assert kana_mismatch(employees[staff_no].name_kana, bank_kana)
        assert check_name_kana(bank_kana) == Ok(bank_kana)


def test_rk_1_demo_is_deterministic_and_idempotent(db: Session) -> None:
    """Two contracts loaded on the same day get the same organisation; loading again changes
    nothing."""
    first = _contract(db)
    second = _contract(db)
    assert first.id is not None and second.id is not None
    load_demo_organisation(db, first.id, TODAY)
    load_demo_organisation(db, second.id, TODAY)
    assert _fingerprint(db, first.id) == _fingerprint(db, second.id)
    before = _fingerprint(db, first.id)
    history = _count(db, DeductionDetailHistory, first.id)
    assert load_demo_organisation(db, first.id, TODAY) == DemoOrganisation(0, 0, 0, 0)
    assert _fingerprint(db, first.id) == before
    assert _count(db, DeductionDetailHistory, first.id) == history


def test_rk_1_chingin_demo_loads_the_organisation_once(
    app_env: Path, clock: MovableClock
) -> None:
    """``chingin demo`` (``load_demo``) creates the demo contract with its organisation; a
    second start leaves the organisation as it is."""
    demo.load_demo(clock=clock)
    with session_scope(read_only=True) as db:
        contract_id = demo_contract_id(db, demo.DEMO_CONTRACT_NO)
        assert contract_id is not None
        employees = _count(db, Employee, contract_id)
        details = _fingerprint(db, contract_id)
    # 300 of the organisation and the ledger's five-digit part-timer (DEMO_PART_TIMER).
    assert employees == 301
    demo.load_demo(clock=clock)
    with session_scope(read_only=True) as db:
        assert _count(db, Employee, contract_id) == 301
        assert _fingerprint(db, contract_id) == details
