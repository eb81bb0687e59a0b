"""The monthly deduction cycle on a real database (SQLite and PostgreSQL): publishing a request
from the details (RK-4 lists: changes, errors, counter changes), 入金中止 (RK-8), まとめ入金確定
and its undo until the deadline (RK-9), loading the results file all-or-nothing (RK-11 lists),
the information screen's schedule (R-INFO-1) and tenant isolation (R-SEC-1)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from chingin_app.domain.clock import JST, MovableClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    DeductionDetailHistory,
    DeductionRequest,
    DeductionRequestItem,
    DeductionResultItem,
    OperationLog,
    PaymentGroup,
)
from chingin_app.services import oplog
from chingin_app.services.rokin import cycle as rc
from chingin_app.services.tenant import resolve_scope
from tests.factories import (
    make_contract,
    make_deduction_detail,
    make_employee,
    make_rokin_product,
)


@dataclass(frozen=True)
class FakeSession:
    """The signed-in user as the services see it (``sessions.SessionInfo``'s fields)."""

    contract_no: str
    user_id: str = "master01"
    group_no: str | None = "001"


@dataclass
class Org:
    contract: Any
    details: dict[str, Any]
    session: FakeSession

    @property
    def id(self) -> int:
        assert self.contract.id is not None
        return int(self.contract.id)

    @property
    def no(self) -> str:
        return str(self.contract.contract_no)


def _org(db: Session) -> Org:
    """Two groups; in 001: clean lines, a kana error, a loan at 残回数 0, a bonus-only detail,
    an ended, a cancelled and a future detail; in 002: one line."""
    contract = make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    savings = make_rokin_product(db, contract, code="0001", name="普通預金")
    loan = make_rokin_product(db, contract, code="0005", name="ローン返済", kind="loan")
    e1 = make_employee(db, contract, staff_no="000001", name_kana="ﾛｳｷﾝ ﾀﾛｳ")
    e2 = make_employee(db, contract, staff_no="000002", name_kana="ｷﾕｳﾖ ｲﾁﾛｳ", department="営業部")
    e3 = make_employee(db, contract, staff_no="000003", name_kana="ﾛｳｷﾝ 花子")  # not bank kana
    e4 = make_employee(db, contract, staff_no="000004", name_kana="ｶｼﾂｹ ｼﾞﾛｳ")
    e5 = make_employee(db, contract, staff_no="000005", group_no="002", name_kana="ｵｵｻｶ ｻﾌﾞﾛｳ")
    details = {
        "a": make_deduction_detail(
            db, e1, savings, account_no="1000001", monthly_amount=10_000, bonus_amount=50_000
        ),
        "b": make_deduction_detail(db, e2, savings, account_no="1000002", monthly_amount=5_000),
        "c": make_deduction_detail(db, e3, savings, account_no="1000003", monthly_amount=3_000),
        "d": make_deduction_detail(
            db, e4, loan, account_no="2000004", monthly_amount=20_000, remaining_count=0
        ),
        "bonus_only": make_deduction_detail(
            db, e4, savings, account_no="1000044", monthly_amount=0, bonus_amount=30_000
        ),
        "ended": make_deduction_detail(
            db,
            e1,
            loan,
            account_no="2000001",
            monthly_amount=7_000,
            end_month="2026-02",
            remaining_count=3,
        ),
        "cancelled": make_deduction_detail(
            db, e2, loan, account_no="2000002", monthly_amount=9_000, status="cancelled"
        ),
        "future": make_deduction_detail(
            db, e2, savings, account_no="1000009", monthly_amount=1_000, start_month="2026-06"
        ),
        "osaka": make_deduction_detail(db, e5, savings, account_no="3000005", monthly_amount=8_000),
    }
    return Org(contract, details, FakeSession(contract.contract_no))


@pytest.fixture
def org(db: Session) -> Org:
    return _org(db)


def _publish(db: Session, org: Org, month: str, clock: MovableClock, **kw: Any) -> Any:
    return rc.publish_request(
        db, contract_no=org.no, deduct_month=month, actor="op1", clock=clock, **kw
    )


def _request(
    db: Session, org: Org, month: str, group_no: str = "001", kind: str = "monthly"
) -> DeductionRequest:
    row = db.exec(
        select(DeductionRequest)
        .join(PaymentGroup, col(PaymentGroup.id) == col(DeductionRequest.payment_group_id))
        .where(
            DeductionRequest.contract_id == org.id,
            PaymentGroup.number == group_no,
            DeductionRequest.deduct_month == month,
            DeductionRequest.pay_kind == kind,
        )
        .execution_options(populate_existing=True)
    ).one()
    return row


def _lines(db: Session, org: Org, request_id: int, which: rc.LineKind = "all") -> dict[str, Any]:
    return {
        f"{ln.staff_no}:{ln.account_no}": ln
        for ln in rc.request_lines(db, contract_id=org.id, request_id=request_id, which=which)
    }


def _log_actions(db: Session, contract_no: str) -> list[tuple[str, str]]:
    rows = db.exec(
        select(OperationLog)
        .where(OperationLog.contract_no == contract_no)
        .order_by(col(OperationLog.seq))
    ).all()
    return [(r.action, r.result) for r in rows]


# ---------------------------------------------------------------------------- RK-4 publish


def test_rk4_publish_builds_lines_errors_and_dates(
    db: Session, org: Org, clock: MovableClock
) -> None:
    """A.4 依頼受信: the active details of the month become lines with their 明細エラー; ended,
    cancelled, future and bonus-only details stay out of a 月例 request; dates follow A.3."""
    got = _publish(db, org, "2026-04", clock, ticket="T-1")
    assert isinstance(got, Ok)
    by_group = {p.group_no: p for p in got.value}
    assert set(by_group) == {"001", "002"}
    pub = by_group["001"]
    assert pub.dates.deduction_date == date(2026, 4, 24)  # the 25th is a Saturday
    assert pub.dates.deadline == date(2026, 4, 28) and pub.dates.remittance_date == date(
        2026, 4, 30
    )
    lines = _lines(db, org, pub.request_id)
    assert set(lines) == {"000001:1000001", "000002:1000002", "000003:1000003", "000004:2000004"}
    assert lines["000001:1000001"].amount == 10_000
    assert lines["000003:1000003"].error_text == message("E-ITEM-KANA", char="花")
    assert lines["000004:2000004"].error_text == message("E-ITEM-REMAINING-ZERO")
    assert lines["000001:1000001"].error_text is None
    # First cycle: details started before this month are 継続.
    assert {ln.change_kind for ln in lines.values()} == {"継続"}
    assert (pub.totals.requested_count, pub.totals.requested_amount) == (4, 38_000)
    errors = _lines(db, org, pub.request_id, "errors")
    assert set(errors) == {"000003:1000003", "000004:2000004"}
    stored = _request(db, org, "2026-04")
    assert (stored.status, stored.deadline) == ("received", date(2026, 4, 28))
    assert ("rokin.request.publish", "success") in _log_actions(db, org.contract.contract_no)
    entry = db.exec(
        select(OperationLog).where(
            OperationLog.contract_no == org.contract.contract_no,
            OperationLog.action == "rokin.request.publish",
        )
    ).first()
    assert entry is not None and json.loads(entry.detail or "{}")["ticket"] == "T-1"


def test_rk4_bonus_request_takes_bonus_amounts(db: Session, org: Org, clock: MovableClock) -> None:
    """支給区分 一時金: only details with a bonus amount, at that amount."""
    got = _publish(db, org, "2026-06", clock, pay_kind="bonus", group_no="001")
    assert isinstance(got, Ok)
    lines = _lines(db, org, got.value[0].request_id)
    assert {k: ln.amount for k, ln in lines.items()} == {
        "000001:1000001": 50_000,
        "000004:1000044": 30_000,
    }
    assert got.value[0].dates.deduction_date == date(2026, 6, 10)


def test_rk4_change_kinds_and_counter_changes_since_last_month(
    db: Session, org: Org, clock: MovableClock
) -> None:
    """控除依頼異動分リスト (新規/変更/解約) and 窓口扱い控除依頼内容変更リスト: compared with the
    previous month's request; a change the bank made at the counter after it is listed."""
    assert isinstance(_publish(db, org, "2026-03", clock, group_no="001"), Ok)
    # Between the two requests: an amount change at the counter, a cancellation, a new detail.
    clock.advance(timedelta(days=1))
    b = org.details["b"]
    before = {"monthly_amount": b.monthly_amount, "account_no": b.account_no}
    b.monthly_amount = 6_000
    db.add(b)
    db.add(
        DeductionDetailHistory(
            contract_id=org.id,
            detail_id=b.id,
            changed_at=clock.now(),
            actor="bank",
            action="変更",
            before_json=json.dumps(before),
            after_json=json.dumps({**before, "monthly_amount": 6_000}),
        )
    )
    org.details["c"].status = "cancelled"
    db.add(org.details["c"])
    db.commit()
    e1 = org.details["a"]
    from chingin_app.models import Employee, RokinProduct

    employee = db.get(Employee, e1.employee_id)
    product = db.exec(
        select(RokinProduct).where(RokinProduct.contract_id == org.id, RokinProduct.code == "0001")
    ).one()
    make_deduction_detail(
        db, employee, product, account_no="1000077", monthly_amount=2_000, start_month="2026-04"
    )
    clock.advance(timedelta(days=1))
    got = _publish(db, org, "2026-04", clock, group_no="001")
    assert isinstance(got, Ok)
    pub = got.value[0]
    assert pub.ended_count == 1
    changes = _lines(db, org, pub.request_id, "changes")
    assert {k: ln.change_kind for k, ln in changes.items()} == {
        "000002:1000002": "変更",
        "000003:1000003": "解約",
        "000001:1000077": "新規",
    }
    assert changes["000003:1000003"].amount == 0
    # 解約 lines count in no total.
    assert (pub.totals.requested_count, pub.totals.requested_amount) == (
        4,
        10_000 + 6_000 + 20_000 + 2_000,
    )
    counter = _lines(db, org, pub.request_id, "counter")
    assert list(counter) == ["000002:1000002"]
    assert "窓口変更" in counter["000002:1000002"].counter_change
    assert "月例額 5000→6000" in counter["000002:1000002"].counter_change
    assert _lines(db, org, pub.request_id)["000001:1000001"].change_kind == "継続"


def test_rk4_second_publish_refused_unless_replace_and_never_after_confirmation(
    db: Session, org: Org, clock: MovableClock
) -> None:
    """A second publish of the same key is refused (nothing changed); ``--replace`` rebuilds a
    依頼受信 request keeping its holds; a confirmed request is never replaced."""
    first = _publish(db, org, "2026-04", clock, group_no="001")
    assert isinstance(first, Ok)
    request_id = first.value[0].request_id
    again = _publish(db, org, "2026-04", clock, group_no="001")
    assert isinstance(again, Err) and again.code == "E-CYCLE-EXISTS"
    assert "--replace" in message(again.code, **again.params)
    assert rc.count_request_lines(db, contract_id=org.id, request_id=request_id) == 4
    refusals = db.exec(
        select(OperationLog).where(
            OperationLog.chain == "system",
            OperationLog.action == "rokin.request.publish",
            OperationLog.target == "001:2026-04:monthly",
        )
    ).all()
    assert any(json.loads(r.detail or "{}").get("contract_no") == org.no for r in refusals)

    held = _lines(db, org, request_id)["000003:1000003"]
    assert isinstance(
        rc.set_hold(
            db,
            session=org.session,
            clock=clock,
            item_id=held.id,
            version=held.version,
            reason="退職",
        ),
        Ok,
    )
    org.details["a"].monthly_amount = 11_000
    db.add(org.details["a"])
    db.commit()
    replaced = _publish(db, org, "2026-04", clock, group_no="001", replace_existing=True)
    assert isinstance(replaced, Ok) and replaced.value[0].replaced
    assert replaced.value[0].request_id == request_id
    lines = _lines(db, org, request_id)
    assert lines["000001:1000001"].amount == 11_000
    assert lines["000003:1000003"].hold and lines["000003:1000003"].hold_reason == "退職"

    _hold_errors(db, org, request_id, clock)
    req = _request(db, org, "2026-04")
    assert isinstance(
        rc.confirm(
            db, session=org.session, clock=clock, request_id=request_id, version=req.version
        ),
        Ok,
    )
    refused = _publish(db, org, "2026-04", clock, group_no="001", replace_existing=True)
    assert isinstance(refused, Err) and refused.code == "E-CYCLE-REPLACE-CONFIRMED"
    assert _request(db, org, "2026-04").status == "confirmed"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"deduct_month": "2026-4"}, "E-MONTH-FORMAT"),
        ({"deduct_month": "2026-04", "pay_kind": "yearly"}, "E-PAY-KIND"),
        ({"deduct_month": "2026-04", "group_no": "009"}, "E-GROUP-NOT-FOUND"),
        ({"deduct_month": "2010-01"}, "E-CYCLE-NO-LINES"),
    ],
)
def test_rk4_publish_bad_input_changes_nothing(
    db: Session, org: Org, clock: MovableClock, kwargs: dict[str, Any], code: str
) -> None:
    """Bad input is refused with its code and logged; no request exists afterwards."""
    got = rc.publish_request(db, contract_no=org.no, actor="op1", clock=clock, **kwargs)
    assert isinstance(got, Err) and got.code == code
    message(got.code, **got.params)
    count = db.exec(
        select(func.count())
        .select_from(DeductionRequest)
        .where(DeductionRequest.contract_id == org.id)
    ).one()
    assert count == 0


