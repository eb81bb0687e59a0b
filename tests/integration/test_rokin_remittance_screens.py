"""The まとめ入金 screens' handlers on a real database (SQLite and PostgreSQL): RK-8
まとめ入金依頼入金中止設定 (holds with live totals, server-side filters), RK-9 まとめ入金確定 /
確定解除 (refused while an error line is not held, after the deadline, on stale totals; the
two PDFs after confirmation), RK-10 (re-print), 閲覧のみ (R-USER-7) and tenant scoping
(R-SEC-1: another group's or contract's ids are refused).

The handlers run on a state tree built under pytest with the session and certificate a real
connection carries (as in test_contract_user_own.py); the services, the database and the
operation log are real. The handlers use the process clock (real time), so the open request
is next month's (its deadline is weeks away) and the closed one last month's."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import Session, col, select

from chingin_app.domain import deduction_cycle as cyc
from chingin_app.domain.clock import MovableClock, SystemClock, to_jst
from chingin_app.domain.messages import message
from chingin_app.domain.result import Ok
from chingin_app.models import (
    Contract,
    DeductionRequest,
    DeductionRequestItem,
    MenuPermission,
    OperationLog,
    UserRole,
)
from chingin_app.services import login
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.rokin import cycle as rokin_cycle
from chingin_app.services.rokin import remittance as rokin_remittance
from chingin_app.state.rokin.remittance import OTHER_REASON_LABEL, RemitHoldsState
from chingin_app.state.rokin.remittance_confirm import RemitConfirmState, WebStatementState
from chingin_app.state.session import SessionState
from tests import factories

VIEW_ONLY_MENUS = ("rokin.remit_stop", "rokin.remit_confirm", "rokin.remit_unconfirm")


@pytest.fixture(autouse=True)
def _env(app_env: Path) -> Path:
    """The handlers open their own database sessions through the process settings."""
    return app_env


@dataclass(frozen=True)
class Person:
    user_id: str
    facts: CertFacts
    token: str


@dataclass
class Org:
    contract_no: str
    contract_id: int
    master: Person
    viewer: Person  # a general user with 閲覧のみ stored on RK-8 and RK-9 (= 非表示)
    open_id: int  # next month's request of group 001 (依頼受信, before its deadline)
    past_id: int  # last month's request of group 001 (依頼受信, deadline passed)
    osaka_id: int  # next month's request of group 002
    osaka_item: int
    foreign_item: int  # a line of another contract's request
    foreign_request: int


def _sign_in(db: Session, user: Any, group_no: str = "001") -> Person:
    cert = factories.make_certificate(db, user, issued_at=SystemClock().now())
    facts = CertFacts("current", user.user_id, cert.serial_hex, cert.sha256)
    signed = login.login(db, facts=facts, password=factories.PASSWORD, clock=SystemClock(),
                         ip="192.0.2.40")
    assert isinstance(signed, Ok), signed
    token = signed.value.session_token
    chosen = login.select_group(db, session_token=token, facts=facts, group_no=group_no,
                                clock=SystemClock())
    assert isinstance(chosen, Ok), chosen
    db.commit()
    return Person(user.user_id, facts, token)


def _published(db: Session, contract_no: str, month: str) -> dict[str, int]:
    got = rokin_cycle.publish_request(db, contract_no=contract_no, deduct_month=month,
                                      actor="op1", clock=MovableClock(SystemClock().now()))
    assert isinstance(got, Ok), got
    return {p.group_no: p.request_id for p in got.value}


def _item(db: Session, request_id: int, staff_no: str) -> DeductionRequestItem:
    db.expire_all()
    row = db.exec(select(DeductionRequestItem).where(
        DeductionRequestItem.request_id == request_id, DeductionRequestItem.staff_no == staff_no
    )).one()
    db.commit()
    return row


@pytest.fixture
def org(db: Session) -> Iterator[Org]:
    """Group 001: two clean lines (10,000 and 5,000), a kana error (3,000) and a loan at 残回数
    0 (20,000) — 4 lines, 38,000円, 2 error lines; group 002: one line. Another contract with
    its own request."""
    contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "大阪支社")))
    assert contract.id is not None
    savings = factories.make_rokin_product(db, contract, code="0001", name="普通預金")
    loan = factories.make_rokin_product(db, contract, code="0005", name="ローン返済",
                                        kind="loan")
    staff = {
        "000001": ("ﾛｳｷﾝ ﾀﾛｳ", "総務部", savings, "1000001", 10_000, None),
        "000002": ("ｷﾕｳﾖ ｲﾁﾛｳ", "営業部", savings, "1000002", 5_000, None),
        "000003": ("ﾛｳｷﾝ 花子", "営業部", savings, "1000003", 3_000, None),
        "000004": ("ｶｼﾂｹ ｼﾞﾛｳ", "総務部", loan, "2000004", 20_000, 0),
    }
    for staff_no, (kana, dept, product, account, amount, remaining) in staff.items():
        emp = factories.make_employee(db, contract, staff_no=staff_no, name_kana=kana,
                                      department=dept)
        factories.make_deduction_detail(db, emp, product, account_no=account,
                                        monthly_amount=amount, remaining_count=remaining)
    osaka = factories.make_employee(db, contract, staff_no="000005", group_no="002",
                                    name_kana="ｵｵｻｶ ｻﾌﾞﾛｳ")
    factories.make_deduction_detail(db, osaka, savings, account_no="3000005",
                                    monthly_amount=8_000)
    today = to_jst(SystemClock().now()).date()
    this_month = cyc.month_of(today)
    past = _published(db, contract.contract_no, cyc.month_add(this_month, -1))
    opened = _published(db, contract.contract_no, cyc.month_add(this_month, 1))

    other = factories.make_contract(db)
    assert other.id is not None
    other_product = factories.make_rokin_product(db, other)
    other_emp = factories.make_employee(db, other, staff_no="000001")
    factories.make_deduction_detail(db, other_emp, other_product, account_no="9000001")
    foreign = _published(db, other.contract_no, cyc.month_add(this_month, 1))["001"]

    master = factories.make_user(db, contract, role=UserRole.MASTER.value,
                                 user_name="確定　花子", user_id=factories.next_user_id("Mas"))
    viewer = factories.make_user(db, contract, user_id=factories.next_user_id("Vie"))
    assert viewer.id is not None
    for key in VIEW_ONLY_MENUS:
        db.add(MenuPermission(user_pk=viewer.id, menu_key=key, level="view_only"))
    db.add(MenuPermission(user_pk=viewer.id, menu_key="rokin.web_update_statement",
                          level="show"))
    db.commit()
    yield Org(
        contract_no=contract.contract_no, contract_id=contract.id,
        master=_sign_in(db, master), viewer=_sign_in(db, viewer),
        open_id=opened["001"], past_id=past["001"], osaka_id=opened["002"],
        osaka_item=_item(db, opened["002"], "000005").id or 0,
        foreign_item=_item(db, foreign, "000001").id or 0, foreign_request=foreign,
    )


def screen(person: Person, cls: type[rx.State], path: str) -> Any:
    """The screen's state on a fresh tree, as ``person``'s connection would see it."""
    root = rx.State()
    root.router = RouterData.from_router_data({
        "token": f"client-{person.user_id}", "headers": dict(person.facts.to_headers()),
        "pathname": path, "query": {}, "asPath": path,
    })
    shared = root.get_substate(SessionState.get_full_name().split("."))
    shared._start_session(person.token)  # type: ignore[attr-defined]
    return root.get_substate(cls.get_full_name().split("."))


def holds(person: Person) -> Any:
    state = screen(person, RemitHoldsState, "/rokin/remittance/holds")
    assert state.load() is None
    return state


def confirm_screen(person: Person, *, undo: bool = False) -> Any:
    state = screen(person, RemitConfirmState, "/rokin/remittance/confirm")
    assert (state.load_undo() if undo else state.load_confirm()) is None
    return state


def row_id(state: Any, staff_no: str) -> str:
    return next(r["id"] for r in state.rows if r["staff_no"] == staff_no)


def hold(state: Any, staff_no: str, choice: str, typed: str = "") -> None:
    state.open_hold(row_id(state, staff_no))
    state.set_hold({"reason_choice": choice, "reason_text": typed})


def stored(db: Session, org: Org) -> tuple[str, dict[str, tuple[bool, str | None]]]:
    """The open request's status and each line's (hold, reason)."""
    db.expire_all()
    request = db.get(DeductionRequest, org.open_id)
    assert request is not None
    lines = db.exec(select(DeductionRequestItem).where(
        DeductionRequestItem.request_id == org.open_id
    ).order_by(col(DeductionRequestItem.staff_no))).all()
    out = request.status, {i.staff_no: (i.hold, i.hold_reason) for i in lines}
    db.commit()
    return out


def pdf_text(tmp_path: Path, data: bytes, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


# ---------------------------------------------------------------------------- RK-8


def test_rk_8_lists_the_open_request_with_totals_and_server_filters(db: Session, org: Org) -> None:
    """RK-8: the group's open request (依頼受信) is chosen, its lines listed with the totals and
    the count of error lines not yet held; filters by 職員番号, カナ氏名 (normalised, A.1),
    所属, errors only, held only run on the server."""
    s = holds(org.master)
    assert s.request_id == str(org.open_id) and s.open_for_change and s.can_change
    assert {o["id"] for o in s.request_options} == {str(org.open_id), str(org.past_id)}
    assert s.total == 4
    assert (s.summary["requested"], s.summary["held"], s.summary["remitted"]) == (
        "4件 38,000円", "0件 0円", "4件 38,000円")
    assert s.summary["unheld_errors"] == "2"
    s.search({"errors_only": "on"})
    assert sorted(r["staff_no"] for r in s.rows) == ["000003", "000004"]
    s.search({"name_kana": "ろうきん"})  # hiragana → ﾛｳｷﾝ
    assert sorted(r["staff_no"] for r in s.rows) == ["000001", "000003"]
    s.search({"staff_no": "00000", "department": "営業"})
    assert sorted(r["staff_no"] for r in s.rows) == ["000002", "000003"]
    s.search({"held_only": "on"})
    assert s.rows == [] and s.total == 0


def test_r_plus_8_rk_8_filters_by_kanji_name(db: Session, org: Org) -> None:
    """R-PLUS-8: RK-8's lines filter by 漢字氏名 (the request's snapshot) beside カナ氏名,
    anywhere, a half-width space typed matching the stored full-width one."""
    item = _item(db, org.open_id, "000002")
    item.name_kanji = "給与　一郎"
    db.add(item)
    db.commit()
    s = holds(org.master)
    s.search({"name_kanji": "給与 一郎"})
    assert [r["staff_no"] for r in s.rows] == ["000002"]
    s.search({"name_kanji": "一郎", "department": "総務"})
    assert s.rows == [] and s.total == 0
    s.search({"name_kanji": ""})
    assert s.total == 4


def test_rk_8_set_and_clear_holds_with_live_totals(db: Session, org: Org) -> None:
    """RK-8: 入金中止 with a typical reason (A.4 list) or typed text; totals follow (A.4 total =
    requested − held); a reason over the limit is refused at its field, nothing changed; 解除
    puts the line back."""
    s = holds(org.master)
    hold(s, "000003", "退職")
    assert s.notice == message("I-REMIT-HOLD-SET") and s.alert_text == ""
    assert (s.summary["held"], s.summary["remitted"], s.summary["unheld_errors"]) == (
        "1件 3,000円", "3件 35,000円", "1")
    hold(s, "000004", OTHER_REASON_LABEL, "x" * (cyc.HOLD_REASON_MAX + 1))
    assert s.errors["reason_text"] == message(
        "E-HOLD-REASON-FORMAT", label="入金中止理由", max=cyc.HOLD_REASON_MAX)
    assert s.dialog_open  # still open to correct the reason
    assert stored(db, org)[1]["000004"] == (False, None)
    s.set_hold({"reason_choice": OTHER_REASON_LABEL, "reason_text": "貸付完済予定"})
    assert s.notice == message("I-REMIT-HOLD-SET") and not s.dialog_open
    assert (s.summary["held"], s.summary["remitted"], s.summary["unheld_errors"]) == (
        "2件 23,000円", "2件 15,000円", "0")
    assert stored(db, org)[1]["000004"] == (True, "貸付完済予定")
    s.search({"held_only": "on"})
    assert sorted((r["staff_no"], r["reason"]) for r in s.rows) == [
        ("000003", "退職"), ("000004", "貸付完済予定")]
    s.clear_hold(row_id(s, "000003"))
    assert s.notice == message("I-REMIT-HOLD-CLEARED")
    assert s.summary["held"] == "1件 20,000円" and s.summary["unheld_errors"] == "1"
    assert stored(db, org)[1]["000003"] == (False, None)


def test_rk_8_hold_dialog_starts_with_no_reason_and_refuses_none(db: Session, org: Org) -> None:
    """Issue 14 item 7 (RK-8): the 入金中止 dialog preselects no 不能理由 (it preselected 退職);
    設定 without a choice is refused at the select, nothing changed; その他's text field is
    shown only while その他 is chosen (``reason_choice``), a forged choice is no choice."""
    s = holds(org.master)
    s.open_hold(row_id(s, "000003"))
    assert s.dialog_open and s.reason_choice == ""
    s.set_hold({"reason_choice": "", "reason_text": "退職"})
    assert s.errors == {"reason_choice": message("E-HOLD-REASON-CHOOSE")}
    assert s.dialog_open
    assert stored(db, org)[1]["000003"] == (False, None)
    s.set_hold({"reason_choice": "給与から差し引かない", "reason_text": ""})  # not in the list
    assert s.errors == {"reason_choice": message("E-HOLD-REASON-CHOOSE")}
    s.choose_reason(OTHER_REASON_LABEL)
    assert s.reason_choice == OTHER_REASON_LABEL
    s.choose_reason("<forged>")
    assert s.reason_choice == ""
    s.choose_reason("退職")
    s.set_hold({"reason_choice": "退職", "reason_text": "ignored"})
    assert s.notice == message("I-REMIT-HOLD-SET")
    assert stored(db, org)[1]["000003"] == (True, "退職")
    s.open_hold(row_id(s, "000004"))
    assert s.reason_choice == ""  # a new dialog forgets the last choice


def test_rk_8_stale_version_is_a_conflict_and_changes_nothing(db: Session, org: Org) -> None:
    """Optimistic locking: a line changed by someone else since it was listed is refused with
    E-CYCLE-CONFLICT; the other change stays."""
    s = holds(org.master)
    other = holds(org.master)
    hold(other, "000001", "給与不足")
    hold(s, "000001", "退職")
    assert s.alert_text == message("E-CYCLE-CONFLICT")
    assert stored(db, org)[1]["000001"] == (True, "給与不足")
    # The list was re-read: the row now shows the other's reason and can be cleared.
    assert next(r for r in s.rows if r["staff_no"] == "000001")["reason"] == "給与不足"


def test_rk_8_other_groups_and_contracts_ids_are_refused(db: Session, org: Org) -> None:
    """R-SEC-1: ids the screen did not list — another group's line or request, another
    contract's line — are refused and change nothing; queries never read them."""
    s = holds(org.master)
    for foreign in (org.osaka_item, org.foreign_item):
        s.open_hold(str(foreign))
        assert s.alert_text == message("E-CYCLE-ITEM-NOT-FOUND") and not s.dialog_open
        s.clear_hold(str(foreign))
        assert s.alert_text == message("E-CYCLE-ITEM-NOT-FOUND")
    s.choose_request(str(org.osaka_id))
    assert s.alert_text == message("E-CYCLE-NOT-FOUND") and s.request_id == str(org.open_id)
    s.choose_request(str(org.foreign_request))
    assert s.request_id == str(org.open_id)
    assert _item(db, org.osaka_id, "000005").hold is False
    session = rokin_cycle_session(org)
    assert rokin_remittance.hold_lines(db, session=session, request_id=org.osaka_id).total == 0
    assert rokin_remittance.hold_lines(db, session=session,
                                       request_id=org.foreign_request).total == 0
    assert printed(db, org, "statement", request_id=org.foreign_request) is None


