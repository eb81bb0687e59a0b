"""SPEC R-CERT-3 / R-CERT-9: the client-certificate profile, field by field; the CA
hierarchy; the refusals (DESIGN §3); the demo server certificate."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pki import CAHierarchy, IssuedCert, KeyType, issue_client_cert, issue_server_cert
from tests.support.pki_testing import CRL_URL, shared_hierarchy

JST = timezone(timedelta(hours=9))
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=JST)


@pytest.fixture(scope="module")
def h() -> CAHierarchy:
    return shared_hierarchy()


@pytest.fixture(scope="module")
def client(h: CAHierarchy) -> IssuedCert:
    return issue_client_cert(h.issuing, user_id="tanaka01", now=NOW, crl_url=CRL_URL)


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension:
    return cert.extensions.get_extension_for_class(kind)


def test_r_cert_9_profile_key_is_rsa_2048(client: IssuedCert) -> None:
    """R-CERT-9 "Profile: RSA-2048"."""
    public = client.cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 2048
    assert public.public_numbers().e == 65537


def test_r_cert_3_subject_is_the_user_id_only(client: IssuedCert, h: CAHierarchy) -> None:
    """R-CERT-3 "The certificate's subject shows the user ID"; R-CERT-9 "subject CN = user ID
    and nothing personal"."""
    assert client.cert.subject == x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tanaka01")])
    assert client.cert.issuer == h.issuing.cert.subject
    ext_types = {type(e.value) for e in client.cert.extensions}
    assert x509.SubjectAlternativeName not in ext_types  # no e-mail address, no name


def test_r_cert_9_profile_eku_is_client_auth_only(client: IssuedCert) -> None:
    """R-CERT-3 "for TLS client authentication only"; R-CERT-9 "extendedKeyUsage clientAuth
    only"."""
    eku = _ext(client.cert, x509.ExtendedKeyUsage)
    assert list(eku.value) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_r_cert_9_profile_key_usage_critical_digital_signature(client: IssuedCert) -> None:
    """R-CERT-9 "keyUsage digitalSignature (critical)"."""
    ku = _ext(client.cert, x509.KeyUsage)
    assert ku.critical
    assert ku.value == x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def test_r_cert_9_profile_not_a_ca(client: IssuedCert) -> None:
    """R-CERT-9: an end-entity certificate (basicConstraints CA:FALSE)."""
    bc = _ext(client.cert, x509.BasicConstraints)
    assert bc.critical
    assert bc.value == x509.BasicConstraints(ca=False, path_length=None)


def test_r_cert_9_profile_random_serials(h: CAHierarchy, client: IssuedCert) -> None:
    """R-CERT-9 "random serials of at least 64 bits"."""
    other = issue_client_cert(h.issuing, user_id="tanaka01", now=NOW, crl_url=CRL_URL)
    for cert in (client.cert, other.cert):
        assert cert.serial_number.bit_length() >= 64
        assert cert.serial_number > 0
    assert client.cert.serial_number != other.cert.serial_number
    assert client.key.private_numbers() != other.key.private_numbers()  # a fresh key each time


