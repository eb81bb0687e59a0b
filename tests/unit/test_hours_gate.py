"""R-ENV-1 / R-ENV-1a: outside the hours page requests get the closed page (503), except the
always-reachable paths and the operator console's listener (operator work is not limited)."""

from __future__ import annotations

import asyncio
from typing import Any

from chingin_app.services.hours import HoursNotice
from chingin_app.web.hours_gate import ServiceHoursGate

CLOSED = HoursNotice(closed=True, closed_text="ただいまの時間はご利用いただけません。",
                     warning_text="", demo_text="")


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"app"})


def _status(path: str, headers: list[tuple[bytes, bytes]]) -> int:
    gate = ServiceHoursGate(_app, notice=lambda: CLOSED, render=lambda text: text)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": path, "headers": headers, "method": "GET"}
    asyncio.run(gate(scope, receive, send))
    return int(sent[0]["status"])


def test_r_env_1a_closed_pages_but_not_the_operator_listener() -> None:
    assert _status("/login", []) == 503
    assert _status("/login", [(b"x-chingin-listener", b"public")]) == 503
    assert _status("/healthz", []) == 200
    assert _status("/operator", [(b"x-chingin-listener", b"operator")]) == 200
