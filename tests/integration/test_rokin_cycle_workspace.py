"""今月の控除, the cycle workspace (issue 14 items 1 and 2; SPEC §11 RK-4, RK-5, RK-8, RK-9,
R-PLUS-1, R-INFO-1, A.4, A.6) on a real database (SQLite and PostgreSQL): the service pieces
(the parts a user gets from the manual menus' rights, what is still needed before 確定, the
error lines still to hold, the line a 照合 difference names — scoped to the session's contract
and group) and the state's handlers: 入金中止にする on a difference and on an error line, 確定,
the request choice relabelled after 確定 / 確定解除, one count with the 解約 lines apart.

The org fixture and the handler harness are test_rokin_remittance_screens.py's (group 001: two
clean lines, two error lines, 38,000円; group 002; another contract)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from chingin_app import routes
from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain import reconciliation as rec
from chingin_app.domain.clock import SystemClock, to_jst
from chingin_app.domain.messages import message
from chingin_app.domain.result import Ok
from chingin_app.models import UserRole
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.services.rokin import reconciliation as rokin_reconciliation
from chingin_app.services.rokin import workspace as ws
from chingin_app.state.login import InfoState
from chingin_app.state.rokin.cycle_workspace import CycleWorkspaceState
from chingin_app.state.rokin.reconciliation import diff_key
from chingin_app.state.rokin.remittance import OTHER_REASON_LABEL
from tests import factories
from tests.integration.test_rokin_remittance_screens import (
    Org,
    Person,
    _published,
    _sign_in,
    confirm_screen,
    org,
    rokin_cycle_session,
    screen,
    stored,
)

__all__ = ["org"]  # the fixture, imported for pytest


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    """The handlers open their own database sessions through the process settings."""
    return app_env


def workspace(person: Person) -> Any:
    """今月の控除's state on a fresh tree, loaded as ``person``."""
    state = screen(person, CycleWorkspaceState, routes.ROKIN_CYCLE)
    state.load()
    return state