# ---------------------------------------------------------------------------- RK-8 holds


def _hold_errors(db: Session, org: Org, request_id: int, clock: MovableClock) -> None:
    for line in rc.request_lines(db, contract_id=org.id, request_id=request_id, which="errors"):
        if not line.hold:
            got = rc.set_hold(
                db,
                session=org.session,
                clock=clock,
                item_id=line.id,
                version=line.version,
                reason="給与不足",
            )
            assert isinstance(got, Ok), got


def test_rk8_set_and_clear_hold_with_reason_and_locking(
    db: Session, org: Org, clock: MovableClock
) -> None:
    """RK-8 入金中止: needs a reason; a stale version is refused; clearing puts the line back;
    every change moves the request's version (a confirmation screen with old totals is stale)."""
    got = _publish(db, org, "2026-04", clock, group_no="001")
    assert isinstance(got, Ok)
    request_id = got.value[0].request_id
    line = _lines(db, org, request_id)["000002:1000002"]
    version_before = _request(db, org, "2026-04").version

    no_reason = rc.set_hold(
        db, session=org.session, clock=clock, item_id=line.id, version=line.version, reason="  "
    )
    assert isinstance(no_reason, Invalid)
    assert no_reason.errors[0].code == "E-FIELD-REQUIRED"
    assert not _lines(db, org, request_id)["000002:1000002"].hold

    ok = rc.set_hold(
        db,
        session=org.session,
        clock=clock,
        item_id=line.id,
        version=line.version,
        reason="休職・無給",
    )
    assert isinstance(ok, Ok) and ok.value == line.version + 1
    view = rc.get_request(db, contract_id=org.id, request_id=request_id)
    assert view is not None
    assert (view.totals.held_count, view.totals.held_amount) == (1, 5_000)
    assert view.totals.remittance_amount == 38_000 - 5_000
    assert view.version > version_before

    stale = rc.clear_hold(
        db, session=org.session, clock=clock, item_id=line.id, version=line.version
    )
    assert isinstance(stale, Err) and stale.code == "E-CYCLE-CONFLICT"
    assert _lines(db, org, request_id)["000002:1000002"].hold

    cleared = rc.clear_hold(db, session=org.session, clock=clock, item_id=line.id, version=ok.value)
    assert isinstance(cleared, Ok)
    again = rc.clear_hold(
        db, session=org.session, clock=clock, item_id=line.id, version=cleared.value
    )
    assert isinstance(again, Err) and again.code == "E-CYCLE-NOT-HELD"
    actions = _log_actions(db, org.contract.contract_no)
    assert ("rokin.remit.hold", "success") in actions
    assert ("rokin.remit.hold_clear", "success") in actions
    assert ("rokin.remit.hold_clear", "refused") in actions
    assert oplog.verify_chain(db, oplog.chain_for(org.contract.contract_no)) == []


