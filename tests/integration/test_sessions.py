"""Server-side sessions on SQLite and PostgreSQL (SPEC R-SESS-1..5, R-SEC-1, R-CERT-7,
R-OPS-6). Time comes from the MovableClock; no test sleeps."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from chingin_app.domain.clock import MovableClock
from chingin_app.domain.result import Err, Ok
from chingin_app.models import LoginSession
from chingin_app.services import sessions
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.sessions import SessionInfo
from tests import factories
from tests.integration.test_login import (
    IP,
    WRONG,
    Login,
    do_login,
    entries,
    facts_for,
    make_login,
    ok_login,
)


def _check(
    db: Session, who: Login, token: str, clock: MovableClock, *, touch: bool,
    facts: CertFacts | None = None,
) -> Ok[SessionInfo] | Err:
    return sessions.check(
        db, token=token, facts=facts or who.facts, clock=clock, touch=touch
    )


def _row(db: Session, token: str) -> LoginSession:
    db.expire_all()
    row = db.exec(
        select(LoginSession).where(LoginSession.token_hash == sessions.hash_token(token))
    ).one()
    db.commit()
    return row


def test_r_sess_1_idle_ends_at_exactly_60_minutes(db: Session, clock: MovableClock) -> None:
    """R-SESS-1 "Each screen has a 60-minute limit … past it the user is logged out
    (server-side, not only in the browser)"."""
    who = make_login(db)
    token = ok_login(db, who, clock).session_token
    clock.advance(timedelta(minutes=59, seconds=59))
    result = _check(db, who, token, clock, touch=False)
    assert isinstance(result, Ok)
    assert result.value.idle_deadline == clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=1))
    assert _check(db, who, token, clock, touch=True) == Err("MSG-TIMEOUT")
    row = _row(db, token)
    assert (row.end_reason, row.ended_at) == ("idle", clock.now())
    # Ended for good: going back in time or touching does not revive it.
    clock.advance(timedelta(minutes=-30))
    assert _check(db, who, token, clock, touch=True) == Err("MSG-TIMEOUT")


def test_r_sess_5_clicks_restart_the_timer_heartbeats_do_not(
    db: Session, clock: MovableClock
) -> None:
    """R-SESS-5 "Button clicks, navigation and form submits restart the 60-minute timer;
    heartbeats, background progress and keystrokes do not"."""
    who = make_login(db)
    token = ok_login(db, who, clock).session_token
    clock.advance(timedelta(minutes=30))
    assert isinstance(_check(db, who, token, clock, touch=True), Ok)  # a click at +30
    for _ in range(5):  # heartbeats every 11 minutes, up to +85
        clock.advance(timedelta(minutes=11))
        assert isinstance(_check(db, who, token, clock, touch=False), Ok)
    clock.advance(timedelta(minutes=4, seconds=59))  # +89:59
    assert isinstance(_check(db, who, token, clock, touch=False), Ok)
    clock.advance(timedelta(seconds=1))  # +90: 60 minutes after the click
    assert _check(db, who, token, clock, touch=False) == Err("MSG-TIMEOUT")


def test_r_sec_1_absolute_lifetime_12_hours(db: Session, clock: MovableClock) -> None:
    """R-SEC-1 "an absolute lifetime of 12 hours": an active user is logged out after 12 h."""
    who = make_login(db)
    token = ok_login(db, who, clock).session_token
    for _ in range(14):  # a click every 50 minutes: 11 h 40 min
        clock.advance(timedelta(minutes=50))
        assert isinstance(_check(db, who, token, clock, touch=True), Ok)
    clock.advance(timedelta(minutes=19, seconds=59))
    info = _check(db, who, token, clock, touch=True)
    assert isinstance(info, Ok)
    assert info.value.expires_at == clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=1))
    assert _check(db, who, token, clock, touch=True) == Err("MSG-TIMEOUT")
    assert _row(db, token).end_reason == "expired"


def test_r_sess_4_duplicate_login_ends_the_older_one(db: Session, clock: MovableClock) -> None:
    """R-SESS-4 "a new login ends the older session, whose next event shows MSG-DUP-LOGIN"."""
    who = make_login(db)
    first = ok_login(db, who, clock).session_token
    clock.advance(timedelta(minutes=5))
    second = ok_login(db, who, clock).session_token
    assert _check(db, who, first, clock, touch=True) == Err("MSG-DUP-LOGIN")
    assert _row(db, first).end_reason == "duplicate"
    assert isinstance(_check(db, who, second, clock, touch=True), Ok)


def test_r_sec_1_certificate_serial_must_be_the_sessions(
    db: Session, clock: MovableClock
) -> None:
    """R-SEC-1 "bound to the certificate serial … Every event re-checks the session, the
    certificate's status": a token used with another (valid) certificate ends the session."""
    who = make_login(db)
    other = make_login(db)
    token = ok_login(db, who, clock).session_token
    assert _check(db, who, token, clock, touch=True, facts=other.facts) == Err(
        "MSG-CERT-FOREIGN"
    )
    assert _row(db, token).end_reason == "certificate"
    assert _check(db, who, token, clock, touch=True) == Err("MSG-SESSION-ENDED")


def test_r_cert_12_certificate_problem_at_an_event_ends_the_session(
    db: Session, clock: MovableClock
) -> None:
    """R-CERT-12 at every event: the gate's verdict answers its own message."""
    who = make_login(db)
    token = ok_login(db, who, clock).session_token
    facts = facts_for(who.cert, "none")
    assert _check(db, who, token, clock, touch=False, facts=facts) == Err("MSG-CERT-NONE")