@dataclass(frozen=True)
class _Sess:
    contract_no: str
    user_id: str
    group_no: str | None


def rokin_cycle_session(org: Org) -> _Sess:
    return _Sess(org.contract_no, org.master.user_id, "001")


def printed(
    db: Session, org: Org, kind: rokin_remittance.FormKind, *, request_id: int | None = None
) -> tuple[str, bytes] | None:
    """The master's まとめ入金 form of the open request (or ``request_id``), as RK-9 prints it."""
    made = rokin_remittance.form_pdf(
        db, session=rokin_cycle_session(org), request_id=request_id or org.open_id, kind=kind,
        now=SystemClock().now(), screen="まとめ入金確定",
    )
    db.commit()
    return made


# ---------------------------------------------------------------------------- RK-9


def test_rk_9_confirm_refused_while_an_error_line_is_not_held(db: Session, org: Org) -> None:
    """A.4: the bank accepts a まとめ入金 only once every 控除不能/error line is 入金中止: the
    service's message, nothing confirmed."""
    s = holds(org.master)
    hold(s, "000003", "退職")
    c = confirm_screen(org.master)
    assert c.request_id == str(org.open_id) and c.summary["unheld_errors"] == "1"
    c.confirm()
    assert c.alert_text == message("E-CYCLE-UNHELD-ERRORS", count=1, staff_no="000004")
    assert stored(db, org)[0] == "received" and c.request_status == "received"


