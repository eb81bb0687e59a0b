"""R-SEC-3: "Every request that acts on a Reflex tab — the websocket and the HTTP upload endpoint
(`/_upload`, which carries the tab token in a header) alike — must come with the certificate
that tab is bound to; a request with another certificate, or none, is refused (403) before any
handler runs, and an upload never creates a binding. The binding survives an app restart and is
shared by every worker (R-DEP-4); when its store is full, new tokens are refused, old bindings
are never evicted."

Through the certificate gate (ASGI, as nginx forwards) in front of a stand-in for Reflex's
upload endpoint and websocket, with the bindings in the test database.
"""

from __future__ import annotations

import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from chingin_app.db import make_engine, session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.models import TabBinding
from chingin_app.services.cert_gate import CertFacts
from chingin_app.services.tab_bindings import DatabaseTabBindings, TabBindings
from chingin_app.web.gate import CertGate

SECRET = b"s3cret-for-binding-tests"
HANDLER = "reflex___state____state.rokin_reconciliation_state.reconcile"


class Tab:
    """The gate in front of a stand-in Reflex: ``/_upload`` records which certificate its
    handler would have acted for, ``/_event`` accepts and may hand out a fresh token."""

    def __init__(self, bindings: TabBindings) -> None:
        self.handled: list[str] = []
        self.hand_out: str | None = None

        async def upload(request: Request) -> Response:
            self.handled.append(request.headers.get("x-chingin-cert-subject", ""))
            return Response(status_code=202)

        async def event(socket: WebSocket) -> None:
            await socket.accept()
            if self.hand_out is not None:  # what Reflex sends a duplicated tab
                await socket.send_text(f'42/_event,["new_token","{self.hand_out}"]')
            await socket.send_text('42/_event,["event",{"delta":{}}]')
            await socket.close()

        def classify(verify: str | None, cert: str | None) -> CertFacts:
            if not cert:
                return CertFacts("none")
            status = "foreign" if cert.startswith("self-made") else "current"
            return CertFacts(status, cert, "1", cert)  # type: ignore[arg-type]

        app = Starlette(routes=[Route("/_upload", upload, methods=["POST"]),
                                WebSocketRoute("/_event/", event)])
        gate = CertGate(app, secret=lambda: SECRET, classify=classify, bindings=bindings)
        self.client = TestClient(gate, client=("127.0.0.1", 40000))

    @staticmethod
    def _nginx(cert: str | None) -> dict[str, str]:
        headers = {"X-Proxy-Secret": SECRET.decode()}
        if cert:
            headers |= {"X-SSL-Client-Verify": "SUCCESS", "X-SSL-Client-Cert": cert}
        return headers

    def connect(self, token: str, cert: str | None) -> bool:
        """Open the tab's websocket; False when the gate refused it."""
        try:
            with self.client.websocket_connect(f"/_event/?token={token}",
                                               headers=self._nginx(cert)) as ws:
                ws.receive_text()
        except WebSocketDisconnect as refused:
            assert refused.code == 4403
            return False
        return True

    def upload(self, token: str | None, cert: str | None) -> int:
        """POST a file to /_upload naming ``token``'s tab; the status code."""
        headers = self._nginx(cert) | {"reflex-event-handler": HANDLER}
        if token is not None:
            headers["reflex-client-token"] = token
        response = self.client.post("/_upload", headers=headers,
                                    files={"files": ("pay.csv", b"1,2,3\r\n", "text/csv")})
        return response.status_code


@pytest.fixture
def bindings(db_engine: Engine, clock: MovableClock) -> DatabaseTabBindings:
    return DatabaseTabBindings(clock=clock, max_entries=100_000, bind=db_engine)


def _token() -> str:
    return secrets.token_hex(16)


