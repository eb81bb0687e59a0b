"""Revocation by the bank and the certificate notices of the scheduled jobs, on SQLite and
PostgreSQL (SPEC R-CERT-5, R-CERT-6, R-CERT-7, R-OPS-2, R-OPS-4). Time comes from the
MovableClock; the CRL uses real time (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from sqlmodel import Session, col, select

import pki
from chingin_app.cli import main
from chingin_app.domain.clock import JST, MovableClock
from chingin_app.domain.result import Err, Ok
from chingin_app.models import (
    Certificate,
    CertificateStatus,
    MailOutbox,
    OperationLog,
    RevocationReason,
    User,
)
from chingin_app.services import jobs
from chingin_app.services.certs import ca, certificates, issuance, revocation
from chingin_app.settings import settings
from tests import factories
from tests.integration.test_mail import Inbox, quiesce_outbox, running_inbox
from tests.support.pki_testing import shared_hierarchy


@pytest.fixture
def ca_ready(app_env: Path) -> Iterator[pki.CAHierarchy]:
    """The shared test hierarchy saved as this data dir's customer CA."""
    s = settings()
    pki.save_hierarchy(shared_hierarchy(), s.pki_dir, passphrase=ca.ensure_passphrase(s))
    ca.hierarchy.cache_clear()
    yield shared_hierarchy()
    ca.hierarchy.cache_clear()


