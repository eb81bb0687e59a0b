"""What the TLS front says about the client certificate, classified (R-CERT-10, R-CERT-12).

nginx verifies the certificate and its CRL and forwards the outcome; the app checks the
certificate against its own records too (DESIGN §3, "The gate maps X-SSL-Client-Verify").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography.x509.oid import NameOID

import pki

log = logging.getLogger(__name__)

CertStatus = Literal["none", "current", "expired", "revoked", "superseded", "foreign", "crl_fault"]
STATUSES: tuple[CertStatus, ...] = (
    "none", "current", "expired", "revoked", "superseded", "foreign", "crl_fault",
)

# Headers the gate hands to the app in place of nginx's raw ones. Anything a client sends under
# this prefix is dropped first, so only the gate can set them.
HEADER_PREFIX = "x-chingin-"
H_STATUS = "x-chingin-cert-status"
H_SUBJECT = "x-chingin-cert-subject"
H_SERIAL = "x-chingin-cert-serial"
H_SHA256 = "x-chingin-cert-sha256"
H_CLIENT_IP = "x-chingin-client-ip"
# The SHA-256 (hex) of the client token a websocket connected with: after a worker died, Reflex
# may hand the tab a fresh token and state, and this names the tab whose session handle the
# new state may take (services.session_handles, R-DEP-4).
H_TAB = "x-chingin-tab"
# Which nginx listener the request came through: "public" or "operator" (R-OPS-7); set by the
# gate only for trusted requests, "direct" otherwise.
H_LISTENER = "x-chingin-listener"
LISTENERS: tuple[str, ...] = ("public", "operator")


def listener_from_headers(headers: Mapping[str, str]) -> str:
    """The listener the gate vouched for ("public", "operator" or "direct")."""
    value = headers.get(H_LISTENER, "direct")
    return value if value in LISTENERS else "direct"


@dataclass(frozen=True)
class StoredCert:
    """What our own records say about a certificate, looked up by its SHA-256."""

    status: Literal["current", "superseded", "revoked"]
    not_after: datetime


@dataclass(frozen=True)
class CertFacts:
    """The verified certificate facts a state may rely on."""

    status: CertStatus
    subject: str | None = None  # the CN, which is the user ID (R-CERT-3)
    serial: str | None = None  # hex
    sha256: str | None = None

    @property
    def usable(self) -> bool:
        """True only for the user's current, valid certificate."""
        return self.status == "current"

    def to_headers(self) -> list[tuple[str, str]]:
        """The facts as header pairs for the request the app sees."""
        pairs: list[tuple[str, str]] = [(H_STATUS, self.status)]
        for name, value in ((H_SUBJECT, self.subject), (H_SERIAL, self.serial),
                            (H_SHA256, self.sha256)):
            if value:
                pairs.append((name, value))
        return pairs

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> CertFacts:
        """Read the facts back from the gate's headers (lower-case keys)."""
        status = headers.get(H_STATUS, "none")
        if status not in STATUSES:
            status = "none"
        return cls(
            status=status,  # type: ignore[arg-type]
            subject=headers.get(H_SUBJECT) or None,
            serial=headers.get(H_SERIAL) or None,
            sha256=headers.get(H_SHA256) or None,
        )


NONE = CertFacts("none")


def classify(
    verify: str | None,
    escaped_cert: str | None,
    *,
    lookup: Callable[[str], StoredCert | None],
    now: datetime,
) -> CertFacts:
    """Map nginx's `$ssl_client_verify` and the forwarded certificate to a CertFacts.

    NONE → none; SUCCESS → our records decide (current / superseded / revoked, unknown →
    foreign, past notAfter → expired); FAILED:certificate has expired → expired;
    FAILED:certificate revoked → revoked; FAILED:CRL has expired → crl_fault (logged as an
    error: every client fails until the CRL is refreshed); any other FAILED → foreign.
    """
    verify = (verify or "").strip()
    if not verify or verify == "NONE":
        return NONE
    cert = None
    if escaped_cert:
        try:
            cert = pki.parse_forwarded_cert(escaped_cert)
        except pki.PkiError:
            cert = None
    subject = serial = sha = None
    if cert is not None:
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        subject = str(cns[0].value) if cns else None
        serial = format(cert.serial_number, "x")
        sha = pki.sha256_fingerprint(cert)
    if verify == "SUCCESS":
        if sha is None:
            return CertFacts("foreign")
        stored = lookup(sha)
        if stored is None:
            status: CertStatus = "foreign"
        elif stored.status == "current" and stored.not_after <= now:
            status = "expired"
        else:
            status = stored.status
        return CertFacts(status, subject, serial, sha)
    reason = verify.removeprefix("FAILED:").strip().lower()
    if reason == "certificate has expired":
        return CertFacts("expired", subject, serial, sha)
    if reason == "certificate revoked":
        # A renewed certificate is on the CRL too; our records tell it apart (R-CERT-5).
        stored = lookup(sha) if sha else None
        status = "superseded" if stored is not None and stored.status == "superseded" else "revoked"
        return CertFacts(status, subject, serial, sha)
    if reason == "crl has expired":
        log.error("nginx reports an expired CRL: every client certificate fails until refreshed")
        return CertFacts("crl_fault", subject, serial, sha)
    return CertFacts("foreign", subject, serial, sha)
