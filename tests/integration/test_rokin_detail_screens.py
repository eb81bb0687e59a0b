"""The 労金控除明細 screens' state handlers (SPEC §11 RK-1 労金控除明細照会 with 追加登録・変更・
解除, RK-2 労金控除明細新規登録, RK-3 労金控除明細更新履歴照会; R-PLUS-2 カナ氏名 on entry;
R-USER-7 閲覧のみ / 非表示; R-SEC-1 "every event re-checks … the tenant and the menu
permission"), on SQLite and PostgreSQL.

The handlers are called directly on a state tree built under pytest, as a real connection of a
signed-in user (session token, certificate facts, payment group 001) would call them; the
database, the history and the operation log are real."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from chingin_app import routes
from chingin_app.domain.clock import SystemClock, to_jst
from chingin_app.domain.messages import message
from chingin_app.models import (
    DeductionDetail,
    DeductionDetailHistory,
    Employee,
    MenuPermission,
    UserRole,
)
from chingin_app.services.cert_gate import CertFacts
from chingin_app.state.rokin.detail_new import RokinDetailNewState
from chingin_app.state.rokin.details import RokinDetailsState
from chingin_app.state.rokin.history import RokinHistoryState
from tests import factories
from tests.support.screens import count_rows, screen, sign_in, stored_row

_KANA = ("ｻﾄｳ ﾀﾛｳ", "ｽｽﾞｷ ﾊﾅｺ", "ﾀｶﾊｼ ｷﾖｳｺ", "ﾀﾅｶ ｼﾞﾖ-ｼﾞ", "ｷﾕｳﾖ ｲﾁﾛｳ")
_DEPTS = ("総務部", "営業部", "製造部")


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    """The handlers open their own database sessions through the process settings."""
    return app_env


@dataclass
class Org:
    """Contract A (60 details in group 001, 5 in 002) with its users signed in, and one detail
    of contract B."""

    contract_id: int
    facts: dict[str, CertFacts]
    tokens: dict[str, str]
    master: str
    viewer: str  # 閲覧のみ on RK-1 and RK-3, 非表示 on RK-2
    hidden: str  # no settings: 非表示 everywhere
    other_detail: int  # contract B's


@pytest.fixture
def org(db: Session) -> Iterator[Org]:
    groups = (("001", "本社"), ("002", "大阪支社"))
    contract = factories.make_contract(db, groups=groups)
    products = {
        code: factories.make_rokin_product(db, contract, code=code, name=name, kind=kind)
        for code, name, kind in (("0001", "普通預金", "savings"), ("0002", "定期積金", "savings"),
                                 ("0101", "住宅ローン返済", "loan"))
    }
    for n in range(65):
        employee = factories.make_employee(
            db, contract, staff_no=f"{n + 1:06d}", group_no="001" if n < 60 else "002",
            name_kana=_KANA[n % len(_KANA)], department=_DEPTS[n % len(_DEPTS)], commit=False,
        )
        factories.make_deduction_detail(
            db, employee, products["0002" if n % 4 == 0 else "0001"],
            account_no=f"{3_000_000 + n:07d}", monthly_amount=5_000 + 100 * ((n * 7) % 60),
            status="cancelled" if n == 9 else "active", commit=False,
        )
    master = factories.make_user(db, contract, role=UserRole.MASTER.value,
                                 user_id=factories.next_user_id("RkM"))
    viewer = factories.make_user(db, contract, user_id=factories.next_user_id("RkV"))
    hidden = factories.make_user(db, contract, user_id=factories.next_user_id("RkH"))
    for key, level in (("rokin.detail_inquiry", "view_only"), ("rokin.history", "view_only"),
                       ("rokin.detail_new", "hide")):
        assert viewer.id is not None
        db.add(MenuPermission(user_pk=viewer.id, menu_key=key, level=level))
    other = factories.make_contract(db)
    other_product = factories.make_rokin_product(db, other)
    other_employee = factories.make_employee(db, other, staff_no="000001")
    other_detail = factories.make_deduction_detail(db, other_employee, other_product)
    db.commit()
    facts: dict[str, CertFacts] = {}
    tokens: dict[str, str] = {}
    for user in (master, viewer, hidden):
        sign_in(db, user, facts, tokens)
    assert contract.id is not None and other_detail.id is not None
    made = Org(contract.id, facts, tokens, master.user_id, viewer.user_id, hidden.user_id,
               other_detail.id)
    db.commit()  # SQLite: release the write lock the reads above took
    yield made


def details(org: Org, user_id: str | None = None) -> Any:
    state = screen(org, user_id or org.master, RokinDetailsState)
    assert state.load() is None
    return state


def redirected_to(result: Any, path: str) -> bool:
    return result is not None and path in str(result)


def stored(db: Session, detail_id: int) -> Any:
    """The detail as stored now, as plain values (not the session's live object)."""
    values = stored_row(db, DeductionDetail, detail_id)
    assert values is not None
    return values


def count(db: Session, model: Any, org: Org) -> int:
    return count_rows(db, model, org.contract_id)


def row_of(state: Any, staff_no: str) -> dict[str, str]:
    return next(r for r in state.rows if r["staff_no"] == staff_no)


def search(state: Any, **fields: str) -> None:
    form = {"staff_no": "", "name_kana": "", "department": "", "status": "", "product": ""}
    form.update(fields)
    assert state.search(form) is None


# --- RK-1 the list ----------------------------------------------------------------------------


def test_rk_1_list_pages_and_sorts_on_the_server_within_the_group(org: Org) -> None:
    """RK-1 / §11 "Lists page and sort on the server": 60 details of group 001 in pages of 50
    (group 002's never appear); a column header sorts all rows, again reverses; a sort key the
    list does not offer is refused and leaves the order."""
    state = details(org)
    assert (state.total, state.page, state.pages, len(state.rows)) == (60, 1, 2, 50)
    assert state.can_change and state.can_history
    assert [r["staff_no"] for r in state.rows[:3]] == ["000001", "000002", "000003"]
    assert state.turn(1) is None
    assert (state.page, len(state.rows), state.rows[-1]["staff_no"]) == (2, 10, "000060")
    assert state.turn(5) is None and state.page == 2  # kept inside 1 … pages
    for crafted in ("-1", None, True, 1.5):  # a crafted frame's delta that is not a number
        assert state.turn(crafted) is None and state.page == 2
    assert state.sort("monthly_amount") is None
    amounts = [int(r["monthly_amount"].replace(",", "")) for r in state.rows]
    assert state.page == 1 and amounts == sorted(amounts) and amounts[0] == 5_000
    assert state.sort("monthly_amount") is None
    assert int(state.rows[0]["monthly_amount"].replace(",", "")) == 5_000 + 100 * 59
    shown = [r["staff_no"] for r in state.rows]
    assert state.sort("id; DROP TABLE deduction_details") is None
    assert state.alert_text == message("E-SORT")
    assert [r["staff_no"] for r in state.rows] == shown


def test_rk_1_filters_and_r_plus_2_kana_typed_in_hiragana(org: Org) -> None:
    """RK-1 filters by 職員番号, カナ氏名, 所属, 状態 and 商品; カナ氏名 typed in hiragana with
    small kana is normalised as the bank writes it (R-PLUS-2, A.1) and the screen says so; a
    malformed 職員番号 or a character the bank refuses is shown at its field."""
    state = details(org)
    search(state, name_kana="きゅうよ")
    assert state.kana_hint == "正規化後: ｷﾕｳﾖ"
    assert state.total == 12 and {r["name_kana"] for r in state.rows} == {"ｷﾕｳﾖ ｲﾁﾛｳ"}
    search(state, staff_no="00001")
    assert [r["staff_no"] for r in state.rows] == [f"{n:06d}" for n in range(10, 20)]
    search(state, department="営業")
    assert state.total == 20 and {r["department"] for r in state.rows} == {"営業部"}
    search(state, status="cancelled")
    assert [(r["staff_no"], r["status"], r["live"]) for r in state.rows] == [
        ("000010", "解除", "")]
    search(state, product="0002")
    assert state.total == 15 and {r["product"] for r in state.rows} == {"0002 定期積金"}
    search(state, staff_no="12a")
    assert state.errors == {"staff_no": message("E-STAFF-NO-FORMAT", label="職員番号")}
    assert state.rows == [] and state.total == 0
    search(state, name_kana="ｻﾄｳ☆")
    assert "☆" in state.errors["name_kana"]
    search(state, status="'; DROP")  # not a choice: no status filter
    assert state.total == 60


# --- RK-1 変更, 追加登録, 解除 ------------------------------------------------------------------


def test_rk_1_change_an_amount_then_rk_3_shows_before_and_after(db: Session, org: Org) -> None:
    """RK-1 変更 (blank = unchanged) writes the change with its version moved on, the list
    shows it, and RK-3 (from the row's 履歴) shows who, when, 変更 and 月例額 before → after."""
    state = details(org)
    row = row_of(state, "000003")
    detail_id = int(row["id"])
    before = stored(db, detail_id)
    assert state.open_change(row["id"]) is None
    assert state.form_mode == "change" and state.target["staff_no"] == "000003"
    assert state.submit_change({"monthly_amount": "23456", "account_no": ""}) is None
    assert state.alert_text == "" and state.form_mode == ""
    assert state.notice == "職員番号 000003 の労金控除明細を変更しました。"
    after = stored(db, detail_id)
    assert (after.monthly_amount, after.account_no) == (23_456, before.account_no)
    assert after.version == before.version + 1
    assert row_of(state, "000003")["monthly_amount"] == "23,456"
    history = screen(org, org.master, RokinHistoryState, routes.ROKIN_HISTORY,
                     {"detail": str(detail_id)})
    assert history.load() is None
    assert history.total == 1
    entry = history.rows[0]
    assert (entry["actor"], entry["action"], entry["staff_no"]) == (org.master, "変更", "000003")
    assert entry["changes"] == f"月例額: {before.monthly_amount:,} → 23,456"
    assert "000003" in history.detail_label


def test_rk_1_field_errors_are_shown_at_the_field_and_change_nothing(
    db: Session, org: Org
) -> None:
    """§3 "Bad input → a Japanese message at the field, changes nothing": every field error at
    its field, the form stays open, the detail, its version and the history are as before."""
    state = details(org)
    row = row_of(state, "000004")
    before = stored(db, int(row["id"]))
    histories = count(db, DeductionDetailHistory, org)
    state.open_change(row["id"])
    state.submit_change({"account_no": "12", "monthly_amount": "1,000", "end_month": "2020-13"})
    assert state.errors == {
        "account_no": message("E-RK-ACCOUNT-NO-FORMAT"),
        "monthly_amount": message("E-AMOUNT-FORMAT", label="月例額", max_amount="9,999,999"),
        "end_month": message("E-MONTH-FORMAT", label="終了年月"),
    }
    assert state.form_mode == "change"
    state.submit_change({})
    assert state.alert_text == message("E-NO-CHANGE")
    after = stored(db, int(row["id"]))
    assert (after.account_no, after.monthly_amount, after.end_month, after.version) == (
        before.account_no, before.monthly_amount, before.end_month, before.version)
    assert count(db, DeductionDetailHistory, org) == histories
    state.open_add(row["id"])
    state.submit_add({"product_code": "9999", "account_no": "abc", "monthly_amount": "0",
                      "bonus_amount": "0", "start_month": "2026-05", "end_month": "",
                      "remaining_count": "3"})
    assert set(state.errors) == {"product_code", "account_no", "monthly_amount",
                                 "remaining_count"}
    assert count(db, DeductionDetail, org) == 65


def test_rk_1_optimistic_lock_refuses_a_change_made_meanwhile(db: Session, org: Org) -> None:
    """Optimistic locking: two people open 変更 on the same row; the second 更新 is refused with
    the service's message and does not overwrite the first; the list then shows the winner."""
    first, second = details(org), details(org)
    row = row_of(first, "000005")
    first.open_change(row["id"])
    second.open_change(row["id"])
    second.submit_change({"monthly_amount": "11111"})
    assert second.notice != ""
    first.submit_change({"monthly_amount": "22222"})
    assert first.alert_text == message("E-RK-VERSION-CONFLICT")
    assert first.form_mode == "" and first.notice == ""
    assert stored(db, int(row["id"])).monthly_amount == 11_111
    assert row_of(first, "000005")["monthly_amount"] == "11,111"
    # 解除 with the version the list showed before someone else changed the row: refused.
    stale = details(org)
    second.open_change(row["id"])
    second.submit_change({"bonus_amount": "1000"})
    assert stale.cancel(row["id"]) is None
    assert stale.alert_text == message("E-RK-VERSION-CONFLICT")
    assert stored(db, int(row["id"])).status == "active"


def test_rk_1_add_another_product_and_cancel_with_confirmation(db: Session, org: Org) -> None:
    """RK-1 追加登録 (another product for the row's employee) and 解除 (はい after the
    confirmation): each writes one history row; a cancelled row offers no 変更 or 解除."""
    state = details(org)
    row = row_of(state, "000006")
    employee_id = stored(db, int(row["id"])).employee_id
    state.open_add(row["id"])
    assert state.form_mode == "add"
    state.submit_add({"product_code": "0101", "account_no": "7000006", "monthly_amount": "30000",
                      "bonus_amount": "0", "start_month": "2026-05", "end_month": "2030-04",
                      "remaining_count": "48"})
    assert state.alert_text == ""
    assert state.notice == "職員番号 000006 に労金控除明細を追加しました。"
    db.rollback()
    loans = list(db.exec(select(DeductionDetail).where(
        DeductionDetail.employee_id == employee_id, DeductionDetail.account_no == "7000006")))
    db.commit()
    assert [(d.monthly_amount, d.remaining_count) for d in loans] == [(30_000, 48)]
    search(state, staff_no="000006")
    assert sorted(r["product"] for r in state.rows) == ["0001 普通預金", "0101 住宅ローン返済"]
    assert state.cancel(row["id"]) is None
    assert state.notice == "職員番号 000006 の労金控除明細を解除しました。"
    assert stored(db, int(row["id"])).status == "cancelled"
    assert row_of(state, "000006") and next(
        r for r in state.rows if r["id"] == row["id"])["live"] == ""
    assert state.open_change(row["id"]) is None
    assert state.alert_text == message("E-ALREADY-CANCELLED") and state.form_mode == ""
    db.rollback()
    actions = [h.action for h in db.exec(
        select(DeductionDetailHistory).where(
            col(DeductionDetailHistory.detail_id).in_([int(row["id"]), loans[0].id]))
        .order_by(col(DeductionDetailHistory.id)))]
    db.commit()
    assert actions == ["追加", "解除"]


# --- permissions and tenants ----------------------------------------------------------------


def test_r_user_7_view_only_user_sees_the_list_but_every_change_is_refused(
    db: Session, org: Org
) -> None:
    """R-USER-7 閲覧のみ "may view … but no change": the list loads without change buttons; the
    change handlers — even called with a crafted frame on a prepared form — refuse with the
    reason and change nothing; RK-2 (非表示 for this user) sends them to the information
    screen."""
    state = details(org, org.viewer)
    assert state.total == 60 and not state.can_change
    row = row_of(state, "000007")
    before = stored(db, int(row["id"]))
    assert state.open_change(row["id"]) is None
    assert state.alert_text == message("E-MENU-VIEW-ONLY") and state.form_mode == ""
    # A crafted frame after a form was (somehow) prepared: the check is the handler's own.
    state.form_mode, state._target_id = "change", before.id
    state._target_version, state._target_employee = before.version, before.employee_id
    for call in (lambda: state.submit_change({"monthly_amount": "99999"}),
                 lambda: state.cancel(row["id"]),
                 lambda: state.submit_add({"product_code": "0002", "account_no": "7777777",
                                           "monthly_amount": "1000", "bonus_amount": "0",
                                           "start_month": "2026-05"})):
        state.alert_text = ""
        assert call() is None
        assert state.alert_text == message("E-MENU-VIEW-ONLY")
    after = stored(db, int(row["id"]))
    assert (after.monthly_amount, after.status, after.version) == (
        before.monthly_amount, before.status, before.version)
    assert count(db, DeductionDetail, org) == 65
    history = screen(org, org.viewer, RokinHistoryState, routes.ROKIN_HISTORY)
    assert history.load() is None
    new = screen(org, org.viewer, RokinDetailNewState, routes.ROKIN_DETAIL_NEW)
    assert redirected_to(new.load(), routes.INFO)
    assert new.submit({"staff_no": "0990001"}) is None
    assert new.alert_text == message("E-MENU-HIDDEN")
    assert count(db, Employee, org) == 65


def test_r_user_7_hidden_user_is_sent_to_the_information_screen(db: Session, org: Org) -> None:
    """R-USER-7 非表示 (未設定): every screen and handler sends the user to the information
    screen and shows nothing."""
    state = screen(org, org.hidden, RokinDetailsState)
    assert redirected_to(state.load(), routes.INFO)
    assert state.rows == [] and state.total == 0
    assert redirected_to(state.search({"staff_no": ""}), routes.INFO) and state.rows == []
    assert redirected_to(state.turn(1), routes.INFO)
    for cls, path in ((RokinHistoryState, routes.ROKIN_HISTORY),
                      (RokinDetailNewState, routes.ROKIN_DETAIL_NEW)):
        other = screen(org, org.hidden, cls, path)
        assert redirected_to(other.load(), routes.INFO)
        assert other.rows == [] if cls is RokinHistoryState else other.products == []


def test_r_sec_1_another_contracts_detail_id_is_refused(db: Session, org: Org) -> None:
    """R-SEC-1 tenant isolation: contract B's detail id sent to 変更, 追加登録, 解除 and 履歴 of
    contract A's master is not found; B's detail is unchanged and nothing of it is shown."""
    before = stored(db, org.other_detail)
    state = details(org)
    for opener in (state.open_change, state.open_add):
        assert opener(str(org.other_detail)) is None
        assert state.alert_text == message("E-RK-DETAIL-NOT-FOUND")
        assert state.form_mode == "" and state.target == {}
    assert state.cancel(str(org.other_detail)) is None
    assert state.alert_text == message("E-RK-DETAIL-NOT-FOUND")
    for junk in ("", "-1", "1e3", "１２"):
        state.open_change(junk)
        assert state.form_mode == ""
    after = stored(db, org.other_detail)
    assert (after.version, after.status, after.monthly_amount) == (
        before.version, before.status, before.monthly_amount)
    history = screen(org, org.master, RokinHistoryState, routes.ROKIN_HISTORY,
                     {"detail": str(org.other_detail)})
    assert history.load() is None
    assert history.total == 0 and history.rows == []


# --- RK-2 新規登録 -----------------------------------------------------------------------------


def test_rk_2_register_new_employee_with_kana_normalised_on_entry(db: Session, org: Org) -> None:
    """RK-2 with R-PLUS-2 "on entry": leaving カナ氏名 typed in hiragana shows the bank's form
    (A.1: きゅうよ はなこ → ｷﾕｳﾖ ﾊﾅｺ), a character the bank refuses is named at the field; 登録
    stores the normalised kana; a repeated 登録 of the same visit registers nothing more."""
    new = screen(org, org.master, RokinDetailNewState, routes.ROKIN_DETAIL_NEW)
    assert new.load() is None
    assert [p[0] for p in new.products] == ["0001", "0002", "0101"]
    new.check_kana("ｷﾕｳﾖ ﾊﾅｺ☆")
    assert "☆" in new.errors["name_kana"] and new.kana_hint == ""
    new.check_kana("きゅうよ　はなこ")
    assert new.kana_hint == "正規化後: ｷﾕｳﾖ ﾊﾅｺ" and "name_kana" not in new.errors
    new.look_up("0990001")
    assert new.existing == {}
    form = {"staff_no": "0990001", "name_kana": "きゅうよ　はなこ", "name_kanji": "給与　花子",
            "department": "総務部", "product_code": "0002", "account_no": "8000001",
            "monthly_amount": "10000", "bonus_amount": "50000", "start_month": "2026-05",
            "end_month": "", "remaining_count": ""}
    assert new.submit(form) is None
    assert new.alert_text == ""
    assert "ｷﾕｳﾖ ﾊﾅｺ" in new.done_text and "0990001" in new.done_text
    assert new.done_link == f"{routes.ROKIN_DETAILS}?staff_no=0990001"
    assert new.submit(form) is None  # the same visit again: nothing more
    db.rollback()
    people = list(db.exec(select(Employee).where(Employee.contract_id == org.contract_id,
                                                 Employee.staff_no == "0990001")))
    db.commit()
    assert [(e.name_kana, e.name_kanji) for e in people] == [("ｷﾕｳﾖ ﾊﾅｺ", "給与　花子")]
    assert count(db, DeductionDetail, org) == 66
    listed = screen(org, org.master, RokinDetailsState, routes.ROKIN_DETAILS,
                    {"staff_no": "0990001"})
    assert listed.load() is None
    assert [(r["name_kana"], r["product"]) for r in listed.rows] == [("ｷﾕｳﾖ ﾊﾅｺ", "0002 定期積金")]


def test_rk_2_existing_staff_no_adds_a_detail_and_errors_change_nothing(
    db: Session, org: Org
) -> None:
    """RK-2 for a 職員番号 already registered: the employee is shown and the detail is added to
    them (no second employee); field errors are shown at their fields and store nothing; a
    typed 職員番号 that exists without the look-up is refused with the service's message."""
    new = screen(org, org.master, RokinDetailNewState, routes.ROKIN_DETAIL_NEW)
    new.load()
    bad = {"staff_no": "0990002", "name_kana": "", "name_kanji": "給与", "department": "総務部",
           "product_code": "", "account_no": "1", "monthly_amount": "x", "bonus_amount": "0",
           "start_month": "2026/13", "end_month": "", "remaining_count": ""}
    new.submit(bad)
    assert set(new.errors) == {"name_kana", "product_code", "account_no", "monthly_amount",
                               "start_month"}
    assert new.done_text == ""
    assert count(db, Employee, org) == 65 and count(db, DeductionDetail, org) == 65
    detail = {"product_code": "0002", "account_no": "8000002", "monthly_amount": "2000",
              "bonus_amount": "0", "start_month": "2026-05", "end_month": "",
              "remaining_count": ""}
    new.submit({"staff_no": "000008", "name_kana": "ｱ", "name_kanji": "亜", "department": "総務部",
                **detail})
    assert new.errors == {"staff_no": message("E-RK-STAFF-NO-TAKEN")}
    new.look_up("000008")
    assert new.existing["name_kana"] == _KANA[7 % len(_KANA)]
    new.submit({"staff_no": "000008", **detail})
    assert new.alert_text == "" and "000008" in new.done_text
    assert count(db, Employee, org) == 65 and count(db, DeductionDetail, org) == 66
    new.look_up("000061")  # group 002's employee: not in the selected group
    assert new.existing == {}


def test_rk_3_history_filters_by_staff_no_and_is_view_only_reachable(
    db: Session, org: Org
) -> None:
    """RK-3: the history of the employees whose 職員番号 starts with what was typed; a
    malformed 職員番号 is shown at the field."""
    state = details(org)
    for staff, amount in (("000011", "12345"), ("000021", "23456"), ("000011", "34567")):
        state.open_change(row_of(state, staff)["id"])
        state.submit_change({"monthly_amount": amount})
        assert state.alert_text == "", state.alert_text
    history = screen(org, org.viewer, RokinHistoryState, routes.ROKIN_HISTORY)
    history.load()
    assert history.total == 3
    history.search({"staff_no": "000011"})
    assert [r["changes"].split(" → ")[-1] for r in history.rows] == ["34,567", "12,345"]
    history.search({"staff_no": "x"})
    assert history.errors == {"staff_no": message("E-STAFF-NO-FORMAT")}


def test_rk_3_history_by_period_and_a_malformed_day_at_its_field(db: Session, org: Org) -> None:
    """RK-3's 期間: today's changes are inside a period ending today and outside one that
    ended yesterday; a malformed day is shown at its field and the list stays as it was."""
    state = details(org)
    state.open_change(row_of(state, "000011")["id"])
    state.submit_change({"monthly_amount": "12345"})
    assert state.alert_text == "", state.alert_text
    today = to_jst(SystemClock().now()).date()
    history = screen(org, org.master, RokinHistoryState, routes.ROKIN_HISTORY)
    history.load()
    history.search({"period_from": today.isoformat(), "period_to": today.isoformat()})
    assert history.total == 1
    history.search({"period_to": (today - timedelta(days=1)).isoformat()})
    assert history.total == 0
    history.search({"period_from": "2026-13-01"})
    assert history.errors == {
        "period_from": "「期間（開始）」は YYYY-MM-DD の形式で入力してください。"}
    assert history.total == 0  # unchanged: nothing was searched
