"""マニュアル照会 (R-MAN-1, R-INFO-3): the bank's forms of the contract's kind, shown in the browser
or downloaded, through single-use tickets bound to the session and the certificate."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from chingin_app.domain.messages import message
from tests.e2e.conftest import Service, in_hours, issue_certificate

REQUEST_FORM = "ログインＩＤ／パスワード初期化・電子証明書失効等依頼書"


def test_r_man_1_member_contract_sees_and_downloads_its_forms(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    in_hours(service)
    user = issue_certificate(service, tmp_path, role="general")
    context = browser.new_context(
        ignore_https_errors=True, accept_downloads=True,
        client_certificates=[{"origin": service.base_url, "pfxPath": str(user.p12),
                              "passphrase": user.password}],
    )
    with context:
        page = context.new_page()
        page.goto(service.base_url + "/login")
        expect(page.get_by_test_id("login-user-id")).not_to_be_empty()
        page.get_by_label("パスワード", exact=True).fill(user.password)
        page.get_by_role("button", name="ログイン").click()
        page.get_by_role("button", name="マニュアル照会").click()
        table = page.get_by_role("table")
        expect(table).to_contain_text(REQUEST_FORM)
        expect(table).to_contain_text("初期パスワード届出書（会員向け）")
        expect(table).not_to_contain_text("事業主向け")  # R-INFO-3: the contract's kind only
        with page.expect_download() as info:
            page.get_by_role("button", name=f"ダウンロード {REQUEST_FORM}").click()
        assert Path(info.value.path()).read_bytes().startswith(b"%PDF-")
        page.get_by_role("button", name=f"表示 {REQUEST_FORM}").click()
        link = page.get_by_role("link", name=f"「{REQUEST_FORM}」を開く")
        url = service.base_url + str(link.get_attribute("href"))
        first = context.request.get(url)  # what the browser does when the link is followed
        assert first.status == 200
        assert first.headers["content-type"] == "application/pdf"
        assert first.headers["content-disposition"].startswith("inline;")
        assert first.body().startswith(b"%PDF-")
        # A ticket is single use: the same URL again is refused.
        again = context.request.get(url)
        assert again.status == 403
        assert "このファイルは表示できません" in again.text()
    # Without the certificate the ticket route gives nothing either.
    assert service.https_get("/dl/anything")[0] == 403
    assert message("MSG-CERT-NONE")  # the catalogue still holds the login messages
