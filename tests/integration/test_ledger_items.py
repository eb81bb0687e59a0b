"""RL-11 賃控元帳種目情報照会 (SPEC §11 "list, add, change, delete 種目 (not while in use)";
R-USER-7 閲覧のみ; R-SEC-1 tenant checked by every handler; R-LOG-1), on SQLite and PostgreSQL:
the state handlers on a state tree built under pytest, the database and the log real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from chingin_app import routes
from chingin_app.domain.messages import message
from chingin_app.models import Contract, LedgerDetail, LedgerItemType, OperationLog
from chingin_app.state.forms import FORM_REFUSED
from chingin_app.state.ledger.items import LedgerItemsState
from tests.integration.ledger_support import LedgerOrg, count, make_ledger_org, screen, stored


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    return app_env


@pytest.fixture
def org(db: Session) -> Iterator[LedgerOrg]:
    yield make_ledger_org(db)


def items(org: LedgerOrg, user_id: str | None = None) -> Any:
    state = screen(org, user_id or org.master, LedgerItemsState, routes.LEDGER_ITEMS)  # type: ignore[arg-type]
    assert state.load() is None
    return state


def logged(db: Session, org: LedgerOrg) -> list[tuple[str, str]]:
    db.rollback()
    contract = db.get(Contract, org.contract_id)
    assert contract is not None
    found = [(a, r) for a, r in db.exec(
        select(OperationLog.action, OperationLog.result).where(
            OperationLog.contract_no == contract.contract_no,
            col(OperationLog.action).startswith("ledger.item."))
        .order_by(col(OperationLog.id))).all()]
    db.commit()
    return found


def test_rl_11_list_add_change_and_delete_an_unused_item(db: Session, org: LedgerOrg) -> None:
    """RL-11: the contract's 種目 in code order with how many details use each (contract B's
    never); 登録 (bad fields at their fields and nothing added; a taken code refused),
    変更 (code and name) and 削除 of a 種目 no detail uses; each logged."""
    state = items(org)
    assert [(r["code"], r["name"], r["in_use"]) for r in state.rows] == [
        ("0001", "組合費", "33"), ("0002", "共済会費", "11"), ("0003", "購買代金", "0")]
    assert state.can_change
    assert state.open_add() is None and state.form_mode == "add"
    assert state.submit({"code": "12345", "name": ""}) is None
    assert state.alert_text == FORM_REFUSED and set(state.errors) == {"code", "name"}
    assert state.submit({"code": "0001", "name": "重複"}) is None
    assert state.errors == {"code": message("E-RL-ITEM-CODE-TAKEN", label="種目コード")}
    assert count(db, LedgerItemType, org.contract_id) == 3
    assert state.submit({"code": "0009", "name": "互助会費"}) is None
    assert state.notice == "種目 0009 を登録しました。" and state.form_mode == ""
    new_row = state.rows[-1]
    assert (new_row["code"], new_row["name"], new_row["in_use"]) == ("0009", "互助会費", "0")
    assert state.open_change(new_row["id"]) is None and state.form_mode == "change"
    assert state.submit({"code": "0009", "name": "互助会費"}) is None
    assert state.alert_text == message("E-RL-NO-CHANGE")
    assert state.submit({"code": "0004", "name": "ｺﾞｼﾞｮ"}) is None
    assert state.errors == {"name": message("E-RL-ITEM-NAME-FORMAT", label="種目名")}
    assert state.submit({"code": "0004", "name": "親睦会費"}) is None
    assert state.notice == "種目 0004 を変更しました。"
    changed = stored(db, LedgerItemType, int(new_row["id"]))
    assert (changed.code, changed.name, changed.version) == ("0004", "親睦会費", 2)
    assert state.delete(new_row["id"]) is None
    assert state.notice == "種目 0004 を削除しました。"
    assert stored(db, LedgerItemType, int(new_row["id"])) is None
    assert [r["code"] for r in state.rows] == ["0001", "0002", "0003"]
    assert ("ledger.item.add", "success") in logged(db, org)
    assert [a for a, r in logged(db, org) if r == "success"] == [
        "ledger.item.add", "ledger.item.change", "ledger.item.delete"]


def test_rl_11_delete_refused_while_in_use_even_by_a_cancelled_detail(
    db: Session, org: LedgerOrg
) -> None:
    """RL-11 削除 of a 種目 some detail uses is refused with the reason in Japanese and
    nothing is deleted — also when its only detail is cancelled (kept for the history)."""
    state = items(org)
    row = state.rows[0]
    assert state.delete(row["id"]) is None
    assert state.alert_text == message("E-RL-ITEM-IN-USE", name="組合費", count=33)
    assert "使用されているため削除できません" in state.alert_text
    assert count(db, LedgerItemType, org.contract_id) == 3
    assert ("ledger.item.delete", "refused") in logged(db, org)
    # 購買代金 gets one detail, then it is cancelled: still in use.
    db.rollback()
    detail = db.exec(select(LedgerDetail).where(
        LedgerDetail.contract_id == org.contract_id)).first()
    assert detail is not None
    db.add(LedgerDetail(contract_id=detail.contract_id, payment_group_id=detail.payment_group_id,
                        employee_id=detail.employee_id, item_type_id=org.items["0003"],
                        monthly_amount=1, bonus_amount=0, start_month="2026-01",
                        status="cancelled", created_at=detail.created_at,
                        updated_at=detail.updated_at))
    db.commit()
    assert state.load() is None
    third = state.rows[2]
    assert third["in_use"] == "1"
    assert state.delete(third["id"]) is None
    assert state.alert_text == message("E-RL-ITEM-IN-USE", name="購買代金", count=1)
    assert stored(db, LedgerItemType, org.items["0003"]) is not None


def test_rl_11_stale_version_and_another_contracts_item_are_refused(
    db: Session, org: LedgerOrg
) -> None:
    """RL-11 optimistic locking: a 種目 changed meanwhile by someone else is neither changed
    nor deleted from the stale list; contract B's 種目 id sent by a crafted frame is refused
    as not found and B's 種目 stays as it was."""
    state = items(org)
    row = state.rows[2]
    other = items(org)
    assert other.open_change(row["id"]) is None
    assert other.submit({"code": "0003", "name": "購買品代金"}) is None
    assert other.notice == "種目 0003 を変更しました。"
    assert state.open_change(row["id"]) is None
    assert state.submit({"code": "0003", "name": "売店代金"}) is None
    assert state.alert_text == message("E-RL-ITEM-VERSION-CONFLICT")
    assert stored(db, LedgerItemType, int(row["id"])).name == "購買品代金"
    stale = items(org)
    stale._versions[int(row["id"])] = 1
    assert stale.delete(row["id"]) is None
    assert stale.alert_text == message("E-RL-ITEM-VERSION-CONFLICT")
    assert stored(db, LedgerItemType, int(row["id"])) is not None
    for call in (lambda: state.open_change(str(org.other_item)),
                 lambda: state.delete(str(org.other_item))):
        state.alert_text = ""
        assert call() is None
        assert state.alert_text == message("E-RL-ITEM-NOT-FOUND")
    state._versions[org.other_item] = 1  # a crafted frame cannot reach B even so
    state.form_mode, state._target_id = "change", org.other_item
    assert state.submit({"code": "0001", "name": "乗っ取り"}) is None
    assert state.alert_text == message("E-RL-ITEM-NOT-FOUND")
    assert state.delete(str(org.other_item)) is None
    assert state.alert_text == message("E-RL-ITEM-NOT-FOUND")
    kept = stored(db, LedgerItemType, org.other_item)
    assert (kept.name, kept.version) == ("組合費", 1)


def test_rl_11_view_only_user_every_change_handler_refuses(db: Session, org: LedgerOrg) -> None:
    """R-USER-7 閲覧のみ on RL-11: the list shows without change buttons; 新規登録, 変更, 登録
    and 削除 — even on a form prepared by a crafted frame — refuse and change nothing."""
    state = items(org, org.viewer)
    assert len(state.rows) == 3 and not state.can_change
    row = state.rows[2]
    state.form_mode, state._target_id = "change", int(row["id"])
    for call in (state.open_add, lambda: state.open_change(row["id"]),
                 lambda: state.submit({"code": "0003", "name": "変更"}),
                 lambda: state.delete(row["id"])):
        state.alert_text = ""
        assert call() is None
        assert state.alert_text == message("E-MENU-VIEW-ONLY")
    kept = stored(db, LedgerItemType, int(row["id"]))
    assert (kept.name, kept.version) == ("購買代金", 1)
    assert count(db, LedgerItemType, org.contract_id) == 3
