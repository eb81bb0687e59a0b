"""The app's own check of a forwarded client certificate (SPEC R-CERT-7, R-CERT-10, R-CERT-12)."""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ._ca import CAHierarchy
from ._common import is_ca, require_aware
from .errors import CertExpired, CertRevoked, ChainInvalid

__all__ = ["verify_client_cert"]


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # InvalidSignature, ValueError (issuer name), TypeError (key type)
        return False
    return True


def _valid_at(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def verify_client_cert(
    cert: x509.Certificate,
    h: CAHierarchy,
    *,
    now: datetime,
    revoked_serials: Container[int] = (),
) -> None:
    """Check ``cert`` as a client certificate of ``h`` at ``now``; return if it is good.

    The app's second check behind nginx (SPEC R-CERT-7, R-CERT-10). Failures are named as
    nginx names them (SPEC R-CERT-12). nginx lets OpenSSL go on after an error and reports
    the *last* one, so for a certificate both revoked and expired (or not yet valid)
    ``$ssl_client_verify`` says "certificate has expired" ("... is not yet valid"): time
    wins over revocation here too (measured with nginx 1.22 / OpenSSL 3.0).

    1. :class:`ChainInvalid` — not signed by ``h``'s issuing CA (or that CA not by the
       root), not an end-entity clientAuth certificate, or either CA not valid at ``now``
       (a service fault rather than the user's: client certificates never outlive their CA).
       Checked first: nothing else about a foreign certificate is worth believing, though
       nginx calls an expired foreign certificate "expired".
    2. :class:`CertExpired` — ``now`` is outside the certificate's validity window. A
       certificate that is *not yet* valid raises this too (the message says which): the
       cause is clock skew, not trust.
    3. :class:`CertRevoked` — ``cert.serial_number in revoked_serials``.
    """
    when = require_aware(now, "now")
    root, issuing = h.root.cert, h.issuing.cert
    if not _signed_by(issuing, root):
        raise ChainInvalid("issuing CA is not signed by the root")
    if not _signed_by(cert, issuing):
        raise ChainInvalid("certificate was not issued by this issuing CA")
    if is_ca(cert):
        raise ChainInvalid("a CA certificate is not a client certificate")
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is None or ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        raise ChainInvalid("certificate is not for TLS client authentication")
    for ca_cert, label in ((root, "root"), (issuing, "issuing")):
        if not _valid_at(ca_cert, when):
            raise ChainInvalid(f"{label} CA is not valid at {when.isoformat()}")
    if when > cert.not_valid_after_utc:
        raise CertExpired(f"certificate expired at {cert.not_valid_after_utc.isoformat()}")
    if when < cert.not_valid_before_utc:
        raise CertExpired(
            f"certificate is not yet valid (from {cert.not_valid_before_utc.isoformat()})"
        )
    if cert.serial_number in revoked_serials:
        raise CertRevoked(f"certificate serial {cert.serial_number:x} is revoked")
