"""SPEC R-CERT-10: the certificate nginx forwards; R-CERT-1b: fingerprints shown to users."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from pki import (
    CAHierarchy,
    IssuedCert,
    PkiError,
    issue_client_cert,
    parse_forwarded_cert,
    sha1_fingerprint,
    sha256_fingerprint,
)
from tests.support.pki_testing import CRL_URL, shared_hierarchy


@pytest.fixture(scope="module")
def h() -> CAHierarchy:
    return shared_hierarchy()


@pytest.fixture(scope="module")
def issued(h: CAHierarchy) -> IssuedCert:
    return issue_client_cert(
        h.issuing, user_id="tanaka01", now=datetime(2026, 3, 1, tzinfo=UTC), crl_url=CRL_URL
    )


def test_r_cert_10_parse_fully_escaped_pem(issued: IssuedCert) -> None:
    """R-CERT-10: ``$ssl_client_escaped_cert`` is the PEM URL-escaped."""
    escaped = quote(issued.cert_pem().decode(), safe="")
    assert "%0A" in escaped
    assert parse_forwarded_cert(escaped) == issued.cert


def test_r_cert_10_parse_nginx_style_escaping_keeps_plus(issued: IssuedCert) -> None:
    """R-CERT-10: nginx escapes spaces and newlines but leaves base64's ``+``, ``/`` and ``=``;
    a ``+`` must not turn into a space."""
    pem = issued.cert_pem().decode()
    escaped = pem.replace(" ", "%20").replace("\n", "%0A")
    assert parse_forwarded_cert(escaped) == issued.cert


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "(null)",
        "not a certificate",
        "%FF%FE%FD",
        "-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----%0A",
        "x" * 100_000,
    ],
)
def test_r_cert_10_garbage_is_pki_error(garbage: str) -> None:
    """R-CERT-10 / STYLE §5: a header that is not a certificate raises PkiError."""
    with pytest.raises(PkiError):
        parse_forwarded_cert(garbage)


def test_r_cert_10_truncated_or_key_is_pki_error(issued: IssuedCert) -> None:
    """R-CERT-10: a cut-off certificate or a key in its place is not a certificate."""
    pem = issued.cert_pem().decode()
    with pytest.raises(PkiError):
        parse_forwarded_cert(quote(pem[: len(pem) // 2], safe=""))
    with pytest.raises(PkiError):
        parse_forwarded_cert(quote(issued.key_pem().decode(), safe=""))


def _openssl_fingerprint(pem_file: Path, digest: str) -> str:
    out = subprocess.run(
        ["openssl", "x509", "-in", str(pem_file), "-noout", "-fingerprint", f"-{digest}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().split("=", 1)[1]


def test_r_cert_1b_sha1_fingerprint_matches_openssl(h: CAHierarchy, tmp_path: Path) -> None:
    """R-CERT-1b "the root CA's SHA-1 thumbprint (to compare with the Windows security
    warning)": upper-case hex pairs with colons, the same digest as ``openssl x509``."""
    (tmp_path / "root.pem").write_bytes(h.root.pem())
    fingerprint = sha1_fingerprint(h.root.cert)
    assert fingerprint == _openssl_fingerprint(tmp_path / "root.pem", "sha1")
    assert len(fingerprint) == 20 * 3 - 1
    assert fingerprint == fingerprint.upper()


def test_r_cert_10_sha256_fingerprint_matches_openssl(issued: IssuedCert, tmp_path: Path) -> None:
    """DESIGN §3 "compute SHA-256 from `$ssl_client_escaped_cert`": lowercase hex, no colons."""
    (tmp_path / "client.pem").write_bytes(issued.cert_pem())
    fingerprint = sha256_fingerprint(issued.cert)
    expected = _openssl_fingerprint(tmp_path / "client.pem", "sha256").replace(":", "").lower()
    assert fingerprint == expected
    assert len(fingerprint) == 64
