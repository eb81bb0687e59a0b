"""Issue 14 item 8: the information screen's chart reads the last 12 労金控除 cycles of the
selected payment group — requested vs remitted totals and 控除不能 counts — only for holders of
the 労金控除結果リスト right, never another contract's or group's (R-SEC-1). SQLite and
PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from chingin_app.domain.line_kinds import ChangeKind
from chingin_app.models import DeductionRequest, DeductionRequestItem, DeductionResultItem
from chingin_app.runtime import demo_rokin
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.services.rokin.cycle import history
from tests.factories import make_contract, make_user

TODAY = date(2026, 12, 7)


@dataclass(frozen=True)
class Signed:
    """The signed-in user as the services see it (``sessions.SessionInfo``'s fields)."""

    contract_no: str
    user_id: str
    role: str
    group_no: str | None = "001"


def _demo(db: Session) -> tuple[int, str, Signed, Signed]:
    contract = make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    assert contract.id is not None
    master = make_user(db, contract, role="master")
    general = make_user(db, contract)  # no rights set: 未設定 hides every menu
    demo_rokin.load_demo_organisation(db, contract.id, TODAY)
    rokin_cycle.load_demo_history(db, contract_id=contract.id, today=TODAY,
                                  bank_kana=demo_rokin.DEMO_BANK_KANA)
    db.commit()
    no = contract.contract_no
    return (contract.id, no, Signed(no, master.user_id, "master"),
            Signed(no, general.user_id, "general"))


def _expected(db: Session, request: DeductionRequest) -> tuple[int, int, int | None]:
    counted = [i for i in db.exec(select(DeductionRequestItem).where(
        DeductionRequestItem.request_id == request.id)).all()
        if i.change_kind != ChangeKind.ENDED.value]
    requested = sum(i.amount for i in counted)
    remitted = requested - sum(i.amount for i in counted if i.hold)
    not_deducted = None if request.results_received_at is None else int(db.exec(
        select(func.count()).select_from(DeductionResultItem).where(
            col(DeductionResultItem.request_id) == request.id,
            DeductionResultItem.result == "not_deducted")).one())
    return requested, remitted, not_deducted


def test_issue14_chart_reads_the_groups_last_cycles_oldest_first(db: Session) -> None:
    contract_id, _no, master, _general = _demo(db)
    got = history.recent_cycles(db, session=master)
    requests = db.exec(select(DeductionRequest).where(
        DeductionRequest.contract_id == contract_id)).all()
    group_001 = {r.id: r for r in requests if r.payment_group_id == min(
        x.payment_group_id for x in requests)}
    assert got, "the demo has past cycles"
    assert len(got) == min(len(group_001), history.CHART_CYCLES)
    months = [db.get(DeductionRequest, f.request_id).deduct_month for f in got]  # type: ignore[union-attr]
    assert months == sorted(months)  # oldest first
    assert {f.request_id for f in got} <= set(group_001)
    for f in got:
        request = group_001[f.request_id]
        assert (f.requested_amount, f.remitted_amount, f.not_deducted) == _expected(db, request)
        assert f.label.endswith(("月例", "一時金")) and "年" in f.label and "（" not in f.label
    assert any(f.not_deducted is not None for f in got)  # results received for past cycles
    assert got[-1].not_deducted is None  # the current request has no results yet
    assert history.recent_cycles(db, session=master, limit=2) == got[-2:]


def test_issue14_chart_is_only_for_the_result_list_right_and_the_own_tenant(
    db: Session
) -> None:
    _contract_id, no, master, general = _demo(db)
    assert history.recent_cycles(db, session=general) == []  # no 結果リスト right
    other = make_contract(db)
    other_master = make_user(db, other, role="master")
    foreign = Signed(other.contract_no, other_master.user_id, "master")
    assert history.recent_cycles(db, session=foreign) == []  # its own (empty) cycles only
    no_group = Signed(no, master.user_id, "master", group_no=None)
    assert history.recent_cycles(db, session=no_group) == []
    osaka = history.recent_cycles(db, session=Signed(no, master.user_id, "master", "002"))
    own = {f.request_id for f in history.recent_cycles(db, session=master)}
    assert own.isdisjoint(f.request_id for f in osaka)
