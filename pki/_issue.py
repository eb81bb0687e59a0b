"""End-entity certificates: the client-certificate profile and the demo server certificate
(SPEC R-CERT-3, R-CERT-4, R-CERT-9)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ._ca import CertificateAuthority
from ._common import (
    CLOCK_SKEW,
    JST,
    SIGNATURE_HASH,
    KeyType,
    authority_key_id,
    generate_key,
    pem,
    require_aware,
    same_public_key,
    whole_seconds,
)

__all__ = ["IssuedCert", "client_validity", "issue_client_cert", "issue_server_cert"]

_USER_ID_RE = re.compile(r"[A-Za-z0-9]{1,64}")

#: SPEC R-CERT-4: the last day is the issue date (JST) + 365 days, i.e. 366 days counting
#: the day of issue.
_LAST_DAY_OFFSET = timedelta(days=365)
_END_OF_DAY = time(23, 59, 59, tzinfo=JST)


@dataclass(frozen=True)
class IssuedCert:
    """An end-entity certificate with its private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    def __post_init__(self) -> None:
        if not same_public_key(self.key, self.cert):
            raise ValueError("private key does not match the certificate")

    def cert_pem(self) -> bytes:
        """The certificate as PEM."""
        return pem(self.cert)

    def key_pem(self) -> bytes:
        """The private key as *unencrypted* PKCS#8 PEM. Only for the server certificate's
        key file; a client key leaves the server only inside the .p12 (SPEC R-CERT-11)."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def client_validity(issued_at: datetime) -> tuple[datetime, datetime]:
    """``(notBefore, notAfter)`` of a client certificate issued at ``issued_at`` (SPEC R-CERT-4).

    notBefore is ``issued_at`` minus five minutes; notAfter is 23:59:59 JST on the JST date
    of ``issued_at`` plus 365 days. Both are returned as aware UTC datetimes in whole
    seconds. Issued 2026-03-01 → last day 2027-03-01; 2027-03-01 → 2028-02-29;
    2028-02-29 → 2029-02-28.
    """
    issued_utc = require_aware(issued_at, "issued_at")
    not_before = whole_seconds(issued_utc - CLOCK_SKEW)
    last_day = issued_utc.astimezone(JST).date() + _LAST_DAY_OFFSET
    not_after = datetime.combine(last_day, _END_OF_DAY).astimezone(UTC)
    return not_before, not_after


def _end_entity_builder(
    ca: CertificateAuthority,
    *,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    if not_after > ca.cert.not_valid_after_utc:
        raise ValueError(
            f"notAfter {not_after.isoformat()} would pass the issuing CA's "
            f"{ca.cert.not_valid_after_utc.isoformat()}"
        )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(authority_key_id(ca.cert), critical=False)
    )


def _key_usage(*, digital_signature: bool, key_encipherment: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def issue_client_cert(
    ca: CertificateAuthority,
    *,
    user_id: str,
    now: datetime,
    crl_url: str,
    key_type: KeyType = KeyType.RSA_2048,
) -> IssuedCert:
    """Issue a TLS client certificate for ``user_id`` (SPEC R-CERT-3, R-CERT-4, R-CERT-9).

    Profile: subject ``CN=<user_id>`` and nothing else; a fresh RSA-2048 key; random
    serial (``x509.random_serial_number()``, 159 bits); basicConstraints CA:FALSE
    (critical); keyUsage digitalSignature (critical); extendedKeyUsage clientAuth only;
    subject and authority key identifiers; CRL distribution point ``crl_url``; validity
    from :func:`client_validity`.

    Raises ``ValueError`` for a naive ``now``, a ``user_id`` outside ``[A-Za-z0-9]{1,64}``,
    a ``crl_url`` that is not http(s), a root (self-signed) CA, or when notAfter would pass
    the CA's notAfter (DESIGN §3). ``now`` may lie in the past: that is how tests make
    expired certificates without moving any clock (DESIGN §4).
    """
    not_before, not_after = client_validity(now)
    if not isinstance(user_id, str) or not _USER_ID_RE.fullmatch(user_id):
        raise ValueError("user_id must be 1-64 ASCII letters or digits")
    url = urlsplit(crl_url) if isinstance(crl_url, str) else None
    if url is None or url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError("crl_url must be an absolute http(s) URL")
    if ca.cert.subject == ca.cert.issuer:
        raise ValueError("client certificates come from the issuing CA, not the root")
    key = generate_key(key_type)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
    cert = (
        _end_entity_builder(
            ca, subject=subject, key=key, not_before=not_before, not_after=not_after
        )
        .add_extension(_key_usage(digital_signature=True, key_encipherment=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
        .sign(ca.key, SIGNATURE_HASH)
    )
    return IssuedCert(cert=cert, key=key)


def issue_server_cert(
    ca: CertificateAuthority,
    *,
    hostnames: list[str],
    ips: list[str],
    now: datetime,
    days: int = 397,
) -> IssuedCert:
    """Issue a TLS server certificate (the demo's nginx; production uses the bank's
    publicly trusted one, DESIGN §2).

    RSA-2048, subjectAltName with every DNS name and IP address given (CN is the first of
    them), keyUsage digitalSignature + keyEncipherment (critical), extendedKeyUsage
    serverAuth, CA:FALSE, key identifiers, valid from ``now`` minus five minutes for
    ``days`` days (397 keeps within browsers' 398-day limit). Raises ``ValueError`` when no
    name is given, an IP does not parse, ``now`` is naive, or notAfter would pass the CA's.
    """
    start = whole_seconds(require_aware(now, "now") - CLOCK_SKEW)
    if days < 1:
        raise ValueError("days must be positive")
    if not hostnames and not ips:
        raise ValueError("give at least one hostname or IP address")
    names: list[x509.GeneralName] = []
    for host in hostnames:
        if not host or not isinstance(host, str):
            raise ValueError("hostnames must be non-empty strings")
        names.append(x509.DNSName(host))
    for ip in ips:
        names.append(x509.IPAddress(ipaddress.ip_address(ip)))  # ValueError if malformed
    common_name = hostnames[0] if hostnames else ips[0]
    key = generate_key(KeyType.RSA_2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        _end_entity_builder(
            ca,
            subject=subject,
            key=key,
            not_before=start,
            not_after=start + CLOCK_SKEW + timedelta(days=days),
        )
        .add_extension(_key_usage(digital_signature=True, key_encipherment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca.key, SIGNATURE_HASH)
    )
    return IssuedCert(cert=cert, key=key)
