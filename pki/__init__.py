"""chingin's small PKI: a root and an issuing CA, TLS client certificates for users,
their .p12, CRLs for nginx, and the app's own check of a forwarded certificate.

Depends on the standard library and ``cryptography`` only (SPEC §6 R-CERT-1..12).
Misuse raises ``ValueError``; bad certificates, keys or CRLs raise :class:`PkiError`
(:class:`ChainInvalid`, :class:`CertExpired`, :class:`CertRevoked`).
"""

from __future__ import annotations

from ._ca import CAHierarchy, CertificateAuthority, create_hierarchy, load_hierarchy, save_hierarchy
from ._common import KeyType
from ._crl import Revocation, build_crl, crl_pem_bundle
from ._forwarded import parse_forwarded_cert, sha1_fingerprint, sha256_fingerprint
from ._issue import IssuedCert, client_validity, issue_client_cert, issue_server_cert
from ._p12 import to_p12
from ._verify import verify_client_cert
from .errors import CertExpired, CertRevoked, ChainInvalid, PkiError

__all__ = [
    "CAHierarchy",
    "CertExpired",
    "CertRevoked",
    "CertificateAuthority",
    "ChainInvalid",
    "IssuedCert",
    "KeyType",
    "PkiError",
    "Revocation",
    "build_crl",
    "client_validity",
    "create_hierarchy",
    "crl_pem_bundle",
    "issue_client_cert",
    "issue_server_cert",
    "load_hierarchy",
    "parse_forwarded_cert",
    "save_hierarchy",
    "sha1_fingerprint",
    "sha256_fingerprint",
    "to_p12",
    "verify_client_cert",
]
