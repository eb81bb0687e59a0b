"""Reading the client certificate nginx forwards, and fingerprints (SPEC R-CERT-1b, R-CERT-10)."""

from __future__ import annotations

from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from .errors import PkiError

__all__ = ["parse_forwarded_cert", "sha1_fingerprint", "sha256_fingerprint"]

_MAX_LEN = 64 * 1024  # a client certificate is ~1.5 KB; refuse absurd header values early


def parse_forwarded_cert(escaped_pem: str) -> x509.Certificate:
    """The certificate in nginx's ``$ssl_client_escaped_cert`` (SPEC R-CERT-10).

    That variable is the PEM, URL-escaped; an empty value means no certificate. Anything
    that is not exactly one parseable certificate raises :class:`PkiError`.
    """
    if not isinstance(escaped_pem, str) or not escaped_pem or len(escaped_pem) > _MAX_LEN:
        raise PkiError("no forwarded certificate")
    try:
        # unquote, not unquote_plus: nginx leaves base64's "+" as it is. errors="strict"
        # makes malformed escapes fail instead of turning into U+FFFD.
        text = unquote(escaped_pem, errors="strict")
        return x509.load_pem_x509_certificate(text.encode("ascii"))
    except ValueError as exc:  # includes UnicodeDecodeError / UnicodeEncodeError
        raise PkiError("forwarded certificate does not parse") from exc


def sha256_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lowercase hex without separators: the key the app
    looks certificates up by (nginx offers only SHA-1, DESIGN §3)."""
    return cert.fingerprint(hashes.SHA256()).hex()


def sha1_fingerprint(cert: x509.Certificate) -> str:
    """SHA-1 of the DER certificate, upper-case hex pairs joined by colons (``AB:CD:…``):
    shown to users to compare with Windows' thumbprint (SPEC R-CERT-1b)."""
    return cert.fingerprint(hashes.SHA1()).hex(":").upper()  # noqa: S303 - display only
