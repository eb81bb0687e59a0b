"""ログイン on SQLite and PostgreSQL (SPEC R-LOGIN-1..5, R-CERT-12, R-LOCK-1, R-LOCK-2,
R-LOCK-5, R-SEC-1, R-PLUS-4). Time comes from the MovableClock; no test sleeps."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chingin_app.db import session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Err, Invalid, Ok
from chingin_app.models import (
    Certificate,
    Contract,
    LoginSession,
    LogResult,
    MailOutbox,
    OperationLog,
    User,
    UserRole,
)
from chingin_app.services import login, passwords, sessions
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.login import LoginOk
from tests import factories

IP = "192.0.2.10"
WRONG = "Wrong0pw!"


@dataclass
class CountingVerifier:
    """An injected ``passwords.verify_secret`` that records each call: True when a real hash
    was checked, False for the dummy verify (R-LOCK-5 "same work")."""

    calls: list[bool] = field(default_factory=list)

    def __call__(self, stored_hash: str | None, secret: str) -> bool:
        self.calls.append(stored_hash is not None)
        return passwords.verify_secret(stored_hash, secret)


@dataclass
class Login:
    """A user with a current certificate, and what the gate would say about it."""

    contract: Contract
    user: User
    cert: Certificate
    facts: CertFacts


def facts_for(cert: Certificate, status: str = "current", subject: str | None = None) -> CertFacts:
    # nginx gives the serial in upper case: the services normalise it.
    return CertFacts(status, subject, cert.serial_hex.upper(), cert.sha256)  # type: ignore[arg-type]


def make_login(
    db: Session,
    *,
    groups: tuple[tuple[str, str], ...] = (("001", "本社"),),
    role: str = UserRole.MASTER.value,
    kind: str = "member",
    services: str = "rokin,ledger,batch",
    temporary: bool = False,
    password: str = factories.PASSWORD,
) -> Login:
    contract = factories.make_contract(db, groups=groups, kind=kind, services=services)
    user = factories.make_user(
        db, contract, role=role, password=password, password_is_temporary=temporary
    )
    cert = factories.make_certificate(db, user)
    return Login(contract, user, cert, facts_for(cert, subject=user.user_id))


def reload_user(db: Session, user: User) -> User:
    db.expire_all()
    fresh = db.get(User, user.id)
    assert fresh is not None
    db.commit()
    return fresh


def entries(db: Session, contract_no: str, action: str | None = None) -> list[OperationLog]:
    query = select(OperationLog).where(OperationLog.contract_no == contract_no)
    if action is not None:
        query = query.where(OperationLog.action == action)
    rows = list(db.exec(query.order_by(col(OperationLog.id))).all())
    db.commit()
    return rows


def mails(db: Session, user: User) -> list[str]:
    rows = db.exec(
        select(MailOutbox.kind).where(MailOutbox.user_pk == user.id).order_by(col(MailOutbox.id))
    ).all()
    db.commit()
    return list(rows)


def do_login(
    db: Session, who: Login, clock: MovableClock, password: str = factories.PASSWORD, **kw: Any
) -> Ok[LoginOk] | Err | Invalid:
    return login.login(db, facts=who.facts, password=password, clock=clock, ip=IP, **kw)


def ok_login(db: Session, who: Login, clock: MovableClock) -> LoginOk:
    result = do_login(db, who, clock)
    assert isinstance(result, Ok), result
    return result.value


def fail_times(db: Session, who: Login, clock: MovableClock, times: int) -> list[Any]:
    return [do_login(db, who, clock, WRONG) for _ in range(times)]


# ---------------------------------------------------------------------------- identify


def test_r_login_1_identify_from_the_certificate(db: Session, clock: MovableClock) -> None:
    """R-LOGIN-1 "the login page identifies the user from it (no ID typed)"."""
    who = make_login(db)
    result = login.identify(db, facts=who.facts, clock=clock)
    assert result == Ok(login.LoginTarget(who.user.user_id, who.user.user_name))


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("none", "MSG-CERT-NONE"),
        ("foreign", "MSG-CERT-FOREIGN"),
        ("expired", "MSG-CERT-EXPIRED"),
        ("revoked", "MSG-CERT-REVOKED"),
        ("superseded", "MSG-CERT-SUPERSEDED"),
    ],
)
def test_r_cert_12_certificate_problems_told_apart(
    db: Session, clock: MovableClock, status: str, code: str
) -> None:
    """R-CERT-12 "Certificate problems are told apart on the login page … no certificate,
    expired, revoked, superseded, foreign"."""
    who = make_login(db)
    assert login.identify(db, facts=facts_for(who.cert, status), clock=clock) == Err(code)


