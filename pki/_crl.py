"""Certificate revocation lists for nginx's ``ssl_crl`` (SPEC R-CERT-5, R-CERT-7, DESIGN §3)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ._ca import CertificateAuthority
from ._common import CLOCK_SKEW, SIGNATURE_HASH, authority_key_id, require_aware, whole_seconds

__all__ = ["Revocation", "build_crl", "crl_pem_bundle"]


@dataclass(frozen=True)
class Revocation:
    """One revoked serial (SPEC R-CERT-5: superseded on renewal; R-CERT-7: by the bank)."""

    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.unspecified


def build_crl(
    ca: CertificateAuthority,
    revoked: Iterable[Revocation],
    *,
    now: datetime,
    next_update: timedelta,
) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca`` listing ``revoked`` (SPEC R-CERT-7, DESIGN §3).

    lastUpdate is ``now`` minus five minutes (clock skew), nextUpdate ``now`` +
    ``next_update``. The CRL number is ``int(now.timestamp())``: it grows with time without
    any stored counter, as long as two CRLs of one CA are not signed in the same second.
    Carries the authority key identifier; each entry carries a reasonCode unless the reason
    is ``unspecified`` (RFC 5280 §5.3.1 says to omit it then). nginx needs one CRL per CA in
    the chain: build one for the issuing CA and one (usually empty) for the root, and join
    them with :func:`crl_pem_bundle`.
    """
    now_utc = require_aware(now, "now")
    if next_update <= timedelta(0):
        raise ValueError("next_update must be positive")
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(whole_seconds(now_utc - CLOCK_SKEW))
        .next_update(whole_seconds(now_utc + next_update))
        .add_extension(x509.CRLNumber(int(now_utc.timestamp())), critical=False)
        .add_extension(authority_key_id(ca.cert), critical=False)
    )
    seen: set[int] = set()
    for item in revoked:
        if item.serial in seen:
            continue  # a serial listed twice would make the CRL malformed
        seen.add(item.serial)
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(item.serial)
            .revocation_date(whole_seconds(require_aware(item.revoked_at, "revoked_at")))
        )
        if item.reason is not x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(item.reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(ca.key, SIGNATURE_HASH)


def crl_pem_bundle(*crls: x509.CertificateRevocationList) -> bytes:
    """The CRLs as concatenated PEM: the file nginx's ``ssl_crl`` reads (DESIGN §3)."""
    if not crls:
        raise ValueError("give at least one CRL (nginx needs one per CA in the chain)")
    return b"".join(crl.public_bytes(serialization.Encoding.PEM) for crl in crls)
