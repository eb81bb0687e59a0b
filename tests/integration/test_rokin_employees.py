"""RK-12 職員情報照会・変更 (SPEC §11; A.1 カナ氏名 on entry; R-PLUS-5 preview before apply;
R-PLUS-8 漢字氏名 filter; R-USER-7 rights of 労金控除明細照会; R-SEC-1 tenant and menu checked by
every handler), on SQLite and PostgreSQL: the state handlers called on a state tree built
under pytest; database, histories and the operation log real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import Session, col, select

from chingin_app import routes
from chingin_app.domain import dates
from chingin_app.domain.clock import SystemClock
from chingin_app.domain.messages import message
from chingin_app.models import (
    Contract,
    DeductionDetail,
    DeductionDetailHistory,
    Employee,
    EmployeeHistory,
    LedgerDetail,
    LedgerDetailHistory,
    MenuPermission,
    OperationLog,
    UserRole,
)
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.detail_rules import current_month
from chingin_app.services.rokin import details as rokin_details
from chingin_app.services.rokin import employees
from chingin_app.services.rokin.details import DetailChange
from chingin_app.state.login import InfoState
from chingin_app.state.rokin.details import RokinDetailsState
from chingin_app.state.rokin.employees import RokinEmployeesState
from tests import factories
from tests.support.screens import screen, sign_in, stored_row


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    return app_env


def _shift(month: str, by: int) -> str:
    year, mon = divmod(int(month[:4]) * 12 + int(month[5:]) - 1 + by, 12)
    return f"{year:04d}-{mon + 1:02d}"


THIS_MONTH = current_month(SystemClock())
#: How screens write it (issue 14 item 6: 2026年12月).
THIS_LABEL = dates.month_label(THIS_MONTH)


@dataclass
class Org:
    contract_id: int
    contract_no: str
    facts: dict[str, CertFacts]
    tokens: dict[str, str]
    master: str
    viewer: str  # 閲覧のみ on 労金控除明細照会
    hidden: str  # no settings
    staff: dict[str, int]  # 職員番号 → employee id (contract A)
    rokin: dict[str, int]  # name → DeductionDetail id
    ledger: dict[str, int]  # name → LedgerDetail id
    other_employee: int  # contract B's


@pytest.fixture
def org(db: Session) -> Iterator[Org]:
    """Contract A, group 001: 000001 佐藤 (普通預金 running, 定期積金 starting after this month,
    a cancelled 普通預金, 組合費 running, 共済会費 ended long ago), 000002 鈴木 (普通預金 and a
    住宅ローン whose 残回数 is missing — a row the detail rules refuse to end), 000003 青木
    (組合費 only), 000004 給与 (no detail); group 002: 000005 伊藤. Contract B: one employee."""
    contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    products = (("0001", "普通預金", "savings"), ("0002", "定期積金", "savings"),
                ("0101", "住宅ローン返済", "loan"))
    prod = {code: factories.make_rokin_product(db, contract, code=code, name=name, kind=kind)
            for code, name, kind in products}
    item = {code: factories.make_ledger_item(db, contract, code=code, name=name)
            for code, name in (("0001", "組合費"), ("0002", "共済会費"))}
    people = (("000001", "ｻﾄｳ ﾀﾛｳ", "佐藤　太郎", "総務部", "001"),
              ("000002", "ｽｽﾞｷ ﾊﾅｺ", "鈴木　花子", "営業部", "001"),
              ("000003", "ｱｵｷ ｼﾞﾛｳ", "青木　次郎", "営業部", "001"),
              ("000004", "ｷﾕｳﾖ ｲﾁﾛｳ", "給与　一郎", "製造部", "001"),
              ("000005", "ｲﾄｳ ｻﾌﾞﾛｳ", "伊藤　三郎", "総務部", "002"))
    staff = {}
    for no, kana, kanji, dept, group in people:
        e = factories.make_employee(db, contract, staff_no=no, name_kana=kana, name_kanji=kanji,
                                    department=dept, group_no=group)
        staff[no] = e
    rk = factories.make_deduction_detail
    rokin = {
        "sato_savings": rk(db, staff["000001"], prod["0001"], account_no="1000001"),
        "sato_future": rk(db, staff["000001"], prod["0002"], account_no="1000002",
                          start_month=_shift(THIS_MONTH, 2)),
        "sato_cancelled": rk(db, staff["000001"], prod["0001"], account_no="1000003",
                             status="cancelled"),
        "suzuki_savings": rk(db, staff["000002"], prod["0001"], account_no="2000001"),
        "suzuki_loan": rk(db, staff["000002"], prod["0101"], account_no="2000002",
                          remaining_count=None),
    }
    ld = factories.make_ledger_detail
    ledger = {
        "sato_union": ld(db, staff["000001"], item["0001"]),
        "sato_ended": ld(db, staff["000001"], item["0002"], end_month="2025-06"),
        "aoki_union": ld(db, staff["000003"], item["0001"]),
    }
    master = factories.make_user(db, contract, role=UserRole.MASTER.value,
                                 user_id=factories.next_user_id("EmM"))
    viewer = factories.make_user(db, contract, user_id=factories.next_user_id("EmV"))
    hidden = factories.make_user(db, contract, user_id=factories.next_user_id("EmH"))
    assert viewer.id is not None
    db.add(MenuPermission(user_pk=viewer.id, menu_key="rokin.detail_inquiry", level="view_only"))
    other = factories.make_contract(db)
    other_employee = factories.make_employee(db, other, staff_no="000001")
    db.commit()
    facts: dict[str, CertFacts] = {}
    tokens: dict[str, str] = {}
    for user in (master, viewer, hidden):
        sign_in(db, user, facts, tokens)
    assert contract.id is not None
    made = Org(contract.id, contract.contract_no, facts, tokens, master.user_id,
               viewer.user_id, hidden.user_id, {k: v.id for k, v in staff.items()},
               {k: v.id for k, v in rokin.items()}, {k: v.id for k, v in ledger.items()},
               other_employee.id)
    db.commit()
    yield made


def employees_screen(org: Org, user_id: str | None = None) -> Any:
    state = screen(org, user_id or org.master, RokinEmployeesState, routes.ROKIN_EMPLOYEES)  # type: ignore[arg-type]
    assert state.load() is None
    return state


def search(state: Any, **fields: str) -> None:
    form = {"staff_no": "", "name_kana": "", "name_kanji": "", "department": ""}
    form.update(fields)
    assert state.search(form) is None


def staff_nos(state: Any) -> list[str]:
    return [r["staff_no"] for r in state.rows]


def session_of(org: Org, user_id: str | None = None, group_no: str | None = "001") -> Any:
    return SimpleNamespace(contract_no=org.contract_no, user_id=user_id or org.master,
                           group_no=group_no)


def oplog(db: Session, org: Org, prefix: str) -> list[tuple[str, str]]:
    db.rollback()
    found = [(a, r) for a, r in db.exec(
        select(OperationLog.action, OperationLog.result).where(
            OperationLog.contract_no == org.contract_no,
            col(OperationLog.action).startswith(prefix)).order_by(col(OperationLog.id))).all()]
    db.commit()
    return found


def snapshot_all(db: Session, org: Org) -> dict[str, Any]:
    """Every detail and employee of the fixture as stored now (to show nothing changed)."""
    out: dict[str, Any] = {}
    for name, i in org.rokin.items():
        r = stored_row(db, DeductionDetail, i)
        out[f"rk:{name}"] = (r.version, r.status, r.end_month)
    for name, i in org.ledger.items():
        r = stored_row(db, LedgerDetail, i)
        out[f"rl:{name}"] = (r.version, r.status, r.end_month)
    for no, i in org.staff.items():
        r = stored_row(db, Employee, i)
        out[f"e:{no}"] = (r.version, r.name_kana, r.name_kanji, r.department)
    return out


# --- search ---------------------------------------------------------------------------------


def test_rk_12_search_by_each_field_in_kana_order_within_the_group(org: Org) -> None:
    """RK-12: the group's employees (not group 002's, not contract B's) in kana order by code
    point, with their running 労金控除 / 賃控元帳 details counted; 職員番号 from the start,
    カナ氏名 typed in hiragana (normalised, A.1), 漢字氏名 (R-PLUS-8) and 所属 anywhere."""
    state = employees_screen(org)
    assert state.can_change
    assert staff_nos(state) == ["000003", "000004", "000001", "000002"]  # ｱｵｷ ｷﾕｳﾖ ｻﾄｳ ｽｽﾞｷ
    sato = state.rows[2]
    assert (sato["name_kanji"], sato["rokin_active"], sato["ledger_active"]) == (
        "佐藤　太郎", "2", "1")
    search(state, staff_no="000002")
    assert staff_nos(state) == ["000002"]
    search(state, staff_no="00000")
    assert state.total == 4
    search(state, name_kana="すずき")
    assert staff_nos(state) == ["000002"] and state.kana_hint == "正規化後: ｽｽﾞｷ"
    search(state, name_kanji="佐藤")
    assert staff_nos(state) == ["000001"]
    search(state, name_kanji="郎")
    assert staff_nos(state) == ["000003", "000004", "000001"]
    search(state, department="営業")
    assert staff_nos(state) == ["000003", "000002"]
    search(state, department="営業", name_kanji="鈴木")
    assert staff_nos(state) == ["000002"]
    search(state, staff_no="12a")
    assert state.errors == {"staff_no": message("E-STAFF-NO-FORMAT", label="職員番号")}
    assert state.total == 0


def test_rk_12_is_linked_under_rokin_with_rk_1s_right_only(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC §11 RK-12 "under 労金控除事務, rights of 労金控除明細照会": the information screen
    links 「職員情報照会・変更」 for the master and the 閲覧のみ user, not for a user without
    労金控除明細照会 (no permission row of its own)."""
    from chingin_app.domain.permissions import MENUS_BY_KEY, PERMISSION_MENUS

    # The app module registers every built screen; here only RK-12's own route is marked.
    monkeypatch.setattr(routes, "_built", {routes.TOP, routes.ROKIN_EMPLOYEES})

    rk12 = [item for item in MENUS_BY_KEY.values() if item.label == "職員情報照会・変更"]
    assert [item.rights for item in rk12] == ["rokin.detail_inquiry"]
    assert not any(item.label == "職員情報照会・変更" for item in PERMISSION_MENUS)
    link = ["職員情報照会・変更", routes.ROKIN_EMPLOYEES]
    for user, shown in ((org.master, True), (org.viewer, True), (org.hidden, False)):
        info = screen(org, user, InfoState, routes.INFO)  # type: ignore[arg-type]
        assert info.load() is None
        assert (link in info.menu_links.get("労金控除事務", [])) is shown, user


