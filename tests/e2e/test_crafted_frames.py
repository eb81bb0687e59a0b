"""R-SEC-1: "Every event re-checks the session, the certificate's status, the tenant and the
menu permission (a crafted websocket frame can call any handler)." Handlers called by crafted
frames without a session, with another user's tab token, or from another origin get nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import socketio
from playwright.sync_api import Browser, expect

from chingin_app.db import session_scope
from chingin_app.models import LoginSession
from chingin_app.state.login import GroupSelectState, InfoState
from tests.e2e.conftest import IssuedForTest, Service, client_tls, in_hours, issue_certificate
from tests.support.reflex_client import ReflexClient, event_name

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
    """Run `coro` on its own loop in a worker thread, away from Playwright's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=timeout)


@pytest.fixture(autouse=True)
def _open_hours(service: Service) -> None:
    in_hours(service)


def _open_sessions() -> int:
    with session_scope(read_only=True) as db:
        return len(db.exec(LoginSession.__table__.select().where(  # type: ignore[attr-defined]
            LoginSession.ended_at.is_(None))).all())  # type: ignore[union-attr]


def test_r_sec_1_handlers_without_a_session_do_nothing(service: Service, tmp_path: Path) -> None:
    """A frame calling a signed-in screen's handlers with no session changes nothing and gets
    no one's data; the screen sends the caller to the login page."""
    before = _open_sessions()

    async def scenario() -> list[str]:
        c = ReflexClient(service.base_url, ssl_context=client_tls(service, None, tmp_path))
        try:
            await c.connect(path="/info")
            await c.call(event_name(InfoState, "load"), path="/info")
            await c.call(event_name(GroupSelectState, "choose"), {"group_no": "001"},
                         path="/group-select")
        finally:
            await c.close()
        return c.frames

    frames = run(scenario())
    received = "\n".join(frames)
    assert "/login" in received  # sent back to the login page
    assert "ユーザーＩＤ" not in received
    assert _open_sessions() == before


def test_r_sec_1_another_users_tab_token_is_refused(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """Someone who learns a signed-in user's Reflex tab token cannot use it: not with their
    own certificate, not without one. The victim's data never reaches them."""
    victim = issue_certificate(service, tmp_path)
    attacker = issue_certificate(service, tmp_path)
    context = browser.new_context(
        ignore_https_errors=True,
        client_certificates=[{"origin": service.base_url, "pfxPath": str(victim.p12),
                              "passphrase": victim.password}],
    )
    with context:
        page = context.new_page()
        page.goto(service.base_url + "/login")
        expect(page.get_by_test_id("login-user-id")).to_have_text(victim.user_id)
        page.get_by_label("パスワード", exact=True).fill(victim.password)
        page.get_by_role("button", name="ログイン").click()
        expect(page.get_by_test_id("info-title")).to_be_visible()
        token = page.evaluate("window.sessionStorage.getItem('token')")
        assert token

        async def hijack(holder: IssuedForTest | None) -> list[str]:
            client = ReflexClient(service.base_url, token=token,
                                  ssl_context=client_tls(service, holder, tmp_path))
            try:
                await client.connect(path="/info")
            except socketio.exceptions.ConnectionError:
                return client.frames
            finally:
                await client.close()
            pytest.fail("a tab token was accepted with another certificate")

        for holder in (attacker, None):
            frames = run(hijack(holder))
            assert victim.user_id not in "\n".join(frames)
        # The victim's own tab still works.
        page.reload()
        expect(page.get_by_test_id("info-title")).to_be_visible()
