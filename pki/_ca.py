"""The two-level CA hierarchy: create, save encrypted, load (SPEC R-CERT-8, R-CERT-9)."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ._common import (
    CLOCK_SKEW,
    SIGNATURE_HASH,
    authority_key_id,
    is_ca,
    pem,
    require_aware,
    same_public_key,
    whole_seconds,
)
from ._pkcs8 import encrypt_private_key
from .errors import PkiError

__all__ = [
    "CAHierarchy",
    "CertificateAuthority",
    "create_hierarchy",
    "load_hierarchy",
    "save_hierarchy",
]

#: CA keys outlive the client keys by decades (root 20 years), so they get RSA-3072
#: (NIST SP 800-57: 128-bit strength beyond 2030); Windows, NSS and OpenSSL all take it.
CA_KEY_BITS = 3072

#: DESIGN §3: the issuing CA is valid at least five years.
MIN_ISSUING_DAYS = 5 * 365 + 1

ROOT_CERT = "root.pem"
ROOT_KEY = "root.key"
ISSUING_CERT = "issuing.pem"
ISSUING_KEY = "issuing.key"
CHAIN = "chain.pem"

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,49}")


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA certificate and its private key (SPEC R-CERT-9: root and issuing CA)."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    def __post_init__(self) -> None:
        if not is_ca(self.cert):
            raise ValueError("certificate is not a CA certificate (basicConstraints CA:TRUE)")
        if not same_public_key(self.key, self.cert):
            raise ValueError("private key does not match the CA certificate")

    def pem(self) -> bytes:
        """The CA certificate as PEM."""
        return pem(self.cert)


@dataclass(frozen=True)
class CAHierarchy:
    """A root CA and the issuing CA it signed (SPEC R-CERT-9 "a root and an issuing CA")."""

    root: CertificateAuthority
    issuing: CertificateAuthority

    def __post_init__(self) -> None:
        try:
            self.issuing.cert.verify_directly_issued_by(self.root.cert)
        except Exception as exc:  # InvalidSignature, ValueError (name), TypeError (key type)
            raise ValueError("issuing CA is not signed by this root") from exc

    def chain_pem(self) -> bytes:
        """Issuing CA then root CA as PEM: nginx's ``ssl_client_certificate`` (DESIGN §3)."""
        return self.issuing.pem() + self.root.pem()


def _ca_name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=CA_KEY_BITS)


def _ca_extensions(
    builder: x509.CertificateBuilder,
    *,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    path_length: int,
) -> x509.CertificateBuilder:
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    aki = (
        authority_key_id(issuer)
        if issuer is not None
        else x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    )
    return (
        builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=path_length), critical=True
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(aki, critical=False)
    )


