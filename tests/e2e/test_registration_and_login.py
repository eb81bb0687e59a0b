"""Registration, certificate issuance and sign-in as the manual describes them (P.8–20,
P.31–40), through nginx and Chromium, with mail read from the real SMTP server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from tests import factories
from tests.e2e.conftest import (
    BUSINESS_HOURS,
    IssuedForTest,
    Service,
    issue_certificate,
    read_auth_code,
)

PASSWORD = "Kyuyo#2026a"
INITIAL = "Ab1!Cd2#"


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    service.set_clock(BUSINESS_HOURS)


def _context(browser: Browser, service: Service, p12: Path | None = None,
             password: str = "") -> BrowserContext:
    kwargs: dict[str, object] = {"ignore_https_errors": True, "locale": "ja-JP",
                                 "accept_downloads": True}
    if p12 is not None:
        kwargs["client_certificates"] = [
            {"origin": service.base_url, "pfxPath": str(p12), "passphrase": password}
        ]
    return browser.new_context(**kwargs)  # type: ignore[arg-type]


def _new_contract(groups: tuple[tuple[str, str], ...] = (("001", "本社"), ("002", "大阪支社"))
                  ) -> str:
    with session_scope() as db:
        contract = factories.make_contract(db, groups=groups, initial_password=INITIAL)
        return contract.contract_no


def _issue_through_ui(page: Page, service: Service, *, user_id: str, password: str,
                      email: str, tmp_path: Path, codes: list[str] | None = None,
                      temporary: bool | None = None) -> Path:
    """From the 認証 screen on: code from the mail → 認証 → 発行 → the .p12 download.
    ``temporary``: whether the result screen must name the 仮のパスワード (True) or the login
    password (False) as the .p12's password; None leaves it unchecked."""
    mark = time.time()
    page.get_by_role("button", name="認証").click()
    expect(page.get_by_role("heading", name="認証コード入力")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("****@")
    code = read_auth_code(service, email, after=mark - 1)
    if codes is not None:
        codes.append(code)
    page.get_by_label("認証コード").fill(code)
    page.get_by_role("button", name="認証").click()
    expect(page.get_by_role("heading", name="電子証明書発行", exact=True)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="発行").click()
    download = download_info.value
    assert download.suggested_filename.startswith(user_id)
    assert download.suggested_filename.endswith(".p12")
    expect(page.get_by_role("heading", name="電子証明書発行結果")).to_be_visible()
    expect(page.get_by_test_id("p12-filename")).to_have_text(download.suggested_filename)
    # Which password opens the .p12 and the wizard's choices (manual step 13/15, issue 13
    # item 6): the one typed at 認証 — 仮のパスワード for a general user's first issuance.
    steps = page.get_by_test_id("import-steps")
    expect(steps).to_contain_text("現在のユーザー(C)")
    expect(steps).to_contain_text("すべての拡張プロパティを含める(A)")
    if temporary is not None:
        expect(page.get_by_test_id("p12-password")).to_contain_text(
            "仮のパスワード" if temporary else "ログインパスワード")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    page.get_by_role("button", name="閉じる").click()
    expect(page.get_by_role("status")).to_have_text("ブラウザをすべて閉じてください。")
    return target


def _login(
    browser: Browser, service: Service, p12: Path, password: str, p12_password: str = ""
) -> tuple[BrowserContext, Page]:
    context = _context(browser, service, p12, p12_password or password)
    page = context.new_page()
    page.goto(service.base_url + "/login")
    expect(page.get_by_test_id("login-user-id")).not_to_be_empty()
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()
    return context, page


def test_r_mreg_1_master_registration_issuance_and_login(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-MREG-1, R-MREG-2, R-MREG-3 (registration goes straight into issuance), R-CERT-1,
    R-CERT-1a/1b, R-CERT-2, R-LOGIN-1/2/4, R-SESS-2: the master registers, gets a certificate,
    and a new browser holding only that .p12 logs in. R-ENV-8: no step opens a pop-up, and the
    pages are reached by typed URLs (no Referer is needed)."""
    contract_no = _new_contract()
    user_id = factories.next_user_id("mst")[:12]
    email = f"{user_id.lower()}@example.co.jp"
    frames: list[str] = []
    codes: list[str] = []
    with _context(browser, service) as context:
        page = context.new_page()
        popups: list[object] = []
        context.on("page", lambda p: popups.append(p))  # R-ENV-8: a pop-up is a second page
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
        page.goto(service.base_url + "/")
        page.get_by_role("button", name="マスターユーザーの初期登録").click()
        expect(page.get_by_role("heading", name="マスターユーザー初期登録ログイン")).to_be_visible()
        expect(page.get_by_text("8桁（半角英大・小文字、数字、記号の4種必須", exact=False)
               ).to_be_visible()  # the 初期パスワード's rule (P.9)
        page.get_by_label("契約番号").fill(contract_no)
        page.get_by_label("初期パスワード").fill(INITIAL)
        page.get_by_role("button", name="次へ").click()
        expect(page.get_by_role("heading", name="マスターユーザー登録")).to_be_visible()
        # Every field's rule and the 「ご注意ください」 box (P.10–11, issue 13 item 6).
        expect(page.get_by_text("全角20文字以内（カナ、漢字含む）")).to_be_visible()
        expect(page.get_by_text("半角英数50桁以内。携帯電話のアドレスは不可")).to_be_visible()
        caution = page.get_by_test_id("master-caution")
        expect(caution).to_contain_text("ご注意ください")
        expect(caution).to_contain_text("一度登録したユーザーＩＤは、画面上では変更できません。")
        page.get_by_label("ユーザーＩＤ").fill(user_id)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        page.get_by_label("パスワード再入力").fill(PASSWORD)
        page.get_by_label("ユーザー名").fill("給与　花子")
        page.get_by_label("メールアドレス", exact=True).fill(email)
        page.get_by_label("メールアドレス再入力").fill("mismatch" + email)
        page.get_by_role("button", name="登録").click()
        expect(page.get_by_role("alert").first).to_be_visible()  # refused at the field
        page.get_by_label("メールアドレス再入力").fill(email)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        page.get_by_label("パスワード再入力").fill(PASSWORD)
        page.get_by_role("button", name="登録").click()
        expect(page.get_by_role("heading", name="登録完了")).to_be_visible()
        page.get_by_role("button", name="電子証明書発行").click()
        expect(page.get_by_role("heading", name="電子証明書発行 ユーザー認証")).to_be_visible()
        expect(page.get_by_label("ユーザーＩＤ")).to_have_value(user_id)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        p12 = _issue_through_ui(page, service, user_id=user_id, password=PASSWORD,
                                email=email, tmp_path=tmp_path, codes=codes, temporary=False)
        assert popups == []
    # R-CERT-11, DESIGN §1: no password, initial password or code in what the browser received
    # from the app, nor in the service's log.
    sent_to_browser = "\n".join(frames)
    assert user_id in sent_to_browser  # the frames were recorded
    for secret in (PASSWORD, INITIAL, *codes):
        assert secret not in sent_to_browser
        assert secret not in "".join(service.output)

    context, page = _login(browser, service, p12, PASSWORD)
    with context:
        expect(page.get_by_role("heading", name="入金グループ選択")).to_be_visible()
        page.get_by_role("button", name="選択 002").click()
        expect(page.get_by_test_id("info-title")).to_have_text(
            "インフォメーション画面（労金控除・賃控元帳・一斉積立）")
        expect(page.get_by_test_id("group-no")).to_contain_text("002")
        # R-INFO-1: the 労金控除 schedule of the chosen group; nothing received yet.
        # The ledger rides on the same cycle: one schedule for both (manual P.21).
        expect(page.get_by_test_id("rokin-schedule")).to_contain_text("労金控除・賃控元帳スケジュール")
        schedule = page.get_by_test_id("rokin-schedule").get_by_role("table")
        expect(schedule).to_contain_text("まとめ入金期限")
        expect(schedule.get_by_role("row")).to_have_count(3)
        expect(page.get_by_test_id("latest-received")).to_have_text("受信したデータはありません。")
        page.get_by_role("button", name="ログアウト").click()
        expect(page.get_by_role("status")).to_have_text(message("MSG-LOGOUT"))


def test_r_user_4_general_user_first_registration_and_forced_change(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-USER-4, R-LOGIN-3, R-CERT-1c: a general user registers from the top page with the
    temporary password, logs in with it and must change it before anything else."""
    from chingin_app.domain.clock import SystemClock
    from chingin_app.domain.result import Ok
    from chingin_app.services import contract_users as users

    contract_no = _new_contract(groups=(("001", "本社"),))
    user_id = factories.next_user_id("gen")[:12]
    email = f"{user_id.lower()}@example.co.jp"
    temporary = "Karino#Pw1"
    with session_scope() as db:
        created = users.create_general_user(
            db, contract_no=contract_no, user_id=user_id, user_name="一般　太郎", email=email,
            temporary_password=temporary, actor="test", clock=SystemClock(),
        )
        assert isinstance(created, Ok), created
    with _context(browser, service) as context:
        page = context.new_page()
        page.goto(service.base_url + "/")
        page.get_by_role("button", name="一般ユーザーの初期登録").click()
        expect(page.get_by_role("heading", name="一般ユーザーの電子証明書発行 ユーザー認証")
               ).to_be_visible()
        page.get_by_label("ユーザーＩＤ").fill(user_id)
        page.get_by_label("仮のパスワード").fill(temporary)
        p12 = _issue_through_ui(page, service, user_id=user_id, password=temporary,
                                email=email, tmp_path=tmp_path, temporary=True)

    context, page = _login(browser, service, p12, temporary)
    with context:
        expect(page.get_by_role("heading", name="パスワード変更（初回）")).to_be_visible()
        page.goto(service.base_url + "/info")  # nothing else before the change
        expect(page.get_by_role("heading", name="パスワード変更（初回）")).to_be_visible()
        page.get_by_label("現在のパスワード").fill(temporary)
        page.get_by_label("新しいパスワード", exact=True).fill(PASSWORD)
        page.get_by_label("新しいパスワード再入力").fill(PASSWORD)
        page.get_by_role("button", name="変更").click()
        expect(page.get_by_test_id("info-title")).to_be_visible()
        expect(page.get_by_test_id("group-no")).to_contain_text("001")


@pytest.mark.parametrize("problem", ["revoked", "expired", "foreign", "none"])
def test_r_cert_12_login_page_tells_certificate_problems_apart(
    browser: Browser, service: Service, tmp_path: Path, problem: str
) -> None:
    """R-LOGIN-1, R-CERT-12: no certificate, revoked, expired and foreign certificates are
    refused at the login page, each with its own message, and no password field is offered."""
    from tests.e2e.conftest import revoke_and_publish
    from tests.support.pki_testing import foreign_hierarchy

    expected = {"revoked": "MSG-CERT-REVOKED", "expired": "MSG-CERT-EXPIRED",
                "foreign": "MSG-CERT-FOREIGN", "none": "MSG-CERT-NONE"}[problem]
    cert: IssuedForTest | None = None
    if problem == "revoked":
        cert = issue_certificate(service, tmp_path)
        revoke_and_publish(service, cert)
    elif problem == "expired":
        cert = issue_certificate(service, tmp_path,
                                 issued_at=datetime.now(UTC) - timedelta(days=400))
    elif problem == "foreign":
        cert = issue_certificate(service, tmp_path, ca=foreign_hierarchy())
    context = _context(browser, service, cert.p12 if cert else None,
                       cert.password if cert else "")
    with context:
        page = context.new_page()
        page.goto(service.base_url + "/login")
        expect(page.get_by_role("alert")).to_have_text(message(expected))
        expect(page.get_by_label("パスワード", exact=True)).to_have_count(0)


def test_r_cert_5_renewal_inside_the_30_day_window_supersedes(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-CERT-5: from 30 days before expiry 電子証明書発行 issues a new certificate; the old one
    is revoked at once and the login page answers it with MSG-CERT-SUPERSEDED."""
    old = issue_certificate(service, tmp_path, issued_at=datetime.now(UTC) - timedelta(days=345),
                            password=PASSWORD)
    with _context(browser, service) as context:
        page = context.new_page()
        page.goto(service.base_url + "/certificate")
        page.get_by_label("ユーザーＩＤ").fill(old.user_id)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        new_p12 = _issue_through_ui(page, service, user_id=old.user_id, password=PASSWORD,
                                    email=old.email, tmp_path=tmp_path)
    with _context(browser, service, old.p12, old.password) as context:
        page = context.new_page()
        page.goto(service.base_url + "/login")
        expect(page.get_by_role("alert")).to_have_text(message("MSG-CERT-SUPERSEDED"))
    context, page = _login(browser, service, new_p12, PASSWORD)
    with context:
        expect(page.get_by_test_id("info-title")).to_be_visible()


def test_r_sess_1_idle_screen_logs_out_on_the_server(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-SESS-1, R-SESS-5: 60 minutes without a click (moved clock) and the next click finds the
    session ended on the server, with MSG-TIMEOUT on the login page."""
    cert = issue_certificate(service, tmp_path, password=PASSWORD)
    context, page = _login(browser, service, cert.p12, PASSWORD)
    with context:
        expect(page.get_by_test_id("info-title")).to_be_visible()
        service.set_clock(BUSINESS_HOURS + timedelta(minutes=61))
        page.reload()
        expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
        expect(page.get_by_role("status")).to_have_text(message("MSG-TIMEOUT"))


def test_r_sess_1_bookmarked_screen_without_a_session_asks_to_log_in(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """Issue 13 item 6: a business screen opened from a bookmark without ever signing in lands
    on ログイン with MSG-LOGIN-FIRST (「ログインしてください」), not MSG-TIMEOUT's 60 minutes (no
    session ever existed); the ログイン screen carries the 電子証明書発行 button (manual P.2,
    P.45 「ログイン画面の電子証明書発行ボタンより更新してください」)."""
    cert = issue_certificate(service, tmp_path, password=PASSWORD)
    context = browser.new_context(
        ignore_https_errors=True,
        client_certificates=[{"origin": service.base_url, "pfxPath": str(cert.p12),
                              "passphrase": PASSWORD}],
    )
    with context:
        page = context.new_page()
        page.goto(service.base_url + "/rokin/details")
        expect(page.get_by_role("heading", name="ログイン", exact=True)).to_be_visible()
        expect(page.get_by_role("status")).to_have_text(message("MSG-LOGIN-FIRST"))
        assert message("MSG-LOGIN-FIRST") != message("MSG-TIMEOUT")
        page.get_by_role("button", name="電子証明書発行").click()
        expect(page.get_by_role("heading", name="電子証明書発行 ユーザー認証")).to_be_visible()


def test_r_user_1_password_change_from_the_common_menu(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-USER-1: パスワード変更: current + new (twice) → 更新; the next login needs the new one."""
    cert = issue_certificate(service, tmp_path, password=PASSWORD)
    new_password = "Shin#Pass99"
    context, page = _login(browser, service, cert.p12, PASSWORD)
    with context:
        page.get_by_role("button", name="パスワード変更").click()
        expect(page.get_by_role("heading", name="パスワード変更", exact=True)).to_be_visible()
        page.get_by_label("現在のパスワード").fill(PASSWORD)
        page.get_by_label("新しいパスワード", exact=True).fill(new_password)
        page.get_by_label("新しいパスワード再入力").fill(new_password + "x")
        page.get_by_role("button", name="更新").click()
        expect(page.get_by_role("alert").first).to_be_visible()  # re-entry differs: refused
        page.get_by_label("現在のパスワード").fill(PASSWORD)
        page.get_by_label("新しいパスワード", exact=True).fill(new_password)
        page.get_by_label("新しいパスワード再入力").fill(new_password)
        page.get_by_role("button", name="更新").click()
        expect(page.get_by_role("status")).to_contain_text("パスワードを変更しました")
        page.get_by_role("button", name="ログアウト").click()
    # The .p12 stays protected by the password it was issued with (R-CERT-2).
    context, page = _login(browser, service, cert.p12, new_password, p12_password=PASSWORD)
    with context:
        expect(page.get_by_test_id("info-title")).to_be_visible()
