"""Short-lived secrets sealed under a server key (SPEC R-CERT-11, R-SEC-2).

Between 認証 and 発行 the typed password lives only in its issuance-attempt row, encrypted
with AES-256-GCM under a key the database does not hold (R-CERT-11); outbox mail bodies, which
carry auth codes, are sealed the same way; auth codes are stored as keyed hashes (HMAC-SHA256),
so a copy of the database alone reveals neither a password nor a code — a plain hash of a
6-digit code would fall to a million guesses.

The key: 32 random bytes in ``settings().data_dir / "secretbox.key"``, mode 0600, created on
first use (atomically, so two processes starting together agree on one key). A key file that
group or others can read is refused. Separate subkeys are derived with HKDF-SHA256 for
encryption and for each keyed-hash purpose, so one key never serves two algorithms.

Sealed form: ``b"\\x01" + 12-byte random nonce + ciphertext + 16-byte tag``; the caller's
associated data (``aad``) binds a blob to its row, so a blob copied to another row does not
open. Replacing the key file (restart the processes) makes the blobs in flight unreadable:
those attempts fail and the user starts again; nothing else depends on the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chingin_app.settings import settings

__all__ = [
    "KEY_FILE_NAME",
    "SecretboxError",
    "ensure_key",
    "key_path",
    "keyed_digest",
    "seal",
    "unseal",
]

KEY_FILE_NAME: Final = "secretbox.key"
KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
_VERSION: Final = b"\x01"
_AEAD_INFO: Final = b"chingin secretbox aes-256-gcm v1"
_DIGEST_INFO: Final = b"chingin secretbox hmac-sha256 v1 "


class SecretboxError(Exception):
    """A sealed value does not open (wrong key, wrong row, tampered), or the key file is
    unusable."""


@dataclass(frozen=True)
class _Keys:
    identity: tuple[int, int, int]  # (device, inode, mtime_ns) of the file it came from
    aead: AESGCM
    master: bytes


_lock = threading.Lock()
_cache: dict[Path, _Keys] = {}


def key_path() -> Path:
    """Where this process's key lives: ``<data dir>/secretbox.key``."""
    return settings().data_dir / KEY_FILE_NAME


def _create(path: Path) -> None:
    """Write a fresh key beside ``path`` and link it into place unless one appeared meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(KEY_BYTES))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # atomic: fails if another process created the key first
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def _load(path: Path) -> _Keys:
    try:
        info = path.stat()
    except FileNotFoundError:
        _create(path)
        info = path.stat()
    identity = (info.st_dev, info.st_ino, info.st_mtime_ns)
    cached = _cache.get(path)
    if cached is not None and cached.identity == identity:
        return cached
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretboxError(
            f"{path} is readable by group or others (mode {stat.S_IMODE(info.st_mode):o}); "
            "make it 0600"
        )
    master = path.read_bytes()
    if len(master) != KEY_BYTES:
        raise SecretboxError(f"{path} must hold exactly {KEY_BYTES} bytes")
    aead_key = HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=_AEAD_INFO).derive(master)
    keys = _Keys(identity=identity, aead=AESGCM(aead_key), master=master)
    _cache[path] = keys
    return keys


def _keys() -> _Keys:
    with _lock:
        return _load(key_path())


def ensure_key() -> Path:
    """Create the key file if it is missing (and check it); returns its path."""
    _keys()
    return key_path()


def seal(plaintext: bytes, *, aad: bytes) -> bytes:
    """``plaintext`` encrypted and authenticated with AES-256-GCM, bound to ``aad``."""
    if not aad:
        raise ValueError("associated data is required: it binds the blob to its row")
    nonce = secrets.token_bytes(NONCE_BYTES)
    return _VERSION + nonce + _keys().aead.encrypt(nonce, plaintext, aad)


def unseal(blob: bytes, *, aad: bytes) -> bytes:
    """The plaintext of a ``seal`` result; SecretboxError when it does not open with this key
    and ``aad``."""
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != _VERSION:
        raise SecretboxError("not a sealed value of this version")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return _keys().aead.decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise SecretboxError("sealed value does not open (wrong key, row or tampered)") from exc


def keyed_digest(data: bytes, *, purpose: str) -> str:
    """HMAC-SHA256 of ``data`` under a subkey for ``purpose``, as 64 lower-case hex digits.

    Compare results with ``hmac.compare_digest``."""
    if not purpose:
        raise ValueError("purpose is required")
    master = _keys().master
    subkey = HKDF(
        hashes.SHA256(), KEY_BYTES, salt=None, info=_DIGEST_INFO + purpose.encode("utf-8")
    ).derive(master)
    return hmac.new(subkey, data, hashlib.sha256).hexdigest()
