"""/healthz for monitoring (SPEC R-DEP-8): 200 with the report when every check passes, 503
with it when one fails. nginx serves it only on the plain-HTTP loopback listener
(``CHINGIN_HEALTH_LISTEN``); the public and the operator listeners answer 404."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from chingin_app.services import health
from chingin_app.services.context import app_clock
from chingin_app.settings import settings


def _report() -> health.HealthReport:
    return health.check(settings(), now=datetime.now(UTC), app_now=app_clock().now())


async def healthz(request: Request) -> JSONResponse:
    """The report as JSON; the checks block (database, Redis), so they run off the loop."""
    report = await run_in_threadpool(_report)
    return JSONResponse(
        report.as_json(),
        status_code=200 if report.ok else 503,
        headers={"Cache-Control": "no-store"},
    )