def test_rk_9_confirm_pdfs_undo_and_reconfirm(db: Session, org: Org, tmp_path: Path) -> None:
    """RK-9: 確定 with every error line held → まとめ入金確定済; the まとめ入金依頼書 carries
    the A.6 figures and the 確定者, the 更新明細書(Web依頼済) the held lines with reasons and
    amounts; RK-8 no longer changes holds; 確定解除 before the deadline reopens; RK-10 re-prints."""
    s = holds(org.master)
    hold(s, "000003", "退職")
    hold(s, "000004", "給与不足")
    c = confirm_screen(org.master)
    c.refresh()  # the dialog's preview
    assert c.summary["remitted"] == "2件 15,000円"
    c.confirm()
    assert c.notice == message("I-REMIT-CONFIRMED") and c.alert_text == ""
    assert stored(db, org)[0] == "confirmed" and c.request_status == "confirmed"
    assert c.summary["confirmed_by"] == org.master.user_id

    made = printed(db, org, "request")
    assert made is not None and made[0].startswith("まとめ入金依頼書_" + org.contract_no)
    text = pdf_text(tmp_path, made[1], "request.pdf")
    for expected in ("まとめ入金依頼書", "001 本社", "月例", "4件", "38,000円", "2件",
                     "23,000円", "15,000円", f"{org.master.user_id}（確定", "花子）"):
        assert expected in text, expected
    made = printed(db, org, "statement")
    assert made is not None
    text = pdf_text(tmp_path, made[1], "statement.pdf")
    for expected in ("まとめ入金更新明細書(Web依頼済)", "000003", "退職", "3,000円", "000004",
                     "給与不足", "20,000円", "23,000円", "15,000円", org.master.user_id):
        assert expected in text, expected
    logged = db.exec(select(OperationLog.action).where(
        OperationLog.contract_no == org.contract_no, OperationLog.actor == org.master.user_id,
        col(OperationLog.action).like("rokin.remit.%.print"))).all()
    db.commit()
    assert sorted(logged) == [rokin_remittance.ACTION_REQUEST_FORM,
                              rokin_remittance.ACTION_STATEMENT]  # R-LOG-1: prints logged

    s = holds(org.master)
    assert not s.open_for_change
    s.clear_hold(row_id(s, "000003"))
    assert s.alert_text == message("E-CYCLE-HOLD-CONFIRMED")

    w = screen(org.master, WebStatementState, "/rokin/remittance/web-statement")
    assert w.load() is None and w.request_id == str(org.open_id)

    u = confirm_screen(org.master, undo=True)
    assert u.request_id == str(org.open_id)
    u.undo()
    assert u.notice == message("I-REMIT-UNDONE") and stored(db, org)[0] == "received"
    assert printed(db, org, "request") is None
    c = confirm_screen(org.master)
    c.confirm()
    assert c.notice == message("I-REMIT-CONFIRMED") and stored(db, org)[0] == "confirmed"