def test_rk8_ended_lines_cannot_be_held(db: Session, org: Org, clock: MovableClock) -> None:
    """A 解約 line is informational: 入金中止 is refused."""
    assert isinstance(_publish(db, org, "2026-03", clock, group_no="001"), Ok)
    org.details["b"].status = "cancelled"
    db.add(org.details["b"])
    db.commit()
    got = _publish(db, org, "2026-04", clock, group_no="001")
    assert isinstance(got, Ok)
    ended = _lines(db, org, got.value[0].request_id)["000002:1000002"]
    assert ended.change_kind == "解約"
    refused = rc.set_hold(
        db, session=org.session, clock=clock, item_id=ended.id, version=ended.version, reason="退職"
    )
    assert isinstance(refused, Err) and refused.code == "E-CYCLE-HOLD-ENDED"


# ---------------------------------------------------------------------------- RK-9 confirm


def test_rk9_confirm_refused_until_error_lines_are_held(
    db: Session, org: Org, clock: MovableClock
) -> None:
    """A.4 "only once … every 控除不能 line is set to 入金中止": the two error lines block the
    confirmation until both are held; then the まとめ入金 = requested − held."""
    got = _publish(db, org, "2026-04", clock, group_no="001")
    assert isinstance(got, Ok)
    request_id = got.value[0].request_id
    shown = _request(db, org, "2026-04").version  # the version the screen showed
    refused = rc.confirm(db, session=org.session, clock=clock, request_id=request_id, version=shown)
    assert refused == Err("E-CYCLE-UNHELD-ERRORS", None, {"count": 2, "staff_no": "000003"})
    assert _request(db, org, "2026-04").status == "received"

    _hold_errors(db, org, request_id, clock)
    stale = rc.confirm(db, session=org.session, clock=clock, request_id=request_id, version=shown)
    assert isinstance(stale, Err) and stale.code == "E-CYCLE-CONFLICT"

    req = _request(db, org, "2026-04")
    done = rc.confirm(
        db, session=org.session, clock=clock, request_id=request_id, version=req.version
    )
    assert isinstance(done, Ok)
    assert done.value.status == "confirmed" and done.value.confirmed_by == "master01"
    assert done.value.totals.remittance_amount == 38_000 - 3_000 - 20_000
    stored = _request(db, org, "2026-04")
    assert stored.confirmed_at == clock.now()

    # Confirmed: holds are closed until the confirmation is undone.
    line = _lines(db, org, request_id)["000001:1000001"]
    closed = rc.set_hold(
        db, session=org.session, clock=clock, item_id=line.id, version=line.version, reason="退職"
    )
    assert isinstance(closed, Err) and closed.code == "E-CYCLE-HOLD-CONFIRMED"
    twice = rc.confirm(
        db, session=org.session, clock=clock, request_id=request_id, version=stored.version
    )
    assert isinstance(twice, Err) and twice.code == "E-CYCLE-ALREADY-CONFIRMED"


