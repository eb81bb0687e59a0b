"""財形貯蓄事務 in a real browser (SPEC §11 RZ-1, RZ-2, R-PLUS-3, R-INFO-1; manual P.24
「インフォメーション画面（財形貯蓄）」: 預入依頼書・加入者残高一覧表（※）・奨励金（※）の最新の
受信情報 — ※ ご契約がない場合は表示されません)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import IssuedForTest, Service, in_hours
from tests.e2e.zaikei_support import zaikei_employer


def _sign_in(browser: Browser, service: Service, holder: IssuedForTest) -> tuple[
        BrowserContext, Page]:
    """One payment group: the login goes straight to the information screen."""
    context = browser.new_context(
        ignore_https_errors=True, accept_downloads=True,
        client_certificates=[{"origin": service.base_url, "pfxPath": str(holder.p12),
                              "passphrase": holder.password}],
    )
    page = context.new_page()
    page.goto(service.base_url + "/login")
    expect(page.get_by_test_id("login-user-id")).not_to_be_empty()
    page.get_by_label("パスワード", exact=True).fill(holder.password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_test_id("info-title")).to_be_visible(timeout=30_000)
    return context, page


def test_r_info_1_rz_1_rz_2_employer_sees_latest_data_alarms_and_statement_pdf(
    browser: Browser, service: Service, tmp_path: Path,
) -> None:
    """R-INFO-1: インフォメーション画面（財形貯蓄） with the three latest-received lines and no
    労金控除 schedule; RZ-1 with a 財形アラーム (R-PLUS-3); RZ-2 財形積立明細書 PDF."""
    in_hours(service)
    holder = zaikei_employer(service, tmp_path, "zaikei,zaikei-balance,zaikei-incentive")
    context, page = _sign_in(browser, service, holder)
    with context:
        expect(page.get_by_test_id("info-title")).to_have_text("インフォメーション画面（財形貯蓄）")
        latest = page.get_by_test_id("zaikei-latest")
        expect(latest.get_by_test_id("zaikei-latest-deposit")).to_contain_text("預入依頼書：")
        expect(latest.get_by_test_id("zaikei-latest-balance")).to_contain_text(
            "加入者残高一覧表：基準日")
        expect(latest.get_by_test_id("zaikei-latest-incentive")).to_contain_text("奨励金：")
        expect(page.get_by_test_id("rokin-schedule")).to_have_count(0)
        # R-INFO-3: each entry opens its list or PDF.
        expect(latest.get_by_test_id("zaikei-latest-deposit")).to_have_attribute(
            "href", "/zaikei/statement")
        expect(latest.get_by_test_id("zaikei-latest-balance")).to_have_attribute(
            "href", "/zaikei/details")

        page.get_by_role("link", name="財形積立明細照会").click()
        expect(page.get_by_test_id("list-count")).to_contain_text("件", timeout=30_000)
        alarms = page.get_by_test_id("zaikei-alarms")
        expect(alarms).to_contain_text("満58歳")
        expect(alarms).to_contain_text("非課税限度額")
        expect(page.get_by_test_id("zaikei-totals")).to_contain_text("月例額")

        page.goto(service.base_url + "/info")
        page.get_by_role("link", name="財形積立明細書出力").click()
        page.get_by_role("button", name="PDF出力").click()
        expect(page.get_by_test_id("output-name")).to_contain_text("財形積立明細書",
                                                                   timeout=60_000)
        with page.expect_download() as info:
            page.get_by_role("button", name="ダウンロード").click()
        target = tmp_path / "statement.pdf"
        info.value.save_as(target)
        text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(target), "-"],
                              check=True, capture_output=True, text=True).stdout
        for word in ("財形積立明細書", holder.contract_no, "非課税枠使用額", "000900", "合計"):
            assert word in text, word


def test_r_info_1_no_balance_line_without_the_balance_service(
    browser: Browser, service: Service, tmp_path: Path,
) -> None:
    """A contract without 加入者残高一覧表 (and 奨励金) shows the 預入依頼書 line only."""
    in_hours(service)
    holder = zaikei_employer(service, tmp_path, "zaikei")
    context, page = _sign_in(browser, service, holder)
    with context:
        latest = page.get_by_test_id("zaikei-latest")
        expect(latest.get_by_test_id("zaikei-latest-deposit")).to_contain_text("預入依頼書：")
        expect(page.get_by_test_id("zaikei-latest-balance")).to_have_count(0)
        expect(page.get_by_test_id("zaikei-latest-incentive")).to_have_count(0)
        expect(latest).not_to_contain_text("加入者残高一覧表")
