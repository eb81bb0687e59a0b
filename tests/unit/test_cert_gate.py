"""R-CERT-10 / R-CERT-12: nginx's verdict and our own records, classified (DESIGN §3)."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest

import pki
from chingin_app.services.cert_gate import CertFacts, StoredCert, classify

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def escaped() -> tuple[str, str]:
    h = pki.create_hierarchy(name="gate-test", now=NOW - timedelta(days=1))
    issued = pki.issue_client_cert(h.issuing, user_id="tanaka01", now=NOW, crl_url="https://x/crl")
    pem = issued.cert_pem().decode()
    return urllib.parse.quote(pem, safe=""), pki.sha256_fingerprint(issued.cert)


def _lookup(table: dict[str, StoredCert]):
    return lambda sha: table.get(sha)


def test_r_cert_10_no_certificate_is_none() -> None:
    for verify in (None, "", "NONE"):
        assert classify(verify, None, lookup=_lookup({}), now=NOW).status == "none"


@pytest.mark.parametrize(
    ("stored_status", "not_after_delta", "expected"),
    [
        ("current", timedelta(days=30), "current"),
        ("current", timedelta(seconds=-1), "expired"),
        ("superseded", timedelta(days=30), "superseded"),
        ("revoked", timedelta(days=30), "revoked"),
    ],
)
def test_r_cert_12_success_is_decided_by_our_records(
    escaped: tuple[str, str], stored_status: str, not_after_delta: timedelta, expected: str
) -> None:
    cert, sha = escaped
    table = {sha: StoredCert(status=stored_status, not_after=NOW + not_after_delta)}  # type: ignore[arg-type]
    facts = classify("SUCCESS", cert, lookup=_lookup(table), now=NOW)
    assert facts.status == expected
    assert facts.subject == "tanaka01"
    assert facts.sha256 == sha


def test_r_cert_12_unknown_to_our_records_is_foreign(escaped: tuple[str, str]) -> None:
    cert, _ = escaped
    assert classify("SUCCESS", cert, lookup=_lookup({}), now=NOW).status == "foreign"


def test_r_cert_10_success_without_a_certificate_is_foreign() -> None:
    assert classify("SUCCESS", None, lookup=_lookup({}), now=NOW).status == "foreign"
    assert classify("SUCCESS", "garbage", lookup=_lookup({}), now=NOW).status == "foreign"


@pytest.mark.parametrize(
    ("verify", "expected"),
    [
        ("FAILED:certificate has expired", "expired"),
        ("FAILED:certificate revoked", "revoked"),
        ("FAILED:CRL has expired", "crl_fault"),
        ("FAILED:unable to get certificate CRL", "foreign"),
        ("FAILED:unable to verify the first certificate", "foreign"),
    ],
)
def test_r_cert_12_nginx_failures(escaped: tuple[str, str], verify: str, expected: str) -> None:
    cert, _ = escaped
    assert classify(verify, cert, lookup=_lookup({}), now=NOW).status == expected


def test_r_cert_10_facts_roundtrip_through_headers(escaped: tuple[str, str]) -> None:
    cert, sha = escaped
    table = {sha: StoredCert(status="current", not_after=NOW + timedelta(days=1))}
    facts = classify("SUCCESS", cert, lookup=_lookup(table), now=NOW)
    assert CertFacts.from_headers(dict(facts.to_headers())) == facts
    assert CertFacts.from_headers({"x-chingin-cert-status": "made-up"}).status == "none"


def test_r_cert_5_a_renewed_certificate_on_the_crl_is_superseded(escaped: tuple[str, str]) -> None:
    """R-CERT-5: nginx reports a renewed certificate as revoked (it is on the CRL); the login
    page must answer it with MSG-CERT-SUPERSEDED, so our records decide."""
    cert, sha = escaped
    table = {sha: StoredCert(status="superseded", not_after=NOW + timedelta(days=1))}
    facts = classify("FAILED:certificate revoked", cert, lookup=_lookup(table), now=NOW)
    assert facts.status == "superseded"
    assert classify("FAILED:certificate revoked", cert, lookup=_lookup({}), now=NOW).status == (
        "revoked"
    )
