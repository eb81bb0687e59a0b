"""Exceptions raised by :mod:`pki` (STYLE §5).

Misuse of the API (a naive datetime, an empty user ID, an empty password) raises the
built-in :class:`ValueError`. Everything below is about data that turned out to be bad:
a key that does not decrypt, a forwarded certificate that does not parse, or a client
certificate that fails the app's own check behind nginx (SPEC R-CERT-7, R-CERT-10, R-CERT-12).
"""

from __future__ import annotations

__all__ = ["CertExpired", "CertRevoked", "ChainInvalid", "PkiError"]


class PkiError(Exception):
    """Base class: a certificate, key or CRL could not be used."""


class ChainInvalid(PkiError):
    """The certificate was not issued by this hierarchy's issuing CA (a "foreign"
    certificate, SPEC R-CERT-12), is not a client certificate, or the hierarchy itself
    is not usable at the time given."""


class CertExpired(PkiError):
    """The certificate's validity window does not contain the time given (SPEC R-CERT-4).

    This covers a certificate that is not yet valid as well: the failure is about time,
    not trust, and in practice comes from clock skew rather than an attack.
    """


class CertRevoked(PkiError):
    """The certificate's serial is among the revoked serials (SPEC R-CERT-5, R-CERT-7)."""
