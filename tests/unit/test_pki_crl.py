"""SPEC R-CERT-5 / R-CERT-7: CRLs as nginx uses them (DESIGN §3 "nginx needs a CRL for every
CA in the chain"), checked with ``openssl verify -crl_check_all``."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from pki import (
    CAHierarchy,
    IssuedCert,
    Revocation,
    build_crl,
    crl_pem_bundle,
    issue_client_cert,
)
from tests.support.pki_testing import CRL_URL, shared_hierarchy

# openssl verify uses the real clock, so these certificates and CRLs use it too (DESIGN §4
# "CRLs use real time").
REAL_NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def h() -> CAHierarchy:
    return shared_hierarchy()


@pytest.fixture(scope="module")
def good(h: CAHierarchy) -> IssuedCert:
    return issue_client_cert(h.issuing, user_id="good01", now=REAL_NOW, crl_url=CRL_URL)


@pytest.fixture(scope="module")
def revoked(h: CAHierarchy) -> IssuedCert:
    return issue_client_cert(h.issuing, user_id="revoked01", now=REAL_NOW, crl_url=CRL_URL)


@pytest.fixture(scope="module")
def files(
    h: CAHierarchy, good: IssuedCert, revoked: IssuedCert, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    d = tmp_path_factory.mktemp("crl")
    issuing_crl = build_crl(
        h.issuing,
        [Revocation(serial=revoked.cert.serial_number, revoked_at=REAL_NOW)],
        now=REAL_NOW,
        next_update=timedelta(days=7),
    )
    root_crl = build_crl(h.root, [], now=REAL_NOW, next_update=timedelta(days=400))
    (d / "chain.pem").write_bytes(h.chain_pem())
    (d / "crls.pem").write_bytes(crl_pem_bundle(issuing_crl, root_crl))
    (d / "issuing-only.pem").write_bytes(crl_pem_bundle(issuing_crl))
    (d / "good.pem").write_bytes(good.cert_pem())
    (d / "revoked.pem").write_bytes(revoked.cert_pem())
    return d


def _verify(files: Path, cert: str, crls: str = "crls.pem") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "openssl",
            "verify",
            "-crl_check_all",
            "-purpose",
            "sslclient",
            "-CAfile",
            str(files / "chain.pem"),
            "-CRLfile",
            str(files / crls),
            str(files / cert),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_r_cert_7_openssl_accepts_a_good_certificate(files: Path) -> None:
    """R-CERT-7: with both CRLs, a certificate that is not listed verifies."""
    result = _verify(files, "good.pem")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(": OK")


def test_r_cert_7_openssl_reports_a_revoked_certificate(files: Path) -> None:
    """R-CERT-7 "Revocation ... takes effect at the TLS layer": the listed serial is refused as
    revoked (nginx's ``FAILED:certificate revoked``)."""
    result = _verify(files, "revoked.pem")
    assert result.returncode != 0
    assert "certificate revoked" in result.stdout + result.stderr


def test_r_cert_7_every_ca_in_the_chain_needs_a_crl(files: Path) -> None:
    """DESIGN §3 "nginx needs a CRL for every CA in the chain": without the root's CRL even a
    good certificate fails."""
    result = _verify(files, "good.pem", crls="issuing-only.pem")
    assert result.returncode != 0
    assert "unable to get certificate CRL" in result.stdout + result.stderr


def test_r_cert_7_crl_fields(h: CAHierarchy) -> None:
    """DESIGN §3: lastUpdate backdated 5 minutes, nextUpdate, a CRL number that grows with
    time, AKI, signed by the CA, reason codes (none for "unspecified", RFC 5280 §5.3.1)."""
    now = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
    crl = build_crl(
        h.issuing,
        [
            Revocation(serial=1001, revoked_at=now - timedelta(hours=1)),
            Revocation(
                serial=1002,
                revoked_at=now - timedelta(minutes=1),
                reason=x509.ReasonFlags.superseded,
            ),
        ],
        now=now,
        next_update=timedelta(days=7),
    )
    assert crl.issuer == h.issuing.cert.subject
    assert crl.last_update_utc == now - timedelta(minutes=5)
    assert crl.next_update_utc == now + timedelta(days=7)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == int(
        now.timestamp()
    )
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = h.issuing.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert crl.is_signature_valid(h.issuing.cert.public_key())  # type: ignore[arg-type]
    first = crl.get_revoked_certificate_by_serial_number(1001)
    second = crl.get_revoked_certificate_by_serial_number(1002)
    assert first is not None
    assert second is not None
    assert first.revocation_date_utc == now - timedelta(hours=1)
    assert list(first.extensions) == []
    assert second.extensions.get_extension_for_class(x509.CRLReason).value.reason is (
        x509.ReasonFlags.superseded
    )
    later = build_crl(h.issuing, [], now=now + timedelta(seconds=1), next_update=timedelta(days=7))
    assert (
        later.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        > crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    )


def test_r_cert_7_crl_misuse(h: CAHierarchy) -> None:
    """STYLE §5: naive times, a non-positive nextUpdate and an empty bundle are misuse."""
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        build_crl(h.issuing, [], now=datetime(2026, 3, 1), next_update=timedelta(days=7))
    with pytest.raises(ValueError, match="next_update"):
        build_crl(h.issuing, [], now=now, next_update=timedelta(0))
    with pytest.raises(ValueError, match="revoked_at"):
        build_crl(
            h.issuing,
            [Revocation(serial=5, revoked_at=datetime(2026, 3, 1))],
            now=now,
            next_update=timedelta(days=7),
        )
    with pytest.raises(ValueError, match="at least one CRL"):
        crl_pem_bundle()


def test_r_cert_7_bundle_is_concatenated_pem(h: CAHierarchy) -> None:
    """DESIGN §3 "`crl.pem` = the issuing CA's CRL + the root's"."""
    now = datetime(2026, 3, 1, tzinfo=UTC)
    a = build_crl(h.issuing, [], now=now, next_update=timedelta(days=7))
    b = build_crl(h.root, [], now=now, next_update=timedelta(days=400))
    bundle = crl_pem_bundle(a, b)
    assert bundle == a.public_bytes(Encoding.PEM) + b.public_bytes(Encoding.PEM)
    assert bundle.count(b"-----BEGIN X509 CRL-----") == 2