# --- 変更 ------------------------------------------------------------------------------------


def test_rk_12_change_with_history_and_rk_1_lists_the_new_values(db: Session, org: Org) -> None:
    """RK-12 変更: カナ氏名 typed in hiragana is stored normalised (A.1), 所属 changes, blank
    漢字氏名 is kept; the version moves on; a history row says who, when, before and after and
    the screen shows it; one operation-log entry; RK-1 lists the new 所属 and カナ氏名."""
    eid = org.staff["000001"]
    before = stored_row(db, Employee, eid)
    state = employees_screen(org)
    assert state.open_change(str(eid)) is None and state.form_mode == "change"
    assert state.check_kana("さとう じろう") is None
    assert state.change_kana_hint == "正規化後: ｻﾄｳ ｼﾞﾛｳ"
    assert state.submit_change({"new_name_kana": "さとう じろう", "new_name_kanji": "",
                                "new_department": "企画部"}) is None
    assert state.alert_text == "" and state.form_mode == ""
    assert state.notice == message("I-EMPLOYEE-CHANGED", staff_no="000001")
    after = stored_row(db, Employee, eid)
    assert (after.name_kana, after.name_kanji, after.department, after.version) == (
        "ｻﾄｳ ｼﾞﾛｳ", "佐藤　太郎", "企画部", before.version + 1)
    db.rollback()
    rows = db.exec(select(EmployeeHistory).where(EmployeeHistory.employee_id == eid)).all()
    assert len(rows) == 1
    entry = rows[0]
    assert (entry.actor, entry.action, entry.contract_id) == (org.master, "変更", org.contract_id)
    assert json.loads(entry.before_json or "{}")["department"] == "総務部"
    assert json.loads(entry.after_json or "{}") == {
        "name_kana": "ｻﾄｳ ｼﾞﾛｳ", "name_kanji": "佐藤　太郎", "department": "企画部"}
    db.commit()
    assert oplog(db, org, "rokin.employee.") == [("rokin.employee.change", "success")]
    assert state.open_change(str(eid)) is None
    assert [(h["actor"], h["action"]) for h in state.history] == [(org.master, "変更")]
    assert "所属: 総務部 → 企画部" in state.history[0]["changes"]
    assert "カナ氏名: ｻﾄｳ ﾀﾛｳ → ｻﾄｳ ｼﾞﾛｳ" in state.history[0]["changes"]
    rk1 = screen(org, org.master, RokinDetailsState)
    assert rk1.load() is None
    assert {(r["department"], r["name_kana"]) for r in rk1.rows if r["staff_no"] == "000001"} == {
        ("企画部", "ｻﾄｳ ｼﾞﾛｳ")}


