"""Issue 14 item 8: the docs/screens/ gallery — the main screens of the demo organisation at
1366×768 in Chromium with Japanese fonts, written by this test (so the pictures follow the
screens) with an index page the README links to."""

from __future__ import annotations

import subprocess
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from chingin_app import routes
from tests.e2e.conftest import Service, in_hours
from tests.e2e.rokin_support import rokin_org

ROOT = Path(__file__).resolve().parents[2]
GALLERY = ROOT / "docs" / "screens"
VIEWPORT = {"width": 1366, "height": 768}

#: (file stem, heading shown, route) of the screens a new user meets first, in the month's order.
SHOTS: tuple[tuple[str, str, str], ...] = (
    ("01-info", "インフォメーション画面", routes.INFO),
    ("02-rokin-details", "労金控除明細照会", routes.ROKIN_DETAILS),
    ("03-rokin-request-lists", "労金控除依頼リスト出力", routes.ROKIN_REQUEST_LISTS),
    ("04-rokin-reconciliation", "給与控除データ照合", routes.ROKIN_RECONCILIATION),
    ("05-rokin-remit-holds", "まとめ入金依頼入金中止設定", routes.ROKIN_REMIT_HOLDS),
    ("06-rokin-remit-confirm", "まとめ入金確定", routes.ROKIN_REMIT_CONFIRM),
    ("07-rokin-result-lists", "労金控除結果リスト出力", routes.ROKIN_RESULT_LISTS),
    ("08-ledger-details", "賃控元帳明細照会", routes.LEDGER_DETAILS),
    ("09-users", "契約ユーザー情報照会", routes.USERS),
    ("10-operation-log", "操作ログ照会", routes.OPERATION_LOG),
)


def _japanese_font_installed() -> bool:
    out = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True, check=False)
    return bool(out.stdout.strip())


def _shoot(page: Page, stem: str) -> Path:
    target = GALLERY / f"{stem}.png"
    page.screenshot(path=str(target))  # the viewport: what a 1366×768 screen shows first
    return target


def test_issue14_gallery_of_the_main_screens_at_1366(
    browser: Browser, service: Service, tmp_path: Path
) -> None:
    assert _japanese_font_installed(), "no Japanese font: ./dev.sh test installs fonts-noto-cjk"
    in_hours(service)
    GALLERY.mkdir(parents=True, exist_ok=True)
    org = rokin_org(service, tmp_path)
    context = browser.new_context(
        ignore_https_errors=True, viewport=VIEWPORT, locale="ja-JP",
        client_certificates=[{"origin": service.base_url, "pfxPath": str(org.master.p12),
                              "passphrase": org.master.password}],
    )
    written: list[tuple[str, str]] = []
    with context:
        page = context.new_page()
        page.goto(service.base_url + routes.LOGIN)
        expect(page.get_by_test_id("login-user-id")).not_to_be_empty()
        written.append(("00-login", "ログイン"))
        _shoot(page, "00-login")
        page.get_by_label("パスワード", exact=True).fill(org.master.password)
        page.get_by_role("button", name="ログイン").click()
        page.get_by_role("button", name="選択 001").click()
        expect(page.get_by_test_id("info-title")).to_be_visible()
        for stem, heading, route in SHOTS:
            page.goto(service.base_url + route)
            expect(page.get_by_role("heading", level=1, name=heading, exact=True)).to_be_visible()
            if route == routes.INFO:  # the chart draws after its own load
                expect(page.get_by_test_id("cycle-chart")).to_be_visible()
            page.wait_for_load_state("networkidle")
            _shoot(page, stem)
            written.append((stem, heading))
            if route == routes.INFO:  # and the chart of the last cycles, below the fold
                page.get_by_test_id("cycle-chart").scroll_into_view_if_needed()
                expect(page.locator("[data-testid=cycle-chart] .recharts-bar-rectangle").first
                       ).to_be_visible()
                _shoot(page, "01b-info-chart")
                written.append(("01b-info-chart", "インフォメーション画面（最近12回の労金控除）"))
    for stem, _heading in written:
        picture = GALLERY / f"{stem}.png"
        assert picture.stat().st_size > 10_000, f"{picture} looks empty"
    index = ["# 画面ギャラリー", "",
             "主な画面の 1366×768 での表示です（デモ契約のマスターユーザー、Chromium、"
             "日本語フォント Noto CJK）。`tests/e2e/test_screens_gallery.py` が e2e テストの"
             "たびに撮り直します。", ""]
    index += [f"## {heading}\n\n![{heading}]({stem}.png)\n" for stem, heading in written]
    (GALLERY / "README.md").write_text("\n".join(index), encoding="utf-8")