def test_rk9_undo_until_the_deadline_then_refused(
    db: Session, org: Org, clock: MovableClock
) -> None:
    """RK-9 "undo the confirmation before the deadline": the deadline 2026-04-28 ends at
    midnight JST; moving the clock one minute past it refuses the undo and the confirmation."""
    got = _publish(db, org, "2026-04", clock, group_no="001")
    assert isinstance(got, Ok)
    request_id = got.value[0].request_id
    _hold_errors(db, org, request_id, clock)
    req = _request(db, org, "2026-04")
    assert isinstance(
        rc.confirm(
            db, session=org.session, clock=clock, request_id=request_id, version=req.version
        ),
        Ok,
    )

    clock.set(datetime(2026, 4, 28, 23, 59, tzinfo=JST))
    req = _request(db, org, "2026-04")
    undone = rc.undo_confirmation(
        db, session=org.session, clock=clock, request_id=request_id, version=req.version
    )
    assert isinstance(undone, Ok) and undone.value.status == "received"
    assert undone.value.confirmed_at is None
    req = _request(db, org, "2026-04")
    assert isinstance(
        rc.confirm(
            db, session=org.session, clock=clock, request_id=request_id, version=req.version
        ),
        Ok,
    )

    clock.set(datetime(2026, 4, 29, 0, 0, tzinfo=JST))
    req = _request(db, org, "2026-04")
    late = rc.undo_confirmation(
        db, session=org.session, clock=clock, request_id=request_id, version=req.version
    )
    assert late == Err("E-CYCLE-UNDO-DEADLINE", None, {"deadline": "2026/04/28"})
    assert _request(db, org, "2026-04").status == "confirmed"
    assert ("rokin.remit.undo", "refused") in _log_actions(db, org.contract.contract_no)