def test_rk_12_change_errors_at_the_field_change_nothing(db: Session, org: Org) -> None:
    """RK-12 変更: a カナ氏名 the bank refuses (A.1), a 所属 CP932 cannot hold and a half-width
    漢字氏名 are each refused at the field, together; nothing typed is E-NO-CHANGE; nothing
    changed, the refusals logged."""
    eid = org.staff["000002"]
    before = snapshot_all(db, org)
    state = employees_screen(org)
    assert state.open_change(str(eid)) is None
    assert state.submit_change({"new_name_kana": "ｽｽﾞｷ★", "new_name_kanji": "ab!",
                                "new_department": "営業🙂"}) is None
    assert set(state.errors) == {"new_name_kana", "new_name_kanji", "new_department"}
    assert state.form_mode == "change"
    assert state.submit_change({"new_name_kana": "", "new_name_kanji": "",
                                "new_department": ""}) is None
    assert state.alert_text == message("E-NO-CHANGE")
    assert state.submit_change({"new_department": "営業部"}) is None  # the stored value
    assert state.alert_text == message("E-NO-CHANGE")
    assert snapshot_all(db, org) == before
    assert [r for _a, r in oplog(db, org, "rokin.employee.")] == ["failure", "refused",
                                                                 "refused"]


def test_rk_12_optimistic_lock_refuses_a_change_made_meanwhile(db: Session, org: Org) -> None:
    """RK-12 変更 at the version the form showed: two users open the same employee; the second
    update is refused with E-RK-EMPLOYEE-VERSION-CONFLICT and the first one's value stays."""
    eid = org.staff["000003"]
    first, second = employees_screen(org), employees_screen(org)
    assert first.open_change(str(eid)) is None and second.open_change(str(eid)) is None
    assert first.submit_change({"new_department": "人事部"}) is None and first.alert_text == ""
    assert second.submit_change({"new_department": "経理部"}) is None
    assert second.alert_text == message("E-RK-EMPLOYEE-VERSION-CONFLICT")
    assert second.form_mode == ""
    assert stored_row(db, Employee, eid).department == "人事部"
    with Session(db.get_bind()) as s:
        stale = employees.change_employee(
            s, session=session_of(org), clock=SystemClock(), employee_id=eid, version=1,
            change=employees.EmployeeChange(department="経理部"))
    assert getattr(stale, "code", None) == "E-RK-EMPLOYEE-VERSION-CONFLICT"
    assert stored_row(db, Employee, eid).department == "人事部"


