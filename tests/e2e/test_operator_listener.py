"""The operator listener through the real nginx and app (SPEC R-OPS-7, R-PLUS-6): it serves the
console only — a customer's screen asked for there is refused — and the console's front end,
compiled once with the public origin, talks to the operator origin (its websocket never
leaves the operator listener)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Service, in_hours
from tests.e2e.test_operator_console import P12_PW, _get, _new_operator, _ssl_with


@pytest.fixture(autouse=True)
def _open_hours(service: Service) -> None:
    in_hours(service)


def test_r_ops_7_operator_listener_refuses_the_customer_screens(
    service: Service, tmp_path: Path
) -> None:
    """R-OPS-7: with a valid operator certificate, the operator listener answers 404 for the
    customers' screens, downloads, CRLs and health check, and serves the console; the public
    listener still serves those screens."""
    _, p12 = _new_operator(tmp_path)
    tls = _ssl_with(p12, P12_PW, service.tls_ca, tmp_path)
    for path in ("/login", "/info", "/users", "/operation-log", "/manuals", "/dl/x",
                 "/crl/issuing.crl", "/healthz", "/_upload", "/ping", "/404.html"):
        status, body = _get(service.operator_url + path, tls)
        assert status == 404, path
        assert "ログイン" not in body, path
    status, body = _get(service.operator_url + "/operator", tls)
    assert status == 200
    status, landing = _get(service.operator_url + "/", tls)  # redirected to the console
    assert (status, landing) == (200, body)
    assert service.https_get("/login")[0] == 200


def test_r_plus_6_console_front_end_talks_to_the_operator_origin(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-PLUS-6 / R-OPS-7: on the operator listener the front end's endpoints name the operator
    origin (the public listener's copy keeps the public one), and the console page's websocket
    connects to the operator origin only."""
    login_id, p12 = _new_operator(tmp_path)
    tls = _ssl_with(p12, P12_PW, service.tls_ca, tmp_path)
    operator_netloc = urlsplit(service.operator_url).netloc
    public_netloc = urlsplit(service.base_url).netloc
    _, page_html = _get(service.operator_url + "/operator", tls)
    [chunk] = set(re.findall(r"/assets/reflex-env-[A-Za-z0-9_-]+\.js", page_html))
    _, operator_env = _get(service.operator_url + chunk, tls)
    assert f"wss://{operator_netloc}/_event" in operator_env
    assert public_netloc not in operator_env
    public_env = service.https_get(chunk)[2]
    assert f"wss://{public_netloc}/_event" in public_env
    assert operator_netloc not in public_env

    sockets: list[str] = []
    context = browser.new_context(
        client_certificates=[{"origin": service.operator_url, "pfxPath": str(p12),
                              "passphrase": P12_PW}],
    )
    with context:
        page = context.new_page()
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.goto(service.operator_url + "/operator")
        # Shown by the page's on-load event, which only the websocket delivers.
        expect(page.get_by_test_id("operator-id")).to_have_text(login_id)
    assert sockets
    assert all(url.startswith(f"wss://{operator_netloc}/_event") for url in sockets), sockets
