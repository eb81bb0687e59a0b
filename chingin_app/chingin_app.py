"""The Reflex app: pages, plus the ASGI pieces in front of Reflex (certificate gate, service-hours
gate, health check)."""

from __future__ import annotations

from functools import lru_cache

import reflex as rx
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from chingin_app import routes
from chingin_app.db import session_scope
from chingin_app.pages.top import top_page
from chingin_app.services import cert_gate, certificates, hours
from chingin_app.services.context import app_clock
from chingin_app.settings import settings
from chingin_app.state.top import TopState
from chingin_app.web.crl import crl_file
from chingin_app.web.gate import CertGate
from chingin_app.web.health import healthz
from chingin_app.web.hours_gate import ServiceHoursGate
from chingin_app.web.static_pages import closed_page


@lru_cache(maxsize=1)
def _proxy_secret() -> bytes:
    try:
        return settings().proxy_secret_file.read_bytes().strip()
    except FileNotFoundError:
        return b""  # no secret: nothing is trusted


def _lookup(sha256: str) -> cert_gate.StoredCert | None:
    with session_scope(read_only=True) as db:
        found = certificates.lookup(db, sha256)
    if found is None:
        return None
    return cert_gate.StoredCert(status=found.status, not_after=found.not_after)  # type: ignore[arg-type]


def _classify(verify: str | None, escaped_cert: str | None) -> cert_gate.CertFacts:
    return cert_gate.classify(verify, escaped_cert, lookup=_lookup, now=app_clock().now())


def _gates(app: ASGIApp) -> ASGIApp:
    hours_gate = ServiceHoursGate(
        app,
        notice=lambda: hours.notice(hours.current_status(app_clock())),
        render=lambda text: closed_page(settings(), text),
    )
    return CertGate(hours_gate, secret=_proxy_secret, classify=_classify)


app = rx.App(
    html_lang="ja",
    api_transformer=[
        Starlette(routes=[Route("/healthz", healthz), Route("/crl/{name}", crl_file)]),
        _gates,
    ],
)
app.add_page(top_page, route=routes.TOP, title="賃金控除事務支援サービス", on_load=TopState.load)