def test_rk9_confirm_after_the_deadline_refused(db: Session, org: Org, clock: MovableClock) -> None:
    got = _publish(db, org, "2026-04", clock, group_no="002")
    assert isinstance(got, Ok)
    clock.set(datetime(2026, 4, 28, 15, 0, tzinfo=UTC))  # 00:00 JST on 4/29
    session = FakeSession(org.contract.contract_no, group_no="002")
    req = _request(db, org, "2026-04", "002")
    late = rc.confirm(
        db, session=session, clock=clock, request_id=got.value[0].request_id, version=req.version
    )
    assert isinstance(late, Err) and late.code == "E-CYCLE-DEADLINE"


# ---------------------------------------------------------------------------- RK-11 results


def _confirmed_april(db: Session, org: Org, clock: MovableClock) -> int:
    got = _publish(db, org, "2026-04", clock, group_no="001")
    assert isinstance(got, Ok)
    request_id = got.value[0].request_id
    _hold_errors(db, org, request_id, clock)
    req = _request(db, org, "2026-04")
    assert isinstance(
        rc.confirm(
            db, session=org.session, clock=clock, request_id=request_id, version=req.version
        ),
        Ok,
    )
    return request_id


GOOD_ROWS = [
    [
        "001",
        "2026-04",
        "月例",
        "000001",
        "1000001",
        "0001",
        "10000",
        "0",
        "",
        "ﾛｳｷﾝ ﾀﾛｳ",
        "2026-04-30",
    ],
    [
        "001",
        "2026-04",
        "月例",
        "000002",
        "1000002",
        "0001",
        "5000",
        "0",
        "",
        "ｷﾕｳﾖ ｲﾁﾛ",
        "2026-04-30",
    ],
    ["001", "2026-04", "月例", "000003", "1000003", "0001", "0", "9", "", "ﾛｳｷﾝ ﾊﾅｺ", ""],
    ["001", "2026-04", "月例", "000004", "2000004", "0005", "0", "1", "給与不足", "ｶｼﾂｹ ｼﾞﾛｳ", ""],
]


