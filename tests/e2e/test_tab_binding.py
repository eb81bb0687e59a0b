"""R-SEC-3 through nginx: "Every request that acts on a Reflex tab — the websocket and the HTTP
upload endpoint (`/_upload`, which carries the tab token in a header) alike — must come with
the certificate that tab is bound to; a request with another certificate, or none, is refused
(403) before any handler runs."

A tab of the 給与控除データ照合 screen is open with the victim's certificate (its websocket
binds the token); uploads to its ``reconcile`` handler are then sent as the front end sends
them, with the attacker's certificate, with none, and with the victim's own.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.error
import urllib.request
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from chingin_app.state.rokin.reconciliation import RokinReconciliationState
from tests.e2e.conftest import Service, client_tls, in_hours, issue_certificate
from tests.support.reflex_client import ReflexClient, event_name

PAGE = "/rokin/reconciliation"
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _open_hours(service: Service) -> None:
    in_hours(service)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on a loop of its own in a worker thread, away from Playwright's."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=120)


def _upload(service: Service, token: str, tls: ssl.SSLContext) -> int:
    """POST one CSV to /_upload for ``token``'s tab, as the front end does; the status."""
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="files"; filename="pay.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        "職員番号,金額\r\n1,100\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(
        service.base_url + "/_upload", data=body, method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": service.base_url,
            "reflex-client-token": token,
            "reflex-event-handler": event_name(RokinReconciliationState, "reconcile"),
        },
    )
    try:
        with urllib.request.urlopen(request, context=tls, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_r_sec_3_upload_needs_the_certificate_of_its_tab(service: Service, tmp_path: Path) -> None:
    """Another user's certificate and no certificate get 403 from the gate; the tab's own
    certificate reaches Reflex, which accepts the upload for the handler (202)."""
    victim = issue_certificate(service, tmp_path)
    attacker = issue_certificate(service, tmp_path)

    async def scenario() -> list[int]:
        tab = ReflexClient(service.base_url, ssl_context=client_tls(service, victim, tmp_path))
        await tab.connect(path=PAGE)
        try:
            return [
                await asyncio.to_thread(_upload, service, tab.token, tls)
                for tls in (client_tls(service, attacker, tmp_path),
                            client_tls(service, None, tmp_path),
                            client_tls(service, victim, tmp_path))
            ]
        finally:
            await tab.close()

    assert run(scenario()) == [403, 403, 202]


def test_r_sec_3_duplicated_tab_uploads_under_the_token_reflex_gave_it(
    service: Service, tmp_path: Path
) -> None:
    """A duplicated browser tab opens its websocket with the original's token; Reflex hands it
    a fresh one, which its uploads then carry. That token is bound to the tab's certificate:
    the tab's own uploads pass, another certificate's are refused."""
    victim = issue_certificate(service, tmp_path)
    attacker = issue_certificate(service, tmp_path)

    async def scenario() -> tuple[str, str, list[int]]:
        tls = client_tls(service, victim, tmp_path)
        original = ReflexClient(service.base_url, ssl_context=tls)
        await original.connect(path=PAGE)
        twin = ReflexClient(service.base_url, ssl_context=tls, token=original.token)
        try:
            await twin.connect(path=PAGE)
            fresh = next(str(args[0]) for name, args in twin.other_events if name == "new_token")
            statuses = [
                await asyncio.to_thread(_upload, service, fresh, context)
                for context in (client_tls(service, attacker, tmp_path), tls)
            ]
        finally:
            await twin.close()
            await original.close()
        return original.token, fresh, statuses

    token, fresh, statuses = run(scenario())
    assert fresh != token
    assert statuses == [403, 202]
