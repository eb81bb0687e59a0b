"""ユーザーID・パスワード等を失念された場合 (manual P.43), through nginx and Chromium.

General user (P.43 ２.(2) ①–⑤, R-USER-5, R-USER-5a, R-LOGIN-3): the master gives a new
仮のパスワード on 契約ユーザー更新, the user's open screen ends, the user signs in with it and must
change it at once. Master (P.43 １., R-OPS-2, R-OPS-2a): the paper form reaches the bank, which runs
`chingin user init-master --contract N --ticket …`; the old certificate stops working, the
master registers again with 契約番号 + 初期パスワード (P.8–16), and general users keep working
meanwhile."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from chingin_app.domain.messages import message
from tests import factories
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours, issue_certificate
from tests.e2e.test_operation_log import _login as login_to_info
from tests.e2e.test_registration_and_login import _context, _issue_through_ui, _login

NEW_TEMPORARY = "Atara#Kari3"
OWN_PASSWORD = "Jibun#Pw45"
MASTER_PASSWORD = "Kanri#Pw678"
TICKET = "U-2026-0431"


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


def test_r_user_5a_general_user_forgot_the_password(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """P.43 ２.(2): ③ the master enters a 仮のパスワード on 契約ユーザー更新 (R-USER-5); the user's
    open session ends (R-USER-5a); ④ the user signs in with it; ⑤ must change it at once
    (R-LOGIN-3); the certificate is untouched (its .p12 keeps the password it was issued with)."""
    master = issue_certificate(service, tmp_path)
    general = issue_certificate(service, tmp_path, role="general",
                                contract_no=master.contract_no)

    g_context, g_page = login_to_info(browser, service, general.p12, general.password)
    with g_context:
        m_context, m_page = login_to_info(browser, service, master.p12, master.password)
        with m_context:
            m_page.get_by_role("button", name="契約ユーザー情報照会").click()
            m_page.get_by_role("row").filter(has_text=general.user_id).get_by_role(
                "button", name="更新へ").click()
            expect(m_page.get_by_role("heading", name="契約ユーザー更新")).to_be_visible()
            expect(m_page.get_by_test_id("edit-user-id")).to_contain_text(general.user_id)
            m_page.get_by_label("パスワード", exact=True).fill(NEW_TEMPORARY)
            m_page.get_by_label("パスワード再入力", exact=True).fill(NEW_TEMPORARY + "x")
            m_page.get_by_role("button", name="更新", exact=True).click()
            expect(m_page.get_by_role("alert").first).to_be_visible()  # re-entry differs
            m_page.get_by_label("パスワード", exact=True).fill(NEW_TEMPORARY)
            m_page.get_by_label("パスワード再入力", exact=True).fill(NEW_TEMPORARY)
            m_page.get_by_role("button", name="更新", exact=True).click()
            expect(m_page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()

        # R-USER-5a: the user's open screen ends at its next event.
        g_page.get_by_role("button", name="マニュアル照会").click()
        expect(g_page.get_by_role("heading", name="ログイン")).to_be_visible()
        expect(g_page.get_by_role("status")).to_be_visible()
        # Checked last, so the rest of the path is exercised whatever this screen says.
        ended_text = g_page.get_by_role("status").inner_text().strip()

    # ④ sign in with the 仮のパスワード (the .p12 still opens with its own password).
    context, page = _login(browser, service, general.p12, NEW_TEMPORARY,
                           p12_password=general.password)
    with context:
        # ⑤ the forced change before anything else.
        expect(page.get_by_role("heading", name="パスワード変更（初回）")).to_be_visible()
        page.goto(service.base_url + "/users")
        expect(page.get_by_role("heading", name="パスワード変更（初回）")).to_be_visible()
        page.get_by_label("現在のパスワード").fill(NEW_TEMPORARY)
        page.get_by_label("新しいパスワード", exact=True).fill(OWN_PASSWORD)
        page.get_by_label("新しいパスワード再入力").fill(OWN_PASSWORD)
        page.get_by_role("button", name="変更").click()
        expect(page.get_by_test_id("info-title")).to_be_visible()
        page.get_by_role("button", name="ログアウト").click()
    # The old password is gone; the user's own new one signs in.
    context, page = _login(browser, service, general.p12, general.password)
    with context:
        expect(page.get_by_role("alert").first).to_have_text(message("MSG-PW-WRONG"))
    context, page = _login(browser, service, general.p12, OWN_PASSWORD,
                           p12_password=general.password)
    with context:
        expect(page.get_by_test_id("info-title")).to_be_visible()
    # R-USER-5a: the ended screen said why (the session's end reason), not a time-out.
    assert ended_text == message("MSG-SESSION-ENDED")


def _init_master(contract_no: str) -> subprocess.CompletedProcess[str]:
    """The bank processes the 依頼書 with its command (DESIGN §2), on the service's database,
    data dir and clock (the e2e conftest put them in this process's environment)."""
    chingin = str(Path(sys.executable).parent / "chingin")
    return subprocess.run(
        [chingin, "user", "init-master", "--contract", contract_no, "--ticket", TICKET],
        env={**os.environ, "USER": "e2e-operator"}, capture_output=True, text=True,
        timeout=120, check=False,
    )


def test_r_ops_2a_master_forgot_the_password(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """P.43 １. and R-OPS-2a: init-master revokes the master's certificate and ends their
    session, keeps general users working, and re-opens マスターユーザーの初期登録 with the same
    契約番号 and 初期パスワード; the new master sees the general user and the bank's action."""
    from chingin_app.services import oplog_query, user_procedures

    old = issue_certificate(service, tmp_path)
    general = issue_certificate(service, tmp_path, role="general", contract_no=old.contract_no)
    no = old.contract_no

    g_context, g_page = login_to_info(browser, service, general.p12, general.password)
    with g_context:
        o_context, o_page = login_to_info(browser, service, old.p12, old.password)
        with o_context:
            done = _init_master(no)
            assert done.returncode == 0, done.stderr
            assert old.user_id in done.stdout
            # The old master's open screen ends at its next event.
            o_page.get_by_role("button", name="マニュアル照会").click()
            expect(o_page.get_by_role("heading", name="ログイン")).to_be_visible()
            expect(o_page.get_by_text(message("MSG-CERT-REVOKED")).first).to_be_visible()

        # General users keep working meanwhile (R-OPS-2a).
        g_page.get_by_role("button", name="契約ユーザー情報照会").click()
        expect(g_page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
        expect(g_page.get_by_role("table")).to_contain_text(general.user_id)

    # The old certificate no longer signs in.
    with _context(browser, service, old.p12, old.password) as context:
        page = context.new_page()
        page.goto(service.base_url + "/login")
        expect(page.get_by_role("alert")).to_have_text(message("MSG-CERT-REVOKED"))

    # P.8–16 again with the same 契約番号 and 初期パスワード; a new user ID (the old is reserved).
    new_id = f"Ms{secrets.randbelow(10**8):08d}"
    email = f"{new_id.lower()}@example.co.jp"
    with _context(browser, service) as context:
        page = context.new_page()
        page.goto(service.base_url + "/")
        page.get_by_role("button", name="マスターユーザーの初期登録").click()
        page.get_by_label("契約番号").fill(no)
        page.get_by_label("初期パスワード").fill(factories.INITIAL_PASSWORD)
        page.get_by_role("button", name="次へ").click()
        expect(page.get_by_role("heading", name="マスターユーザー登録")).to_be_visible()
        page.get_by_label("ユーザーＩＤ").fill(new_id)
        page.get_by_label("パスワード", exact=True).fill(MASTER_PASSWORD)
        page.get_by_label("パスワード再入力").fill(MASTER_PASSWORD)
        page.get_by_label("ユーザー名").fill("新任　管理者")
        page.get_by_label("メールアドレス", exact=True).fill(email)
        page.get_by_label("メールアドレス再入力").fill(email)
        page.get_by_role("button", name="登録").click()
        expect(page.get_by_role("heading", name="登録完了")).to_be_visible()
        page.get_by_role("button", name="電子証明書発行").click()
        page.get_by_label("パスワード", exact=True).fill(MASTER_PASSWORD)
        p12 = _issue_through_ui(page, service, user_id=new_id, password=MASTER_PASSWORD,
                                email=email, tmp_path=tmp_path)

    context, page = login_to_info(browser, service, p12, MASTER_PASSWORD)
    with context:
        page.get_by_role("button", name="契約ユーザー情報照会").click()
        table = page.get_by_role("table")
        expect(table).to_contain_text(new_id)
        expect(table).to_contain_text(general.user_id)  # kept, with their certificate
        expect(table).not_to_contain_text(old.user_id)
        page.get_by_role("button", name="戻る").click()
        page.get_by_role("button", name="操作ログ照会").click()
        log = page.get_by_role("table")
        row = log.get_by_role("row").filter(
            has_text=oplog_query.action_label(user_procedures.ACTION_INIT_MASTER))
        expect(row).to_contain_text("金庫")  # the bank's action, as the master sees it
        expect(row).to_contain_text(old.user_id)