def test_rk11_results_before_confirmation_refused(
    db: Session, org: Org, clock: MovableClock
) -> None:
    assert isinstance(_publish(db, org, "2026-04", clock, group_no="001"), Ok)
    got = rc.load_results(
        db, contract_no=org.no, data=rc.results_csv(GOOD_ROWS), actor="op1", clock=clock
    )
    assert isinstance(got, Invalid)
    assert {e.code for e in got.errors} == {"E-RESULTS-REQUEST-STATE"}


def test_rk11_load_results_all_or_nothing_then_lists(
    db: Session, org: Org, clock: MovableClock
) -> None:
    """One bad file lists every problem by row and column and stores nothing; the corrected
    file is stored whole: 控除結果リスト, 控除不能リスト with reasons, カナ氏名不一致リスト."""
    request_id = _confirmed_april(db, org, clock)
    bad = [list(r) for r in GOOD_ROWS]
    bad[0][6] = "9999"  # not the requested amount
    bad[1][4] = "12345"  # 口座番号 not 7 digits
    bad[1][10] = "2026/04/30"  # 入金日 format
    bad[2][7] = "0"  # a held line reported as 済
    bad[2][10] = "2026-04-30"
    bad.append(
        [
            "001",
            "2026-04",
            "月例",
            "000001",
            "1000001",
            "0001",
            "10000",
            "0",
            "",
            "ﾛｳｷﾝ ﾀﾛｳ",
            "2026-04-30",
        ]
    )  # duplicate of row 2
    bad.append(
        ["001", "2026-05", "月例", "000001", "1000001", "0001", "1", "0", "", "ｱ", "2026-05-29"]
    )  # no such request
    # An empty row under the header, as Excel leaves one: skipped, but the rows below keep
    # the numbers Excel shows (one more than their place among the data rows).
    data = rc.results_csv(bad).replace(b"\r\n", b"\r\n,,,,,,,,,,\r\n", 1)
    got = rc.load_results(db, contract_no=org.no, data=data, actor="op1", clock=clock,
                          ticket="R-9")
    assert isinstance(got, Invalid)
    found = [(e.code, e.params.get("row"), e.params.get("label")) for e in got.errors]
    assert ("E-RESULTS-AMOUNT", 3, None) in found
    assert ("E-RESULTS-VALUE", 4, "口座番号") in found
    assert ("E-RESULTS-VALUE", 4, "入金日") in found
    assert ("E-RESULTS-HELD-DEDUCTED", 5, None) in found
    assert ("E-RESULTS-DUPLICATE", 7, None) in found
    assert ("E-RESULTS-NO-REQUEST", 8, None) in found
    assert ("E-RESULTS-MISSING", None, None) in found  # row 4's line has no valid result
    texts = [message(e.code, **e.params) for e in got.errors]
    assert any(t.startswith("4行目「口座番号」") for t in texts)
    stored = db.exec(
        select(func.count())
        .select_from(DeductionResultItem)
        .where(DeductionResultItem.request_id == request_id)
    ).one()
    assert stored == 0
    assert _request(db, org, "2026-04").status == "confirmed"

    ok = rc.load_results(
        db,
        contract_no=org.no,
        data=rc.results_csv(GOOD_ROWS),
        actor="op1",
        clock=clock,
        ticket="R-10",
    )
    assert isinstance(ok, Ok)
    assert ok.value.requests == (("001", "2026-04", "monthly", 2, 2, 2),)
    assert _request(db, org, "2026-04").status == "results"

    every = rc.result_lines(db, contract_id=org.id, request_id=request_id)
    assert {r.line.staff_no: r.result_label for r in every} == {
        "000001": "済",
        "000002": "済",
        "000003": "不能",
        "000004": "不能",
    }
    paid = {r.line.staff_no: r.paid_date for r in every}
    assert paid["000001"] == date(2026, 4, 30) and paid["000003"] is None
    not_deducted = rc.result_lines(
        db, contract_id=org.id, request_id=request_id, which="not_deducted"
    )
    reasons = {r.line.staff_no: r.reason for r in not_deducted}
    # A held line without a reason in the file keeps the organisation's 入金中止理由.
    assert reasons == {"000003": "給与不足", "000004": "給与不足"}
    mismatch = rc.result_lines(db, contract_id=org.id, request_id=request_id, which="kana_mismatch")
    assert {(r.line.staff_no, r.bank_name_kana) for r in mismatch} == {
        ("000002", "ｷﾕｳﾖ ｲﾁﾛ"),
        ("000003", "ﾛｳｷﾝ ﾊﾅｺ"),
    }
    differences = {r.line.staff_no: r.kana_difference for r in mismatch}
    assert differences == {"000002": "文字数が異なる", "000003": "6文字目から異なる"}

    again = rc.load_results(
        db, contract_no=org.no, data=rc.results_csv(GOOD_ROWS), actor="op1", clock=clock
    )
    assert isinstance(again, Invalid)
    assert {e.code for e in again.errors} == {"E-RESULTS-REQUEST-STATE"}
    assert oplog.verify_chain(db, oplog.chain_for(org.contract.contract_no)) == []