def create_hierarchy(
    *,
    name: str = "chingin",
    now: datetime,
    root_days: int = 7305,
    issuing_days: int = 3653,
) -> CAHierarchy:
    """Create a root CA and an issuing CA signed by it (SPEC R-CERT-9, DESIGN §3).

    Subjects are ``O=<name>, CN=<name> Root CA`` and ``O=<name>, CN=<name> Issuing CA``;
    both CAs have RSA-3072 keys and SHA-256 signatures. Both start at ``now`` minus five
    minutes. The issuing CA must live at least five years (DESIGN §3) and no longer than
    the root. ``now`` may be in the past (tests build old hierarchies that way).
    """
    start = whole_seconds(require_aware(now, "now") - CLOCK_SKEW)
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValueError("name must be 1-50 ASCII letters, digits, space, '.', '_' or '-'")
    if issuing_days < MIN_ISSUING_DAYS:
        raise ValueError(f"issuing_days must be at least {MIN_ISSUING_DAYS} (five years)")
    if root_days < issuing_days:
        raise ValueError("root_days must be at least issuing_days")

    root_key = _ca_key()
    root_name = _ca_name(f"{name} Root CA", name)
    root_builder = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + CLOCK_SKEW + timedelta(days=root_days))
    )
    root_cert = _ca_extensions(root_builder, key=root_key, issuer=None, path_length=1).sign(
        root_key, SIGNATURE_HASH
    )

    issuing_key = _ca_key()
    issuing_builder = (
        x509.CertificateBuilder()
        .subject_name(_ca_name(f"{name} Issuing CA", name))
        .issuer_name(root_name)
        .public_key(issuing_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + CLOCK_SKEW + timedelta(days=issuing_days))
    )
    issuing_cert = _ca_extensions(
        issuing_builder, key=issuing_key, issuer=root_cert, path_length=0
    ).sign(root_key, SIGNATURE_HASH)

    return CAHierarchy(
        root=CertificateAuthority(cert=root_cert, key=root_key),
        issuing=CertificateAuthority(cert=issuing_cert, key=issuing_key),
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` with exactly ``mode``, atomically (temp file + rename),
    so the key is never readable by others, not even for a moment."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have narrowed it; make it exact
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def save_hierarchy(
    h: CAHierarchy, directory: Path, *, passphrase: bytes, overwrite: bool = False
) -> None:
    """Write the hierarchy to ``directory`` (SPEC R-CERT-8).

    Files: ``root.pem``, ``issuing.pem``, ``chain.pem`` (issuing + root, mode 0644) and
    ``root.key``, ``issuing.key`` (mode 0600) as encrypted PKCS#8: PBES2 with scrypt and
    AES-256-CBC (see ``pki/_pkcs8.py`` for why not ``BestAvailableEncryption``). The
    directory is created with mode 0700 if missing. Existing CA keys are never replaced
    unless ``overwrite=True`` (``FileExistsError``): losing a CA key orphans every
    certificate it issued. ``issuing.key`` is written last, so its presence means the
    hierarchy is complete.
    """
    if not isinstance(passphrase, bytes) or not passphrase:
        raise ValueError("passphrase must be non-empty bytes")
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not overwrite:
        existing = [f for f in (ROOT_KEY, ISSUING_KEY) if (directory / f).exists()]
        if existing:
            raise FileExistsError(f"{directory} already holds {', '.join(existing)}")
    # Certificates first, keys last and issuing.key very last: once issuing.key exists the
    # hierarchy is complete, and a save interrupted before the keys leaves nothing to guard.
    _write(directory / ROOT_CERT, h.root.pem(), 0o644)
    _write(directory / ISSUING_CERT, h.issuing.pem(), 0o644)
    _write(directory / CHAIN, h.chain_pem(), 0o644)
    _write(directory / ROOT_KEY, encrypt_private_key(h.root.key, passphrase), 0o600)
    _write(directory / ISSUING_KEY, encrypt_private_key(h.issuing.key, passphrase), 0o600)


def _load_ca(
    directory: Path, cert_file: str, key_file: str, passphrase: bytes
) -> CertificateAuthority:
    try:
        cert = x509.load_pem_x509_certificate((directory / cert_file).read_bytes())
    except ValueError as exc:
        raise PkiError(f"{cert_file}: not a PEM certificate") from exc
    try:
        key = serialization.load_pem_private_key(
            (directory / key_file).read_bytes(), password=passphrase
        )
    except (ValueError, TypeError) as exc:
        # cryptography says "Incorrect password" or cannot parse; either way, unusable.
        raise PkiError(f"{key_file}: wrong passphrase or damaged key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PkiError(f"{key_file}: not an RSA key")
    try:
        return CertificateAuthority(cert=cert, key=key)
    except ValueError as exc:
        raise PkiError(f"{cert_file}/{key_file}: {exc}") from exc


def load_hierarchy(directory: Path, *, passphrase: bytes) -> CAHierarchy:
    """Load what :func:`save_hierarchy` wrote (SPEC R-CERT-8).

    A wrong passphrase, a damaged file or a key that does not match its certificate raises
    :class:`PkiError`; a missing file raises :class:`FileNotFoundError`.
    """
    if not isinstance(passphrase, bytes) or not passphrase:
        raise ValueError("passphrase must be non-empty bytes")
    directory = Path(directory)
    root = _load_ca(directory, ROOT_CERT, ROOT_KEY, passphrase)
    issuing = _load_ca(directory, ISSUING_CERT, ISSUING_KEY, passphrase)
    try:
        return CAHierarchy(root=root, issuing=issuing)
    except ValueError as exc:
        raise PkiError(str(exc)) from exc
