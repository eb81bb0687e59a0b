"""The foundation as a user meets it: nginx with client-certificate TLS in front of the app,
the top page, service hours, and what the certificate gate lets through (DESIGN §4)."""

from __future__ import annotations

import json
import socket
import ssl
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from chingin_app import routes
from chingin_app.domain.clock import JST
from chingin_app.domain.messages import message
from tests.e2e.conftest import (
    BUSINESS_HOURS,
    IssuedForTest,
    Service,
    issue_certificate,
    revoke_and_publish,
)

IE_MODE_UA = "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    service.set_clock(BUSINESS_HOURS)


class Watched:
    """A page plus everything the browser received over the websocket and which hosts it
    fetched from."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.page: Page = context.new_page()
        self.frames: list[str] = []
        self.sockets: list[WebSocket] = []
        self.hosts: set[str] = set()
        self.page.on("request", lambda r: self.hosts.add(r.url.split("/")[2]))
        self.page.on("websocket", self._ws)

    def _ws(self, ws: WebSocket) -> None:
        self.sockets.append(ws)
        ws.on("framereceived", lambda payload: self.frames.append(str(payload)))

    def first_frame(self) -> None:
        """Wait for the app's first websocket frame: the page's text can show before it comes
        (under load)."""
        if self.frames:
            return
        ws = self.sockets[0] if self.sockets else self.page.wait_for_event("websocket")
        if not self.frames:
            ws.wait_for_event("framereceived")

    def open_top(self, service: Service) -> None:
        response = self.page.goto(service.base_url + "/")
        assert response is not None and response.status == 200
        expect(self.page.get_by_role("heading", name="トップ画面")).to_be_visible()

    def cert_user(self) -> str:
        return self.page.get_by_test_id("cert-user").inner_text()


def _context(
    browser: Browser, service: Service, cert: IssuedForTest | None = None
) -> BrowserContext:
    kwargs: dict[str, object] = {"ignore_https_errors": True, "locale": "ja-JP"}
    if cert is not None:
        kwargs["client_certificates"] = [
            {"origin": service.base_url, "pfxPath": str(cert.p12), "passphrase": cert.password}
        ]
    return browser.new_context(**kwargs)  # type: ignore[arg-type]


def _assert_no_secrets(service: Service, watched: Watched) -> None:
    secret = (service.data_dir / "proxy-secret").read_text().strip()
    watched.first_frame()
    assert watched.frames, "the page talked to the app over the websocket"
    received = "\n".join(watched.frames)
    assert secret not in received
    assert "BEGIN CERTIFICATE" not in received and "BEGIN%20CERTIFICATE" not in received
    assert "x-proxy-secret" not in received.lower()
    assert "x-ssl-client-cert" not in received.lower()


def test_r_env_5_top_page_without_certificate(browser: Browser, service: Service) -> None:
    """R-ENV-5, R-ENV-7: the top page in Japanese with its four buttons and the お問い合わせ先;
    no external resources (R-ENV-2a)."""
    with _context(browser, service) as context:
        w = Watched(context)
        w.open_top(service)
        expect(w.page.get_by_test_id("cert-user")).to_have_text("確認できません")
        expect(w.page.get_by_role("region", name="お問い合わせ先")).to_contain_text("TEL")
        buttons = w.page.get_by_role("main").get_by_role("button")
        expect(buttons).to_have_text([label for label, _ in routes.TOP_BUTTONS])  # R-ENV-5
        assert w.page.evaluate("document.documentElement.lang") == "ja"
        assert w.hosts == {service.base_url.split("/")[2]}
        _assert_no_secrets(service, w)


def test_r_cert_10_valid_certificate_reaches_app_as_identity(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-CERT-10: a current certificate presented in the TLS handshake reaches the app as the
    user's identity, and neither the proxy secret nor the certificate reaches the browser."""
    cert = issue_certificate(service, tmp_path)
    with _context(browser, service, cert) as context:
        w = Watched(context)
        w.open_top(service)
        expect(w.page.get_by_test_id("cert-user")).to_have_text(f"ユーザーＩＤ {cert.user_id}")
        _assert_no_secrets(service, w)