# --- 退職 ------------------------------------------------------------------------------------


def test_rk_12_retire_preview_then_apply_ends_both_kinds_in_one_transaction(
    db: Session, org: Org
) -> None:
    """RK-12 退職 from this month: 確認 lists the running 労金控除 details (普通預金 ends this
    month, 定期積金 starting later is 解除) and the running 賃控元帳 detail (組合費), not the
    cancelled or long-ended ones, and changes nothing (R-PLUS-5); 退職を登録 ends all three in
    one transaction through RK-1's / RL-1's rules: their history rows (変更 / 解除), a 退職 row
    in the employee's history and one operation-log entry (no per-detail entries)."""
    eid = org.staff["000001"]
    before = snapshot_all(db, org)
    state = employees_screen(org)
    assert state.open_retire(str(eid)) is None and state.form_mode == "retire"
    assert state.preview_retire({"retire_month": THIS_MONTH.replace("-", "/")}) is None
    assert state.alert_text == ""
    assert [(r["kind"], r["what"], r["outcome"], r["new_end_month"])
            for r in state.preview_lines] == [
        ("労金控除明細", "0001 普通預金", "終了", THIS_LABEL),
        ("労金控除明細", "0002 定期積金", "解除", ""),
        ("賃控元帳明細", "0001 組合費", "終了", THIS_LABEL),
    ]
    assert state.preview_text == message(
        "I-EMPLOYEE-RETIRE-PREVIEW", staff_no="000001", name_kana="ｻﾄｳ ﾀﾛｳ", month=THIS_LABEL,
        rokin=2, ledger=1)
    assert snapshot_all(db, org) == before
    assert state.apply_retire() is None
    assert state.alert_text == ""
    assert state.notice == message("I-EMPLOYEE-RETIRED", staff_no="000001", month=THIS_LABEL,
                                   rokin=2, ledger=1)
    after = snapshot_all(db, org)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"rk:sato_savings", "rk:sato_future", "rl:sato_union", "e:000001"}
    assert after["rk:sato_savings"][1:] == ("active", THIS_MONTH)
    assert after["rk:sato_future"][1] == "cancelled"
    assert after["rl:sato_union"][1:] == ("active", THIS_MONTH)
    db.rollback()
    rk_history = db.exec(select(DeductionDetailHistory.detail_id, DeductionDetailHistory.action)
                         .where(col(DeductionDetailHistory.detail_id).in_(
                             [org.rokin["sato_savings"], org.rokin["sato_future"]]))).all()
    assert sorted(rk_history) == sorted([(org.rokin["sato_savings"], "変更"),
                                         (org.rokin["sato_future"], "解除")])
    rl_history = db.exec(select(LedgerDetailHistory.action).where(
        LedgerDetailHistory.detail_id == org.ledger["sato_union"])).all()
    assert list(rl_history) == ["変更"]
    assert list(db.exec(select(EmployeeHistory.action).where(
        EmployeeHistory.employee_id == eid)).all()) == ["退職"]
    db.commit()
    assert oplog(db, org, "rokin.") == [("rokin.employee.retire", "success")]
    assert oplog(db, org, "ledger.") == []
    # Nothing runs after the month any more: a second 退職 has nothing to end.
    assert state.open_retire(str(eid)) is None
    assert state.preview_retire({"retire_month": THIS_MONTH}) is None
    assert state.errors["retire_month"] == message("E-RK-RETIRE-NOTHING", month=THIS_LABEL)