def test_rk_9_stale_totals_and_deadline_are_refused(db: Session, org: Org) -> None:
    """The totals the dialog showed are stale once a hold changed (E-CYCLE-CONFLICT); last
    month's request is past its まとめ入金期限 (E-CYCLE-DEADLINE). Nothing is confirmed."""
    c = confirm_screen(org.master)
    s = holds(org.master)
    hold(s, "000003", "退職")
    hold(s, "000004", "退職")
    c.confirm()
    assert c.alert_text == message("E-CYCLE-CONFLICT")
    assert stored(db, org)[0] == "received"
    c.choose_request(str(org.past_id))
    assert not c.open_for_change
    c.confirm()
    past = rokin_cycle.get_request(db, contract_id=org.contract_id, request_id=org.past_id)
    assert past is not None and past.status == "received"
    assert c.alert_text == message(
        "E-CYCLE-DEADLINE", deadline=f"{past.deadline:%Y/%m/%d}")
    db.commit()


# ---------------------------------------------------------------------------- restrictions


def test_r_user_7a_view_only_on_the_change_menus_is_hidden_and_changes_nothing(
    db: Session, org: Org
) -> None:
    """R-USER-7a: まとめ入金依頼入金中止設定, まとめ入金確定 and 確定解除 offer 表示 / 非表示
    only, so a stored 閲覧のみ counts as 非表示 (R-USER-7: absent and refused): the screens
    send the user to the information screen and every change handler — even from a crafted
    frame — is refused; nothing changes. RK-10 (output) 表示 still prints."""
    hidden = message("E-MENU-HIDDEN")
    s = screen(org.viewer, RemitHoldsState, "/rokin/remittance/holds")
    assert "/info" in str(s.load())
    assert s.rows == [] and not s.can_change
    before = stored(db, org)
    master_view = holds(org.master)
    item = row_id(master_view, "000003")
    s.rows, s._versions = master_view.rows, dict(master_view._versions)  # a crafted frame
    s.dialog_open, s.dialog_line = True, dict(next(r for r in s.rows if r["id"] == item))
    s.open_hold(item)
    assert s.alert_text == hidden
    s.set_hold({"reason_choice": "退職"})
    assert s.alert_text == hidden
    s.clear_hold(item)
    assert s.alert_text == hidden
    c = screen(org.viewer, RemitConfirmState, "/rokin/remittance/confirm")
    assert "/info" in str(c.load_confirm()) and "/info" in str(c.load_undo())
    c.request_id, c._request_version = str(org.open_id), 1  # a crafted frame
    c.confirm()
    assert c.alert_text == hidden
    c.undo()
    assert c.alert_text == hidden
    assert stored(db, org) == before
    w = screen(org.viewer, WebStatementState, "/rokin/remittance/web-statement")
    assert w.load() is None and w.notice  # 表示: allowed (nothing confirmed yet)


def test_r_user_7a_confirm_and_undo_are_guarded_by_their_own_menus(
    db: Session, org: Org
) -> None:
    """R-USER-7a: 確定 and 確定解除 are separate menus: a user with 表示 on 入金中止設定 and
    まとめ入金確定 but not 確定解除 sets holds and confirms, and cannot undo."""
    contract = db.get(Contract, org.contract_id)
    assert contract is not None
    clerk = factories.make_user(db, contract, user_id=factories.next_user_id("Clk"))
    assert clerk.id is not None
    for key in ("rokin.remit_stop", "rokin.remit_confirm"):
        db.add(MenuPermission(user_pk=clerk.id, menu_key=key, level="show"))
    db.commit()
    person = _sign_in(db, clerk)
    s = holds(person)
    assert s.can_change
    hold(s, "000003", "退職")
    hold(s, "000004", "死亡")
    c = confirm_screen(person)
    c.confirm()
    assert c.notice == message("I-REMIT-CONFIRMED") and stored(db, org)[0] == "confirmed"
    assert "/info" in str(c.load_undo())
    c.undo()
    assert c.alert_text == message("E-MENU-HIDDEN")
    assert stored(db, org)[0] == "confirmed"
