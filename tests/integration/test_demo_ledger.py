"""The demo contract's 賃控元帳 (issue 13 item 7; SPEC §11 RL-3, RL-5, RL-7, RL-CYCLE-1 … 3):
a history, not every row made on one day — RL-3's 異動分リスト lists a month's changes — three
past ledger cycles with results and the current one published, 異動区分 that differ from cycle
to cycle, a few 控除不能, and a 相違リスト with a kana and a digit mismatch."""

from __future__ import annotations

from collections import Counter
from datetime import date
from types import SimpleNamespace

from sqlmodel import Session, col, select

from chingin_app.domain.ledger_cycle import LedgerStatus
from chingin_app.models import LedgerDetail, LedgerRequest
from chingin_app.runtime import demo_ledger, demo_rokin
from chingin_app.services.ledger import check_lists
from chingin_app.services.ledger import cycle as lc
from chingin_app.services.rokin import cycle as rc
from tests import factories

TODAY = date(2026, 4, 14)


def test_rl_cycle_demo_ledger_has_history_cycles_and_results(db: Session) -> None:
    """The demo: ~700 details, not all new this month; four cycles per group (three with
    results), 新規 / 変更 / 解約 among the current cycle's lines, some 控除不能 in the past
    ones, the part-timer's 職員番号 and a bank-kana difference on the 相違リスト; a second load
    changes nothing."""
    contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    assert contract.id is not None
    demo_rokin.load_demo_organisation(db, contract.id, TODAY)
    rc.load_demo_history(db, contract_id=contract.id, today=TODAY,
                         bank_kana=demo_rokin.DEMO_BANK_KANA)
    made = demo_ledger.load_demo_ledger(db, contract.id, TODAY)
    assert 600 < made < 800  # about 2.45 種目 for each of the 300 employees
    details = db.exec(select(LedgerDetail).where(LedgerDetail.contract_id == contract.id)).all()
    assert len(details) == made
    assert len({d.created_at.date() for d in details}) > 50  # a history, not one day

    requests = db.exec(select(LedgerRequest).where(LedgerRequest.contract_id == contract.id)
                       .order_by(col(LedgerRequest.deduct_month))).all()
    assert Counter(r.deduct_month for r in requests) == {
        "2026-01": 2, "2026-02": 2, "2026-03": 2, "2026-04": 2}
    assert [r.status for r in requests] == [LedgerStatus.RESULTS.value] * 6 + [
        LedgerStatus.RECEIVED.value] * 2
    # On the 労金控除 cycle's dates.
    same = {(v.group_no, v.deduct_month): v.deduction_date
            for v in rc.list_requests(db, contract_id=contract.id, cycles=None)}
    assert all(same[(v.group_no, v.deduct_month)] == v.deduction_date
               for v in lc.list_ledger_requests(db, contract_id=contract.id, cycles=None))

    views = lc.list_ledger_requests(db, contract_id=contract.id, cycles=None)
    current = next(v for v in views if v.group_no == "001" and v.deduct_month == "2026-04")
    kinds = Counter(ln.change_kind for ln in lc.ledger_lines(
        db, contract_id=contract.id, request_id=current.id))
    assert kinds["新規"] and kinds["変更"] and kinds["解約"]
    assert kinds["継続"] > 5 * (kinds["新規"] + kinds["変更"] + kinds["解約"])
    not_deducted = [r for v in views if v.status == LedgerStatus.RESULTS.value
                    for r in lc.ledger_result_lines(db, contract_id=contract.id,
                                                    request_id=v.id, which="not_deducted")]
    assert 0 < len(not_deducted) < 30 and all(r.reason for r in not_deducted)
    mismatch = lc.mismatch_lines(db, contract_id=contract.id, request_id=current.id)
    staff = {m.line.staff_no for m in mismatch}
    assert demo_ledger.DEMO_PART_TIMER[0] in staff
    assert staff & set(demo_rokin.DEMO_BANK_KANA)

    who = SimpleNamespace(contract_no=contract.contract_no, group_no="001", user_id="demo",
                          contract_name="")
    lists = check_lists.check_lists(db, who, month="2026-04")
    assert isinstance(lists, check_lists.CheckLists)
    assert 0 < len(lists.changes) < len(lists.details) / 5

    assert demo_ledger.load_demo_ledger(db, contract.id, TODAY) == 0
    assert len(db.exec(select(LedgerRequest).where(
        LedgerRequest.contract_id == contract.id)).all()) == 8
