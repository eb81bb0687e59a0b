"""賃控元帳明細 (SPEC §11 RL-1 賃控元帳明細照会 with 追加登録・変更・解除,
RL-2 賃控元帳明細新規登録, RL-4 賃控元帳明細更新履歴照会; A.1 カナ氏名; R-USER-7 閲覧のみ;
R-SEC-1 tenant and menu checked by every handler), on SQLite and PostgreSQL: the state
handlers called on a state tree built under pytest; database, history and log real."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import Session, col, select

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.domain.clock import SystemClock, to_jst
from chingin_app.domain.messages import message
from chingin_app.models import Contract, Employee, LedgerDetail, LedgerDetailHistory, OperationLog
from chingin_app.services.ledger import details as ledger_details
from chingin_app.services.ledger.details import LedgerChange
from chingin_app.state.forms import FORM_REFUSED
from chingin_app.state.ledger.detail_new import LedgerDetailNewState
from chingin_app.state.ledger.details import LedgerDetailsState
from chingin_app.state.ledger.history import LedgerHistoryState
from tests.integration.ledger_support import LedgerOrg, count, make_ledger_org, screen, stored


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    return app_env


@pytest.fixture
def org(db: Session) -> Iterator[LedgerOrg]:
    yield make_ledger_org(db)


def details(org: LedgerOrg, user_id: str | None = None) -> Any:
    state = screen(org, user_id or org.master, LedgerDetailsState, routes.LEDGER_DETAILS)  # type: ignore[arg-type]
    assert state.load() is None
    return state


def search(state: Any, **fields: str) -> None:
    form = {"staff_no": "", "name_kana": "", "department": "", "status": "", "item": ""}
    form.update(fields)
    assert state.search(form) is None


def row_of(state: Any, staff_no: str, item: str = "0001 組合費") -> dict[str, str]:
    return next(r for r in state.rows if r["staff_no"] == staff_no and r["item"] == item)


def oplog_actions(db: Session, org: LedgerOrg, prefix: str = "ledger.") -> list[str]:
    """The contract's successful ledger entries of the operation log, oldest first."""
    db.rollback()
    contract = db.get(Contract, org.contract_id)
    assert contract is not None
    found = list(db.exec(select(OperationLog.action).where(
        OperationLog.contract_no == contract.contract_no, OperationLog.result == "success",
        col(OperationLog.action).startswith(prefix))
        .order_by(col(OperationLog.id))).all())
    db.commit()
    return found


def test_rl_1_search_filter_sort_and_page_within_the_group(org: LedgerOrg) -> None:
    """RL-1: group 001's 40 details (30 組合費 + 10 共済会費; group 002's never) in pages of 50
    from the server; filters 職員番号, カナ氏名 typed in hiragana (normalised, A.1), 所属, 種目,
    状態; a column header sorts, again reverses; an unknown sort key is refused."""
    state = details(org)
    assert (state.total, state.pages, len(state.rows)) == (40, 1, 40)
    assert state.can_change and state.can_history
    assert {r["staff_no"] for r in state.rows} == {f"{n:06d}" for n in range(1, 31)}
    search(state, name_kana="きゅうよ")
    assert state.kana_hint == "正規化後: ｷﾕｳﾖ"
    assert state.total == 10 and {r["name_kana"] for r in state.rows} == {"ｷﾕｳﾖ ｲﾁﾛｳ"}
    search(state, staff_no="00001")
    assert {r["staff_no"] for r in state.rows} == {f"{n:06d}" for n in range(10, 20)}
    search(state, department="営業", item="0001")
    assert state.total == 10 and {r["department"] for r in state.rows} == {"営業部"}
    search(state, item="0002")
    assert state.total == 10 and {r["item"] for r in state.rows} == {"0002 共済会費"}
    search(state, status="cancelled")
    assert state.total == 0
    search(state, staff_no="12a")
    assert state.errors == {"staff_no": message("E-STAFF-NO-FORMAT", label="職員番号")}
    search(state)
    assert state.sort("monthly_amount") is None
    amounts = [int(r["monthly_amount"].replace(",", "")) for r in state.rows]
    assert amounts == sorted(amounts)
    assert state.sort("monthly_amount") is None
    assert state.rows[0]["monthly_amount"] == "3,900"
    assert state.sort("id; DROP TABLE ledger_details") is None
    assert state.alert_text == message("E-SORT")
    with session_scope(read_only=True) as s:
        page = ledger_details.search(s, session=_session(s, org), clock=SystemClock(),
                                     sort="monthly_amount", page=2, page_size=15)
    assert isinstance(page, ledger_details.LedgerPage)
    assert (page.total, page.page, page.pages, len(page.rows)) == (40, 2, 3, 15)


