"""R-OPS-7 at the certificate gate: which listener a request came through is trusted only from
nginx (loopback + the proxy secret); operator certificates are classified against the
operators' records only; /operator answers 404 anywhere but the operator listener."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from chingin_app.services.cert_gate import CertFacts
from chingin_app.web.gate import CertGate

SECRET = b"s3cret-for-operator-tests"


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({k: v for k, v in request.headers.items()})


def _client(peer: str = "127.0.0.1") -> TestClient:
    inner = Starlette(routes=[Route("/{path:path}", _echo)])
    app = CertGate(
        inner,
        secret=lambda: SECRET,
        classify=lambda v, c: CertFacts("current", "customer1", "aa", "c" * 64),
        classify_operator=lambda v, c: CertFacts("current", "opadmin1", "bb", "o" * 64),
    )
    return TestClient(app, client=(peer, 40000))


def _nginx(listener: str) -> dict[str, str]:
    return {"X-SSL-Client-Verify": "SUCCESS", "X-SSL-Client-Cert": "x",
            "X-SSL-Listener": listener, "X-Proxy-Secret": SECRET.decode()}


def test_r_ops_7_operator_listener_uses_the_operator_records() -> None:
    """Through nginx's operator server the facts come from the operator classifier and the app
    sees listener=operator; nginx's own listener header is stripped."""
    seen = _client().get("/operator/contracts", headers=_nginx("operator")).json()
    assert seen["x-chingin-listener"] == "operator"
    assert seen["x-chingin-cert-subject"] == "opadmin1"
    assert "x-ssl-listener" not in seen
    public = _client().get("/", headers=_nginx("public")).json()
    assert public["x-chingin-listener"] == "public"
    assert public["x-chingin-cert-subject"] == "customer1"


def test_r_ops_7_listener_cannot_be_forged() -> None:
    """Without the secret (or from a non-loopback peer) a client's X-SSL-Listener or
    x-chingin-listener is ignored: the app sees 'direct' and no certificate."""
    forged = {**_nginx("operator"), "X-Proxy-Secret": "guess", "x-chingin-listener": "operator"}
    seen = _client().get("/", headers=forged).json()
    assert seen["x-chingin-listener"] == "direct"
    assert seen["x-chingin-cert-status"] == "none"
    remote = _client("192.0.2.7").get("/", headers=_nginx("operator")).json()
    assert remote["x-chingin-listener"] == "direct"


def test_r_ops_7_operator_paths_only_on_the_operator_listener() -> None:
    """/operator/... is 404 on the public listener and for direct connections; served on the
    operator listener."""
    assert _client().get("/operator/contracts", headers=_nginx("public")).status_code == 404
    assert _client().get("/operator/contracts").status_code == 404
    assert _client().get("/operator/contracts", headers=_nginx("operator")).status_code == 200


def test_r_ops_7_operator_listener_serves_only_the_console() -> None:
    """R-OPS-7: through the operator listener only the console's pages and what the front end
    needs for them (static files, the websocket endpoint) reach the app; a customer's screen,
    a download, the CRLs or the health check answer 404 there, while the public listener still
    serves them."""
    served = ["/operator", "/operator/", "/operator/contracts", "/assets/root-ppuWlat8.js",
              "/assets/reflex-env-DZLC58yF.js", "/_event/", "/favicon.ico"]
    refused = ["/", "/login", "/login/", "/info", "/users", "/operation-log", "/dl/abc",
               "/crl/issuing.crl", "/healthz", "/_upload", "/ping", "/operatorx",
               "/assets/../login", "/404.html"]
    client = _client()
    for path in served:
        assert client.get(path, headers=_nginx("operator")).status_code == 200, path
    for path in refused:
        assert client.get(path, headers=_nginx("operator")).status_code == 404, path
        public = 403 if path == "/_upload" else 200  # R-SEC-3: an upload names a bound tab
        assert client.get(path, headers=_nginx("public")).status_code == public, path
