"""Test helpers for :mod:`pki` (DESIGN §4: expired or not-yet-valid certificates come from
back-dated issuance, never from moving a clock)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

from pki import CAHierarchy, CertificateAuthority, IssuedCert, create_hierarchy, issue_client_cert

#: When the shared test hierarchy was "created": far enough back that certificates issued at
#: any time from 2025 up to the issuing CA's end (2035-01-01T00:00Z) fit inside it.
HIERARCHY_CREATED = datetime(2025, 1, 1, tzinfo=UTC)
CRL_URL = "https://chingin.example/pki/issuing.crl"


@functools.cache
def shared_hierarchy() -> CAHierarchy:
    """One hierarchy for the whole test session (RSA-3072 generation is the slow part).
    Everything in it is immutable, so sharing is safe."""
    return create_hierarchy(name="chingin-test", now=HIERARCHY_CREATED)


@functools.cache
def foreign_hierarchy() -> CAHierarchy:
    """A second, unrelated hierarchy: its certificates are "foreign" (SPEC R-CERT-12)."""
    return create_hierarchy(name="elsewhere", now=HIERARCHY_CREATED)


def expired_client_cert(
    ca: CertificateAuthority, *, user_id: str, now: datetime, crl_url: str = CRL_URL
) -> IssuedCert:
    """A client certificate whose validity ended a month before ``now``."""
    return issue_client_cert(ca, user_id=user_id, now=now - timedelta(days=400), crl_url=crl_url)


def not_yet_valid_client_cert(
    ca: CertificateAuthority, *, user_id: str, now: datetime, crl_url: str = CRL_URL
) -> IssuedCert:
    """A client certificate whose validity starts two days after ``now``."""
    return issue_client_cert(ca, user_id=user_id, now=now + timedelta(days=2), crl_url=crl_url)
