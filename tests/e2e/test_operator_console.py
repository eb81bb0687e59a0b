"""The operator console on the internal listener (SPEC R-PLUS-6, R-OPS-7, R-OPS-1, R-OPS-6):
an operator with a certificate of the separate operator CA signs in on the operator origin and
works the paper procedures behind confirmation dialogs; customer and operator certificates
never cross; the public listener offers the console nothing, not even to crafted frames."""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from chingin_app.db import session_scope
from chingin_app.domain.clock import SystemClock
from chingin_app.domain.messages import message
from chingin_app.domain.result import Ok
from chingin_app.models import Contract, OperationLog, Operator, OperatorSession
from chingin_app.services.operators import accounts
from chingin_app.settings import settings
from chingin_app.state.operator_console import ConsoleContractsState, OperatorConsoleState
from tests import factories
from tests.e2e.conftest import Service, in_hours, issue_certificate
from tests.support.reflex_client import ReflexClient, event_name

T = TypeVar("T")
CONSOLE_PW = "Op3rator!x"
P12_PW = "P12pass#9z"
INITIAL_PW = "Init#Pw1"
NEW_INITIAL_PW = "Next#Pw2"


def run(coro: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
    """Run `coro` on its own loop in a worker thread, away from Playwright's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=timeout)


@pytest.fixture(autouse=True)
def _open_hours(service: Service) -> None:
    in_hours(service)


def _new_operator(tmp_path: Path) -> tuple[str, Path]:
    login_id = "op" + factories.next_user_id("o")[-8:]
    with session_scope() as db:
        result = accounts.create_operator(
            db, s=settings(), login_id=login_id, name="金庫 太郎", password=CONSOLE_PW,
            p12_password=P12_PW, actor="operator:e2e", clock=SystemClock(),
        )
    assert isinstance(result, Ok)
    p12 = tmp_path / f"{login_id}.p12"
    p12.write_bytes(result.value.p12)
    return login_id, p12


def _dialog_run(page: Page, button: str, ticket: str, **fields: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    for label, value in fields.items():
        dialog.get_by_label(label, exact=True).fill(value)
    dialog.get_by_label("受付番号", exact=True).fill(ticket)
    dialog.get_by_role("button", name="実行").click()
    expect(dialog).to_be_hidden()


def test_r_plus_6_operator_creates_and_suspends_a_contract(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-PLUS-6 "An operator console (web, same certificate login, operator role) for
    R-OPS-1..4": sign in with the operator certificate and password, create a contract, set its
    initial password, suspend it after the confirmation dialog, resume it; the operation log
    records the operator and each 受付番号 (R-OPS-2a)."""
    login_id, p12 = _new_operator(tmp_path)
    number = factories.next_contract_no()
    context = browser.new_context(
        client_certificates=[{"origin": service.operator_url, "pfxPath": str(p12),
                              "passphrase": P12_PW}],
    )
    with context:
        page = context.new_page()
        page.goto(service.operator_url + "/operator")
        expect(page.get_by_test_id("operator-id")).to_have_text(login_id)
        page.get_by_label("パスワード", exact=True).fill(CONSOLE_PW)
        page.get_by_role("button", name="サインイン").click()
        expect(page.get_by_role("heading", name="契約照会")).to_be_visible()

        page.get_by_role("button", name="契約の登録", exact=True).click()
        dialog = page.get_by_role("alertdialog")
        dialog.get_by_label("契約番号", exact=True).fill(number)
        dialog.get_by_label("団体名／事業所名", exact=True).fill("オペレーター労働組合")
        dialog.get_by_label("入金グループ（1行に「NNN:名称」）", exact=True).fill("001:本社")
        dialog.get_by_label("初期パスワード", exact=True).fill(INITIAL_PW)
        dialog.get_by_label("受付番号", exact=True).fill("T-100")
        dialog.get_by_role("button", name="実行").click()
        expect(page.get_by_role("status").filter(has_text=f"契約 {number} を登録しました")
               ).to_be_visible()
        expect(page.get_by_test_id("contract-contract_no")).to_have_text(number)

        _dialog_run(page, "初期パスワードの変更", "T-101", 初期パスワード=NEW_INITIAL_PW)
        expect(page.get_by_role("status").filter(has_text="初期パスワードを変更しました")
               ).to_be_visible()

        # キャンセル in the confirmation dialog changes nothing.
        page.get_by_role("button", name="契約の一時停止", exact=True).click()
        page.get_by_role("alertdialog").get_by_role("button", name="キャンセル").click()
        expect(page.get_by_test_id("contract-status")).to_have_text("利用中")

        _dialog_run(page, "契約の一時停止", "T-102")
        expect(page.get_by_test_id("contract-status")).to_have_text("一時停止中")
        _dialog_run(page, "契約の再開", "T-103")
        expect(page.get_by_test_id("contract-status")).to_have_text("利用中")

    with session_scope(read_only=True) as db:
        entries = db.exec(
            select(OperationLog).where(OperationLog.actor == f"operator:{login_id}",
                                       OperationLog.result == "success")
            .order_by(col(OperationLog.id))
        ).all()
        contract = db.exec(select(Contract).where(Contract.contract_no == number)).one()
    by_action = {e.action: e for e in entries}
    assert contract.status == "active"
    for action, ticket in (("contract.create", "T-100"),
                           ("contract.set_initial_password", "T-101"),
                           ("contract.suspend", "T-102"), ("contract.resume", "T-103")):
        assert action in by_action, action
        assert f'"ticket":"{ticket}"' in (by_action[action].detail or "")
    assert "operator.signin" in by_action
    assert all(INITIAL_PW not in (e.detail or "") and NEW_INITIAL_PW not in (e.detail or "")
               and CONSOLE_PW not in (e.detail or "") for e in entries)


def _ssl_with(p12: Path, password: str, ca: Path, tmp_path: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), password.encode())
    assert key is not None and cert is not None
    cert_file, key_file = tmp_path / f"{p12.stem}.crt", tmp_path / f"{p12.stem}.key"
    cert_file.write_bytes(cert.public_bytes(Encoding.PEM))
    key_file.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    ctx.load_cert_chain(str(cert_file), str(key_file))
    return ctx