def test_r_cert_7_revocation_in_our_records_ends_an_open_session(
    db: Session, clock: MovableClock
) -> None:
    """R-CERT-7 "the app refuses the serial" (an open websocket outlives an nginx reload): the
    facts still say current, our record says revoked or superseded."""
    who = make_login(db)
    token = ok_login(db, who, clock).session_token
    who.cert.status = "revoked"
    who.cert.revoked_at = clock.now()
    db.add(who.cert)
    db.commit()
    assert _check(db, who, token, clock, touch=False) == Err("MSG-CERT-REVOKED")

    renewed = make_login(db)
    token = ok_login(db, renewed, clock).session_token
    renewed.cert.status = "superseded"
    renewed.cert.revoked_at = clock.now()
    db.add(renewed.cert)
    db.commit()
    assert _check(db, renewed, token, clock, touch=False) == Err("MSG-CERT-SUPERSEDED")
    assert _row(db, token).end_reason == "superseded"


def test_r_lock_1_lock_ends_open_sessions(
    app_env: Path, db: Session, clock: MovableClock
) -> None:
    """R-LOCK-1: six wrong passwords (e.g. from another browser) lock the user; the open session
    ends and its next event answers MSG-LOCKED with the unlock time."""
    who = make_login(db)
    token = ok_login(db, who, clock).session_token
    for _ in range(6):
        do_login(db, who, clock, WRONG)
    assert _row(db, token).end_reason == "locked"
    expected = Err("MSG-LOCKED", None, {"unlock_at": "11:00"})
    assert _check(db, who, token, clock, touch=True) == expected


def test_r_sess_2_logout_ends_the_session_and_is_logged(
    db: Session, clock: MovableClock
) -> None:
    """R-SESS-2 "ログアウト … ends the session server-side"; R-SESS-4 "After ログアウト the
    page shows MSG-LOGOUT"."""
    who = make_login(db)
    token = ok_login(db, who, clock).session_token
    sessions.logout(db, token=token, clock=clock, ip=IP)
    assert _check(db, who, token, clock, touch=True) == Err("MSG-LOGOUT")
    [entry] = entries(db, who.contract.contract_no, sessions.ACTION_LOGOUT)
    assert (entry.ip, entry.target) == (IP, who.user.user_id)
    sessions.logout(db, token=token, clock=clock, ip=IP)  # again: nothing more
    assert len(entries(db, who.contract.contract_no, sessions.ACTION_LOGOUT)) == 1


def test_r_ops_6_suspended_contract_ends_sessions(db: Session, clock: MovableClock) -> None:
    """R-OPS-6 "Suspend … sessions end and logins are refused with 「ご契約が終了しているため、
    ご利用いただけません。」"."""
    who = make_login(db)
    token = ok_login(db, who, clock).session_token
    who.contract.status = "suspended"
    db.add(who.contract)
    db.commit()
    assert _check(db, who, token, clock, touch=True) == Err("MSG-CONTRACT-ENDED")


def test_end_user_sessions_for_other_services(db: Session, clock: MovableClock) -> None:
    """R-USER-5a "A new temporary password ends the user's sessions": the helper ends open ones
    in the caller's transaction; the next event tells the user to log in again."""
    who = make_login(db)
    token = ok_login(db, who, clock).session_token
    assert who.user.id is not None
    ended = sessions.end_user_sessions(
        db, user_pk=who.user.id, reason="temporary_password", clock=clock
    )
    db.commit()
    assert ended == 1
    assert _check(db, who, token, clock, touch=True) == Err("MSG-SESSION-ENDED")
    assert sessions.end_user_sessions(db, user_pk=who.user.id, reason="x", clock=clock) == 0
    db.commit()


def test_r_sess_1_unknown_token_times_out_missing_token_asks_to_log_in(
    db: Session, clock: MovableClock
) -> None:
    """R-SESS-1: without a known session the user must log in again; with none at all (a
    bookmarked screen, issue 13 item 6) the guidance is to log in, not the 60-minute timeout."""
    who = make_login(db)
    assert _check(db, who, "nonsense", clock, touch=True) == Err("MSG-TIMEOUT")
    assert sessions.check(db, token=None, facts=who.facts, clock=clock,
                          touch=True) == Err("MSG-LOGIN-FIRST")
    assert sessions.check(db, token="", facts=who.facts, clock=clock,
                          touch=True) == Err("MSG-LOGIN-FIRST")


def test_session_info_for_the_screens(db: Session, clock: MovableClock) -> None:
    """What every screen shows after login (R-INFO-1 user information, R-LOGIN-4 group)."""
    contract = factories.make_contract(db, groups=(("001", "本社"), ("002", "支社")),
                                       name="情報労働組合")
    user = factories.make_user(db, contract, role="general", password_is_temporary=True)
    cert = factories.make_certificate(db, user)
    who = Login(contract, user, cert, facts_for(cert))
    token = ok_login(db, who, clock).session_token
    result = _check(db, who, token, clock, touch=True)
    assert isinstance(result, Ok)
    info = result.value
    assert (info.user_id, info.role, info.contract_no, info.contract_name) == (
        user.user_id, "general", contract.contract_no, "情報労働組合"
    )
    assert info.groups == (("001", "本社"), ("002", "支社"))
    assert (info.group_no, info.must_change_password) == (None, True)
