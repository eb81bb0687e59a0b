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
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from chingin_app.services.cert_gate import (
    H_CLIENT_IP,
    HEADER_PREFIX,
    NONE,
    CertFacts,
)

log = logging.getLogger(__name__)

# Headers nginx sets (DESIGN §3 cert_headers.conf). Dropped from every request after reading.
SECRET_HEADER = b"x-proxy-secret"
_NGINX_HEADERS = frozenset({
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


class CertGate:
    """Pure ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, *, secret: Callable[[], bytes], classify: Classifier) -> None:
        self.app = app
        self._secret = secret
        self._classify = classify

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
        client_ip = scope.get("client", ("", 0))[0] if scope.get("client") else ""
        if trusted:
            facts = self._classify(
                _text(first.get(b"x-ssl-client-verify")), _text(first.get(b"x-ssl-client-cert"))
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
        if trusted:
            # Reflex takes the client IP from X-Forwarded-For (trusted_proxy_hops=1): keep
            # nginx's own value, never a client's.
            added.append((b"x-forwarded-for", client_ip.encode()))
        new_scope: dict[str, Any] = dict(scope)
        new_scope["headers"] = kept + added
        state = dict(scope.get("state") or {})
        state["cert_facts"] = facts
        state["via_front"] = trusted
        new_scope["state"] = state
        await self.app(new_scope, receive, send)


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None