def test_r_sec_3_upload_with_another_tabs_token_is_refused_before_the_handler(
    bindings: DatabaseTabBindings,
) -> None:
    """Mallory names Alice's tab in an upload with his own certificate: 403, and the handler
    never runs with Alice's cached certificate facts."""
    tab = Tab(bindings)
    alice_tab = _token()
    assert tab.connect(alice_tab, "alice")
    assert tab.upload(alice_tab, "mallory") == 403
    assert tab.handled == []


def test_r_sec_3_upload_without_a_certificate_is_refused(bindings: DatabaseTabBindings) -> None:
    tab = Tab(bindings)
    alice_tab = _token()
    assert tab.connect(alice_tab, "alice")
    assert tab.upload(alice_tab, None) == 403
    assert tab.upload(alice_tab, "self-made-alice") == 403  # a foreign certificate is none
    assert tab.upload(None, "alice") == 403  # no tab named at all
    assert tab.handled == []


def test_r_sec_3_upload_with_the_tabs_own_certificate_reaches_the_handler(
    bindings: DatabaseTabBindings,
) -> None:
    tab = Tab(bindings)
    alice_tab = _token()
    assert tab.connect(alice_tab, "alice")
    assert tab.upload(alice_tab, "alice") == 202
    assert tab.handled == ["alice"]


def test_r_sec_3_an_upload_never_creates_a_binding(bindings: DatabaseTabBindings) -> None:
    """An upload for a token no websocket has bound is refused and binds nothing: the token
    is still free for the first websocket, with whatever certificate."""
    tab = Tab(bindings)
    fresh = _token()
    assert tab.upload(fresh, "mallory") == 403
    assert tab.upload(fresh, "mallory") == 403
    assert tab.connect(fresh, "alice")
    assert tab.upload(fresh, "alice") == 202
    assert tab.handled == ["alice"]


def test_r_sec_3_websocket_keeps_its_certificate(bindings: DatabaseTabBindings) -> None:
    """A token first used without a certificate (registration pages) binds to the first one
    it meets; from then on another certificate, none, or a self-made one is refused."""
    tab = Tab(bindings)
    token = _token()
    assert tab.connect(token, None)
    assert tab.connect(token, "alice")
    assert tab.connect(token, "alice")
    assert not tab.connect(token, "mallory")
    assert not tab.connect(token, None)
    assert not tab.connect(token, "self-made-alice")
    other = _token()
    assert tab.connect(other, "self-made-1")  # counts as none: passes, binds nothing
    assert tab.connect(other, "mallory")


def test_r_sec_3_a_token_reflex_hands_out_is_bound_to_the_tabs_certificate(
    bindings: DatabaseTabBindings,
) -> None:
    """A duplicated browser tab gets a fresh token from Reflex; its uploads name that token,
    so it is bound to the certificate the websocket came with before the tab learns it."""
    tab = Tab(bindings)
    fresh = _token()
    tab.hand_out = fresh
    assert tab.connect(_token(), "alice")
    assert tab.upload(fresh, "alice") == 202
    assert tab.upload(fresh, "mallory") == 403
    assert not tab.connect(fresh, "mallory")


def test_r_sec_3_r_dep_4_binding_survives_a_restart(db_url: str, clock: MovableClock) -> None:
    """A binding made by one app process holds in the next one (a new engine, store and gate
    on the same database), which is also what another worker or VM sees."""
    first = make_engine(db_url)
    token = _token()
    try:
        assert Tab(DatabaseTabBindings(clock=clock, max_entries=10_000, bind=first)).connect(
            token, "alice")
    finally:
        first.dispose()
    restarted = make_engine(db_url)
    try:
        tab = Tab(DatabaseTabBindings(clock=clock, max_entries=10_000, bind=restarted))
        assert tab.upload(token, "mallory") == 403
        assert not tab.connect(token, "mallory")
        assert tab.upload(token, "alice") == 202
    finally:
        restarted.dispose()


