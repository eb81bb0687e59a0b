"""Navigation and layout in Chromium through nginx (issue 14 items 3 and 4; SPEC R-INFO-1,
R-INFO-2): every screen reachable from the information screen has the persistent menu, the
breadcrumb インフォメーション > area > screen and 戻る back to the information screen; the
information screen lists every menu as a visible link under the manual's category headings;
at 1366×768 no screen scrolls the page sideways (wide tables scroll inside themselves) and the
row actions of 明細照会 / 入金中止設定 stay on screen.

The states are imported at module level (in pytest's thread): Reflex registers state classes in
the importing thread's context."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from chingin_app import routes
from chingin_app.domain.permissions import GROUPS
from tests.e2e.conftest import BUSINESS_HOURS, Service, in_hours
from tests.e2e.rokin_support import RokinOrg, rokin_org, sign_in

WIDTH, HEIGHT = 1366, 768

#: 共通機能 / システム管理機能 screens the master opens from the information screen's buttons.
COMMON_SCREENS = (
    ("パスワード変更", "共通機能"),
    ("マニュアル照会", "共通機能"),
    ("通知設定", "共通機能"),
    ("契約ユーザー情報照会", "システム管理機能"),
    ("操作ログ照会", "システム管理機能"),
)


@pytest.fixture(autouse=True)
def inside_hours(service: Service) -> Iterator[None]:
    service.set_clock(BUSINESS_HOURS)
    yield
    in_hours(service)


@pytest.fixture(scope="module")
def org(service: Service, tmp_path_factory: pytest.TempPathFactory) -> RokinOrg:
    return rokin_org(service, tmp_path_factory.mktemp("navigation"))


def _no_page_scroll(page: Page, where: str) -> None:
    """Issue 14 item 4: the document is no wider than the window at 1366 px."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{where}: scrollWidth {width} > {WIDTH}"


def _has_navigation(page: Page, title: str, area: str) -> None:
    """The heading is the menu name; the menu, the breadcrumb and 戻る are there."""
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_test_id("global-menu")).to_be_visible()
    expect(page.get_by_test_id("global-menu-area").first).to_be_visible()
    crumbs = page.get_by_test_id("breadcrumb")
    expect(crumbs).to_have_text(f"インフォメーション›{area}›{title}")
    back = page.get_by_test_id("nav-back")
    expect(back).to_have_text("戻る")
    expect(back).to_have_attribute("href", routes.INFO)


def _menu_links(page: Page) -> list[tuple[str, str, str]]:
    """(group, label, href) of every business menu link of the information screen."""
    found: list[tuple[str, str, str]] = []
    for section in page.get_by_test_id("business-menus").locator("section").all():
        group = section.get_by_role("heading").inner_text()
        for link in section.get_by_test_id("business-menu").all():
            found.append((group, link.inner_text(), link.get_attribute("href") or ""))
    return found


def test_r_info_1_every_screen_has_menu_breadcrumb_and_back_and_fits_1366(
    browser: Browser, service: Service, org: RokinOrg
) -> None:
    """Issue 14 items 3/4 (R-INFO-1, R-INFO-2): the information screen shows every menu as a
    visible link under 労金控除事務 / 賃控元帳事務 / 一斉積立事務; each of those screens and each
    共通機能 / システム管理機能 screen has the persistent menu, the breadcrumb and 戻る, and at
    1366×768 none scrolls the page sideways."""
    context, page = sign_in(browser, service, org.master)
    with context:
        page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
        expect(page.get_by_test_id("business-menu").first).to_be_visible()
        links = _menu_links(page)
        groups = [g for g in GROUPS if any(link[0] == g for link in links)]
        assert groups == ["労金控除事務", "賃控元帳事務", "一斉積立事務"]
        assert len(links) >= 30
        for link in page.get_by_test_id("business-menu").all():
            expect(link).to_be_visible()  # no collapsing
        _no_page_scroll(page, "インフォメーション画面")
        # The information screen is the menu itself: no second menu, no 戻る.
        expect(page.get_by_test_id("nav-back")).to_have_count(0)

        failures: list[str] = []
        for group, label, href in links:
            page.goto(service.base_url + href)
            _has_navigation(page, label, group)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                failures.append(f"{label}: {width}")
        for label, area in COMMON_SCREENS:
            page.goto(service.base_url + routes.INFO)
            page.get_by_role("button", name=label, exact=True).click()
            _has_navigation(page, label, area)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                failures.append(f"{label}: {width}")
        assert failures == []


