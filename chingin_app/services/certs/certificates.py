"""The service's record of the client certificates it issued (SPEC R-CERT-5, R-CERT-7,
R-CERT-10, R-CERT-12, R-LOGIN-1; DESIGN §3 "The gate maps X-SSL-Client-Verify").

The certificate gate looks a presented certificate up by the SHA-256 of its DER
(``classify_fingerprint``, ``lookup``); the CRL builder reads ``revocations``; issuance records
a new certificate with ``record_issued``, which supersedes the user's previous one at once.
These functions read or write inside the caller's transaction and never commit: the use case
that calls them owns the transaction and its operation-log entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from cryptography import x509
from sqlmodel import Session, col, select

from chingin_app.models import (
    Certificate,
    CertificateStatus,
    Contract,
    RevocationReason,
    User,
    utc,
)

__all__ = [
    "CertificateClass",
    "CertificateFacts",
    "classify_fingerprint",
    "lookup",
    "normalise_serial",
    "normalise_sha256",
    "record_issued",
    "revocations",
]

CertificateClass = Literal["current", "superseded", "revoked", "unknown"]

_HEX_RE: Final = re.compile(r"[0-9a-f]+")


def normalise_sha256(value: str) -> str:
    """Lower-case hex without separators (``AB:CD…`` → ``abcd…``); ValueError unless 64 hex
    digits."""
    text = value.strip().replace(":", "").lower()
    if len(text) != 64 or _HEX_RE.fullmatch(text) is None:
        raise ValueError("a SHA-256 fingerprint is 64 hex digits")
    return text


def normalise_serial(value: str | int) -> str:
    """A serial as stored: lower-case hex without leading zeros or separators (nginx's
    ``$ssl_client_serial`` is upper-case and may carry a leading zero)."""
    if isinstance(value, int):
        number = value
    else:
        text = value.strip().replace(":", "").lower()
        if not text or _HEX_RE.fullmatch(text) is None:
            raise ValueError("a certificate serial is hex digits")
        number = int(text, 16)
    if number <= 0:
        raise ValueError("certificate serials are positive")
    return format(number, "x")


@dataclass(frozen=True)
class CertificateFacts:
    """What the gate and the login page need about a presented certificate (R-CERT-12)."""

    user_pk: int
    user_id: str
    contract_no: str
    serial_hex: str
    status: str
    not_before: datetime
    not_after: datetime


def classify_fingerprint(db: Session, sha256_hex: str) -> CertificateClass:
    """'current', 'superseded', 'revoked' or 'unknown' for a presented certificate's SHA-256
    (DESIGN §3; R-CERT-5 superseded → MSG-CERT-SUPERSEDED, R-CERT-7 revoked → MSG-CERT-REVOKED).
    Expiry is not judged here: compare ``lookup(...).not_after`` with the clock."""
    status = db.exec(
        select(Certificate.status).where(Certificate.sha256 == normalise_sha256(sha256_hex))
    ).first()
    if status is None:
        return "unknown"
    match CertificateStatus(status):
        case CertificateStatus.CURRENT:
            return "current"
        case CertificateStatus.SUPERSEDED:
            return "superseded"
        case CertificateStatus.REVOKED:
            return "revoked"


def lookup(db: Session, sha256_hex: str) -> CertificateFacts | None:
    """The certificate with this SHA-256, its user and contract, or None (R-LOGIN-1)."""
    row = db.exec(
        select(Certificate, User.user_id, Contract.contract_no)
        .join(User, col(User.id) == col(Certificate.user_pk))
        .join(Contract, col(Contract.id) == col(User.contract_id))
        .where(Certificate.sha256 == normalise_sha256(sha256_hex))
    ).first()
    if row is None:
        return None
    cert, user_id, contract_no = row
    return CertificateFacts(
        user_pk=cert.user_pk,
        user_id=user_id,
        contract_no=contract_no,
        serial_hex=cert.serial_hex,
        status=cert.status,
        not_before=cert.not_before,
        not_after=cert.not_after,
    )


def revocations(db: Session) -> list[tuple[int, datetime, x509.ReasonFlags]]:
    """(serial, revoked_at, reason) of every revoked or superseded certificate, oldest first,
    for the CRL builder (``pki.Revocation``; R-CERT-5, R-CERT-7)."""
    rows = db.exec(
        select(Certificate.serial_hex, Certificate.revoked_at, Certificate.revocation_reason)
        .where(
            col(Certificate.status).in_(
                [CertificateStatus.REVOKED.value, CertificateStatus.SUPERSEDED.value]
            )
        )
        .order_by(col(Certificate.revoked_at), col(Certificate.id))
    ).all()
    result: list[tuple[int, datetime, x509.ReasonFlags]] = []
    for serial_hex, revoked_at, reason in rows:
        if revoked_at is None:
            raise RuntimeError(f"certificate {serial_hex} is revoked without revoked_at")
        flag = x509.ReasonFlags(reason or RevocationReason.UNSPECIFIED.value)
        result.append((int(serial_hex, 16), revoked_at, flag))
    return result


def record_issued(
    db: Session,
    *,
    user_pk: int,
    serial_hex: str,
    sha256_hex: str,
    not_before: datetime,
    not_after: datetime,
    issued_at: datetime,
) -> Certificate:
    """Record a certificate just issued to ``user_pk`` as the user's current one (R-CERT-5).

    Any previous current certificate of the user becomes 'superseded' with ``revoked_at =
    issued_at`` (reason superseded) in the same transaction; the caller regenerates the CRL
    and ends that certificate's sessions after commit. Whether a new certificate may be issued
    at all (none valid, or inside the renewal window) is the issuance rule's decision, not
    this function's. Does not commit.
    """
    issued = utc(issued_at)
    previous = db.exec(
        select(Certificate)
        .where(
            Certificate.user_pk == user_pk,
            Certificate.status == CertificateStatus.CURRENT.value,
        )
        .with_for_update()
    ).all()
    for old in previous:
        old.status = CertificateStatus.SUPERSEDED.value
        old.revoked_at = issued
        old.revocation_reason = RevocationReason.SUPERSEDED.value
        db.add(old)
    # The partial unique index allows one current certificate per user: update first.
    db.flush()
    cert = Certificate(
        user_pk=user_pk,
        serial_hex=normalise_serial(serial_hex),
        sha256=normalise_sha256(sha256_hex),
        not_before=utc(not_before),
        not_after=utc(not_after),
        status=CertificateStatus.CURRENT.value,
        issued_at=issued,
    )
    db.add(cert)
    db.flush()
    return cert