def _live_bindings(engine: Engine, clock: MovableClock) -> int:
    with session_scope(read_only=True, bind=engine) as db:
        return db.exec(select(func.count()).select_from(TabBinding)
                       .where(TabBinding.expires_at > clock.now())).one()  # type: ignore[operator]


def test_r_sec_3_full_store_refuses_new_tokens_and_keeps_the_old(
    db_engine: Engine, clock: MovableClock
) -> None:
    """With room for two more bindings (the test database holds other tests' too), the third
    new token is refused at the websocket; the two bound ones keep working, and are never
    evicted for the newcomer."""
    room = _live_bindings(db_engine, clock) + 2
    tab = Tab(DatabaseTabBindings(clock=clock, max_entries=room, bind=db_engine))
    old = [_token(), _token()]
    assert all(tab.connect(token, f"user{i}") for i, token in enumerate(old))
    newcomer = _token()
    assert not tab.connect(newcomer, "user9")
    assert tab.upload(newcomer, "user9") == 403
    assert tab.connect(old[0], "user0")
    assert tab.upload(old[1], "user1") == 202
    assert not tab.connect(old[0], "user9")  # still bound: not evicted, not moved
    assert tab.connect(newcomer, None)  # without a certificate nothing needs a place


def test_r_sec_3_full_store_holds_under_parallel_connects(
    db_engine: Engine, clock: MovableClock
) -> None:
    """Twelve new tokens connecting at once (as several workers would) take exactly the three
    free places: the capacity check and the insert happen under one lock."""
    room = _live_bindings(db_engine, clock) + 3
    store = DatabaseTabBindings(clock=clock, max_entries=room, bind=db_engine)
    with ThreadPoolExecutor(max_workers=6) as pool:
        admitted = list(pool.map(lambda i: store.admit_websocket(_token(), f"user{i}"),
                                 range(12)))
    assert admitted.count(True) == 3


def test_r_sec_3_one_token_two_certificates_at_once_binds_one(
    bindings: DatabaseTabBindings,
) -> None:
    """The same new token connecting with several certificates at once binds to exactly one."""
    token = _token()
    with ThreadPoolExecutor(max_workers=6) as pool:
        admitted = list(pool.map(lambda i: bindings.admit_websocket(token, f"user{i}"),
                                 range(6)))
    assert admitted.count(True) == 1
    winner = f"user{admitted.index(True)}"
    assert bindings.admit_upload(token, winner)


def test_r_sec_3_binding_expires_with_the_12_hour_session(
    bindings: DatabaseTabBindings, clock: MovableClock
) -> None:
    """A binding lives 12 hours (R-SEC-1's absolute session lifetime) from the last websocket
    connect that confirmed it; then the upload is refused and the token is free again."""
    tab = Tab(bindings)
    token = _token()
    assert tab.connect(token, "alice")
    clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    assert tab.upload(token, "alice") == 202
    assert not tab.connect(token, "mallory")
    clock.advance(timedelta(seconds=2))
    assert tab.upload(token, "alice") == 403  # an upload never renews or re-creates it
    assert tab.connect(token, "mallory")


def test_r_sec_3_reconnecting_tab_renews_its_binding(
    bindings: DatabaseTabBindings, clock: MovableClock
) -> None:
    tab = Tab(bindings)
    token = _token()
    assert tab.connect(token, "alice")
    clock.advance(timedelta(hours=8))
    assert tab.connect(token, "alice")  # e.g. a page reload
    clock.advance(timedelta(hours=8))
    assert tab.upload(token, "alice") == 202
    assert not tab.connect(token, "mallory")


def test_r_sec_3_tokens_are_stored_hashed(
    bindings: DatabaseTabBindings, db_engine: Engine
) -> None:
    """The token opens the tab's state, so the store keeps only its SHA-256 (as sessions do)."""
    token = _token()
    assert bindings.admit_websocket(token, "alice")
    with session_scope(read_only=True, bind=db_engine) as db:
        stored: Any = db.exec(select(TabBinding.token_hash)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored
