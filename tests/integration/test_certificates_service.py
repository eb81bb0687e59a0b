"""The service's certificate records (SPEC R-CERT-5, R-CERT-7, R-CERT-12, R-LOGIN-1): what
the gate and the CRL builder read, and recording a new certificate."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pytest
from cryptography import x509
from sqlalchemy import Engine
from sqlmodel import Session, select

from chingin_app.db import session_scope
from chingin_app.models import Certificate, User
from chingin_app.services.certs import certificates
from tests import factories


def _fingerprint() -> str:
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def _serial() -> str:
    return format(secrets.randbits(64) | (1 << 63), "x")


def _issue(db: Session, user: User, *, days: int = 0) -> Certificate:
    assert user.id is not None
    issued = factories.NOW + timedelta(days=days)
    return certificates.record_issued(
        db,
        user_pk=user.id,
        serial_hex=_serial(),
        sha256_hex=_fingerprint(),
        not_before=issued - timedelta(minutes=5),
        not_after=issued + timedelta(days=366),
        issued_at=issued,
    )


def test_r_login_1_lookup_current_certificate(db: Session) -> None:
    """R-LOGIN-1 "the login page identifies the user from it": the fingerprint gives the user
    and contract."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    cert = _issue(db, user)
    db.commit()
    assert certificates.classify_fingerprint(db, cert.sha256) == "current"
    facts = certificates.lookup(db, cert.sha256)
    assert facts == certificates.CertificateFacts(
        user_pk=user.id,  # type: ignore[arg-type]
        user_id=user.user_id,
        contract_no=contract.contract_no,
        serial_hex=cert.serial_hex,
        status="current",
        not_before=cert.not_before,
        not_after=factories.NOW + timedelta(days=366),
    )


def test_r_cert_12_fingerprint_forms_accepted(db: Session) -> None:
    """Upper-case and colon-separated fingerprints find the same certificate."""
    contract = factories.make_contract(db)
    cert = factories.make_certificate(db, factories.make_user(db, contract))
    colon = ":".join(cert.sha256[i : i + 2] for i in range(0, 64, 2)).upper()
    assert certificates.classify_fingerprint(db, colon) == "current"
    with pytest.raises(ValueError):
        certificates.classify_fingerprint(db, "xyz")


def test_r_cert_12_unknown_certificate(db: Session) -> None:
    """A certificate the service never issued: 'unknown' (the gate answers MSG-CERT-FOREIGN)."""
    assert certificates.classify_fingerprint(db, _fingerprint()) == "unknown"
    assert certificates.lookup(db, _fingerprint()) is None


def test_r_cert_5_renewal_supersedes_the_previous_certificate(db: Session) -> None:
    """R-CERT-5 "the new certificate becomes current at 発行 and the previous one is revoked at
    once (reason superseded)"."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    old = _issue(db, user)
    db.commit()
    new = _issue(db, user, days=340)
    db.commit()
    db.expunge_all()
    assert certificates.classify_fingerprint(db, old.sha256) == "superseded"
    assert certificates.classify_fingerprint(db, new.sha256) == "current"
    stored_old = db.get(Certificate, old.id)
    assert stored_old is not None
    assert stored_old.revoked_at == new.issued_at
    assert stored_old.revocation_reason == "superseded"
    listed = {serial: (at, reason) for serial, at, reason in certificates.revocations(db)}
    assert listed[int(old.serial_hex, 16)] == (new.issued_at, x509.ReasonFlags.superseded)
    assert int(new.serial_hex, 16) not in listed


def test_r_cert_7_revoked_certificate_listed_for_the_crl(db: Session) -> None:
    """R-CERT-7: a revoked certificate is refused by the app and listed in the CRL."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    revoked_at = factories.NOW + timedelta(days=3)
    cert = factories.make_certificate(
        db, user, status="revoked", revoked_at=revoked_at, revocation_reason="keyCompromise"
    )
    assert certificates.classify_fingerprint(db, cert.sha256) == "revoked"
    listed = {serial: (at, reason) for serial, at, reason in certificates.revocations(db)}
    assert listed[int(cert.serial_hex, 16)] == (revoked_at, x509.ReasonFlags.key_compromise)


def test_r_cert_5_record_issued_is_part_of_the_callers_transaction(db_engine: Engine) -> None:
    """Nothing is half-saved: if issuance rolls back, the old certificate is still current
    and the new one does not exist."""
    with session_scope(bind=db_engine) as setup:
        contract = factories.make_contract(setup)
        user = factories.make_user(setup, contract)
        old = _issue(setup, user)
        setup.commit()
    with session_scope(bind=db_engine) as issuing:
        issuing_user = issuing.get(User, user.id)
        assert issuing_user is not None
        new = _issue(issuing, issuing_user, days=340)
        issuing.rollback()
    with session_scope(bind=db_engine) as check:
        assert certificates.classify_fingerprint(check, old.sha256) == "current"
        assert certificates.classify_fingerprint(check, new.sha256) == "unknown"


def test_serial_normalisation() -> None:
    """nginx's ``$ssl_client_serial`` (upper-case, maybe a leading zero) matches the record."""
    assert certificates.normalise_serial("0A1B") == "a1b"
    assert certificates.normalise_serial(0xA1B) == "a1b"
    assert certificates.normalise_serial("0a:1b") == "a1b"
    with pytest.raises(ValueError):
        certificates.normalise_serial("0")


def test_record_issued_stores_normalised_values(db: Session) -> None:
    """Serial and fingerprint are stored in one canonical form."""
    contract = factories.make_contract(db)
    user = factories.make_user(db, contract)
    assert user.id is not None
    sha = _fingerprint()
    cert = certificates.record_issued(
        db,
        user_pk=user.id,
        serial_hex="00ABCDEF0123456789",
        sha256_hex=sha.upper(),
        not_before=factories.NOW,
        not_after=factories.NOW + timedelta(days=366),
        issued_at=factories.NOW,
    )
    db.commit()
    stored = db.exec(select(Certificate).where(Certificate.id == cert.id)).one()
    assert (stored.serial_hex, stored.sha256) == ("abcdef0123456789", sha)