def _session(db: Session, org: LedgerOrg) -> Any:
    """The master's session facts as the services take them (contract A, group 001)."""
    contract = db.get(Contract, org.contract_id)
    assert contract is not None
    return SimpleNamespace(contract_no=contract.contract_no, user_id=org.master, group_no="001")


def test_rl_1_change_then_rl_4_shows_before_and_after_and_the_period(
    db: Session, org: LedgerOrg
) -> None:
    """RL-1 変更 (blank = unchanged) moves the version on and the list shows it; RL-4 (the
    row's 履歴) shows who, 変更 and 月例額 before → after; the period filter keeps it only
    while the period holds today (JST); the change is in the operation log."""
    state = details(org)
    row = row_of(state, "000003")
    detail_id = int(row["id"])
    before = stored(db, LedgerDetail, detail_id)
    assert state.open_change(row["id"]) is None and state.form_mode == "change"
    assert state.submit_change({"monthly_amount": "4500", "bonus_amount": ""}) is None
    assert state.alert_text == "" and state.form_mode == ""
    assert state.notice == "職員番号 000003 の賃控元帳明細を変更しました。"
    after = stored(db, LedgerDetail, detail_id)
    assert (after.monthly_amount, after.bonus_amount, after.version) == (
        4_500, before.bonus_amount, before.version + 1)
    assert row_of(state, "000003")["monthly_amount"] == "4,500"
    history = screen(org, org.master, LedgerHistoryState, routes.LEDGER_HISTORY,  # type: ignore[arg-type]
                     {"detail": str(detail_id)})
    assert history.load() is None and history.total == 1
    entry = history.rows[0]
    assert (entry["actor"], entry["action"], entry["staff_no"], entry["item"]) == (
        org.master, "変更", "000003", "組合費")
    assert entry["changes"] == "月例額: 1,200 → 4,500"
    today = to_jst(SystemClock().now()).date()
    assert history.search({"staff_no": "", "period_from": str(today),
                           "period_to": str(today)}) is None
    assert history.total == 1
    yesterday = today - timedelta(days=1)
    assert history.search({"staff_no": "", "period_from": str(yesterday - timedelta(days=5)),
                           "period_to": str(yesterday)}) is None
    assert history.total == 0
    assert history.search({"period_from": "2026/13/01"}) is None
    assert "period_from" in history.errors
    assert oplog_actions(db, org) == ["ledger.detail.change"]


def test_rl_1_field_errors_change_nothing_and_a_stale_version_is_refused(
    db: Session, org: LedgerOrg
) -> None:
    """RL-1: every bad field is shown at its field and nothing changes; a change made
    meanwhile by someone else (the version moved) is refused, not overwritten (optimistic
    locking); 解除 with the old version too."""
    state = details(org)
    row = row_of(state, "000005")
    detail_id = int(row["id"])
    before = stored(db, LedgerDetail, detail_id)
    assert state.open_change(row["id"]) is None
    assert state.submit_change({"monthly_amount": "1,000", "start_month": "2026-13",
                                "end_month": "2020-01"}) is None
    assert state.alert_text == FORM_REFUSED and state.form_mode == "change"
    assert set(state.errors) == {"monthly_amount", "start_month"}
    assert state.submit_change({"end_month": "2020-01"}) is None
    assert state.errors == {"end_month": message("E-MONTH-ORDER")}
    assert stored(db, LedgerDetail, detail_id).version == before.version
    # Someone else changes it while this form is open.
    other = details(org)
    assert other.open_change(row["id"]) is None
    assert other.submit_change({"monthly_amount": "7000"}) is None and other.alert_text == ""
    assert state.submit_change({"monthly_amount": "8000"}) is None
    assert state.alert_text == message("E-RL-VERSION-CONFLICT") and state.form_mode == ""
    assert stored(db, LedgerDetail, detail_id).monthly_amount == 7_000
    stale = details(org)
    stale._versions[detail_id] = before.version  # the list as shown before the change
    assert stale.cancel(row["id"]) is None
    assert stale.alert_text == message("E-RL-VERSION-CONFLICT")
    assert stored(db, LedgerDetail, detail_id).status == "active"
    assert count(db, LedgerDetailHistory, org.contract_id) == 1


