"""The request id in every log record (SPEC R-DEP-8): one per HTTP request and websocket
connection (nginx's ``$request_id`` when it sent one, ``X-Request-Id``), and a fresh one per
Reflex event, whose handler runs in a task of Reflex's event processor, not in the request's.
The user ID joins once ``services.sessions`` has checked the session (``logs.bind_user``)."""

from __future__ import annotations

from reflex.event import Event
from reflex.middleware import Middleware
from reflex.state import BaseState, StateUpdate
from starlette.types import ASGIApp, Receive, Scope, Send

from chingin_app.logs import bind_request

__all__ = ["EventLogContext", "RequestLogContext"]

_HEADER = b"x-request-id"


class RequestLogContext:
    """ASGI middleware: bind the request id before anything below logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            sent = dict(scope.get("headers") or ()).get(_HEADER)
            bind_request(sent.decode("latin-1") if sent else None)
        await self.app(scope, receive, send)


class EventLogContext(Middleware):
    """Reflex middleware: each event is a request of its own in the log."""

    async def preprocess(self, app: object, state: BaseState, event: Event) -> StateUpdate | None:
        bind_request()
        return None
