"""RL-8 賃控元帳明細一括更新 (SPEC §11): preview then apply with optimistic locking, history and
one operation-log entry; R-USER-7 閲覧のみ may preview but not apply. SQLite and PostgreSQL;
the state handlers are called on a state tree built under pytest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from chingin_app import routes
from chingin_app.domain.messages import message
from chingin_app.models import (
    Contract,
    LedgerDetail,
    LedgerDetailHistory,
    MenuPermission,
    OperationLog,
)
from chingin_app.models.users import User
from chingin_app.state.ledger.bulk import LedgerBulkState
from tests.integration.ledger_support import LedgerOrg, make_ledger_org, screen
from tests.support.events import run_background


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    return app_env


@pytest.fixture
def org(db: Session) -> Iterator[LedgerOrg]:
    made = make_ledger_org(db)
    viewer = db.exec(select(User).where(User.user_id == made.viewer)).one()
    assert viewer.id is not None
    db.add(MenuPermission(user_pk=viewer.id, menu_key="ledger.bulk_update", level="view_only"))
    db.commit()
    yield made


def bulk(org: LedgerOrg, user_id: str | None = None) -> Any:
    state = screen(org, user_id or org.master, LedgerBulkState, routes.LEDGER_BULK)  # type: ignore[arg-type]
    assert state.load() is None
    return state


def amounts(db: Session, org: LedgerOrg, code: str = "0001") -> dict[int, tuple[int, int]]:
    db.rollback()
    rows = db.exec(select(LedgerDetail).where(
        LedgerDetail.contract_id == org.contract_id,
        LedgerDetail.item_type_id == org.items[code])).all()
    db.commit()  # end the test's transaction (SQLite: the handlers need the write lock)
    return {r.id: (r.monthly_amount, r.bonus_amount) for r in rows if r.id is not None}


def bulk_logs(db: Session, org: LedgerOrg) -> int:
    contract = db.get(Contract, org.contract_id)
    assert contract is not None
    found = len(db.exec(select(OperationLog.id).where(
        OperationLog.contract_no == contract.contract_no,
        OperationLog.action == "ledger.detail.bulk_update",
        OperationLog.result == "success")).all())
    db.commit()
    return found


def test_rl_8_preview_then_apply_sets_every_active_detail_of_the_item(
    db: Session, org: LedgerOrg
) -> None:
    """RL-8: 確認 lists group 001's 30 組合費 details (not group 002's, not 共済会費) with
    current → new 月例額 and changes nothing; 適用 sets them all in one transaction with a 変更
    history row each and one operation-log entry."""
    state = bulk(org)
    before = amounts(db, org)
    assert state.preview({"item_code": "0001", "monthly_amount": "2550",
                          "bonus_amount": ""}) is None
    assert state.alert_text == ""
    assert (state.shown, state.changed_count, state.unchanged_count) == (True, 30, 0)
    assert state.total == 30 and state.rows[0]["monthly_amount"] == "1,000 → 2,550"
    assert state.rows[0]["bonus_amount"] == "0"
    assert amounts(db, org) == before  # the preview changes nothing
    histories = len(db.exec(select(LedgerDetailHistory.id)).all())
    db.commit()
    assert run_background(state, "apply") is None
    assert state.alert_text == "" and "30件を更新しました" in state.notice
    after = amounts(db, org)
    group2 = {i for i, (m, _) in before.items() if m >= 4_000}  # 000031-000033: 4,000 … 4,200
    assert len(group2) == 3
    assert all(after[i] == ((2_550, 0) if i not in group2 else before[i]) for i in after)
    assert len(db.exec(select(LedgerDetailHistory.id)).all()) == histories + 30
    assert bulk_logs(db, org) == 1
    assert amounts(db, org, "0002") == {i: (500, 0) for i in amounts(db, org, "0002")}


def test_rl_8_conflict_when_a_detail_changed_after_the_preview(
    db: Session, org: LedgerOrg
) -> None:
    """RL-8 optimistic lock: a detail changed between 確認 and 適用 → the conflict message and
    nothing applied (not even the other 29)."""
    state = bulk(org)
    assert state.preview({"item_code": "0001", "monthly_amount": "",
                          "bonus_amount": "3000"}) is None
    assert state.changed_count == 30
    one = db.exec(select(LedgerDetail).where(
        LedgerDetail.item_type_id == org.items["0001"]).order_by(col(LedgerDetail.id))).first()
    assert one is not None
    one.monthly_amount = 7_777
    db.add(one)
    db.commit()
    before = amounts(db, org)
    assert run_background(state, "apply") is None
    assert state.alert_text == message("E-RL-BULK-CONFLICT")
    assert amounts(db, org) == before
    assert bulk_logs(db, org) == 0
    assert not state.shown  # 確認 must be done again


def test_rl_8_field_errors_and_view_only_refused_on_apply(db: Session, org: LedgerOrg) -> None:
    """RL-8 bad input → messages at the fields, nothing previewed; R-USER-7 閲覧のみ may
    not use it: 適用 is refused and changes nothing."""
    state = bulk(org)
    assert state.preview({"item_code": "9999", "monthly_amount": "1,000",
                          "bonus_amount": ""}) is None
    assert set(state.errors) == {"item_code", "monthly_amount"} and not state.shown
    assert state.preview({"item_code": "0001", "monthly_amount": "",
                          "bonus_amount": ""}) is None
    assert state.errors["monthly_amount"] == message("E-RL-BULK-NO-AMOUNT")
    assert state.preview({"item_code": "0001", "monthly_amount": "0",
                          "bonus_amount": ""}) is None
    assert "30件" in state.errors["monthly_amount"]  # both amounts would be 0

    # 一括更新 is a change menu: the 閲覧のみ setting leaves it hidden (R-USER-7a), so the
    # viewer cannot open it, and a crafted 適用 frame (with a preview on the server) is refused.
    assert state.preview({"item_code": "0001", "monthly_amount": "2050",
                          "bonus_amount": ""}) is None
    assert state.changed_count == 30
    viewer = screen(org, org.viewer, LedgerBulkState, routes.LEDGER_BULK)  # type: ignore[arg-type]
    assert viewer.load() is not None  # redirected to the information screen
    viewer._preview = state._preview
    before = amounts(db, org)
    assert run_background(viewer, "apply") is None
    assert viewer.alert_text != "" and viewer.notice == ""
    assert amounts(db, org) == before
    assert bulk_logs(db, org) == 0
