"""操作ログ照会 (R-LOG-1): the master sees what was done on the contract, searches it and
exports it as CSV that opens in Japanese Excel (CP932, R-ENV-3); general users do not."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Service, in_hours, issue_certificate


def _login(browser: Browser, service: Service, p12: Path, password: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        ignore_https_errors=True, accept_downloads=True,
        client_certificates=[{"origin": service.base_url, "pfxPath": str(p12),
                              "passphrase": password}],
    )
    page = context.new_page()
    page.goto(service.base_url + "/login")
    expect(page.get_by_test_id("login-user-id")).not_to_be_empty()
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_test_id("info-title")).to_be_visible()
    return context, page


def test_r_log_1_master_searches_and_exports_the_log(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    in_hours(service)
    master = issue_certificate(service, tmp_path)
    general = issue_certificate(service, tmp_path, role="general", contract_no=master.contract_no)
    # The general user signs in once, so the master has something of theirs to find.
    context, page = _login(browser, service, general.p12, general.password)
    with context:
        expect(page.get_by_role("button", name="操作ログ照会")).to_have_count(0)
        page.goto(service.base_url + "/operation-log")
        expect(page.get_by_test_id("info-title")).to_be_visible()  # sent back: master only

    context, page = _login(browser, service, master.p12, master.password)
    with context:
        page.get_by_role("button", name="操作ログ照会").click()
        expect(page.get_by_role("heading", name="操作ログ照会")).to_be_visible()
        table = page.get_by_role("table")
        expect(table).to_contain_text(general.user_id)
        expect(table).to_contain_text(master.user_id)
        # R-LOG-1 (issue 13 item 6): the filter offers the contract's operations and the
        # bank's actions on it, not operator sign-ins or job runs (never in a contract's log).
        options = page.locator("#field-action option")
        expect(options.filter(has_text="オペレーターサインイン")).to_have_count(0)
        expect(options.filter(has_text="定時処理実行")).to_have_count(0)
        expect(options.filter(has_text="契約登録")).to_have_count(1)
        page.get_by_label("ユーザーＩＤ").fill(general.user_id)
        page.get_by_role("button", name="検索").click()
        expect(table).not_to_contain_text(master.user_id)
        expect(table).to_contain_text(general.user_id)
        with page.expect_download() as info:
            page.get_by_role("button", name="CSV出力").click()
        raw = Path(info.value.path()).read_bytes()
    text = raw.decode("cp932")  # R-ENV-3: opens in Japanese Excel
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "日時"
    assert all(row[1] == general.user_id for row in rows[1:])
    assert len(rows) > 1
