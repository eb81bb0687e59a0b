"""SPEC R-CERT-8 "The issuing CA's private key never leaves the server unencrypted":
saving and loading the CA hierarchy (DESIGN §3: encrypted PKCS#8, scrypt + AES-256)."""

from __future__ import annotations

import base64
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from pki import CAHierarchy, PkiError, create_hierarchy, load_hierarchy, save_hierarchy
from tests.support.pki_testing import shared_hierarchy

PASSPHRASE = b"correct horse battery staple"


@pytest.fixture(scope="module")
def h() -> CAHierarchy:
    return shared_hierarchy()


@pytest.fixture(scope="module")
def saved(h: CAHierarchy, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki") / "ca"
    save_hierarchy(h, directory, passphrase=PASSPHRASE)
    return directory


def _plain_pkcs8(key_pem_source: CAHierarchy, which: str) -> bytes:
    key = getattr(key_pem_source, which).key
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_r_cert_8_save_load_roundtrip(h: CAHierarchy, saved: Path) -> None:
    """R-CERT-8: what is saved loads back as the same hierarchy."""
    loaded = load_hierarchy(saved, passphrase=PASSPHRASE)
    assert loaded.root.cert == h.root.cert
    assert loaded.issuing.cert == h.issuing.cert
    assert loaded.root.key.private_numbers() == h.root.key.private_numbers()
    assert loaded.issuing.key.private_numbers() == h.issuing.key.private_numbers()
    assert (saved / "chain.pem").read_bytes() == h.issuing.pem() + h.root.pem()
    assert (saved / "root.pem").read_bytes() == h.root.pem()
    assert (saved / "issuing.pem").read_bytes() == h.issuing.pem()


@pytest.mark.parametrize("name", ["root.key", "issuing.key"])
def test_r_cert_8_key_files_are_encrypted_pkcs8(h: CAHierarchy, saved: Path, name: str) -> None:
    """R-CERT-8; DESIGN §3 "CA keys: encrypted PKCS#8 (scrypt + AES-256)"."""
    data = (saved / name).read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert b"BEGIN PRIVATE KEY" not in data
    assert b"BEGIN RSA PRIVATE KEY" not in data
    plain = _plain_pkcs8(h, name.removesuffix(".key"))
    body = base64.b64decode(b"".join(data.splitlines()[1:-1]))
    for i in range(0, len(plain) - 32, 32):  # no 32-byte run of the plain key survives
        assert plain[i : i + 32] not in body
    parsed = subprocess.run(
        ["openssl", "asn1parse", "-in", str(saved / name)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ":PBES2" in parsed
    assert ":scrypt" in parsed
    assert ":aes-256-cbc" in parsed


def test_r_cert_8_openssl_decrypts_the_key(h: CAHierarchy, saved: Path) -> None:
    """R-CERT-8: the key stays usable outside the app (an operator's recovery with
    ``openssl pkey``), and only with the passphrase."""
    ok = subprocess.run(
        [
            "openssl",
            "pkey",
            "-in",
            str(saved / "issuing.key"),
            "-passin",
            "stdin",
            "-outform",
            "DER",
        ],
        input=PASSPHRASE + b"\n",
        capture_output=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    decrypted = serialization.load_der_private_key(ok.stdout, password=None)
    assert decrypted.private_numbers() == h.issuing.key.private_numbers()  # type: ignore[union-attr]
    wrong = subprocess.run(
        ["openssl", "pkey", "-in", str(saved / "issuing.key"), "-passin", "pass:wrong", "-noout"],
        capture_output=True,
        check=False,
    )
    assert wrong.returncode != 0


def test_r_cert_8_file_modes(saved: Path) -> None:
    """R-CERT-8: key files 0600; certificates 0644; the directory 0700 when created."""
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in saved.iterdir()}
    assert modes == {
        "root.key": 0o600,
        "issuing.key": 0o600,
        "root.pem": 0o644,
        "issuing.pem": 0o644,
        "chain.pem": 0o644,
    }
    assert stat.S_IMODE(saved.stat().st_mode) == 0o700


def test_r_cert_8_wrong_passphrase_is_pki_error(saved: Path) -> None:
    """R-CERT-8: a wrong passphrase is a PkiError (STYLE §5), not a crash."""
    with pytest.raises(PkiError, match="wrong passphrase"):
        load_hierarchy(saved, passphrase=b"not the passphrase")


def test_r_cert_8_key_swapped_for_another_is_pki_error(saved: Path, tmp_path: Path) -> None:
    """R-CERT-8: a key file that does not belong to its certificate is refused."""
    other = create_hierarchy(name="other", now=datetime(2025, 1, 1, tzinfo=UTC))
    save_hierarchy(other, tmp_path, passphrase=PASSPHRASE)
    (tmp_path / "issuing.pem").write_bytes((saved / "issuing.pem").read_bytes())
    with pytest.raises(PkiError, match="does not match"):
        load_hierarchy(tmp_path, passphrase=PASSPHRASE)


def test_r_cert_8_empty_passphrase_is_refused(h: CAHierarchy, tmp_path: Path) -> None:
    """R-CERT-8: never a key "encrypted" with nothing (STYLE §5: misuse is ValueError)."""
    with pytest.raises(ValueError, match="passphrase"):
        save_hierarchy(h, tmp_path, passphrase=b"")
    with pytest.raises(ValueError, match="passphrase"):
        load_hierarchy(tmp_path, passphrase=b"")
    assert list(tmp_path.iterdir()) == []


def test_r_cert_8_existing_hierarchy_is_not_overwritten(h: CAHierarchy, tmp_path: Path) -> None:
    """Losing the CA key would orphan every certificate: saving over one needs
    ``overwrite=True``."""
    save_hierarchy(h, tmp_path, passphrase=PASSPHRASE)
    with pytest.raises(FileExistsError):
        save_hierarchy(h, tmp_path, passphrase=b"another passphrase")
    save_hierarchy(h, tmp_path, passphrase=b"another passphrase", overwrite=True)
    loaded = load_hierarchy(tmp_path, passphrase=b"another passphrase")
    assert loaded.issuing.cert == h.issuing.cert
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "chain.pem",
        "issuing.key",
        "issuing.pem",
        "root.key",
        "root.pem",
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"issuing_days": 5 * 365}, "five years"),
        ({"root_days": 3000, "issuing_days": 3653}, "root_days"),
        ({"name": ""}, "name"),
        ({"name": "chingin\nCA"}, "name"),
    ],
)
def test_hierarchy_misuse_is_value_error(kwargs: dict[str, object], match: str) -> None:
    """DESIGN §3 "issuing CA valid ≥ 5 years"; STYLE §5 misuse raises ValueError."""
    with pytest.raises(ValueError, match=match):
        create_hierarchy(now=datetime(2026, 3, 1, tzinfo=UTC), **kwargs)  # type: ignore[arg-type]


def test_hierarchy_naive_now_is_value_error() -> None:
    """STYLE §5: a naive datetime raises ValueError."""
    with pytest.raises(ValueError, match="timezone-aware"):
        create_hierarchy(now=datetime(2026, 3, 1))
