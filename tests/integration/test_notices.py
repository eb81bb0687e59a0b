"""R-PLUS-7 business notices on a real database (SQLite and PostgreSQL) with a real SMTP server
(aiosmtpd, ``tests.integration.test_mail``): a new request, the まとめ入金期限 in 2 bank days
while unconfirmed (the daily job, the clock moved across a holiday), results received with the
count of 控除不能; once only per (request, kind, user) even when the job runs twice or on two
workers at once; only to the users who hold the menu; the 通知設定 opt-out; tenant isolation;
and the screens' handlers (通知設定, the information screen's お知らせ) with their session
checks. Time comes from MovableClock; no test sleeps."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlalchemy import update
from sqlmodel import Session, col, select

from chingin_app.domain.clock import JST, MovableClock, SystemClock
from chingin_app.domain.messages import message
from chingin_app.domain.notices import NoticeKind
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    BusinessNotice,
    DeductionRequest,
    MailOutbox,
    MenuPermission,
    OperationLog,
    User,
    UserRole,
)
from chingin_app.services import login, mail, notices
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.cycle_publishing import publish_month
from chingin_app.services.ledger import cycle as lc
from chingin_app.services.rokin import cycle as rc
from chingin_app.state.login import InfoState
from chingin_app.state.notice_settings import NoticeSettingsState
from chingin_app.state.session import SessionState
from tests import factories
from tests.integration.test_mail import Inbox, body_of, quiesce_outbox, running_inbox

MONTH = "2026-11"
#: 2026-11-23 (Mon) is 勤労感謝の日: 2 bank days before Tue 11-24 is Thu 11-19, not Sun 11-22.
DEADLINE = date(2026, 11, 24)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=JST)


@dataclass(frozen=True)
class Who:
    """A user as the services see a signed-in one (``sessions.SessionInfo``'s fields)."""

    contract_no: str
    user_id: str
    role: str
    email: str
    pk: int
    group_no: str | None = "001"


@dataclass
class Org:
    contract_no: str
    contract_id: int
    master: Who
    clerk: Who  # 表示 on the three 労金控除 menus of the notices
    viewer: Who  # 閲覧のみ on 労金控除依頼リスト出力 only
    hidden: Who  # no menu at all (未設定 = 非表示)


def _who(user: User, contract_no: str) -> Who:
    assert user.id is not None
    return Who(contract_no, user.user_id, user.role, user.email, user.id)


def _org(db: Session) -> Org:
    """A contract with 労金控除 and 賃控元帳, one employee with a 労金控除 line and a ledger
    line, a master and three general users with different menus."""
    contract = factories.make_contract(db, services="rokin,ledger")
    assert contract.id is not None
    product = factories.make_rokin_product(db, contract)
    emp = factories.make_employee(db, contract, staff_no="000001")
    factories.make_deduction_detail(db, emp, product, account_no="1000001",
                                    monthly_amount=123_456)
    item = factories.make_ledger_item(db, contract)
    factories.make_ledger_detail(db, emp, item, monthly_amount=2_000)

    def user(prefix: str, role: str = UserRole.GENERAL.value, **levels: str) -> Who:
        made = factories.make_user(db, contract, role=role, user_id=factories.next_user_id(prefix),
                                   user_name="通知　花子")
        for key, level in levels.items():
            db.add(MenuPermission(user_pk=made.id, menu_key=key.replace("__", "."),
                                  level=level))
        db.commit()
        return _who(made, contract.contract_no)

    return Org(
        contract_no=contract.contract_no, contract_id=contract.id,
        master=user("Mas", UserRole.MASTER.value),
        clerk=user("Clk", rokin__request_list="show", rokin__remit_confirm="show",
                   rokin__result_list="show"),
        viewer=user("Vie", rokin__request_list="view_only"),
        hidden=user("Hid"),
    )


@pytest.fixture
def org(db: Session) -> Org:
    return _org(db)


@pytest.fixture
def inbox(app_env: Path, db: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    quiesce_outbox(db)
    with running_inbox(monkeypatch) as box:
        yield box


def _publish(db: Session, org: Org, clock: MovableClock, **kw: Any) -> tuple[int, int]:
    got = publish_month(db, contract_no=org.contract_no, deduct_month=MONTH, actor="op1",
                        clock=clock, **kw)
    assert isinstance(got, Ok), got
    return got.value.rokin[0].request_id, got.value.ledger[0].request_id


def _notices(db: Session, org: Org, kind: NoticeKind) -> dict[int, list[tuple[str, int]]]:
    """user pk → [(request kind, request id)] of ``kind`` for this contract."""
    db.expire_all()
    rows = db.exec(select(BusinessNotice).where(
        BusinessNotice.contract_id == org.contract_id, BusinessNotice.kind == kind.value,
    ).order_by(col(BusinessNotice.id))).all()
    db.commit()
    out: dict[int, list[tuple[str, int]]] = {}
    for row in rows:
        out.setdefault(row.user_pk, []).append((row.request_kind, row.request_id))
    return out


def _outbox(db: Session, who: Who, kind: NoticeKind) -> int:
    db.expire_all()
    count = len(db.exec(select(MailOutbox).where(
        MailOutbox.to_addr == who.email, MailOutbox.kind == f"notice_{kind.value}")).all())
    db.commit()
    return count


def _assert_clean(text: str) -> None:
    """R-PLUS-7: no amount, no name, no 6-digit number."""
    assert "円" not in text and "123,456" not in text and "123456" not in text
    assert "通知" + "　花子" not in text and "テスト労働組合" not in text and "ﾛｳｷﾝ" not in text


# ---------------------------------------------------------------------------- a new request


def test_r_plus_7_new_request_is_noticed_once_to_the_menu_holders(
    db: Session, org: Org, inbox: Inbox
) -> None:
    """R-PLUS-7 "a new request received": publishing (``chingin bank publish-request``)
    notices the holders of 労金控除依頼リスト出力 (the master, 表示 and 閲覧のみ) and of
    賃控元帳控除依頼リスト出力 (the master only here); the user without the menu gets nothing.
    Republishing (--replace keeps the request) notices nobody again."""
    clock = MovableClock(at(date(2026, 11, 10)))
    rokin_id, ledger_id = _publish(db, org, clock)
    got = _notices(db, org, NoticeKind.REQUEST)
    assert got == {
        org.master.pk: [("rokin", rokin_id), ("ledger", ledger_id)],
        org.clerk.pk: [("rokin", rokin_id)],
        org.viewer.pk: [("rokin", rokin_id)],
    }
    assert mail.deliver_pending(clock=clock) >= 4
    master_mails = inbox.to(org.master.email)
    assert sorted(m["Subject"] for m in master_mails) == [
        "【賃金控除事務支援サービス】控除依頼を受信しました"] * 2
    bodies = sorted(body_of(m) for m in master_mails)
    assert any("業務　　　　：労金控除" in b for b in bodies)
    assert any("業務　　　　：賃控元帳" in b for b in bodies)
    for body in bodies:
        assert "入金グループ：001" in body and "控除年月　　：2026年11月" in body
        _assert_clean(body)
    assert len(inbox.to(org.clerk.email)) == 1 and len(inbox.to(org.viewer.email)) == 1
    assert inbox.to(org.hidden.email) == []

    _publish(db, org, clock, replace_existing=True)
    assert _notices(db, org, NoticeKind.REQUEST) == got
    assert _outbox(db, org.master, NoticeKind.REQUEST) == 2


# ---------------------------------------------------------------------------- the deadline


def _deadline_on(db: Session, request_id: int, deadline: date, status: str = "received") -> None:
    db.execute(update(DeductionRequest).where(col(DeductionRequest.id) == request_id)
               .values(deadline=deadline, status=status))
    db.commit()


def test_r_plus_7_deadline_notice_two_bank_days_before_across_a_holiday(
    db: Session, org: Org, inbox: Inbox
) -> None:
    """R-PLUS-7 "the まとめ入金 deadline in 2 bank days with the request still unconfirmed",
    from the daily job (``chingin jobs run``) with the bank calendar (A.3): for a deadline on
    Tue 2026-11-24 after 勤労感謝の日 (Mon), nothing on Wed 11-18, the notice on Thu 11-19 to
    the holders of まとめ入金確定 (master, 表示); a second run the same day sends nothing."""
    clock = MovableClock(at(date(2026, 11, 10)))
    rokin_id, _ = _publish(db, org, clock)
    _deadline_on(db, rokin_id, DEADLINE)

    clock.set(at(date(2026, 11, 18), 23))
    notices.send_deadline_notices(clock=clock)
    assert _notices(db, org, NoticeKind.DEADLINE) == {}

    clock.set(at(date(2026, 11, 19), 7))
    notices.send_deadline_notices(clock=clock)
    expected = {org.master.pk: [("rokin", rokin_id)], org.clerk.pk: [("rokin", rokin_id)]}
    assert _notices(db, org, NoticeKind.DEADLINE) == expected
    notices.send_deadline_notices(clock=clock)  # the job run again
    assert _notices(db, org, NoticeKind.DEADLINE) == expected
    db.expire_all()
    logged = db.exec(select(OperationLog.action, OperationLog.detail).where(
        OperationLog.contract_no == org.contract_no,
        OperationLog.action == notices.ACTION_DEADLINE)).all()
    db.commit()
    assert len(logged) == 1 and '"users":2' in (logged[0][1] or "")

    mail.deliver_pending(clock=clock)
    [sent] = [m for m in inbox.to(org.clerk.email) if "期限" in m["Subject"]]
    assert sent["Subject"] == "【賃金控除事務支援サービス】まとめ入金期限が近づいています"
    body = body_of(sent)
    assert "まとめ入金期限：2026年11月24日" in body
    _assert_clean(body)
    assert [m for m in inbox.to(org.viewer.email) if "期限" in m["Subject"]] == []


def test_r_plus_7_no_deadline_notice_once_confirmed_or_after_the_deadline(
    db: Session, org: Org, app_env: Path
) -> None:
    """R-PLUS-7: only while the request is unconfirmed (依頼受信), and not after its deadline."""
    clock = MovableClock(at(date(2026, 11, 10)))
    rokin_id, _ = _publish(db, org, clock)
    _deadline_on(db, rokin_id, DEADLINE, status="confirmed")
    clock.set(at(date(2026, 11, 20)))
    notices.send_deadline_notices(clock=clock)
    assert _notices(db, org, NoticeKind.DEADLINE) == {}
    _deadline_on(db, rokin_id, DEADLINE, status="received")
    clock.set(at(date(2026, 11, 25)))
    notices.send_deadline_notices(clock=clock)
    assert _notices(db, org, NoticeKind.DEADLINE) == {}


def test_r_plus_7_deadline_job_on_two_workers_at_once_notices_once(
    db: Session, org: Org, app_env: Path
) -> None:
    """Idempotent across workers: two runs of the daily job at the same moment make one notice
    and queue one mail per user (the unique constraint, ON CONFLICT DO NOTHING)."""
    clock = MovableClock(at(date(2026, 11, 10)))
    rokin_id, _ = _publish(db, org, clock)
    _deadline_on(db, rokin_id, DEADLINE)
    clock.set(at(date(2026, 11, 20)))
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=30)
            notices.send_deadline_notices(clock=clock)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    workers = [threading.Thread(target=run) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert failures == []
    assert _notices(db, org, NoticeKind.DEADLINE) == {
        org.master.pk: [("rokin", rokin_id)], org.clerk.pk: [("rokin", rokin_id)]}
    assert _outbox(db, org.master, NoticeKind.DEADLINE) == 1
    assert _outbox(db, org.clerk, NoticeKind.DEADLINE) == 1


# ---------------------------------------------------------------------------- results


def test_r_plus_7_results_notice_with_the_count_of_not_deducted(
    db: Session, org: Org, inbox: Inbox
) -> None:
    """R-PLUS-7 "results received (with the count of 控除不能)": loading the 労金控除 results
    notices the holders of 労金控除結果リスト出力, the 賃控元帳 results those of
    賃控元帳結果リスト出力; the mail says how many lines were 不能 and no amount."""
    clock = MovableClock(at(date(2026, 11, 10)))
    rokin_id, ledger_id = _publish(db, org, clock)
    _deadline_on(db, rokin_id, DEADLINE, status="confirmed")
    clock.set(at(date(2026, 11, 30)))
    rows = [["001", MONTH, "月例", "000001", "1000001", "0001", "0", "1", "資金不足",
             "ﾛｳｷﾝ ﾀﾛｳ", ""]]
    loaded = rc.load_results(db, contract_no=org.contract_no, data=rc.results_csv(rows),
                             actor="op1", clock=clock)
    assert isinstance(loaded, Ok), loaded
    ledger_rows = [["001", MONTH, "月例", "000001", "0001", "2000", "0", ""]]
    loaded_ledger = lc.load_ledger_results(
        db, contract_no=org.contract_no, data=lc.ledger_results_csv(ledger_rows), actor="op1",
        clock=clock)
    assert isinstance(loaded_ledger, Ok), loaded_ledger
    assert _notices(db, org, NoticeKind.RESULTS) == {
        org.master.pk: [("rokin", rokin_id), ("ledger", ledger_id)],
        org.clerk.pk: [("rokin", rokin_id)],
    }
    mail.deliver_pending(clock=clock)
    [sent] = [m for m in inbox.to(org.clerk.email) if "結果" in m["Subject"]]
    assert sent["Subject"] == "【賃金控除事務支援サービス】控除結果を受信しました"
    body = body_of(sent)
    assert "控除不能　　：1件" in body
    _assert_clean(body)
    master = sorted(body_of(m) for m in inbox.to(org.master.email) if "結果" in m["Subject"])
    assert any("控除不能　　：0件" in b and "賃控元帳" in b for b in master)


# ---------------------------------------------------------------------------- 通知設定


def test_r_plus_7_opting_out_stops_the_mail_but_not_the_screen_notice(
    db: Session, org: Org, inbox: Inbox
) -> None:
    """通知設定 (R-PLUS-7 "each user can opt out"): the clerk turns off the request mail; the
    next request is still on the clerk's information screen, but no mail goes out; the master
    (no setting) still gets it. Saving on stale settings is refused, nothing changed."""
    clock = MovableClock(at(date(2026, 11, 10)))
    read = notices.read_settings(db, session=org.clerk)
    assert isinstance(read, Ok) and read.value.version == 0
    assert all(read.value.mail.values())
    saved = notices.save_settings(db, session=org.clerk, version=0, clock=clock,
                                  mail_kinds=[NoticeKind.DEADLINE, NoticeKind.RESULTS])
    assert isinstance(saved, Ok) and saved.value.version == 1
    assert saved.value.mail[NoticeKind.REQUEST] is False
    stale = notices.save_settings(db, session=org.clerk, version=0, clock=clock, mail_kinds=[])
    assert isinstance(stale, Err) and stale.code == "E-NOTICE-SETTINGS-STALE"
    again = notices.read_settings(db, session=org.clerk)
    assert isinstance(again, Ok) and again.value.mail[NoticeKind.DEADLINE] is True

    _publish(db, org, clock)
    mail.deliver_pending(clock=clock)
    assert inbox.to(org.clerk.email) == []
    assert len(inbox.to(org.master.email)) == 2
    shown = notices.list_for_user(db, session=org.clerk)
    assert [(n.kind, n.request_kind.value) for n in shown] == [(NoticeKind.REQUEST, "rokin")]
    assert notices.text_of(shown[0]) == message(
        "I-NOTICE-REQUEST", what="労金控除", month="2026年11月", pay_kind="月例", group="001")


def test_r_plus_7_notices_stay_in_their_tenant(db: Session, org: Org, app_env: Path) -> None:
    """Tenant isolation: another contract's users get none of this contract's notices, a
    session naming this contract with another contract's user sees nothing, and settings are
    only ever the session's own user's."""
    clock = MovableClock(at(date(2026, 11, 10)))
    _publish(db, org, clock)
    other = _org(db)
    assert notices.list_for_user(db, session=other.master) == []
    assert _notices(db, other, NoticeKind.REQUEST) == {}
    crossed = Who(org.contract_no, other.master.user_id, "master", "", 0)
    assert notices.list_for_user(db, session=crossed) == []
    refused = notices.save_settings(db, session=crossed, version=0, clock=clock, mail_kinds=[])
    assert isinstance(refused, Err) and refused.code == "E-MENU-HIDDEN"
    assert len(notices.list_for_user(db, session=org.master)) == 2


# ---------------------------------------------------------------------------- the handlers


@dataclass(frozen=True)
class Person:
    facts: CertFacts
    token: str
    user_id: str


def _sign_in(db: Session, who: Who) -> Person:
    user = db.get(User, who.pk)
    cert = factories.make_certificate(db, user, issued_at=SystemClock().now())
    facts = CertFacts("current", who.user_id, cert.serial_hex, cert.sha256)
    signed = login.login(db, facts=facts, password=factories.PASSWORD, clock=SystemClock(),
                         ip="192.0.2.70")
    assert isinstance(signed, Ok), signed
    token = signed.value.session_token
    chosen = login.select_group(db, session_token=token, facts=facts, group_no="001",
                                clock=SystemClock())
    assert isinstance(chosen, Ok), chosen
    db.commit()
    return Person(facts, token, who.user_id)


def _screen(person: Person | None, cls: type[rx.State], path: str) -> Any:
    root = rx.State()
    headers = dict(person.facts.to_headers()) if person else {}
    root.router = RouterData.from_router_data({
        "token": f"client-{person.user_id if person else 'nobody'}", "headers": headers,
        "pathname": path, "query": {}, "asPath": path,
    })
    if person is not None:
        shared = root.get_substate(SessionState.get_full_name().split("."))
        shared._start_session(person.token)  # type: ignore[attr-defined]
    return root.get_substate(cls.get_full_name().split("."))


def test_r_plus_7_settings_screen_handlers_check_the_session_and_save_own_settings(
    db: Session, org: Org, app_env: Path
) -> None:
    """通知設定's handlers: without a session both go to the login page and nothing is stored;
    signed in, the screen shows the user's own settings and 更新 stores them for that user
    only; the information screen lists the user's notices (R-PLUS-7)."""
    stranger = _screen(None, NoticeSettingsState, "/notice-settings")
    assert stranger.load() is not None
    assert stranger.save({"mail_request": "on"}) is not None
    db.expire_all()
    assert db.exec(select(BusinessNotice).where(
        BusinessNotice.contract_id == org.contract_id)).all() == []
    db.commit()

    clerk = _sign_in(db, org.clerk)
    s = _screen(clerk, NoticeSettingsState, "/notice-settings")
    assert s.load() is None
    assert [k[0] for k in s.kinds] == ["request", "deadline", "results"]
    assert all(k[2] == "1" for k in s.kinds)
    assert s.save({"mail_results": "on"}) is None
    assert s.done_text == message("I-NOTICE-SETTINGS-SAVED") and s.alert_text == ""
    assert [k[2] for k in s.kinds] == ["", "", "1"]
    mine = notices.read_settings(db, session=org.clerk)
    theirs = notices.read_settings(db, session=org.master)
    assert isinstance(mine, Ok) and isinstance(theirs, Ok)
    assert mine.value.mail == {NoticeKind.REQUEST: False, NoticeKind.DEADLINE: False,
                               NoticeKind.RESULTS: True}
    assert all(theirs.value.mail.values()) and theirs.value.version == 0

    _publish(db, org, MovableClock(SystemClock().now()))
    info = _screen(clerk, InfoState, "/info")
    assert info.load() is None
    [(day, text)] = info.notices
    assert text.startswith("労金控除 2026年11月 月例の控除依頼を受信しました")
    assert day.count("/") == 2
