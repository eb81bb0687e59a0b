"""賃控元帳 in Chromium through nginx (SPEC §11 RL-11 賃控元帳種目情報照会, RL-2 賃控元帳明細新規
登録, RL-1 賃控元帳明細照会, RL-4 賃控元帳明細更新履歴照会; A.1 カナ氏名): the master adds a 種目,
registers a ledger detail for a new employee typed in hiragana and sees the bank's kana,
changes its amount and sees it in the 更新履歴; deleting a 種目 in use is refused.

The contract is the 労金控除 demo organisation with the demo ledger (runtime/demo_ledger.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import select

from chingin_app.db import session_scope
from chingin_app.models import Contract, LedgerItemType
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours
from tests.e2e.rokin_support import RokinOrg, ledger_org, sign_in


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


@pytest.fixture(scope="module")
def org(service: Service, tmp_path_factory: pytest.TempPathFactory) -> RokinOrg:
    return ledger_org(service, tmp_path_factory.mktemp("ledger"))


def _item_names(contract_no: str) -> list[str]:
    with session_scope(read_only=True) as db:
        return list(db.exec(
            select(LedgerItemType.name).join(Contract).where(Contract.contract_no == contract_no)
            .order_by(LedgerItemType.code)).all())


def test_rl_11_rl_2_rl_1_rl_4_master_adds_an_item_registers_changes_and_sees_history(
    browser: Browser, service: Service, org: RokinOrg
) -> None:
    """RL-11 新規登録 of a 種目 → RL-2 registers a new employee with it, カナ氏名 typed in
    hiragana shown and stored normalised (A.1) → RL-1 変更 of 月例額 → RL-4 shows 変更 with
    月例額 before → after. RL-11 削除 of 組合費 (used by the demo details) is refused."""
    context, page = sign_in(browser, service, org.master)
    with context:
        page.get_by_role("link", name="賃控元帳種目情報照会").click()
        expect(page.get_by_role("heading", name="賃控元帳種目情報照会")).to_be_visible()
        table = page.get_by_role("table")
        expect(table).to_contain_text("組合費")
        page.get_by_role("button", name="新規登録").click()
        form = page.get_by_role("region", name="種目の入力")
        form.get_by_label("種目コード（半角数字4桁以内）").fill("0009")
        form.get_by_label("種目名（全角20文字以内）").fill("親睦会費")
        form.get_by_role("button", name="登録").click()
        expect(page.get_by_role("status").filter(has_text="種目 0009 を登録しました。")
               ).to_be_visible()
        expect(table.locator("tbody tr").filter(has_text="0009")).to_contain_text("親睦会費")
        page.get_by_role("button", name="削除 0001 組合費").click()
        page.get_by_role("button", name="はい").click()
        expect(page.get_by_role("alert").filter(has_text="使用されているため削除できません")
               ).to_be_visible()
        assert "組合費" in _item_names(org.contract_no)

        page.get_by_role("button", name="戻る").click()
        page.get_by_role("link", name="賃控元帳明細新規登録").click()
        expect(page.get_by_role("heading", name="賃控元帳明細新規登録")).to_be_visible()
        page.get_by_label("職員番号（半角数字10桁以内）").fill("0098001")
        kana = page.get_by_label("カナ氏名")
        kana.fill("きゅうよ　はなこ")
        kana.press("Tab")
        expect(page.get_by_text("正規化後: ｷﾕｳﾖ ﾊﾅｺ")).to_be_visible()
        page.get_by_label("漢字氏名").fill("給与　花子")
        page.get_by_label("所属").fill("総務部")
        page.get_by_label("種目", exact=True).select_option(label="0009 親睦会費")
        page.get_by_label("月例額（円）").fill("1500")
        page.get_by_label("一時金額（円）").fill("0")
        page.get_by_label("開始年月（例 2026-05）").fill("2026-05")
        page.get_by_role("button", name="登録").click()
        expect(page.get_by_role("status").filter(has_text="登録しました")).to_contain_text(
            "ｷﾕｳﾖ ﾊﾅｺ")

        page.get_by_role("link", name="賃控元帳明細照会で確認").click()
        expect(page.get_by_role("heading", name="賃控元帳明細照会")).to_be_visible()
        rows = page.get_by_role("table").locator("tbody tr")
        row = rows.filter(has_text="0098001")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("ｷﾕｳﾖ ﾊﾅｺ")
        expect(row).to_contain_text("0009 親睦会費")
        expect(row).to_contain_text("1,500")
        # The manual's row actions 照会・変更・解除 (P.22; issue 13 item 6): no 追加登録.
        expect(row.get_by_role("button", name="追加登録 0098001 0009 親睦会費")).to_have_count(0)
        expect(row.get_by_role("button", name="解除 0098001 0009 親睦会費")).to_have_count(1)
        page.get_by_role("button", name="照会 0098001 0009 親睦会費").click()
        view = page.get_by_role("region", name="明細の照会")
        expect(view).to_contain_text("ｷﾕｳﾖ ﾊﾅｺ")
        expect(view).to_contain_text("1,500")
        view.get_by_role("button", name="閉じる").click()
        expect(view).to_have_count(0)
        page.get_by_role("button", name="変更 0098001 0009 親睦会費").click()
        detail_form = page.get_by_role("region", name="明細の入力")
        detail_form.get_by_label("月例額（円）").fill("2500")
        detail_form.get_by_role("button", name="更新").click()
        expect(page.get_by_role("status").filter(
            has_text="職員番号 0098001 の賃控元帳明細を変更しました。")).to_be_visible()
        expect(row).to_contain_text("2,500")

        page.get_by_role("link", name="履歴 0098001 0009 親睦会費").click()
        expect(page.get_by_role("heading", name="賃控元帳明細更新履歴照会")).to_be_visible()
        first = page.get_by_role("table").locator("tbody tr").first
        expect(first).to_contain_text("変更")
        expect(first).to_contain_text(org.master.user_id)
        expect(first).to_contain_text("月例額: 1,500 → 2,500")
        expect(page.get_by_role("table").locator("tbody tr")).to_have_count(2)
