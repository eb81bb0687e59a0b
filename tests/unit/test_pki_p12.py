"""SPEC R-CERT-2 / R-CERT-9: the .p12 — checked by the spec's proxies, ``openssl pkcs12
-info`` and an NSS import with ``pk12util``."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from pki import CAHierarchy, IssuedCert, issue_client_cert, to_p12
from tests.support.pki_testing import CRL_URL, shared_hierarchy

PASSWORD = "Abcd123!"  # SPEC §3 password shape: 8-12 ASCII, all four classes
USER_ID = "tanaka01"
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def h() -> CAHierarchy:
    return shared_hierarchy()


@pytest.fixture(scope="module")
def issued(h: CAHierarchy) -> IssuedCert:
    return issue_client_cert(h.issuing, user_id=USER_ID, now=NOW, crl_url=CRL_URL)


@pytest.fixture(scope="module")
def p12(h: CAHierarchy, issued: IssuedCert) -> bytes:
    return to_p12(
        issued, password=PASSWORD, chain=[h.issuing.cert, h.root.cert], friendly_name=USER_ID
    )


@pytest.fixture(scope="module")
def p12_file(p12: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("p12") / f"{USER_ID}20260301100000.p12"
    path.write_bytes(p12)
    return path


def _openssl_pkcs12(p12_file: Path, password: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", "pkcs12", "-in", str(p12_file), "-passin", f"pass:{password}", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_r_cert_9_p12_algorithms_per_openssl(p12_file: Path) -> None:
    """R-CERT-9 "`openssl pkcs12 -info` shows PBES2/PBKDF2-SHA256/AES-256-CBC and a SHA-256
    MAC", "PBKDF2 iterations ≥ 200,000"."""
    result = _openssl_pkcs12(p12_file, PASSWORD, "-info", "-noout")
    assert result.returncode == 0, result.stderr
    info = result.stdout + result.stderr  # OpenSSL 3 prints the -info lines on stderr
    assert re.search(r"^MAC: sha256, Iteration \d+$", info, re.M), info
    assert "MAC length: 32" in info
    key_bag = re.search(r"^Shrouded Keybag: (.*)$", info, re.M)
    cert_bag = re.search(r"^PKCS7 Encrypted data: (.*)$", info, re.M)
    assert key_bag is not None, info
    assert cert_bag is not None, info
    for line in (key_bag.group(1), cert_bag.group(1)):
        assert line == "PBES2, PBKDF2, AES-256-CBC, Iteration 200000, PRF hmacWithSHA256"


def test_r_cert_2_p12_holds_key_cert_and_chain(
    p12_file: Path, issued: IssuedCert, h: CAHierarchy
) -> None:
    """R-CERT-2 "The .p12 holds the user's key, certificate and the CA chain"; R-CERT-9
    "with root and issuing CA in the bag", "friendly name = the user ID"."""
    result = _openssl_pkcs12(p12_file, PASSWORD, "-nodes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("-----BEGIN CERTIFICATE-----") == 3
    assert result.stdout.count("-----BEGIN PRIVATE KEY-----") == 1
    assert f"friendlyName: {USER_ID}" in result.stdout
    for pem in (issued.cert_pem(), h.issuing.pem(), h.root.pem()):
        assert pem.decode() in result.stdout


def test_r_cert_2_p12_contents_per_cryptography(
    p12: bytes, issued: IssuedCert, h: CAHierarchy
) -> None:
    """R-CERT-2 / R-CERT-9: key and certificate match, chain is [issuing, root], names."""
    loaded = pkcs12.load_pkcs12(p12, PASSWORD.encode())
    assert loaded.key is not None
    assert loaded.key.private_numbers() == issued.key.private_numbers()  # type: ignore[union-attr]
    assert loaded.cert is not None
    assert loaded.cert.certificate == issued.cert
    assert loaded.cert.friendly_name == USER_ID.encode()
    assert [c.certificate for c in loaded.additional_certs] == [h.issuing.cert, h.root.cert]
    assert [c.friendly_name for c in loaded.additional_certs] == [
        b"chingin-test Issuing CA",
        b"chingin-test Root CA",
    ]


def test_r_cert_2_p12_wrong_password_fails(p12_file: Path) -> None:
    """R-CERT-2 "encrypted with the user's login password": any other password fails."""
    result = _openssl_pkcs12(p12_file, "Abcd123?", "-info", "-noout")
    assert result.returncode != 0
    assert "invalid password" in result.stderr


def test_r_cert_9_p12_imports_into_nss(p12_file: Path, tmp_path: Path) -> None:
    """R-CERT-9 "`pk12util` imports it into an NSS db"; the key lands under the user ID."""
    db = f"sql:{tmp_path}"
    subprocess.run(["certutil", "-N", "-d", db, "--empty-password"], check=True)
    wrong = subprocess.run(
        ["pk12util", "-i", str(p12_file), "-d", db, "-W", "wrong"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert wrong.returncode != 0
    assert "SEC_ERROR_BAD_PASSWORD" in wrong.stdout + wrong.stderr
    imported = subprocess.run(
        ["pk12util", "-i", str(p12_file), "-d", db, "-W", PASSWORD],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    certs = subprocess.run(
        ["certutil", "-L", "-d", db], capture_output=True, text=True, check=True
    ).stdout
    nicknames = {line.rsplit(None, 1)[0].strip() for line in certs.splitlines()[4:] if line}
    assert nicknames == {USER_ID, "chingin-test Issuing CA", "chingin-test Root CA"}
    keys = subprocess.run(
        ["certutil", "-K", "-d", db], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(rf"^<\s*0> rsa\s+[0-9a-f]{{40}}\s+{USER_ID}$", keys, re.M), keys


@pytest.mark.parametrize("password", ["", "パスワード", "Abcd 123\n"])
def test_r_cert_2_p12_password_misuse(issued: IssuedCert, h: CAHierarchy, password: str) -> None:
    """STYLE §5: an empty password (or one outside SPEC §3's printable ASCII) is refused."""
    with pytest.raises(ValueError, match="password"):
        to_p12(issued, password=password, chain=[h.issuing.cert, h.root.cert], friendly_name="u")


def test_r_cert_2_p12_chain_must_start_at_the_issuer(issued: IssuedCert, h: CAHierarchy) -> None:
    """R-CERT-2: the chain is the issuing CA, then the root."""
    with pytest.raises(ValueError, match="chain"):
        to_p12(issued, password=PASSWORD, chain=[h.root.cert, h.issuing.cert], friendly_name="u")
    with pytest.raises(ValueError, match="chain"):
        to_p12(issued, password=PASSWORD, chain=[], friendly_name="u")