def test_r_cert_7_revoked_certificate_is_treated_as_none(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-CERT-7: after revocation (CRL re-signed, nginx reloaded) the certificate counts as
    none; a valid certificate still works after the CRL refresh (DESIGN §3)."""
    revoked = issue_certificate(service, tmp_path)
    valid = issue_certificate(service, tmp_path)
    revoke_and_publish(service, revoked)
    with _context(browser, service, revoked) as context:
        w = Watched(context)
        w.open_top(service)
        expect(w.page.get_by_test_id("cert-user")).to_have_text("確認できません")
    with _context(browser, service, valid) as context:
        w = Watched(context)
        w.open_top(service)
        expect(w.page.get_by_test_id("cert-user")).to_have_text(f"ユーザーＩＤ {valid.user_id}")


def test_r_cert_12_expired_certificate_is_not_an_identity(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-CERT-4, R-CERT-12: a certificate past its 366 days (issued back-dated, the clock is not
    moved for TLS) is not taken as the user's identity."""
    back_dated = datetime.now(UTC) - timedelta(days=400)
    expired = issue_certificate(service, tmp_path, issued_at=back_dated)
    with _context(browser, service, expired) as context:
        w = Watched(context)
        w.open_top(service)
        expect(w.page.get_by_test_id("cert-user")).to_have_text("確認できません")


def test_r_env_1_outside_hours_is_refused_by_the_server(browser: Browser, service: Service) -> None:
    """R-ENV-1: on a Saturday every page says the service is closed, with the hours; the
    server refuses the page itself (503), not only the screen."""
    service.set_clock(datetime(2026, 12, 5, 10, 0, tzinfo=JST))  # a Saturday
    status, _, body = service.https_get("/")
    assert status == 503
    assert message("MSG-HOURS") in body
    assert "お問い合わせ先" in body
    with _context(browser, service) as context:
        page = context.new_page()
        page.goto(service.base_url + "/")
        expect(page.get_by_role("alert")).to_have_text(message("MSG-HOURS"))


def test_r_env_1a_closing_warning(browser: Browser, service: Service) -> None:
    """R-ENV-1a: from 10 minutes before closing every screen warns."""
    service.set_clock(datetime(2026, 12, 1, 19, 55, tzinfo=JST))
    with _context(browser, service) as context:
        w = Watched(context)
        w.open_top(service)
        warning = message("MSG-HOURS-CLOSING", close="20:00")
        expect(w.page.get_by_role("alert")).to_have_text(warning)


def test_r_env_2a_security_headers_and_tls_versions(service: Service) -> None:
    """R-ENV-2a: HSTS one year, no framing, nosniff, no referrer, no-store, no server version;
    TLS 1.2 and 1.3 only."""
    status, headers, _ = service.https_get("/")
    assert status == 200
    assert headers["strict-transport-security"] == "max-age=31536000"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["server"] == "nginx"
    port = int(service.base_url.rsplit(":", 1)[1])
    for version, accepted in ((ssl.TLSVersion.TLSv1_1, False), (ssl.TLSVersion.TLSv1_2, True),
                              (ssl.TLSVersion.TLSv1_3, True)):
        ctx = ssl.create_default_context(cafile=str(service.tls_ca))
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = version
        if version == ssl.TLSVersion.TLSv1_1:
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        ctx.minimum_version = version
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                    ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                negotiated = tls.version()
            assert accepted, f"{version} must be refused, got {negotiated}"
        except ssl.SSLError:
            assert not accepted, f"{version} must be accepted"


def test_r_env_2a_plain_http_only_redirects(service: Service) -> None:
    """R-ENV-2a: the plain-HTTP port answers nothing but a redirect to https."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(f"http://127.0.0.1:{service.http_port}/some/page?x=1", timeout=10)
    assert caught.value.code == 301
    assert caught.value.headers["Location"] == service.base_url + "/some/page?x=1"


def test_r_env_2a_upload_path_refuses_anything_but_post(service: Service) -> None:
    """DESIGN §1 Uploads: nginx refuses anything but POST on /_upload (the upload dir is never
    served back)."""
    status, _, _ = service.https_get("/_upload/anything.csv")
    assert status == 403


def test_r_env_6_ie_mode_gets_the_static_notice(service: Service) -> None:
    """R-ENV-6: a Trident user agent gets a static page with MSG-IE from nginx."""
    status, _, body = service.https_get("/", headers={"User-Agent": IE_MODE_UA})
    assert status == 200
    assert message("MSG-IE") in body
    assert "<script" not in body


def test_r_ops_4_healthz_reports_crls(service: Service) -> None:
    """R-OPS-4 / DESIGN §3, R-DEP-8: /healthz reports each CRL's nextUpdate, on the loopback
    health listener only; the public listener answers 404 for it and for Reflex's /_health."""
    assert service.https_get("/healthz")[0] == 404
    assert service.https_get("/_health")[0] == 404
    with urllib.request.urlopen(service.health_url + "/healthz", timeout=30) as response:
        status, body = response.status, response.read().decode()
    assert status == 200
    report = json.loads(body)
    assert report["status"] == "ok"
    issuing = datetime.fromisoformat(report["crl_next_update"]["issuing"])
    root = datetime.fromisoformat(report["crl_next_update"]["root"])
    now = datetime.now(UTC)
    assert timedelta(days=6) < issuing - now <= timedelta(days=7)
    assert root - now > timedelta(days=300)


def test_r_cert_9_crl_distribution_point_serves_the_crl(service: Service) -> None:
    """R-CERT-9: the CRL distribution point in every certificate answers with the DER CRL."""
    from cryptography import x509

    ctx = ssl.create_default_context(cafile=str(service.tls_ca))
    with urllib.request.urlopen(service.base_url + "/crl/issuing.crl", context=ctx) as r:
        assert r.headers["Content-Type"] == "application/pkix-crl"
        crl = x509.load_der_x509_crl(r.read())
    assert "Issuing" in crl.issuer.rfc4514_string()
    status, _, _ = service.https_get("/crl/../proxy-secret")
    assert status == 404
