"""Scheduled CRL refresh (R-OPS-4, R-CERT-7) and the rendered nginx configuration (R-ENV-2a,
R-CERT-10), against real files, the real database and the real nginx binary."""

from __future__ import annotations

import re
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlmodel import Session

import pki
from chingin_app.proxy import nginx
from chingin_app.services import jobs
from chingin_app.services.certs import ca, certificates, crl
from chingin_app.settings import settings
from tests import factories

NOW = datetime.now(UTC).replace(microsecond=0)  # CRL times have whole seconds


def _crl(path: Path) -> x509.CertificateRevocationList:
    return x509.load_pem_x509_crl(path.read_bytes())


def test_r_cert_7_refresh_publishes_revoked_serials_for_openssl(
    app_env: Path, db: Session, tmp_path: Path
) -> None:
    """R-CERT-7: a revoked certificate is in the re-signed CRL, and `openssl verify
    -crl_check_all` with the bundle nginx reads refuses it while a valid one passes."""
    s = settings()
    hierarchy = ca.ensure_hierarchy(s, now=NOW)
    contract = factories.make_contract(db)
    certs = {}
    for name in ("good", "bad"):
        user = factories.make_user(db, contract)
        issued = pki.issue_client_cert(hierarchy.issuing, user_id=user.user_id, now=NOW,
                                       crl_url=crl.crl_url(s))
        assert user.id is not None
        row = certificates.record_issued(
            db, user_pk=user.id, serial_hex=format(issued.cert.serial_number, "x"),
            sha256_hex=pki.sha256_fingerprint(issued.cert),
            not_before=issued.cert.not_valid_before_utc,
            not_after=issued.cert.not_valid_after_utc, issued_at=NOW,
        )
        if name == "bad":
            row.status, row.revoked_at = "revoked", NOW
            db.add(row)
        certs[name] = issued
        (tmp_path / f"{name}.pem").write_bytes(issued.cert_pem())
    db.commit()

    report = crl.refresh(s, force=True, now=NOW)
    assert report.changed and not report.warnings
    issuing_crl = _crl(s.pki_dir / "issuing.crl.pem")
    assert issuing_crl.get_revoked_certificate_by_serial_number(certs["bad"].cert.serial_number)
    assert not issuing_crl.get_revoked_certificate_by_serial_number(
        certs["good"].cert.serial_number
    )
    for name, ok in (("good", True), ("bad", False)):
        result = subprocess.run(
            ["openssl", "verify", "-crl_check_all", "-CAfile", str(s.pki_dir / "chain.pem"),
             "-CRLfile", str(s.pki_dir / "crl.pem"), str(tmp_path / f"{name}.pem")],
            capture_output=True, text=True, check=False,
        )
        assert (result.returncode == 0) is ok, result.stdout + result.stderr
        if not ok:
            assert "certificate revoked" in result.stdout + result.stderr
    public = x509.load_der_x509_crl((s.pki_dir / "public" / "issuing.crl").read_bytes())
    assert public.public_bytes(Encoding.DER) == issuing_crl.public_bytes(Encoding.DER)


def test_r_ops_4_issuing_crl_resigned_daily_root_when_under_60_days(app_env: Path) -> None:
    """DESIGN §3: the issuing CRL (7 days) is re-signed once a day, the root's (400 days) only
    when fewer than 60 days remain; the same for the operator console's CA (R-OPS-7)."""
    s = settings()
    ca.ensure_operator_hierarchy(s, now=NOW)
    first = crl.refresh(s, now=NOW)
    assert first.changed
    assert first.next_updates == {
        "issuing": NOW + timedelta(days=7), "root": NOW + timedelta(days=400),
        "operator-issuing": NOW + timedelta(days=7), "operator-root": NOW + timedelta(days=400),
    }
    assert not crl.refresh(s, now=NOW + timedelta(hours=23)).changed
    later = crl.refresh(s, now=NOW + timedelta(days=1))
    assert later.changed
    assert later.next_updates["root"] == first.next_updates["root"]  # root untouched
    assert later.next_updates["operator-root"] == first.next_updates["operator-root"]
    near_end = NOW + timedelta(days=341)
    resigned = crl.refresh(s, now=near_end).next_updates
    assert resigned["root"] == resigned["operator-root"] == near_end + timedelta(days=400)


def test_r_ops_7_refresh_creates_no_operator_ca(app_env: Path) -> None:
    """R-OPS-7: the operator console's CA is made by `chingin serve` or the first operator
    account, never as a side effect of publishing a customer revocation: until it exists the
    refresh covers the customer CRLs only."""
    s = settings()
    report = crl.refresh(s, force=True, now=NOW)
    assert set(report.next_updates) == {"issuing", "root"}
    assert not (ca.operator_dir(s) / "issuing.key").exists()