def test_rl_1_row_actions_are_view_change_cancel_with_history(
    db: Session, org: LedgerOrg
) -> None:
    """RL-1 (manual P.22, issue 13 item 6): a row's actions are 照会・変更・解除 — no 追加登録
    (a crafted open_add opens nothing and adds nothing; new details are RL-2's); 照会 shows the
    row as it is now, read-only; 解除 (status 解除, no more change buttons, a 解除 history
    row)."""
    state = details(org)
    row = row_of(state, "000002")
    total = state.total
    assert state.open_add(row["id"]) is None and state.form_mode == ""
    assert state.submit_add({"item_code": "0003", "monthly_amount": "3000",
                             "bonus_amount": "0", "start_month": "2026-05"}) is None
    assert state.total == total and oplog_actions(db, org) == []
    assert state.open_view(row["id"]) is None and state.form_mode == "view"
    assert state.target["staff_no"] == "000002" and state.target["item"] == row["item"]
    assert state.close_form() is None and state.form_mode == ""
    assert state.cancel(row["id"]) is None
    assert state.notice == "職員番号 000002 の賃控元帳明細を解除しました。"
    gone = row_of(state, "000002", row["item"])
    assert (gone["status"], gone["live"]) == ("解除", "")
    assert state.open_change(row["id"]) is None
    assert state.alert_text == message("E-ALREADY-CANCELLED")
    history = screen(org, org.master, LedgerHistoryState, routes.LEDGER_HISTORY,  # type: ignore[arg-type]
                     {"detail": row["id"]})
    assert history.load() is None
    assert history.rows[0]["action"] == "解除"
    assert history.rows[0]["changes"] == "状態: 有効 → 解除"
    assert oplog_actions(db, org) == ["ledger.detail.cancel"]


def test_rl_2_existing_employee_and_a_new_one_with_hiragana_kana(
    db: Session, org: LedgerOrg
) -> None:
    """RL-2: a 職員番号 already registered (the shared employees) gets the detail without a
    second employee row; a new employee's カナ氏名 typed in hiragana is normalised (A.1) and
    shown on entry; a taken 職員番号 or bad fields register nothing; a repeated 登録 after
    success registers nothing more."""
    new = screen(org, org.master, LedgerDetailNewState, routes.LEDGER_DETAIL_NEW)  # type: ignore[arg-type]
    assert new.load() is None
    assert new.items == [["0001", "0001 組合費"], ["0002", "0002 共済会費"],
                         ["0003", "0003 購買代金"]]
    assert new.look_up("000004") is None and new.existing["name_kana"] == "ｻﾄｳ ﾀﾛｳ"
    detail = {"item_code": "0003", "monthly_amount": "2000", "bonus_amount": "0",
              "start_month": "2026-04", "end_month": ""}
    assert new.submit({"staff_no": "000004", **detail}) is None
    assert new.done_text.startswith("職員番号 000004（カナ氏名 ｻﾄｳ ﾀﾛｳ）の賃控元帳明細")
    assert count(db, Employee, org.contract_id) == 33
    assert new.again() is None
    assert new.check_kana("きゅうよ　じろう") is None
    assert new.kana_hint == "正規化後: ｷﾕｳﾖ ｼﾞﾛｳ"
    person = {"staff_no": "100001", "name_kana": "きゅうよ　じろう", "name_kanji": "給与　次郎",
              "department": "総務部"}
    assert new.submit({**person, **detail, "monthly_amount": "-5", "name_kana": "ｻﾄｳ☆"}) is None
    assert {"monthly_amount", "name_kana"} <= set(new.errors)
    assert count(db, Employee, org.contract_id) == 33
    assert new.submit({**person, **detail, "staff_no": "000007"}) is None  # not looked up
    assert new.errors == {"staff_no": message("E-RL-STAFF-NO-TAKEN", label="職員番号")}
    assert new.submit({**person, **detail}) is None
    assert "ｷﾕｳﾖ ｼﾞﾛｳ" in new.done_text and new.done_link.endswith("staff_no=100001")
    assert new.submit({**person, **detail, "staff_no": "100002"}) is None  # repeated
    assert count(db, Employee, org.contract_id) == 34
    state = details(org)
    search(state, staff_no="100001")
    assert [(r["name_kana"], r["item"]) for r in state.rows] == [("ｷﾕｳﾖ ｼﾞﾛｳ", "0003 購買代金")]
    assert oplog_actions(db, org) == ["ledger.detail.add", "ledger.detail.register"]


