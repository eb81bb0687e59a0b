"""R-CERT-10: the gate trusts nginx's headers only from a loopback peer with the shared secret,
and strips the secret and the raw certificate before the app (and so the browser) sees them."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from chingin_app.domain.clock import MovableClock
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.tab_bindings import DatabaseTabBindings
from chingin_app.web.gate import CertGate

SECRET = b"s3cret-for-tests"
CURRENT = CertFacts("current", "tanaka01", "abc", "f" * 64)


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({k: v for k, v in request.headers.items()})


def _client(peer: str) -> TestClient:
    inner = Starlette(routes=[Route("/", _echo)])
    calls: list[tuple[Any, Any]] = []

    def classify(verify: str | None, cert: str | None) -> CertFacts:
        calls.append((verify, cert))
        return CURRENT if verify == "SUCCESS" else CertFacts("none")

    app = CertGate(inner, secret=lambda: SECRET, classify=classify)
    return TestClient(app, client=(peer, 40000))


NGINX_HEADERS = {
    "X-SSL-Client-Verify": "SUCCESS",
    "X-SSL-Client-Cert": "-----BEGIN%20CERTIFICATE-----%0AMIIB",
    "X-SSL-Client-Serial": "ABC",
    "X-Forwarded-For": "203.0.113.9",
}


def test_r_cert_10_trusted_front_passes_classified_facts_only() -> None:
    headers = {**NGINX_HEADERS, "X-Proxy-Secret": SECRET.decode()}
    seen = _client("127.0.0.1").get("/", headers=headers).json()
    assert seen["x-chingin-cert-status"] == "current"
    assert seen["x-chingin-cert-subject"] == "tanaka01"
    assert seen["x-chingin-client-ip"] == "203.0.113.9"
    assert "x-proxy-secret" not in seen
    assert "x-ssl-client-cert" not in seen
    assert "x-ssl-client-verify" not in seen
    assert SECRET.decode() not in str(seen)
    assert "BEGIN" not in str(seen)


@pytest.mark.parametrize(
    ("peer", "secret"),
    [
        ("127.0.0.1", None),  # straight to the backend, no secret
        ("127.0.0.1", "wrong-secret"),  # a guessed secret
        ("192.0.2.10", SECRET.decode()),  # the right secret from a non-loopback peer
    ],
)
def test_r_cert_10_forged_headers_are_untrusted(peer: str, secret: str | None) -> None:
    headers = dict(NGINX_HEADERS)
    if secret:
        headers["X-Proxy-Secret"] = secret
    seen = _client(peer).get("/", headers=headers).json()
    assert seen["x-chingin-cert-status"] == "none"
    assert "x-chingin-cert-subject" not in seen
    assert seen["x-chingin-client-ip"] == peer  # never the client-set X-Forwarded-For
    assert "x-forwarded-for" not in seen
    assert not any(k.startswith("x-ssl-") for k in seen)


def test_r_cert_10_client_cannot_set_the_gate_headers() -> None:
    forged = {"X-Chingin-Cert-Status": "current", "X-Chingin-Cert-Subject": "boss01"}
    seen = _client("127.0.0.1").get("/", headers=forged).json()
    assert seen["x-chingin-cert-status"] == "none"
    assert "x-chingin-cert-subject" not in seen


def test_r_sec_1_websocket_with_a_token_of_another_certificate_is_closed(
    db_engine: Engine, clock: MovableClock
) -> None:
    """R-SEC-1: a Reflex client token first used with one certificate is refused with another
    (whoever has the token would otherwise receive that tab's state); the rules in full are
    R-SEC-3's (test_tab_bindings.py)."""
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def ws_echo(scope: Any, receive: Any, send: Any) -> None:
        socket = WebSocket(scope, receive, send)
        await socket.accept()
        await socket.send_text(socket.headers.get("x-chingin-cert-subject", ""))
        await socket.close()

    def classify(verify: str | None, cert: str | None) -> CertFacts:
        return CertFacts("current", cert, "1", cert) if cert else CertFacts("none")

    bindings = DatabaseTabBindings(clock=clock, max_entries=100_000, bind=db_engine)
    app = CertGate(ws_echo, secret=lambda: SECRET, classify=classify, bindings=bindings)
    client = TestClient(app, client=("127.0.0.1", 40000))
    token = secrets.token_hex(16)

    def connect(cert: str) -> str:
        headers = {"X-Proxy-Secret": SECRET.decode(), "X-SSL-Client-Verify": "SUCCESS",
                   "X-SSL-Client-Cert": cert}
        with client.websocket_connect(f"/_event/?token={token}", headers=headers) as ws:
            return ws.receive_text()

    assert connect("alice") == "alice"
    with pytest.raises(WebSocketDisconnect) as refused:
        connect("mallory")
    assert refused.value.code == 4403


def test_r_env_2_redirects_built_by_the_app_stay_on_https() -> None:
    """R-ENV-2: behind nginx the app's own redirects (a missing trailing slash) keep the https
    origin the browser used."""
    from starlette.responses import RedirectResponse

    async def slash(request: Request) -> RedirectResponse:
        return RedirectResponse(str(request.url.replace(path="/login/")), status_code=307)

    app = CertGate(Starlette(routes=[Route("/login", slash)]), secret=lambda: SECRET,
                   classify=lambda v, c: CertFacts("none"))
    client = TestClient(app, client=("127.0.0.1", 40000), base_url="http://127.0.0.1:8443")
    headers = {"X-Proxy-Secret": SECRET.decode(), "X-Forwarded-Proto": "https"}
    response = client.get("/login", headers=headers, follow_redirects=False)
    assert response.headers["location"] == "https://127.0.0.1:8443/login/"


def test_r_dep_4_websocket_carries_the_hash_of_the_token_it_connected_with(
    db_engine: Engine, clock: MovableClock
) -> None:
    """R-DEP-4: the gate names the token a websocket connected with (SHA-256, x-chingin-tab) so
    a fresh state after a dead worker can find that tab's session handle; a client cannot set
    the header itself (it would name someone else's tab)."""
    import hashlib

    from starlette.websockets import WebSocket

    async def ws_echo(scope: Any, receive: Any, send: Any) -> None:
        socket = WebSocket(scope, receive, send)
        await socket.accept()
        await socket.send_text(",".join(v for k, v in socket.headers.items()
                                         if k == "x-chingin-tab"))
        await socket.close()

    bindings = DatabaseTabBindings(clock=clock, max_entries=100_000, bind=db_engine)
    app = CertGate(ws_echo, secret=lambda: SECRET, classify=lambda v, c: CURRENT,
                   bindings=bindings)
    client = TestClient(app, client=("127.0.0.1", 40000))
    token = secrets.token_hex(16)
    headers = {"X-Proxy-Secret": SECRET.decode(), "X-SSL-Client-Verify": "SUCCESS",
               "X-Chingin-Tab": "0" * 64}
    with client.websocket_connect(f"/_event/?token={token}", headers=headers) as ws:
        assert ws.receive_text() == hashlib.sha256(token.encode()).hexdigest()
