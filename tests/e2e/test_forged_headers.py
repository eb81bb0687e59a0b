"""R-CERT-10 end to end: only nginx can say which certificate a browser presented.

Through nginx, a current client certificate names its user on the top page (TopState.load).
Straight to the backend on 127.0.0.1, the same certificate forged into nginx's headers counts
for nothing unless the per-install proxy secret comes with it; a page of another origin cannot
open the websocket at all (R-SEC-1). No frame the server sends carries the proxy secret or a
raw certificate (Reflex sends the upgrade request's headers to the browser).

The websocket is driven without a browser (tests/support/reflex_client.py); each test runs its
asyncio code on a fresh loop in a worker thread, away from Playwright's loop.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
import socketio

import pki
from chingin_app.db import make_engine, session_scope
from chingin_app.services.certs.certificates import record_issued
from chingin_app.services.certs.crl import crl_url
from chingin_app.settings import settings
from chingin_app.state.top import TopState
from tests import factories
from tests.e2e.conftest import Service, in_hours
from tests.support.reflex_client import (
    FIELD_MARKER,
    ROOT_STATE,
    Delta,
    ReflexClient,
    event_name,
    merge_deltas,
    var,
)

T = TypeVar("T")
LOAD = event_name(TopState, "load")
FORGED_IP = "203.0.113.9"


def run(coro: Coroutine[Any, Any, T], timeout: float = 180.0) -> T:
    """Run `coro` on its own event loop in a worker thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=timeout)


@dataclass(frozen=True)
class Holder:
    """A user with a current certificate, and the files a TLS client needs."""

    user_id: str
    cert_pem: str
    serial_hex: str
    cert_file: Path
    key_file: Path


@pytest.fixture(scope="module")
def holder(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Holder]:
    """A contract, a user and a certificate issued by the service's own CA and recorded."""
    s = settings()
    passphrase = Path(os.environ["CHINGIN_CA_PASSPHRASE_FILE"]).read_bytes().strip()
    ca = pki.load_hierarchy(service.data_dir / "pki", passphrase=passphrase)
    # nginx checks validity in real time; the service's moved clock lies inside it as well.
    now = datetime.now(UTC)
    engine = make_engine(s.database_url)
    try:
        with session_scope(bind=engine) as db:
            contract = factories.make_contract(db)
            user = factories.make_user(db, contract)
            assert user.id is not None
            issued = pki.issue_client_cert(ca.issuing, user_id=user.user_id, now=now,
                                           crl_url=crl_url(s))
            record_issued(
                db, user_pk=user.id, serial_hex=format(issued.cert.serial_number, "x"),
                sha256_hex=pki.sha256_fingerprint(issued.cert),
                not_before=issued.cert.not_valid_before_utc,
                not_after=issued.cert.not_valid_after_utc, issued_at=now,
            )
            db.commit()
            user_id = user.user_id
    finally:
        engine.dispose()
    directory = tmp_path_factory.mktemp("holder")
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(issued.cert_pem())
    key_file.write_bytes(issued.key_pem())
    key_file.chmod(0o600)
    yield Holder(
        user_id=user_id, cert_pem=issued.cert_pem().decode("ascii"),
        serial_hex=format(issued.cert.serial_number, "X"), cert_file=cert_file,
        key_file=key_file,
    )


@pytest.fixture(autouse=True)
def _open_hours(service: Service) -> None:
    in_hours(service)


def tls_context(service: Service, holder: Holder | None = None) -> ssl.SSLContext:
    """Trust the demo TLS CA; present the holder's certificate when given."""
    ctx = ssl.create_default_context(cafile=str(service.tls_ca))
    if holder is not None:
        ctx.load_cert_chain(str(holder.cert_file), str(holder.key_file))
    return ctx


def assert_no_leak(service: Service, client: ReflexClient, *extra_secrets: str) -> None:
    """Nothing the server sent holds the proxy secret or a certificate, raw or escaped."""
    secret = (service.data_dir / "proxy-secret").read_text(encoding="ascii").strip()
    assert len(secret) >= 32
    assert client.frames, "no frames recorded"
    for frame in client.frames:
        for needle in (secret, *extra_secrets, "BEGIN CERTIFICATE", "BEGIN%20CERTIFICATE",
                       "x-ssl-client", "x-proxy-secret"):
            assert needle.lower() not in frame.lower(), f"a frame carries {needle[:12]!r}…"


def raw_headers(hydration: Delta) -> dict[str, str]:
    """The upgrade request's headers as Reflex sent them to the client."""
    headers = hydration[ROOT_STATE]["rx_router_headers" + FIELD_MARKER]
    return dict(headers["raw_headers"])


