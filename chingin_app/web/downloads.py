"""/dl/<ticket>: files too big or too binary for a websocket message (DESIGN §1 Downloads).

The ticket names the file; the request must come with the same certificate, and the session it
was issued for must still be valid (checked again here, R-SEC-1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from chingin_app.db import session_scope
from chingin_app.domain.result import Err
from chingin_app.services import download_tickets, sessions
from chingin_app.services.cert_gate import NONE, CertFacts
from chingin_app.services.context import app_clock
from chingin_app.services.sessions import SessionInfo


@dataclass(frozen=True)
class DownloadFile:
    """What the route streams."""

    filename: str
    content: bytes
    media_type: str


Resolver = Callable[[Session, SessionInfo, str, str | None], DownloadFile | None]
#: kind → (db, session, ref, client IP) → the file, or None when this user may not have it.
RESOLVERS: dict[str, Resolver] = {}

REFUSED = "このファイルは表示できません。画面からもう一度操作してください。"


def _resolve(spec: download_tickets.TicketSpec, facts: CertFacts,
             ip: str | None) -> DownloadFile | None:
    resolver = RESOLVERS.get(spec.kind)
    if resolver is None:
        return None
    with session_scope() as db:
        checked = sessions.check(db, token=spec.session_token, facts=facts, clock=app_clock(),
                                 touch=False)
        if isinstance(checked, Err):
            return None
        return resolver(db, checked.value, spec.ref, ip)


async def download(request: Request) -> Response:
    """Stream the ticket's file, inline (表示) or as an attachment, never cached."""
    # Off the event loop: with several workers the ticket is taken from Redis (R-DEP-4).
    spec = await run_in_threadpool(download_tickets.store().redeem,
                                   request.path_params["ticket"])
    state = request.scope.get("state") or {}
    facts: CertFacts = state.get("cert_facts", NONE)
    if spec is None or not facts.usable or facts.sha256 != spec.cert_sha256:
        return PlainTextResponse(REFUSED, status_code=403)
    ip = request.headers.get("x-chingin-client-ip")
    found = await run_in_threadpool(_resolve, spec, facts, ip)
    if found is None:
        return PlainTextResponse(REFUSED, status_code=403)
    disposition = "inline" if spec.inline else "attachment"
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.filename)}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