@pytest.mark.parametrize("which", ["issuing", "operator-issuing"])
def test_r_ops_4_jobs_run_fails_when_a_crl_expires_within_48_hours(
    app_env: Path, which: str, caplog: pytest.LogCaptureFixture
) -> None:
    """DESIGN §3: `chingin jobs run` exits non-zero and logs an error when a CRL expires within
    48 hours (here: a fresh issuing CRL that was signed with a one-day lifetime) — the
    customer's or the operator console's (R-OPS-7): either one expiring locks people out."""
    s = settings()
    ca.ensure_operator_hierarchy(s, now=NOW)
    crl.refresh(s, now=NOW)
    assert jobs.run_jobs() == 0
    if which == "issuing":
        hierarchy, directory = ca.ensure_hierarchy(s, now=NOW), s.pki_dir
    else:
        hierarchy, directory = ca.ensure_operator_hierarchy(s, now=NOW), ca.operator_dir(s)
    short = pki.build_crl(
        hierarchy.issuing, [], now=datetime.now(UTC), next_update=timedelta(days=1)
    )
    crl.store_signed(hierarchy.issuing.cert, short)  # R-DEP-5: the signed CRL lives there
    assert crl.refresh(s).expiring == (which,)
    assert (directory / "issuing.crl.pem").read_bytes() == short.public_bytes(Encoding.PEM)
    caplog.clear()
    assert jobs.run_jobs() == 1
    assert any(r.levelname == "ERROR" and "within 48 hours" in r.getMessage()
               for r in caplog.records)


def test_r_ops_4_jobs_run_refreshes_the_operator_crls(app_env: Path) -> None:
    """R-OPS-4, R-OPS-7: production runs `chingin jobs run` from a timer, so it must re-sign the
    operator CA's CRLs too (an expired CRL would lock every operator out of the console)."""

    s = settings()
    ca.ensure_hierarchy(s, now=NOW)
    crl.refresh(s, now=NOW)
    operator_ca = ca.ensure_operator_hierarchy(s, now=NOW)
    crl_file = ca.operator_dir(s) / "issuing.crl.pem"
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    stale = pki.build_crl(operator_ca.issuing, [], now=two_days_ago, next_update=timedelta(days=3))
    crl_file.write_bytes(stale.public_bytes(Encoding.PEM))
    assert jobs.run_jobs() == 0
    fresh = x509.load_pem_x509_crl(crl_file.read_bytes())
    assert fresh.last_update_utc > two_days_ago + timedelta(days=1)
    assert fresh.next_update_utc is not None and stale.next_update_utc is not None
    assert fresh.next_update_utc > stale.next_update_utc


def _rendered(app_env: Path) -> nginx.NginxFiles:
    s = settings()
    ca.ensure_hierarchy(s, now=NOW)
    crl.refresh(s, now=NOW)
    cert, key, _ = ca.tls_files(s, now=NOW)
    return nginx.render(s, tls_cert=cert, tls_key=key, client_ca_chain=s.pki_dir / "chain.pem",
                        crl_bundle=s.pki_dir / "crl.pem", http_port=18080)


def test_r_env_2a_rendered_config_is_accepted_by_nginx(app_env: Path) -> None:
    """R-ENV-2a / R-CERT-10: `nginx -t` accepts the rendered configuration; TLS 1.2/1.3 only,
    optional client certificates with the CRL, no server version; the file holding the proxy
    secret is private."""
    files = _rendered(app_env)
    nginx.check(files)
    conf = files.conf.read_text()
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in conf
    assert "ssl_verify_client optional;" in conf
    assert "server_tokens off;" in conf
    assert "error_page 495 = @app;" in conf
    headers = files.prefix / "cert_headers.conf"
    assert stat.S_IMODE(headers.stat().st_mode) == 0o600
    assert settings().proxy_secret_file.read_text().strip() in headers.read_text()
    assert settings().proxy_secret_file.read_text().strip() not in conf


def test_r_cert_10_every_proxied_location_sets_the_certificate_headers(app_env: Path) -> None:
    """DESIGN §3: proxy_set_header inside a location disables inheritance, so every location
    that proxies to the app must include the certificate header block (the websocket above
    all), or nginx would pass a client's own X-SSL-* headers through."""
    conf = _rendered(app_env).conf.read_text()
    blocks = re.findall(r"location\s+([^{]+)\{(.*?)\n    \}", conf, flags=re.S)
    proxied = [(where.strip(), body) for where, body in blocks if "proxy_pass" in body]
    assert {w for w, _ in proxied} >= {"/_event", "/", "@app", "/_upload"}
    for where, body in proxied:
        assert "cert_headers.conf" in body, where
    assert "limit_except POST" in dict(proxied)["/_upload"]


@pytest.mark.parametrize(
    ("base_url", "address"),
    [("https://chingin.example.jp", ""), ("https://127.0.0.1:8443", "127.0.0.1:")],
)
def test_r_env_2a_plain_http_port_listens_where_the_tls_listener_does(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, base_url: str, address: str
) -> None:
    """R-ENV-2a "port 80 only redirects": on a public host the redirect server answers on the
    public address, like the TLS listener (not on loopback only, where no browser reaches
    it); the demo on 127.0.0.1 keeps both on loopback."""
    monkeypatch.setenv("CHINGIN_BASE_URL", base_url)
    settings.cache_clear()
    conf = _rendered(app_env).conf.read_text()
    tls = re.findall(r"^\s*listen (\S+) ssl;", conf, flags=re.M)
    plain = re.findall(r"^\s*server \{ listen (\S+); server_tokens off;\s*"
                       r"return 301 (\S+)\$request_uri; \}", conf, flags=re.M)
    assert tls[0] == f"{address}{settings().port}"
    assert plain == [(f"{address}18080", base_url)]