def test_r_cert_12_crl_fault_is_a_service_fault(
    db: Session, clock: MovableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """DESIGN §3 "FAILED:CRL has expired → service fault (log an error, MSG-SYS)"."""
    who = make_login(db)
    result = login.identify(db, facts=facts_for(who.cert, "crl_fault"), clock=clock)
    assert isinstance(result, Err) and result.code == "MSG-SYS"
    assert result.params["incident"] in caplog.text


def test_r_cert_10_our_records_decide_even_when_the_gate_says_current(
    db: Session, clock: MovableClock
) -> None:
    """R-CERT-10 "the app still checks the certificate against its own records": a record that
    is superseded, revoked, past notAfter or unknown is refused although the facts say
    current (R-LOGIN-1 "not the user's current certificate")."""
    who = make_login(db)
    old = factories.make_certificate(db, who.user, status="superseded",
                                     revocation_reason="superseded")
    assert login.identify(db, facts=facts_for(old), clock=clock) == Err("MSG-CERT-SUPERSEDED")
    gone = factories.make_certificate(db, who.user, status="revoked")
    assert login.identify(db, facts=facts_for(gone), clock=clock) == Err("MSG-CERT-REVOKED")
    stranger = CertFacts("current", "x", "abcdef", "ab" * 32)
    assert login.identify(db, facts=stranger, clock=clock) == Err("MSG-CERT-FOREIGN")
    wrong_serial = CertFacts("current", None, "abcdef", who.cert.sha256)
    assert login.identify(db, facts=wrong_serial, clock=clock) == Err("MSG-CERT-FOREIGN")
    clock.set(who.cert.not_after)
    assert login.identify(db, facts=who.facts, clock=clock) == Err("MSG-CERT-EXPIRED")


def test_r_ops_6_deleted_user_and_ended_contract_are_refused(
    db: Session, clock: MovableClock
) -> None:
    """R-OPS-6 "logins are refused with 「ご契約が終了しているため、ご利用いただけません。」";
    a deleted user's certificate answers MSG-CERT-REVOKED."""
    who = make_login(db)
    who.contract.status = "suspended"
    db.add(who.contract)
    db.commit()
    assert login.identify(db, facts=who.facts, clock=clock) == Err("MSG-CONTRACT-ENDED")
    assert do_login(db, who, clock) == Err("MSG-CONTRACT-ENDED")
    other = make_login(db)
    other.user.deleted_at = clock.now()
    db.add(other.user)
    db.commit()
    assert login.identify(db, facts=other.facts, clock=clock) == Err("MSG-CERT-REVOKED")


# ---------------------------------------------------------------------------- login


def test_r_login_2_success_opens_a_session_and_logs_it(db: Session, clock: MovableClock) -> None:
    """R-LOGIN-2 "ログイン → password → ログイン"; R-SEC-1 "A new server-side session starts at
    login, bound to the certificate serial, with an absolute lifetime of 12 hours"; R-LOG-1
    every sign-in with IP."""
    who = make_login(db)
    ok = ok_login(db, who, clock)
    assert (ok.user_id, ok.must_change_password, ok.groups, ok.contract_kind) == (
        who.user.user_id, False, (("001", "本社"),), "member"
    )
    row = db.exec(
        select(LoginSession).where(LoginSession.token_hash == sessions.hash_token(ok.session_token))
    ).one()
    assert row.cert_serial == who.cert.serial_hex
    assert row.expires_at == clock.now() + timedelta(hours=12)
    assert row.ended_at is None
    assert ok.session_token not in row.token_hash
    [entry] = entries(db, who.contract.contract_no, login.ACTION_LOGIN_SUCCESS)
    assert (entry.ip, entry.result, entry.target) == (IP, "success", who.user.user_id)


def test_r_login_5_employer_contract_kind(db: Session, clock: MovableClock) -> None:
    """R-LOGIN-5 "事業主 (財形) contracts land on the 財形 information screen": the kind is
    returned for the screen to choose."""
    who = make_login(db, kind="employer", services="zaikei")
    assert ok_login(db, who, clock).contract_kind == "employer"


def test_r_lock_1_sixth_wrong_password_locks_and_mails(
    app_env: Path, db: Session, clock: MovableClock
) -> None:
    """R-LOCK-1 "6 consecutive wrong passwords lock the user (ログイン不可（ロック）)";
    R-PLUS-4 "e-mail notices on … lock"."""
    who = make_login(db)
    assert fail_times(db, who, clock, 5) == [Err("MSG-PW-WRONG", "password")] * 5
    assert reload_user(db, who.user).failure_count == 5
    assert do_login(db, who, clock, WRONG) == Err("MSG-LOCKED", None, {"unlock_at": "11:00"})
    user = reload_user(db, who.user)
    assert (user.failure_count, user.lock_count, user.blocked) == (0, 1, False)
    assert user.locked_until == clock.now() + timedelta(minutes=60)
    assert mails(db, who.user) == ["login_locked"]
    assert len(entries(db, who.contract.contract_no, login.ACTION_LOCK)) == 1
    failures = entries(db, who.contract.contract_no, login.ACTION_LOGIN_FAILURE)
    assert [e.result for e in failures] == ["failure"] * 6
    assert all(e.ip == IP for e in failures)


def test_r_lock_1_lock_lifts_after_exactly_60_minutes(
    app_env: Path, db: Session, clock: MovableClock
) -> None:
    """R-LOCK-1 "the lock lifts by itself after 60 minutes"."""
    who = make_login(db)
    fail_times(db, who, clock, 6)
    clock.advance(timedelta(minutes=59, seconds=59))
    assert do_login(db, who, clock) == Err("MSG-LOCKED", None, {"unlock_at": "11:00"})
    clock.advance(timedelta(seconds=1))
    assert isinstance(do_login(db, who, clock), Ok)


def test_r_lock_5_attempts_during_a_lock_are_refused_before_the_password(
    app_env: Path, db: Session, clock: MovableClock
) -> None:
    """R-LOCK-5 "attempts during a lock are refused before the password is checked and are not
    counted" — counted with an injected verifier: no argon2 work during the lock."""
    who = make_login(db)
    fail_times(db, who, clock, 6)
    verifier = CountingVerifier()
    clock.advance(timedelta(minutes=30))
    for password in (WRONG, factories.PASSWORD, ""):
        result = do_login(db, who, clock, password, verify=verifier)
        assert result == Err("MSG-LOCKED", None, {"unlock_at": "11:00"})
    assert verifier.calls == []
    user = reload_user(db, who.user)
    assert (user.failure_count, user.lock_count) == (0, 1)
    refused = entries(db, who.contract.contract_no, login.ACTION_LOGIN_FAILURE)[6:]
    assert [e.result for e in refused] == ["refused"] * 3


def test_r_lock_2_third_lock_blocks_and_mails(
    app_env: Path, db: Session, clock: MovableClock
) -> None:
    """R-LOCK-2 "The 3rd lock makes the user blocked (ログイン不可（閉塞）): no login until the
    bank initialises the user"."""
    who = make_login(db)
    for _ in range(2):
        fail_times(db, who, clock, 6)
        clock.advance(timedelta(minutes=60))
    results = fail_times(db, who, clock, 6)
    assert results[-1] == Err("MSG-BLOCKED")
    user = reload_user(db, who.user)
    assert (user.blocked, user.lock_count, user.locked_until) == (True, 3, None)
    assert mails(db, who.user) == ["login_locked", "login_locked", "login_blocked"]
    clock.advance(timedelta(days=30))
    verifier = CountingVerifier()
    assert do_login(db, who, clock, verify=verifier) == Err("MSG-BLOCKED")
    assert verifier.calls == []
    assert len(entries(db, who.contract.contract_no, login.ACTION_BLOCK)) == 1


def test_r_lock_5_success_resets_consecutive_count_and_lock_count(
    app_env: Path, db: Session, clock: MovableClock
) -> None:
    """R-LOCK-5 "a successful login resets the consecutive-failure count and the lock count"."""
    who = make_login(db)
    fail_times(db, who, clock, 6)
    clock.advance(timedelta(minutes=60))
    fail_times(db, who, clock, 4)
    user = reload_user(db, who.user)
    assert (user.failure_count, user.lock_count) == (4, 1)
    ok_login(db, who, clock)
    user = reload_user(db, who.user)
    assert (user.failure_count, user.lock_count, user.locked_until) == (0, 0, None)


def test_r_lock_5_empty_password_is_a_counted_failure(db: Session, clock: MovableClock) -> None:
    """R-LOCK-5 "an empty password is a failure"."""
    who = make_login(db)
    assert do_login(db, who, clock, "") == Err("MSG-PW-WRONG", "password")
    assert reload_user(db, who.user).failure_count == 1


def test_r_lock_5_format_error_is_per_field_and_not_counted(
    db: Session, clock: MovableClock
) -> None:
    """R-LOCK-5 "format errors are always per field": a password that breaks §3 cannot be
    right; it is answered at the field, without argon2 work, and not counted."""
    who = make_login(db)
    verifier = CountingVerifier()
    result = do_login(db, who, clock, "short", verify=verifier)
    assert isinstance(result, Invalid)
    assert [(e.code, e.field) for e in result.errors] == [("E-PASSWORD-FORMAT", "password")]
    assert verifier.calls == []
    assert reload_user(db, who.user).failure_count == 0


def test_r_lock_5_same_work_for_wrong_and_right_password(
    db: Session, clock: MovableClock
) -> None:
    """R-LOCK-5 "same timing": a wrong and a right password each cost exactly one argon2id
    verify against the user's own hash."""
    who = make_login(db)
    verifier = CountingVerifier()
    do_login(db, who, clock, WRONG, verify=verifier)
    do_login(db, who, clock, verify=verifier)
    assert verifier.calls == [True, True]


def test_r_lock_5_parallel_wrong_guesses_never_pass_six(
    app_env: Path, db: Session, db_engine: Engine, clock: MovableClock
) -> None:
    """R-LOCK-5 "counters update atomically, so parallel guesses cannot pass 6": 20 threads
    guess at once; at most 6 are counted and the user is locked exactly once."""
    who = make_login(db)
    db.commit()
    start = threading.Barrier(20)
    results: list[Any] = []
    errors: list[BaseException] = []

    def guess() -> None:
        try:
            start.wait()
            with session_scope(bind=db_engine) as own:
                results.append(
                    login.login(own, facts=who.facts, password=WRONG, clock=clock, ip=IP)
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 20
    counted = [
        e for e in entries(db, who.contract.contract_no, login.ACTION_LOGIN_FAILURE)
        if e.result == LogResult.FAILURE.value
    ]
    assert len(counted) <= 6
    assert len(entries(db, who.contract.contract_no, login.ACTION_LOCK)) == 1
    user = reload_user(db, who.user)
    assert (user.lock_count, user.blocked) == (1, False)
    assert user.locked_until == clock.now() + timedelta(minutes=60)
    assert mails(db, who.user) == ["login_locked"]
    codes = sorted(r.code for r in results if isinstance(r, Err))
    assert len(codes) == 20 and set(codes) <= {"MSG-PW-WRONG", "MSG-LOCKED"}


def test_r_sess_4_new_login_ends_the_older_session(db: Session, clock: MovableClock) -> None:
    """R-SESS-4 "One active login per user: a new login ends the older session"."""
    who = make_login(db)
    first = ok_login(db, who, clock)
    second = ok_login(db, who, clock)
    check = sessions.check
    assert check(db, token=first.session_token, facts=who.facts, clock=clock,
                 touch=True) == Err("MSG-DUP-LOGIN")
    assert isinstance(
        check(db, token=second.session_token, facts=who.facts, clock=clock, touch=True), Ok
    )


def test_r_plus_4_last_three_signins(db: Session, clock: MovableClock) -> None:
    """R-PLUS-4 "the last three sign-ins shown after login": the three attempts before this
    one, newest first, with time, IP and result."""
    who = make_login(db)
    assert ok_login(db, who, clock).last_signins == ()
    clock.advance(timedelta(minutes=1))
    do_login(db, who, clock, WRONG)
    clock.advance(timedelta(minutes=1))
    login.login(db, facts=who.facts, password=factories.PASSWORD, clock=clock, ip="192.0.2.99")
    clock.advance(timedelta(minutes=1))
    ok = ok_login(db, who, clock)
    assert [(s.result, s.ip) for s in ok.last_signins] == [
        ("success", "192.0.2.99"), ("failure", IP), ("success", IP),
    ]
    assert [s.at for s in ok.last_signins] == [
        clock.now() - timedelta(minutes=m) for m in (1, 2, 3)
    ]


# ---------------------------------------------------------------------------- first change, group


def test_r_login_3_temporary_password_must_be_changed_first(
    db: Session, clock: MovableClock
) -> None:
    """R-LOGIN-3 "A general user logging in with a temporary password must change it at once
    (現在のパスワード, 新しいパスワード, 新しいパスワード再入力 → 変更) before anything else"."""
    who = make_login(db, role=UserRole.GENERAL.value, temporary=True,
                     groups=(("001", "本社"), ("002", "支社")))
    ok = ok_login(db, who, clock)
    assert ok.must_change_password
    token = ok.session_token

    def change(current: str, new: str, again: str) -> Any:
        return login.change_initial_password(
            db, session_token=token, facts=who.facts, current=current, new=new,
            new_again=again, clock=clock, ip=IP,
        )

    assert login.select_group(db, session_token=token, facts=who.facts, group_no="001",
                              clock=clock) == Err("MSG-PW-CHANGE-REQUIRED")
    result = change("", factories.PASSWORD, "Other0pw!")
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [
        ("current_password", "E-FIELD-REQUIRED"),
        ("new_password_again", "E-REENTRY-MISMATCH"),
    ]
    result = change(factories.PASSWORD, factories.PASSWORD, factories.PASSWORD)
    assert isinstance(result, Invalid)
    assert [(e.field, e.code) for e in result.errors] == [
        ("new_password", "E-PASSWORD-SAME-AS-CURRENT")
    ]
    assert change(WRONG, "N3w-pass!", "N3w-pass!") == Err("MSG-PW-WRONG", "current_password")
    assert reload_user(db, who.user).failure_count == 1  # counts like a wrong login
    assert change(factories.PASSWORD, "N3w-pass!", "N3w-pass!") == Ok(None)
    user = reload_user(db, who.user)
    assert (user.password_is_temporary, user.failure_count) == (False, 0)
    assert passwords.verify_secret(user.password_hash, "N3w-pass!")
    assert login.select_group(db, session_token=token, facts=who.facts, group_no="002",
                              clock=clock) == Ok(None)
    assert len(entries(db, who.contract.contract_no, login.ACTION_PASSWORD_CHANGE)) == 3


def test_r_login_4_payment_group_choice(db: Session, clock: MovableClock) -> None:
    """R-LOGIN-4 "With more than one payment group, pick one (選択); with one, skip.
    Switchable later"."""
    single = make_login(db)
    token = ok_login(db, single, clock).session_token
    info = sessions.check(db, token=token, facts=single.facts, clock=clock, touch=False)
    assert isinstance(info, Ok) and info.value.group_no == "001"

    several = make_login(db, groups=(("001", "本社"), ("002", "大阪支社")))
    token = ok_login(db, several, clock).session_token

    def group_of() -> tuple[str | None, str | None]:
        res = sessions.check(db, token=token, facts=several.facts, clock=clock, touch=False)
        assert isinstance(res, Ok)
        return res.value.group_no, res.value.group_name

    assert group_of() == (None, None)
    select_group = login.select_group
    assert select_group(db, session_token=token, facts=several.facts, group_no="002",
                        clock=clock, ip=IP) == Ok(None)
    assert group_of() == ("002", "大阪支社")
    # R-LOG-1 "with … IP" on every entry, 入金グループ選択 included (issue 13 item 6).
    chosen = entries(db, several.contract.contract_no, login.ACTION_GROUP_SELECT)
    assert [(e.target, e.ip) for e in chosen] == [("002", IP)]
    assert select_group(db, session_token=token, facts=several.facts, group_no="001",
                        clock=clock) == Ok(None)
    assert group_of() == ("001", "本社")
    assert select_group(db, session_token=token, facts=several.facts, group_no="009",
                        clock=clock) == Err("MSG-GROUP-UNKNOWN")
    # Another contract's group number is not this contract's.
    assert select_group(db, session_token=token, facts=single.facts, group_no="001",
                        clock=clock) == Err("MSG-CERT-FOREIGN")
