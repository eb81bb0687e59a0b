"""A general user's whole life as the manual tells it (P.27–40, P.42), through nginx and Chromium:
the master adds them with mixed restrictions (R-USER-3, R-USER-7a), they register and sign in
(R-USER-4, R-LOGIN-3), see exactly the menus they may see (R-INFO-1, R-INFO-2, R-USER-7), the
master deletes them and their certificate stops working (R-USER-6, R-CERT-7), and 操作ログ照会
and its CP932 CSV show every step (R-LOG-1, R-ENV-3)."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, expect

from chingin_app.db import session_scope
from chingin_app.domain.messages import message
from chingin_app.domain.result import Err, Ok
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours, issue_certificate
from tests.e2e.test_operation_log import _login as login_to_info
from tests.e2e.test_registration_and_login import _context, _issue_through_ui, _login

TEMPORARY = "Karino#Pw1"
OWN_PASSWORD = "Jibun#Pw22"
#: The mixed restrictions the master sets (every other menu stays 非表示).
LEVELS = {
    "労金控除明細照会": ("閲覧のみ", "view_only"),
    "労金控除明細新規登録": ("表示", "show"),
    "賃控元帳明細照会": ("表示", "show"),
}
#: rokin.staff is RK-12 職員情報照会・変更, shown on 労金控除明細照会's right (no row of its own).
SHOWN_KEYS = {"rokin.detail_inquiry", "rokin.staff", "rokin.detail_new", "ledger.detail_inquiry"}


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


def _expected_business_links(contract_no: str, user_id: str) -> set[tuple[str, str]]:
    """What the information screen must link for this user: the menus
    ``services.permissions.visible_menus`` allows whose screens exist — so the check grows with
    the business menus. Also checks that exactly the menus set on screen are visible."""
    import chingin_app.chingin_app  # noqa: F401  (adds the pages: marks the built screens)
    from chingin_app import routes
    from chingin_app.services import permissions

    with session_scope(read_only=True) as db:
        visible = permissions.visible_menus(db, contract_no=contract_no, user_id=user_id)
    assert {item.key for item, _level in visible} == SHOWN_KEYS
    # One list: every entry has its screen (issue 13 item 5), incl. R-PLUS-1/2's own rows.
    return {
        (item.label, route)
        for item, _level in visible
        if (route := routes.MENU_ROUTES.get(item.key)) is not None and routes.is_built(route)
    }


def _shown_business_links(page: Page) -> set[tuple[str, str]]:
    links = page.get_by_test_id("business-menu")
    return {
        (links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href") or "")
        for i in range(links.count())
    }


def _view_only_cannot_change(contract_no: str, user_id: str) -> None:
    """R-USER-7 "閲覧のみ allows viewing … but no change", through the one server-side check
    every business handler calls (services/permissions.require)."""
    from chingin_app.domain.clock import SystemClock
    from chingin_app.services import permissions

    who = SimpleNamespace(contract_no=contract_no, user_id=user_id, role="general")
    with session_scope() as db:
        view = permissions.require(db, session=who, menu_key="rokin.detail_inquiry",
                                   access="view", clock=SystemClock())
        change = permissions.require(db, session=who, menu_key="rokin.detail_inquiry",
                                     access="change", clock=SystemClock())
        hidden = permissions.require(db, session=who, menu_key="rokin.history",
                                     access="view", clock=SystemClock())
        db.commit()
    assert view == Ok(None)
    assert change == Err("E-MENU-VIEW-ONLY")
    assert hidden == Err("E-MENU-HIDDEN")


def _log_csv(page: Page) -> list[list[str]]:
    page.get_by_role("button", name="操作ログ照会").click()
    expect(page.get_by_role("heading", name="操作ログ照会")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV出力").click()
    text = Path(info.value.path()).read_bytes().decode("cp932")  # R-ENV-3: Japanese Excel
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["日時", "ユーザーＩＤ"]
    return rows[1:]


def test_r_user_7_general_user_from_registration_to_deletion(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-USER-3/4/6/7/7a, R-INFO-1/2, R-LOG-1: mixed restrictions → first registration → exactly
    the permitted menus → deletion ends the certificate and the open session → the log."""
    from chingin_app.services import contract_users as users
    from chingin_app.services import login, oplog_query

    master = issue_certificate(service, tmp_path)
    no = master.contract_no
    uid = f"Gu{secrets.randbelow(10**8):08d}"
    email = f"{uid.lower()}@example.co.jp"

    # 1. The master adds the general user with mixed restrictions (P.27–30).
    m_context, m_page = login_to_info(browser, service, master.p12, master.password)
    with m_context:
        m_page.get_by_role("button", name="契約ユーザー情報照会").click()
        m_page.get_by_role("button", name="登録へ").click()
        expect(m_page.get_by_role("heading", name="契約ユーザー登録")).to_be_visible()
        m_page.get_by_label("ユーザーＩＤ").fill(uid)
        m_page.get_by_label("ユーザー名").fill("制限　一郎")
        m_page.get_by_label("パスワード", exact=True).fill(TEMPORARY)
        m_page.get_by_label("パスワード再入力", exact=True).fill(TEMPORARY)
        m_page.get_by_label("メールアドレス", exact=True).fill(email)
        m_page.get_by_label("メールアドレス再入力").fill(email)
        for label, (shown, value) in LEVELS.items():
            m_page.get_by_label(label, exact=True).select_option(shown)
            expect(m_page.get_by_label(label, exact=True)).to_have_value(value)
        expect(m_page.get_by_label("労金控除明細更新履歴照会", exact=True)).to_have_value("hide")
        m_page.get_by_role("button", name="登録", exact=True).click()
        expect(m_page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
        expect(m_page.get_by_role("row").filter(has_text=uid)).to_contain_text("制限　一郎")
        m_page.get_by_role("button", name="ログアウト").click()

    # 2. The general user's first registration on their own PC (P.31–40).
    with _context(browser, service) as context:
        page = context.new_page()
        page.goto(service.base_url + "/")
        page.get_by_role("button", name="一般ユーザーの初期登録").click()
        page.get_by_label("ユーザーＩＤ").fill(uid)
        page.get_by_label("仮のパスワード").fill(TEMPORARY)
        p12 = _issue_through_ui(page, service, user_id=uid, password=TEMPORARY, email=email,
                                tmp_path=tmp_path)

    # 3. First login with the temporary password; the forced change; the information screen.
    g_context, g_page = _login(browser, service, p12, TEMPORARY)
    with g_context:
        expect(g_page.get_by_role("heading", name="パスワード変更（初回）")).to_be_visible()
        g_page.get_by_label("現在のパスワード").fill(TEMPORARY)
        g_page.get_by_label("新しいパスワード", exact=True).fill(OWN_PASSWORD)
        g_page.get_by_label("新しいパスワード再入力").fill(OWN_PASSWORD)
        g_page.get_by_role("button", name="変更").click()
        expect(g_page.get_by_test_id("info-title")).to_be_visible()

        # Exactly the permitted menus (R-INFO-1, R-USER-7): business links as the permission
        # registry says, the common menu, their own 契約ユーザー情報照会, no 操作ログ照会.
        expected = _expected_business_links(no, uid)
        expect(g_page.get_by_test_id("business-menu")).to_have_count(len(expected))
        assert _shown_business_links(g_page) == expected
        for name in ("パスワード変更", "マニュアル照会", "契約ユーザー情報照会"):
            expect(g_page.get_by_role("button", name=name, exact=True)).to_be_visible()
        expect(g_page.get_by_role("button", name="操作ログ照会")).to_have_count(0)
        _view_only_cannot_change(no, uid)

        # 4. The master deletes the user (P.42); the user's open screen ends at its next event.
        m_context, m_page = login_to_info(browser, service, master.p12, master.password)
        with m_context:
            m_page.get_by_role("button", name="契約ユーザー情報照会").click()
            row = m_page.get_by_role("row").filter(has_text=uid)
            row.get_by_role("button", name="削除").click()
            dialog = m_page.get_by_role("alertdialog")
            expect(dialog).to_contain_text("削除してよろしいですか？")
            dialog.get_by_role("button", name="はい").click()
            expect(m_page.get_by_role("table")).not_to_contain_text(uid)

            g_page.get_by_role("button", name="パスワード変更", exact=True).click()
            expect(g_page.get_by_role("heading", name="ログイン")).to_be_visible()
            expect(g_page.get_by_text(message("MSG-CERT-REVOKED")).first).to_be_visible()
            expect(g_page.get_by_label("パスワード", exact=True)).to_have_count(0)

            # 5. The deleted user's certificate no longer signs in (R-USER-6, R-CERT-7).
            with _context(browser, service, p12, TEMPORARY) as again:
                page = again.new_page()
                page.goto(service.base_url + "/login")
                expect(page.get_by_role("alert")).to_have_text(message("MSG-CERT-REVOKED"))
                expect(page.get_by_label("パスワード", exact=True)).to_have_count(0)

            # 6. 操作ログ照会 and its CSV show each step (R-LOG-1).
            m_page.get_by_role("button", name="戻る").click()
            rows = _log_csv(m_page)
    about_user = [r for r in rows if uid in (r[1], r[5])]
    actions = {(r[4], r[6]) for r in about_user}
    success = "成功"
    for code in (users.ACTION_CREATE_GENERAL, "certificate.auth", "certificate.issue",
                 login.ACTION_LOGIN_SUCCESS, login.ACTION_PASSWORD_CHANGE,
                 users.ACTION_DELETE_GENERAL):
        assert (oplog_query.action_label(code), success) in actions, (code, about_user)
    by_master = {r[4] for r in about_user if r[1] == master.user_id}
    assert {oplog_query.action_label(users.ACTION_CREATE_GENERAL),
            oplog_query.action_label(users.ACTION_DELETE_GENERAL)} <= by_master
    # Each step from the user's own side carries the user's ID as the actor.
    assert oplog_query.action_label(login.ACTION_LOGIN_SUCCESS) in {
        r[4] for r in about_user if r[1] == uid
    }


def test_r_user_2_master_changes_own_name_and_email(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    """R-USER-2 (manual P.26): 契約ユーザー情報照会 → 会員（マスター）→ 更新へ → only the items to
    change → 更新. The master's own form has no 仮のパスワード and no restrictions; the old
    address gets the R-USER-8 notice."""
    from sqlmodel import select

    from chingin_app.models import MailOutbox, User

    master = issue_certificate(service, tmp_path)
    new_email = f"own.{master.user_id.lower()}@example.co.jp"
    context, page = login_to_info(browser, service, master.p12, master.password)
    with context:
        page.get_by_role("button", name="契約ユーザー情報照会").click()
        row = page.get_by_role("row").filter(has_text=master.user_id)
        expect(row).to_contain_text("会員（マスター）")
        expect(row.get_by_role("button", name="削除")).to_have_count(0)
        row.get_by_role("button", name="更新へ").click()
        expect(page.get_by_role("heading", name="契約ユーザー更新")).to_be_visible()
        expect(page.get_by_test_id("edit-user-id")).to_contain_text(master.user_id)
        expect(page.get_by_label("パスワード", exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name="すべて表示")).to_have_count(0)
        page.get_by_label("ユーザー名").fill("管理 更新後")
        page.get_by_label("メールアドレス", exact=True).fill(new_email)
        page.get_by_label("メールアドレス再入力").fill("x" + new_email)
        page.get_by_role("button", name="更新", exact=True).click()
        expect(page.get_by_role("alert").first).to_be_visible()  # re-entry differs: nothing saved
        page.get_by_label("メールアドレス再入力").fill(new_email)
        page.get_by_role("button", name="更新", exact=True).click()
        expect(page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text=master.user_id)).to_contain_text(
            "管理　更新後")
    with session_scope(read_only=True) as db:
        user = db.exec(select(User).where(User.user_id == master.user_id)).one()
        assert (user.user_name, user.email) == ("管理　更新後", new_email)
        kinds = db.exec(select(MailOutbox.to_addr, MailOutbox.kind)
                        .where(MailOutbox.user_pk == user.id)).all()
    assert (master.email, "email_changed") in kinds