def test_rk_12_retire_refuses_bad_month_and_stale_preview_changing_nothing(
    db: Session, org: Org
) -> None:
    """RK-12 退職 refusals, each in Japanese and changing nothing: a malformed month and a month
    before this one at the field; an employee without running details; a preview made stale by
    a detail changed meanwhile, or by the employee changed meanwhile (E-RK-RETIRE-CHANGED)."""
    before = snapshot_all(db, org)
    state = employees_screen(org)
    assert state.open_retire(str(org.staff["000001"])) is None
    assert state.preview_retire({"retire_month": "2026-13"}) is None
    assert state.errors == {"retire_month": message("E-MONTH-FORMAT", label="退職年月")}
    assert state.preview_retire({"retire_month": _shift(THIS_MONTH, -1)}) is None
    assert state.errors == {"retire_month": message("E-RK-RETIRE-MONTH-PAST", month=THIS_LABEL)}
    assert state.preview_lines == []
    assert state.open_retire(str(org.staff["000004"])) is None
    assert state.preview_retire({"retire_month": THIS_MONTH}) is None
    assert state.errors == {"retire_month": message("E-RK-RETIRE-NOTHING", month=THIS_LABEL)}
    assert snapshot_all(db, org) == before

    # A detail changed after the preview.
    assert state.open_retire(str(org.staff["000001"])) is None
    assert state.preview_retire({"retire_month": THIS_MONTH}) is None and state.preview_lines
    version = stored_row(db, DeductionDetail, org.rokin["sato_savings"]).version
    with Session(db.get_bind()) as s:
        done = rokin_details.change_detail(
            s, session=session_of(org), clock=SystemClock(), detail_id=org.rokin["sato_savings"],
            version=version, change=DetailChange(monthly_amount="12000"))
    assert hasattr(done, "value")
    meanwhile = snapshot_all(db, org)
    assert state.apply_retire() is None
    assert state.alert_text == message("E-RK-RETIRE-CHANGED")
    assert snapshot_all(db, org) == meanwhile

    # The employee changed after the preview.
    assert state.preview_retire({"retire_month": THIS_MONTH}) is None and state.preview_lines
    other = employees_screen(org)
    assert other.open_change(str(org.staff["000001"])) is None
    assert other.submit_change({"new_department": "企画部"}) is None and other.alert_text == ""
    meanwhile = snapshot_all(db, org)
    assert state.apply_retire() is None
    assert state.alert_text == message("E-RK-RETIRE-CHANGED")
    assert snapshot_all(db, org) == meanwhile
    assert [r for a, r in oplog(db, org, "rokin.employee.retire")] == ["refused", "refused"]