def _payroll(rows: list[tuple[str, str, str, int]]) -> bytes:
    """A payroll system's file in the minimal layout (R-PLUS-1), CP932, CRLF."""
    lines = ["職員番号,商品コード,口座番号,控除額"]
    lines += [f"{s},{p},{a},{amount}" for s, p, a, amount in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


#: Group 001's lines of the fixture: 職員番号 → (商品コード, 口座番号, 金額).
LINES = {
    "000001": ("0001", "1000001", 10_000),
    "000002": ("0001", "1000002", 5_000),
    "000003": ("0001", "1000003", 3_000),
    "000004": ("0005", "2000004", 20_000),
}


def _reconciled(db: Session, o: Org, state: Any, changed: dict[str, int]) -> None:
    """The 照合 of a payroll file equal to the request but for ``changed`` amounts, shown on
    the workspace as its upload handler shows it (the upload itself is the e2e test's)."""
    rows = [(s, p, a, changed.get(s, amount)) for s, (p, a, amount) in LINES.items()]
    found = rokin_reconciliation.reconcile(db, session=rokin_cycle_session(o),
                                           data=_payroll(rows), clock=SystemClock())
    assert isinstance(found, Ok), found
    state._show_result(found.value, "payroll.csv")


# ---------------------------------------------------------------------------- service


def test_r_info_1_parts_follow_the_manual_menus_rights(db: Session, org: Org) -> None:
    """No permission row of its own: the master gets every part; a user with 閲覧のみ stored on
    the change-only まとめ入金 menus (= 非表示, R-USER-7a) and nothing else gets none."""
    session = rokin_cycle_session(org)
    got = ws.parts(db, session=_Session(session.contract_no, org.master.user_id, "master"))
    assert got == ws.Parts(True, True, True, True, True, True, True) and got.any and got.summary
    viewer = ws.parts(db, session=_Session(session.contract_no, org.viewer.user_id, "general"))
    assert not viewer.any and not viewer.summary
    db.commit()


class _Session:
    """A signed-in session as ``permissions`` reads it."""

    def __init__(self, contract_no: str, user_id: str, role: str) -> None:
        self.contract_no, self.user_id, self.role = contract_no, user_id, role
        self.group_no = "001"


def test_rk_9_still_needed_before_confirmation(db: Session, org: Org) -> None:
    """A.4: the unheld error lines and the deadline while 依頼受信; once confirmed, that it is
    done; past the deadline, that it can no longer be confirmed."""
    view = rokin_cycle.get_request(db, contract_id=org.contract_id, request_id=org.open_id)
    assert view is not None
    now = SystemClock().now()
    deadline = f"{view.deadline:%Y/%m/%d}"
    assert ws.still_needed(view, now) == (
        ws.Needed("W-WS-UNHELD-ERRORS", {"count": "2"}),
        ws.Needed("I-WS-CONFIRM-BY", {"deadline": deadline}),
    )
    past = rokin_cycle.get_request(db, contract_id=org.contract_id, request_id=org.past_id)
    assert past is not None
    assert [n.code for n in ws.still_needed(past, now)] == ["W-WS-DEADLINE-PASSED"]
    db.commit()


def test_r_sec_1_difference_lines_and_error_lines_are_the_sessions_only(
    db: Session, org: Org
) -> None:
    """The line a difference names is found in the session's group's request only: group
    002's key, or a key on another group's request id, finds nothing; error lines likewise."""
    session = rokin_cycle_session(org)
    key = rec.LineKey("000003", "0001", "1000003")
    found = ws.line_for_key(db, session=session, request_id=org.open_id, key=key)
    assert found is not None and found.staff_no == "000003" and found.error_text
    osaka = rec.LineKey("000005", "0001", "3000005")
    assert ws.line_for_key(db, session=session, request_id=org.open_id, key=osaka) is None
    assert ws.line_for_key(db, session=session, request_id=org.osaka_id, key=osaka) is None
    assert ws.line_for_key(db, session=session, request_id=org.foreign_request,
                           key=rec.LineKey("000001", "0001", "9000001")) is None
    errors = ws.unheld_error_lines(db, session=session, request_id=org.open_id)
    assert sorted(e.staff_no for e in errors) == ["000003", "000004"]
    assert ws.unheld_error_lines(db, session=session, request_id=org.foreign_request) == ()
    db.commit()


# ---------------------------------------------------------------------------- the state


def test_r_info_1_linked_first_for_holders_only_and_refused_otherwise(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The information screen links 今月の控除 for the master; the viewer (no part) gets no
    link and the address sends him back to the information screen."""
    # The app registers its screens as built when it is imported; here only this one counts.
    monkeypatch.setattr(routes, "_built", {*routes._built, routes.ROKIN_CYCLE})
    info = screen(org.master, InfoState, routes.INFO)
    assert info.load() is None and info.cycle_link
    info = screen(org.viewer, InfoState, routes.INFO)
    assert info.load() is None and not info.cycle_link
    s = screen(org.viewer, CycleWorkspaceState, routes.ROKIN_CYCLE)
    assert s.load() is not None  # the redirect
    assert s.request_id == "" and s.summary == {}


def test_rk_9_workspace_shows_the_request_and_what_is_needed(org: Org) -> None:
    """The open request (依頼受信) with its figures, the unheld error lines listed with
    「入金中止にする」, and what is still needed before 確定."""
    s = workspace(org.master)
    assert s.request_id == str(org.open_id) and s.open_for_change
    assert (s.summary["requested"], s.summary["held"], s.summary["remitted"]) == (
        "4件 38,000円", "0件 0円", "4件 38,000円")
    assert s.summary["errors"] == "2" and s.summary["ended"] == "0件 0円"
    assert s.needed[0] == message("W-WS-UNHELD-ERRORS", count="2")
    assert sorted(r["staff_no"] for r in s.error_rows) == ["000003", "000004"]
    assert all(r["can_hold"] == "1" for r in s.error_rows)
    assert (s.part_list, s.part_csv, s.part_hold_change, s.part_confirm_change) == (
        True, True, True, True)


def test_rk_5_workspace_request_data_as_csv_and_excel(org: Org) -> None:
    """依頼データ (RK-5) from the workspace: the CSV and, beside it, the same export as an
    .xlsx workbook (issue 14 item 5), both named by the one file-name pattern (item 6)."""
    s = workspace(org.master)
    info = s._begin(ws.MENU_REQUEST_EXPORT, "view")
    csv_build, excel_build = s._csv_build(info), s._excel_build(info)
    assert csv_build is not None and excel_build is not None
    made = [build(lambda *_: None) for build in (csv_build, excel_build)]
    assert [f.filename.rsplit(".", 1)[1] for f in made] == ["csv", "xlsx"]
    assert all(f.filename.startswith("労金控除依頼データ_") for f in made), made[0].filename
    assert made[1].content[:2] == b"PK"  # a zip: the workbook, not CSV bytes


def test_rk_8_rk_9_the_months_work_on_one_state(db: Session, org: Org) -> None:
    """照合 with one changed amount → 入金中止にする on that difference and on the remaining
    error line → 確定: the request is まとめ入金確定済, the figures agree with RK-9's screen and
    the request choice reads まとめ入金確定済 (issue 14 item 2), also after 確定解除."""
    s = workspace(org.master)
    _reconciled(db, org, s, {"000001": 12_000})
    assert s.differences == 1 and s.rows[0]["staff_no"] == "000001"
    s.hold_difference(s.rows[0]["key"])
    assert s.dialog_open and s.dialog_line["staff_no"] == "000001"
    s.set_hold({"reason_choice": OTHER_REASON_LABEL, "reason_text": ""})  # no reason typed
    assert s.dialog_open and s.errors["reason_text"] == message(
        "E-FIELD-REQUIRED", label="入金中止理由")
    assert stored(db, org)[1]["000001"] == (False, None)
    s.set_hold({"reason_choice": "給与不足"})
    assert s.notice == message("I-REMIT-HOLD-SET") and not s.dialog_open
    assert s.rows[0]["note"] == "入金中止" and s.rows[0]["can_hold"] == ""
    for staff_no in ("000003", "000004"):
        row = next(r for r in s.error_rows if r["staff_no"] == staff_no)
        s.hold_error(row["id"])
        s.set_hold({"reason_choice": "退職"})
        assert s.alert_text == "", s.alert_text
    assert s.error_rows == [] and s.summary["unheld_errors"] == "0"
    assert s.needed == [message("I-WS-CONFIRM-BY", deadline=s.summary["deadline"])]
    assert s.summary["held"] == "3件 33,000円" and s.summary["remitted"] == "1件 5,000円"
    status, lines = stored(db, org)
    assert status == "received"
    assert lines["000001"] == (True, "給与不足") and lines["000004"] == (True, "退職")

    s.refresh()
    s.confirm()
    assert s.notice == message("I-REMIT-CONFIRMED") and s.alert_text == ""
    assert stored(db, org)[0] == "confirmed" and s.request_status == "confirmed"
    label = next(o["label"] for o in s.request_options if o["id"] == str(org.open_id))
    assert label.endswith("（まとめ入金確定済）") and s.summary["label"] == label
    c = confirm_screen(org.master)
    assert c.summary["remitted"] == s.summary["remitted"]
    assert c.summary["requested"] == s.summary["requested"]

    u = confirm_screen(org.master, undo=True)
    u.undo()
    label = next(o["label"] for o in u.request_options if o["id"] == str(org.open_id))
    assert label.endswith("（依頼受信）")  # the choice follows 確定解除 too


def test_r_sec_1_crafted_holds_are_refused_and_change_nothing(db: Session, org: Org) -> None:
    """A key or id the workspace did not offer — another group's line, another contract's,
    garbage — opens no dialog; a 入金中止 without a dialog line changes nothing."""
    s = workspace(org.master)
    for key in ("000005|0001|3000005", "000001|0001|9000001", "x", "", "a|b|c|d"):
        s.hold_difference(key)
        assert not s.dialog_open, key
        assert s.alert_text in (message("E-WS-NO-LINE"), message("E-CYCLE-ITEM-NOT-FOUND"))
    for item in (str(org.osaka_item), str(org.foreign_item), "0", "x"):
        s.hold_error(item)
        assert s.alert_text == message("E-CYCLE-ITEM-NOT-FOUND") and not s.dialog_open
    s.set_hold({"reason_choice": "退職"})
    assert s.alert_text == message("E-CYCLE-ITEM-NOT-FOUND")
    assert not any(hold for hold, _ in stored(db, org)[1].values())


def test_r_user_7_view_only_user_gets_no_change_handler(db: Session, org: Org) -> None:
    """A user who may only view (the viewer) is refused by every handler that changes, even
    from a crafted frame: the menus' rights are checked in each handler."""
    s = screen(org.viewer, CycleWorkspaceState, routes.ROKIN_CYCLE)
    s.request_id, s._request_version = str(org.open_id), 1
    s.hold_difference(diff_key(rec.LineKey("000003", "0001", "1000003")))
    assert not s.dialog_open
    s.confirm()
    assert stored(db, org)[0] == "received"
    assert not any(hold for hold, _ in stored(db, org)[1].values())


# ---------------------------------------------------------------------------- one count


def test_a_4_ended_lines_are_counted_apart_everywhere(db: Session) -> None:
    """Issue 14 item 2: a detail that ended gives a 解約 line (amount 0) in the next request;
    the request's count leaves it out and names it apart — on the workspace, RK-9 and the
    照合's request line alike: 「1件 10,000円（ほかに解約 1件 0円）」."""
    contract = factories.make_contract(db, groups=(("001", "本社"),))
    product = factories.make_rokin_product(db, contract, code="0001", name="普通預金")
    this_month = cyc.month_of(to_jst(SystemClock().now()).date())
    for staff_no, end in (("000001", None), ("000002", this_month)):
        emp = factories.make_employee(db, contract, staff_no=staff_no, name_kana="ﾛｳｷﾝ ﾀﾛｳ")
        factories.make_deduction_detail(db, emp, product, account_no=f"10000{staff_no[-2:]}",
                                        monthly_amount=10_000, end_month=end)
    _published(db, contract.contract_no, this_month)
    opened = _published(db, contract.contract_no, cyc.month_add(this_month, 1))["001"]
    assert contract.id is not None
    view = rokin_cycle.get_request(db, contract_id=contract.id, request_id=opened)
    assert view is not None
    t = view.totals
    assert (t.requested_count, t.requested_amount, t.ended_count, t.ended_amount) == (
        1, 10_000, 1, 0)
    master = factories.make_user(db, contract, role=UserRole.MASTER.value,
                                 user_id=factories.next_user_id("Mas"))
    person = _sign_in(db, master)
    expected = "1件 10,000円（ほかに解約 1件 0円）"
    s = workspace(person)
    assert s.request_id == str(opened) and s.summary["requested"] == expected
    assert s.summary["ended"] == "1件 0円"
    assert confirm_screen(person).summary["requested"] == expected
    current = rokin_reconciliation.current_request(
        db, session=_Session(contract.contract_no, master.user_id, "master"))
    assert isinstance(current, Ok) and current.value.figures == expected
    db.commit()