def _get(url: str, ctx: ssl.SSLContext) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, context=ctx, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_r_ops_7_customer_certificate_is_refused_at_the_operator_listener(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-OPS-7 "customer and operator certificates never cross": the operator listener requires
    an operator certificate (nginx refuses a customer's, or none, with 400 before the app), and
    the public listener answers 404 for /operator."""
    customer = issue_certificate(service, tmp_path)
    status, body = _get(service.operator_url + "/operator",
                        _ssl_with(customer.p12, customer.password, service.tls_ca, tmp_path))
    assert status == 400
    assert "オペレーター" not in body
    status, _ = _get(service.operator_url + "/operator",
                     ssl.create_default_context(cafile=str(service.tls_ca)))
    assert status == 400
    context = browser.new_context(
        client_certificates=[{"origin": service.operator_url, "pfxPath": str(customer.p12),
                              "passphrase": customer.password}],
    )
    with context:
        response = context.new_page().goto(service.operator_url + "/operator")
        assert response is not None and response.status == 400
    assert service.https_get("/operator")[0] == 404
    assert service.https_get("/operator/contracts")[0] == 404


def test_r_ops_7_operator_certificate_is_no_customer_certificate(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-OPS-7: on the public listener an operator certificate is foreign (login refused with
    MSG-CERT-FOREIGN)."""
    _, p12 = _new_operator(tmp_path)
    context = browser.new_context(
        client_certificates=[{"origin": service.base_url, "pfxPath": str(p12),
                              "passphrase": P12_PW}],
    )
    with context:
        page = context.new_page()
        page.goto(service.base_url + "/login")
        expect(page.get_by_role("alert").filter(has_text=message("MSG-CERT-FOREIGN"))
               ).to_be_visible()
        expect(page.get_by_role("button", name="ログイン")).to_have_count(0)


def test_r_ops_7_crafted_frames_on_the_public_listener_get_nothing(
    service: Service, tmp_path: Path
) -> None:
    """R-OPS-7 / R-SEC-1: someone holding an operator's certificate, key and password who
    sends the console's events over the public listener gets no session and changes nothing:
    the handlers refuse everything that did not come through the operator listener."""
    login_id, p12 = _new_operator(tmp_path)
    number = factories.next_contract_no()
    with session_scope() as db:
        contract = factories.make_contract(db, contract_no=number)
        db.commit()
    assert contract.status == "active"
    tls = _ssl_with(p12, P12_PW, service.tls_ca, tmp_path)

    async def scenario() -> list[str]:
        c = ReflexClient(service.base_url, ssl_context=tls)
        try:
            await c.connect(path="/operator")
            await c.call(event_name(OperatorConsoleState, "sign_in"), {"form": {
                "password": CONSOLE_PW}}, path="/operator")
            await c.call(event_name(ConsoleContractsState, "select"),
                         {"contract_no": number}, path="/operator/contracts")
            await c.call(event_name(ConsoleContractsState, "open_dialog"),
                         {"action": "suspend"}, path="/operator/contracts")
            await c.call(event_name(ConsoleContractsState, "confirm"),
                         {"form": {"ticket": "X-1"}}, path="/operator/contracts")
        finally:
            await c.close()
        return c.frames

    received = "\n".join(run(scenario()))
    assert message("E-OP-LISTENER") in received
    assert f'"selected_no":"{number}"' not in received  # the contract was never shown
    with session_scope(read_only=True) as db:
        assert db.exec(select(Contract).where(Contract.contract_no == number)).one().status == (
            "active")
        sessions = db.exec(select(OperatorSession).join(
            Operator, col(Operator.id) == col(OperatorSession.operator_pk)
        ).where(Operator.login_id == login_id)).all()
        assert sessions == []
        assert not db.exec(select(OperationLog).where(
            OperationLog.actor == f"operator:{login_id}", OperationLog.result == "success")).all()