def test_rk11_results_file_format_errors(db: Session, org: Org, clock: MovableClock) -> None:
    """The header must be the README's; a character CP932 cannot hold is reported by row and
    column (A.2); an empty file is refused."""
    _confirmed_april(db, org, clock)
    wrong_header = "職員番号,控除額\r\n000001,1\r\n".encode("cp932")
    got = rc.load_results(db, contract_no=org.no, data=wrong_header, actor="op1", clock=clock)
    assert isinstance(got, Invalid) and got.errors[0].code == "E-CSV-HEADER"
    rows = [list(r) for r in GOOD_ROWS]
    rows[3][8] = "𠮷"
    got = rc.load_results(db, contract_no=org.no, data=_utf8(rows), actor="op1", clock=clock)
    assert isinstance(got, Invalid)
    assert ("E-CSV-CHAR", 5, 9) in [
        (e.code, e.params.get("row"), e.params.get("column")) for e in got.errors
    ]
    empty = rc.load_results(
        db, contract_no=org.no, data=rc.results_csv([]), actor="op1", clock=clock
    )
    assert isinstance(empty, Invalid) and empty.errors[0].code == "E-CSV-EMPTY"


def _utf8(rows: list[list[str]]) -> bytes:
    lines = [",".join(rc.RESULTS_HEADER)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# ---------------------------------------------------------------------------- R-INFO-1, lists


def test_r_info_1_schedule_and_latest_received(db: Session, org: Org, clock: MovableClock) -> None:
    """The information screen: current and next cycle dates; a published request's status."""
    group_id = db.exec(
        select(PaymentGroup.id).where(
            PaymentGroup.contract_id == org.id, PaymentGroup.number == "001"
        )
    ).one()
    before = rc.schedule(db, contract_id=org.id, payment_group_id=group_id, today=date(2026, 4, 1))
    assert before.current.dates.deduct_month == "2026-04" and before.current.status is None
    assert before.next.dates.deduct_month == "2026-05"
    assert before.next.dates.deadline == date(2026, 5, 27)
    assert rc.latest_received(db, contract_id=org.id, payment_group_id=group_id) is None

    assert isinstance(_publish(db, org, "2026-04", clock, group_no="001"), Ok)
    after = rc.schedule(db, contract_id=org.id, payment_group_id=group_id, today=date(2026, 4, 1))
    assert after.current.status == "received" and after.current.request_id is not None
    latest = rc.latest_received(db, contract_id=org.id, payment_group_id=group_id)
    assert latest is not None and latest.deduct_month == "2026-04"
    # After the deadline the current cycle is the next month.
    late = rc.schedule(db, contract_id=org.id, payment_group_id=group_id, today=date(2026, 4, 29))
    assert late.current.dates.deduct_month == "2026-05"


def test_r_info_1_information_panel_of_the_sessions_group(
    db: Session, org: Org, clock: MovableClock
) -> None:
    """R-INFO-1: the panel shows the selected group's schedule and latest data, and nothing for
    a contract without 労金控除, an unknown group or another contract's number."""
    no = org.contract.contract_no
    assert isinstance(_publish(db, org, "2026-04", clock, group_no="001"), Ok)

    def panel(contract_no: str, group_no: str | None) -> tuple[object, object]:
        scope = resolve_scope(db, contract_no=contract_no, group_no=group_no)
        return rc.information_panel(db, scope=scope, today=date(2026, 4, 1))

    plan, latest = panel(no, "001")
    assert isinstance(plan, rc.Schedule) and plan.current.status == "received"
    assert isinstance(latest, rc.RequestHead)
    assert latest.group_no == "001" and latest.deduct_month == "2026-04"
    plan2, latest2 = panel(no, "002")
    assert isinstance(plan2, rc.Schedule) and plan2.current.status is None and latest2 is None
    assert panel(no, "999") == (None, None)
    assert panel(no, None) == (None, None)  # no group chosen yet
    assert panel("00000000", "001") == (None, None)
    ledger_only = make_contract(db, services="ledger")
    assert panel(ledger_only.contract_no, "001") == (None, None)


def test_rk4_list_requests_keeps_the_last_cycles(
    db: Session, org: Org, clock: MovableClock
) -> None:
    """A.4 "Lists keep the last cycles": four months published, the last 3 + 1 listed."""
    for month in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05"):
        assert isinstance(_publish(db, org, month, clock, group_no="001"), Ok)
    views = rc.list_requests(db, contract_id=org.id)
    assert [v.deduct_month for v in views] == ["2026-05", "2026-04", "2026-03", "2026-02"]
    assert len(rc.list_requests(db, contract_id=org.id, cycles=None)) == 5
    page = rc.request_lines(db, contract_id=org.id, request_id=views[0].id, offset=1, limit=2)
    assert len(page) == 2
    assert rc.count_request_lines(db, contract_id=org.id, request_id=views[0].id) == 4


# ---------------------------------------------------------------------------- tenant isolation


def test_r_sec_1_rk_cycle_tenant_isolation(db: Session, org: Org, clock: MovableClock) -> None:
    """Another contract (same group numbers, same staff numbers) can neither read nor change
    this contract's request, its lines or its results."""
    request_id = _confirmed_april(db, org, clock)
    other = _org(db)
    assert rc.get_request(db, contract_id=other.id, request_id=request_id) is None
    assert rc.request_lines(db, contract_id=other.id, request_id=request_id) == []
    assert rc.count_request_lines(db, contract_id=other.id, request_id=request_id) == 0
    assert rc.result_lines(db, contract_id=other.id, request_id=request_id) == []
    assert rc.list_requests(db, contract_id=other.id) == []

    line = _lines(db, org, request_id)["000001:1000001"]
    stolen = rc.set_hold(
        db, session=other.session, clock=clock, item_id=line.id, version=line.version, reason="退職"
    )
    assert isinstance(stolen, Err) and stolen.code == "E-CYCLE-ITEM-NOT-FOUND"
    req = _request(db, org, "2026-04")
    undo = rc.undo_confirmation(
        db, session=other.session, clock=clock, request_id=request_id, version=req.version
    )
    assert isinstance(undo, Err) and undo.code == "E-CYCLE-NOT-FOUND"
    # Another group of the same contract is out of scope too.
    osaka = FakeSession(org.contract.contract_no, group_no="002")
    wrong_group = rc.undo_confirmation(
        db, session=osaka, clock=clock, request_id=request_id, version=req.version
    )
    assert isinstance(wrong_group, Err) and wrong_group.code == "E-CYCLE-NOT-FOUND"
    # The other contract's results file names its own (absent) request only.
    got = rc.load_results(
        db, contract_no=other.no, data=rc.results_csv(GOOD_ROWS), actor="op1", clock=clock
    )
    assert isinstance(got, Invalid)
    assert {e.code for e in got.errors} == {"E-RESULTS-NO-REQUEST"}
    assert _request(db, org, "2026-04").status == "confirmed"
    assert not _lines(db, org, request_id)["000001:1000001"].hold
    assert (
        db.exec(
            select(func.count())
            .select_from(DeductionRequestItem)
            .where(DeductionRequestItem.contract_id == other.id)
        ).one()
        == 0
    )


# ---------------------------------------------------------------------------- demo history


def test_demo_history_three_past_cycles_and_the_current_request(db: Session) -> None:
    """`chingin demo` (issue 5): three past cycles per group with results (a few 控除不能 and
    the demo's カナ氏名不一致), the current month 依頼受信; a second load adds nothing."""
    from chingin_app.runtime import demo_rokin

    contract = make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    assert contract.id is not None
    today = date(2026, 4, 1)
    demo_rokin.load_demo_organisation(db, contract.id, today)
    made = rc.load_demo_history(
        db, contract_id=contract.id, today=today, bank_kana=demo_rokin.DEMO_BANK_KANA
    )
    assert made == 8
    views = rc.list_requests(db, contract_id=contract.id)
    assert [(v.deduct_month, v.status) for v in views if v.group_no == "001"] == [
        ("2026-04", "received"),
        ("2026-03", "results"),
        ("2026-02", "results"),
        ("2026-01", "results"),
    ]
    not_deducted = 0
    mismatched: set[str] = set()
    for view in views:
        if view.status != "results":
            continue
        assert view.totals.held_count > 0 and view.unheld_error_count == 0
        not_deducted += len(
            rc.result_lines(db, contract_id=contract.id, request_id=view.id, which="not_deducted")
        )
        mismatched |= {
            r.line.staff_no
            for r in rc.result_lines(
                db, contract_id=contract.id, request_id=view.id, which="kana_mismatch"
            )
        }
    assert not_deducted > 0
    assert mismatched == set(demo_rokin.DEMO_BANK_KANA)
    assert rc.load_demo_history(db, contract_id=contract.id, today=today) == 0
    assert oplog.verify_chain(db, oplog.chain_for(contract.contract_no)) == []