def test_r_cert_9_profile_key_identifiers(client: IssuedCert, h: CAHierarchy) -> None:
    """R-CERT-9 "key identifiers": SKI from the key, AKI = the issuing CA's SKI."""
    ski = _ext(client.cert, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(client.key.public_key())
    aki = _ext(client.cert, x509.AuthorityKeyIdentifier).value
    ca_ski = _ext(h.issuing.cert, x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ca_ski.digest


def test_r_cert_9_profile_crl_distribution_point(client: IssuedCert) -> None:
    """R-CERT-9 "CRL distribution point"."""
    cdp = _ext(client.cert, x509.CRLDistributionPoints).value
    assert [dp.full_name for dp in cdp] == [[x509.UniformResourceIdentifier(CRL_URL)]]


def test_r_cert_9_profile_nothing_else(client: IssuedCert) -> None:
    """R-CERT-9: exactly the profile's extensions, and a SHA-256 signature."""
    assert {type(e.value) for e in client.cert.extensions} == {
        x509.BasicConstraints,
        x509.KeyUsage,
        x509.ExtendedKeyUsage,
        x509.SubjectKeyIdentifier,
        x509.AuthorityKeyIdentifier,
        x509.CRLDistributionPoints,
    }
    assert client.cert.signature_hash_algorithm is not None
    assert client.cert.signature_hash_algorithm.name == "sha256"
    assert client.cert.version is x509.Version.v3


def test_r_cert_9_chain_is_root_and_issuing_ca(h: CAHierarchy) -> None:
    """R-CERT-9 "the CA chain is a root and an issuing CA"; DESIGN §3 "issuing CA valid ≥ 5
    years"."""
    root, issuing = h.root.cert, h.issuing.cert
    assert root.subject == root.issuer
    root.verify_directly_issued_by(root)
    issuing.verify_directly_issued_by(root)
    assert _ext(root, x509.BasicConstraints).value == x509.BasicConstraints(ca=True, path_length=1)
    assert _ext(issuing, x509.BasicConstraints).value == x509.BasicConstraints(
        ca=True, path_length=0
    )
    for cert in (root, issuing):
        ku = _ext(cert, x509.KeyUsage)
        assert ku.critical
        assert ku.value.key_cert_sign
        assert ku.value.crl_sign
        assert not ku.value.digital_signature
    assert issuing.not_valid_after_utc - issuing.not_valid_before_utc >= timedelta(days=5 * 365)
    assert issuing.not_valid_after_utc <= root.not_valid_after_utc
    assert h.chain_pem() == h.issuing.pem() + h.root.pem()


def test_r_cert_9_refuses_client_cert_outliving_the_issuing_ca(h: CAHierarchy) -> None:
    """DESIGN §3 "a client certificate whose notAfter would pass the issuing CA's is refused".

    The shared issuing CA ends 3653 days after 2025-01-01T00:00Z, i.e. 2035-01-02T00:00Z
    (09:00 JST), so the last JST issue date that fits is 2034-01-01 (last day 2035-01-01
    23:59:59 JST); 2034-01-02 would end at 2035-01-02 23:59:59 JST."""
    assert h.issuing.cert.not_valid_after_utc == datetime(2035, 1, 2, tzinfo=UTC)
    last_fit = issue_client_cert(
        h.issuing, user_id="u1", now=datetime(2034, 1, 1, 23, 59, 59, tzinfo=JST), crl_url=CRL_URL
    )
    assert last_fit.cert.not_valid_after_utc == datetime(2035, 1, 1, 14, 59, 59, tzinfo=UTC)
    with pytest.raises(ValueError, match="would pass the issuing CA"):
        issue_client_cert(
            h.issuing, user_id="u1", now=datetime(2034, 1, 2, 0, 0, tzinfo=JST), crl_url=CRL_URL
        )


@pytest.mark.parametrize(
    "user_id", ["", "a" * 65, "user-01", "user 01", "user01\n", "ユーザー", "１２３", "a_b", "é"]
)
def test_r_cert_9_refuses_invalid_user_id(h: CAHierarchy, user_id: str) -> None:
    """STYLE §5 "Misuse (naive datetime, empty user ID) raises ValueError"; the CN must be the
    bare user ID (R-CERT-3)."""
    with pytest.raises(ValueError, match="user_id"):
        issue_client_cert(h.issuing, user_id=user_id, now=NOW, crl_url=CRL_URL)


@pytest.mark.parametrize("user_id", ["a", "Z" * 64, "tanaka01"])
def test_r_cert_3_accepts_valid_user_id(h: CAHierarchy, user_id: str) -> None:
    """R-CERT-3: any user ID of 1-64 ASCII letters and digits becomes the CN as it is."""
    issued = issue_client_cert(h.issuing, user_id=user_id, now=NOW, crl_url=CRL_URL)
    assert issued.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == user_id


def test_r_cert_9_refuses_other_misuse(h: CAHierarchy) -> None:
    """STYLE §5: naive ``now``, a CRL URL that is not http(s), issuing from the root."""
    with pytest.raises(ValueError, match="timezone-aware"):
        issue_client_cert(
            h.issuing,
            user_id="u1",
            now=datetime(2026, 3, 1),
            crl_url=CRL_URL,
        )
    with pytest.raises(ValueError, match="crl_url"):
        issue_client_cert(h.issuing, user_id="u1", now=NOW, crl_url="issuing.crl")
    with pytest.raises(ValueError, match="issuing CA, not the root"):
        issue_client_cert(h.root, user_id="u1", now=NOW, crl_url=CRL_URL)


def test_r_cert_9_key_type_default_is_rsa_2048() -> None:
    """R-CERT-9: the only key type so far, and the default."""
    assert [k.value for k in KeyType] == ["rsa2048"]


def test_server_cert_profile(h: CAHierarchy) -> None:
    """DESIGN §2: the demo's server certificate — serverAuth, SAN with names and IPs."""
    now = datetime(2026, 3, 1, tzinfo=UTC)
    issued = issue_server_cert(
        h.issuing, hostnames=["localhost"], ips=["127.0.0.1", "::1"], now=now
    )
    cert = issued.cert
    assert list(_ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    san = _ext(cert, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    ku = _ext(cert, x509.KeyUsage).value
    assert (ku.digital_signature, ku.key_encipherment, ku.key_cert_sign) == (True, True, False)
    assert cert.not_valid_after_utc - now == timedelta(days=397)
    assert b"BEGIN PRIVATE KEY" in issued.key_pem()
    with pytest.raises(ValueError, match="at least one"):
        issue_server_cert(h.issuing, hostnames=[], ips=[], now=now)
