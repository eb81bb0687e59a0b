"""Outside service hours, page requests are refused on the server (R-ENV-1) with the
outside-hours page; the health check, static assets and the websocket stay reachable (open
screens learn about the closing at their next event). The operator console's listener is not
limited (R-ENV-1a: operator work is not bound to the hours); the certificate gate in front sets
that header only from the trusted proxy."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from chingin_app.services.cert_gate import H_LISTENER
from chingin_app.services.hours import HoursNotice

log = logging.getLogger(__name__)

_OPERATOR_LISTENER = (H_LISTENER.encode(), b"operator")
_ALWAYS_REACHABLE = ("/_event", "/assets/", "/healthz", "/crl/", "/ping", "/_health", "/favicon")


class ServiceHoursGate:
    """Answer page GETs with 503 and the closed page while the service is closed."""

    def __init__(
        self, app: ASGIApp, *, notice: Callable[[], HoursNotice], render: Callable[[str], str]
    ) -> None:
        self.app = app
        self._notice = notice
        self._render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or path.startswith(_ALWAYS_REACHABLE)
            or _OPERATOR_LISTENER in scope.get("headers", [])
        ):
            await self.app(scope, receive, send)
            return
        current = self._notice()
        if current.closed:
            response = HTMLResponse(self._render(current.closed_text), status_code=503)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
