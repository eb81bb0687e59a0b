"""ログイン after the bank suspended or terminated the contract, on SQLite and PostgreSQL (SPEC
R-OPS-6 "sessions end and logins are refused with
「ご契約が終了しているため、ご利用いただけません。」; terminate also revokes every
certificate", R-CERT-12, R-LOCK-5).

Terminating revokes every certificate, so the login page used to answer MSG-CERT-REVOKED: the
certificate's status was checked before its contract. A certificate of ours (SHA-256 and serial
match our record) now answers MSG-CONTRACT-ENDED whenever its contract is not active; anything we
do not know keeps its certificate message, so the contract's state is never told for arbitrary
input. Time comes from the MovableClock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

import pki
from chingin_app.domain.clock import MovableClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from chingin_app.models import Certificate, OperationLog, UserRole
from chingin_app.services import contracts, login
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.certs import ca
from chingin_app.settings import settings
from tests import factories
from tests.integration.test_login import Login, facts_for, make_login
from tests.support.pki_testing import shared_hierarchy

TICKET = "U-2026-0042"
ENDED = Err("MSG-CONTRACT-ENDED")


@pytest.fixture
def ca_ready(app_env: Path) -> Iterator[None]:
    """terminate_contract publishes a CRL: the data dir needs a customer CA."""
    s = settings()
    pki.save_hierarchy(shared_hierarchy(), s.pki_dir, passphrase=ca.ensure_passphrase(s))
    ca.hierarchy.cache_clear()
    yield
    ca.hierarchy.cache_clear()


def _login(db: Session, facts: CertFacts, clock: MovableClock) -> object:
    return login.login(db, facts=facts, password=factories.PASSWORD, clock=clock, ip="192.0.2.7")


def _refusals(db: Session, contract_no: str) -> list[tuple[str, str, str | None]]:
    db.expire_all()
    rows = db.exec(
        select(OperationLog)
        .where(
            OperationLog.contract_no == contract_no,
            OperationLog.action == login.ACTION_LOGIN_FAILURE,
        )
        .order_by(col(OperationLog.id))
    ).all()
    db.commit()
    return [(e.result, e.target or "", e.detail) for e in rows]


def test_r_ops_6_terminated_contract_login_says_contract_ended(
    ca_ready: None, db: Session, clock: MovableClock
) -> None:
    """R-OPS-6: after terminate every certificate of the contract is revoked, and the login page
    and ログイン answer MSG-CONTRACT-ENDED (not MSG-CERT-REVOKED) for the master and a general
    user alike — whether the TLS front still calls the certificate current (an open websocket
    outlives the nginx reload) or already reports it revoked from the CRL."""
    master = make_login(db, role=UserRole.MASTER.value)
    general = factories.make_user(db, master.contract)
    general_cert = factories.make_certificate(db, general)
    no = master.contract.contract_no
    ended = contracts.terminate_contract(
        db, contract_no=no, actor="tester", clock=clock, ticket=TICKET
    )
    assert isinstance(ended, Ok)
    db.expire_all()
    for cert_id in (master.cert.id, general_cert.id):
        cert = db.get(Certificate, cert_id)
        assert cert is not None and cert.status == "revoked"  # what used to win
    db.commit()

    for facts in (
        master.facts,
        facts_for(master.cert, status="revoked", subject=master.user.user_id),
        facts_for(general_cert, status="revoked", subject=general.user_id),
    ):
        assert login.identify(db, facts=facts, clock=clock) == ENDED
        assert _login(db, facts, clock) == ENDED
    assert message("MSG-CONTRACT-ENDED") == "ご契約が終了しているため、ご利用いただけません。"
    # Each refusal is in the contract's log with the user the certificate names.
    assert [(r, t) for r, t, _d in _refusals(db, no)] == [
        ("refused", master.user.user_id),
        ("refused", master.user.user_id),
        ("refused", general.user_id),
    ]
    assert all("MSG-CONTRACT-ENDED" in (d or "") for _r, _t, d in _refusals(db, no))


@pytest.mark.parametrize("cert_status", ["expired", "superseded", "revoked"])
def test_r_ops_6_suspended_contract_wins_over_the_certificate_message(
    db: Session, clock: MovableClock, cert_status: str
) -> None:
    """R-OPS-6 for a suspended contract: whatever else is wrong with a certificate we issued,
    the user is told that the contract is not in use; resumed, the certificate's own message
    (R-CERT-12) comes back."""
    who = make_login(db)
    if cert_status == "expired":
        cert = who.cert
        cert.not_after = clock.now() - timedelta(seconds=1)
        facts = facts_for(cert, status="current")
        expected_after = Err("MSG-CERT-EXPIRED")
    else:
        cert = who.cert
        cert.status = cert_status
        cert.revoked_at = clock.now()
        facts = facts_for(cert, status=cert_status)  # what the gate reads from our records
        expected_after = Err(
            "MSG-CERT-SUPERSEDED" if cert_status == "superseded" else "MSG-CERT-REVOKED"
        )
    db.add(cert)
    who.contract.status = "suspended"
    db.add(who.contract)
    db.commit()

    assert login.identify(db, facts=facts, clock=clock) == ENDED
    assert _login(db, facts, clock) == ENDED

    who.contract.status = "active"
    db.add(who.contract)
    db.commit()
    assert login.identify(db, facts=facts, clock=clock) == expected_after


def test_r_lock_5_contract_state_is_not_told_for_certificates_we_do_not_know(
    db: Session, clock: MovableClock
) -> None:
    """R-LOCK-5, R-CERT-12: the contract message needs a certificate of ours. A crafted
    fingerprint of our certificate with another serial, an unknown fingerprint, a certificate
    of another issuer and no certificate keep their certificate messages, and a refused
    attempt is not logged in the ended contract's chain."""
    who = make_login(db)
    who.contract.status = "terminated"
    db.add(who.contract)
    db.commit()
    sha, serial = who.cert.sha256, who.cert.serial_hex
    other = format(int(serial, 16) + 1, "x")
    unknown = "ab" * 32
    cases = {
        "our fingerprint, another serial": (CertFacts("current", "x", other, sha),
                                            "MSG-CERT-FOREIGN"),
        "unknown fingerprint": (CertFacts("revoked", "x", serial, unknown), "MSG-CERT-REVOKED"),
        "unknown fingerprint, current": (CertFacts("current", "x", serial, unknown),
                                         "MSG-CERT-FOREIGN"),
        "another issuer": (CertFacts("foreign", "x", serial, sha), "MSG-CERT-FOREIGN"),
        "no certificate": (CertFacts("none"), "MSG-CERT-NONE"),
    }
    for name, (facts, code) in cases.items():
        assert login.identify(db, facts=facts, clock=clock) == Err(code), name
        assert _login(db, facts, clock) == Err(code), name
    assert _refusals(db, who.contract.contract_no) == []
    # The genuine certificate still gets the contract message.
    assert _login(db, who.facts, clock) == ENDED


def test_r_ops_6_active_contract_keeps_the_certificate_messages(
    db: Session, clock: MovableClock
) -> None:
    """R-CERT-12 is unchanged while the contract is active: a revoked certificate answers
    MSG-CERT-REVOKED and a valid one signs in."""
    revoked = make_login(db)
    revoked.cert.status = "revoked"
    revoked.cert.revoked_at = clock.now()
    db.add(revoked.cert)
    db.commit()
    assert _login(db, facts_for(revoked.cert, status="revoked"), clock) == Err(
        "MSG-CERT-REVOKED"
    )
    fine: Login = make_login(db)
    assert isinstance(_login(db, fine.facts, clock), Ok)