def test_issue_14_back_and_menu_lead_to_the_screens(
    browser: Browser, service: Service, org: RokinOrg
) -> None:
    """Issue 14 item 3: 戻る always returns to the information screen (from a screen that had
    none: 労金控除依頼リスト出力); the persistent menu opens a business area's screens and goes
    to one without passing the information screen."""
    context, page = sign_in(browser, service, org.master)
    with context:
        page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
        page.get_by_role("link", name="労金控除依頼リスト出力").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("労金控除依頼リスト出力")
        page.get_by_test_id("nav-back").click()
        expect(page.get_by_test_id("info-title")).to_be_visible()
        expect(page).to_have_url(service.base_url + routes.INFO)

        page.get_by_role("link", name="まとめ入金確定", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("まとめ入金確定")
        page.wait_for_load_state("networkidle")
        page.get_by_role("button", name="賃控元帳事務").click()
        menu = page.get_by_role("menu")
        expect(menu).to_be_visible()
        # An opaque panel over the page (the portal is outside the themed root).
        background = menu.evaluate("m => getComputedStyle(m).backgroundColor")
        assert background == "rgb(255, 255, 255)"
        menu.get_by_role("menuitem", name="賃控元帳明細照会", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("賃控元帳明細照会")
        expect(page.get_by_test_id("breadcrumb")).to_contain_text("賃控元帳事務")


def test_issue_14_tables_fit_and_keep_their_actions_visible(
    browser: Browser, service: Service, org: RokinOrg
) -> None:
    """Issue 14 item 4 (RK-1 明細照会, RK-8 入金中止設定): at 1366×768 the page does not scroll
    sideways, names stay on one line, amounts are right-aligned and the row's 変更 / 入金中止
    button is inside the window."""
    context, page = sign_in(browser, service, org.master)
    with context:
        page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
        page.goto(service.base_url + routes.ROKIN_DETAILS)
        page.get_by_role("button", name="検索").click()
        change = page.get_by_role("button", name="変更").first
        expect(change).to_be_visible()
        _no_page_scroll(page, "労金控除明細照会")
        box = change.bounding_box()
        assert box is not None and box["x"] + box["width"] <= WIDTH

        page.goto(service.base_url + routes.ROKIN_REMIT_HOLDS)
        hold = page.get_by_role("button", name="入金中止").first
        expect(hold).to_be_visible()
        _no_page_scroll(page, "まとめ入金依頼入金中止設定")
        box = hold.bounding_box()
        assert box is not None and box["x"] + box["width"] <= WIDTH
        # Names and 所属 on one line, amounts right-aligned.
        cells = page.locator('[aria-label="依頼明細"] tbody tr').first.locator("td")
        wraps = cells.evaluate_all("cs => cs.map(c => getComputedStyle(c).whiteSpace)")
        assert set(wraps) == {"nowrap"}
        aligns = cells.evaluate_all("cs => cs.map(c => getComputedStyle(c).textAlign)")
        assert aligns[6] == "right"  # 金額 (HOLD_COLUMNS), with its separators
        assert re.fullmatch(r"[\d,]+円?", cells.nth(6).inner_text().strip())
        # The action column (入金中止) stays at the right edge while the table scrolls.
        assert cells.last.evaluate("c => getComputedStyle(c).position") == "sticky"
