"""契約ユーザー情報照会 / 登録 / 更新 / 削除 (R-INFO-2a, R-USER-3, R-USER-5, R-USER-6, R-USER-7a):
the master adds a general user with one menu 閲覧のみ, renames them and deletes them."""

from __future__ import annotations

import secrets
from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlmodel import select

from tests.e2e.conftest import Service, in_hours, issue_certificate
from tests.e2e.test_operation_log import _login

TEMP_PASSWORD = "Tmp#Pass12"


def _stored(user_id: str) -> tuple[str | None, dict[str, str]]:
    from chingin_app.db import session_scope
    from chingin_app.models import MenuPermission, User

    with session_scope(read_only=True) as db:
        user = db.exec(select(User).where(User.user_id == user_id)).one()
        levels = {
            p.menu_key: p.level
            for p in db.exec(select(MenuPermission).where(MenuPermission.user_pk == user.id))
        }
        return (user.user_name if user.deleted_at is None else None), levels


def _email(user_id: str) -> str:
    from chingin_app.db import session_scope
    from chingin_app.models import User

    with session_scope(read_only=True) as db:
        return db.exec(select(User.email).where(User.user_id == user_id)).one()


def test_r_user_3_5_6_master_adds_changes_and_deletes_a_general_user(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    in_hours(service)
    master = issue_certificate(service, tmp_path)
    new_id = f"Cu{secrets.randbelow(10**8):08d}"
    context, page = _login(browser, service, master.p12, master.password)
    with context:
        # The manual's headings (P.26, 27, 41–43, R-INFO-2): 契約ユーザー情報照会 is under
        # システム管理機能 for the master, not under 共通機能 (issue 13 item 6).
        expect(page.get_by_role("heading", name="共通機能", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="システム管理機能", exact=True)).to_be_visible()
        expect(page.get_by_test_id("common-menu").get_by_role(
            "button", name="契約ユーザー情報照会")).to_have_count(0)
        page.get_by_test_id("admin-menu").get_by_role(
            "button", name="契約ユーザー情報照会").click()
        expect(page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
        table = page.get_by_role("table")
        expect(table).to_contain_text(master.user_id)
        # P.26: the column is 「権限」 (権限が「会員（マスター）」), not 区分.
        expect(page.get_by_role("columnheader", name="権限")).to_be_visible()
        expect(page.get_by_role("columnheader", name="区分")).to_have_count(0)

        page.get_by_role("button", name="登録へ").click()
        expect(page.get_by_role("heading", name="契約ユーザー登録")).to_be_visible()
        # P.28's labels: パスワード / パスワード再入力 / ユーザー別機能制限 (issue 13 item 6);
        # R-PLUS-1/2's screens are rows of their own (item 5).
        expect(page.get_by_text("ユーザー別機能制限", exact=True)).to_be_visible()
        expect(page.get_by_label("仮のパスワード", exact=True)).to_have_count(0)
        expect(page.get_by_label("カナ氏名チェックリスト")).to_have_count(1)
        expect(page.get_by_label("給与控除データ照合")).to_have_count(1)
        page.get_by_label("ユーザーＩＤ").fill(new_id)
        page.get_by_label("ユーザー名").fill("一般太郎")
        page.get_by_label("パスワード", exact=True).fill(TEMP_PASSWORD)
        page.get_by_label("パスワード再入力", exact=True).fill(TEMP_PASSWORD)
        page.get_by_label("メールアドレス", exact=True).fill(f"{new_id.lower()}@example.co.jp")
        page.get_by_label("メールアドレス再入力").fill(f"{new_id.lower()}@example.co.jp")
        page.get_by_label("労金控除明細照会").select_option("閲覧のみ")
        expect(page.get_by_label("労金控除明細照会")).to_have_value("view_only")
        page.get_by_role("button", name="登録", exact=True).click()

        expect(page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
        row = page.get_by_role("row").filter(has_text=new_id)
        expect(row).to_contain_text("一般太郎")
        expect(row).to_contain_text("一般")
        name, levels = _stored(new_id)
        assert name == "一般太郎"
        assert levels["rokin.detail_inquiry"] == "view_only"
        assert levels["rokin.detail_new"] == "hide"

        row.get_by_role("button", name="更新へ").click()
        expect(page.get_by_role("heading", name="契約ユーザー更新")).to_be_visible()
        expect(page.get_by_test_id("edit-user-id")).to_contain_text(new_id)
        expect(page.get_by_label("労金控除明細照会")).to_have_value("view_only")
        page.get_by_label("ユーザー名").fill("一般次郎")
        page.get_by_role("button", name="更新", exact=True).click()

        expect(page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
        row = page.get_by_role("row").filter(has_text=new_id)
        expect(row).to_contain_text("一般次郎")
        assert _stored(new_id) == ("一般次郎", levels)  # blank fields and menus unchanged

        row.get_by_role("button", name="削除").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text("削除してよろしいですか？")
        dialog.get_by_role("button", name="はい").click()
        expect(page.get_by_role("table")).not_to_contain_text(new_id)
        expect(page.get_by_role("table")).to_contain_text(master.user_id)
        assert _stored(new_id)[0] is None


def test_r_info_2a_general_user_sees_only_their_own_entry(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    in_hours(service)
    master = issue_certificate(service, tmp_path)
    general = issue_certificate(service, tmp_path, role="general", contract_no=master.contract_no)
    context, page = _login(browser, service, general.p12, general.password)
    with context:
        # A general user finds their own entry under 共通機能; no システム管理機能 at all.
        expect(page.get_by_role("heading", name="システム管理機能")).to_have_count(0)
        page.get_by_test_id("common-menu").get_by_role(
            "button", name="契約ユーザー情報照会").click()
        table = page.get_by_role("table")
        expect(table).to_contain_text(general.user_id)
        expect(table).not_to_contain_text(master.user_id)
        # R-INFO-2a: the own entry shows e-mail, 権限 and the last sign-ins too.
        own = page.get_by_test_id("own-entry")
        expect(own).to_contain_text(_email(general.user_id))
        expect(own).to_contain_text("権限")
        expect(own).to_contain_text("前回までのログイン")
        expect(page.get_by_role("button", name="登録へ")).to_have_count(0)
        expect(page.get_by_role("button", name="更新へ")).to_have_count(0)
        expect(page.get_by_role("button", name="削除")).to_have_count(0)
        page.goto(service.base_url + "/users/new")  # master only: sent back to the list
        expect(page.get_by_role("heading", name="契約ユーザー情報照会")).to_be_visible()
        expect(page.get_by_role("heading", name="契約ユーザー登録")).to_have_count(0)
