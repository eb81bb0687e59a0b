"""The certificate gate (R-CERT-10): ASGI middleware between nginx and Reflex.

nginx's certificate headers are trusted only when the request comes from a loopback peer AND
carries the per-install shared secret. Either way the secret, the raw certificate and nginx's
own certificate headers are removed before Reflex sees the request (Reflex sends the upgrade
request's headers to the browser), and the classified facts are added under `x-chingin-*`.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from chingin_app.services.cert_gate import (
    H_CLIENT_IP,
    H_LISTENER,
    HEADER_PREFIX,
    LISTENERS,
    NONE,
    CertFacts,
)

log = logging.getLogger(__name__)

# Headers nginx sets (DESIGN §3 cert_headers.conf). Dropped from every request after reading.
SECRET_HEADER = b"x-proxy-secret"
# Which server block of nginx forwarded the request ("public" / "operator", R-OPS-7). nginx sets
# it in every location of both servers, replacing anything a client sent.
LISTENER_HEADER = b"x-ssl-listener"
_NGINX_HEADERS = frozenset({
    LISTENER_HEADER,
    b"x-ssl-client-verify",
    b"x-ssl-client-cert",
    b"x-ssl-client-serial",
    SECRET_HEADER,
    b"x-forwarded-for",
    b"x-real-ip",
})

Classifier = Callable[[str | None, str | None], CertFacts]


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 (where nginx connects from)."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TokenBinding:
    """Binds a Reflex client token to the certificate it was first used with.

    Reflex hands a tab's whole state to whoever connects with its token, before any handler
    runs; so a token used with one certificate is refused with any other (or with none). A
    token first used without a certificate (registration pages) binds to the first one it
    meets. In process memory: with several workers this moves to Redis."""

    NONE = "-"

    def __init__(self, *, ttl_seconds: float = 13 * 3600, max_entries: int = 100_000) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._bound: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, token: str, fingerprint: str | None) -> bool:
        """Whether `token` may connect with this certificate (None: no usable certificate)."""
        presented = fingerprint or self.NONE
        now = time.monotonic()
        with self._lock:
            bound = self._bound.get(token)
            if bound is not None and now - bound[1] < self._ttl:
                if bound[0] not in (presented, self.NONE):
                    return False
                if presented == self.NONE:
                    presented = bound[0]
            self._bound[token] = (presented, now)
            self._bound.move_to_end(token)
            while len(self._bound) > self._max:
                self._bound.popitem(last=False)
            return True


class CertGate:
    """Pure ASGI middleware; see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secret: Callable[[], bytes],
        classify: Classifier,
        bindings: TokenBinding | None = None,
        classify_operator: Classifier | None = None,
    ) -> None:
        self.app = app
        self._secret = secret
        self._classify = classify
        # Operator certificates are looked up in the operators' records only, customer ones in
        # the customers' (R-OPS-7: they never cross).
        self._classify_operator = classify_operator or classify_operator_cert
        self._bindings = bindings or TokenBinding()

    def _trusted(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        client = scope.get("client")
        if not client or not is_loopback(client[0]):
            return False
        sent = headers.get(SECRET_HEADER)
        expected = self._secret()
        return bool(sent) and bool(expected) and hmac.compare_digest(sent or b"", expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        first: dict[bytes, bytes] = {}
        for name, value in raw:
            first.setdefault(name.lower(), value)
        trusted = self._trusted(scope, first)
        facts = NONE
        listener = "direct"
        client_ip = scope.get("client", ("", 0))[0] if scope.get("client") else ""
        if trusted:
            said = _text(first.get(LISTENER_HEADER)) or "public"
            listener = said if said in LISTENERS else "public"
            classify = self._classify if listener == "public" else self._classify_operator
            if classify is not None:
                facts = classify(
                    _text(first.get(b"x-ssl-client-verify")),
                    _text(first.get(b"x-ssl-client-cert")),
                )
            client_ip = _text(first.get(b"x-forwarded-for")) or client_ip
        elif any(name in first for name in _NGINX_HEADERS if name != b"x-forwarded-for"):
            log.warning("certificate headers from an untrusted peer ignored (peer %s)", client_ip)
        kept = [
            (name, value)
            for name, value in raw
            if name.lower() not in _NGINX_HEADERS
            and not name.lower().startswith(HEADER_PREFIX.encode())
        ]
        added = [(k.encode(), v.encode()) for k, v in facts.to_headers()]
        added.append((H_CLIENT_IP.encode(), client_ip.encode()))
        added.append((H_LISTENER.encode(), listener.encode()))
        if trusted:
            # Reflex takes the client IP from X-Forwarded-For (trusted_proxy_hops=1): keep
            # nginx's own value, never a client's.
            added.append((b"x-forwarded-for", client_ip.encode()))
        path = scope.get("path", "")
        if scope["type"] == "http" and (
            (listener != "operator" and _is_operator_path(path))
            or (listener == "operator" and not _operator_listener_serves(path))
        ):
            # The console exists only on the internal listener, and that listener serves only
            # the console (R-OPS-7); nginx answers 404 itself on both, this covers any other way.
            await _not_found(send)
            return
        if scope["type"] == "websocket" and not self._token_allowed(scope, facts):
            log.warning("websocket refused: client token used with another certificate")
            await send({"type": "websocket.close", "code": 4403})
            return
        new_scope: dict[str, Any] = dict(scope)
        new_scope["headers"] = kept + added
        if trusted and first.get(b"x-forwarded-proto") == b"https":
            # Redirects the app builds (e.g. a trailing slash) must point at the https origin.
            new_scope["scheme"] = "wss" if scope["type"] == "websocket" else "https"
        state = dict(scope.get("state") or {})
        state["cert_facts"] = facts
        state["via_front"] = trusted
        state["listener"] = listener
        new_scope["state"] = state
        await self.app(new_scope, receive, send)


    def _token_allowed(self, scope: Scope, facts: CertFacts) -> bool:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        tokens = query.get("token") or [""]
        if not tokens[0]:
            return True  # Reflex itself refuses a connection without a token
        return self._bindings.allow(tokens[0], facts.sha256 if facts.sha256 else None)


def _is_operator_path(path: str) -> bool:
    return path == "/operator" or path.startswith("/operator/")


#: What the operator listener serves besides the console's pages: the front end's static files
#: and the websocket (deploy/nginx/operator.conf.template lists the same).
_OPERATOR_LISTENER_PREFIXES = ("/assets/", "/_event/")
_OPERATOR_LISTENER_PATHS = frozenset({"/_event", "/favicon.ico"})


def _operator_listener_serves(path: str) -> bool:
    """Whether a request through the operator listener may reach the app (R-OPS-7): the
    console's pages and what Reflex needs for them; never a customer's screen or download."""
    if ".." in path.split("/"):
        return False  # nginx would have resolved it; nobody else may climb out of /assets/
    return (
        _is_operator_path(path)
        or path in _OPERATOR_LISTENER_PATHS
        or path.startswith(_OPERATOR_LISTENER_PREFIXES)
    )


async def _not_found(send: Send) -> None:
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": b"Not Found"})


def classify_operator_cert(verify: str | None, escaped_cert: str | None) -> CertFacts:
    """Classify a certificate that came through the operator listener against the operators'
    records (``services.operators.accounts``), never the customers' (R-OPS-7)."""
    from chingin_app.db import session_scope
    from chingin_app.services import cert_gate
    from chingin_app.services.context import app_clock
    from chingin_app.services.operators import accounts

    def lookup(sha256: str) -> cert_gate.StoredCert | None:
        with session_scope(read_only=True) as db:
            return accounts.lookup_certificate(db, sha256)

    return cert_gate.classify(verify, escaped_cert, lookup=lookup, now=app_clock().now())


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None
