"""The certificate gate (R-CERT-10, R-SEC-3): ASGI middleware between nginx and Reflex.

nginx's certificate headers are trusted only when the request comes from a loopback peer AND
carries the per-install shared secret. Either way the secret, the raw certificate and nginx's
own certificate headers are removed before Reflex sees the request (Reflex sends the upgrade
request's headers to the browser), and the classified facts are added under `x-chingin-*`.

Every request that acts on a Reflex tab — the websocket and the upload endpoint — must come
with the certificate the tab's client token is bound to (``services.tab_bindings``); the gate
refuses it before Reflex sees it (R-SEC-3).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chingin_app.services import tab_bindings
from chingin_app.services.cert_gate import (
    H_CLIENT_IP,
    H_LISTENER,
    H_TAB,
    HEADER_PREFIX,
    LISTENERS,
    NONE,
    CertFacts,
)
from chingin_app.services.session_handles import tab_key
from chingin_app.services.tab_bindings import TabBindings, binding_certificate

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

#: Reflex's upload endpoint (``reflex.constants.Endpoint.UPLOAD``; a unit test keeps them
#: equal) and the header its requests name their tab with.
UPLOAD_PATH = "/_upload"
UPLOAD_TOKEN_HEADER = b"reflex-client-token"


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 (where nginx connects from)."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CertGate:
    """Pure ASGI middleware; see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secret: Callable[[], bytes],
        classify: Classifier,
        bindings: TabBindings | None = None,
        classify_operator: Classifier | None = None,
    ) -> None:
        self.app = app
        self._secret = secret
        self._classify = classify
        # Operator certificates are looked up in the operators' records only, customer ones in
        # the customers' (R-OPS-7: they never cross).
        self._classify_operator = classify_operator or classify_operator_cert
        # None: the process's store (the database), looked up at the first websocket or upload.
        self._given_bindings = bindings

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
            await _plain_response(send, 404, b"Not Found")
            return
        cert = binding_certificate(facts)
        if scope["type"] == "http" and _is_upload_path(path) and not await self._upload_allowed(
            raw, cert
        ):
            # R-SEC-3: the upload's handler would act with the facts cached from the tab's
            # websocket, whoever sent the upload; so only the tab's own certificate may.
            log.warning("upload refused: not the certificate its tab is bound to, or none")
            await _plain_response(send, 403, b"Forbidden")
            return
        if scope["type"] == "websocket":
            if not await self._websocket_allowed(scope, cert):
                log.warning("websocket refused: client token used with another certificate")
                await send({"type": "websocket.close", "code": 4403})
                return
            if cert is not None:
                send = self._binding_handed_out_tokens(send, cert)
            if (token := _websocket_token(scope)) is not None:
                tab = tab_key(token)
                added.append((H_TAB.encode(), tab.encode()))
                # Which worker holds which tab (R-DEP-4: after a worker dies, its tabs
                # reconnect elsewhere): the worker's port and the start of the tab's key.
                server = scope.get("server") or ("", 0)
                log.info("websocket opened on worker port %s for tab %s", server[1], tab[:12])
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


    @property
    def _bindings(self) -> TabBindings:
        return self._given_bindings or tab_bindings.store()

    async def _websocket_allowed(self, scope: Scope, cert: str | None) -> bool:
        token = _websocket_token(scope)
        if token is None:
            return True  # Reflex itself refuses a connection without a token
        # The store may wait for a database lock: never on the event loop.
        return await asyncio.to_thread(self._bindings.admit_websocket, token, cert)

    async def _upload_allowed(self, raw: list[tuple[bytes, bytes]], cert: str | None) -> bool:
        tokens = [value for name, value in raw if name.lower() == UPLOAD_TOKEN_HEADER]
        if cert is None or len(tokens) != 1 or not tokens[0]:
            return False  # no certificate, or no single tab named: nothing it may act on
        return await asyncio.to_thread(
            self._bindings.admit_upload, tokens[0].decode("latin-1"), cert
        )

    def _binding_handed_out_tokens(self, send: Send, cert: str) -> Send:
        """``send`` for a websocket admitted with ``cert``, binding any token Reflex hands the
        tab in place of its own (a duplicated browser tab gets a fresh one) to ``cert`` before
        the tab learns it: the tab's uploads name that token from then on."""

        async def watched(message: Message) -> None:
            if message["type"] == "websocket.send":
                fresh = _handed_out_token(message.get("text"))
                if fresh is not None and not await asyncio.to_thread(
                    self._bindings.admit_websocket, fresh, cert
                ):
                    log.warning("a token Reflex handed out was not bound: binding store full")
            await send(message)

        return watched


def _websocket_token(scope: Scope) -> str | None:
    """The client token a websocket connects with; None without one. Reflex reads it the same
    way (parse_qs, first value)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    tokens = query.get("token") or [""]
    return tokens[0] or None


def _is_upload_path(path: str) -> bool:
    """Reflex's upload endpoint and the upload directory it mounts under the same path."""
    return path == UPLOAD_PATH or path.startswith(UPLOAD_PATH + "/")


#: How Reflex's ``new_token`` event starts inside a socket.io text frame
#: (``42/_event,["new_token","<token>"]``, reflex/app.py ``link_token_to_sid``).
_NEW_TOKEN_FRAME = '["new_token",'  # noqa: S105 (an event name, not a secret)


def _handed_out_token(text: object) -> str | None:
    """The token of a ``new_token`` event frame; None for any other frame (checked by prefix
    first: every delta the tab receives passes here)."""
    if not isinstance(text, str) or not text.startswith("42"):
        return None
    start = text.find("[")
    if start < 0 or not text.startswith(_NEW_TOKEN_FRAME, start):
        return None
    try:
        payload = json.loads(text[start:])
    except ValueError:
        return None
    if len(payload) == 2 and isinstance(payload[1], str) and payload[1]:
        return payload[1]
    return None


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


async def _plain_response(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": body})


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