def test_rl_1_another_contracts_ids_are_refused(db: Session, org: LedgerOrg) -> None:
    """R-SEC-1: contract B's detail id, sent as a crafted frame to every RL-1 handler and the
    services, is refused as not found and B's detail is unchanged; RL-4 shows nothing of it."""
    state = details(org)
    other = str(org.other_detail)
    before = stored(db, LedgerDetail, org.other_detail)
    assert state.open_change(other) is None
    assert state.alert_text == message("E-RL-DETAIL-NOT-FOUND") and state.form_mode == ""
    assert state.open_add(other) is None and state.form_mode == ""
    assert state.cancel(other) is None
    assert state.alert_text == message("E-RL-DETAIL-NOT-FOUND")
    with session_scope() as s:
        session = _session(s, org)
        changed = ledger_details.change_detail(
            s, session=session, clock=SystemClock(), detail_id=org.other_detail,
            version=before.version, change=LedgerChange(monthly_amount="1"))
        cancelled = ledger_details.cancel_detail(
            s, session=session, clock=SystemClock(), detail_id=org.other_detail,
            version=before.version)
    assert getattr(changed, "code", "") == "E-RL-DETAIL-NOT-FOUND"
    assert getattr(cancelled, "code", "") == "E-RL-DETAIL-NOT-FOUND"
    after = stored(db, LedgerDetail, org.other_detail)
    assert (after.monthly_amount, after.status, after.version) == (2_000, "active", 1)
    history = screen(org, org.master, LedgerHistoryState, routes.LEDGER_HISTORY,  # type: ignore[arg-type]
                     {"detail": other})
    assert history.load() is None and history.total == 0


def test_rl_1_view_only_user_every_change_handler_refuses(db: Session, org: LedgerOrg) -> None:
    """R-USER-7 閲覧のみ on RL-1/RL-2: the list loads without change buttons; every change
    handler — even on a form prepared by a crafted frame — refuses and changes nothing."""
    state = details(org, org.viewer)
    assert state.total == 40 and not state.can_change
    row = row_of(state, "000007")
    before = stored(db, LedgerDetail, int(row["id"]))
    assert state.open_change(row["id"]) is None
    assert state.alert_text == message("E-MENU-VIEW-ONLY") and state.form_mode == ""
    assert state.open_add(row["id"]) is None and state.form_mode == ""
    assert state.open_view(row["id"]) is None and state.form_mode == "view"  # 閲覧のみ may
    state.form_mode, state._target_id = "change", before.id
    state._target_version, state._target_employee = before.version, before.employee_id
    for call in (lambda: state.submit_change({"monthly_amount": "99999"}),
                 lambda: state.cancel(row["id"]),
                 lambda: state.submit_add({"item_code": "0003", "monthly_amount": "1000",
                                           "bonus_amount": "0", "start_month": "2026-05"})):
        state.alert_text = ""
        assert call() is None
        assert state.alert_text == message("E-MENU-VIEW-ONLY")
    new = screen(org, org.viewer, LedgerDetailNewState, routes.LEDGER_DETAIL_NEW)  # type: ignore[arg-type]
    new.load()  # RL-2 is a change menu: 閲覧のみ cannot open it at all
    assert new.submit({"staff_no": "200001", "name_kana": "ｱ", "name_kanji": "亜",
                       "department": "部", "item_code": "0001", "monthly_amount": "1",
                       "bonus_amount": "0", "start_month": "2026-05"}) is None
    assert new.alert_text in (message("E-MENU-VIEW-ONLY"), message("E-MENU-HIDDEN"))
    after = stored(db, LedgerDetail, int(row["id"]))
    assert (after.monthly_amount, after.status, after.version) == (
        before.monthly_amount, before.status, before.version)
    assert count(db, LedgerDetail, org.contract_id) == 44
    assert count(db, Employee, org.contract_id) == 33
