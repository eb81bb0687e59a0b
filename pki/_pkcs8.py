"""Encrypted PKCS#8 with scrypt + AES-256-CBC for the CA keys (SPEC R-CERT-8, DESIGN §3).

cryptography (50) writes encrypted PKCS#8 only through ``BestAvailableEncryption``, which
gives PBES2 with PBKDF2-HMAC-SHA256 at a fixed 2,048 iterations; ``encryption_builder()``
is refused for PKCS#8. It does *read* PBES2 with scrypt (RFC 7914 §7, RFC 8018 §6.2). So
the key is serialised by cryptography as plain PKCS#8 DER, encrypted here with
cryptography's own scrypt and AES, and wrapped in the few fixed DER structures below.
Reading goes back through ``load_pem_private_key``, never through this module, and the
tests check that both cryptography and ``openssl pkey`` decrypt what this writes.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

# scrypt cost: N = 2**14, r = 8, p = 1 is OpenSSL's own `pkcs8 -scrypt` default and the
# largest N at r = 8 that OpenSSL 3 will decrypt (its PKCS#8 path caps scrypt at 32 MB), so
# an operator can still open the key with `openssl pkey` during recovery. The passphrase
# itself comes from a generated file (CHINGIN_CA_PASSPHRASE_FILE), so its entropy, not the
# KDF cost, carries the protection.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_KEY_LEN = 32  # AES-256

_OID_PBES2 = "1.2.840.113549.1.5.13"
_OID_SCRYPT = "1.3.6.1.4.1.11591.4.11"
_OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(body)) + body


def _sequence(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _octets(body: bytes) -> bytes:
    return _tlv(0x04, body)


def _integer(n: int) -> bytes:
    # Non-negative only; one spare bit keeps the sign bit clear (minimal DER encoding).
    return _tlv(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _tlv(0x06, bytes(body))


def encrypt_private_key(key: rsa.RSAPrivateKey, passphrase: bytes) -> bytes:
    """``key`` as a PEM ``ENCRYPTED PRIVATE KEY`` (PBES2: scrypt, AES-256-CBC)."""
    if not passphrase:
        raise ValueError("passphrase must not be empty")
    plain = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    salt = os.urandom(16)
    iv = os.urandom(16)
    kek = Scrypt(salt=salt, length=_KEY_LEN, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(kek), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()

    scrypt_params = _sequence(
        _octets(salt),
        _integer(SCRYPT_N),
        _integer(SCRYPT_R),
        _integer(SCRYPT_P),
        _integer(_KEY_LEN),
    )
    algorithm = _sequence(
        _oid(_OID_PBES2),
        _sequence(
            _sequence(_oid(_OID_SCRYPT), scrypt_params),
            _sequence(_oid(_OID_AES256_CBC), _octets(iv)),
        ),
    )
    der = _sequence(algorithm, _octets(ciphertext))
    b64 = base64.b64encode(der).decode("ascii")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return (
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
        + "\n".join(lines)
        + "\n-----END ENCRYPTED PRIVATE KEY-----\n"
    ).encode("ascii")