def test_rk_12_retire_is_all_or_nothing_when_a_detail_rule_refuses(
    db: Session, org: Org
) -> None:
    """RK-12 退職 in one transaction: 鈴木's 住宅ローン has no 残回数, so RK-1's own 変更 rules
    refuse to end it (E-RK-RETIRE-DETAIL naming it); the 普通預金 ended before it in the same
    transaction is rolled back too — nothing is half applied."""
    before = snapshot_all(db, org)
    state = employees_screen(org)
    assert state.open_retire(str(org.staff["000002"])) is None
    assert state.preview_retire({"retire_month": _shift(THIS_MONTH, 1)}) is None
    assert [r["what"] for r in state.preview_lines] == ["0001 普通預金", "0101 住宅ローン返済"]
    assert state.apply_retire() is None
    assert state.alert_text == message(
        "E-RK-RETIRE-DETAIL", kind="労金控除明細", what="0101 住宅ローン返済",
        reason=message("E-FIELD-REQUIRED", label="残回数"))
    assert snapshot_all(db, org) == before


# --- tenant and rights ----------------------------------------------------------------------


def test_r_sec_1_rk_12_another_contracts_or_groups_employee_is_not_found(
    db: Session, org: Org
) -> None:
    """R-SEC-1: contract B's employee and group 002's employee (the session selected 001) sent
    to 変更 and 退職 — through the screen or the services directly — are not found and stay as
    they were; the list never shows them."""
    state = employees_screen(org)
    for foreign in (org.other_employee, org.staff["000005"]):
        before = stored_row(db, Employee, foreign)
        for opener in (state.open_change, state.open_retire):
            assert opener(str(foreign)) is None
            assert state.alert_text == message("E-RK-EMPLOYEE-NOT-FOUND")
            assert state.form_mode == "" and state.target == {}
        with Session(db.get_bind()) as s:
            changed = employees.change_employee(
                s, session=session_of(org), clock=SystemClock(), employee_id=foreign,
                version=before.version, change=employees.EmployeeChange(department="乗取部"))
            previewed = employees.preview_retirement(
                s, session=session_of(org), clock=SystemClock(), employee_id=foreign,
                month=THIS_MONTH)
            applied = employees.apply_retirement(
                s, session=session_of(org), clock=SystemClock(), employee_id=foreign,
                employee_version=before.version, month=THIS_MONTH, expected=())
            shown = employees.get_employee(s, session=session_of(org), clock=SystemClock(),
                                           employee_id=foreign)
        for result in (changed, previewed, applied, shown):
            assert getattr(result, "code", None) == "E-RK-EMPLOYEE-NOT-FOUND"
        after = stored_row(db, Employee, foreign)
        assert (after.version, after.department) == (before.version, before.department)
    for junk in ("", "-1", "1e3", "１２"):
        assert state.open_change(junk) is None and state.form_mode == ""
    assert "000005" not in staff_nos(state)