async def _load_twice(client: ReflexClient) -> tuple[Delta, Delta]:
    """Connect (hydration runs the page's on_load, TopState.load), then call TopState.load.

    Returns the hydration and the state after the call as the browser holds it (hydration +
    the call's delta: Reflex 0.10.1 re-sends a var the handler assigned even when its value is
    unchanged, but a var left out of the delta keeps its value in the browser all the same)."""
    try:
        hydration = await client.connect()
        delta = await client.call(LOAD)
        return hydration, merge_deltas([hydration, delta])
    finally:
        await client.close()


# -- (a) the real thing, through nginx ---------------------------------------------------------


def test_r_cert_10_current_certificate_through_nginx_names_its_user(
    service: Service, holder: Holder,
) -> None:
    client = ReflexClient(service.base_url, ssl_context=tls_context(service, holder))
    hydration, after = run(_load_twice(client))
    assert var(hydration, "cert_user", state=TopState) == holder.user_id
    assert var(after, "cert_user", state=TopState) == holder.user_id
    assert raw_headers(hydration)["x-chingin-cert-status"] == "current"
    assert_no_leak(service, client)


def test_r_cert_10_no_certificate_through_nginx_names_nobody(service: Service) -> None:
    client = ReflexClient(service.base_url, ssl_context=tls_context(service))
    hydration, after = run(_load_twice(client))
    assert var(hydration, "cert_user", state=TopState) == ""
    assert var(after, "cert_user", state=TopState) == ""
    assert_no_leak(service, client)


# -- (b) forged nginx headers, straight to the backend ----------------------------------------


def forged_headers(holder: Holder, secret: str | None) -> dict[str, str]:
    """What nginx would send for the holder's certificate ($ssl_client_escaped_cert)."""
    headers = {
        "X-SSL-Client-Verify": "SUCCESS",
        "X-SSL-Client-Cert": quote(holder.cert_pem, safe="+/="),
        "X-SSL-Client-Serial": holder.serial_hex,
        "X-Forwarded-For": FORGED_IP,
    }
    if secret is not None:
        headers["X-Proxy-Secret"] = secret
    return headers


@pytest.mark.parametrize(
    "secret", [None, "", "0" * 64, "wrong-secret"], ids=["no-secret", "empty", "zeros", "wrong"],
)
def test_r_cert_10_forged_headers_without_the_secret_count_for_nothing(
    service: Service, holder: Holder, secret: str | None,
) -> None:
    client = ReflexClient(
        f"http://127.0.0.1:{service.app_port}", origin=service.base_url,
        headers=forged_headers(holder, secret),
    )
    hydration, after = run(_load_twice(client))
    assert var(hydration, "cert_user", state=TopState) == ""
    assert var(after, "cert_user", state=TopState) == ""
    headers = raw_headers(hydration)
    assert headers["x-chingin-cert-status"] == "none"
    assert "x-chingin-cert-subject" not in headers
    session = hydration[ROOT_STATE]["rx_router_session" + FIELD_MARKER]
    assert session["client_ip"] != FORGED_IP
    assert_no_leak(service, client, *([secret] if secret else []))


def test_r_cert_10_control_the_same_headers_with_the_secret_are_trusted(
    service: Service, holder: Holder,
) -> None:
    """Control for the test above: the forged headers are well formed, so the secret alone is
    what made them count for nothing (loopback + secret is exactly what nginx has)."""
    secret = (service.data_dir / "proxy-secret").read_text(encoding="ascii").strip()
    client = ReflexClient(
        f"http://127.0.0.1:{service.app_port}", origin=service.base_url,
        headers=forged_headers(holder, secret),
    )
    hydration, after = run(_load_twice(client))
    assert var(after, "cert_user", state=TopState) == holder.user_id
    assert raw_headers(hydration)["x-chingin-cert-status"] == "current"
    assert_no_leak(service, client)


# -- (c) another site's page cannot open the websocket ---------------------------------------


async def _connect_refused(client: ReflexClient) -> BaseException | None:
    try:
        await client.connect()
    except socketio.exceptions.ConnectionError as exc:
        return exc
    finally:
        await client.close()
    return None


@pytest.mark.parametrize("origin", ["https://evil.example", "https://127.0.0.1:1", "null"])
def test_r_sec_1_other_origin_is_refused_at_connect(service: Service, origin: str) -> None:
    through_nginx = ReflexClient(service.base_url, ssl_context=tls_context(service),
                                 origin=origin, timeout=15)
    direct = ReflexClient(f"http://127.0.0.1:{service.app_port}", origin=origin, timeout=15)
    for client in (through_nginx, direct):
        error = run(_connect_refused(client))
        assert error is not None, f"{client.base_url} accepted Origin {origin}"
        assert not client.updates, "the server sent state before refusing"
