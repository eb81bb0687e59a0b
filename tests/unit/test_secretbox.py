"""The server key that seals issuance secrets (SPEC R-CERT-11 "encrypted (AES-256-GCM) under a
server key", R-SEC-2 "stored hashed"). Files in a temporary data dir; no database."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from chingin_app.services import secretbox
from chingin_app.settings import settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "data"
    monkeypatch.setenv("CHINGIN_DATA_DIR", str(directory))
    settings.cache_clear()
    yield directory
    settings.cache_clear()


def test_r_cert_11_key_file_created_on_first_use_0600(data_dir: Path) -> None:
    """32 random bytes, mode 0600, in the data dir."""
    blob = secretbox.seal(b"Passw0rd!", aad=b"row:1")
    key = data_dir / "secretbox.key"
    assert secretbox.key_path() == key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) == 32
    assert secretbox.unseal(blob, aad=b"row:1") == b"Passw0rd!"
    assert [p.name for p in data_dir.iterdir()] == ["secretbox.key"]  # no temp file left


def test_r_cert_11_sealed_value_is_bound_to_its_row(data_dir: Path) -> None:
    """The associated data binds a blob to its row; a tampered or moved blob does not open;
    the same plaintext seals differently each time (random nonce); no plaintext in it."""
    one = secretbox.seal(b"Passw0rd!", aad=b"auth_code_challenges:1")
    two = secretbox.seal(b"Passw0rd!", aad=b"auth_code_challenges:1")
    assert one != two and b"Passw0rd!" not in one
    with pytest.raises(secretbox.SecretboxError):
        secretbox.unseal(one, aad=b"auth_code_challenges:2")
    tampered = one[:-1] + bytes([one[-1] ^ 1])
    with pytest.raises(secretbox.SecretboxError):
        secretbox.unseal(tampered, aad=b"auth_code_challenges:1")
    with pytest.raises(secretbox.SecretboxError):
        secretbox.unseal(b"\x02" + one[1:], aad=b"auth_code_challenges:1")
    with pytest.raises(ValueError):
        secretbox.seal(b"x", aad=b"")


def test_r_cert_11_a_new_key_makes_old_blobs_unreadable(data_dir: Path) -> None:
    """Replacing the key file (rotation) makes what was sealed before unreadable, not wrong."""
    blob = secretbox.seal(b"secret", aad=b"a")
    key = data_dir / "secretbox.key"
    key.unlink()
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(32))
    with pytest.raises(secretbox.SecretboxError):
        secretbox.unseal(blob, aad=b"a")


def test_key_readable_by_others_is_refused(data_dir: Path) -> None:
    """Like ssh: a key file group or others can read is not used."""
    secretbox.ensure_key()
    key = data_dir / "secretbox.key"
    content = key.read_bytes()
    key.unlink()
    key.write_bytes(content)
    key.chmod(0o644)
    with pytest.raises(secretbox.SecretboxError, match="0600"):
        secretbox.seal(b"x", aad=b"a")


def test_key_of_wrong_size_is_refused(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    key = data_dir / "secretbox.key"
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(b"short")
    with pytest.raises(secretbox.SecretboxError, match="32 bytes"):
        secretbox.keyed_digest(b"x", purpose="auth-code")


def test_concurrent_first_use_agrees_on_one_key(data_dir: Path) -> None:
    """Several threads (or processes) starting together end up with one key."""
    barrier = threading.Barrier(8)
    digests: list[str] = []

    def first_use() -> None:
        barrier.wait()
        digests.append(secretbox.keyed_digest(b"123456", purpose="auth-code"))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(digests)) == 1
    assert [p.name for p in data_dir.iterdir()] == ["secretbox.key"]


def test_r_sec_2_keyed_digest_per_purpose(data_dir: Path) -> None:
    """R-SEC-2 "stored hashed": a keyed hash (HMAC-SHA256), so a copy of the database alone
    cannot test the million possible codes; separate subkeys per purpose."""
    a = secretbox.keyed_digest(b"t:123456", purpose="auth-code")
    assert a == secretbox.keyed_digest(b"t:123456", purpose="auth-code")
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != secretbox.keyed_digest(b"t:123457", purpose="auth-code")
    assert a != secretbox.keyed_digest(b"t:123456", purpose="other")
    with pytest.raises(ValueError):
        secretbox.keyed_digest(b"x", purpose="")
