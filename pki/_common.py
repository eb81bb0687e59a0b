"""Small helpers shared by the pki modules (not public)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from enum import Enum

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

#: Japan time; SPEC §0: every time shown or recorded is JST. Fixed offset, no DST.
JST = timezone(timedelta(hours=9), "JST")

#: Backdating of notBefore / lastUpdate against clock skew (SPEC R-CERT-4).
CLOCK_SKEW = timedelta(minutes=5)

SIGNATURE_HASH = hashes.SHA256()


class KeyType(Enum):
    """Key algorithm of an end-entity certificate (SPEC R-CERT-9: RSA-2048, the safest
    choice for Windows bank PCs)."""

    RSA_2048 = "rsa2048"


def generate_key(key_type: KeyType) -> rsa.RSAPrivateKey:
    """A fresh private key of ``key_type``."""
    if key_type is KeyType.RSA_2048:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unsupported key type: {key_type!r}")


def require_aware(value: datetime, name: str) -> datetime:
    """``value`` converted to UTC; a naive datetime is misuse (STYLE §5)."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def whole_seconds(value: datetime) -> datetime:
    """X.509 times carry whole seconds; drop the rest so what we compute is what is signed."""
    return value.replace(microsecond=0)


def pem(cert: x509.Certificate) -> bytes:
    """``cert`` as PEM."""
    return cert.public_bytes(serialization.Encoding.PEM)


def same_public_key(key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bool:
    """Whether ``cert`` certifies the public half of ``key``."""
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return key.public_key().public_bytes(der, spki) == cert.public_key().public_bytes(der, spki)


def authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    """AKI pointing at ``issuer``'s SKI (SPEC R-CERT-9 "key identifiers")."""
    try:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound as exc:
        raise ValueError("CA certificate has no subject key identifier") from exc
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def is_ca(cert: x509.Certificate) -> bool:
    """Whether ``cert`` has basicConstraints CA:TRUE."""
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False