def test_r_user_7_rk_12_view_only_and_hidden_users_are_refused_in_every_handler(
    db: Session, org: Org
) -> None:
    """RK-12 under 労金控除明細照会's right: 閲覧のみ lists and searches but every change — even a
    crafted frame on a prepared form or preview — is refused with E-MENU-VIEW-ONLY; a user
    without the right is sent to the information screen. Nothing changes."""
    before = snapshot_all(db, org)
    viewer = employees_screen(org, org.viewer)
    assert viewer.total == 4 and not viewer.can_change
    eid = org.staff["000001"]
    for opener in (viewer.open_change, viewer.open_retire):
        viewer.alert_text = ""
        assert opener(str(eid)) is None
        assert viewer.alert_text == message("E-MENU-VIEW-ONLY") and viewer.form_mode == ""
    # Crafted frames after a form and a preview were (somehow) prepared.
    viewer.form_mode, viewer._target_id, viewer._target_version = "change", eid, 1
    viewer.alert_text = ""
    assert viewer.submit_change({"new_department": "企画部"}) is None
    assert viewer.alert_text == message("E-MENU-VIEW-ONLY")
    with Session(db.get_bind()) as s:
        preview = employees.preview_retirement(s, session=session_of(org), clock=SystemClock(),
                                               employee_id=eid, month=THIS_MONTH)
    viewer._preview = preview.value  # type: ignore[union-attr]
    viewer.alert_text = ""
    assert viewer.apply_retire() is None
    assert viewer.alert_text == message("E-MENU-VIEW-ONLY")
    assert snapshot_all(db, org) == before

    hidden = screen(org, org.hidden, RokinEmployeesState, routes.ROKIN_EMPLOYEES)  # type: ignore[arg-type]
    assert routes.INFO in str(hidden.load())
    assert hidden.rows == []
    assert routes.INFO in str(hidden.search({"staff_no": ""}))
    assert routes.INFO in str(hidden.turn(1))
    hidden._preview = preview.value  # type: ignore[union-attr]
    assert hidden.apply_retire() is None
    assert hidden.alert_text == message("E-MENU-HIDDEN")
    assert snapshot_all(db, org) == before
    db.rollback()
    assert db.get(Contract, org.contract_id) is not None
    db.commit()


# --- R-PLUS-8 on the detail lists -----------------------------------------------------------


def test_r_plus_8_kanji_name_filter_on_rk_1_and_rl_1(db: Session, org: Org) -> None:
    """R-PLUS-8: 労金控除明細照会 and 賃控元帳明細照会 filter by 漢字氏名 beside カナ氏名, anywhere
    in the name, typed with a half-width space as stored with a full-width one; the services'
    queries themselves take it."""
    from chingin_app.services.ledger import details as ledger_details
    from chingin_app.services.ledger.details import LedgerFilter
    from chingin_app.services.rokin import detail_queries
    from chingin_app.services.rokin.detail_queries import DetailFilter
    from chingin_app.state.ledger.details import LedgerDetailsState

    rk1 = screen(org, org.master, RokinDetailsState)
    assert rk1.load() is None
    rk1.search({"staff_no": "", "name_kana": "", "name_kanji": "佐藤 太郎", "department": "",
                "status": "", "product": ""})
    assert {r["staff_no"] for r in rk1.rows} == {"000001"} and rk1.total == 3
    rl1 = screen(org, org.master, LedgerDetailsState, routes.LEDGER_DETAILS)  # type: ignore[arg-type]
    assert rl1.load() is None
    rl1.search({"staff_no": "", "name_kana": "", "name_kanji": "次郎", "department": "",
                "status": "", "item": ""})
    assert [r["staff_no"] for r in rl1.rows] == ["000003"]
    with Session(db.get_bind()) as s:
        rk = detail_queries.search(s, session=session_of(org), clock=SystemClock(),
                                   flt=DetailFilter(name_kanji="鈴木"))
        rl = ledger_details.search(s, session=session_of(org), clock=SystemClock(),
                                   flt=LedgerFilter(name_kanji="鈴木"))
        none = detail_queries.search(s, session=session_of(org), clock=SystemClock(),
                                     flt=DetailFilter(name_kanji="%"))
    assert {r.staff_no for r in rk.rows} == {"000002"}  # type: ignore[union-attr]
    assert rl.total == 0  # type: ignore[union-attr]
    assert none.total == 0  # type: ignore[union-attr]  (a LIKE wildcard is taken literally)
