"""SPEC R-CERT-7 / R-CERT-10 / R-CERT-12: the app's own check of a client certificate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pki import (
    CAHierarchy,
    CertExpired,
    CertRevoked,
    ChainInvalid,
    IssuedCert,
    PkiError,
    issue_client_cert,
    issue_server_cert,
    verify_client_cert,
)
from tests.support.pki_testing import (
    CRL_URL,
    expired_client_cert,
    foreign_hierarchy,
    not_yet_valid_client_cert,
    shared_hierarchy,
)

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def h() -> CAHierarchy:
    return shared_hierarchy()


@pytest.fixture(scope="module")
def good(h: CAHierarchy) -> IssuedCert:
    return issue_client_cert(h.issuing, user_id="good01", now=NOW, crl_url=CRL_URL)


def test_r_cert_7_good_passes_and_revoked_serial_is_refused(
    h: CAHierarchy, good: IssuedCert
) -> None:
    """R-CERT-7 "the app refuses the serial": the same certificate passes until its serial is
    among the revoked ones."""
    verify_client_cert(good.cert, h, now=NOW, revoked_serials={1, 2, 3})
    with pytest.raises(CertRevoked):
        verify_client_cert(good.cert, h, now=NOW, revoked_serials={good.cert.serial_number})


def test_r_cert_12_expired(h: CAHierarchy) -> None:
    """R-CERT-12 "expired": a certificate issued two years ago."""
    old = issue_client_cert(
        h.issuing, user_id="old01", now=NOW - timedelta(days=730), crl_url=CRL_URL
    )
    with pytest.raises(CertExpired, match="expired at"):
        verify_client_cert(old.cert, h, now=NOW)


def test_r_cert_4_validity_edges(h: CAHierarchy, good: IssuedCert) -> None:
    """R-CERT-4: valid through 23:59:59 JST of the last day, expired one second later."""
    last_second = good.cert.not_valid_after_utc
    verify_client_cert(good.cert, h, now=last_second)
    with pytest.raises(CertExpired):
        verify_client_cert(good.cert, h, now=last_second + timedelta(seconds=1))


def test_r_cert_12_not_yet_valid_is_cert_expired(h: CAHierarchy) -> None:
    """R-CERT-12: a certificate not yet valid fails on time too (CertExpired, documented)."""
    future = not_yet_valid_client_cert(h.issuing, user_id="future01", now=NOW)
    with pytest.raises(CertExpired, match="not yet valid"):
        verify_client_cert(future.cert, h, now=NOW)


def test_r_cert_12_expired_and_revoked_reads_as_nginx_does(h: CAHierarchy) -> None:
    """R-CERT-12: nginx reports the last OpenSSL error, so a revoked certificate that has also
    expired is "certificate has expired"; the app says the same."""
    old = expired_client_cert(h.issuing, user_id="old02", now=NOW)
    with pytest.raises(CertExpired):
        verify_client_cert(old.cert, h, now=NOW, revoked_serials={old.cert.serial_number})


def test_r_cert_12_foreign(h: CAHierarchy) -> None:
    """R-CERT-12 "foreign (another issuer)": a certificate from another hierarchy, even one
    with the same user ID, fails the chain."""
    foreign = issue_client_cert(
        foreign_hierarchy().issuing, user_id="good01", now=NOW, crl_url=CRL_URL
    )
    with pytest.raises(ChainInvalid, match="not issued by this issuing CA"):
        verify_client_cert(foreign.cert, h, now=NOW)


def test_r_cert_3_only_client_certificates(h: CAHierarchy) -> None:
    """R-CERT-3 "for TLS client authentication only": a server certificate or a CA
    certificate from the same hierarchy is not a client certificate."""
    server = issue_server_cert(h.issuing, hostnames=["localhost"], ips=[], now=NOW)
    with pytest.raises(ChainInvalid, match="client authentication"):
        verify_client_cert(server.cert, h, now=NOW)
    with pytest.raises(ChainInvalid):
        verify_client_cert(h.issuing.cert, h, now=NOW)


def test_r_cert_12_errors_are_pki_errors() -> None:
    """STYLE §5: verification failures are PkiError subclasses."""
    assert all(issubclass(e, PkiError) for e in (ChainInvalid, CertExpired, CertRevoked))


def test_r_cert_10_naive_now_is_misuse(h: CAHierarchy, good: IssuedCert) -> None:
    """STYLE §5: a naive datetime raises ValueError."""
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_client_cert(good.cert, h, now=datetime(2026, 6, 15))