@pytest.fixture
def inbox(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with running_inbox(monkeypatch) as box:
        yield box


def _user_with_cert(db: Session, **cert: object) -> tuple[str, str, int, str]:
    """(user ID, contract number, user pk, serial) of a user with a certificate."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    row = factories.make_certificate(db, user, **cert)  # type: ignore[arg-type]
    assert user.id is not None
    facts = (user.user_id, contract.contract_no, user.id, row.serial_hex)
    db.commit()
    return facts


def _cert(db: Session, serial: str) -> Certificate:
    db.expire_all()
    row = db.exec(select(Certificate).where(Certificate.serial_hex == serial)).one()
    db.commit()
    return row


def _log(db: Session, action: str, target: str) -> list[OperationLog]:
    rows = list(
        db.exec(
            select(OperationLog)
            .where(OperationLog.action == action, OperationLog.target == target)
            .order_by(col(OperationLog.id))
        )
    )
    db.commit()
    return rows


# ---------------------------------------------------------------------------- R-CERT-7


@pytest.mark.parametrize(
    ("reason", "flag"),
    [
        ("lost", x509.ReasonFlags.key_compromise),
        ("pc-change", x509.ReasonFlags.cessation_of_operation),
        ("other", x509.ReasonFlags.unspecified),
    ],
)
def test_r_cert_7_revocation_takes_effect_in_the_app_and_the_crl(
    db: Session, clock: MovableClock, ca_ready: pki.CAHierarchy, reason: str,
    flag: x509.ReasonFlags,
) -> None:
    """R-CERT-7: "Revocation (bank, on paper) takes effect at the TLS layer and in the app at
    once (CRL published and reloaded, and the app refuses the serial)"; R-OPS-2: audited with
    the 受付番号."""
    user_id, contract_no, _, serial = _user_with_cert(db)
    result = revocation.revoke_user_certificate(
        db, user_id=user_id, reason=reason, actor="tester", clock=clock, ticket="T-0042"
    )
    assert result == Ok(serial)
    row = _cert(db, serial)
    assert row.status == CertificateStatus.REVOKED.value and row.revoked_at == clock.now()
    assert certificates.classify_fingerprint(db, row.sha256) == "revoked"
    db.commit()
    [entry] = _log(db, revocation.ACTION_REVOKE, user_id)
    assert entry.chain == f"contract:{contract_no}" and entry.actor == "operator:tester"
    assert entry.detail is not None and "T-0042" in entry.detail and serial in entry.detail

    revocation.publish_revocations()
    crl = x509.load_pem_x509_crl((settings().pki_dir / "issuing.crl.pem").read_bytes())
    revoked = crl.get_revoked_certificate_by_serial_number(int(serial, 16))
    assert revoked is not None
    if flag is x509.ReasonFlags.unspecified:
        assert crl.last_update_utc <= datetime.now(UTC)
    else:
        assert revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason == flag
    assert (settings().pki_dir / "crl.pem").read_bytes().count(b"BEGIN X509 CRL") == 2


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("unknown", "E-USER-NOT-FOUND"),
        ("case_differs", "E-USER-NOT-FOUND"),
        ("no_certificate", "E-CERT-NONE-TO-REVOKE"),
        ("already_revoked", "E-CERT-NONE-TO-REVOKE"),
        ("bad_reason", "E-REVOKE-REASON"),
        ("bad_id", "E-USER-ID-FORMAT"),
    ],
)
def test_r_ops_2_revocation_refusals_are_logged_and_change_nothing(
    db: Session, clock: MovableClock, app_env: Path, case: str, code: str
) -> None:
    """R-OPS-2 "Each leaves an audit entry": refusals too (system chain), nothing changed."""
    status = CertificateStatus.REVOKED.value if case == "already_revoked" else "current"
    user_id, _, _, serial = _user_with_cert(db, status=status)
    target = {
        "unknown": factories.next_user_id("ghost"),
        "case_differs": user_id.upper(),
        "bad_id": "no",
    }.get(case, user_id)
    if case == "no_certificate":
        contract = factories.make_contract(db)
        target = factories.make_user(db, contract).user_id
        db.commit()
    reason = "stolen" if case == "bad_reason" else "lost"
    result = revocation.revoke_user_certificate(
        db, user_id=target, reason=reason, actor="tester", clock=clock
    )
    assert isinstance(result, Err) and result.code == code
    assert _cert(db, serial).status == status
    [entry] = _log(db, revocation.ACTION_REVOKE, target)
    assert entry.chain == "system" and entry.result == "failure"
    assert entry.actor == "operator:tester" and entry.detail and code in entry.detail


def test_r_cert_5_after_revocation_a_new_certificate_may_be_issued(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """R-CERT-5: with a valid certificate the user gets MSG-CERT-EXISTS ("the bank must revoke
    first"); after the bank revoked it, issuance starts."""
    user_id, _, _, _ = _user_with_cert(db)
    start = issuance.start_issuance(
        db, user_id=user_id, password=factories.PASSWORD, entry="any", clock=clock, ip=None
    )
    assert start == Err("MSG-CERT-EXISTS")
    assert isinstance(
        revocation.revoke_user_certificate(
            db, user_id=user_id, reason="pc-change", actor="tester", clock=clock
        ),
        Ok,
    )
    start = issuance.start_issuance(
        db, user_id=user_id, password=factories.PASSWORD, entry="any", clock=clock, ip=None
    )
    assert isinstance(start, Ok)


def test_r_ops_2a_crl_reason_names_and_the_building_block(
    db: Session, clock: MovableClock, app_env: Path
) -> None:
    """R-OPS-2a (init-master revokes the master's certificate): a CRL reason name is accepted;
    ``revoke_current_certificate`` works inside the caller's transaction and commits nothing."""
    user_id, _, user_pk, serial = _user_with_cert(db)
    assert revocation.revocation_reason("affiliationChanged") is (
        RevocationReason.AFFILIATION_CHANGED
    )
    cert = revocation.revoke_current_certificate(
        db, user_pk=user_pk, reason=RevocationReason.AFFILIATION_CHANGED, now=clock.now()
    )
    assert cert is not None and cert.serial_hex == serial
    db.rollback()
    assert _cert(db, serial).status == CertificateStatus.CURRENT.value
    result = revocation.revoke_user_certificate(
        db, user_id=user_id, reason="affiliationChanged", actor="tester", clock=clock
    )
    assert result == Ok(serial)
    assert _cert(db, serial).revocation_reason == "affiliationChanged"
    with pytest.raises(ValueError):
        revocation.revoke_current_certificate(
            db, user_pk=user_pk, reason=RevocationReason.SUPERSEDED, now=clock.now()
        )
    db.rollback()


# ---------------------------------------------------------------------------- R-CERT-6


def _last_day_cert(db: Session, last_day: str, **kw: object) -> tuple[str, int, str, str]:
    """(user ID, user pk, serial, e-mail) of a current certificate whose last day (JST) is
    ``last_day`` (YYYY-MM-DD)."""
    not_after = datetime.fromisoformat(f"{last_day}T23:59:59+09:00")
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract, **kw)  # type: ignore[arg-type]
    row = factories.make_certificate(
        db, user, issued_at=not_after - timedelta(days=366), not_after=not_after
    )
    assert user.id is not None
    facts = (user.user_id, user.id, row.serial_hex, user.email)
    db.commit()
    return facts


def _notices(db: Session, user_pk: int) -> list[str]:
    kinds = db.exec(
        select(MailOutbox.kind)
        .where(MailOutbox.user_pk == user_pk)
        .order_by(col(MailOutbox.id))
    ).all()
    db.commit()
    return list(kinds)


def test_r_cert_6_notices_30_days_before_and_after_expiry_once_each(
    db: Session, app_env: Path
) -> None:
    """R-CERT-6: "E-mail notices 30 days before expiry and when it has expired, once each";
    R-CERT-4: "the 30-day notice goes that day [00:00 JST on (last day − 30)], the expiry
    notice the day after the last day". Last day 2027-03-01."""
    user_id, user_pk, serial, _ = _last_day_cert(db, "2027-03-01")
    clock = MovableClock(datetime(2027, 1, 29, 23, 59, 59, tzinfo=JST))
    jobs.send_certificate_notices(clock=clock)
    assert _notices(db, user_pk) == []

    clock.set(datetime(2027, 1, 30, 0, 0, tzinfo=JST))
    jobs.send_certificate_notices(clock=clock)
    assert _notices(db, user_pk) == ["certificate_expiring"]
    assert _cert(db, serial).renewal_notice_sent_at == clock.now()
    clock.advance(timedelta(days=1))
    jobs.send_certificate_notices(clock=clock)
    assert _notices(db, user_pk) == ["certificate_expiring"]  # once

    clock.set(datetime(2027, 3, 1, 23, 59, 59, tzinfo=JST))
    jobs.send_certificate_notices(clock=clock)
    assert _notices(db, user_pk) == ["certificate_expiring"]
    clock.set(datetime(2027, 3, 2, 0, 0, tzinfo=JST))
    jobs.send_certificate_notices(clock=clock)
    assert _notices(db, user_pk) == ["certificate_expiring", "certificate_expired"]
    assert _cert(db, serial).expiry_notice_sent_at == clock.now()
    clock.advance(timedelta(days=3))
    jobs.send_certificate_notices(clock=clock)
    assert _notices(db, user_pk) == ["certificate_expiring", "certificate_expired"]
    assert [e.action for e in _log(db, "certificate.notice_expiring", user_id)] == [
        "certificate.notice_expiring"
    ]
    assert len(_log(db, "certificate.notice_expired", user_id)) == 1


def test_r_cert_6_missed_window_gets_only_the_expiry_notice(db: Session, app_env: Path) -> None:
    """When the jobs did not run during the 30 days, the user is not told "expiring" about a
    certificate that has already expired."""
    _, user_pk, _, _ = _last_day_cert(db, "2027-03-01")
    jobs.send_certificate_notices(clock=MovableClock(datetime(2027, 3, 5, tzinfo=JST)))
    assert _notices(db, user_pk) == ["certificate_expired"]


@pytest.mark.parametrize("state", ["superseded", "revoked", "deleted"])
def test_r_cert_6_no_notice_for_replaced_revoked_or_deleted(
    db: Session, app_env: Path, state: str
) -> None:
    """Only the current certificate of a user who is not deleted is announced."""
    extra = {"deleted_at": factories.NOW} if state == "deleted" else {}
    _, user_pk, serial, _ = _last_day_cert(db, "2027-03-01", **extra)
    if state != "deleted":
        row = _cert(db, serial)
        row.status, row.revoked_at = state, factories.NOW
        db.add(row)
        db.commit()
    jobs.send_certificate_notices(clock=MovableClock(datetime(2027, 2, 10, tzinfo=JST)))
    jobs.send_certificate_notices(clock=MovableClock(datetime(2027, 3, 10, tzinfo=JST)))
    assert _notices(db, user_pk) == []


def test_r_ops_4_jobs_run_sends_the_notice_through_smtp(
    db: Session, ca_ready: pki.CAHierarchy, inbox: Inbox
) -> None:
    """R-OPS-4 "Scheduled jobs: certificate expiry mails (R-CERT-6), CRL refresh, purge of
    expired auth codes": ``chingin jobs run`` queues the notice and flushes the outbox."""
    quiesce_outbox(db)
    last_day = (datetime.now(JST) + timedelta(days=10)).date().isoformat()
    _, user_pk, _, email = _last_day_cert(db, last_day)
    assert main(["jobs", "run"]) == 0
    assert _notices(db, user_pk) == ["certificate_expiring"]
    [msg] = inbox.to(email)
    assert msg["Subject"] == "【賃金控除事務支援サービス】電子証明書の有効期限が近づいています"
    row = db.exec(select(MailOutbox).where(MailOutbox.user_pk == user_pk)).one()
    db.commit()
    assert row.sent_at is not None
    assert db.get(User, user_pk) is not None
    db.commit()
