"""The .p12 handed to the user (SPEC R-CERT-2, R-CERT-9, R-CERT-11)."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ._issue import IssuedCert

__all__ = ["to_p12"]

#: PBKDF2 iterations for the key bag and the certificate bag (SPEC R-CERT-9: ≥ 200,000).
#: Kept at the floor on purpose: both bags run it, so an import costs 2 x 200,000 plus the
#: MAC's, which stays under the 600,000 *total* that .NET's PKCS#12 loader allows by
#: default; the password rules (SPEC §3) carry the rest.
P12_KDF_ROUNDS = 200_000


def _ca_friendly_name(cert: x509.Certificate) -> bytes | None:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else None
    return value.encode("utf-8") if isinstance(value, str) else None


def to_p12(
    issued: IssuedCert,
    *,
    password: str,
    chain: list[x509.Certificate],
    friendly_name: str,
) -> bytes:
    """The user's key, certificate and CA chain as PKCS#12 (SPEC R-CERT-2, R-CERT-9).

    Key and certificates are encrypted with PBES2 (PBKDF2-HMAC-SHA256, 200,000 iterations,
    AES-256-CBC) and the file is MACed with SHA-256, which Windows 10 1709+ imports. The
    key bag's friendly name is ``friendly_name`` (the user ID); each CA certificate in
    ``chain`` (issuing first, then root) carries its CN as friendly name.

    Raises ``ValueError`` for an empty or non-ASCII password (SPEC §3 allows only ASCII
    0x21-0x7E, and PKCS#12 implementations disagree on how to encode anything else), an
    empty friendly name, or a chain whose first certificate did not issue ``issued``.
    """
    if not isinstance(password, str) or not password:
        raise ValueError("password must not be empty")
    if not password.isascii() or not password.isprintable():
        raise ValueError("password must be printable ASCII")
    if not friendly_name:
        raise ValueError("friendly_name must not be empty")
    if not chain or chain[0].subject != issued.cert.issuer:
        raise ValueError("chain must start with the certificate's issuer (issuing CA, root)")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(P12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode("ascii"))
    )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode("utf-8"),
        issued.key,
        issued.cert,
        [pkcs12.PKCS12Certificate(c, _ca_friendly_name(c)) for c in chain],
        encryption,
    )
